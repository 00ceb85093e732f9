"""Exits in the admin site, read-only: an exit is made only through ``deregistration.services`` (the 31/32/90
safeguard of notice 四 has no way around it)."""

from django.contrib import admin

from .models import Exit


@admin.register(Exit)
class ExitAdmin(admin.ModelAdmin):
    list_display = ["serial", "region_code", "name", "reason", "deregistered_on", "status", "effective_on"]
    list_filter = ["status", "reason"]
    search_fields = ["serial", "registration__number"]
    raw_id_fields = ["registration", "proposed_by", "decided_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
