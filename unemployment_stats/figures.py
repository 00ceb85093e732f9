"""The numbers of a monthly report, computed set-based (DESIGN.md: the province ≤ 10 s, a city ≤ 2 s at a million
registrations): two aggregate queries over the registrations and exits of the reporting region's subtree give
counts per registration region (``Tally``), which are then rolled up in Python over the region tree.

Definitions (README "Monthly statistics"):

- **Registered unemployed at period end**: registrations with ``registered_on <= end`` that had not ended by the
  end of that day (``ended_on`` empty or after ``end``). *An exit dated on the period's last day is not counted*:
  the person was deregistered that day, so is no longer registered at the end of it; the exit counts in that
  period's exits. Hence stock(end) = stock(previous end) + new − exits, exactly. One person once: should two
  registrations of one person overlap (an imported history), the latest counts. National-platform registrations
  are ordinary registrations with the application's channel ``national`` (carried on the registration), merged
  with the local ones and broken down by ``channel``.
- **Urban only** (十 "在城镇区域办理失业登记"): the registration's region decides (``offices.Region.area``, kept by
  administrators); registrations in rural regions are not counted in the figures and are shown apart
  (``rural_registered`` per row and the ``rural`` list).
- **New registrations**: ``registered_on`` within the period. **Exits**: effective exits of the deregistration
  stage by ``deregistered_on`` (ADC210) within the period, by AJC00A code (a proposed, returned or cancelled exit
  is not counted), plus imported ended registrations (``source = imported``) by their ``ended_on`` and reason.
- Breakdowns of the registered unemployed at period end: sex (AAC004), age band on the end day, education
  (AAC011), category (``categories.CATEGORIES``), duration of unemployment (whole months from registration to the
  end day) and channel.
- **Rate** = registered unemployed / (urban employed + registered unemployed), in percent with two decimals; the
  urban employed of the period, else the previous year-end figure (flagged), else the sum of the regions below.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from offices.models import Region

from .categories import CATEGORIES
from .periods import Period

AGE_BANDS = [(25, "16-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"), (None, "55+")]
DURATION_BANDS = [(3, "0-2"), (6, "3-5"), (12, "6-11"), (None, "12+")]  # whole months unemployed
DIMENSIONS = ("sex", "age", "education", "duration", "channel")
CATEGORY_KEYS = tuple(c.key for c in CATEGORIES)

# Flag of the urban employed figure behind a rate.
EMPLOYED_OWN = "own"  # entered for this region and period
EMPLOYED_YEAR_END = "year_end"  # the previous year-end figure (十), said on the report
EMPLOYED_SUM = "sum"  # the sum of the regions below (each its own figure)
EMPLOYED_MISSING = "missing"  # nothing entered: no rate
EMPLOYED_SOURCES_LABELS = {
    EMPLOYED_OWN: _("本期数"),
    EMPLOYED_YEAR_END: _("上年末数"),
    EMPLOYED_SUM: _("下级合计"),
    EMPLOYED_MISSING: _("未录入"),
}


def _band_sql(column: str, key: str, bands: list[tuple[int | None, str]]) -> str:
    """A CASE naming the band of a date column by comparing it with the band limits' dates (``band_limits``):
    "age < 25 on the end day" is "born after the end day minus 25 years" (plain date comparisons, no age())."""
    whens = " ".join(
        f"WHEN {column} > %({key}_{limit})s THEN '{name}'" for limit, name in bands if limit is not None
    )
    return f"CASE {whens} ELSE '{bands[-1][1]}' END"


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):  # the day, or the month's last day (as PostgreSQL's date - interval)
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise ValueError(day)  # unreachable


def band_limits(end: date) -> dict[str, date]:
    """The dates behind the age and duration bands on ``end``: born after ``age_25`` → under 25 on ``end``;
    registered after ``months_3`` → less than 3 whole months unemployed."""
    limits = {f"age_{limit}": _months_before(end, 12 * limit) for limit, _name in AGE_BANDS if limit}
    limits.update({f"months_{limit}": _months_before(end, limit) for limit, _name in DURATION_BANDS if limit})
    return limits


_CATEGORY_SQL = ", ".join(f"count(*) FILTER (WHERE {c.sql})" for c in CATEGORIES)

# One pass over the registrations of the subtree up to the period's end (index-only on registration_reg_stats):
# the stock at the end (one row per person) with its breakdowns, and the period's new registrations.
STOCK_SQL = f"""
WITH base AS MATERIALIZED (
    SELECT r.id, r.person_id, r.region_id, r.registered_on, r.ended_on, r.channel, r.is_graduate,
        r.draws_unemployment_subsidy, r.migrant_allowance, r.difficulty_category
    FROM registration_registration r
    JOIN offices_region g ON g.code = r.region_id
    WHERE g.path LIKE %(prefix)s AND r.registered_on <= %(end)s
), stock AS (
    SELECT DISTINCT ON (person_id) *
    FROM base
    WHERE ended_on IS NULL OR ended_on > %(end)s
    ORDER BY person_id, registered_on DESC, id DESC
), x AS (
    SELECT s.*, p.sex, p.education,
        {_band_sql("p.birth_date", "age", AGE_BANDS)} AS age_band,
        {_band_sql("s.registered_on", "months", DURATION_BANDS)} AS duration
    FROM stock s
    JOIN registration_person p ON p.id = s.person_id
)
SELECT 'stock', region_id, sex, age_band, education, duration, channel, count(*), {_CATEGORY_SQL}
FROM x r
GROUP BY GROUPING SETS (
    (region_id), (region_id, sex), (region_id, age_band), (region_id, education), (region_id, duration),
    (region_id, channel)
)
UNION ALL
SELECT 'new', region_id, NULL, NULL, NULL, NULL, channel, count(*), {", ".join("0" for _c in CATEGORIES)}
FROM base
WHERE registered_on >= %(start)s
GROUP BY region_id, channel
"""

EXITS_SQL = """
SELECT e.region_id, e.reason, count(*)
FROM deregistration_exit e
JOIN offices_region g ON g.code = e.region_id
WHERE g.path LIKE %(prefix)s AND e.status = 'effective' AND e.deregistered_on BETWEEN %(start)s AND %(end)s
GROUP BY e.region_id, e.reason
UNION ALL
SELECT r.region_id, r.ended_reason, count(*)
FROM registration_registration r
JOIN offices_region g ON g.code = r.region_id
WHERE g.path LIKE %(prefix)s AND r.source = 'imported' AND r.status = 'ended'
  AND r.ended_on BETWEEN %(start)s AND %(end)s
  AND NOT EXISTS (SELECT 1 FROM deregistration_exit e WHERE e.registration_id = r.id AND e.status = 'effective')
