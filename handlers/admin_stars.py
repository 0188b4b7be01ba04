"""Admin commands for Telegram Stars: /refundstars <charge id> and /stars (income, reconciliation)."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import CommandObject
from aiogram.types import Message

from bot import texts
from bot.config import Settings
from bot.i18n import N_, _
from bot.wallet.stars_reconcile import income_since, reconcile, star_transactions
from bot.wallet.stars_refunds import Refund, refund_stars
from handlers.admin import admin_router
from handlers.filters import Command
from handlers.routing import Router
from storage.database import Database
from storage.stars import StarsRepo

logger = logging.getLogger(__name__)

# Telegram's charge ids are letters, digits and a few marks; anything else is not one.
_CHARGE_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")
RECENT_PAYMENTS = 10
TODAY = N_("Today (UTC)")
THIS_MONTH = N_("This month (UTC)")


async def cmd_refundstars(
    message: Message, command: CommandObject, bot: Bot, db: Database, settings: Settings
) -> None:
    """Refund a Stars payment while the wallet still covers its credit: debit first, then Telegram."""
    assert message.from_user is not None
    words = (command.args or "").split()
    if len(words) != 1 or not _CHARGE_ID.fullmatch(words[0]):
        reason = (
            _("Missing arguments") if not words else _("“{word}” is not a charge id").format(word=words[0])
        )
        await message.answer(texts.usage_error(reason, texts.REFUNDSTARS_USAGE))
        return
    charge_id = words[0]
    result = await refund_stars(db, settings, bot, charge_id=charge_id, admin_id=message.from_user.id)
    payment = result.payment
    if result.outcome is Refund.REFUNDED:
        assert payment is not None
        logger.info("Admin %s refunded Stars payment %s", message.from_user.id, charge_id)
        text = texts.refundstars_done(
            payment.user_id, payment.stars, result.amount, result.balance, settings.currency
        )
    elif result.outcome is Refund.ALREADY:
        text = texts.refundstars_already(charge_id)
    elif result.outcome is Refund.NOT_FOUND:
        text = texts.refundstars_unknown(charge_id)
    elif result.outcome is Refund.NOT_COVERED:
        assert payment is not None
        text = texts.refundstars_not_covered(
            payment.user_id, result.amount, result.balance, settings.currency
        )
    elif result.outcome is Refund.REFUSED:
        text = texts.refundstars_refused(result.reason, result.balance, settings.currency)
    else:
        text = texts.refundstars_uncertain(charge_id)
    await message.answer(text)


async def cmd_stars(message: Message, bot: Bot, db: Database, settings: Settings) -> None:
    """Stars income today and this month (Telegram's records), the reconciliation, the last payments."""
    try:
        listed = await star_transactions(bot)
    except TelegramAPIError as exc:
        logger.warning("getStarTransactions failed: %s", exc.message)
        await message.answer(texts.ERROR_APOLOGY)
        return
    result = await reconcile(db, settings, listed)
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    income = [
        texts.income_line(label, found.payments, found.stars, found.refunded)
        for label, found in (
            (TODAY, income_since(listed, midnight)),
            (THIS_MONTH, income_since(listed, midnight.replace(day=1))),
        )
    ]
    summary = texts.reconciliation_summary(
        result.listed, len(result.credited), len(result.refunds), result.unlisted, result.partial
    )
    recent = await StarsRepo(db).recent(RECENT_PAYMENTS)
    await message.answer(texts.stars_report(income, settings.stars_rate, settings.currency, summary, recent))


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = admin_router(__name__)
    router.message.register(cmd_refundstars, Command("refundstars"))
    router.message.register(cmd_stars, Command("stars"))
    return router
