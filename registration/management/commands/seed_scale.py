"""``manage.py seed_scale --people N``: province-scale synthetic people, applications and registrations.

For the benchmark (``manage.py bench``, ``make bench``; DESIGN.md "Performance targets": 1,000,000 people).
Rows are streamed into the tables with PostgreSQL ``COPY ... FROM STDIN`` (psycopg 3 ``cursor.copy`` +
``write_row``), not through the ORM: a million people (with 750,000 applications and 600,000 registrations)
load in about 40 s into the fresh ``bench`` database on the 2-core machine.

    manage.py seed_scale --people 1000000 --force   # top up to 1,000,000 synthetic people
    manage.py seed_scale --reset --force            # delete the synthetic people and their records

What is generated (deterministic IDs, random names):

- people: valid 18-character citizen IDs (GB 11643 check character) whose address code is a Henan county
  (``offices_region`` level 3 under 410000, GB/T codes only), birth dates 1960-2005, sequence numbers keeping
  the IDs unique; sex from the ID; region = that county; Chinese names (surname + 1-2 given characters, drawn
  from weighted lists so that name-prefix searches have realistic selectivity: at 1,000,000 people "王"
  matches ~97,000, "张伟" ~4,600);
  11-digit phone numbers unique per person; ``address`` = ``基准测试数据#<index>``, the marker that tells
  synthetic people from real ones (top-up counts it, ``--reset`` deletes by it);
- applications for a share of them (default 60 % registered, 10 % pending, 5 % rejected), with numbers
  ``SQ<date><8 digits>`` whose 8 digits are values taken (``nextval``) from the real numbering sequence, so
  numbers issued later by ``common.numbering.next_number`` can never collide with them; due dates from the
  working-day calendar; a Registration (``DJ<date><8 digits>`` from its sequence, active) per registered one;
- one office per Henan county touched (``BENCH<code>``, created if missing; a county that already has an
  active office of its own keeps using it, so seeding a dev database does not take over its routing) and one
  inactive, password-less user ``bench_seed`` as the caseworker.

Only with DEBUG or DEMO_DATA on, or ``--force``: it writes fake people.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_right
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as time_of_day
from math import gcd

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from common.history import history_context
from offices.models import Office, Region, User
from registration.idnumbers import check_character
from registration.models import CITIZEN_ID, Application, Person, Registration, RejectionReason
from workdays.calendar import SHANGHAI
from workdays.models import CalendarDay

# Plain strings (not the TextChoices members) in the rows written by COPY.
REGISTERED = Application.Status.REGISTERED.value
PENDING = Application.Status.PENDING.value
REJECTED = Application.Status.REJECTED.value
ACTIVE = Registration.Status.ACTIVE.value
COUNTER, ONLINE = Application.Channel.COUNTER.value, Application.Channel.ONLINE.value
HUKOU, RESIDENCE = Application.Basis.HUKOU.value, Application.Basis.RESIDENCE.value
REJECTION_REASONS = [RejectionReason.EMPLOYED.value] * 6 + [
    RejectionReason.DRAWING_PENSION.value,
    RejectionReason.ALREADY_REGISTERED.value,
    RejectionReason.NO_JOB_SEEKING.value,
]

MARKER = "基准测试数据"
ADDRESS_PREFIX = f"{MARKER}#"
OFFICE_PREFIX = "BENCH"
SEED_USERNAME = "bench_seed"
PROVINCE = "410000"

FIRST_BIRTH_DAY = date(1960, 1, 1)
LAST_BIRTH_DAY = date(2005, 12, 31)
APPLICATION_WINDOW_DAYS = 365  # decided applications were submitted within the last year
PENDING_WINDOW_DAYS = 6  # pending ones within the last week (some of them overdue)

# Surnames with roughly their national frequency (per mille; 第七次人口普查 order) and given-name characters
# weighted so that the first given character "伟" is the most common, as it is in reality.
SURNAMES = (
    "王71 李70 张67 刘53 陈44 杨31 黄22 赵20 吴19 周19 徐14 孙13 马12 朱12 胡11 郭11 何10 高10 林10 罗9 "
    "郑9 梁8 谢7 宋6 唐6 许6 韩6 冯5 邓5 曹5 彭4 曾4 肖4 田4 董4 袁4 潘3 于3 蒋3 蔡3 余3 杜3 叶3 程3 "
    "苏3 魏3 吕3 丁3 任3 沈3 姚2 卢2 姜2 崔2 钟2 谭2 陆2 汪2 范2 金2 石2 廖2 贾2 夏2 韦2 付2 方2 白2 邹2 "
    "孟2 熊2 秦2 邱2 江2 尹2 薛2 闫2 段2 雷2 侯2 龙1 史1 陶1 黎1 贺1 顾1 毛1 郝1 龚1 邵1 万1 钱1 严1 覃1 武1"
)
GIVEN = (
    "伟30 芳20 娜15 敏15 静15 丽14 强14 磊13 军13 洋12 勇12 艳12 杰11 娟11 涛11 明10 超10 秀10 霞10 平9 刚9 "
    "桂8 英8 华8 玉8 兰7 红7 建7 国7 文7 辉7 鹏6 飞6 宇6 浩6 凯6 俊6 峰6 婷6 雪5 梅5 琳5 玲5 晶5 欣5 颖5 "
    "慧5 佳5 鑫5 斌5 波5 宁4 萍4 燕4 亮4 林4 成4 东4 海4 春4 晓4 志4 新4 利4 龙4 阳4 丹4 莉4 倩4 帅3 "
    "振3 福3 贵3 荣3 琴3 云3 金3 凤3 彬3 博3 昊3 然3 涵3 轩3 子3 梓3 怡3 思3 雨3 嘉3 晨3 泽3 瑞3"
)
SINGLE_GIVEN_SHARE = 0.3  # 两字姓名 (surname + one character)

ETHNICITIES = (("01", 97), ("03", 2), ("02", 1))  # AAC005: 汉族, 回族, 蒙古族
EDUCATIONS = (("20", 15), ("30", 20), ("40", 10), ("60", 20), ("70", 35))  # AAC011
HOUSEHOLDS = (("51", 60), ("52", 15), ("21", 25))  # AAC009
UNEMPLOYMENT_REASONS = (("20", 60), ("10", 15), ("80", 10), ("90", 15))  # AJC093
PHONE_SECOND_DIGITS = "3578935789"
PHONE_STEP = 7_654_321  # coprime with 10**9: the last nine digits are a permutation of the person index

PERSON_COLUMNS = (
    "id created_at updated_at code id_type id_number social_security_number name sex birth_date ethnicity "
    "education household_type address phone hukou_region_id region_id residence_region_id"
).split()
APPLICATION_COLUMNS = (
    "id created_at updated_at code number person_id channel national_application_number basis region_id "
    "office_id status submitted_at due_at received_by_id commitment_at commitment_recorded_by_id "
    "unemployment_reason is_graduate graduate_school graduation_date draws_unemployment_subsidy "
    "migrant_allowance difficulty_category import_batch_id decided_at decided_by_id rejection_reason "
    "decision_note"
).split()
REGISTRATION_COLUMNS = (
    "id created_at updated_at code number person_id application_id office_id region_id registered_on "
    "registered_by_id first_contact_due_at status ended_on channel commitment_at commitment_recorded_by_id "
    "draws_unemployment_subsidy"
).split()


def _other_columns(model, columns: list[str]) -> tuple[list[str], tuple]:
    """Columns of ``model`` the seeder does not fill itself (a field added later) with their default values,
    so that a new field with a default does not break the COPY. A new unique field needs code here."""
    names, values = [], []
    for f in model._meta.concrete_fields:
        if f.column in columns or f.generated:
            continue
        if f.unique:
            raise CommandError(f"seed_scale does not know how to fill the unique column {f.column}")
        names.append(f.column)
        values.append(f.get_db_prep_save(f.get_default(), connection))
    return names, tuple(values)


def _weighted(spec) -> tuple[list[str], list[int]]:
    """("王71 李70 ..." or ((code, weight), ...)) -> (values, cumulative weights) for random.choices."""
    pairs = [(item[0], int(item[1:])) for item in spec.split()] if isinstance(spec, str) else list(spec)
    values, cum, total = [], [], 0
    for value, weight in pairs:
        total += weight
        values.append(value)
        cum.append(total)
    return values, cum


@dataclass
class SeedResult:
    existing: int
    people: int = 0
    applications: int = 0
    registrations: int = 0
    seconds: float = 0.0


class IdPlan:
    """A deterministic one-to-one map from the synthetic person index to a citizen ID.

    The IDs available are counties × birth days (1960-2005) × sequence numbers 000-999. Index i is sent
    through the affine permutation ``h = (i * A + B) mod capacity`` (A coprime with the capacity, a
    golden-ratio step so that consecutive people land far apart) and ``h`` is split into county, birth day and
    sequence number. Distinct indexes give distinct IDs, so a top-up continues after the highest index
    without looking at the existing rows.
    """

    def __init__(self, counties: list[str]):
        self.counties = counties
        self.days = [
            (FIRST_BIRTH_DAY + timedelta(days=d)) for d in range((LAST_BIRTH_DAY - FIRST_BIRTH_DAY).days + 1)
        ]
        self.ymd = [d.strftime("%Y%m%d") for d in self.days]
        self.iso = [d.isoformat() for d in self.days]
        self.capacity = len(counties) * len(self.days) * 1000
        step = int(self.capacity * 0.6180339887)
        while gcd(step, self.capacity) != 1:
            step += 1
        self.step = step

    def county(self, i: int) -> str:
        return self.counties[(i * self.step + 12345) % self.capacity % len(self.counties)]

    def person(self, i: int) -> tuple[str, str, str, str]:
        """(county code, ID number, sex, ISO birth date) of synthetic person ``i``."""
        h = (i * self.step + 12345) % self.capacity
        h, county = divmod(h, len(self.counties))
        seq, day = divmod(h, len(self.days))
        first17 = f"{self.counties[county]}{self.ymd[day]}{seq:03d}"
        return (
            self.counties[county],
            first17 + check_character(first17),
            ("1" if seq % 2 else "2"),
            self.iso[day],
        )


def _uuid_hex(rng: random.Random) -> str:
    """A random (version 4, RFC 4122 variant) UUID as 32 hex digits, which PostgreSQL's uuid input accepts;
    about five times faster than ``str(uuid.uuid4())`` for millions of rows."""
    return f"{(rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC << 60)) | (0x4000 << 64) | (0x8 << 60):032x}"


@contextmanager
def history_triggers_off(cursor):
    """Run the block with ``session_replication_role = replica`` (SET LOCAL: this transaction only).

    Why: seeded synthetic data has no history (nobody did anything), and one pghistory insert (or delete)
    trigger per row would double the rows written and the time taken. Of the two ways to switch the triggers
    off, ``replica`` is the one that stays inside this session: the app and the jobs writing at the same time
    keep recording their history and are not blocked, whereas ``ALTER TABLE ... DISABLE TRIGGER USER`` takes
    a SHARE ROW EXCLUSIVE lock on each table until the commit (every concurrent write waits) and needs
    re-enabling on every path out. ``replica`` also skips the foreign-key triggers, so the rows written here
    must be (and are) consistent by construction: they reference only rows created or looked up in the same
    transaction, and ``--reset`` first checks that nothing else points at what it deletes. CHECK and UNIQUE
    constraints are still enforced. Setting it needs a superuser (the embedded PostgreSQL) or, on a managed
    server, ``GRANT SET ON PARAMETER session_replication_role`` (PostgreSQL 15+).

    The role is set back explicitly at the end: inside an outer transaction (a test) SET LOCAL would otherwise
    last until that transaction ends. On an error the rolled-back (sub)transaction restores it by itself.
    """
    cursor.execute("SET LOCAL session_replication_role = replica")
    yield
    cursor.execute("SET LOCAL session_replication_role = origin")


def _reserve(cursor, sequence_sql: str, n: int) -> list[int]:
    """``n`` values taken from a sequence (``nextval``), so that nothing else will ever be given them."""
    if n == 0:
        return []
    cursor.execute(f"SELECT nextval({sequence_sql}) FROM generate_series(1, %s)", [n])
    return [row[0] for row in cursor.fetchall()]


def _identity(model) -> str:
    return f"pg_get_serial_sequence('{model._meta.db_table}', 'id')"


def synthetic_people():
    return Person.objects.filter(address__startswith=ADDRESS_PREFIX)


def _synthetic_state(cursor) -> tuple[int, int]:
    """(number of synthetic people, highest synthetic index or -1)."""
    cursor.execute(
        f"SELECT count(*), coalesce(max(split_part(address, '#', 2)::bigint), -1) "
        f"FROM {Person._meta.db_table} WHERE address LIKE %s",
        [ADDRESS_PREFIX + "%"],
    )
    count, highest = cursor.fetchone()
    return count, highest


def _counties() -> list[str]:
    # GB/T codes only: a locally assigned code (is_local) never appears in a citizen ID.
    return list(
        Region.objects.filter(
            level=Region.Level.COUNTY, path__startswith=f"{PROVINCE}/", is_local=False
        ).values_list("code", flat=True)
    )


def _seed_user() -> User:
    user, created = User.objects.get_or_create(
        username=SEED_USERNAME,
        defaults={"handler_name": "基准测试", "is_active": False, "first_name": MARKER},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _offices(counties: set[str]) -> dict[str, int]:
    """County code → office id: the county's BENCH office, else an active office of its own, else a new one."""
    names = dict(Region.objects.filter(code__in=counties).values_list("code", "name"))
    result: dict[str, int] = {}
    existing = Office.objects.filter(region_id__in=counties).order_by("code")
    for office in existing:
        if office.code == f"{OFFICE_PREFIX}{office.region_id}":
            result[office.region_id] = office.pk
    for office in existing:
        if office.is_active:
            result.setdefault(office.region_id, office.pk)
    for code in sorted(counties - result.keys()):
        office = Office.objects.create(
            code=f"{OFFICE_PREFIX}{code}", name=f"{names[code]}公共就业服务中心（基准测试）", region_id=code
        )
        result[code] = office.pk
    return result


