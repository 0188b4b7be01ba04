"""Order placement: users pressing Confirm at the same moment, with a provider that answers at once.

End to end, the time runs from the press (the callback query queued on the fake Telegram) to the edit
reading "Order #N placed". The place_order use-case is then timed alone: all calls at once, and one at a
time for the uncontended cost.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.common import Figure, Outcome, below, exactly, info, ms, percentile, running_shop, telegram_of
from bot import texts
from bot.orders.placement import OrderingDeps, place_order, quote
from bot.orders.placement import PlaceOutcome as Placed
from storage.ledger import EntryKind, apply_entry
from storage.orders import OrderStatus
from tests.harness import Shop, open_category

NAME = "placement"
FOLLOWERS = texts.service_button("Instagram Followers", 117, "USD")
FIRST_USER = 4_000_000
DIRECT_USER = 4_500_000
SETUP_CONCURRENCY = 20


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
    for _ in range(600):
        if await outbox.pending_count() == 0:
            break
        await asyncio.sleep(0.05)


async def confirm_all(shop: Shop, users: list[int]) -> list[float]:
    """Press Confirm for every user in one go; seconds from each press to its "placed" edit."""
    tg = telegram_of(shop)
    placed = {user_id: tg.expect(user_id, "placed") for user_id in users}
    pressed: dict[int, float] = {}
    for user_id in users:
        pressed[user_id] = time.perf_counter()
        await tg.press(user_id, texts.BTN_CONFIRM)
    await asyncio.wait_for(asyncio.gather(*placed.values()), timeout=60)
    return [placed[user_id].result().at - pressed[user_id] for user_id in users]


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
    """End to end through the fake Telegram, then the use-case alone."""
    count = 30 if quick else 100
    users = [FIRST_USER + i for i in range(count)]
    direct = [DIRECT_USER + i for i in range(count)]
    async with running_shop(workdir / "placement.sqlite3") as shop:
        await prepare(shop, users)
        latencies = await confirm_all(shop, users)
        placed = await shop.db.fetchval(
            "SELECT COUNT(*) FROM orders WHERE status = ? AND user_id BETWEEN ? AND ?",
            (OrderStatus.PENDING.value, users[0], users[-1]),
        )
        deps: OrderingDeps = shop.dep("ordering")
        service = await shop.service("1")
        await fund_directly(shop, direct)
        together = await asyncio.gather(
            *(place_direct(deps, service.id, user_id, f"bench-a-{user_id}") for user_id in direct)
        )
        alone = [await place_direct(deps, service.id, user_id, f"bench-b-{user_id}") for user_id in direct]
        # The cost of durable commits: the same calls with the writer switched to synchronous=NORMAL,
        # as it ran before every commit was synced (bench only; the bot always runs FULL).
        await shop.db.writer.execute("PRAGMA synchronous=NORMAL")
        try:
            relaxed = [await place_direct(deps, service.id, u, f"bench-c-{u}") for u in direct]
        finally:
            await shop.db.writer.execute("PRAGMA synchronous=FULL")

    figures: list[Figure] = [
        info(NAME, f"Confirm -> placed, {count} at once, p50", ms(percentile(latencies, 50)), "ms", digits=1),
        below(NAME, f"Confirm -> placed, {count} at once, p99", ms(percentile(latencies, 99)), "ms", 50, 1),
        info(NAME, f"place_order(), {count} at once, p50", ms(percentile(together, 50)), "ms", digits=1),
        below(NAME, f"place_order(), {count} at once, p99", ms(percentile(together, 99)), "ms", 50, 1),
        info(NAME, "place_order(), one at a time, p50", ms(percentile(alone, 50)), "ms", digits=1),
        info(NAME, "place_order(), one at a time, p99", ms(percentile(alone, 99)), "ms", digits=1),
        info(NAME, "  same, commits not synced (NORMAL), p50", ms(percentile(relaxed, 50)), "ms", digits=1),
        info(NAME, "  same, commits not synced (NORMAL), p99", ms(percentile(relaxed, 99)), "ms", digits=1),
        info(
            NAME,
            "durable commits cost per order, p50",
            ms(percentile(alone, 50) - percentile(relaxed, 50)),
            "ms",
            digits=2,
        ),
        exactly(NAME, "orders placed end to end", int(placed or 0), "", count),
    ]
    notes = [
        f"{count} funded users brought to the summary first; all Confirm presses queued in one go; "
        f"end-to-end max {ms(max(latencies)):.1f} ms; provider latency 0",
        "every commit is synced to disk (synchronous=FULL): a placement makes two commits, the charge "
        "and the provider's id; the NORMAL rows show the same calls without the syncs",
        "the bot, both fakes and the users share one event loop, so under load the end-to-end figure "
        "includes the fakes' own CPU; place_order() alone includes the fake provider's",
    ]
    return Outcome(figures, notes)
