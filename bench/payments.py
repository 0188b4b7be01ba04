"""Stars payments: 100 successful_payment updates arriving at once, each credited once with its notice.

Each customer holds an open top-up intent; the fake Telegram delivers all 100 payments in one getUpdates
answer. A payment is handled when its record, the intent, the ledger credit and the customer's notice
are committed (one transaction); the notice then reaches Telegram through the outbox at up to 30 msg/s.
The same 100 updates are then delivered again: nothing more may be credited.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.common import (
    Figure,
    Outcome,
    below,
    exactly,
    info,
    ms,
    percentile,
    running_shop,
    telegram_of,
)
from bot.wallet.stars import open_intent

NAME = "payments"
FIRST_USER = 4_000_000
AMOUNT = 1_000  # cents: 10.00 USD, 500 Stars at 0.02


def payment_update(user_id: int, payload: str, stars: int, charge_id: str) -> dict[str, Any]:
    """The successful_payment message Telegram sends after the customer paid."""
    return {
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "User"},
            "from": {"id": user_id, "is_bot": False, "first_name": "User"},
            "successful_payment": {
                "currency": "XTR",
                "total_amount": stars,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": "",
            },
        }
    }


async def run(quick: bool, workdir: Path) -> Outcome:
    """Deliver every payment at once; time each credit's commit and each notice's arrival."""
    count = 100
    users = [FIRST_USER + i for i in range(count)]
    async with running_shop(workdir / "payments.sqlite3") as shop:
        await shop.restart(stars_rate=Decimal("0.02"))
        tg = telegram_of(shop)
        for user_id in users:
            tg.add_user(user_id)
        async with shop.db.transaction() as tx:
            await tx.executemany(
                "INSERT INTO users (id, username, first_name) VALUES (?, ?, 'User')",
                [(user_id, f"user{user_id}") for user_id in users],
            )
        intents = [await open_intent(shop.db, shop.settings, user_id=u, amount=AMOUNT) for u in users]
        updates = [
            payment_update(intent.user_id, intent.id, intent.stars, f"stxBENCH{intent.user_id}")
            for intent in intents
        ]
        arrivals = [tg.expect(user_id, "Payment received") for user_id in users]
        wall = datetime.now(UTC)
        started = time.perf_counter()
        for update in updates:
            tg.enqueue_update(update)
        done, _ = await asyncio.wait(arrivals, timeout=60)
        credited = int(await shop.db.fetchval("SELECT COUNT(*) FROM ledger WHERE ref LIKE 'stars:%'") or 0)
        # Written by the payment's transaction, to the millisecond (SQLite's clock, the same wall clock).
        recorded = [str(row[0]) for row in await shop.db.fetchall("SELECT created_at FROM star_payments")]
        # The same payments again, as after a crash before the updates were confirmed.
        again = time.perf_counter()
        for update in updates:
            tg.enqueue_update(update)
        await tg.wait_for(lambda: tg.pending_updates == 0, timeout=60, description="re-delivered updates")
        # Each re-delivered payment is answered "already credited".
        await tg.wait_for(
            lambda: all(tg.sent_count(user_id) >= 2 for user_id in users), timeout=30, description="answers"
        )
        redelivered = time.perf_counter() - again
        after = int(await shop.db.fetchval("SELECT COUNT(*) FROM ledger WHERE ref LIKE 'stars:%'") or 0)
        balances = int(await shop.db.fetchval("SELECT COALESCE(SUM(balance), 0) FROM users") or 0)
        await shop.assert_ledger_balanced()

    handled = sorted((datetime.fromisoformat(moment) - wall).total_seconds() for moment in recorded)
    delivered = sorted(future.result().at - started for future in done)
    figures: list[Figure] = [
        below(
            NAME, "payment handled (credit + notice committed), p99", ms(percentile(handled, 99)), "ms", 1000
        ),
        info(NAME, "payment handled, p50", ms(percentile(handled, 50)), "ms"),
        info(
            NAME,
            "notice at Telegram, p99",
            ms(percentile(delivered, 99)) if delivered else float("nan"),
            "ms",
            f"{count} notices at 30 msg/s take {count / 30 * 1000:,.0f} ms",
        ),
        exactly(NAME, "payments credited", credited, "", count),
        exactly(NAME, "credits after re-delivering all", after, "", count),
        exactly(NAME, "notices lost", count - len(delivered), "", 0),
        exactly(NAME, "wallet total, cents", balances, "", count * AMOUNT),
    ]
    notes = [
        f"{count} customers with an open intent each; all {count} successful_payment updates queued at once, "
        f"then all again (handled in {redelivered:.2f} s, answered 'already credited'); handled = the "
        f"payment's row written (its transaction also holds the credit and the notice), millisecond clock"
    ]
    return Outcome(figures, notes)
