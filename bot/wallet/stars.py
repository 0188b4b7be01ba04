"""Telegram Stars top-ups: quote, check at pre-checkout, credit once, refund once.

A payment is credited in ONE transaction with its record (unique charge id), its intent marked paid and
the customer's notice, under the ledger reference `stars:<charge id>`: a re-delivered update, a second
instance or the reconciliation job finds the record and credits nothing.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from bot import texts
from bot.config import Settings
from bot.growth.referrals import reward_referrer
from bot.notify.alerts import alert_admins
from bot.notify.notices import notify
from bot.wallet.money import MINOR_PER_MAJOR, to_minor_floor
from storage.database import Database, Tx
from storage.errors import DuplicateEntry
from storage.ledger import EntryKind, apply_entry
from storage.stars import (
    Intent,
    NewPayment,
    PaymentSource,
    fetch_intent,
    fetch_payment,
    insert_intent,
    insert_payment,
    mark_intent_paid,
)
from storage.stats import iso
from storage.users import ensure_user

logger = logging.getLogger(__name__)

XTR = "XTR"
INTENT_LIFETIME = timedelta(hours=24)
# Telegram's invoice payload is 1-128 bytes; ours are 22 URL-safe characters.
_PAYLOAD_MAX = 128


def stars_for(amount: int, rate: Decimal) -> int:
    """Stars for `amount` cents at `rate` CURRENCY per Star: rounded up, so the shop never gives more."""
    return int((Decimal(amount) / MINOR_PER_MAJOR / rate).to_integral_value(rounding=ROUND_CEILING))


def credit_for(stars: int, rate: Decimal) -> int:
    """Cents `stars` buy at `rate`: rounded down to the cent."""
    return to_minor_floor(stars * rate)


def amount_limits(settings: Settings) -> tuple[int, int]:
    """TOPUP_MIN and TOPUP_MAX in cents."""
    return int(settings.topup_min * MINOR_PER_MAJOR), int(settings.topup_max * MINOR_PER_MAJOR)


def presets(settings: Settings) -> list[tuple[int, int]]:
    """The preset amounts in cents with their Stars, for the buttons (empty when Stars are off)."""
    rate = settings.stars_rate
    if rate is None:
        return []
    return [
        (int(p * MINOR_PER_MAJOR), stars_for(int(p * MINOR_PER_MAJOR), rate)) for p in settings.topup_presets
    ]


async def open_intent(
    db: Database, settings: Settings, *, user_id: int, amount: int, now: datetime | None = None
) -> Intent:
    """Write the offer behind an invoice: `amount` cents for their Stars at today's rate, for 24 hours."""
    rate = settings.stars_rate
    if rate is None:
        raise RuntimeError("Stars top-ups are off (STARS_RATE is not set)")
    low, high = amount_limits(settings)
    if not low <= amount <= high:
        raise ValueError(f"{amount} cents is outside the top-up limits")
    intent_id = secrets.token_urlsafe(16)
    moment = now or datetime.now(UTC)
    async with db.transaction() as tx:
        await insert_intent(
            tx,
            intent_id=intent_id,
            user_id=user_id,
            amount=amount,
            stars=stars_for(amount, rate),
            rate=rate,
            expires_at=iso(moment + INTENT_LIFETIME),
        )
        intent = await fetch_intent(tx, intent_id)
    assert intent is not None
    return intent


