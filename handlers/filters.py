"""Reusable filters."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from bot.config import Settings


class IsAdmin(BaseFilter):
    """Pass only updates from a user listed in ADMIN_IDS."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user = event.from_user
        return user is not None and user.id in settings.admin_ids


class TextIs(BaseFilter):
    """Pass messages whose text is exactly one of `texts` (a main-menu button, say).

    aiogram runs a plain function or a magic filter (`F.text == ...`) in a worker thread on every
    check; a filter class is awaited on the event loop, so the many routers a message passes cost no
    thread hops.
    """

    def __init__(self, *texts: str) -> None:
        self.texts = frozenset(texts)

    async def __call__(self, message: Message) -> bool:
        return message.text in self.texts


class HasText(BaseFilter):
    """Pass messages that carry text (not a photo or a sticker), without a thread hop."""

    async def __call__(self, message: Message) -> bool:
        return message.text is not None


class HasSuccessfulPayment(BaseFilter):
    """Pass Telegram's service message about a successful payment."""

    async def __call__(self, message: Message) -> bool:
        return message.successful_payment is not None


class HasRefundedPayment(BaseFilter):
    """Pass Telegram's service message about a refunded payment."""

    async def __call__(self, message: Message) -> bool:
        return message.refunded_payment is not None


class IsPrivate(BaseFilter):
    """Pass updates from private chats (not the support group)."""

    async def __call__(self, event: Message | CallbackQuery) -> bool:
        message = event if isinstance(event, Message) else event.message
        return message is not None and message.chat.type == "private"


class RepliesToBot(BaseFilter):
    """Pass messages that reply to one of the bot's own messages."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        replied = message.reply_to_message
        return replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
