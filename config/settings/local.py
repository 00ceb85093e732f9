"""`make run`: demo data, a throwaway secret key unless one is given; DEBUG only on request."""

import os
from pathlib import Path

# Without DATABASE_URL / REDIS_URL, talk to the embedded servers that `make run` starts (var/pg, port 6380),
# so `.venv/bin/python manage.py shell` works beside a running stack.
_VAR = Path(__file__).resolve().parent.parent.parent / "var"
os.environ.setdefault("DATABASE_URL", f"postgresql://postgres@/app?host={_VAR / 'pg'}")
os.environ.setdefault("REDIS_URL", f"redis://127.0.0.1:{os.environ.get('REDIS_PORT', '6380')}/0")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

# Off by default, so `make run` shows the pages users see (Chinese 403/404/500, never the debug page with the
# URL patterns); DJANGO_DEBUG=true for the debug page while developing.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
DEMO_DATA = env.bool("DEMO_DATA", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret-3f9c1e7a")
# Static files straight from static/ without collectstatic.
WHITENOISE_USE_FINDERS = True
# No collectstatic outside production; WhiteNoise serves from static/ via the finders.
STATIC_ROOT = None  # type: ignore[assignment]  # base.py's is a Path; None is what switches it off
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
