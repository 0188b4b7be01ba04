"""The notification outbox: rows are queued inside business transactions and drained by the notifier."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from storage.bulk import columns, json_rows
from storage.database import Database, Tx, change, is_postgres, touch

OUTBOX_TOPIC = "outbox"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    chat_id: int
    text: str
    attempts: int
    next_attempt_at: float
    photo: str | None = None  # a Telegram file id: sent as a photo with `text` as its caption
    markup: str | None = None  # inline keyboard, JSON
    thread_id: int | None = None  # a forum topic of the chat
    ticket_id: int | None = None  # the support ticket the sent message belongs to
    broadcast_id: int | None = None  # a broadcast copy: sent at most once, behind every other message
    priority: int = 0  # 0: notices; 1: broadcast copies, sent when no notice is due


@dataclass(frozen=True, slots=True)
class Extras:
    """What a message may carry besides its text (support tickets use them)."""

    photo: str | None = None
    markup: str | None = None
    thread_id: int | None = None
    ticket_id: int | None = None


_INSERT = "INSERT INTO outbox (chat_id, text, ref) VALUES (?, ?, ?) ON CONFLICT (ref) DO NOTHING"
_INSERT_HELD = (
    "INSERT INTO outbox (chat_id, text, ref, next_attempt_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (ref) DO NOTHING"
)


async def enqueue(tx: Tx, chat_id: int, text: str, *, ref: str | None = None) -> bool:
    """Queue a message inside the caller's transaction; False if `ref` was already queued."""
    inserted = await change(tx, _INSERT, (chat_id, text, ref))
    touch(OUTBOX_TOPIC)
    return inserted == 1


async def enqueue_held(tx: Tx, chat_id: int, text: str, *, ref: str, until: float) -> bool:
    """Queue a fallback held until `until` (unix seconds) unless `OutboxRepo.settle_held` resolves it first.

    While held it also holds back later messages to the chat, so they keep their order.
    """
    inserted = await change(tx, _INSERT_HELD, (chat_id, text, ref, until))
    touch(OUTBOX_TOPIC)
    return inserted == 1


async def enqueue_rich(
    tx: Tx,
    chat_id: int,
    text: str,
    extras: Extras,
    *,
    ref: str | None = None,
    until: float = 0,
) -> bool:
    """Queue a message with a photo, buttons, a topic or a ticket; held until `until` if given."""
    inserted = await change(
        tx,
        "INSERT INTO outbox (chat_id, text, ref, next_attempt_at, photo, markup, thread_id, ticket_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ref) DO NOTHING",
        (chat_id, text, ref, until, extras.photo, extras.markup, extras.thread_id, extras.ticket_id),
    )
    touch(OUTBOX_TOPIC)
    return inserted == 1


async def enqueue_many(tx: Tx, messages: Sequence[tuple[int, str, str | None]]) -> None:
    """Queue (chat_id, text, ref) messages inside the caller's transaction; a ref queued before is skipped."""
    payload = None if is_postgres(tx) else json_rows(messages)
    if payload is None:  # PostgreSQL sends executemany as one pipeline
        await tx.executemany(_INSERT, messages)
    else:
        # One statement for the lot, in the order given (see storage.bulk). `WHERE true` tells SQLite
        # the ON CONFLICT belongs to the INSERT, not to a join in the SELECT.
        await tx.execute(
            "INSERT INTO outbox (chat_id, text, ref) SELECT " + columns(("chat_id", "text", "ref"))
            + " FROM json_each(?) WHERE true ORDER BY key ON CONFLICT (ref) DO NOTHING",
            (payload,),
        )  # fmt: skip
    touch(OUTBOX_TOPIC)


