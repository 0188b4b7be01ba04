"""Order placement for the scale-out benchmark: bench/placement.py's phases on a database of choice.

The bot runs in this process with long polling, as in `placement`: funded users walked to the summary,
Confirms at 30/s (one user each), then 100 at once, then place_order() alone one call at a time. On
PostgreSQL a probe times a one-row commit every 0.2 s meanwhile, on a connection and thread of its own:
the server's WAL flush, shared with whatever else writes to that server, is part of every placement.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import Figure, below, exactly, gc_pauses, info, ms, percentile, running_shop
from bench.instances import commit_probe
from bench.placement import (
    BURST,
    DIRECT_CALLS,
    DIRECT_USER,
    FIRST_USER,
    RATE,
    confirm_at_once,
    confirm_at_rate,
    fund_directly,
    place_direct,
    prepare,
)
from bot.orders.placement import OrderingDeps
from storage.orders import OrderStatus


@dataclass(slots=True)
class Placements:
    """What one placement run measured (seconds)."""

    seconds: int
    sustained: list[float] = field(default_factory=list)
    late: float = 0.0
    busy: float = 0.0  # this process's CPU share in the sustained phase
    burst_cpu: float = 0.0  # this process's CPU seconds per Confirm in the burst (bot, fakes, users)
    together: list[float] = field(default_factory=list)
    span: float = 0.0
    alone: list[float] = field(default_factory=list)
    placed: int = 0
    expected: int = 0
    pauses: list[float] = field(default_factory=list)
    commits: list[float] = field(default_factory=list)  # the probe's, during both Confirm phases

    def notes(self, database: str) -> list[str]:
        """The run in a line, for comparing the databases."""
        sustained = (
            f"p50 {_ms(self.sustained, 50)}, p99 {_ms(self.sustained, 99)}, max {_ms(self.sustained, 100)}"
        )
        probe = (
            f"; a one-row commit meanwhile (probe, every 0.2 s) p50 {_ms(self.commits, 50, 2)}, max "
            f"{_ms(self.commits, 100, 2)} ms"
            if self.commits
            else ""
        )
        burst = (
            f"{BURST} at once p50 {_ms(self.together, 50)} ms, first press -> last placed "
            f"{ms(self.span):.1f} ms, this process's CPU {ms(self.burst_cpu):.2f} ms per Confirm (bot, "
            f"fakes and users; {100 * self.burst_cpu * BURST / self.span:.0f}% of a CPU)"
        )
        return [
            f"placement on {database}: Confirm -> placed at {RATE}/s for {self.seconds} s {sustained} ms "
            f"(latest press {ms(self.late):.1f} ms behind its slot; this process {100 * self.busy:.0f}% of a "
            f"CPU); {burst}; place_order() alone p50 {_ms(self.alone, 50, 2)} ms, p99 "
            f"{_ms(self.alone, 99, 2)} ms; {self.placed} of {self.expected} placed; full garbage collections "
            f"{len(self.pauses)}, longest {ms(max(self.pauses, default=0)):.1f} ms{probe}"
        ]


def _ms(values: list[float], pct: float, digits: int = 1) -> str:
    return f"{ms(percentile(values, pct)):.{digits}f}"


async def measure_placement(quick: bool, workdir: Path, database_url: str | None) -> Placements:
    """bench/placement.py's phases with the bot on PostgreSQL at `database_url`, or on a SQLite file."""
    gc.collect()  # the garbage of earlier phases is not this phase's
    result = Placements(seconds=10 if quick else 20)
    steady = [FIRST_USER + i for i in range(RATE * result.seconds)]
    burst = [steady[-1] + 1 + i for i in range(BURST)]
    direct = [DIRECT_USER + i for i in range(DIRECT_CALLS)]
    result.expected = len(steady) + len(burst)
    path = workdir / f"placement-{'postgresql' if database_url else 'sqlite'}.sqlite3"
    async with running_shop(path, database_url=database_url) as shop:
        await prepare(shop, steady + burst)
        with gc_pauses() as pauses, commit_probe(database_url) as commits:
            started, cpu = time.perf_counter(), time.process_time()
            result.sustained, result.late = await confirm_at_rate(shop, steady, RATE)
            result.busy = (time.process_time() - cpu) / (time.perf_counter() - started)
            cpu = time.process_time()
            result.together, result.span = await confirm_at_once(shop, burst)
            result.burst_cpu = (time.process_time() - cpu) / len(burst)
        result.pauses, result.commits = pauses, commits
        placed = await shop.db.fetchval(
            "SELECT COUNT(*) FROM orders WHERE status = ? AND user_id BETWEEN ? AND ?",
            (OrderStatus.PENDING.value, steady[0], burst[-1]),
        )
        result.placed = int(placed or 0)
        deps: OrderingDeps = shop.dep("ordering")
        service = await shop.service("1")
        await fund_directly(shop, direct)
        result.alone = [await place_direct(deps, service.id, user, f"bench-s-{user}") for user in direct]
    return result


def placement_figures(benchmark: str, pg: Placements, sqlite: Placements | None) -> list[Figure]:
    """PostgreSQL's figures against placement's targets; SQLite's p99 of the same run beside them."""
    rate = f"{RATE}/s for {pg.seconds} s"
    p99 = ms(percentile(pg.sustained, 99))
    figures = [
        info(
            benchmark,
            f"PostgreSQL: Confirm -> placed, {rate}, p50",
            ms(percentile(pg.sustained, 50)),
            "ms",
            digits=1,
        ),
        below(benchmark, f"PostgreSQL: Confirm -> placed, {rate}, p99", p99, "ms", 50, 1),
    ]
    if sqlite is not None:
        p99_sqlite = ms(percentile(sqlite.sustained, 99))
        figures.append(
            info(benchmark, f"SQLite, same run: Confirm -> placed, {rate}, p99", p99_sqlite, "ms", digits=1)
        )
    figures += [
        info(benchmark, f"PostgreSQL: {BURST} at once, p50", ms(percentile(pg.together, 50)), "ms", digits=1),
        below(
            benchmark, f"PostgreSQL: {BURST} at once, first press -> last placed", ms(pg.span), "ms", 1000, 1
        ),
        info(benchmark, "PostgreSQL: place_order() alone, p50", ms(percentile(pg.alone, 50)), "ms"),
        info(benchmark, "PostgreSQL: place_order() alone, p99", ms(percentile(pg.alone, 99)), "ms"),
        exactly(benchmark, "PostgreSQL: orders placed end to end", pg.placed, "", pg.expected),
    ]
    return figures
