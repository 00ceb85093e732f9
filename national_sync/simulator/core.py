"""The simulator's server: routing, signature check, fault injection, control endpoint, HTML page, file stores.

    sim = Simulator(data_dir=Path("var/ministry-simulator"), app_id="410000", secret="…")
    server = sim.make_server(port=8765)          # ThreadingHTTPServer on 127.0.0.1
    server.serve_forever()

An exchange module adds itself with ``register(sim)``::

    def register(sim: Simulator) -> None:
        store = sim.store("deregistrations")                    # var/…/deregistrations.jsonl, keyed
        sim.route("POST", protocol.EXIT_BATCHES, handle_batch)  # below /api/v1, signed, faults applied
        sim.page_sections.append(page_section)                  # (sim) -> HTML fragment for GET /

A handler takes ``(sim, request)`` and returns a ``Response``; it runs under ``sim.lock`` (one request at a time
changes the stores). Faults armed through ``POST /_control/faults`` apply to every signed API request in order.
"""

from __future__ import annotations

import html
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import import_module
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from django.db import close_old_connections

from .. import protocol
from ..signing import HEADER_APP_ID, check_signature
from . import ENDPOINT_MODULES

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def now_text() -> str:
    return datetime.now(SHANGHAI).isoformat(timespec="seconds")


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    body: Any = None  # JSON-able, or str for HTML
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")


def error(status: int, code: str, message: str, **headers: str) -> Response:
    return Response(status, {"error": {"code": code, "message": message}}, headers=headers)


class JsonlStore:
    """An append-only JSON-lines file of entries keyed by a string, read back whole on start. ``add`` appends;
    ``flush`` makes the appended lines durable (once per batch)."""

    def __init__(self, path: Path):
        self.path = path
        self.entries: dict[str, dict] = {}
        if path.exists():
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    if line.strip():
                        entry = json.loads(line)
                        self.entries[entry["key"]] = entry
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115  (kept open for the server's life)

    def __contains__(self, key: str) -> bool:
        return key in self.entries

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: str) -> dict | None:
        return self.entries.get(key)

    def add(self, key: str, entry: dict) -> dict:
        entry = {"key": key, **entry}
        self.entries[key] = entry
        self._fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry

    def flush(self) -> None:
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def latest(self, n: int) -> list[dict]:
        return list(self.entries.values())[-n:][::-1]

    def clear(self) -> None:
        self._fh.close()
        self.entries.clear()
        self._fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115

    def close(self) -> None:
        self._fh.close()


@dataclass
class Faults:
    """What the control endpoint armed: failures for the next requests (in order), records to reject, answers
    to duplicate."""

    fail: list[dict] = field(default_factory=list)
    reject: dict[str, str] = field(default_factory=dict)  # AAZ341 -> reason
    duplicate_acks: int = 0

    def as_dict(self) -> dict:
        return {"fail": list(self.fail), "reject": dict(self.reject), "duplicate_acks": self.duplicate_acks}


Handler = Callable[["Simulator", Request], Response]


