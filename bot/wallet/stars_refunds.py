"""Refunds of Telegram Stars payments: by an admin (/refundstars) or made elsewhere (refunded_payment).

/refundstars debits the wallet first (guarded, `stars-refund:<charge id>`), then asks Telegram; a refusal
gives the debit back under its own reference. A refund made elsewhere takes back what is left of the
credit, never below zero. Either way a payment is refunded once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
)

from bot import texts
from bot.config import Settings
from bot.growth.referrals import reverse_reward
from bot.notify.alerts import alert_admins
from bot.notify.notices import notify
from bot.wallet.stars import balance_in
from storage.database import Database
from storage.errors import InsufficientFunds
from storage.ledger import EntryKind, apply_entry
from storage.stars import RefundState, StarPayment, fetch_payment, set_refund

logger = logging.getLogger(__name__)

# Telegram's answer when the Stars went back already (a retry after an unanswered call).
ALREADY_REFUNDED = "CHARGE_ALREADY_REFUNDED"


class Refund(StrEnum):
    REFUNDED = "refunded"
    ALREADY = "already"  # refunded before: nothing changed
    NOT_FOUND = "not_found"
    NOT_COVERED = "not_covered"  # the balance no longer covers the credit: nothing changed
    REFUSED = "refused"  # Telegram refused; the debit was given back
    UNCERTAIN = "uncertain"  # no answer from Telegram; the debit stays until a retry settles it


@dataclass(frozen=True, slots=True)
class RefundResult:
    outcome: Refund
    payment: StarPayment | None = None
    amount: int = 0  # cents taken from the wallet
    balance: int = 0  # the customer's balance after (or, NOT_COVERED, the balance that fell short)
    reason: str = ""  # Telegram's words when it refused


def refund_ref(charge_id: str, attempt: int) -> str:
    """The debit of a refund attempt: `stars-refund:<charge id>`, then `...:<n>` for later attempts."""
    return f"stars-refund:{charge_id}" + (f":{attempt}" if attempt > 1 else "")


async def take_for_refund(db: Database, charge_id: str, admin_id: int) -> RefundResult | StarPayment:
    """Step one of /refundstars: debit the credit (guarded) and mark the refund pending.

    Returns the payment to refund at Telegram, or a result to answer with when there is nothing to do.
    A payment left pending by an unanswered call is returned as it is: the debit was taken already.
    """
    try:
        async with db.transaction() as tx:
            payment = await fetch_payment(tx, charge_id)
            if payment is None:
                return RefundResult(Refund.NOT_FOUND)
            if payment.refund is RefundState.REFUNDED:
                return RefundResult(Refund.ALREADY, payment)
            if payment.refund is RefundState.PENDING:
                return payment
            attempt = payment.refund_attempts + 1
            if payment.amount:
                await apply_entry(
                    tx,
                    user_id=payment.user_id,
                    amount=-payment.amount,
                    kind=EntryKind.ADJUSTMENT,
                    ref=refund_ref(charge_id, attempt),
                    admin_id=admin_id,
                    note=f"{payment.stars} ⭐",
                )
            await set_refund(
                tx,
                charge_id,
                expected=(RefundState.NONE, RefundState.FAILED),
                state=RefundState.PENDING,
                reversed_amount=payment.amount,
                attempts=attempt,
            )
            taken = await fetch_payment(tx, charge_id)
    except InsufficientFunds as exc:
        return RefundResult(Refund.NOT_COVERED, payment, amount=exc.needed, balance=exc.available)
    assert taken is not None
    return taken


async def finish_refund(db: Database, settings: Settings, payment: StarPayment) -> RefundResult:
    """Telegram refunded the Stars: the refund is done, and the customer is told."""
    async with db.transaction() as tx:
        current = await fetch_payment(tx, payment.charge_id)
        assert current is not None
        if current.refund is RefundState.REFUNDED:  # a refunded_payment update got here first
            return RefundResult(Refund.REFUNDED, current, amount=current.reversed)
        await set_refund(
            tx,
            payment.charge_id,
            expected=(RefundState.PENDING,),
            state=RefundState.REFUNDED,
            reversed_amount=current.reversed,
        )
        await reverse_reward(tx, settings, topup_ref=f"stars:{payment.charge_id}")
        balance = await balance_in(tx, payment.user_id)
        await notify(
            tx,
            payment.user_id,
            lambda: texts.stars_refunded(payment.stars, current.reversed, balance, settings.currency),
            ref=f"notice:stars-refund:{payment.charge_id}",
        )
    logger.info("Stars payment %s refunded; %s cents taken back", payment.charge_id, current.reversed)
    return RefundResult(Refund.REFUNDED, current, amount=current.reversed, balance=balance)


async def undo_refund(db: Database, payment: StarPayment, reason: str, admin_id: int) -> RefundResult:
    """Telegram refused the refund: give the debit back (its own reference) and record why."""
    async with db.transaction() as tx:
        current = await fetch_payment(tx, payment.charge_id)
        assert current is not None
        if current.refund is not RefundState.PENDING:
            return RefundResult(
                Refund.ALREADY if current.refund is RefundState.REFUNDED else Refund.REFUSED, current
            )
        balance = await balance_in(tx, payment.user_id)
        if current.reversed:
            balance = await apply_entry(
                tx,
                user_id=payment.user_id,
                amount=current.reversed,
                kind=EntryKind.ADJUSTMENT,
                ref=f"stars-refund-undo:{payment.charge_id}:{current.refund_attempts}",
                admin_id=admin_id,
                note=f"{payment.stars} ⭐",
            )
        await set_refund(
            tx,
            payment.charge_id,
            expected=(RefundState.PENDING,),
            state=RefundState.FAILED,
            reversed_amount=0,
            error=reason[:500],
        )
    logger.warning("Telegram refused to refund Stars payment %s: %s", payment.charge_id, reason)
    return RefundResult(Refund.REFUSED, current, balance=balance, reason=reason)


class Reversal(StrEnum):
    TAKEN = "taken"  # what was left of the credit was taken back in full
    SHORT = "short"  # the balance did not cover it all: admins alerted
    ALREADY = "already"  # refunded before (by /refundstars, or a repeated update)
    UNKNOWN = "unknown"  # a payment the bot never recorded: admins alerted


async def payment_refunded(
    db: Database, settings: Settings, *, user_id: int, charge_id: str, stars: int
) -> Reversal:
    """A refund made elsewhere (Telegram's refunded_payment): take back what is left of the credit, once.

    Never below zero: what the balance cannot cover stays with the customer and admins are alerted.
    """
    async with db.transaction() as tx:
        payment = await fetch_payment(tx, charge_id)
        if payment is None:
            await alert_admins(
                tx,
                settings,
                lambda: texts.stars_refund_unknown(user_id, charge_id, stars),
                f"alert:stars:refund-unknown:{charge_id}",
            )
            return Reversal.UNKNOWN
        if payment.refund is RefundState.REFUNDED:
            return Reversal.ALREADY
        if payment.refund is RefundState.PENDING:
            # /refundstars took the debit and its answer is still on the way: nothing more to take.
            await set_refund(
                tx,
                charge_id,
                expected=(RefundState.PENDING,),
                state=RefundState.REFUNDED,
                reversed_amount=payment.reversed,
            )
            await reverse_reward(tx, settings, topup_ref=f"stars:{charge_id}")
            return Reversal.ALREADY
        balance = await balance_in(tx, payment.user_id)
        taken = min(payment.amount, balance)
        if taken:
            balance = await apply_entry(
                tx,
                user_id=payment.user_id,
                amount=-taken,
                kind=EntryKind.ADJUSTMENT,
                ref=f"stars-refunded:{charge_id}",
                note=f"{payment.stars} ⭐",
            )
        await set_refund(
            tx,
            charge_id,
            expected=(RefundState.NONE, RefundState.FAILED),
            state=RefundState.REFUNDED,
            reversed_amount=taken,
        )
        await reverse_reward(tx, settings, topup_ref=f"stars:{charge_id}")
        await notify(
            tx,
            payment.user_id,
            lambda: texts.stars_refunded(payment.stars, taken, balance, settings.currency),
            ref=f"notice:stars-refund:{charge_id}",
        )
        short = payment.amount - taken
        if short:
            await alert_admins(
                tx,
                settings,
                lambda: texts.stars_refund_short(
                    payment.user_id, charge_id, payment.amount, short, settings.currency
                ),
                f"alert:stars:refund-short:{charge_id}",
            )
    logger.info(
        "Stars payment %s refunded elsewhere; %s of %s cents taken back", charge_id, taken, payment.amount
    )
    return Reversal.SHORT if short else Reversal.TAKEN


async def refund_stars(
    db: Database, settings: Settings, bot: Bot, *, charge_id: str, admin_id: int
) -> RefundResult:
    """/refundstars: debit the credit, refund the Stars at Telegram, and settle by Telegram's answer.

    A refusal gives the debit back; no answer at all (network, 5xx) keeps it, pending: the next
    /refundstars (or Telegram's refunded_payment update) settles it, and never debits twice.
    """
    taken = await take_for_refund(db, charge_id, admin_id)
    if isinstance(taken, RefundResult):
        return taken
    try:
        await bot.refund_star_payment(user_id=taken.user_id, telegram_payment_charge_id=charge_id)
    except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound) as exc:
        if ALREADY_REFUNDED in exc.message:
            return await finish_refund(db, settings, taken)
        return await undo_refund(db, taken, exc.message, admin_id)
    except Exception as exc:  # no definite answer: the Stars may or may not have gone back
        logger.warning(
            "Refund of Stars payment %s: no answer from Telegram (%s)", charge_id, type(exc).__name__
        )
        return RefundResult(Refund.UNCERTAIN, taken, amount=taken.reversed)
    return await finish_refund(db, settings, taken)
