"""xlsx exports of stage 1, built with openpyxl in write-only mode (streams rows, constant memory)."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

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


def dibao_referrals_xlsx(referrals, *, user) -> bytes:
    """低保 referrals (notice 五: 将符合条件的登记失业人员及时纳入最低生活保障) for the civil-affairs department.

    Civil affairs needs the full ID number, so each exported person counts as a reveal (IdReveal) by ``user``.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("低保转介")
    ws.append(DIBAO_COLUMNS)
    reveals = []
    for r in referrals.order_by("created_at"):
        reg, person = r.registration, r.registration.person
        reveals.append(IdReveal(person=person, user=user))
        ws.append(
            [
                reg.number,
                person.name,
                person.id_number,
                {"1": "男", "2": "女"}.get(person.sex, ""),
                person.birth_date,
                person.phone,
                person.address,
                reg.office.name,
                reg.registered_on,
                r.created_at.date(),
                str(BundleRequest.Status(r.status).label),
                r.note,
            ]
        )
    IdReveal.objects.bulk_create(reveals)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