GROUP BY r.region_id, r.ended_reason
"""


@dataclass
class Tally:
    """Counts of one region (or a roll-up of several)."""

    registered: int = 0
    categories: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORY_KEYS, 0))
    by: dict[str, dict[str, int]] = field(default_factory=lambda: {d: {} for d in DIMENSIONS})
    new: int = 0
    new_by_channel: dict[str, int] = field(default_factory=dict)
    exits: int = 0
    exits_by_code: dict[str, int] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.registered += other.registered
        for key, n in other.categories.items():
            self.categories[key] = self.categories.get(key, 0) + n
        for dim, values in other.by.items():
            mine = self.by.setdefault(dim, {})
            for value, n in values.items():
                mine[value] = mine.get(value, 0) + n
        self.new += other.new
        _merge(self.new_by_channel, other.new_by_channel)
        self.exits += other.exits
        _merge(self.exits_by_code, other.exits_by_code)

    def as_dict(self) -> dict[str, Any]:
        return {
            "registered": self.registered,
            "categories": dict(self.categories),
            "by": {d: dict(sorted(v.items())) for d, v in self.by.items()},
            "new": self.new,
            "new_by_channel": dict(sorted(self.new_by_channel.items())),
            "exits": self.exits,
            "exits_by_code": dict(sorted(self.exits_by_code.items())),
        }


def _merge(into: dict[str, int], other: dict[str, int]) -> None:
    for key, n in other.items():
        into[key] = into.get(key, 0) + n


def region_tallies(prefix: str, period: Period) -> dict[str, Tally]:
    """Counts per registration region for every region whose path starts with ``prefix`` (two queries)."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    params: dict[str, str | date] = {
        "prefix": f"{prefix}%",
        "start": period.start,
        "end": period.end,
        **band_limits(period.end),
    }
    with connection.cursor() as cursor:
        cursor.execute(STOCK_SQL, params)
        for kind, region_id, sex, age_band, education, duration, channel, n, *cats in cursor.fetchall():
            tally = tallies[region_id]
            if kind == "new":
                tally.new += n
                _merge(tally.new_by_channel, {channel or "": n})
                continue
            grouped = {
                "sex": sex,
                "age": age_band,
                "education": education,
                "duration": duration,
                "channel": channel,
            }
            dims = [(dim, value) for dim, value in grouped.items() if value is not None]
            if not dims:  # the (region_id) set
                tally.registered = n
                tally.categories = dict(zip(CATEGORY_KEYS, cats, strict=True))
            else:
                dim, value = dims[0]
                tally.by[dim][value or ""] = n
        cursor.execute(EXITS_SQL, params)
        for region_id, reason, n in cursor.fetchall():
            tallies[region_id].exits += n
            _merge(tallies[region_id].exits_by_code, {reason: n})
    return dict(tallies)


