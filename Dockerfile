# syntax=docker/dockerfile:1
# One image for every production process (docker-compose.yml): gunicorn (the default CMD), the one-shot
# `manage.py migrate`, the Celery worker and Celery beat. The code runs from /app, as in the repository.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_SETTINGS_MODULE=config.settings.production

# The processes run as this unprivileged user (uid/gid 10001); the code and static files stay root-owned (read-only to it).
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && install -d -o app -g app -m 0750 /var/lib/celery

# Dependencies first, in a layer of their own that is rebuilt only when these two files change.
# pyproject.toml has `packages = []`: installing the project installs its dependencies and nothing else.
# celery[redis] brings kombu's Redis transport and what it imports (packaging among them).
COPY pyproject.toml constraints.txt /tmp/deps/
RUN pip install -c /tmp/deps/constraints.txt /tmp/deps \
    && rm -rf /tmp/deps

WORKDIR /app
# The code, directory by directory: never the whole build context, which may hold .env, .venv, var/ (the
# embedded dev database) and .git. A new top-level app needs a line here (tests/test_deploy.py checks).
COPY manage.py ./
COPY config/ config/
COPY common/ common/
COPY offices/ offices/
COPY workdays/ workdays/
COPY codes/ codes/
COPY portal/ portal/
COPY registration/ registration/
COPY followup/ followup/
COPY deregistration/ deregistration/
COPY unemployment_stats/ unemployment_stats/
COPY national_sync/ national_sync/
COPY deadlines/ deadlines/
COPY templates/ templates/
COPY static/ static/
COPY locale/ locale/

# Hashed and compressed static files for WhiteNoise (CompressedManifestStaticFilesStorage) into /app/staticfiles.
# The production settings refuse to load without a secret, hosts and a database URL: build-time dummies,
# set for this command only (nothing connects to the database here, and none of them stays in the image).
RUN DJANGO_SECRET_KEY=build-time-only-dummy-secret-for-collectstatic-0000 \
    DJANGO_ALLOWED_HOSTS=build.invalid \
    DATABASE_URL=postgresql://build@build.invalid/build \
    python manage.py collectstatic --no-input --verbosity 1

USER 10001:10001
EXPOSE 8000

# WEB_CONCURRENCY sets the number of gunicorn workers (gunicorn reads it itself; default 1).
CMD ["gunicorn", "config.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--access-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm", \
     "--timeout", "60", \
     "--graceful-timeout", "30"]
