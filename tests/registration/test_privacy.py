"""ID numbers stay private (PIPL; DESIGN.md "Access"): what a page shows beside a masked number never completes it,
numbers stay out of URLs, sessions, caches and logs, and every full showing is recorded in an append-only log
that supervisors read. Page-level tests read the HTML a user receives."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from common.notifications import LoggingSmsBackend
from common.privacy import MaskPersonalDataFilter, mask_personal_data, mask_phone
from offices.models import Office
from offices.roles import Role
from registration import services
from registration.idnumbers import age_in_years, check_character, mask_id
from registration.models import IdReveal, Person
from registration.views import audit
from tests.conftest import make_staff

from .factories import citizen_id, person_data, submit

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
BORN = date(1990, 5, 17)
TODAY = date(2026, 11, 25)
SEARCH = reverse("registration:person_search")
NEW = reverse("registration:application_new")
REVEALS = reverse("registration:id_reveals")


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False)
    return TODAY


@pytest.fixture
def person(caseworker_jiefang, office_jiefang) -> Person:
    number = citizen_id(BORN, region="410802", seq=123)  # a man (odd sequence number)
    return submit(user=caseworker_jiefang, person=person_data(id_number=number, name="欧阳明")).person


def birth_date_forms(born: date) -> list[str]:
    return [
        f"{born:%Y-%m-%d}",
        f"{born:%Y%m%d}",
        f"{born:%Y/%m/%d}",
        f"{born.year}年{born.month}月{born.day}日",
        f"{born:%Y年%m月%d日}",
    ]


def assert_gives_nothing_away(html: str, person: Person) -> None:
    assert person.id_number not in html
    for form in birth_date_forms(person.birth_date):
        assert form not in html, form
    assert person.masked_id_number in html


def numbers_consistent_with(mask: str, *, region: str, age: int, male: bool, on: date) -> int:
    """How many valid 18-character numbers agree with what a reader sees: the mask's visible characters, the
    address code (assumed known from the region shown), the age in years on ``on`` and the sex."""
    latest = date(on.year - age, on.month, on.day)
    day, count = date(on.year - age - 1, on.month, on.day) + timedelta(days=1), 0
    visible = [(i, ch) for i, ch in enumerate(mask) if ch != "*"]
    while day <= latest:
        for seq in range(1 if male else 0, 1000, 2):
            first17 = f"{region}{day:%Y%m%d}{seq:03d}"
            if all(i == 17 or first17[i] == ch for i, ch in visible):
                candidate = first17 + check_character(first17)
                count += all(candidate[i] == ch for i, ch in visible)
        day += timedelta(days=1)
    return count


# ---- the mask and what is shown beside it ----------------------------------------------------------------------


def test_the_mask_hides_the_birth_date_the_sequence_number_and_the_county():
    number = citizen_id(BORN, region="410802", seq=123)
    masked = mask_id(number)
    assert len(masked) == 18 and masked.count("*") == 14
    assert masked.startswith("410") and masked.endswith(number[-1])
    assert "19900517" not in masked and "123" not in masked and "410802" not in masked


def test_the_person_page_shows_the_age_and_never_the_birth_date_beside_the_mask(
    client, caseworker_jiefang, today, person
):
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:person_detail", args=[person.code])).content.decode()
    assert_gives_nothing_away(html, person)
    assert f"{age_in_years(BORN, TODAY)} 岁" in html  # 36


def test_the_person_page_leaves_thousands_of_numbers_possible_from_all_it_shows(
    client, caseworker_jiefang, today, person
):
    """Mask + age + sex + region: a reader who knows the county's address code still has > 10,000 candidates."""
    client.force_login(caseworker_jiefang)
    html = client.get(reverse("registration:person_detail", args=[person.code])).content.decode()
    mask = re.search(r'<span class="mono" id="id-number">([^<]+)</span>', html).group(1)
    candidates = numbers_consistent_with(mask, region="410802", age=36, male=True, on=TODAY)
    assert candidates > 10_000
    assert "男" in html and "36 岁" in html  # what the count assumed the reader knows


