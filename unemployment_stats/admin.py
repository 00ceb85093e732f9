from django.contrib import admin

from offices.scoping import scope_by_region

from .models import DueDate, MonthlyReport, ReportReplacement, UrbanEmployed


@admin.register(DueDate)
class DueDateAdmin(admin.ModelAdmin):
    """上报截止日期: the months whose report is due on another day than the 3rd of the following month."""

    list_display = ["year", "month", "due_on", "note"]
    ordering = ["-year", "-month"]


@admin.register(UrbanEmployed)
class UrbanEmployedAdmin(admin.ModelAdmin):
    list_display = ["region", "year", "month", "employed", "entered_by", "updated_at"]
    list_filter = ["year", "month"]
    raw_id_fields = ["region"]
    readonly_fields = ["entered_by"]

    def get_queryset(self, request):
        return scope_by_region(super().get_queryset(request), request.user)

    def save_model(self, request, obj, form, change):
        obj.entered_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    """Read-only: reports are computed, finalised and replaced on the statistics pages (services)."""

    list_display = ["region", "year", "month", "status", "computed_at", "finalised_by", "finalised_at"]
    list_filter = ["status", "year", "month"]

    def get_queryset(self, request):
        return scope_by_region(super().get_queryset(request), request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportReplacement)
class ReportReplacementAdmin(admin.ModelAdmin):
    list_display = ["report", "by", "at", "reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