def _deadlines(first: date, last: date, workdays: int) -> dict[date, datetime]:
    """The deadline of ``workdays`` working days after each day in [first, last]: the value
    ``workdays.calendar.deadline_at(day, workdays)`` gives (end of the Nth working day after it, Asia/Shanghai;
    the day itself not counted), computed from one read of the calendar instead of two queries per day.

    Beyond the loaded calendar (late December, before ops load the next year) it falls back to 7 calendar
    days rather than fail: synthetic data need not be exact there.
    """
    horizon = last + timedelta(days=60)
    rows = list(
        CalendarDay.objects.filter(date__gt=first, date__lte=horizon)
        .order_by("date")
        .values_list("date", "is_workday")
    )
    # The calendar answers only up to the first day it lacks (add_workdays raises CalendarNotLoaded beyond).
    covered_until = first
    for day, _ in rows:
        if day != covered_until + timedelta(days=1):
            break
        covered_until = day
    working = [day for day, is_workday in rows if is_workday and day <= covered_until]
    result = {}
    day = first
    while day <= last:
        k = bisect_right(working, day) + workdays - 1
        due = working[k] if k < len(working) else day + timedelta(days=7)
        result[day] = datetime.combine(due, time_of_day.max, tzinfo=SHANGHAI)
        day += timedelta(days=1)
    return result


