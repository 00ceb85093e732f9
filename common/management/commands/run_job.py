"""``manage.py run_job NAME``: run a periodic job by hand, the same code beat runs, recorded as a JobRun.

    manage.py run_job --list                      # every job, its schedule in words, its last run
    manage.py run_job notifications.resend
    manage.py run_job notifications.resend --user ops_jiaozuo   # recorded as started by that staff member

A job already running elsewhere is not started twice: the run is recorded as skipped and the command says so.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from common.jobs import last_runs, registered_jobs, run_job
from common.models import JobRun


class Command(BaseCommand):
    help = "Run a periodic job by hand (the same code beat runs) and record the run. --list shows the jobs."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument(
            "--list", action="store_true", help="list the jobs, their schedules and last runs"
        )
        parser.add_argument("--user", help="username of the staff member on whose behalf the job runs")

    def handle(self, *args, name: str | None, list: bool, user: str | None, **options):
        jobs = registered_jobs()
        if list or not name:
            self._list(jobs)
            return
        if name not in jobs:
            raise CommandError(f"unknown job {name!r}; known: {', '.join(sorted(jobs))}")
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user)
            except get_user_model().DoesNotExist:
                raise CommandError(f"no user {user!r}") from None
        run = run_job(name, trigger=JobRun.Trigger.USER if actor else JobRun.Trigger.COMMAND, user=actor)
        if run is None:
            self.stdout.write(f"{name}: done (this job does not record runs)")
            return
        if run.status == JobRun.Status.SKIPPED:
            self.stdout.write(f"{run.job}: skipped: {run.note}")
            return
        self.stdout.write(f"{run.job}: {run.status} {run.counts} in {run.duration}")
        if run.status == JobRun.Status.FAILED:
            raise CommandError(run.error.strip().splitlines()[-1])

    def _list(self, jobs) -> None:
        latest = last_runs(jobs)
        for job_name, declared in sorted(jobs.items()):
            run = latest.get(job_name)
            last = (
                f"last run {timezone.localtime(run.started_at):%Y-%m-%d %H:%M} {run.status}"
                if run
                else "never run"
            )
            self.stdout.write(f"{job_name}\n    {declared.schedule_text}; {last}\n    {declared.description}")
