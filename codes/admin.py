from django.contrib import admin

from .models import CodeItem, CodeTable


class CodeItemInline(admin.TabularInline):
    model = CodeItem
    extra = 0
    fields = ["code", "label", "active", "sort_order"]

    def _editable(self, obj) -> bool:
        return bool(obj and obj.editable)

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # retire a code with `active`, old records keep their meaning


@admin.register(CodeTable)
class CodeTableAdmin(admin.ModelAdmin):
    """Tables from the notice itself (AJC00A, ...) are read-only; the province-varying ones are editable."""

    list_display = ["code", "name", "editable", "source"]
    readonly_fields = ["code", "name", "editable", "source"]
    inlines = [CodeItemInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
