"""The benchmark scenarios behind ``manage.py bench`` (DESIGN.md "Performance targets").

A scenario is a *setup* function registered with ``@scenario``; it prepares whatever it needs (pick random
ID numbers from the data, build the user) outside the timing and returns the *step*: a callable taking the
iteration number, timed with ``time.perf_counter`` once per iteration after a few warm-up calls.

    # <app>/bench.py, found by autodiscovery (django.utils.module_loading.autodiscover_modules("bench"))
    from common.bench import SkipScenario, scenario

    @scenario("registration.person_by_id", target_ms_p95=50, description="person_search by ID number")
    def person_by_id(ctx):
        ids = ...                      # not timed
        if not ids:
            raise SkipScenario("no people: run manage.py seed_scale first")
        return lambda i: list(person_search(user, ids[i % len(ids)]))

``run(...)`` times the selected scenarios and returns one ``Result`` per scenario (p50 / p95 / max in
milliseconds, PASS / FAIL against the p95 target, SKIP when a scenario could not run); ``format_table``
renders them. A skipped scenario counts as missed: a target that was not measured was not met.
"""

from __future__ import annotations

import fnmatch
import gc
import math
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import reset_queries
from django.utils.module_loading import autodiscover_modules

Step = Callable[[int], object]


class SkipScenario(Exception):
    """Raised by a setup function when the scenario cannot run here (typically: no data seeded)."""


@dataclass(frozen=True)
class Scenario:
    name: str
    setup: Callable[[BenchContext], Step]
    target_ms_p95: float | None
    description: str = ""
    max_iterations: int | None = None  # a scenario whose one run takes seconds times at most this many runs


@dataclass
class BenchContext:
    """What a setup function gets: how many calls of the step will come (warm-up + timed) and a seeded random
    generator. Sample ``calls`` inputs to give every call a different one."""

    iterations: int
    warmup: int
    rng: random.Random

    @property
    def calls(self) -> int:
        return self.warmup + self.iterations


@dataclass
class Result:
    name: str
    description: str
    target_ms_p95: float | None
    timings_ms: list[float] = field(default_factory=list)
    skipped: str = ""

    @property
    def p50(self) -> float:
        return percentile(self.timings_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.timings_ms, 95)

    @property
    def max(self) -> float:
        return max(self.timings_ms) if self.timings_ms else math.nan

    @property
    def passed(self) -> bool:
        if self.skipped or not self.timings_ms:
            return False
        return self.target_ms_p95 is None or self.p95 <= self.target_ms_p95

    @property
    def verdict(self) -> str:
        if self.skipped:
            return "SKIP"
        return "PASS" if self.passed else "FAIL"


REGISTRY: dict[str, Scenario] = {}


def scenario(
    name: str, *, target_ms_p95: float | None = None, description: str = "", max_iterations: int | None = None
):
    """Register ``setup`` as the benchmark scenario ``name`` (dotted, app first: "registration.person_by_id").
    ``max_iterations`` caps the timed runs (and makes one warm-up run) for a scenario whose run takes seconds."""

    def register(setup: Callable[[BenchContext], Step]) -> Callable[[BenchContext], Step]:
        if name in REGISTRY and REGISTRY[name].setup is not setup:
            raise ValueError(f"benchmark scenario {name!r} registered twice")
        REGISTRY[name] = Scenario(
            name, setup, target_ms_p95, description or (setup.__doc__ or "").strip(), max_iterations
        )
        return setup

    return register


def discover() -> dict[str, Scenario]:
    """Import every installed app's ``bench`` module (which registers its scenarios); the registry by name."""
    autodiscover_modules("bench")
    return dict(sorted(REGISTRY.items()))


def select(scenarios: dict[str, Scenario], patterns: Iterable[str] | None) -> list[Scenario]:
    """Scenarios whose name matches any pattern: a shell-style glob ("registration.*") or a substring."""
    patterns = [p for p in (patterns or []) if p]
    if not patterns:
        return list(scenarios.values())
    return [
        s
        for name, s in scenarios.items()
        if any(fnmatch.fnmatchcase(name, p) if any(c in p for c in "*?[") else p in name for p in patterns)
    ]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (the smallest value with at least ``pct`` % of the values at or below it)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def run_scenario(sc: Scenario, *, iterations: int, warmup: int, seed: int = 2020) -> Result:
    if sc.max_iterations is not None:
        iterations, warmup = min(iterations, sc.max_iterations), min(warmup, 1)
    result = Result(sc.name, sc.description, sc.target_ms_p95)
    try:
        step = sc.setup(
            BenchContext(iterations=iterations, warmup=warmup, rng=random.Random(f"{seed}:{sc.name}"))
        )
    except SkipScenario as exc:
        result.skipped = str(exc) or "skipped"
        return result
    for i in range(warmup):
        step(i)
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # a collection pause is not the query's time
    try:
        timings = result.timings_ms
        for i in range(iterations):
            t0 = time.perf_counter()
            step(warmup + i)
            timings.append((time.perf_counter() - t0) * 1000)
            reset_queries()  # with DEBUG on, Django would keep every query in memory
    finally:
        if gc_was_enabled:
            gc.enable()
    return result


def run(
    scenarios: list[Scenario], *, iterations: int = 200, warmup: int = 10, seed: int = 2020, report=None
) -> list[Result]:
    results = []
    for sc in scenarios:
        result = run_scenario(sc, iterations=iterations, warmup=warmup, seed=seed)
        results.append(result)
        if report:
            report(result)
    return results


def format_table(results: list[Result]) -> str:
    headers = ("scenario", "n", "p50 ms", "p95 ms", "max ms", "target p95", "result")
    rows = []
    for r in results:
        target = f"≤ {r.target_ms_p95:g} ms" if r.target_ms_p95 is not None else "-"
        if r.skipped:
            rows.append((r.name, "0", "-", "-", "-", target, f"SKIP ({r.skipped})"))
        else:
            rows.append(
                (
                    r.name,
                    str(len(r.timings_ms)),
                    f"{r.p50:.2f}",
                    f"{r.p95:.2f}",
                    f"{r.max:.2f}",
                    target,
                    r.verdict,
                )
            )
    widths = [max(len(h), *(len(row[c]) for row in rows)) if rows else len(h) for c, h in enumerate(headers)]
    numeric = {1, 2, 3, 4}

    def line(cells) -> str:
        return "  ".join(
            cell.rjust(widths[c]) if c in numeric else cell.ljust(widths[c]) for c, cell in enumerate(cells)
        ).rstrip()

    out = [line(headers), line("-" * w for w in widths)]
    out.extend(line(row) for row in rows)
    return "\n".join(out)