# Large loads drop the secondary indexes and build them again afterwards (see deferred_secondary_indexes).
DEFER_INDEXES_MIN_ROWS = 100_000
CHUNK = 50_000


@contextmanager
def deferred_secondary_indexes(cursor, tables: list[str], enabled: bool, log=lambda msg: None):
    """For a large load: drop the plain (non-constraint) indexes of ``tables``, yield, then create them again
    from their saved definitions (``pg_get_indexdef``), as pg_restore does.

    Building an index over a million rows by sorting takes ~1 s; keeping it up to date row by row during the
    COPY costs several times that (the person table alone has eight such indexes). Primary keys and UNIQUE
    constraints stay in place (their uniqueness is checked as rows arrive); the partial unique indexes (one
    pending application, one active registration per person) are checked when they are built again. It is
    DDL inside the seeding transaction: a failure rolls it back with everything else, but the tables are
    locked (ACCESS EXCLUSIVE) until the commit, so it is only done for large loads (the bench database);
    small top-ups keep the indexes and take no such lock.
    """
    if not enabled:
        yield
        return
    cursor.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid = ANY(%s::regclass[])
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
        ORDER BY 1
        """,
        [tables],
    )
    definitions = cursor.fetchall()
    for name, _ in definitions:
        cursor.execute(f"DROP INDEX {name}")
    log(f"dropped {len(definitions)} secondary indexes for the load")
    yield
    t0 = time.perf_counter()
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for _, definition in definitions:
        cursor.execute(definition)
    cursor.execute("RESET maintenance_work_mem")
    log(f"rebuilt {len(definitions)} secondary indexes in {time.perf_counter() - t0:.1f}s")


def seed_people(
    target: int,
    *,
    seed: int = 79,
    registered: float = 0.60,
    pending: float = 0.10,
    rejected: float = 0.05,
    log=lambda msg: None,
) -> SeedResult:
    """Top up the synthetic people to ``target`` (adds none if there are already that many). One transaction."""
    started = time.perf_counter()
    if not 0 <= registered + pending + rejected <= 1:
        raise ValueError("registered + pending + rejected must be a share between 0 and 1")
    counties = _counties()
    if not counties:
        raise CommandError("没有河南省县级行政区划（offices_region）：请先运行 migrate")
    plan = IdPlan(counties)
    tables = [m._meta.db_table for m in (Person, Application, Registration)]
    outer_transaction = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        # Serialise concurrent seeders (two top-ups would pick the same indexes).
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registration.seed_scale'))")
        existing, highest = _synthetic_state(cursor)
        result = SeedResult(existing=existing)
        n = target - existing
        if n <= 0:
            return result
        start = highest + 1
        if start + n > plan.capacity:
            raise CommandError(f"at most {plan.capacity} synthetic people fit the ID plan")
        with history_context(source="command:seed_scale"):
            user_id = _seed_user().pk
            offices = _offices({plan.county(i) for i in range(start, start + n)})

        rng = random.Random(f"{seed}:{start}")
        rand = rng.random
        uuid_rng = random.Random()  # seeded from the OS: codes must differ between runs with the same --seed
        now = timezone.localtime()
        today = now.date()
        due3 = _deadlines(today - timedelta(days=APPLICATION_WINDOW_DAYS), today, 3)
        due5 = _deadlines(today - timedelta(days=APPLICATION_WINDOW_DAYS), today + timedelta(days=4), 5)
        days_back = [today - timedelta(days=d) for d in range(APPLICATION_WINDOW_DAYS + 1)]

        # The status of each new person's application (None: no application), drawn first so that all the
        # ids and numbers can be reserved up front.
        cut_reg, cut_pend, cut_rej = registered, registered + pending, registered + pending + rejected
        statuses = []
        for _ in range(n):
            r = rand()
            statuses.append(
                REGISTERED if r < cut_reg else PENDING if r < cut_pend else REJECTED if r < cut_rej else None
            )
        n_apps = n - statuses.count(None)
        n_regs = statuses.count(REGISTERED)
        person_ids = _reserve(cursor, _identity(Person), n)
        app_ids = _reserve(cursor, _identity(Application), n_apps)
        app_numbers = _reserve(cursor, "'registration_application_number_seq'", n_apps)
        reg_ids = _reserve(cursor, _identity(Registration), n_regs)
        reg_numbers = _reserve(cursor, "'registration_registration_number_seq'", n_regs)
        log(f"reserved ids for {n} people, {n_apps} applications, {n_regs} registrations")

        surnames, surname_cum = _weighted(SURNAMES)
        given, given_cum = _weighted(GIVEN)
        ethnicities, ethnicity_cum = _weighted(ETHNICITIES)
        educations, education_cum = _weighted(EDUCATIONS)
        households, household_cum = _weighted(HOUSEHOLDS)
        reasons, reason_cum = _weighted(UNEMPLOYMENT_REASONS)
        choices = rng.choices
        cursor.execute(f"SELECT count(*) FROM {tables[0]}")
        big = n >= DEFER_INDEXES_MIN_ROWS and n >= cursor.fetchone()[0] // 2

        apps: list[tuple] = []  # (person_id, county, status, submitted_at) for the second COPY
        # (person_id, application_id, office_id, county, decided_at, channel, commitment_at, its recorder, subsidy):
        # a decided registration carries its application's channel, commitment and categories.
        registrations: list[tuple] = []
        with history_triggers_off(cursor), deferred_secondary_indexes(cursor, tables, big, log):
            t0 = time.perf_counter()
            person = plan.person
            more, extra = _other_columns(Person, PERSON_COLUMNS)
            with cursor.copy(f"COPY {tables[0]} ({', '.join(PERSON_COLUMNS + more)}) FROM STDIN") as copy:
                write = copy.write_row
                for chunk in range(0, n, CHUNK):
                    m = min(CHUNK, n - chunk)
                    # Bulk draws: one call per column and chunk is several times faster than per row.
                    family = choices(surnames, cum_weights=surname_cum, k=m)
                    first = choices(given, cum_weights=given_cum, k=m)
                    second = choices(given, cum_weights=given_cum, k=m)
                    ethnicity = choices(ethnicities, cum_weights=ethnicity_cum, k=m)
                    education = choices(educations, cum_weights=education_cum, k=m)
                    household = choices(households, cum_weights=household_cum, k=m)
                    back = choices(range(3, APPLICATION_WINDOW_DAYS + 1), k=m)
                    back_pending = choices(range(1, PENDING_WINDOW_DAYS + 1), k=m)
                    seconds = choices(range(8 * 3600, 18 * 3600), k=m)
                    for k in range(m):
                        i = start + chunk + k
                        county, id_number, sex, birth = person(i)
                        status = statuses[chunk + k]
                        day = days_back[back_pending[k] if status == PENDING else back[k]]
                        s = seconds[k]
                        created = datetime(
                            day.year, day.month, day.day, s // 3600, s // 60 % 60, s % 60, tzinfo=SHANGHAI
                        )
                        if status:
                            apps.append((person_ids[chunk + k], county, status, created))
                        name = family[k] + first[k] + (second[k] if rand() >= SINGLE_GIVEN_SHARE else "")
                        write(
                            (
                                person_ids[chunk + k],
                                created,
                                created,
                                _uuid_hex(uuid_rng),
                                CITIZEN_ID,
                                id_number,
                                id_number,
                                name,
                                sex,
                                birth,
                                ethnicity[k],
                                education[k],
                                household[k],
                                f"{ADDRESS_PREFIX}{i}",
                                f"1{PHONE_SECOND_DIGITS[i % 10]}{(i * PHONE_STEP + 4_242) % 10**9:09d}",
                                county,
                                county,
                                county,
                            )
                            + extra
                        )
            result.people = n
            log(f"copied {n} people in {time.perf_counter() - t0:.1f}s")

            t0 = time.perf_counter()
            more, extra = _other_columns(Application, APPLICATION_COLUMNS)
            with cursor.copy(
                f"COPY {tables[1]} ({', '.join(APPLICATION_COLUMNS + more)}) FROM STDIN"
            ) as copy:
                write = copy.write_row
                reason = choices(reasons, cum_weights=reason_cum, k=len(apps))
                minutes = choices(range(20, 3 * 24 * 60), k=len(apps))
                for a, (person_id, county, status, submitted) in enumerate(apps):
                    office_id = offices[county]
                    counter = rand() < 0.7
                    clerk = user_id if counter else None
                    decided = None
                    if status != PENDING:
                        decided = min(submitted + timedelta(minutes=minutes[a]), now)
                    channel = COUNTER if counter else ONLINE
                    basis = HUKOU if rand() < 0.8 else RESIDENCE
                    subsidy = rand() < 0.1
                    write(
                        (
                            app_ids[a],
                            submitted,
                            decided or submitted,
                            _uuid_hex(uuid_rng),
                            f"SQ{submitted:%Y%m%d}{app_numbers[a] % 10**8:08d}",
                            person_id,
                            channel,
                            None,
                            basis,
                            county,
                            office_id,
                            status,
                            submitted,
                            due3[submitted.date()],
                            clerk,
                            submitted,
                            clerk,
                            reason[a],
                            False,
                            "",
                            None,
                            subsidy,
                            "",
                            "",
                            None,
                            decided,
                            user_id if decided else None,
                            REJECTION_REASONS[int(rand() * len(REJECTION_REASONS))]
                            if status == REJECTED
                            else "",
                            "",
                        )
                        + extra
                    )
                    if status == REGISTERED:
                        registrations.append(
                            (
                                person_id,
                                app_ids[a],
                                office_id,
                                county,
                                decided,
                                channel,
                                submitted,
                                clerk,
                                subsidy,
                            )
                        )
            result.applications = len(apps)
            log(f"copied {len(apps)} applications in {time.perf_counter() - t0:.1f}s")

            t0 = time.perf_counter()
            more, extra = _other_columns(Registration, REGISTRATION_COLUMNS)
            with cursor.copy(
                f"COPY {tables[2]} ({', '.join(REGISTRATION_COLUMNS + more)}) FROM STDIN"
            ) as copy:
                write = copy.write_row
                for r, (person_id, app_id, office_id, county, decided, *carried) in enumerate(registrations):
                    on = decided.date()
                    write(
                        (
                            reg_ids[r],
                            decided,
                            decided,
                            _uuid_hex(uuid_rng),
                            f"DJ{on:%Y%m%d}{reg_numbers[r] % 10**8:08d}",
                            person_id,
                            app_id,
                            office_id,
                            county,
                            on,
                            user_id,
                            due5[on],
                            ACTIVE,
                            None,
                            *carried,  # channel, commitment_at, commitment_recorded_by_id, subsidy
                        )
                        + extra
                    )
            result.registrations = len(registrations)
            log(f"copied {len(registrations)} registrations in {time.perf_counter() - t0:.1f}s")

        if outer_transaction:
            _analyze(cursor, tables, vacuum=False, log=log)
    if not outer_transaction:
        with connection.cursor() as cursor:
            _analyze(cursor, tables, vacuum=True, log=log)
    result.seconds = time.perf_counter() - started
    return result


def _analyze(cursor, tables: list[str], *, vacuum: bool, log) -> None:
    """Fresh planner statistics after a bulk change. Outside a transaction also VACUUM: it sets the hint bits
    and the visibility map now, instead of autovacuum doing it in the middle of the benchmark that follows."""
    t0 = time.perf_counter()
    command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    for table in tables:
        cursor.execute(f"{command} {table}")
    log(f"{command} in {time.perf_counter() - t0:.1f}s")


def reset_synthetic(log=lambda msg: None) -> dict[str, int]:
    """Delete the synthetic people with their applications and registrations, then the BENCH offices and the
    seed user if nothing else uses them. Refuses if any other row points at what it would delete."""
    people = f"SELECT id FROM {Person._meta.db_table} WHERE address LIKE %s"
    pattern = ADDRESS_PREFIX + "%"
    owned = {  # table -> SQL selecting the ids of its synthetic rows
        Person._meta.db_table: people,
        Application._meta.db_table: f"SELECT id FROM {Application._meta.db_table} WHERE person_id IN ({people})",
        Registration._meta.db_table: f"SELECT id FROM {Registration._meta.db_table} WHERE person_id IN ({people})",
    }
    deleted: dict[str, int] = {}
    outer_transaction = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('registration.seed_scale'))")
        # Foreign keys are not checked under session_replication_role = replica: look for referencing rows
        # first, in every table that has a foreign key to these three (later stages' tables included).
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND c.confrelid = ANY(%s::regclass[])
            """,
            [list(owned)],
        )
        handled = {
            (Application._meta.db_table, "person_id"),
            (Registration._meta.db_table, "person_id"),
            (Registration._meta.db_table, "application_id"),
        }
        for table, column, target in cursor.fetchall():
            if (table, column) in handled:
                continue
            cursor.execute(f'SELECT count(*) FROM {table} WHERE "{column}" IN ({owned[target]})', [pattern])
            (count,) = cursor.fetchone()
            if count:
                raise CommandError(
                    f"{count} rows of {table}.{column} refer to synthetic data: delete them first "
                    "(or drop the bench database)"
                )
        with history_triggers_off(cursor):
            for table in (Registration._meta.db_table, Application._meta.db_table, Person._meta.db_table):
                cursor.execute(f"DELETE FROM {table} WHERE id IN ({owned[table]})", [pattern])
                deleted[table] = cursor.rowcount
                log(f"deleted {cursor.rowcount} rows of {table}")
        with history_context(source="command:seed_scale"):
            offices = 0
            for office in Office.objects.filter(code__startswith=OFFICE_PREFIX):
                try:
                    with transaction.atomic():
                        office.delete()
                    offices += 1
                except (ProtectedError, IntegrityError):  # still used by real records: keep it
                    pass
            deleted["offices"] = offices
            try:
                with transaction.atomic():
                    User.objects.filter(username=SEED_USERNAME).delete()
            except (ProtectedError, IntegrityError):
                pass
        if outer_transaction:
            _analyze(cursor, list(owned), vacuum=False, log=log)
    if not outer_transaction:
        with connection.cursor() as cursor:
            _analyze(cursor, list(owned), vacuum=True, log=log)
    return deleted


