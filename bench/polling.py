"""Status polling: 10,000 active orders against a provider answering each request after 20 ms.

One file of active orders is generated once and copied for every phase, so each phase starts from the
same state: idle cycles (nothing changed upstream), a cycle in which every order finished, and settle()
alone on the same 10,000 transitions, batched as the poller batches them and as one batch.
"""

from __future__ import annotations

import math
import shutil
import statistics
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import Figure, Outcome, below, bench_settings, exactly, gc_pauses, info, start_provider
from bench.dataset import Shape, build, register_active
from bot.app import create_http_client, create_provider
from bot.config import Settings
from bot.orders.poller import poll_once
from bot.orders.settlement import settle
from bot.warmup import freeze_startup_objects
from providers.base import StatusReport
from providers.smm_v2 import SmmV2Client
from storage.database import Database, SQLiteDatabase
from storage.orders import Order, OrderRepo
from tests.fakes.provider import FakeProvider

NAME = "polling"
LATENCY = 0.02  # seconds the fake provider waits before answering each request
IDLE_CYCLES = 3
FINALS = (("Completed", 0.0), ("Partial", 0.5), ("Canceled", 1.0))  # reported status, share undelivered


@dataclass(slots=True)
class Poller:
    db: Database
    orders: OrderRepo
    client: SmmV2Client
    settings: Settings


@asynccontextmanager
async def poller(path: Path, provider: FakeProvider) -> AsyncIterator[Poller]:
    """The database and the provider client exactly as the bot builds them."""
    settings = bench_settings(path, provider.url)
    db = SQLiteDatabase(path)
    await db.connect()
    try:
        async with create_http_client(settings) as http:
            client = create_provider(settings, http)
            assert isinstance(client, SmmV2Client)
            # As the bot's start-up does: what exists before the first job (here also the fake provider's
            # 10,000 orders, which a real bot's heap does not hold) is moved out of the collector's way.
            freeze_startup_objects()
            yield Poller(db, OrderRepo(db), client, settings)
    finally:
        await db.close()


def finish_all(provider: FakeProvider) -> None:
    """Script every order to a final status: a third each Completed, Partial (half left), Canceled."""
    for index, order in enumerate(sorted(provider.orders.values(), key=lambda o: int(o.order_id))):
        status, undelivered = FINALS[index % len(FINALS)]
        provider.set_status(order.order_id, status, remains=int(order.quantity * undelivered))


async def active_orders(orders: OrderRepo) -> list[Order]:
    """Every active order with a provider id, read a page at a time as the poller reads them."""
    found: list[Order] = []
    while page := await orders.active(after_id=found[-1].id if found else 0):
        found.extend(page)
    return found


async def statuses(p: Poller) -> list[list[tuple[Order, StatusReport]]]:
    """Fetch every active order's status (not timed), grouped per request as the poller groups them."""
    active: dict[str, Order] = {}
    for order in await active_orders(p.orders):
        assert order.provider_order_id is not None
        active[order.provider_order_id] = order
    batches = []
    for chunk in await p.client.statuses_chunked(list(active)):
        assert chunk.error is None, chunk.error
        batches.append([(active[oid], status) for oid, status in chunk.statuses.items()])
    return batches


async def time_settle(p: Poller, batches: list[list[tuple[Order, StatusReport]]]) -> tuple[float, int]:
    """Seconds spent in settle() over the batches, and the transitions it made."""
    changed = 0
    started = time.perf_counter()
    for batch in batches:
        changed += (await settle(p.db, p.settings, batch)).changed
    return time.perf_counter() - started, changed


async def run(quick: bool, workdir: Path) -> Outcome:
    """Idle cycles, one cycle settling everything, then settle() alone two ways."""
    count = 2_000 if quick else 10_000
    template = workdir / "template.sqlite3"
    users = count // 10
    await build(template, Shape(users=users, orders=count, active=count, active_status="pending"))
    provider = await start_provider(latency=LATENCY)
    try:
        register_active(provider, template)
        copy = workdir / "cycle.sqlite3"
        shutil.copy(template, copy)
        async with poller(copy, provider) as p:
            with gc_pauses() as idle_pauses:
                idle = [
                    await poll_once(p.db, p.orders, {"main": p.client}, p.settings)
                    for _ in range(IDLE_CYCLES)
                ]
            finish_all(provider)
            with gc_pauses() as busy_pauses:
                busy = await poll_once(p.db, p.orders, {"main": p.client}, p.settings)
            settled_rows = await p.orders.counts_by_status()
        concurrency = p.client.concurrency

        separate = workdir / "settle.sqlite3"
        shutil.copy(template, separate)
        async with poller(separate, provider) as p:
            batches = await statuses(p)
            batch_count = len(batches)
            batched_seconds, batched_changed = await time_settle(p, batches)

        single = workdir / "settle-one.sqlite3"
        shutil.copy(template, single)
        async with poller(single, provider) as p:
            batches = await statuses(p)
            one_seconds, one_changed = await time_settle(p, [[pair for b in batches for pair in b]])
    finally:
        await provider.stop()

    requests = idle[0].requests
    floor = requests * LATENCY / concurrency
    idle_seconds = statistics.median(report.seconds for report in idle)
    flagged = sum(report.settled.flagged for report in (*idle, busy))
    wanted = math.ceil(count / 100)
    figures: list[Figure] = [
        exactly(NAME, "status requests per cycle", requests, "", wanted),
        info(
            NAME, "network floor (requests x 20 ms / concurrency)", floor, "s", f"concurrency {concurrency}"
        ),
        info(NAME, "idle cycle (nothing changed)", idle_seconds, "s", f"{idle_seconds / floor:.2f}x floor"),
        info(
            NAME,
            f"cycle settling {busy.settled.changed:,} transitions",
            busy.seconds,
            "s",
            f"{busy.seconds / floor:.2f}x floor",
        ),
        below(NAME, f"settle() alone, {batch_count} batches of <=100", batched_seconds, "s", 1.0),
        below(NAME, f"settle() alone, one batch of {one_changed:,}", one_seconds, "s", 1.0),
        exactly(NAME, "orders settled by the cycle", busy.settled.changed, "", count),
        # The provider bills less than the customers paid, so no order may be flagged as overcharged:
        # a flag would make an idle cycle write and alert instead of only reading.
        exactly(NAME, "orders flagged by the cycles", flagged, "", 0),
    ]
    notes = [
        f"{count:,} pending orders of {users:,} users; provider latency {LATENCY * 1000:.0f} ms "
        f"per request; idle cycle = median of {IDLE_CYCLES}; statuses after the cycle: {settled_rows}",
        f"settle() alone changed {batched_changed:,} (batched) and {one_changed:,} (one batch) orders; "
        f"the cycle refunded {busy.settled.refunded:,} cents",
        f"full garbage collections: {_pauses(idle_pauses)} over the idle cycles, "
        f"{_pauses(busy_pauses)} in the settling cycle",
    ]
    return Outcome(figures, notes)


def _pauses(pauses: list[float]) -> str:
    """'2 (31 ms longest)' or 'none'."""
    if not pauses:
        return "none"
    return f"{len(pauses)} ({max(pauses) * 1000:.0f} ms longest)"
