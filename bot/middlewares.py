"""Dispatcher middlewares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from storage.users import UserRepo


class RegisterUser(BaseMiddleware):
    """Make sure everyone who talks to the bot has a users row (once per process per user).

    A user the notifier finds has blocked the bot is forgotten, so their next message or button press
    registers them again: that clears the blocked flag and releases the notices held for them. Updates
    of everyone else cost a set lookup, no database write.
    """

    def __init__(self, users: UserRepo) -> None:
        self.users = users
        self._seen: set[int] = set()
        users.on_blocked(self.forget)

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        if user is not None and not user.is_bot and user.id not in self._seen:
            await self.users.upsert(
                user.id,
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
                language=user.language_code,
            )
            self._seen.add(user.id)
        return await handler(event, data)

    def forget(self, user_id: int) -> None:
        """Register the user again on their next update (after they were marked blocked)."""
        self._seen.discard(user_id)
