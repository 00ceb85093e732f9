"""Demo offices and staff for Jiaozuo (make run). Loaded only with DEBUG or DEMO_DATA on."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Office, Region, User
from .roles import Role

DEMO_PASSWORD = "demo-12345"  # three character classes, like every password (offices/passwords.py)

# Jiaozuo's 城乡一体化示范区 has no GB/T 2260 code; offices there use a locally assigned one.
LOCAL_REGIONS = [("410871", "焦作市城乡一体化示范区", "410800")]

# (office code, name, region code): the city centre plus one office per county-level division.
OFFICES = [
    ("JZ410800", "焦作市公共就业服务中心", "410800"),
    ("JZ410802", "解放区公共就业服务中心", "410802"),
    ("JZ410803", "中站区公共就业服务中心", "410803"),
    ("JZ410804", "马村区公共就业服务中心", "410804"),
    ("JZ410811", "山阳区公共就业服务中心", "410811"),
    ("JZ410821", "修武县公共就业服务中心", "410821"),
    ("JZ410822", "博爱县公共就业服务中心", "410822"),
    ("JZ410823", "武陟县公共就业服务中心", "410823"),
    ("JZ410825", "温县公共就业服务中心", "410825"),
    ("JZ410882", "沁阳市公共就业服务中心", "410882"),
    ("JZ410883", "孟州市公共就业服务中心", "410883"),
    ("JZ410871", "城乡一体化示范区公共就业服务中心", "410871"),
]

# (username, handler name, office code, roles, is_staff, is_superuser)
STAFF = [
    ("caseworker_jiefang", "李经办", "JZ410802", [Role.CASEWORKER], False, False),
    ("caseworker_wenxian", "王经办", "JZ410825", [Role.CASEWORKER], False, False),
    ("supervisor_jiaozuo", "赵主管", "JZ410800", [Role.SUPERVISOR], False, False),
    ("ops_jiaozuo", "孙运维", "JZ410800", [Role.OPS], True, False),
    ("admin", "系统管理员", "JZ410800", [Role.ADMINISTRATOR], True, True),
]


@transaction.atomic
def load_demo_offices() -> dict[str, int]:
    """Create or update the demo regions, offices and staff. Idempotent; existing passwords are kept."""
    for code, name, parent in LOCAL_REGIONS:
        Region.objects.get_or_create(
            code=code,
            defaults={"name": name, "level": Region.Level.COUNTY, "parent_id": parent, "is_local": True},
        )
    for code, name, region in OFFICES:
        Office.objects.update_or_create(code=code, defaults={"name": name, "region_id": region})
    offices = {o.code: o for o in Office.objects.filter(code__in=[c for c, _, _ in OFFICES])}
    created = 0
    for username, handler, office, roles, is_staff, is_superuser in STAFF:
        user, was_created = User.objects.update_or_create(
            username=username,
            defaults={
                "handler_name": handler,
                "office": offices[office],
                "is_staff": is_staff,
                "is_superuser": is_superuser,
                "first_name": handler,
            },
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created += 1
        user.groups.set(Group.objects.filter(name__in=[str(r) for r in roles]))
    return {"offices": len(offices), "staff_created": created}
