"""``manage.py bench``: time the benchmark scenarios of every app (``<app>/bench.py``) against their targets.

    manage.py bench                                  # all scenarios, 200 timed iterations each
    manage.py bench --scenario 'registration.*' --iterations 500
    manage.py bench --list
    manage.py bench --no-fail                        # report only; exit 0 even if a target is missed

Exits with status 1 when a scenario misses its p95 target or cannot run (SKIP), unless ``--no-fail``.
Meant for a database holding benchmark data (``make bench`` seeds one: ``manage.py seed_scale``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from common import bench


class Command(BaseCommand):
    help = "Time the benchmark scenarios (<app>/bench.py) and compare their p95 with the targets."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scenario",
            action="append",
            default=[],
            help="only scenarios matching this glob or substring (repeatable)",
        )
        parser.add_argument("--iterations", type=int, default=200, help="timed iterations per scenario (200)")
        parser.add_argument("--warmup", type=int, default=10, help="untimed iterations first (10)")
        parser.add_argument("--seed", type=int, default=2020, help="random seed for the sampled inputs")
        parser.add_argument("--no-fail", action="store_true", help="exit 0 even if a target is missed")
        parser.add_argument("--list", action="store_true", help="list the scenarios and exit")

    def handle(self, *args, **options):
        scenarios = bench.select(bench.discover(), options["scenario"])
        if options["list"]:
            for sc in scenarios:
                target = f"p95 ≤ {sc.target_ms_p95:g} ms" if sc.target_ms_p95 is not None else "no target"
                self.stdout.write(f"{sc.name}  ({target})  {sc.description}")
            return
        if not scenarios:
            raise CommandError("no benchmark scenario matches " + ", ".join(options["scenario"]))
        if options["iterations"] < 1 or options["warmup"] < 0:
            raise CommandError("--iterations must be >= 1 and --warmup >= 0")
        if settings.DEBUG:
            self.stderr.write("bench: DEBUG is on; query logging adds a little to every timing")

        def report(result: bench.Result) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"bench: {result.name}: {result.verdict}")

        results = bench.run(
            scenarios,
            iterations=options["iterations"],
            warmup=options["warmup"],
            seed=options["seed"],
            report=report,
        )
        self.stdout.write(bench.format_table(results))
        missed = [r.name for r in results if not r.passed]
        if missed:
            message = "targets missed: " + ", ".join(missed)
            if options["no_fail"]:
                self.stdout.write(f"bench: {message} (--no-fail)")
            else:
                raise CommandError(message)
        else:
            self.stdout.write(f"bench: all {len(results)} targets met")
