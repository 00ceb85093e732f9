"""Browser tests: a real headless Chromium (Debian's, via Playwright) against pytest-django's ``live_server``.

- One Chromium per session, a fresh browser context (cookies, storage) per test.
- Every test here is marked ``browser``, so ``-m "not browser"`` leaves them out.
- A screenshot of every page a test had open is saved under ``test-artifacts/browser/`` (repo root,
  git-ignored) after each test; a failed test's files start with ``FAILED-``. The ``screenshot`` fixture
  keeps intermediate states too. The folder is emptied
  when a run starts, so it only ever shows the last run.
- Chromium missing is a failure with instructions, never a skip.

Database: the live server answers from another thread and connection, so these tests run transactionally
(``transactional_db``): each test's data is committed and the tables are flushed afterwards. A flush also
wipes the data loaded by migrations (regions, code tables, calendar, role groups), so that data is copied
once per session and put back before each test and, once the session ends, for good, because
``--reuse-db`` keeps the test database for the next run's ordinary tests.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from offices.models import User
from tests.conftest import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the persona fixtures
# would otherwise trip Django's async-safety check. scripts/devstack.py sets it too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
HERE = Path(__file__).resolve().parent

_call_report = pytest.StashKey[pytest.TestReport]()


# ---- marking -------------------------------------------------------------------------------------
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


# ---- Chromium ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options plus Debian's Chromium (Playwright cannot download its own here)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. The browser tests need it: run `make chromium` "
            "(installs Debian's chromium package) or set CHROMIUM_PATH to a Chromium binary.",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [*CHROMIUM_ARGS, *browser_type_launch_args.get("args", [])],
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Relative URLs in ``page.goto`` and ``expect(page).to_have_url`` resolve against the live server.

    Defining it here also replaces pytest-playwright's fallback fixture, a plugin method that pytest 9
    warns about (PytestRemovedIn10Warning).
    """
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    """A staff member's browser in an office: Simplified Chinese, Beijing time, a desktop screen."""
    return {
        **browser_context_args,
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        "viewport": {"width": 1280, "height": 800},
    }


# ---- database --------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _live_database(committed_db, live_server) -> None:
    """Committed data the live server can see, starting from the migrations' state in every test.

    pytest-django's live-server helper has set up ``transactional_db`` before this runs (the previous
    test's flush emptied the tables); the persona fixtures, which ask for ``db``, come after it and so
    write committed rows too.
    """


# ---- pages, screenshots, problems ------------------------------------------------------------------
@pytest.fixture(scope="session", autouse=True)
def _fresh_artifacts_folder() -> None:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def page_problems() -> list[str]:
    """Console errors, uncaught script errors and failed requests seen by the test's pages."""
    return []


def _artifact_name(request: pytest.FixtureRequest) -> str:
    return re.sub(r"[^\w.-]+", "_", request.node.name)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """``screenshot(page, "label")``: keep a picture of a state the test moves on from."""

    def _screenshot(page: Page, label: str) -> Path:
        path = ARTIFACTS / f"{_artifact_name(request)}--{label}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return _screenshot


@pytest.fixture(autouse=True)
def _watch_and_screenshot(request: pytest.FixtureRequest, context: BrowserContext, page_problems: list[str]):
    context.set_default_timeout(10_000)

    def watch(page: Page) -> None:
        # "Failed to load resource" console lines duplicate the failed responses recorded (with URL) below.
        page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and not msg.text.startswith("Failed to load resource")
                and page_problems.append(f"console: {msg.text}")
            ),
        )
        page.on("pageerror", lambda exc: page_problems.append(f"script error: {exc}"))
        page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")  # Chromium asks for it before reading the page's icon
                and page_problems.append(f"HTTP {r.status}: {r.request.method} {r.url}")
            ),
        )
        page.on(
            "requestfailed",
            lambda r: (
                "favicon" not in r.url  # the browser drops the icon request when the page moves on quickly
                and page_problems.append(f"request failed: {r.url} ({r.failure})")
            ),
        )

    context.on("page", watch)
    yield
    report = request.node.stash.get(_call_report, None)
    prefix = "FAILED-" if report is not None and report.failed else ""
    name = _artifact_name(request)
    for i, page in enumerate(context.pages):
        suffix = f"-{i + 1}" if i else ""
        try:
            page.screenshot(path=ARTIFACTS / f"{prefix}{name}{suffix}.png", full_page=True)
        except Exception as exc:  # a crashed page must not hide the test's own result
            print(f"screenshot of {page.url} failed: {exc}")


# ---- logging in -----------------------------------------------------------------------------------
@pytest.fixture
def log_in() -> Callable[[Page, User], Page]:
    """``log_in(page, user)``: sign in through the real login form and wait for the home page."""

    def _log_in(page: Page, user: User, password: str = PASSWORD) -> Page:
        page.goto("/login/")
        page.get_by_label("用户名", exact=True).fill(user.username)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录", exact=True).click()
        expect(page).to_have_url("/")
        expect(page.get_by_role("button", name="退出登录")).to_be_visible()
        return page

    return _log_in
