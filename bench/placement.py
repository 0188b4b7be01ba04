"""Order placement as Telegram users drive it: Confirm presses at a steady rate, then a burst.

Every user is funded and walked to the summary first. Sustained: a different user presses Confirm every
1/30 s for 20 s (10 s in quick mode); the time runs from the press (the callback query queued on the fake
Telegram) to the "Order #N placed" edit arriving at the fake. Burst: 100 users press at once; the figure
is the time from the first press to the last "placed" edit. The place_order use-case is then timed alone,
one call at a time, with and without synced commits, for the uncontended cost.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.common import (
    Arrival,
    Figure,
    Outcome,
    below,
    exactly,
    gc_pauses,
    info,
    ms,
    percentile,
    running_shop,
    telegram_of,
)
from bot import texts
from bot.orders.placement import OrderingDeps, place_order, quote
from bot.orders.placement import PlaceOutcome as Placed
from storage.ledger import EntryKind, apply_entry
from storage.orders import OrderStatus
from tests.harness import Shop, open_category

NAME = "placement"
FOLLOWERS = texts.service_button("Instagram Followers", 117, "USD")
RATE = 30  # Confirms per second, each from a different user
BURST = 100
FIRST_USER = 4_000_000
DIRECT_USER = 4_900_000
DIRECT_CALLS = 100
SETUP_CONCURRENCY = 20
OUTBOX_DRAIN_SECONDS = 120.0


async def to_summary(shop: Shop, user_id: int) -> None:
    """Walk one user from /order to the summary with its Confirm button, as a customer would."""
    await open_category(shop, user_id, timeout=30)
    await shop.tap(user_id, FOLLOWERS, "Price:", timeout=30)
    await shop.tap(user_id, texts.BTN_ORDER, "Send the link", timeout=30)
    await shop.say(user_id, f"https://instagram.com/p/bench{user_id}", "How many?", timeout=30)
    await shop.say(user_id, "1000", "Total", timeout=30)


async def prepare(shop: Shop, users: list[int]) -> None:
    """Fund every user and bring them to the summary; wait until the top-up notices are out."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(user_id: int) -> None:
        async with gate:
            await shop.fund(user_id, 10_000)
            await to_summary(shop, user_id)

    await asyncio.gather(*(one(user_id) for user_id in users))
    outbox = shop.dep("outbox")
    for _ in range(int(OUTBOX_DRAIN_SECONDS / 0.05)):
        if await outbox.pending_count() == 0:
            break
        await asyncio.sleep(0.05)


async def confirm_at_rate(shop: Shop, users: list[int], rate: float) -> tuple[list[float], float]:
    """Press Confirm for each user in turn, `rate` presses a second on a fixed schedule.

    Return the seconds from each press to its "placed" edit, and how late the latest press was against
    its slot (the presses share the event loop with the bot).
    """
    tg = telegram_of(shop)
    placed = {user_id: tg.expect(user_id, "placed") for user_id in users}
    pressed: dict[int, float] = {}
    late = 0.0
    start = time.perf_counter()
    for index, user_id in enumerate(users):
        slot = start + index / rate
        wait = slot - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        pressed[user_id] = now = time.perf_counter()
        late = max(late, now - slot)
        await tg.press(user_id, texts.BTN_CONFIRM)
    arrivals = await _arrivals(placed)
    return [arrivals[user_id].at - pressed[user_id] for user_id in users], late


async def confirm_at_once(shop: Shop, users: list[int]) -> tuple[list[float], float]:
    """Press Confirm for every user in one go; per-press latencies and first press to last "placed"."""
    tg = telegram_of(shop)
    placed = {user_id: tg.expect(user_id, "placed") for user_id in users}
    pressed: dict[int, float] = {}
    for user_id in users:
        pressed[user_id] = time.perf_counter()
        await tg.press(user_id, texts.BTN_CONFIRM)
    arrivals = await _arrivals(placed)
    latencies = [arrivals[user_id].at - pressed[user_id] for user_id in users]
    return latencies, max(a.at for a in arrivals.values()) - min(pressed.values())


async def _arrivals(placed: dict[int, asyncio.Future[Arrival]]) -> dict[int, Arrival]:
    """Wait for every "placed" edit (a minute at most)."""
    await asyncio.wait_for(asyncio.gather(*placed.values()), timeout=60)
    return {user_id: future.result() for user_id, future in placed.items()}