@dataclass(frozen=True)
class RegionNode:
    code: str
    name: str
    level: int
    parent_id: str | None
    path: str
    area: str


def region_tree(prefix: str) -> dict[str, RegionNode]:
    return {
        r["code"]: RegionNode(**r)
        for r in Region.objects.filter(path__startswith=prefix).values(
            "code", "name", "level", "parent_id", "path", "area"
        )
    }


def employed_entries(period: Period) -> dict[tuple[str, int, int], int]:
    """Urban employed of ``period`` and of the previous year-end, by (region, year, month)."""
    from .models import UrbanEmployed

    year_end = period.previous_year_end()
    rows = UrbanEmployed.objects.filter(
        year__in=[period.year, year_end.year], month__in=[period.month, year_end.month]
    ).values_list("region_id", "year", "month", "employed")
    return {(region, year, month): employed for region, year, month, employed in rows}


def resolve_employed(
    code: str, period: Period, entries: dict, children: dict[str, list[str]]
) -> tuple[int | None, str]:
    """The urban employed of region ``code`` for ``period`` and where it comes from (EMPLOYED_*)."""
    own = entries.get((code, period.year, period.month))
    if own is not None:
        return own, EMPLOYED_OWN
    year_end = period.previous_year_end()
    previous = entries.get((code, year_end.year, year_end.month))
    if previous is not None:
        return previous, EMPLOYED_YEAR_END
    kids = children.get(code, [])
    if not kids:
        return None, EMPLOYED_MISSING
    total, flags = 0, set()
    for kid in kids:
        value, flag = resolve_employed(kid, period, entries, children)
        if value is None:
            return None, EMPLOYED_MISSING
        total += value
        flags.add(flag)
    return total, EMPLOYED_YEAR_END if EMPLOYED_YEAR_END in flags else EMPLOYED_SUM


def rate(registered: int, employed: int | None) -> str | None:
    """Registered unemployed / (urban employed + registered unemployed), percent, 2 decimals (half up)."""
    if employed is None or employed + registered == 0:
        return None
    value = Decimal(registered * 100) / Decimal(employed + registered)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _roll_up(
    path: str, tree: dict[str, RegionNode], tallies: dict[str, Tally], *, exact: bool = False
) -> tuple[Tally, Tally]:
    """(urban, rural) counts of the registrations in the region at ``path`` (and below unless ``exact``)."""
    urban, rural = Tally(), Tally()
    for code, tally in tallies.items():
        node = tree.get(code)
        if node is None or not node.path.startswith(path) or (exact and node.path != path):
            continue
        (rural if node.area == Region.Area.RURAL else urban).add(tally)
    return urban, rural


def _row(node: RegionNode, urban: Tally, rural: Tally, employed: tuple[int | None, str], own_level=False):
    value, flag = employed
    return {
        "region": node.code,
        "name": node.name + ("（本级）" if own_level else ""),
        "area": node.area,
        **urban.as_dict(),
        "rural_registered": rural.registered,
        "urban_employed": value,
        "urban_employed_source": flag,
        "rate": rate(urban.registered, value),
    }


