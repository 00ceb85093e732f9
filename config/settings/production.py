"""gunicorn / Celery in production (docker-compose.yml). Refuses to start without real secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False


def _required(name: str) -> str:
    """A required secret from NAME or from the file named by NAME_FILE (Docker secrets)."""
    path = env(f"{name}_FILE", default="")
    if path:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    value = env(name, default="")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
if (
    len(SECRET_KEY) < 32
    or len(set(SECRET_KEY)) < 5
    or SECRET_KEY.startswith(("local-", "test-", "change-me"))
):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a real secret of at least 32 characters")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set in production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS only: the proxy terminates TLS and says so (X-Forwarded-Proto); a plain-HTTP request is redirected.
# /healthz is exempt so that a probe inside the network can ask over HTTP.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS (browsers remember to use HTTPS only). One year by default; 0 switches it off (e.g. while moving hosts).
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # The browsers' preload list is for public sites; the offices' private network has no use for it.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
