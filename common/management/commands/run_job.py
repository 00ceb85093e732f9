from django.core.management.base import BaseCommand, CommandError

from common.jobs import registered_jobs, run_job


class Command(BaseCommand):
    help = "Run a periodic job by hand (the same code beat runs) and record the run. --list shows the jobs."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?")
        parser.add_argument("--list", action="store_true", help="list the registered jobs")

    def handle(self, *args, name: str | None, list: bool, **options):
        jobs = registered_jobs()
        if list or not name:
            for job_name, func in sorted(jobs.items()):
                self.stdout.write(
                    f"{job_name}\t{(func.__doc__ or '').strip().splitlines()[0] if func.__doc__ else ''}"
                )
            return
        if name not in jobs:
            raise CommandError(f"unknown job {name!r}; known: {', '.join(sorted(jobs))}")
        run = run_job(name, trigger="manual")
        self.stdout.write(f"{run.job}: {run.status} {run.counts} in {run.duration}")
        if run.status == run.Status.FAILED:
            raise CommandError(run.error.strip().splitlines()[-1])