class Simulator:
    """The state of one simulator: stores, routes, faults, counters."""

    def __init__(self, *, data_dir: Path, app_id: str, secret: str, modules: list[str] | None = None):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.app_id = app_id
        self.secret = secret
        self.lock = threading.RLock()
        self.faults = Faults()
        self.routes: dict[tuple[str, str], Handler] = {}
        self.stores: dict[str, JsonlStore] = {}
        self.page_sections: list[Callable[[Simulator], str]] = []
        self.controls: dict[tuple[str, str], Handler] = {}  # unsigned /_control/… endpoints of the modules
        self.counters: dict[str, int] = {}
        self.started_at = now_text()
        for name in ENDPOINT_MODULES if modules is None else modules:
            import_module(name).register(self)

    # ---- what modules use ----
    def route(self, method: str, endpoint: str, handler: Handler) -> None:
        self.routes[(method.upper(), protocol.API_PREFIX + endpoint)] = handler

    def control(self, method: str, path: str, handler: Handler) -> None:
        """An unsigned control endpoint of a module (``/_control/…``, loopback only), run under ``sim.lock``."""
        self.controls[(method.upper(), path)] = handler

    def store(self, name: str) -> JsonlStore:
        if name not in self.stores:
            self.stores[name] = JsonlStore(self.data_dir / f"{name}.jsonl")
        return self.stores[name]

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + n

    # ---- control ----
    def arm(self, data: dict) -> None:
        with self.lock:
            for item in data.get("fail") or []:
                self.faults.fail.append(dict(item))
            self.faults.reject.update({str(k): str(v) for k, v in (data.get("reject") or {}).items()})
            for serial in data.get("unreject") or []:
                self.faults.reject.pop(str(serial), None)
            self.faults.duplicate_acks += int(data.get("duplicate_acks") or 0)

    def reset(self, *, data: bool) -> None:
        with self.lock:
            self.faults = Faults()
            self.counters.clear()
            if data:
                for store in self.stores.values():
                    store.clear()

    def state(self) -> dict:
        with self.lock:
            return {
                "started_at": self.started_at,
                "stores": {name: len(store) for name, store in self.stores.items()},
                "faults": self.faults.as_dict(),
                "counters": dict(self.counters),
            }

    def next_fault(self) -> dict | None:
        with self.lock:
            return self.faults.fail.pop(0) if self.faults.fail else None

    # ---- dispatch ----
    def authenticate(self, request: Request, raw_path: str) -> Response | None:
        if request.headers.get(HEADER_APP_ID) != self.app_id:
            return error(401, protocol.ERROR_UNAUTHORIZED, "unknown app id")
        reason = check_signature(
            secret=self.secret,
            method=request.method,
            path=raw_path,
            headers=request.headers,
            body=request.body,
            now=time.time(),
        )
        if reason:
            return error(401, protocol.ERROR_UNAUTHORIZED, reason)
        return None

    def close(self) -> None:
        for store in self.stores.values():
            store.close()

    def make_server(self, *, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the simulator listens on loopback only")
        handler = type("BoundHandler", (SimulatorHandler,), {"sim": self})
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        return server

    def page(self) -> str:
        state = self.state()
        faults = json.dumps(state["faults"], ensure_ascii=False)
        sections = "".join(section(self) for section in self.page_sections)
        stores = "".join(
            f"<li>{html.escape(name)}：{count}</li>" for name, count in sorted(state["stores"].items())
        )
        return f"""<!doctype html>
<html lang="zh-hans"><head><meta charset="utf-8"><title>部级平台模拟器</title>
<style>body{{font-family:sans-serif;margin:1.5rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2rem .5rem;font-size:.9rem}}code{{background:#f3f3f3}}</style></head>
<body><h1>部级平台模拟器</h1>
<p>启动于 {html.escape(state["started_at"])}；数据目录 <code>{html.escape(str(self.data_dir))}</code></p>
<h2>已接收</h2><ul>{stores}</ul>
<h2>故障注入</h2><p><code>{html.escape(faults)}</code></p>
<p>请求计数：<code>{html.escape(json.dumps(state["counters"], ensure_ascii=False))}</code></p>
{sections}
</body></html>"""


class SimulatorHandler(BaseHTTPRequestHandler):
    sim: Simulator
    protocol_version = "HTTP/1.1"
    server_version = "MinistrySimulator/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (the base class's name)
        logger.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _read(self, raw_path: str, method: str) -> Request:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(raw_path)
        return Request(
            method=method,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k: v for k, v in self.headers.items()},
            body=body,
        )

    def _send(self, response: Response) -> None:
        payload = response.payload()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its read timeout)
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _handle(self, method: str) -> None:
        sim = self.sim
        request = self._read(self.path, method)
        try:
            response = self._dispatch(request)
        except Exception:  # noqa: BLE001  (a simulator bug answers 500, as a real platform would)
            logger.exception("simulator error")
            response = error(500, protocol.ERROR_INTERNAL, "simulator error")
        finally:
            close_old_connections()
        if response is None:
            self._drop()
        else:
            self._send(response)
        sim.count(f"{method} {request.path} {response.status if response else 'dropped'}")

    def _dispatch(self, request: Request) -> Response | None:
        sim = self.sim
        path = request.path
        if request.method == "GET" and path in ("/", ""):
            return Response(200, sim.page(), content_type="text/html; charset=utf-8")
        if path == protocol.API_PREFIX + protocol.HEALTH:
            return Response(200, {"status": "ok", "time": now_text()})
        if path.startswith("/_control/"):
            return self._control(request)
        handler = sim.routes.get((request.method, path))
        if handler is None:
            return error(404, "NOT_FOUND", f"no endpoint {request.method} {path}")
        refused = sim.authenticate(request, self.path)
        if refused is not None:
            return refused
        fault = sim.next_fault()
        if fault and fault.get("status"):
            status = int(fault["status"])
            extra = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") else {}
            code = protocol.ERROR_BUSY if status in (429, 503) else protocol.ERROR_INTERNAL
            return error(status, code, f"injected fault {status}", **extra)
        if fault and fault.get("drop") and not fault.get("after_processing"):
            return None
        if fault and fault.get("timeout"):
            time.sleep(float(fault["timeout"]))
        with sim.lock:
            response = handler(sim, request)
        if fault and fault.get("drop"):
            return None
        return response

    def _control(self, request: Request) -> Response:
        sim = self.sim
        data = request.json() if request.body else {}
        if request.path == "/_control/faults" and request.method == "POST":
            sim.arm(data)
        elif request.path == "/_control/reset" and request.method == "POST":
            sim.reset(data=bool(data.get("data")))
        elif (handler := sim.controls.get((request.method, request.path))) is not None:
            with sim.lock:
                return handler(sim, request)
        elif not (request.path == "/_control/state" and request.method == "GET"):
            return error(404, "NOT_FOUND", request.path)
        return Response(200, sim.state())


@contextmanager
def serve(sim: Simulator, *, port: int) -> Iterator[ThreadingHTTPServer]:
    """Serve ``sim`` on ``port`` in a background thread (the bench); yields the server, stops it after."""
    server = sim.make_server(port=port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        sim.close()