class Command(BaseCommand):
    help = (
        "Load N synthetic people (with applications and registrations) by COPY for the benchmark; "
        "tops up to N, --reset deletes them. Only with DEBUG or DEMO_DATA on, or --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, help="synthetic people wanted in total (tops up)")
        parser.add_argument("--reset", action="store_true", help="delete the synthetic data first")
        parser.add_argument("--force", action="store_true", help="run even without DEBUG / DEMO_DATA")
        parser.add_argument("--seed", type=int, default=79, help="random seed for names and statuses")
        parser.add_argument("--registered", type=float, default=0.60, help="share registered (0.60)")
        parser.add_argument("--pending", type=float, default=0.10, help="share with a pending application")
        parser.add_argument("--rejected", type=float, default=0.05, help="share rejected")

    def handle(self, *args, **options):
        if not (settings.DEBUG or settings.DEMO_DATA or options["force"]):
            raise CommandError("seed_scale writes fake people: only with DEBUG or DEMO_DATA on, or --force")
        if options["people"] is None and not options["reset"]:
            raise CommandError("nothing to do: give --people N and/or --reset")
        if options["people"] is not None and options["people"] < 0:
            raise CommandError("--people must be >= 0")

        def log(msg: str) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"seed_scale: {msg}")

        if options["reset"]:
            t0 = time.perf_counter()
            deleted = reset_synthetic(log=log)
            self.stdout.write(
                f"seed_scale: reset, deleted {deleted.get(Person._meta.db_table, 0)} people, "
                f"{deleted.get(Application._meta.db_table, 0)} applications, "
                f"{deleted.get(Registration._meta.db_table, 0)} registrations "
                f"in {time.perf_counter() - t0:.1f}s"
            )
        if options["people"] is not None:
            result = seed_people(
                options["people"],
                seed=options["seed"],
                registered=options["registered"],
                pending=options["pending"],
                rejected=options["rejected"],
                log=log,
            )
            if result.people == 0:
                self.stdout.write(f"seed_scale: {result.existing} synthetic people already, none added")
            else:
                self.stdout.write(
                    f"seed_scale: added {result.people} people, {result.applications} applications, "
                    f"{result.registrations} registrations in {result.seconds:.1f}s "
                    f"({result.existing + result.people} synthetic people now)"
                )
