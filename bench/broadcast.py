"""Broadcast: 10,000 users sent one copy each under Telegram's flood limits, order notices cutting in.

The fake Telegram enforces 30 messages per second overall and one per second per chat, answering 429
past them. The shop's own notifier drains the broadcast's copies (outbox rows at priority 1); order
notices queued meanwhile, as the shop queues them, must overtake the copies still waiting.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.common import (
    Arrival,
    Figure,
    Outcome,
    at_least,
    at_most,
    below,
    exactly,
    info,
    ms,
    percentile,
    running_shop,
    telegram_of,
)
from storage.broadcasts import Audience, BroadcastRepo
from storage.outbox import enqueue
from tests.harness import ADMIN_ID

NAME = "broadcast"
GLOBAL_RATE = 30.0
FIRST_USER = 5_000_000
FIRST_NOTICE_USER = 6_000_000
NOTICE_USERS = 50
TEXT = "Weekend sale: <b>-20%</b>"


async def run(quick: bool, workdir: Path) -> Outcome:
    """Start the broadcast, queue order notices evenly while it drains, time copies and notices."""
    count = 600 if quick else 10_000
    notices = 5 if quick else 30
    users = [FIRST_USER + i for i in range(count)]
    notice_users = [FIRST_NOTICE_USER + i for i in range(NOTICE_USERS)]
    limits = {"per_chat_rate": 1.0, "global_rate": GLOBAL_RATE}
    async with running_shop(workdir / "broadcast.sqlite3", telegram=limits) as shop:
        tg = telegram_of(shop)
        for user_id in users + notice_users:
            tg.add_user(user_id)
        async with shop.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO users (id, username, first_name, locale, last_seen) "
                "VALUES (?, ?, 'User', 'en', date('now'))",
                [(user_id, f"user{user_id}") for user_id in users],
            )
        copies = [tg.expect(user_id, "Weekend sale") for user_id in users]
        too_many_before = tg.stats.too_many_requests
        audience = Audience.parse("all")
        assert audience is not None
        started = time.perf_counter()
        broadcast = await BroadcastRepo(shop.db).start(
            admin_id=ADMIN_ID, text=TEXT, photo=None, markup=None, audience=audience
        )
        queued = time.perf_counter() - started
        assert broadcast is not None
        # Admins are not registered here, so the audience is exactly the users inserted above.
        assert broadcast.recipients == count, (broadcast.recipients, count)
        # Inserted after the start, so they are not recipients: they only receive their order notice.
        async with shop.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO users (id, username, first_name, locale, last_seen) "
                "VALUES (?, ?, 'User', 'en', date('now'))",
                [(user_id, f"user{user_id}") for user_id in notice_users],
            )

        # Spread the notices evenly over the time the broadcast takes at the limit.
        spacing = count / GLOBAL_RATE / (notices + 1)
        pending: list[tuple[float, asyncio.Future[Arrival]]] = []
        during = 0
        for index in range(notices):
            await asyncio.sleep(max(0.0, started + spacing * (index + 1) - time.perf_counter()))
            chat_id = notice_users[index % NOTICE_USERS]
            arrival = tg.expect(chat_id, f"Order #{index + 1}")
            async with shop.db.transaction() as tx:
                await enqueue(tx, chat_id, f"Order #{index + 1} is <b>completed</b>.", ref=f"bench:{index}")
            committed = time.perf_counter()
            during += not all(future.done() for future in copies)
            pending.append((committed, arrival))

        deadline = count / GLOBAL_RATE * 1.5 + 60
        done, _ = await asyncio.wait(copies, timeout=max(1.0, started + deadline - time.perf_counter()))
        await asyncio.wait([future for _, future in pending], timeout=10)
        # Telegram has accepted the last one; give the notifier a moment to record it as sent.
        for _ in range(100):
            if await shop.dep("outbox").pending_count() == 0:
                break
            await asyncio.sleep(0.05)
        too_many = tg.stats.too_many_requests - too_many_before
        counted = await shop.db.fetchall(
            "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status", (broadcast.id,)
        )
        rows = {str(row[0]): int(row[1]) for row in counted}
        received = [tg.sent_count(user_id) for user_id in users]

    times = sorted(future.result().at for future in done)
    elapsed = (times[-1] - started) if times else float("nan")
    rate = len(times) / elapsed if times else 0.0
    steady = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    latencies = [future.result().at - committed for committed, future in pending if future.done()]
    lost = sum(1 for n in received if n == 0)
    doubled = sum(1 for n in received if n > 1)
    figures: list[Figure] = [
        info(NAME, "broadcast copies delivered", len(times), "", f"of {count:,}", 0),
        info(NAME, "broadcast delivered in", elapsed, "s", f"{count / GLOBAL_RATE:.1f} s at the limit"),
        info(NAME, "broadcast rate", rate, "msg/s", f"limit {GLOBAL_RATE:g} msg/s"),
        at_least(NAME, "broadcast rate / limit", rate / GLOBAL_RATE, "", 0.93, 3),
        below(
            NAME,
            "order notice latency during the broadcast, p99",
            ms(percentile(latencies, 99)) if latencies else float("nan"),
            "ms",
            2000,
        ),
        info(NAME, "order notice latency, p50", ms(percentile(latencies, 50)), "ms"),
        exactly(NAME, "order notices lost", notices - len(latencies), "", 0),
        exactly(NAME, "users sent the broadcast twice", doubled, "", 0),
        exactly(NAME, "broadcast copies lost", lost, "", 0),
        at_most(NAME, "429 answers", 100 * too_many / count, "%", 1.0),
        exactly(NAME, "copies not marked sent", count - int(rows.get("sent", 0)), "", 0),
    ]
    notes = [
        f"{count:,} recipients (audience all), a copy each queued by BroadcastRepo.start in {queued:.2f} s; "
        f"{notices} order notices to {notices} other users, one every {spacing:.1f} s, {during} of them "
        f"queued while copies were still waiting; fake limits 30 msg/s overall and 1 msg/s per chat; "
        f"429 answers: {too_many}; rate between first and last copy {steady:.2f} msg/s; "
        f"broadcast outbox rows by status: {rows}"
    ]
    return Outcome(figures, notes)