async def fund_directly(shop: Shop, users: list[int]) -> None:
    """Users with money, written through the storage layer (no Telegram, no notices)."""
    async with shop.db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, username, first_name) VALUES (?, ?, 'User')",
            [(user_id, f"user{user_id}") for user_id in users],
        )
        for user_id in users:
            await apply_entry(
                tx,
                user_id=user_id,
                amount=100_000,
                kind=EntryKind.TOPUP,
                ref=f"bench:{user_id}",
                note="bench",
            )


async def place_direct(deps: OrderingDeps, service_id: int, user_id: int, key: str) -> float:
    """One place_order call as the Confirm handler makes it; its duration in seconds."""
    service = await deps.catalog.get(service_id)
    assert service is not None
    priced = await quote(deps, service, 1000)
    started = time.perf_counter()
    result = await place_order(
        deps,
        user_id=user_id,
        service_id=service_id,
        link=f"https://instagram.com/p/{key}",
        quantity=1000,
        quoted_total=priced.total,
        quote_key=key,
    )
    elapsed = time.perf_counter() - started
    assert result.outcome is Placed.PLACED, result
    return elapsed


async def run(quick: bool, workdir: Path) -> Outcome:
    """Sustained Confirms, a burst, then the use-case alone."""
    seconds = 10 if quick else 20
    steady = [FIRST_USER + i for i in range(RATE * seconds)]
    burst = [steady[-1] + 1 + i for i in range(BURST)]
    direct = [DIRECT_USER + i for i in range(DIRECT_CALLS)]
    async with running_shop(workdir / "placement.sqlite3") as shop:
        await prepare(shop, steady + burst)
        with gc_pauses() as pauses:
            sustained, late = await confirm_at_rate(shop, steady, RATE)
        with gc_pauses() as burst_pauses:
            together, span = await confirm_at_once(shop, burst)
        placed = await shop.db.fetchval(
            "SELECT COUNT(*) FROM orders WHERE status = ? AND user_id BETWEEN ? AND ?",
            (OrderStatus.PENDING.value, steady[0], burst[-1]),
        )
        deps: OrderingDeps = shop.dep("ordering")
        service = await shop.service("1")
        await fund_directly(shop, direct)
        alone = [await place_direct(deps, service.id, user_id, f"bench-b-{user_id}") for user_id in direct]
        # The cost of durable commits: the same calls with the writer switched to synchronous=NORMAL
        # (bench only; the bot always runs FULL).
        await shop.db.writer.execute("PRAGMA synchronous=NORMAL")
        try:
            relaxed = [await place_direct(deps, service.id, u, f"bench-c-{u}") for u in direct]
        finally:
            await shop.db.writer.execute("PRAGMA synchronous=FULL")

    rate = f"{RATE}/s for {seconds} s"
    figures: list[Figure] = [
        info(NAME, f"Confirm -> placed, {rate}, p50", ms(percentile(sustained, 50)), "ms", digits=1),
        below(NAME, f"Confirm -> placed, {rate}, p99", ms(percentile(sustained, 99)), "ms", 50, 1),
        info(NAME, f"Confirm -> placed, {BURST} at once, p50", ms(percentile(together, 50)), "ms", digits=1),
        below(NAME, f"{BURST} Confirms at once, first press -> last placed", ms(span), "ms", 1000, 1),
        info(NAME, "place_order() alone, one at a time, p50", ms(percentile(alone, 50)), "ms", digits=1),
        info(NAME, "place_order() alone, one at a time, p99", ms(percentile(alone, 99)), "ms", digits=1),
        info(
            NAME,
            "durable commits cost per order, p50",
            ms(percentile(alone, 50) - percentile(relaxed, 50)),
            "ms",
            digits=2,
        ),
        exactly(NAME, "orders placed end to end", int(placed or 0), "", len(steady) + BURST),
    ]
    notes = [
        f"{len(steady) + BURST} funded users brought to the summary first; provider latency 0; sustained: "
        f"one Confirm every {1000 / RATE:.1f} ms, each from a different user (latest press "
        f"{ms(late):.1f} ms behind its slot), max {ms(max(sustained)):.1f} ms; burst: {BURST} presses "
        f"queued in one go, max {ms(max(together)):.1f} ms",
        f"full garbage collections (the event loop stops meanwhile): {len(pauses)} in the sustained "
        f"phase, longest {ms(max(pauses, default=0)):.1f} ms; {len(burst_pauses)} in the burst, longest "
        f"{ms(max(burst_pauses, default=0)):.1f} ms",
        "every commit is synced to disk (synchronous=FULL); the durable-commit row compares place_order() "
        "alone against the same calls with synchronous=NORMAL",
        "the bot, both fakes and the users share one event loop, so under load the end-to-end figures "
        "include the fakes' own CPU",
    ]
    return Outcome(figures, notes)
