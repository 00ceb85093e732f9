"""manage.py push_registrations [--backfill]: the national platform push by hand.

The same job beat runs every 10 minutes (``national_sync.push_records``: decisions on national applications and
local registrations), under the same lock and recorded as a JobRun started from the command line.
``--backfill`` is the one-time full upload: every registration ever decided or recorded here (counter, online,
education lists, imported) and every decision on a national application gets its push, and all are sent; the
regular job only looks a day or two back. Safe to repeat: each record is pushed once by its business key."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from common.jobs import run_job
from common.models import JobRun
from national_sync.jobs import PUSH_RECORDS, push_backfill


class Command(BaseCommand):
    help = "Push decisions and local registrations to the national platform now (--backfill: all of them)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--backfill", action="store_true", help="open a push for every local registration and decision"
        )

    def handle(self, *args, **options):
        token = push_backfill.set(bool(options["backfill"]))
        try:
            run = run_job(PUSH_RECORDS, trigger=JobRun.Trigger.COMMAND)
        finally:
            push_backfill.reset(token)
        assert run is not None
        if run.status == JobRun.Status.SKIPPED:
            raise CommandError(f"{PUSH_RECORDS}: another run is in progress; nothing done")
        self.stdout.write(f"{run.job}: {run.status} {run.counts}")
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error.strip().splitlines()[-1])
