"""The workbooks of the monthly statistics, all written through ``common.xlsx`` (streamed, formulas neutralised):

- ``report_workbook``: the monthly report as the official form (title, reporting unit, period, unit of count, one
  row per region, totals, the rural regions apart, filled-by and date) and a sheet per breakdown;
- ``detail_workbook``: the lists behind the numbers (registered unemployed at period end, new registrations,
  exits), ID numbers masked;
- ``business_workbook``: the 业务报表 of the month (applications, decisions, first contacts in time, follow-ups
  done, exits by code), per region;
- ``callback_workbook``: the seeded random sample for the third-party telephone survey (Henan 四).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from codes.lookup import label
from common.xlsx import XlsxWriter
from deregistration.models import Exit
from followup.models import Case, MonthlyFollowUp
from offices.models import Region, User
from offices.scoping import scope_by_region
from registration.idnumbers import age_in_years, mask_id
from registration.models import Application, Registration

from .categories import CATEGORIES
from .figures import AGE_BANDS, DURATION_BANDS, EMPLOYED_SOURCES_LABELS, region_tree
from .models import MonthlyReport
from .periods import Period

SEX = {"1": "男", "2": "女"}


def _channel_label(code: str) -> str:
    return str(dict(Application.Channel.choices).get(code, code or _("未记录")))


def _source_label(flag: str) -> str:
    return str(EMPLOYED_SOURCES_LABELS.get(flag, flag))


# ---- the official form ----


def report_columns() -> list[str]:
    return [
        _("行政区划代码"),
        _("地区"),
        _("期末登记失业人数"),
        _("其中：女性"),
        *[str(c.label) for c in CATEGORIES],
        _("本期新登记人数"),
        _("其中：全国平台"),
        _("本期注销人数"),
        _("城镇从业人员数"),
        _("登记失业率（%）"),
        _("从业人员数来源"),
        _("农村区域登记人数（不计入）"),
    ]


def _form_row(code: str, name: str, row: dict[str, Any]) -> list[Any]:
    return [
        code,
        name,
        row["registered"],
        row["by"].get("sex", {}).get("2", 0),
        *[row["categories"].get(c.key, 0) for c in CATEGORIES],
        row["new"],
        row["new_by_channel"].get("national", 0),
        row["exits"],
        row["urban_employed"],
        row["rate"],
        _source_label(row["urban_employed_source"]),
        row["rural_registered"],
    ]


def report_workbook(report: MonthlyReport, user: User) -> XlsxWriter:
    figures = report.figures
    period = report.period
    book = XlsxWriter()
    form = book.sheet(_("月报表"), widths=[12, 22, 14, 10, 14, 14, 16, 16, 12, 14, 12, 12, 14, 14, 18, 18])
    form.append([_("登记失业人员情况月报表")])
    form.append(
        [
            _("填报单位：%(unit)s") % {"unit": figures["unit_name"]},
            "",
            _("统计期间：%(start)s至%(end)s（%(year)d年%(month)d月）")
            % {"start": figures["start"], "end": figures["end"], "year": period.year, "month": period.month},
            "",
            "",
            "",
            _("计量单位：人"),
        ]
    )
    form.append([_("状态：%(status)s") % {"status": report.get_status_display()}])
    form.append_header(report_columns())
    rural_codes = {r["region"] for r in figures["rural"]}
    for row in figures["rows"]:
        if row["area"] == Region.Area.RURAL and row["region"] in rural_codes and not row["registered"]:
            continue  # a rural region: listed apart below
        form.append(_form_row(row["region"], row["name"], row))
    form.append(_form_row(figures["unit"], _("合计"), figures["total"]))
    form.append([])
    form.append([_("农村区域（不计入登记失业人数）")])
    form.append_header(
        [_("行政区划代码"), _("地区"), _("期末登记人数"), _("本期新登记人数"), _("本期注销人数")]
    )
    for rural in figures["rural"]:
        form.append([rural["region"], rural["name"], rural["registered"], rural["new"], rural["exits"]])
    form.append([])
    if figures.get("year_end_used"):
        form.append([_("说明：标注“上年末数”的城镇从业人员数为上年末数据（本期未录入）。")])
    form.append(
        [
            _("填表人：%(name)s") % {"name": str(report.finalised_by or user)},
            "",
            _("填报日期：%(day)s")
            % {
                "day": (
                    timezone.localtime(report.finalised_at).date()
                    if report.finalised_at
                    else timezone.localdate()
                )
            },
        ]
    )
    exits = book.sheet(_("注销原因"), header=[_("地区"), *_exit_codes(figures)])
    codes = _exit_codes(figures)
    for row in [*figures["rows"], {**figures["total"], "name": _("合计")}]:
        exits.append([row["name"], *[row["exits_by_code"].get(code, 0) for code in codes]])
    for dim, title, values in _dimensions(figures):
        sheet = book.sheet(title, header=[_("地区"), *[v for _code, v in values]])
        for row in [*figures["rows"], {**figures["total"], "name": _("合计")}]:
            sheet.append([row["name"], *[row["by"].get(dim, {}).get(code, 0) for code, _v in values]])
    return book


def _exit_codes(figures: dict[str, Any]) -> list[str]:
    return sorted(figures["total"]["exits_by_code"]) or ["11"]


def _dimensions(figures: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    total = figures["total"]["by"]
    education = sorted(total.get("education", {}))
    channels = sorted(total.get("channel", {}))
    return [
        ("sex", _("性别"), [("1", _("男")), ("2", _("女"))]),
        ("age", _("年龄"), [(name, name) for _limit, name in AGE_BANDS]),
        ("education", _("文化程度"), [(c, label("AAC011", c) or c or _("未记录")) for c in education]),
        ("duration", _("失业时长（月）"), [(name, name) for _limit, name in DURATION_BANDS]),
        ("channel", _("登记渠道"), [(c, _channel_label(c)) for c in channels]),
    ]


# ---- the detail lists ----

DETAIL_HEADER = [
    "登记编号",
    "姓名",
    "证件号码",
    "性别",
    "年龄",
    "文化程度",
    "登记地代码",
    "登记地",
    "城乡",
    "登记日期",
    "登记渠道",
    "人员类别",
    "失业时长（月）",
]
DETAIL_COLUMNS = (
    "number",
    "person__name",
    "person__id_number",
    "person__sex",
    "person__birth_date",
    "person__education",
    "region_id",
    "region__name",
    "region__area",
    "registered_on",
    "channel",
    "is_graduate",
    "draws_unemployment_subsidy",
    "migrant_allowance",
    "difficulty_category",
)


def _in_subtree(queryset, region: Region, field: str = "region"):
    return queryset.filter(**{f"{field}__path__startswith": region.path})


def _months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def detail_rows(region: Region, period: Period, kind: str) -> Iterator[list[Any]]:
    """The rows of one detail list: ``stock`` (registered unemployed at period end, one per person, urban and
    rural marked), ``new`` or ``exits``."""
    end = period.end
    base = _in_subtree(Registration.objects.all(), region)
    if kind == "stock":
        qs = (
            base.filter(registered_on__lte=end)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=end))
            .order_by("person_id", "-registered_on", "-id")
            .distinct("person_id")
        )
    elif kind == "new":
        qs = base.filter(registered_on__range=(period.start, end)).order_by("number")
    else:
        raise ValueError(kind)
    areas = dict(Region.Area.choices)
    channels = dict(Application.Channel.choices)
    cat_labels = {c.key: str(c.label) for c in CATEGORIES}
    for row in qs.values_list(*DETAIL_COLUMNS).iterator(chunk_size=5000):
        (number, name, id_number, sex, born, education, code, region_name, area, on, channel, grad, subsidy,
         migrant, difficulty) = row  # fmt: skip
        cats = []
        if grad:
            cats.append(cat_labels["graduate"])
        if subsidy:
            cats.append(cat_labels["subsidy"])
        if migrant:
            cats.append(cat_labels["migrant_one_time" if migrant == "one_time" else "migrant_temporary"])
        if difficulty:
            cats.append(cat_labels["difficulty"])
        yield [
            number,
            name,
            mask_id(id_number),
            SEX.get(sex, sex),
            age_in_years(born, end),
            education,
            code,
            region_name,
            str(areas.get(area, area)),
            on,
            str(channels.get(channel, channel)),
            "、".join(cats),
            _months(on, end),
        ]


def exit_rows(region: Region, period: Period) -> Iterator[list[Any]]:
    exits = (
        _in_subtree(Exit.objects.filter(status=Exit.Status.EFFECTIVE), region)
        .filter(deregistered_on__range=(period.start, period.end))
        .order_by("deregistered_on", "serial")
        .values_list(
            "registration__number",
            "name",
            "id_number",
            "region_id",
            "region__name",
            "deregistered_on",
            "reason",
        )  # fmt: skip
    )
    for number, name, id_number, code, region_name, on, reason in exits.iterator(chunk_size=5000):
        yield [number, name, mask_id(id_number), code, region_name, on, reason, label("AJC00A", reason) or ""]
    imported = (
        _in_subtree(Registration.objects.filter(source=Registration.Source.IMPORTED, status="ended"), region)
        .filter(ended_on__range=(period.start, period.end))
        .exclude(exits__status=Exit.Status.EFFECTIVE)
        .order_by("ended_on", "number")
        .values_list(
            "number",
            "person__name",
            "person__id_number",
            "region_id",
            "region__name",
            "ended_on",
            "ended_reason",
        )  # fmt: skip
    )
    for number, name, id_number, code, region_name, on, reason in imported.iterator(chunk_size=5000):
        yield [number, name, mask_id(id_number), code, region_name, on, reason, label("AJC00A", reason) or ""]


def detail_workbook(region: Region, period: Period) -> XlsxWriter:
    book = XlsxWriter()
    widths = [22, 10, 20, 6, 6, 8, 10, 16, 6, 12, 12, 30, 10]
    stock = book.sheet(_("期末登记失业人员"), header=DETAIL_HEADER, widths=widths)
    for row in detail_rows(region, period, "stock"):
        stock.append(row)
    new = book.sheet(_("本期新登记"), header=DETAIL_HEADER, widths=widths)
    for row in detail_rows(region, period, "new"):
        new.append(row)
    exits = book.sheet(
        _("本期注销"),
        header=[
            "登记编号",
            "姓名",
            "证件号码",
            "登记地代码",
            "登记地",
            "注销日期",
            "注销原因代码",
            "注销原因",
        ],
        widths=[22, 10, 20, 10, 16, 12, 8, 30],
    )
    for row in exit_rows(region, period):
        exits.append(row)
    return book


# ---- the 业务报表 ----


def _aware(day: date, end: bool = False) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


BUSINESS_HEADER = [
    "行政区划代码",
    "地区",
    "受理申请",
    "其中：窗口",
    "其中：网上",
    "其中：全国平台",
    "办理登记",
    "不予登记",
    "申请撤回",
    "首次联系到期",
    "按时首次联系",
    "超时或未联系",
    "月度跟踪完成",
    "月度跟踪无法联系",
    "注销合计",
]


def business_counts(region: Region, period: Period) -> dict[str, dict[str, int]]:
    """Counts per region code of the subtree (rolled up later): the month's business in numbers."""
    start, end = _aware(period.start), _aware(period.end, end=True)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    apps = (
        _in_subtree(Application.objects.filter(submitted_at__range=(start, end)), region)
        .values("region_id", "channel")
        .annotate(n=Count("id"))
    )
    for row in apps:
        counts[row["region_id"]]["applications"] += row["n"]
        counts[row["region_id"]][f"applications_{row['channel']}"] += row["n"]
    decisions = (
        _in_subtree(Application.objects.filter(decided_at__range=(start, end)), region)
        .values("region_id", "status")
        .annotate(n=Count("id"))
    )
    for row in decisions:
        counts[row["region_id"]][f"decided_{row['status']}"] += row["n"]
    cases = (
        _in_subtree(Case.objects.filter(first_contact_due_at__range=(start, end)), region)
        .values("region_id")
        .annotate(
            n=Count("pk"),
            in_time=Count("pk", filter=Q(first_contact_at__lte=F("first_contact_due_at"))),
        )
    )
    for row in cases:
        counts[row["region_id"]]["first_contact_due"] += row["n"]
        counts[row["region_id"]]["first_contact_in_time"] += row["in_time"]
    followups = (
        _in_subtree(MonthlyFollowUp.objects.filter(done_at__range=(start, end)), region, "case__region")
        .values("case__region_id", "outcome")
        .annotate(n=Count("id"))
    )
    for row in followups:
        key = "followup_unreachable" if row["outcome"] == "unreachable" else "followup_done"
        counts[row["case__region_id"]][key] += row["n"]
    exits = (
        _in_subtree(Exit.objects.filter(status=Exit.Status.EFFECTIVE), region)
        .filter(deregistered_on__range=(period.start, period.end))
        .values("region_id", "reason")
        .annotate(n=Count("id"))
    )
    for row in exits:
        counts[row["region_id"]]["exits"] += row["n"]
        counts[row["region_id"]][f"exit_{row['reason']}"] += row["n"]
    return counts


