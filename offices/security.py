"""Sign-in protection (等保2.0 level 3, 8.1.4.1 b: "应具有登录失败处理功能 ... 限制非法登录次数和当登录连接超时自动退出"):

- repeated wrong passwords lock out the account and, separately, the client address (django-axes; its records
  are in the admin, where an administrator unlocks by deleting the attempt); every failure is logged;
- a session ends after ``SESSION_IDLE_TIMEOUT`` seconds without a request, as well as after the absolute
  ``SESSION_COOKIE_AGE``.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.sites import AdminSite
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_otp.admin import OTPAdminSite

from common.ratelimit import client_ip

logger = logging.getLogger("offices.security")

SESSION_LAST_SEEN = "_last_seen"
# Write the session at most once a minute for activity: an idle limit of minutes needs no finer clock.
LAST_SEEN_RESOLUTION = 60


def lockout_client_ip(request) -> str | None:
    """The client address django-axes records (AXES_CLIENT_IP_CALLABLE): the one the rate limits use, or None
    for a request without one (a test client's bare request)."""
    address = client_ip(request)
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return None
    return address


def lockout_response(request, credentials=None, *args, **kwargs):
    """What a locked-out sign-in gets: the login page with a plain message (AXES_LOCKOUT_CALLABLE)."""
    from django.contrib.auth.forms import AuthenticationForm

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, data=None)
    message = _(
        "登录失败次数过多，该账号或本机地址已被暂时锁定，请%(minutes)d分钟后再试；如需立即解锁，请联系系统管理员。"
    ) % {"minutes": minutes}
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message, "next": request.POST.get("next", "")},
        status=429,
    )


@receiver(user_login_failed, dispatch_uid="offices.security.log_failure")
def log_failed_login(sender, credentials, request=None, **kwargs) -> None:
    """Every failed sign-in goes to the log with the user name tried and the client address (never the
    password: Django passes the credentials with it cleansed)."""
    address = client_ip(request) if request is not None else ""
    logger.warning("failed sign-in for user %r from %s", credentials.get("username", ""), address)


@receiver(user_logged_in, dispatch_uid="offices.security.start_idle_clock")
def start_idle_clock(sender, request, user, **kwargs) -> None:
    """The idle clock starts at sign-in (so the first pages after it write nothing more to the session)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_LAST_SEEN] = int(time.time())


class IdleTimeoutMiddleware:
    """Sign a staff member out after ``SESSION_IDLE_TIMEOUT`` seconds without a request (after
    AuthenticationMiddleware). The next page is the login page with a message saying why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(SESSION_LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("由于长时间未操作，您已自动退出登录，请重新登录。"))
                return redirect_to_login(request.path)
            if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
                request.session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


class StaffAdminSite(OTPAdminSite):
    """The admin site; with ``ADMIN_OTP_REQUIRED`` on, entering it also takes the one-time password of a TOTP
    device registered to the user (django-otp), otherwise a password alone, as Django's own site."""

    def has_permission(self, request) -> bool:
        if settings.ADMIN_OTP_REQUIRED:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)

    @property  # a class attribute in Django's AdminSite; here it follows the setting
    def login_form(self):
        return OTPAdminSite.login_form if settings.ADMIN_OTP_REQUIRED else AdminAuthenticationForm

    @property  # as login_form
    def login_template(self):
        return OTPAdminSite.login_template if settings.ADMIN_OTP_REQUIRED else None