def build(
    unit: RegionNode,
    period: Period,
    tree: dict[str, RegionNode],
    tallies: dict[str, Tally],
    entries: dict,
) -> dict[str, Any]:
    """The figures of reporting region ``unit``: a row per region directly below it (and one for the unit's own
    level when registrations sit on it), the totals, the rural regions apart."""
    children: dict[str, list[str]] = defaultdict(list)
    for node in tree.values():
        if node.parent_id:
            children[node.parent_id].append(node.code)
    rows = []
    own_urban, own_rural = _roll_up(unit.path, tree, tallies, exact=True)
    kids = sorted(children.get(unit.code, []))
    if not kids or own_urban.registered or own_urban.new or own_urban.exits or own_rural.registered:
        rows.append(
            _row(
                unit,
                own_urban,
                own_rural,
                # The unit's own level has no urban employed of its own when regions lie below it.
                (None, EMPLOYED_MISSING) if kids else resolve_employed(unit.code, period, entries, children),
                own_level=bool(kids),
            )
        )
    for code in kids:
        node = tree[code]
        urban, rural = _roll_up(node.path, tree, tallies)
        rows.append(_row(node, urban, rural, resolve_employed(code, period, entries, children)))
    total_urban, total_rural = _roll_up(unit.path, tree, tallies)
    total_employed, total_flag = resolve_employed(unit.code, period, entries, children)
    rural_rows = []
    for node in sorted(tree.values(), key=lambda n: n.code):
        if node.area == Region.Area.RURAL and node.path.startswith(unit.path):
            _, mine = _roll_up(node.path, tree, tallies, exact=True)
            rural_rows.append(
                {
                    "region": node.code,
                    "name": node.name,
                    "registered": mine.registered,
                    "new": mine.new,
                    "exits": mine.exits,
                }
            )
    return {
        "period": period.key,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "unit": unit.code,
        "unit_name": unit.name,
        "computed_at": timezone.now().isoformat(),
        "rows": rows,
        "total": {
            **total_urban.as_dict(),
            "rural_registered": total_rural.registered,
            "urban_employed": total_employed,
            "urban_employed_source": total_flag,
            "rate": rate(total_urban.registered, total_employed),
        },
        "rural": rural_rows,
        "year_end_used": total_flag == EMPLOYED_YEAR_END
        or any(row["urban_employed_source"] == EMPLOYED_YEAR_END for row in rows),
    }


def compute(region: Region, period: Period) -> dict[str, Any]:
    """The figures of ``region`` (county, city or province) for ``period``."""
    return compute_many([region], period)[region.code]


def compute_many(regions: Iterable[Region], period: Period) -> dict[str, dict[str, Any]]:
    """The figures of several reporting regions, from one pass over their common subtree."""
    regions = list(regions)
    if not regions:
        return {}
    prefix = _common_prefix([r.path for r in regions])
    tree = region_tree(prefix)
    tallies = region_tallies(prefix, period)
    entries = employed_entries(period)
    return {r.code: build(tree[r.code], period, tree, tallies, entries) for r in regions}


def _common_prefix(paths: list[str]) -> str:
    parts = [p.rstrip("/").split("/") for p in paths]
    common: list[str] = []
    for segment in zip(*parts, strict=False):
        if len(set(segment)) != 1:
            break
        common.append(segment[0])
    return "".join(f"{c}/" for c in common)


# ---- differences between two computations (a recompute of a final report) ----

# The names under which a report's numbers are compared and listed (stored with the differences, in Chinese as
# the report itself).
FLAT_FIELDS = {
    "registered": "期末登记失业人数",
    "new": "本期新登记",
    "exits": "本期注销",
    "rural_registered": "农村区域登记（不计入）",
    "urban_employed": "城镇从业人员数",
    "rate": "登记失业率（%）",
}
FLAT_DIMENSIONS = {
    "sex": "性别",
    "age": "年龄",
    "education": "文化程度",
    "duration": "失业时长（月）",
    "channel": "登记渠道",
}


def flatten(figures: dict[str, Any]) -> dict[str, Any]:
    """Every number of a report under a readable key ("解放区（410802） · 期末登记失业人数", "合计 · 注销 · 11")."""
    flat: dict[str, Any] = {}
    with translation.override("zh-hans"):
        categories = {c.key: str(c.label) for c in CATEGORIES}

    def put(prefix: str, row: dict[str, Any]) -> None:
        for name, text in FLAT_FIELDS.items():
            flat[f"{prefix} · {text}"] = row.get(name)
        for key, n in row.get("categories", {}).items():
            flat[f"{prefix} · {categories.get(key, key)}"] = n
        for key, n in row.get("exits_by_code", {}).items():
            flat[f"{prefix} · 注销 · {key}"] = n
        for dim, values in row.get("by", {}).items():
            for key, n in values.items():
                flat[f"{prefix} · {FLAT_DIMENSIONS.get(dim, dim)} · {key}"] = n

    for row in figures.get("rows", []):
        put(f"{row['name']}（{row['region']}）", row)
    put("合计", figures.get("total", {}))
    return flat


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two computations of the same report: [{"key", "old", "new"}], in key order."""
    a, b = flatten(old), flatten(new)
    return [
        {"key": key, "old": a.get(key), "new": b.get(key)}
        for key in sorted(set(a) | set(b))
        if (a.get(key) or 0) != (b.get(key) or 0)
    ]
