"""Forum topics in SUPPORT_CHAT_ID: one per ticket, when the group has topics enabled."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot.config import Settings
from storage.database import Database
from storage.outbox import move_ticket_messages
from storage.tickets import Ticket, set_thread

logger = logging.getLogger(__name__)

TOPIC_NAME_LIMIT = 128


class ForumTopics:
    """Knows whether the support chat is a forum, and gives each ticket its topic there."""

    def __init__(self, bot: Bot, db: Database, settings: Settings) -> None:
        self.bot = bot
        self.db = db
        self.chat_id = settings.support_chat_id
        self._forum: bool | None = None

    async def is_forum(self) -> bool:
        """Whether tickets get topics (asked of Telegram once, then remembered)."""
        if self.chat_id is None:
            return False
        if self._forum is None:
            try:
                self._forum = bool((await self.bot.get_chat(self.chat_id)).is_forum)
            except TelegramAPIError as exc:
                logger.warning("Could not read the support chat %s: %s", self.chat_id, exc.message)
                return False
        return self._forum

    async def place(self, ticket: Ticket, title: str) -> None:
        """Create the ticket's topic and send its held messages there; without one they go out unthreaded."""
        assert self.chat_id is not None
        thread_id: int | None = None
        try:
            topic = await self.bot.create_forum_topic(self.chat_id, name=title[:TOPIC_NAME_LIMIT])
            thread_id = topic.message_thread_id
        except TelegramAPIError as exc:
            logger.warning("Could not create a topic for ticket %s: %s", ticket.id, exc.message)
        async with self.db.transaction() as tx:
            if thread_id is not None:
                await set_thread(tx, ticket.id, thread_id)
            await move_ticket_messages(tx, ticket.id, self.chat_id, thread_id)

    async def set_closed(self, ticket: Ticket, closed: bool) -> None:
        """Close or reopen the ticket's topic (cosmetic: a failure is only logged)."""
        if self.chat_id is None or ticket.thread_id is None:
            return
        try:
            if closed:
                await self.bot.close_forum_topic(self.chat_id, ticket.thread_id)
            else:
                await self.bot.reopen_forum_topic(self.chat_id, ticket.thread_id)
        except TelegramAPIError as exc:
            logger.info(
                "Topic of ticket %s not %s: %s", ticket.id, "closed" if closed else "reopened", exc.message
            )
