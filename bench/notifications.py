"""Notifications: 1,000 outbox rows to 1,000 users falling due at once, under Telegram's flood limits.

The fake Telegram enforces 30 messages per second overall and one per second per chat, answering 429
past them. The shop's own notifier (started by the dispatcher's startup hook) drains the outbox.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.common import (
    Figure,
    Outcome,
    at_least,
    at_most,
    exactly,
    info,
    running_shop,
    telegram_of,
)
from storage.outbox import enqueue_many

NAME = "notifications"
GLOBAL_RATE = 30.0
FIRST_USER = 3_000_000


async def run(quick: bool, workdir: Path) -> Outcome:
    """Queue every notice in one transaction and time until Telegram accepted the last one."""
    count = 200 if quick else 1_000
    users = [FIRST_USER + i for i in range(count)]
    limits = {"per_chat_rate": 1.0, "global_rate": GLOBAL_RATE}
    async with running_shop(workdir / "notify.sqlite3", telegram=limits) as shop:
        tg = telegram_of(shop)
        for user_id in users:
            tg.add_user(user_id)
        async with shop.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO users (id, username, first_name) VALUES (?, ?, 'User')",
                [(user_id, f"user{user_id}") for user_id in users],
            )
        arrivals = [tg.expect(user_id) for user_id in users]
        too_many_before = tg.stats.too_many_requests
        async with shop.db.transaction() as tx:
            await enqueue_many(
                tx,
                [
                    (user_id, f"Order #{user_id} is <b>completed</b>.", f"bench:{user_id}")
                    for user_id in users
                ],
            )
        due = time.perf_counter()
        deadline = count / GLOBAL_RATE * 3 + 30
        done, _ = await asyncio.wait(arrivals, timeout=deadline)
        # Telegram has accepted the last one; give the notifier a moment to record it as sent.
        for _ in range(100):
            if await shop.dep("outbox").pending_count() == 0:
                break
            await asyncio.sleep(0.05)
        too_many = tg.stats.too_many_requests - too_many_before
        counted = await shop.db.fetchall(
            "SELECT status, COUNT(*) FROM outbox WHERE ref LIKE 'bench:%' GROUP BY status"
        )
        rows = {str(row[0]): int(row[1]) for row in counted}
        received = [tg.sent_count(user_id) for user_id in users]

    times = sorted(future.result().at for future in done)
    elapsed = (times[-1] - due) if times else float("nan")
    rate = len(times) / elapsed if times else 0.0
    steady = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    lost = sum(1 for n in received if n == 0)
    doubled = sum(1 for n in received if n > 1)
    figures: list[Figure] = [
        info(
            NAME, f"{count:,} notices delivered in", elapsed, "s", f"{count / GLOBAL_RATE:.1f} s at the limit"
        ),
        info(NAME, "achieved rate", rate, "msg/s", f"limit {GLOBAL_RATE:g} msg/s"),
        at_least(NAME, "achieved rate / limit", rate / GLOBAL_RATE, "", 0.93, 3),
        at_most(NAME, "429 answers", 100 * too_many / count, "%", 1.0),
        exactly(NAME, "messages lost", lost, "", 0),
        exactly(NAME, "users messaged more than once", doubled, "", 0),
        exactly(NAME, "outbox rows not marked sent", count - int(rows.get("sent", 0)), "", 0),
    ]
    notes = [
        f"{count:,} users, one notice each, queued in one transaction; fake limits 30 msg/s overall and "
        f"1 msg/s per chat; 429 answers: {too_many}; rate between first and last delivery "
        f"{steady:.2f} msg/s; outbox rows by status: {rows}"
    ]
    return Outcome(figures, notes)
