"""Scale-out: /balance throughput with one and two webhook instances on PostgreSQL and Redis, the SQLite
setups beside them, and order placement on PostgreSQL.

Throughput: users doing /balance round trips as in `updates` (same users, round trips and method). First
the shop in this process on SQLite with long polling, exactly `updates`' shop figure. Then each setup as
real `python -m bot` processes (their own interpreters, so two instances use two CPUs), against the fake
Telegram and the users in this process over 127.0.0.1: SQLite with long polling, SQLite with a webhook,
PostgreSQL with a webhook, PostgreSQL and Redis with a webhook, and the same with two instances, the fake
posting the updates to them in turn (`deliver_to`) as a load balancer would. Each setup has fresh data
(a SQLite file, or a PostgreSQL schema of the run's database) and a bot token of its own.

Placement: bench/placement.py's phases (Confirms at 30/s, 100 at once, place_order() alone) with the bot
in this process on PostgreSQL, then (full mode) the same on SQLite in the same run for comparison.
"""

from __future__ import annotations

import os
import statistics
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    BenchTelegram,
    Figure,
    Outcome,
    bench_settings,
    info,
    ms,
    percentile,
    start_provider,
)
from bench.instances import (
    READY_TIMEOUT,
    REDIS_URL,
    WEBHOOK_SECRET,
    Cpu,
    Instance,
    PgDatabase,
    cpu_now,
    forget_bot,
    postgres_database,
    running_instances,
    unique_token,
)
from bench.scaleout_placement import measure_placement, placement_figures
from bench.updates import Run, measure_shop, round_trips
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, PROVIDER_KEY, Shop

NAME = "scaleout"
FIRST_USER = 5_000_000
CPUS_NOTE = f"{os.cpu_count()} CPUs for bots, fake, PostgreSQL"


@dataclass(frozen=True, slots=True)
class Setup:
    """How the bot runs: database, Redis, webhook or long polling, and how many processes."""

    name: str
    postgres: bool
    redis: bool
    webhook: bool
    instances: int = 1

    @property
    def label(self) -> str:
        count = "1 instance" if self.instances == 1 else f"{self.instances} instances"
        return f"{self.name}, {count}"


SETUPS = (
    Setup("SQLite, long polling", postgres=False, redis=False, webhook=False),
    Setup("SQLite, webhook", postgres=False, redis=False, webhook=True),
    Setup("PostgreSQL, webhook", postgres=True, redis=False, webhook=True),
    Setup("PostgreSQL + Redis, webhook", postgres=True, redis=True, webhook=True),
    Setup("PostgreSQL + Redis, webhook", postgres=True, redis=True, webhook=True, instances=2),
)


@dataclass(slots=True)
class Measured:
    """The runs of one setup and the CPU each part of the machine spent in each."""

    setup: Setup
    runs: list[Run]
    cpu: list[Cpu]  # per run
    updates: int  # per run
    spread: str = ""  # how the deliveries split between the instances

    @property
    def rate(self) -> float:
        return statistics.median(run.rate for run in self.runs)

    @property
    def bot_cpu(self) -> float:
        """CPU seconds of the bot processes per update, over every run."""
        return sum(cpu.bots for cpu in self.cpu) / (self.updates * len(self.cpu))

    def cpu_note(self) -> str:
        """Rate and latency, CPU per update by part, and how busy the machine was, over every run."""
        total = sum(self.cpu[1:], self.cpu[0])
        count = self.updates * len(self.cpu)
        seconds = sum(self.updates / run.rate for run in self.runs)
        latencies = [x for run in self.runs for x in run.latencies]
        ours = total.bots + total.postgres + total.redis + total.bench
        cpus = os.cpu_count() or 1
        parts = (
            ("bot processes", total.bots),
            ("PostgreSQL backends", total.postgres),
            ("Redis", total.redis),
            ("fake + users", total.bench),
            ("rest of the machine", total.others),
        )
        return (
            f"{self.setup.label}: runs {', '.join(f'{run.rate:.0f}' for run in self.runs)} upd/s, round "
            f"trip p50 {ms(percentile(latencies, 50)):.0f} ms, p99 {ms(percentile(latencies, 99)):.0f} ms; "
            "CPU ms per update: "
            # Clamped: the parts and the machine are read a moment apart, so "rest" can dip below 0.
            + ", ".join(f"{name} {ms(max(0.0, value) / count):.2f}" for name, value in parts)
            + f"; ours together {ms(ours / count):.2f}, i.e. at most {count * cpus / ours:.0f} upd/s on "
            f"{cpus} CPUs; machine busy {100 * total.busy / total.total:.0f}%, fake + users "
            f"{100 * total.bench / seconds:.0f}% of a CPU"
            + (f"; updates per instance by run {self.spread}" if self.spread else "")
        )


