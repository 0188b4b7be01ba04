"""Telegram Stars payments as Telegram reports them: pre-checkout, successful and refunded payments.

These run before any conversation router, so a payment is never taken for a reply to an open question.
"""

from __future__ import annotations

import logging

from aiogram.types import Message, PreCheckoutQuery

from bot import texts
from bot.config import Settings
from bot.wallet.stars import XTR, Checkout, Credited, PaidStars, check_checkout, record_payment
from bot.wallet.stars_refunds import payment_refunded
from handlers.filters import Command, HasRefundedPayment, HasSuccessfulPayment
from handlers.routing import Router
from storage.database import Database
from storage.users import UserRepo

logger = logging.getLogger(__name__)

_REFUSALS = {
    Checkout.UNKNOWN: "CHECKOUT_UNKNOWN",
    Checkout.PAID: "CHECKOUT_PAID",
    Checkout.EXPIRED: "CHECKOUT_EXPIRED",
    Checkout.CHANGED: "CHECKOUT_CHANGED",
}


async def on_pre_checkout(query: PreCheckoutQuery, db: Database) -> None:
    """Answer at once (Telegram cancels the payment after 10 s): ok only for our open invoice, unchanged."""
    verdict = await check_checkout(
        db,
        user_id=query.from_user.id,
        payload=query.invoice_payload,
        currency=query.currency,
        total=query.total_amount,
    )
    if verdict is Checkout.OK:
        await query.answer(ok=True)
        return
    logger.info("Pre-checkout %s of user %s refused: %s", query.id, query.from_user.id, verdict)
    await query.answer(ok=False, error_message=getattr(texts, _REFUSALS[verdict]))


async def on_successful_payment(message: Message, db: Database, users: UserRepo, settings: Settings) -> None:
    """Credit the payment once; the customer's notice is queued with the credit, in its transaction."""
    payment = message.successful_payment
    assert payment is not None and message.from_user is not None
    if payment.currency != XTR:
        logger.error(
            "Ignoring a %s payment %s: only Stars are sold",
            payment.currency,
            payment.telegram_payment_charge_id,
        )
        return
    result = await record_payment(
        db,
        settings,
        PaidStars(
            user_id=message.from_user.id,
            charge_id=payment.telegram_payment_charge_id,
            payload=payment.invoice_payload,
            stars=payment.total_amount,
            first_name=message.from_user.first_name,
        ),
    )
    if result.outcome is Credited.DUPLICATE:
        # Telegram delivered the same payment again: it was credited the first time.
        balance = await users.balance(message.from_user.id)
        await message.answer(texts.payment_already_credited(balance, settings.currency))


async def on_refunded_payment(message: Message, db: Database, settings: Settings) -> None:
    """A payment was refunded (by /refundstars or elsewhere): take back what is left of its credit, once."""
    refund = message.refunded_payment
    assert refund is not None and message.from_user is not None
    await payment_refunded(
        db,
        settings,
        user_id=message.from_user.id,
        charge_id=refund.telegram_payment_charge_id,
        stars=refund.total_amount,
    )


async def cmd_paysupport(message: Message, settings: Settings) -> None:
    """Telegram requires every bot that takes payments to answer /paysupport."""
    await message.answer(settings.paysupport_text or texts.paysupport(settings.support_contact))


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.pre_checkout_query.register(on_pre_checkout)
    router.message.register(on_successful_payment, HasSuccessfulPayment())
    router.message.register(on_refunded_payment, HasRefundedPayment())
    router.message.register(cmd_paysupport, Command("paysupport"))
    return router