class OutboxRepo:
    """Reads due messages and records what happened to them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def due(self, now: float, limit: int = 200) -> list[OutboxMessage]:
        """Return the oldest due message of each chat (so a chat's messages keep their order).

        Notices come before broadcast copies, within a chat and overall.

        Chats of users who blocked the bot are skipped; their messages wait until they come back.
        """
        rows = await self.db.fetchall(
            """
            SELECT id, chat_id, text, attempts, next_attempt_at, photo, markup, thread_id, ticket_id,
                   broadcast_id, priority FROM (
                SELECT o.id, o.chat_id, o.text, o.attempts, o.next_attempt_at,
                       o.photo, o.markup, o.thread_id, o.ticket_id, o.broadcast_id, o.priority,
                       ROW_NUMBER() OVER (PARTITION BY o.chat_id ORDER BY o.priority, o.id) AS position
                FROM outbox o LEFT JOIN users u ON u.id = o.chat_id
                WHERE o.status = 'pending' AND COALESCE(u.is_blocked, 0) = 0
            ) AS queued
            WHERE position = 1 AND next_attempt_at <= ?
            ORDER BY priority, next_attempt_at, id LIMIT ?
            """,
            (now, limit),
        )
        return [OutboxMessage(*r) for r in rows]

    async def next_due_at(self) -> float | None:
        """Return when the earliest pending message is due, or None if nothing is pending.

        Messages held for users who blocked the bot do not count: they wait for the user, not a time.
        """
        value = await self.db.fetchval(
            "SELECT MIN(o.next_attempt_at) FROM outbox o LEFT JOIN users u ON u.id = o.chat_id "
            "WHERE o.status = 'pending' AND COALESCE(u.is_blocked, 0) = 0"
        )
        return None if value is None else float(value)

    async def settle_held(self, ref: str, *, shown: bool) -> bool:
        """Resolve a message queued by `enqueue_held`: shown another way (recorded as sent) or due now.

        Return False if it was no longer held (already sent, or never queued).
        """
        async with self.db.transaction() as tx:
            if shown:
                changed = await change(
                    tx,
                    "UPDATE outbox SET status = 'sent', sent_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                    "WHERE ref = ? AND status = 'pending'",
                    (ref,),
                )
            else:
                changed = await change(
                    tx,
                    "UPDATE outbox SET next_attempt_at = MIN(next_attempt_at, ?) "
                    "WHERE ref = ? AND status = 'pending'",
                    (time.time(), ref),
                )
                touch(OUTBOX_TOPIC)
        return changed == 1

    async def release_held(self, ref_prefix: str, *, queued_before: str | None = None) -> int:
        """Make every pending message whose ref starts with `ref_prefix` due now; return how many.

        With `queued_before` (ISO UTC), only those queued earlier than that.
        """
        now = time.time()
        age = "" if queued_before is None else " AND created_at < ?"
        async with self.db.transaction() as tx:
            changed = await change(
                tx,
                "UPDATE outbox SET next_attempt_at = ? "
                "WHERE status = 'pending' AND next_attempt_at > ? AND substr(ref, 1, ?) = ?" + age,
                (now, now, len(ref_prefix), ref_prefix, *(() if queued_before is None else (queued_before,))),
            )
            if changed:
                touch(OUTBOX_TOPIC)
        return changed

    async def mark_sent(self, message: OutboxMessage, telegram_message_id: int | None = None) -> None:
        """Record that Telegram accepted the message; a ticket's message is linked to its ticket."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'sent', attempts = attempts + 1, last_error = NULL, "
                "sent_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                (message.id,),
            )
            if message.ticket_id is not None and telegram_message_id is not None:
                await tx.execute(
                    "INSERT INTO ticket_links (chat_id, message_id, ticket_id) VALUES (?, ?, ?) "
                    "ON CONFLICT (chat_id, message_id) DO NOTHING",
                    (message.chat_id, telegram_message_id, message.ticket_id),
                )

    async def mark_sending(self, message_id: int) -> bool:
        """Record that a broadcast copy is about to be sent: after a crash it counts as sent, never twice.

        False when it is no longer pending (its broadcast was stopped): it must not be sent.
        """
        async with self.db.transaction() as tx:
            return (
                await change(
                    tx,
                    "UPDATE outbox SET sending_since = ? WHERE id = ? AND status = 'pending'",
                    (time.time(), message_id),
                )
                == 1
            )

    async def settle_interrupted(self) -> int:
        """At start-up: broadcast copies a crash caught while being sent count as sent; return how many."""
        async with self.db.transaction() as tx:
            return await change(
                tx,
                "UPDATE outbox SET status = 'sent', sent_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE status = 'pending' AND sending_since IS NOT NULL",
            )

    async def drop_broadcasts_to(self, chat_id: int, error: str) -> int:
        """Drop the broadcast copies still waiting for a chat (it blocked the bot); return how many."""
        async with self.db.transaction() as tx:
            return await change(
                tx,
                "UPDATE outbox SET status = 'dropped', last_error = ?, sending_since = NULL "
                "WHERE chat_id = ? AND status = 'pending' AND broadcast_id IS NOT NULL",
                (error, chat_id),
            )

    async def reschedule(self, message_id: int, at: float, error: str, *, count_attempt: bool = True) -> None:
        """Try the message again at `at` (unix seconds)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ?, attempts = attempts + ?, "
                "sending_since = NULL WHERE id = ?",
                (at, error[:500], int(count_attempt), message_id),
            )

    async def drop(self, message_id: int, error: str) -> None:
        """Give up on a message that can never be delivered (the user blocked the bot, chat gone)."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET status = 'dropped', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:500], message_id),
            )

    async def drop_chat(self, chat_id: int, error: str) -> int:
        """Drop every pending message to a chat; return how many."""
        async with self.db.transaction() as tx:
            changed = await change(
                tx,
                "UPDATE outbox SET status = 'dropped', last_error = ? "
                "WHERE chat_id = ? AND status = 'pending'",
                (error[:500], chat_id),
            )
        return changed

    async def pending_count(self) -> int:
        """Return how many messages wait to be sent."""
        return int(await self.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") or 0)

    async def prune(self, *, keep_days: int = 30, batch: int = 5000) -> int:
        """Delete messages created more than `keep_days` ago that were sent or given up on.

        Pending messages (held for a user who blocked the bot, say) are never deleted. Rows go in
        batches of `batch`, each in its own short transaction, so other writers are not held up.
        Returns how many rows were deleted.
        """
        if keep_days < 1 or batch < 1:
            raise ValueError("keep_days and batch must be positive")
        # Ids grow with time: the first row young enough to keep bounds the range to clean. The
        # scan stops there, so it reads only the old rows it is about to delete.
        boundary = await self.db.fetchval(
            "SELECT id FROM outbox WHERE created_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?) "
            "ORDER BY id LIMIT 1",
            (f"-{int(keep_days)} days",),
        )
        if boundary is None:
            boundary = int(await self.db.fetchval("SELECT COALESCE(MAX(id), 0) FROM outbox")) + 1
        deleted = 0
        while True:
            async with self.db.transaction() as tx:
                count = await change(
                    tx,
                    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
                    "WHERE id < ? AND status != 'pending' ORDER BY id LIMIT ?)",
                    (boundary, batch),
                )
            deleted += count
            if count < batch:
                return deleted


async def move_ticket_messages(tx: Tx, ticket_id: int, chat_id: int, thread_id: int | None) -> int:
    """Send a ticket's held messages to `chat_id` now, into `thread_id` if given; return how many."""
    changed = await change(
        tx,
        "UPDATE outbox SET thread_id = COALESCE(?, thread_id), next_attempt_at = MIN(next_attempt_at, ?) "
        "WHERE ticket_id = ? AND chat_id = ? AND status = 'pending'",
        (thread_id, time.time(), ticket_id, chat_id),
    )
    touch(OUTBOX_TOPIC)
    return changed
