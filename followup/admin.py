"""The service list and the policy list (服务清单、政策清单), kept by administrators (role permissions in
plugins.py: only administrators may add or change them; nobody deletes an entry, it is made inactive)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Policy, Service


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "provider", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "description"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # services delivered refer to it: deactivate instead


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["name", "provider", "valid_from", "valid_until", "active"]
    list_filter = ["active", "requires_difficulty", "for_graduates"]
    search_fields = ["name", "summary"]
    fieldsets = [
        (None, {"fields": ["name", "summary", "provider", "active"]}),
        (
            _("适用条件"),
            {
                "fields": [
                    "for_graduates",
                    "for_subsidy_recipients",
                    "for_migrant_workers",
                    "requires_difficulty",
                    "requires_insured",
                    "min_age",
                    "max_age",
                ]
            },
        ),
        (_("有效期"), {"fields": ["valid_from", "valid_until"]}),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # introductions refer to it: deactivate instead
