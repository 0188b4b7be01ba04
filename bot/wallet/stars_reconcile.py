"""Reconciliation of Stars payments with Telegram's own records (getStarTransactions): daily and on /stars.

An incoming payment Telegram lists but the shop never recorded (its update was lost while the bot was
down) is credited now, once, at the rate of its intent or today's; a refund Telegram lists is applied
once; a recorded payment Telegram does not list is reported to the admins.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from aiogram import Bot
from aiogram.types import StarTransaction, TransactionPartnerUser

from bot import texts
from bot.config import Settings
from bot.notify.alerts import send_alert
from bot.wallet.stars import Credited, PaidStars, record_payment
from bot.wallet.stars_refunds import payment_refunded
from storage.database import Database
from storage.stars import PaymentSource, RefundState, StarsRepo
from storage.stats import iso

logger = logging.getLogger(__name__)

PAGE = 100  # getStarTransactions' largest page
MAX_PAGES = 1000  # 100,000 transactions a run at most; older ones are left unchecked
# A payment recorded this recently may not be listed yet.
SETTLING = timedelta(minutes=10)
RECONCILE_DELAY_MINUTES = 25
# Unpaid intents are kept this long after they expire (a lost payment still credits their quote).
INTENT_KEEP = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Transactions:
    incoming: dict[str, StarTransaction]  # charge id -> the customer's payment
    refunded: dict[str, StarTransaction]  # charge id -> its refund
    partial: bool  # MAX_PAGES were read and more remained


@dataclass(slots=True)
class Reconciliation:
    listed: int = 0
    credited: list[str] = field(default_factory=list)
    refunds: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    partial: bool = False


async def star_transactions(bot: Bot) -> Transactions:
    """Read Telegram's list of the bot's Star transactions, oldest first, page by page."""
    incoming: dict[str, StarTransaction] = {}
    refunded: dict[str, StarTransaction] = {}
    for page in range(MAX_PAGES):
        batch = (await bot.get_star_transactions(offset=page * PAGE, limit=PAGE)).transactions
        for transaction in batch:
            if _from_user(transaction.source):
                incoming[transaction.id] = transaction
            elif _from_user(transaction.receiver):
                refunded[transaction.id] = transaction
        if len(batch) < PAGE:
            return Transactions(incoming, refunded, partial=False)
    return Transactions(incoming, refunded, partial=True)


def _from_user(partner: object) -> bool:
    """An invoice payment between the bot and a user (not an ad, a gift or a withdrawal)."""
    return isinstance(partner, TransactionPartnerUser) and partner.transaction_type in (
        None,
        "invoice_payment",
    )


async def reconcile(
    db: Database, settings: Settings, listed: Transactions, *, now: datetime | None = None
) -> Reconciliation:
    """Compare Telegram's list with the recorded payments; credit, apply and report what differs."""
    moment = now or datetime.now(UTC)
    repo = StarsRepo(db)
    result = Reconciliation(listed=len(listed.incoming), partial=listed.partial)
    known = await repo.known([*listed.incoming, *listed.refunded])
    for charge_id, transaction in listed.incoming.items():
        if charge_id in known or charge_id in listed.refunded:
            continue  # recorded, or refunded before anyone credited it: nothing is owed
        source = transaction.source
        assert isinstance(source, TransactionPartnerUser)
        paid = PaidStars(
            user_id=source.user.id,
            charge_id=charge_id,
            payload=source.invoice_payload or "",
            stars=transaction.amount,
            source=PaymentSource.RECONCILIATION,
            first_name=source.user.first_name,
        )
        if (await record_payment(db, settings, paid)).outcome is not Credited.DUPLICATE:
            result.credited.append(charge_id)
    for charge_id, transaction in listed.refunded.items():
        payment = known.get(charge_id)
        if payment is None or payment.refund is RefundState.REFUNDED:
            continue
        receiver = transaction.receiver
        assert isinstance(receiver, TransactionPartnerUser)
        await payment_refunded(
            db, settings, user_id=receiver.user.id, charge_id=charge_id, stars=transaction.amount
        )
        result.refunds.append(charge_id)
    oldest = min((t.date for t in listed.incoming.values()), default=None) if listed.partial else None
    start = iso(oldest) if oldest is not None else ""
    recorded = await repo.payments_between(start, iso(moment - SETTLING))
    result.unlisted = [p.charge_id for p in recorded if p.charge_id not in listed.incoming]
    if result.unlisted:
        await _alert_unlisted(db, settings, result.unlisted, moment)
    logger.info(
        "Stars reconciliation: %d listed, %d credited now, %d refunds applied, %d not listed",
        result.listed,
        len(result.credited),
        len(result.refunds),
        len(result.unlisted),
    )
    return result


async def _alert_unlisted(db: Database, settings: Settings, unlisted: list[str], moment: datetime) -> None:
    """One alert a day per distinct set of recorded payments Telegram does not list."""
    digest = hashlib.sha256("\n".join(sorted(unlisted)).encode()).hexdigest()[:16]
    ref = f"alert:stars:unlisted:{moment.date().isoformat()}:{digest}"
    await send_alert(db, settings, lambda: texts.stars_unlisted(unlisted), ref)


async def reconcile_job(db: Database, settings: Settings, bot: Bot) -> None:
    """Scheduler entry: the daily reconciliation; a failure is logged and the next run tries again."""
    try:
        await reconcile(db, settings, await star_transactions(bot))
        forgotten = await StarsRepo(db).forget_stale_intents(iso(datetime.now(UTC) - INTENT_KEEP))
    except Exception:
        logger.exception("Stars reconciliation failed")
        return
    if forgotten:
        logger.info(
            "Deleted %d unpaid top-up intents that expired over %d days ago", forgotten, INTENT_KEEP.days
        )


@dataclass(frozen=True, slots=True)
class Income:
    payments: int
    stars: int
    refunded: int  # Stars


def income_since(listed: Transactions, since: datetime) -> Income:
    """Stars paid to the bot from `since`, and Stars refunded in that time, by Telegram's records."""
    paid = [t.amount for t in listed.incoming.values() if t.date >= since]
    refunded = sum(t.amount for t in listed.refunded.values() if t.date >= since)
    return Income(len(paid), sum(paid), refunded)
