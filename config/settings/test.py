"""`make test`: real PostgreSQL and Redis from scripts/devstack.py (or DATABASE_URL / REDIS_URL)."""

from .base import *  # noqa: F403
from .base import DATABASES, env

DEBUG = False
DEMO_DATA = False
SECRET_KEY = "test-only-not-a-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; never used outside tests
WHITENOISE_USE_FINDERS = True
# No collectstatic outside production; WhiteNoise serves from static/ via the finders.
STATIC_ROOT = None  # type: ignore[assignment]  # base.py's is a Path; None is what switches it off
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A test database of its own, so tests can run while the dev stack uses the same server.
DATABASES["default"]["TEST"] = {"NAME": env("DJANGO_TEST_DB_NAME", default="test_app")}
CACHES["default"]["KEY_PREFIX"] = env("DJANGO_CACHE_PREFIX", default="test")  # noqa: F405

# A stage that exists only in tests (tests/example_stage): it plugs into navigation, roles, the home page,
# the person timeline and the job schedule from its own folder alone (tests/portal/test_plugins.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.example_stage"]  # noqa: F405
ROOT_URLCONF = "tests.example_stage.urls_root"
