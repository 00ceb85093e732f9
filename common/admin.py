import json

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from pghistory.admin import EventsAdmin

from .models import JobRun
from .privacy import mask_history_values


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


class MaskedEventsAdmin(EventsAdmin):
    """The history pages (事件) of the admin, with ID numbers, birth dates and phones masked in every change:
    the history keeps them as written, but nothing shown beside a masked number may complete it (PIPL).
    Named by ``PGHISTORY_ADMIN_CLASS``."""

    masked = ("pgh_data", "pgh_diff")

    def get_list_display(self, request):
        return [
            name if name not in self.masked else f"masked_{name}"
            for name in super().get_list_display(request)
        ]

    def get_fields(self, request, obj=None):
        fields = [f.name for f in self.model._meta.fields if f.name not in (*self.masked, "pgh_context")]
        return [*fields, "masked_pgh_data", "masked_pgh_diff"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("数据"))
    def masked_pgh_data(self, obj) -> str:
        return _as_json(obj.pgh_data)

    @admin.display(description=_("变更"))
    def masked_pgh_diff(self, obj) -> str:
        return _as_json(obj.pgh_diff)


def _as_json(value) -> str:
    if value is None:
        return "-"
    text = json.dumps(mask_history_values(value), ensure_ascii=False, indent=1, default=str)
    return format_html("<pre>{}</pre>", text)