def bot_env(
    token: str, tg: BenchTelegram, provider_url: str, db: Path, database_url: str | None
) -> dict[str, str]:
    """The environment an operator gives each instance (webhook settings are added per instance)."""
    env = {
        "BOT_TOKEN": token,
        "TELEGRAM_API_URL": tg.base_url,
        "ADMIN_IDS": f"{ADMIN_ID},{OTHER_ADMIN_ID}",
        "DATABASE_PATH": str(db),
        "PROVIDER_URL": provider_url,
        "PROVIDER_KEY": PROVIDER_KEY,
        "POLL_INTERVAL_SECONDS": "3600",
        "CATALOG_SYNC_MINUTES": "600",
        "PROVIDER_TIMEOUT_SECONDS": "10",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


@dataclass(slots=True)
class Running:
    """A setup's processes, warmed up, with the fake Telegram they talk to."""

    measured: Measured
    tg: BenchTelegram
    instances: list[Instance]
    database: str  # the PostgreSQL database whose backends count, or ""


@asynccontextmanager
async def started(
    setup: Setup, index: int, workdir: Path, pg: PgDatabase, users: list[int]
) -> AsyncIterator[Running]:
    """The setup's processes on fresh data and a fresh fake with a bot token of its own, warmed up."""
    token = unique_token()
    provider = await start_provider()
    try:
        async with BenchTelegram(token=token) as tg:
            for admin in (ADMIN_ID, OTHER_ADMIN_ID):
                tg.add_user(admin, username=f"admin{admin}")
            url = await pg.schema(f"throughput_{index}") if setup.postgres else None
            env = bot_env(token, tg, provider.url, workdir / f"setup{index}.sqlite3", url)
            if setup.redis:
                env["REDIS_URL"] = REDIS_URL
            async with running_instances(
                workdir, env, setup.instances, webhook=setup.webhook, prefix=f"setup{index}"
            ) as instances:
                await warm_up(tg, instances, users, webhook=setup.webhook)
                measured = Measured(setup, [], [], 0)
                yield Running(measured, tg, instances, pg.name if setup.postgres else "")
    finally:
        await provider.stop()
        if setup.redis:
            await forget_bot(token)


async def warm_up(tg: BenchTelegram, instances: list[Instance], users: list[int], *, webhook: bool) -> None:
    """One round per instance, so every instance has seen every user; then deliver to all in turn.

    The first update of a user on an instance registers them (a database write); later ones do not.
    """
    if not webhook:
        await tg.wait_polling(timeout=READY_TIMEOUT)
        await round_trips(tg, users, 1, "/balance")
        return
    for instance in instances:
        tg.deliver_to([instance.url], secret_token=WEBHOOK_SECRET)
        await round_trips(tg, users, 1, "/balance")
        await settled(tg)
    tg.deliver_to([instance.url for instance in instances])


async def settled(tg: BenchTelegram) -> None:
    """Wait for the last webhook answers: an instance answers just after its reply reached the fake."""
    await tg.wait_for(lambda: tg.webhook.idle, 10, description="the last webhook answers")


async def measure(running: Running, users: list[int], rounds: int) -> None:
    """One run of round trips on a running setup, with the CPU each part used."""
    pids = [instance.process.pid for instance in running.instances]
    first = len(running.tg.webhook.deliveries)
    before = cpu_now(pids, running.database)
    run = await round_trips(running.tg, users, rounds, "/balance")
    cpu = cpu_now(pids, running.database) - before
    measured = running.measured
    measured.runs.append(run)
    measured.cpu.append(cpu)
    measured.updates = len(users) * rounds
    if len(running.instances) > 1:
        await settled(running.tg)
        counts = Counter(delivery.url for delivery in running.tg.webhook.deliveries[first:])
        shares = " / ".join(str(counts[instance.url]) for instance in running.instances)
        measured.spread = f"{measured.spread}, {shares}" if measured.spread else shares


async def measure_processes(
    workdir: Path, pg: PgDatabase, users: list[int], rounds: int, trials: int
) -> list[Measured]:
    """Start every setup, then measure them in turn `trials` times: a change in the machine's other
    load then falls on every setup alike rather than on the one measured at that moment."""
    async with AsyncExitStack() as stack:
        running = [
            await stack.enter_async_context(started(setup, index, workdir, pg, users))
            for index, setup in enumerate(SETUPS)
        ]
        for _ in range(trials):
            for one in running:
                await measure(one, users, rounds)
        return [one.measured for one in running]


async def measure_in_process(workdir: Path, users: list[int], rounds: int, trials: int) -> list[Run]:
    """`updates`' shop figure: the bot, the fake and the users in this process, SQLite, long polling."""
    provider = await start_provider()
    try:
        async with BenchTelegram() as tg:
            shop = Shop(
                tg, provider, bench_settings(workdir / "in-process.sqlite3", provider.url, tg.base_url)
            )
            return [await measure_shop(tg, shop, users, rounds) for _ in range(trials)]
    finally:
        await provider.stop()


def throughput_figures(in_process: list[Run], measured: list[Measured]) -> list[Figure]:
    """Rates of every setup, the two-instance ratio, and the bot's CPU per update (steadier than rates)."""
    polling = statistics.median(run.rate for run in in_process)
    figures = [info(NAME, "SQLite, long polling, in-process (as updates)", polling, "upd/s", digits=0)]
    figures += [info(NAME, f"processes: {m.setup.label}", m.rate, "upd/s", digits=0) for m in measured]
    one, two = measured[-2], measured[-1]
    figures += [
        info(NAME, "PostgreSQL + Redis: 2 instances / 1 instance", two.rate / one.rate, "", CPUS_NOTE),
        info(NAME, "2 instances / SQLite long polling, processes", two.rate / measured[0].rate, ""),
    ]
    figures += [
        info(NAME, f"bot CPU per update: {m.setup.label}", ms(m.bot_cpu), "ms", "all its processes", 3)
        for m in measured
    ]
    return figures


async def run(quick: bool, workdir: Path) -> Outcome:
    """Throughput of every setup, placement on PostgreSQL, then (full mode) placement on SQLite."""
    user_count, rounds, trials = (100, 3, 1) if quick else (200, 5, 3)
    process_trials = 1 if quick else 5  # cheap once started; the machine's other load varies
    users = [FIRST_USER + i for i in range(user_count)]
    async with postgres_database() as pg:
        in_process = await measure_in_process(workdir, users, rounds, trials)
        measured = await measure_processes(workdir, pg, users, rounds, process_trials)
        on_postgres = await measure_placement(quick, workdir, await pg.schema("placement"))
    # The same phases on SQLite in the same run (the machine's load changes between runs); quick mode
    # leaves them to `python -m bench placement --quick` to stay near a minute.
    on_sqlite = None if quick else await measure_placement(quick, workdir, None)
    figures = throughput_figures(in_process, measured) + placement_figures(NAME, on_postgres, on_sqlite)
    rates = ", ".join(f"{run.rate:.0f}" for run in in_process)
    notes = [
        f"throughput: {user_count} users x {rounds} /balance round trips each, all users at once, as in "
        f"updates. In-process (the bot, the fake Telegram and the users share this process and its event "
        f"loop, so one CPU at most), median of {trials} run(s), each after a warm-up round: {rates} upd/s. "
        "Processes: each instance is `python -m bot`, with fresh data (a SQLite file or a PostgreSQL schema) "
        "and a bot token of its own; the fake Telegram and the users stay in this process, whose CPU is "
        "counted apart. Every setup is started and warmed up (a round on each instance: a user's first "
        f"update on an instance registers them), then they are measured in turn, {process_trials} time(s), "
        "median shown. Webhook setups get the updates posted by the fake (40 at once at most, the updates "
        "of one chat in order), two instances in turn. CPU per update is counted from /proc: the bot "
        "processes, the PostgreSQL backends of this run's database, Redis, this process (fake + users) "
        "and the rest of the machine (other work on it, PostgreSQL's own writers)",
        *(m.cpu_note() for m in measured),
        *on_postgres.notes("PostgreSQL"),
        *(on_sqlite.notes("SQLite") if on_sqlite else []),
    ]
    return Outcome(figures, notes)
