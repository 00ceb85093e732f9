"""Exits in the admin site, read-only: an exit is made only through ``deregistration.services`` (the 31/32/90
safeguard of notice 四 has no way around it). Exit proposals too: they are made by the imports and decided on the
worklist (``services.exit_proposal_dismiss``, or an exit)."""

from django.contrib import admin

from .models import Exit, ExitProposal


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


@admin.register(ExitProposal)
class ExitProposalAdmin(admin.ModelAdmin):
    list_display = ["registration", "code", "source", "event_on", "status", "decided_at"]
    list_filter = ["status", "code", "source"]
    search_fields = ["registration__number"]
    raw_id_fields = ["registration", "batch", "record", "exit", "decided_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
