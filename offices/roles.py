"""Staff roles. Each role is a Django group of the same name; `sync_roles` keeps their permissions.

The map below is the one place that says what each role may do; it runs after every migrate, so a later
stage adds its permissions here and they reach existing installations on the next deploy.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("经办人")
    SUPERVISOR = "supervisor", _("主管")
    OPS = "ops", _("运维")
    ADMINISTRATOR = "administrator", _("系统管理员")


REGISTRATION_VIEW = [
    "registration.view_person",
    "registration.view_application",
    "registration.view_registration",
    "registration.view_bundlerequest",
]
REGISTRATION_CASEWORK = [
    *REGISTRATION_VIEW,
    "registration.add_application",
    "registration.change_application",
    "registration.change_person",
    "registration.add_bundlerequest",
    "registration.change_bundlerequest",
    "registration.reveal_id_number",
]

# "app_label.codename" per role. Unknown permissions are an error (a typo would silently grant nothing).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CASEWORKER: [
        *REGISTRATION_CASEWORK,
        "offices.view_office",
        "offices.view_region",
        "workdays.view_calendarday",
        "codes.view_codeitem",
    ],
    Role.SUPERVISOR: [
        *REGISTRATION_VIEW,
        "registration.reveal_id_number",
        "offices.view_office",
        "offices.view_region",
        "offices.view_user",
        "workdays.view_calendarday",
        "codes.view_codeitem",
    ],
    Role.OPS: [
        "common.view_jobrun",
        "registration.view_importbatch",
        "registration.add_importbatch",
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
    ],
}