def business_rows(region: Region, period: Period) -> tuple[list[list[Any]], list[str]]:
    """The rows of the 业务报表 (one per region below ``region`` and its total) and the exit codes shown."""
    counts = business_counts(region, period)
    tree = region_tree(region.path)
    codes = sorted({key[5:] for c in counts.values() for key in c if key.startswith("exit_")})
    kids = sorted(code for code, node in tree.items() if node.parent_id == region.code)
    units = [(region.code, region.name + ("（本级）" if kids else ""), True)] + [
        (code, tree[code].name, False) for code in kids
    ]

    def total(path: str, exact: bool) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for code, values in counts.items():
            node = tree.get(code)
            if node and node.path.startswith(path) and (not exact or node.path == path):
                for key, n in values.items():
                    out[key] += n
        return out

    def line(code: str, name: str, c: dict[str, int]) -> list[Any]:
        due, in_time = c.get("first_contact_due", 0), c.get("first_contact_in_time", 0)
        return [
            code,
            name,
            c.get("applications", 0),
            c.get("applications_counter", 0),
            c.get("applications_online", 0),
            c.get("applications_national", 0),
            c.get("decided_registered", 0),
            c.get("decided_rejected", 0),
            c.get("decided_withdrawn", 0),
            due,
            in_time,
            due - in_time,
            c.get("followup_done", 0),
            c.get("followup_unreachable", 0),
            c.get("exits", 0),
            *[c.get(f"exit_{code}", 0) for code in codes],
        ]

    rows = []
    for code, name, own in units:
        c = total(tree[code].path, exact=own and bool(kids))
        if own and kids and not any(c.values()):
            continue
        rows.append(line(code, name, c))
    rows.append(line(region.code, _("合计"), total(region.path, exact=False)))
    return rows, codes


