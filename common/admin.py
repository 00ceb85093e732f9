from django.contrib import admin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(admin.ModelAdmin):
    """Ops read the run history of the periodic jobs here; re-run one with `manage.py run_job NAME`."""

    list_display = ["job", "status", "trigger", "triggered_by", "started_at", "finished_at", "counts", "note"]
    list_filter = ["job", "status", "trigger"]
    list_select_related = ["triggered_by"]
    date_hierarchy = "started_at"
    readonly_fields = [
        "job",
        "status",
        "trigger",
        "triggered_by",
        "started_at",
        "finished_at",
        "counts",
        "note",
        "error",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
