"""Reusable filters."""

from __future__ import annotations

import re
from typing import Any

from aiogram import Bot
from aiogram import filters as aiogram_filters
from aiogram.filters import BaseFilter
from aiogram.types import CallbackQuery, Message

from bot.config import Settings


class IsAdmin(BaseFilter):
    """Pass only updates from a user listed in ADMIN_IDS."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user = event.from_user
        return user is not None and user.id in settings.admin_ids


def _command_names(commands: tuple[Any, ...]) -> frozenset[str] | None:
    """The commands as plain names, or None if any is a pattern (then every message is parsed)."""
    return None if any(isinstance(c, re.Pattern) for c in commands) else frozenset(commands)


def _named(message: Message, prefix: str, ignore_case: bool, names: frozenset[str]) -> bool:
    """Tell whether the message's first word is `<prefix><one of names>[@mention]`, as aiogram parses it."""
    text = message.text or message.caption
    if not text:
        return False
    words = text.split(maxsplit=1)
    if not words or words[0][0] not in prefix:
        return False
    name = words[0][1:].partition("@")[0]
    return (name.casefold() if ignore_case else name) in names


class Command(aiogram_filters.Command):
    """aiogram's Command filter, which turns away every other message before parsing it.

    A message passes the handlers of several routers before one takes it, and aiogram's filter parses
    the command into an object and raises and catches an exception for each one it refuses. A look at
    the first word refuses them for a fraction of that; a message that names one of the commands is
    then parsed by aiogram as before (mention, arguments, magic).
    """

    def __init__(self, *values: Any, **kwargs: Any) -> None:
        super().__init__(*values, **kwargs)
        self.names = _command_names(self.commands)

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        if self.names is not None and not (
            isinstance(message, Message) and _named(message, self.prefix, self.ignore_case, self.names)
        ):
            return False
        return await super().__call__(message, bot)


_START = frozenset({"start"})


class CommandStart(aiogram_filters.CommandStart):
    """aiogram's CommandStart, turning away every other message before parsing it (see `Command`)."""

    async def __call__(self, message: Message, bot: Bot) -> bool | dict[str, Any]:
        if not (isinstance(message, Message) and _named(message, self.prefix, self.ignore_case, _START)):
            return False
        return await super().__call__(message, bot)


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