def business_workbook(region: Region, period: Period, user: User) -> XlsxWriter:
    rows, codes = business_rows(region, period)
    book = XlsxWriter()
    sheet = book.sheet(_("业务报表"), widths=[12, 22, *[12] * (len(BUSINESS_HEADER) + len(codes))])
    sheet.append([_("失业登记业务月报表")])
    sheet.append(
        [
            _("填报单位：%(unit)s") % {"unit": region.name},
            "",
            _("统计期间：%(start)s至%(end)s") % {"start": period.start, "end": period.end},
            "",
            _("计量单位：人次"),
        ]
    )
    sheet.append_header([*BUSINESS_HEADER, *[f"注销{code}" for code in codes]])
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append(
        [
            _("填表人：%(name)s") % {"name": str(user)},
            "",
            _("填报日期：%(day)s") % {"day": timezone.localdate()},
        ]
    )
    return book


# ---- the callback sample (Henan 四) ----

CALLBACK_HEADER = ["序号", "姓名", "证件号码", "联系电话", "经办机构", "登记地", "登记日期"]


def callback_sample(user: User, *, size: int, seed: int) -> list[list[Any]]:
    """``size`` registered people of ``user``'s region drawn at random, the same draw for the same seed (and the
    same data): ordered by md5(seed:registration id)."""
    qs = (
        scope_by_region(Registration.objects.filter(status=Registration.Status.ACTIVE), user)
        .annotate(draw=RawSQL("md5(%s || registration_registration.id::text)", (f"{seed}:",)))
        .order_by("draw")
        .values_list(
            "person__name",
            "person__id_number",
            "person__phone",
            "office__name",
            "region__name",
            "registered_on",
        )[:size]  # fmt: skip
    )
    return [
        [i, name, mask_id(number), phone, office, region, on]
        for i, (name, number, phone, office, region, on) in enumerate(qs, start=1)
    ]


def callback_workbook(user: User, *, size: int, seed: int) -> XlsxWriter:
    book = XlsxWriter()
    sheet = book.sheet(_("回访样本"), header=CALLBACK_HEADER, widths=[6, 10, 20, 14, 28, 16, 12])
    for row in callback_sample(user, size=size, seed=seed):
        sheet.append(row)
    info = book.sheet(_("抽样说明"))
    info.append([_("随机种子"), seed])
    info.append([_("样本量"), size])
    info.append([_("抽样时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")])
    info.append([_("说明"), _("同一随机种子对同一数据抽出同样的样本，可复核。")])
    return book
