from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import Office, Region, User
from .scoping import scope_by_region, visible_regions


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_local", "area"]
    list_filter = ["level", "is_local", "area"]
    list_editable = ["area"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]
    raw_id_fields = ["parent"]

    def get_readonly_fields(self, request, obj=None):
        # A code is a key that other records point at: it is fixed once created.
        return ["code", "path"] if obj else ["path"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region", "is_active"]
    list_filter = ["is_active", "region__level"]
    search_fields = ["code", "name", "region__name"]
    raw_id_fields = ["region"]

    def get_queryset(self, request):
        return scope_by_region(super().get_queryset(request), request.user).select_related("region")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "handler_name", "office", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "office"]
    search_fields = ["username", "handler_name", "first_name", "last_name"]
    fieldsets = [
        *(DjangoUserAdmin.fieldsets or ()),
        (_("经办信息"), {"fields": ["office", "handler_name"]}),
    ]
    add_fieldsets = [
        *DjangoUserAdmin.add_fieldsets,
        (_("经办信息"), {"fields": ["office", "handler_name", "groups"]}),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("office")
        if request.user.is_superuser:
            return qs
        return scope_by_region(qs, request.user, field="office__region")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office":
            kwargs["queryset"] = Office.objects.filter(region__in=visible_regions(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
