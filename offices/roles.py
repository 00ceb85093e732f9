"""Staff roles. Each role is a Django group of the same name.

``ROLE_PERMISSIONS`` below is what each role may do in the shared apps; each stage declares its own in its
``plugins.py``. The site shell (``portal.roles.sync_roles``) merges both into the groups after every migrate,
so new permissions reach existing installations on the next deploy.

Ask "is this user a supervisor?" with ``user.has_role(Role.SUPERVISOR)`` (superusers hold every role), never
with a permission that stands in for a role.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("经办人")
    SUPERVISOR = "supervisor", _("主管")
    OPS = "ops", _("运维")
    ADMINISTRATOR = "administrator", _("系统管理员")


# "app_label.codename" per role. Unknown permissions are an error (a typo would silently grant nothing).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CASEWORKER: [
        "offices.view_office",
        "offices.view_region",
        "workdays.view_calendarday",
        "codes.view_codeitem",
    ],
    Role.SUPERVISOR: [
        "offices.view_office",
        "offices.view_region",
        "offices.view_user",
        "workdays.view_calendarday",
        "codes.view_codeitem",
    ],
    Role.OPS: [
        "common.view_jobrun",
        "common.run_job",
        "offices.view_office",
        "offices.view_region",
        "workdays.view_calendarday",
        "workdays.add_calendarday",
        "workdays.change_calendarday",
        "codes.view_codetable",
        "codes.view_codeitem",
    ],
    Role.ADMINISTRATOR: [
        "offices.view_region",
        "offices.add_region",
        "offices.change_region",
        "offices.view_office",
        "offices.add_office",
        "offices.change_office",
        "offices.view_user",
        "offices.add_user",
        "offices.change_user",
        "auth.view_group",
        "workdays.view_calendarday",
        "workdays.add_calendarday",
        "workdays.change_calendarday",
        "codes.view_codetable",
        "codes.change_codetable",  # opens the table page; only `editable` tables accept changes
        "codes.view_codeitem",
        "codes.add_codeitem",
        "codes.change_codeitem",
        # sign-in protection: read the failures, unlock by deleting a lockout, register TOTP devices
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
        "otp_totp.view_totpdevice",
        "otp_totp.add_totpdevice",
        "otp_totp.change_totpdevice",
        "otp_totp.delete_totpdevice",
    ],
}
