"""manage.py run_ministry_simulator --port N [--data-dir DIR]: the ministry platform simulator on loopback
(docs/ministry-protocol.md, "The simulator"). Ctrl-C or SIGTERM stops it."""

from __future__ import annotations

import signal
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from national_sync.simulator.core import Simulator


class Command(BaseCommand):
    help = "Run the ministry platform simulator on 127.0.0.1:PORT."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument(
            "--data-dir",
            default=str(Path(settings.BASE_DIR) / "var" / "ministry-simulator"),
            help="where it keeps what it received (JSON-lines files)",
        )

    def handle(self, *args, **options):
        sim = Simulator(
            data_dir=Path(options["data_dir"]),
            app_id=settings.NATIONAL_SYNC_APP_ID,
            secret=settings.NATIONAL_SYNC_APP_SECRET,
        )
        server = sim.make_server(port=options["port"])

        def stop(signum, frame):  # noqa: ARG001
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(
            f"ministry simulator listening on http://127.0.0.1:{options['port']}/ (data in {sim.data_dir})",
        )
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            sim.close()
