"""manage.py upload_deregistrations [--date D] [--dry-run] [--backfill SINCE]: the daily exit upload by hand.

The same job beat runs at 01:30 (``national_sync.upload_exits``), under the same lock and recorded as a JobRun
started from the command line. ``--date`` sends only the exits effective that day; ``--backfill SINCE`` opens
and sends every exit effective since SINCE (the one-time full upload); ``--dry-run`` changes nothing and lists
what would be sent and every record that breaks a rule."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from common.jobs import run_job
from common.models import JobRun
from common.privacy import mask_document_number
from national_sync.jobs import UPLOAD_EXITS, UploadOptions, upload_options
from national_sync.services import upload_preview


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Upload the exits not yet acknowledged to the ministry platform (the daily job, by hand)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="only the exits effective on this day (YYYY-MM-DD)")
        parser.add_argument(
            "--backfill", metavar="SINCE", help="every exit effective since SINCE (YYYY-MM-DD)"
        )
        parser.add_argument("--dry-run", action="store_true", help="change nothing; list what would be sent")

    def handle(self, *args, **options):
        only_day = _date(options["date"]) if options["date"] else None
        since = _date(options["backfill"]) if options["backfill"] else None
        if only_day and since:
            raise CommandError("--date and --backfill exclude each other")
        if options["dry_run"]:
            previews = upload_preview(only_day=only_day, backfill_since=since)
            invalid = [p for p in previews if p.errors]
            self.stdout.write(
                f"would send {len(previews) - len(invalid)} record(s); {len(invalid)} break a rule"
            )
            for p in invalid:
                self.stdout.write(
                    f"  {p.record['AAB301']}{p.record['AAZ341']} {mask_document_number(p.record['AAC002'])}: "
                    + "; ".join(e.message for e in p.errors)
                )
            return
        token = upload_options.set(UploadOptions(only_day=only_day, backfill_since=since))
        try:
            run = run_job(UPLOAD_EXITS, trigger=JobRun.Trigger.COMMAND)
        finally:
            upload_options.reset(token)
        assert run is not None
        if run.status == JobRun.Status.SKIPPED:
            raise CommandError(f"{UPLOAD_EXITS}: another run is in progress; nothing done")
        self.stdout.write(f"{run.job}: {run.status} {run.counts}")
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error.strip().splitlines()[-1])
