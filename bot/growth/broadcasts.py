"""Broadcasts: progress edited for the admin every ~10 s, and a final report once every copy is settled.

The copies themselves are outbox rows at priority 1, so order and payment notices queued meanwhile go
first; a restart resumes from the outbox, and a copy interrupted mid-send is never sent again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from bot import texts
from bot.config import Settings
from bot.notify.notices import notify, render_in
from storage.broadcasts import Broadcast, BroadcastRepo
from storage.database import Database
from storage.users import locales_of

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 10
# What the notifier sustains (29 msg/s), for the admin's estimate.
SEND_RATE = 29.0


def estimated_seconds(recipients: int) -> int:
    return int(recipients / SEND_RATE) + 1


async def broadcast_job(db: Database, settings: Settings, bot: Bot) -> None:
    """Scheduler entry: show each running broadcast's progress; report and close the finished ones."""
    repo = BroadcastRepo(db)
    try:
        for broadcast in await repo.sending():
            await _follow(db, repo, broadcast, bot)
    except Exception:
        logger.exception("Broadcast progress failed")


async def _follow(db: Database, repo: BroadcastRepo, broadcast: Broadcast, bot: Bot) -> None:
    counts = await repo.counts(broadcast)
    if counts.left:
        locales = await locales_of(db.reader, [broadcast.admin_id])
        text = render_in(
            locales,
            broadcast.admin_id,
            lambda: texts.broadcast_progress(
                broadcast.id, counts.delivered, counts.blocked, counts.failed, counts.left
            ),
        )
        await _show_progress(bot, broadcast, text)
        return
    if not await repo.finish(broadcast.id, "canceled" if counts.canceled else "done"):
        return
    started = datetime.fromisoformat(broadcast.created_at)
    seconds = (datetime.now(UTC) - started).total_seconds()
    logger.info(
        "Broadcast %s finished: %s delivered, %s blocked, %s failed, %s cancelled in %.0fs",
        broadcast.id,
        counts.delivered,
        counts.blocked,
        counts.failed,
        counts.canceled,
        seconds,
    )
    async with db.transaction() as tx:
        await notify(
            tx,
            broadcast.admin_id,
            lambda: texts.broadcast_report(
                broadcast.id, counts.delivered, counts.blocked, counts.failed, counts.canceled, seconds
            ),
            ref=f"broadcast:{broadcast.id}:report",
        )


async def _show_progress(bot: Bot, broadcast: Broadcast, text: str) -> None:
    """Edit the admin's progress message (cosmetic: a failure is only logged)."""
    if broadcast.progress_chat_id is None or broadcast.progress_message_id is None:
        return
    try:
        await bot.edit_message_text(
            text,
            chat_id=broadcast.progress_chat_id,
            message_id=broadcast.progress_message_id,
        )
    except TelegramAPIError as exc:
        logger.debug("Broadcast %s progress not shown: %s", broadcast.id, exc.message)
