"""Update handling: users doing /balance round trips, against a bare aiogram echo bot on the same fake.

Each user sends a message and waits for the reply before sending the next, all users at once. The echo
bot (one message handler answering a fixed text, no database) and the shop take turns on the same fake
Telegram server in the same run, so both see the same machine, loop and HTTP stack.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    BenchTelegram,
    Figure,
    Outcome,
    at_least,
    bench_settings,
    info,
    ms,
    percentile,
    start_provider,
)
from bench.echo_bot import echo_dispatcher
from bot.app import create_bot
from bot.warmup import freeze_startup_objects
from tests.harness import Shop

NAME = "updates"
FIRST_USER = 1_000_000


@dataclass(frozen=True, slots=True)
class Run:
    rate: float  # updates per second
    cpu: float  # CPU seconds of this process (bot, fake and users together) per update
    latencies: list[float]  # seconds per round trip


async def round_trips(tg: BenchTelegram, users: list[int], rounds: int, text: str) -> Run:
    """Every user sends `text` and waits for the reply, `rounds` times in a row; all users at once."""
    latencies: list[float] = []

    async def user(user_id: int) -> None:
        for _ in range(rounds):
            reply = tg.expect(user_id)
            sent = time.perf_counter()
            await tg.send_text(user_id, text)
            latencies.append((await asyncio.wait_for(reply, timeout=30)).at - sent)

    count = len(users) * rounds
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(user(user_id) for user_id in users))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    return Run(count / elapsed, cpu / count, latencies)


async def measure_echo(tg: BenchTelegram, shop: Shop, users: list[int], rounds: int) -> Run:
    """Run the echo bot (same Bot factory as the shop) on the fake, warm it up, measure, stop it.

    The heap is frozen once the echo bot runs, as the shop freezes its own at start-up: otherwise every
    full collection during the echo's run walks the whole process (shop modules, fakes and all; a few
    hundred milliseconds per run), which a bare echo bot in a process of its own would not do, and the
    reference would look slower than it is.
    """
    tg.updates.drop_pending()
    bot = create_bot(shop.settings)
    dispatcher = echo_dispatcher()
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1, close_bot_session=True)
    )
    try:
        await tg.wait_polling(timeout=15)
        freeze_startup_objects()
        await round_trips(tg, users, 1, "/balance")
        return await round_trips(tg, users, rounds, "/balance")
    finally:
        with contextlib.suppress(RuntimeError):
            await dispatcher.stop_polling()
        await asyncio.wait_for(task, timeout=15)


async def measure_shop(tg: BenchTelegram, shop: Shop, users: list[int], rounds: int) -> Run:
    """Start the shop, warm it up (the first update of a user registers them), measure, stop it."""
    tg.updates.drop_pending()
    await shop.start()
    try:
        await round_trips(tg, users, 1, "/balance")
        return await round_trips(tg, users, rounds, "/balance")
    finally:
        await shop.stop()


async def run(quick: bool, workdir: Path) -> Outcome:
    """Alternate echo and shop runs; the figure is the ratio of their median rates."""
    # Five alternating runs a side: the machine's speed drifts from minute to minute (other tenants of
    # a virtual machine), and the median of five shrugs off a slow run on either side.
    user_count, rounds, trials = (100, 3, 1) if quick else (200, 5, 5)
    users = [FIRST_USER + i for i in range(user_count)]
    echo_runs: list[Run] = []
    shop_runs: list[Run] = []
    provider = await start_provider()
    try:
        async with BenchTelegram() as tg:
            shop = Shop(tg, provider, bench_settings(workdir / "updates.sqlite3", provider.url, tg.base_url))
            for _ in range(trials):
                echo_runs.append(await measure_echo(tg, shop, users, rounds))
                shop_runs.append(await measure_shop(tg, shop, users, rounds))
    finally:
        await provider.stop()

    echo_rate = statistics.median(r.rate for r in echo_runs)
    shop_rate = statistics.median(r.rate for r in shop_runs)
    echo_cpu = statistics.median(r.cpu for r in echo_runs)
    shop_cpu = statistics.median(r.cpu for r in shop_runs)
    echo_lat = [x for r in echo_runs for x in r.latencies]
    shop_lat = [x for r in shop_runs for x in r.latencies]
    figures: list[Figure] = [
        info(NAME, "bare aiogram echo bot", echo_rate, "upd/s", digits=0),
        info(NAME, "shop /balance", shop_rate, "upd/s", digits=0),
        at_least(NAME, "shop / echo throughput", shop_rate / echo_rate, "", 0.7),
        info(
            NAME,
            "shop / echo, median per pair",
            statistics.median(s.rate / e.rate for e, s in zip(echo_runs, shop_runs, strict=True)),
            "",
            "each shop run over the echo run just before it",
        ),
        info(NAME, "echo CPU per update", ms(echo_cpu), "ms", "bot + fake + users", 3),
        info(NAME, "shop CPU per update", ms(shop_cpu), "ms", "bot + fake + users", 3),
        info(NAME, "echo / shop CPU per update", echo_cpu / shop_cpu, "", "less swayed by other load"),
        info(NAME, "echo round trip p50", ms(percentile(echo_lat, 50)), "ms", digits=1),
        info(NAME, "shop round trip p50", ms(percentile(shop_lat, 50)), "ms", digits=1),
        info(NAME, "shop round trip p99", ms(percentile(shop_lat, 99)), "ms", digits=1),
    ]
    notes = [
        f"{user_count} users x {rounds} round trips each, all users at once; median of {trials} "
        "alternating run(s) per bot; rates per run: "
        f"echo {', '.join(f'{r.rate:.0f}' for r in echo_runs)}, "
        f"shop {', '.join(f'{r.rate:.0f}' for r in shop_runs)} upd/s",
        "bot, fake Telegram and simulated users share one process and event loop; CPU per update is "
        "that process's CPU time (all threads) over the updates handled",
    ]
    return Outcome(figures, notes)
