from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from common import views as common_views
from offices.security import StaffAdminSite
from portal import views as portal_views

# With ADMIN_OTP_REQUIRED on, the admin sign-in also asks for a TOTP one-time password (offices/security.py).
admin.site.__class__ = StaffAdminSite
admin.site.site_header = _("失业登记服务管理系统")
admin.site.site_title = _("失业登记服务管理系统")
admin.site.index_title = _("基础数据管理")

urlpatterns = [
    path("", portal_views.home, name="home"),
    path("healthz", common_views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("registration.urls")),
    path("", include("followup.urls")),
    path("", include("deregistration.urls")),
    path("", include("national_sync.urls")),
    path("apply/", include("registration.urls_public")),
]
