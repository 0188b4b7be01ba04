"""Dispatcher middlewares."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.types import Message, TelegramObject, Update, User

from bot.i18n import I18N, locale_for, normalise_locale
from storage.users import UserRepo, seen_today

# `/start ref_<code>`: the deep link of someone's referral link (codes are made by bot.growth.referrals).
_REFERRAL_START = re.compile(r"^/start(?:@\w+)? ref_([a-z0-9]{4,16})$")


def referral_code(event: TelegramObject) -> str | None:
    """The referral code a /start deep link carries, if the update is one."""
    if isinstance(event, Message) and event.text:
        match = _REFERRAL_START.match(event.text.strip())
        if match:
            return match.group(1)
    return None


class RegisterUser(BaseMiddleware):
    """Make sure everyone who talks to the bot has a users row, and render the update in their language.

    A user is registered once per process; their stored locale is kept in memory and set as the current
    locale for the update (texts and handlers read it through `bot.i18n`). A user the notifier finds has
    blocked the bot, or who changes their language, is forgotten, so their next update registers them
    again: that clears the blocked flag, releases the notices held for them and reads the new locale.
    Updates of everyone else cost a dictionary lookup, no database trip.
    """

    def __init__(self, users: UserRepo) -> None:
        self.users = users
        self._locales: dict[int, str] = {}
        self._seen: dict[int, date] = {}
        users.on_changed(self.forget)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and not user.is_bot:
            locale = self._locales.get(user.id)
            today = date.today()
            if locale is None:
                stored = await self.users.upsert(
                    user.id,
                    username=user.username,
                    first_name=user.first_name,
                    last_name=user.last_name,
                    language=user.language_code,
                    locale=locale_for(user.language_code),
                    referral_code=referral_code(event),
                )
                locale = self._locales[user.id] = stored.locale
                self._seen[user.id] = today
            elif self._seen.get(user.id) != today:
                self._seen[user.id] = today
                await seen_today(self.users.db, user.id)
        else:
            locale = None
        # One middleware rather than a registration and a locale middleware, and the context variable set
        # directly rather than through a context manager: each layer costs every update (bench updates).
        token = I18N.ctx_locale.set(normalise_locale(locale))
        try:
            return await handler(event, data)
        finally:
            I18N.ctx_locale.reset(token)

    def forget(self, user_id: int) -> None:
        """Register the user again on their next update (blocked the bot, changed language)."""
        self._locales.pop(user_id, None)

    def locale_of(self, user_id: int) -> str | None:
        """The locale of a user seen by this process, if any."""
        return self._locales.get(user_id)

    def remember(self, user_id: int, locale: str) -> None:
        """Use `locale` for the user from their next update on (they just chose it)."""
        if user_id in self._locales:
            self._locales[user_id] = locale


class CheckoutFirstFSM(FSMContextMiddleware):
    """aiogram's FSM middleware, except that a pre-checkout query skips the per-user lock.

    Updates of one user run one at a time (the events isolation), so a pre-checkout query would wait
    behind that user's slow update, a Confirm waiting for the provider, say. Telegram cancels the payment
    if the answer takes over 10 seconds, and the answer needs no conversation state: it goes straight on.
    """

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update) and event.pre_checkout_query is not None:
            data["fsm_storage"] = self.storage
            return await handler(event, data)
        return await super().__call__(handler, event, data)
