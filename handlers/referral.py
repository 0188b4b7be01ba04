"""/referral: the customer's personal invite link, how many joined through it and what it earned."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message

from bot import texts
from bot.config import Settings
from bot.growth.referrals import code_of
from handlers.filters import Command
from handlers.routing import Router
from storage.database import Database


async def cmd_referral(message: Message, bot: Bot, db: Database, settings: Settings) -> None:
    """The link `https://t.me/<bot>?start=ref_<code>`; a short code, never the Telegram id."""
    assert message.from_user is not None
    if settings.referral_percent <= 0:
        await message.answer(texts.REFERRALS_OFF)
        return
    code = await code_of(db, message.from_user.id)
    me = await bot.me()
    row = await db.fetchone(
        "SELECT (SELECT COUNT(*) FROM users WHERE referrer_id = ?), "
        "(SELECT COALESCE(SUM(reward - reversed), 0) FROM referral_rewards WHERE referrer_id = ?)",
        (message.from_user.id, message.from_user.id),
    )
    joined, earned = (int(row[0]), int(row[1])) if row else (0, 0)
    link = f"https://t.me/{me.username}?start=ref_{code}"
    await message.answer(
        texts.referral_info(link, joined, earned, settings.referral_percent, settings.currency)
    )


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.register(cmd_referral, Command("referral"))
    return router
