"""Running the simulator as a separate process and steering it (tests, the bench, scripts/devstack.py).

proc, url = start_simulator_process(port=free_port(), data_dir=tmp, env=os.environ)
control = SimulatorControl(url)
control.arm(fail=[{"status": 503}], reject={"TC…": "原因"}, duplicate_acks=1)
control.state()["stores"]["deregistrations"]
control.reset(data=True)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_simulator_process(
    *, port: int, data_dir: Path, env: dict[str, str], timeout: float = 60.0
) -> tuple[subprocess.Popen, str]:
    """Start ``manage.py run_ministry_simulator`` and wait until it answers; returns the process and its base
    URL (``http://127.0.0.1:PORT``; the API is below ``/api/v1``)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "run_ministry_simulator",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the simulator exited:\n" + (proc.stderr.read() if proc.stderr else ""))
        try:
            if requests.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the simulator did not start")


def stop_process(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class SimulatorControl:
    """The control endpoint of a running simulator."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")

    def arm(self, **faults: Any) -> dict:
        return requests.post(self.url + "/_control/faults", json=faults, timeout=5).json()

    def reset(self, *, data: bool = True) -> dict:
        return requests.post(self.url + "/_control/reset", json={"data": data}, timeout=5).json()

    def state(self) -> dict:
        return requests.get(self.url + "/_control/state", timeout=5).json()

    def received(self, store: str = "deregistrations") -> int:
        return int(self.state()["stores"].get(store, 0))
