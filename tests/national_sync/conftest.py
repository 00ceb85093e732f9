"""The ministry simulator as a separate process on a free port (a real HTTP server), reset before each test."""

from __future__ import annotations

import os

import pytest

from national_sync.simulator.testing import (
    SimulatorControl,
    free_port,
    start_simulator_process,
    stop_process,
)
from national_sync.transport import HttpTransport
from tests.conftest import test_database_url

APP_ID = "410000-test"
SECRET = "test-secret-not-real"


@pytest.fixture(scope="session")
def simulator_process(django_db_setup, tmp_path_factory):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": test_database_url(),
        "NATIONAL_SYNC_APP_ID": APP_ID,
        "NATIONAL_SYNC_APP_SECRET": SECRET,
    }
    proc, url = start_simulator_process(
        port=free_port(), data_dir=tmp_path_factory.mktemp("simulator"), env=env
    )
    yield url
    stop_process(proc)


@pytest.fixture
def simulator(simulator_process, settings) -> SimulatorControl:
    """A running simulator with nothing received and no faults; the app's settings point at it."""
    control = SimulatorControl(simulator_process)
    control.reset(data=True)
    settings.NATIONAL_SYNC_BASE_URL = simulator_process + "/api/v1"
    settings.NATIONAL_SYNC_APP_ID = APP_ID
    settings.NATIONAL_SYNC_APP_SECRET = SECRET
    settings.NATIONAL_SYNC_READ_TIMEOUT = 2.0
    settings.NATIONAL_SYNC_BACKOFF_SECONDS = 0.05
    settings.NATIONAL_SYNC_MAX_ATTEMPTS = 4
    yield control
    control.reset(data=True)


@pytest.fixture
def transport(simulator) -> HttpTransport:
    return HttpTransport()
