"""manage.py seed_national_applications [--url URL] [--count N] [--region CODE] [--file F.json]: queue national
applications in a running ministry simulator (its control endpoint ``POST /_control/national/applications``), for
the demo and by hand. ``--count`` makes up valid ones (new people with citizen IDs of ``--region``); ``--file`` is
a JSON list of records keyed by field codes (docs/ministry-protocol.md, "National applications"). Each is queued
once by QGSQBH."""

from __future__ import annotations

import json
from pathlib import Path

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Queue national applications in the ministry simulator."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", help="the simulator's base URL (default: NATIONAL_SYNC_BASE_URL without /api/v1)"
        )
        parser.add_argument("--count", type=int, default=0, help="how many valid applications to make up")
        parser.add_argument("--region", default="410802", help="their region (AAB301), default 410802")
        parser.add_argument("--file", help="a JSON list of national application records")

    def handle(self, *args, **options):
        url = options["url"] or settings.NATIONAL_SYNC_BASE_URL.rstrip("/").removesuffix("/api/v1")
        if not url.startswith(("http://127.0.0.1", "http://localhost")):
            raise CommandError("the simulator listens on loopback: give --url http://127.0.0.1:PORT")
        body: dict = {"generate": options["count"], "region": options["region"]}
        if options["file"]:
            try:
                body["applications"] = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read {options['file']}: {exc}") from None
        try:
            answer = requests.post(url.rstrip("/") + "/_control/national/applications", json=body, timeout=10)
        except requests.RequestException as exc:
            raise CommandError(f"the simulator does not answer at {url}: {exc}") from None
        if answer.status_code != 200:
            raise CommandError(f"HTTP {answer.status_code}: {answer.text[:300]}")
        self.stdout.write(json.dumps(answer.json(), ensure_ascii=False))
