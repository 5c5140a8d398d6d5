"""The USSD benchmark's figures: each phase's rate, latency and CPU, the targets, and the table."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.metadata import version

from bench.databases import machine_note
from bench.report import Row, render
from bench.ussd_load import Tally
from bench.ussd_profile import Breakdown
from bench.ussd_variants import Comparison

KARO = "Karo USSD hop"
CEILING = "bare /ceiling"
ROUTE = "USSD route, instant handler"
ROUTE_BEFORE = "the route before, instant handler"
IO_CEILING = "a hop's least I/O (/io-ceiling)"
TARGET_SHARE = 0.50  # of the throughput of /io-ceiling, a hop's least I/O (issue 18)
TARGET_P99_MS = 100.0  # in the paced phase: parents reading each screen


def paced_name(think: float) -> str:
    return f"Karo, {think:g} s a screen"


@dataclass
class Phase:
    name: str
    tally: Tally
    seconds: float
    cpu: dict[str, float]  # CPU seconds inside the window: uvicorn, PostgreSQL, Redis (bench.ussd_cpu)
    database: dict[str, int]  # connections opened and transactions inside the window
    machine_cpu: float  # CPU seconds the whole machine was busy inside the window
    think: float = 0.0  # paced: the rate is set by the parents' reading, not by the server

    @property
    def count(self) -> int:
        return len(self.tally.latencies)

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def errors(self) -> int:
        return sum(self.tally.errors.values())

    def percentile_ms(self, p: float) -> float:
        ordered = sorted(self.tally.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def mean_ms(self) -> float:
        return sum(self.tally.latencies) / max(1, self.count) * 1000

    def summary(self) -> str:
        return (
            f"{self.name}: {self.per_second:,.0f}/s, p50 {self.percentile_ms(50):,.1f} ms, "
            f"p99 {self.percentile_ms(99):,.1f} ms, errors {self.errors}"
        )


@dataclass
class Run:
    sessions: int
    workers: int
    clients: int
    karo: Phase
    ceiling: Phase
    others: list[Phase] = field(default_factory=list)
    paced: int = 0  # parents in the paced phase
    breakdown: Breakdown | None = None
    variants: Comparison | None = None

    @property
    def share(self) -> float:
        """The hop's rate over that of ``/io-ceiling`` in the same run (NaN without that phase)."""
        io = self.phase(IO_CEILING)
        return self.karo.per_second / io.per_second if io and io.per_second else float("nan")

    def phase(self, name: str) -> Phase | None:
        return next((phase for phase in self.others if phase.name == name), None)

    @property
    def paced_p99(self) -> float | None:
        paced = next((phase for phase in self.others if phase.think), None)
        return paced.percentile_ms(99) if paced is not None else None

    @property
    def targets_met(self) -> bool:
        p99 = self.paced_p99
        return self.share >= TARGET_SHARE and (p99 is None or p99 <= TARGET_P99_MS) and not self.errors

    @property
    def errors(self) -> int:
        return sum(phase.errors for phase in (self.karo, self.ceiling, *self.others))


@dataclass
class Column:
    backend: str
    rows: list[Row] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def render_run(run: Run, load: tuple[float, float, float]) -> str:
    phases = [run.karo, run.ceiling, *run.others]
    columns = [Column(phase.name, rows(phase, run)) for phase in phases]
    lines = [setup_note(run, load), "", render(columns), "", *verdict(run)]
    lines += [f"    {example}" for phase in phases for example in phase.tally.examples]
    if run.breakdown is not None:
        lines += [
            "",
            "The handler alone, in one process, one hop at a time (`bench.ussd_profile`):",
            "",
            "```",
        ]
        lines += [*run.breakdown.lines(), "```"]
    if run.variants is not None:
        lines += [
            "",
            "What each change bought, the handler alone (`bench.ussd_variants`):",
            "",
            "```",
            *run.variants.lines(),
            "```",
        ]
    return "\n".join(lines)


def setup_note(run: Run, load: tuple[float, float, float]) -> str:
    versions = ", ".join(f"{name} {version(name)}" for name in ("uvicorn", "fastapi", "psycopg", "redis"))
    return (
        f"{machine_note()}, {versions}; load average before the run "
        f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}. {run.sessions} concurrent sessions from "
        f"{run.clients} load generator process(es) on the same cores as uvicorn's {run.workers} workers."
    )


def rows(phase: Phase, run: Run) -> list[Row]:
    rate = f"{phase.per_second:,.0f}/s"
    if phase is not run.ceiling and not phase.think:
        rate += f" = {phase.per_second / run.ceiling.per_second:.3f} x ceiling"
    sessions = sum(phase.tally.sessions.values())
    return [
        Row("requests (hops) answered", rate),
        *(Row(f"latency p{p}", f"{phase.percentile_ms(p):,.1f} ms") for p in (50, 90, 99)),
        Row("latency mean", f"{phase.mean_ms():,.1f} ms"),
        Row(
            "requests measured / sessions finished",
            f"{phase.count:,} / {sessions:,}" if sessions else f"{phase.count:,}",
        ),
        Row("errors", str(phase.errors) + (f" ({dict(phase.tally.errors)})" if phase.errors else "")),
        *(
            Row(f"CPU of {part}: cores busy / ms per request", cpu(seconds, phase))
            for part, seconds in phase.cpu.items()
        ),
        Row("CPU of the load generator: cores busy / ms per request", cpu(phase.tally.cpu_seconds, phase)),
        Row("CPU of the whole machine (all of the above, and others'): cores busy", busy(phase)),
        Row("PostgreSQL: connections opened / transactions, per request", per_request(phase)),
    ]


def busy(phase: Phase) -> str:
    return f"{phase.machine_cpu / phase.seconds:.2f} of {os.cpu_count()}"


def per_request(phase: Phase) -> str:
    return " / ".join(f"{count / max(1, phase.count):.2f}" for count in phase.database.values())


def cpu(seconds: float, phase: Phase) -> str:
    return f"{seconds / phase.seconds:.2f} / {seconds / max(1, phase.count) * 1000:.2f}"


def verdict(run: Run) -> list[str]:
    share, p99 = run.share, run.karo.percentile_ms(99)
    lines = [
        f"Targets (issue 18): hops at least {TARGET_SHARE:.2f} x `/io-ceiling` at {run.sessions} concurrent "
        f"sessions: {met(share >= TARGET_SHARE)} ({share:.3f}); no errors: {met(not run.errors)} "
        f"({run.errors}). Closed-loop p99 {p99:,.0f} ms; x the bare ceiling "
        f"{run.karo.per_second / run.ceiling.per_second:.3f}."
    ]
    for paced in (phase for phase in run.others if phase.think):
        paced_p99 = paced.percentile_ms(99)
        lines.append(
            f"With {run.paced:,} parents, each screen read for about {paced.think:g} s: p99 at most "
            f"{TARGET_P99_MS:.0f} ms: {met(paced_p99 <= TARGET_P99_MS)} ({paced_p99:,.0f} ms)."
        )
    return lines


def met(ok: bool) -> str:
    return "met" if ok else "MISSED"