@pytest.mark.parametrize("viewer", ["caseworker_jiefang", "supervisor_jiaozuo"])
def test_no_list_or_page_prints_the_birth_date_beside_a_masked_number(client, request, today, person, viewer):
    user = request.getfixturevalue(viewer)
    client.force_login(user)
    application = person.applications.get()
    pages = {
        "search by name": client.post(SEARCH, {"q": "欧阳"}),
        "search by phone": client.post(SEARCH, {"q": "13800000001"}),
        "person page": client.get(reverse("registration:person_detail", args=[person.code])),
        "worklist": client.get(reverse("registration:worklist")),
        "application": client.get(reverse("registration:application_detail", args=[application.code])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        assert_gives_nothing_away(response.content.decode(), person)


def test_the_reveal_log_page_prints_the_person_masked_and_without_the_birth_date(
    client, supervisor_jiaozuo, today, person
):
    services.person_reveal_id(person=person, user=supervisor_jiaozuo, context=IdReveal.Context.PERSON_PAGE)
    client.force_login(supervisor_jiaozuo)
    assert_gives_nothing_away(client.get(REVEALS).content.decode(), person)


# ---- numbers out of URLs -----------------------------------------------------------------------------------


def test_the_person_search_posts_the_query_so_numbers_stay_out_of_urls(client, caseworker_jiefang, person):
    client.force_login(caseworker_jiefang)
    page = client.get(SEARCH).content.decode()
    form = re.search(r"<form[^>]*role=\"search\"[^>]*>", page).group(0)
    assert 'method="post"' in form and "csrfmiddlewaretoken" in page
    # A number in a URL (an old bookmark, a proxy log replayed) finds nobody.
    html = client.get(SEARCH, {"q": person.id_number}).content.decode()
    assert "欧阳明" not in html and f'value="{person.id_number}"' not in html
    # The POST answers with the results at once (no redirect that would carry the number), not cached.
    response = client.post(SEARCH, {"q": person.id_number})
    assert response.status_code == 200 and "欧阳明" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_the_counter_lookup_posts_the_document_so_numbers_stay_out_of_urls(
    client, caseworker_jiefang, office_jiefang
):
    client.force_login(caseworker_jiefang)
    page = client.get(NEW).content.decode()
    assert f'<form method="post" action="{NEW}"' in page
    assert 'name="step" value="lookup"' in page and "第一步" in page
    number = citizen_id()
    html = client.get(NEW, {"id_type": "01", "id_number": number}).content.decode()
    assert "第一步" in html and "第二步" not in html  # a GET looks nothing up
    assert f'value="{number}"' not in html
    html = client.post(NEW, {"step": "lookup", "id_type": "01", "id_number": number}).content.decode()
    assert "第二步" in html and number in html


# ---- a revealed number lives in one response -----------------------------------------------------------------


def test_a_revealed_number_is_in_that_one_response_and_never_in_the_session(
    client, caseworker_jiefang, person
):
    client.force_login(caseworker_jiefang)
    response = client.post(reverse("registration:person_reveal", args=[person.code]))
    for session in Session.objects.all():
        assert person.id_number not in str(session.get_decoded())
    assert response.status_code == 200  # the page itself, no redirect to a page that must find the number
    html = response.content.decode()
    assert f'id="id-number">{person.id_number}<' in html and "本次查看已记录" in html
    assert "no-store" in response["Cache-Control"]
    assert (
        person.id_number
        not in client.get(reverse("registration:person_detail", args=[person.code])).content.decode()
    )


def test_reloading_the_reveal_address_reveals_nothing(client, caseworker_jiefang, person):
    client.force_login(caseworker_jiefang)
    response = client.get(reverse("registration:person_reveal", args=[person.code]))
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:person_detail", args=[person.code])
    assert not IdReveal.objects.exists()


# ---- logs ---------------------------------------------------------------------------------------------------


def test_the_logging_sms_backend_writes_phone_and_id_numbers_masked(caplog):
    number = citizen_id(BORN, seq=123)
    with caplog.at_level(logging.INFO, logger="common.notifications"):
        LoggingSmsBackend().send("13812345678", f"您（证件号码{number}，电话13912345678）的申请已受理")
    assert "13812345678" not in caplog.text and number not in caplog.text and "13912345678" not in caplog.text
    assert "138****5678" in caplog.text and mask_id(number) in caplog.text and "139****5678" in caplog.text


def test_the_log_filter_masks_numbers_in_any_record():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "lookup %s by %s", ("41080219900517123X", "张"), None
    )
    assert MaskPersonalDataFilter().filter(record) is True
    assert record.getMessage() == "lookup 410**************X by 张"


def test_the_text_mask_leaves_record_numbers_and_dates_alone():
    text = (
        "申请 SQ2026112500000042 于 2026-11-25 受理，电话 +8613800000000、0391-1234567，证件 410802750101123"
    )
    assert mask_personal_data(text) == (
        "申请 SQ2026112500000042 于 2026-11-25 受理，电话 +86138****0000、039*****4567，证件 410***********3"
    )
    assert mask_phone("13800000000") == "138****0000"


# ---- the reveal log: complete, append-only, readable by supervisors ------------------------------------------


def test_the_reveal_log_refuses_updates_and_deletes_through_the_orm(
    caseworker_jiefang, supervisor_jiaozuo, person
):
    services.person_reveal_id(person=person, user=caseworker_jiefang, context=IdReveal.Context.PERSON_PAGE)
    reveal = IdReveal.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        IdReveal.objects.filter(pk=reveal.pk).update(user=supervisor_jiaozuo)
    with pytest.raises(DatabaseError), transaction.atomic():
        reveal.context = IdReveal.Context.DIBAO_EXPORT
        reveal.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        IdReveal.objects.filter(pk=reveal.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        reveal.delete()
    reveal.refresh_from_db()
    assert (reveal.user, reveal.context) == (caseworker_jiefang, IdReveal.Context.PERSON_PAGE)


def test_each_reveal_records_who_whose_when_and_where(client, caseworker_jiefang, today, person):
    client.force_login(caseworker_jiefang)
    application = person.applications.get()
    client.post(reverse("registration:person_reveal", args=[person.code]))
    letter = client.get(reverse("registration:commitment_letter", args=[application.code]))
    assert person.id_number in letter.content.decode() and "no-store" in letter["Cache-Control"]
    registration = services.application_register(application=application, user=caseworker_jiefang)
    services.bundle_request_open(registration=registration, user=caseworker_jiefang, kind="dibao", note="")
    client.get(reverse("registration:dibao_export"))
    rows = list(IdReveal.objects.order_by("id").values_list("person", "user", "at", "context"))
    at = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
    assert rows == [
        (person.pk, caseworker_jiefang.pk, at, IdReveal.Context.PERSON_PAGE),
        (person.pk, caseworker_jiefang.pk, at, IdReveal.Context.COMMITMENT_LETTER),
        (person.pk, caseworker_jiefang.pk, at, IdReveal.Context.DIBAO_EXPORT),
    ]


def test_the_dibao_export_is_logged_per_person_and_never_cached(client, caseworker_jiefang, office_jiefang):
    people = []
    for name in ("甲", "乙"):
        application = submit(user=caseworker_jiefang, person=person_data(name=name))
        registration = services.application_register(application=application, user=caseworker_jiefang)
        services.bundle_request_open(
            registration=registration, user=caseworker_jiefang, kind="dibao", note=""
        )
        people.append(application.person)
    client.force_login(caseworker_jiefang)
    response = client.get(reverse("registration:dibao_export"))
    assert "no-store" in response["Cache-Control"]
    numbers = [
        row[2]
        for row in load_workbook(BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True)
    ]
    assert sorted(numbers) == sorted(p.id_number for p in people)
    logged = IdReveal.objects.filter(context=IdReveal.Context.DIBAO_EXPORT, user=caseworker_jiefang)
    assert sorted(logged.values_list("person", flat=True)) == sorted(p.pk for p in people)


@pytest.fixture
def supervisor_xinxiang(db):
    office = Office.objects.create(code="T410700", name="新乡市公共就业服务中心", region_id="410700")
    return make_staff("sup_xinxiang", office, Role.SUPERVISOR, handler_name="钱主管")


def test_the_reveal_log_page_sends_anonymous_users_to_sign_in(client):
    response = client.get(REVEALS)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_reveal_log_page_is_refused_to_caseworkers_and_ops(client, caseworker_jiefang, ops_jiaozuo):
    for user in (caseworker_jiefang, ops_jiaozuo):
        client.force_login(user)
        assert client.get(REVEALS).status_code == 403
    assert "证件号码查看记录" not in client.get(reverse("home")).content.decode()


def test_the_reveal_log_page_shows_a_supervisor_who_saw_which_number_when(
    client, caseworker_jiefang, supervisor_jiaozuo, today, person
):
    services.person_reveal_id(person=person, user=caseworker_jiefang, context=IdReveal.Context.PERSON_PAGE)
    client.force_login(supervisor_jiaozuo)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{REVEALS}"' in home  # in the navigation
    response = client.get(REVEALS)
    assert response.status_code == 200
    (row,) = re.findall(r"<tr>\s*<td><time.*?</tr>", response.content.decode(), re.S)
    assert "2026-11-25 10:00:00" in row and "李经办" in row and "解放区公共就业服务中心" in row
    assert "欧阳明" in row and person.masked_id_number in row and "人员页面" in row
    assert reverse("registration:person_detail", args=[person.code]) in row
    assert client.post(REVEALS).status_code == 405


def test_the_reveal_log_page_shows_nothing_of_this_region_to_another_citys_supervisor(
    client, caseworker_jiefang, supervisor_xinxiang, person
):
    services.person_reveal_id(person=person, user=caseworker_jiefang, context=IdReveal.Context.PERSON_PAGE)
    client.force_login(supervisor_xinxiang)
    html = client.get(REVEALS).content.decode()
    assert "欧阳明" not in html and person.masked_id_number not in html and "李经办" not in html
    assert client.get(REVEALS, {"person": str(person.code)}).status_code == 404


def test_the_reveal_log_page_filters_by_person_staff_member_and_dates(
    client, caseworker_jiefang, supervisor_jiaozuo, person, time_machine
):
    other = submit(user=caseworker_jiefang, person=person_data(name="司马光")).person
    time_machine.move_to(datetime(2026, 11, 20, 9, 0, tzinfo=SH), tick=False)
    services.person_reveal_id(person=person, user=caseworker_jiefang, context=IdReveal.Context.PERSON_PAGE)
    time_machine.move_to(
        datetime(2026, 11, 24, 23, 30, tzinfo=SH), tick=False
    )  # 15:30 UTC: still the 24th here
    services.person_reveal_id(person=other, user=supervisor_jiaozuo, context=IdReveal.Context.PERSON_PAGE)
    client.force_login(supervisor_jiaozuo)

    def names(**params) -> set[str]:
        html = client.get(REVEALS, params).content.decode()
        return {name for name in ("欧阳明", "司马光") if re.search(rf"<td><a [^>]*>{name}</a></td>", html)}

    assert names() == {"欧阳明", "司马光"}
    assert names(person=str(person.code)) == {"欧阳明"}
    assert names(user=caseworker_jiefang.pk) == {"欧阳明"}
    assert names(date_from="2026-11-24", date_to="2026-11-24") == {"司马光"}
    assert names(date_to="2026-11-23") == {"欧阳明"}
    reversed_dates = client.get(
        REVEALS, {"date_from": "2026-11-25", "date_to": "2026-11-01"}
    ).content.decode()
    assert str(audit.DATES_REVERSED) in reversed_dates


def test_the_reveal_log_page_shows_a_hundred_reveals_a_page(client, supervisor_jiaozuo, person):
    IdReveal.objects.bulk_create(
        IdReveal(person=person, user=supervisor_jiaozuo, context=IdReveal.Context.PERSON_PAGE)
        for _ in range(101)
    )
    client.force_login(supervisor_jiaozuo)
    first = client.get(REVEALS).content.decode()
    assert first.count("<td><time") == 100 and "第 1 / 2 页" in first and "共 101 条记录" in first
    second = client.get(REVEALS, {"page": 2}).content.decode()
    assert second.count("<td><time") == 1
