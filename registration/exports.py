"""xlsx exports of stage 1, written by ``common/xlsx.py`` (rows streamed; no text can become a formula)."""

from __future__ import annotations

from django.utils import timezone, translation

from codes.lookup import label
from common.xlsx import XlsxWriter

from .models import BundleRequest, IdReveal

DIBAO_COLUMNS = [
    "登记编号",
    "姓名",
    "证件号码",
    "性别",
    "出生日期",
    "联系电话",
    "居住地址",
    "登记机构",
    "登记日期",
    "转介日期",
    "状态",
    "备注",
]
DIBAO_WIDTHS = [22, 10, 22, 6, 12, 16, 30, 24, 12, 12, 10, 30]


def dibao_referrals_xlsx(referrals, *, user) -> bytes:
    """低保 referrals (notice 五: 将符合条件的登记失业人员及时纳入最低生活保障) for the civil-affairs department.

    Civil affairs needs the full ID number, so each exported person counts as a reveal (IdReveal) by ``user``,
    and the view serves it with ``Cache-Control: no-store`` (no copy left in a browser or proxy cache).
    The referral date is the day in Asia/Shanghai the referral was made.
    """
    with translation.override("zh-hans"):  # for civil affairs, whatever the caseworker's UI language
        book = XlsxWriter()
        sheet = book.sheet("低保转介", header=DIBAO_COLUMNS, widths=DIBAO_WIDTHS)
        reveals = []
        for r in referrals.order_by("created_at"):
            reg, person = r.registration, r.registration.person
            reveals.append(IdReveal(person=person, user=user, context=IdReveal.Context.DIBAO_EXPORT))
            sheet.append(
                [
                    reg.number,
                    person.name,
                    person.id_number,
                    label("AAC004", person.sex) or "",
                    person.birth_date,
                    person.phone,
                    person.address,
                    reg.office.name,
                    reg.registered_on,
                    timezone.localdate(r.created_at),
                    str(BundleRequest.Status(r.status).label),
                    r.note,
                ]
            )
    IdReveal.objects.bulk_create(reveals)
    return book.to_bytes()
