"""Reusable filters."""

from __future__ import annotations

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