class Checkout(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"  # no such intent, or another user's
    PAID = "paid"
    EXPIRED = "expired"
    CHANGED = "changed"  # the Stars total or the currency differ from the invoice we sent


async def check_checkout(
    db: Database, *, user_id: int, payload: str, currency: str, total: int, now: datetime | None = None
) -> Checkout:
    """Decide a pre-checkout query: only an open intent of this user, for exactly its Stars, may be paid."""
    intent = await fetch_intent(db.reader, payload) if 0 < len(payload.encode()) <= _PAYLOAD_MAX else None
    if intent is None or intent.user_id != user_id:
        return Checkout.UNKNOWN
    if intent.paid_charge_id is not None:
        return Checkout.PAID
    if intent.expires_at <= iso(now or datetime.now(UTC)):
        return Checkout.EXPIRED
    if currency != XTR or total != intent.stars:
        return Checkout.CHANGED
    return Checkout.OK


class Credited(StrEnum):
    CREDITED = "credited"  # as the intent quoted
    UNMATCHED = "unmatched"  # no open intent of this user: credited at the current rate, admins alerted
    UNCREDITED = "uncredited"  # no rate to credit it at: recorded, admins alerted
    DUPLICATE = "duplicate"  # recorded before: nothing moved


@dataclass(frozen=True, slots=True)
class PaymentResult:
    outcome: Credited
    amount: int = 0
    new_balance: int = 0


@dataclass(frozen=True, slots=True)
class PaidStars:
    """A payment as Telegram reports it (the successful_payment update or a listed transaction)."""

    user_id: int
    charge_id: str
    payload: str
    stars: int
    source: PaymentSource = PaymentSource.UPDATE
    first_name: str = ""


async def record_payment(db: Database, settings: Settings, paid: PaidStars) -> PaymentResult:
    """Record a Stars payment and credit the wallet, all in one transaction, exactly once per charge id."""
    try:
        async with db.transaction() as tx:
            if await fetch_payment(tx, paid.charge_id) is not None:
                return PaymentResult(Credited.DUPLICATE)
            await ensure_user(tx, paid.user_id, paid.first_name)
            intent = await fetch_intent(tx, paid.payload) if paid.payload else None
            mine = intent if intent is not None and intent.user_id == paid.user_id else None
            matched = mine is not None and mine.paid_charge_id is None and mine.stars == paid.stars
            rate: Decimal | None
            if matched:
                assert mine is not None
                # Another payment may have used the intent a moment ago (on another instance).
                matched = await mark_intent_paid(tx, mine.id, paid.charge_id)
            if matched:
                assert mine is not None
                amount, rate = mine.amount, mine.rate
            else:
                # An old or forwarded invoice: the Stars arrived all the same, so they buy at today's rate.
                rate = settings.stars_rate or (mine.rate if mine is not None else None)
                amount = 0 if rate is None else credit_for(paid.stars, rate)
            await insert_payment(
                tx,
                NewPayment(
                    charge_id=paid.charge_id,
                    user_id=paid.user_id,
                    intent_id=mine.id if matched and mine is not None else None,
                    payload=paid.payload,
                    stars=paid.stars,
                    amount=amount,
                    rate=rate,
                    source=paid.source,
                ),
            )
            new_balance = await _credit(tx, settings, paid, amount)
            if amount:
                await reward_referrer(tx, settings, user_id=paid.user_id, topup_ref=f"stars:{paid.charge_id}")
            outcome = Credited.CREDITED if matched else Credited.UNMATCHED if amount else Credited.UNCREDITED
            if outcome is not Credited.CREDITED or paid.source is PaymentSource.RECONCILIATION:
                await alert_admins(
                    tx,
                    settings,
                    lambda: texts.stars_payment_alert(
                        outcome.value,
                        paid.source.value,
                        paid.user_id,
                        paid.charge_id,
                        paid.stars,
                        amount,
                        settings.currency,
                    ),
                    f"alert:stars:payment:{paid.charge_id}",
                )
    except DuplicateEntry:
        return PaymentResult(Credited.DUPLICATE)
    logger.info(
        "Stars payment %s from user %s: %s stars, %s cents credited (%s)",
        paid.charge_id,
        paid.user_id,
        paid.stars,
        amount,
        outcome,
    )
    return PaymentResult(outcome, amount, new_balance)


async def _credit(tx: Tx, settings: Settings, paid: PaidStars, amount: int) -> int:
    """Credit the payment and queue the customer's notice; return the balance (unchanged for 0 cents)."""
    if amount == 0:
        await notify(
            tx,
            paid.user_id,
            lambda: texts.stars_received_uncredited(paid.stars),
            ref=f"notice:stars:{paid.charge_id}",
        )
        return await balance_in(tx, paid.user_id)
    new_balance = await apply_entry(
        tx,
        user_id=paid.user_id,
        amount=amount,
        kind=EntryKind.TOPUP,
        ref=f"stars:{paid.charge_id}",
        note=f"{paid.stars} ⭐",
    )
    await notify(
        tx,
        paid.user_id,
        lambda: texts.stars_credited(paid.stars, amount, new_balance, settings.currency),
        ref=f"notice:stars:{paid.charge_id}",
    )
    return new_balance


async def balance_in(tx: Tx, user_id: int) -> int:
    """A user's balance read inside the caller's transaction (0 for an unknown user)."""
    rows = await tx.execute_fetchall("SELECT balance FROM users WHERE id = ?", (user_id,))
    row = next(iter(rows), None)
    return 0 if row is None else int(row[0])
