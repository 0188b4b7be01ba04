"""Drains the notification outbox within Telegram's limits; a message is marked sent only once accepted."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardMarkup, Message

from storage.outbox import OutboxMessage, OutboxRepo
from storage.users import UserRepo

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0
BLOCKED = "blocked"  # last_error of a broadcast copy whose recipient blocked the bot


class Notifier:
    """Sends queued messages: about `global_rate` per second overall and one per chat per interval."""

    def __init__(
        self,
        bot: Bot,
        outbox: OutboxRepo,
        users: UserRepo,
        *,
        global_rate: float = 29.0,
        per_chat_interval: float = 1.1,
        concurrency: int = 16,
        idle_poll_seconds: float = 1.0,
    ) -> None:
        self.bot = bot
        self.outbox = outbox
        self.users = users
        self.global_interval = 1.0 / global_rate
        self.per_chat_interval = per_chat_interval
        self.idle_poll_seconds = idle_poll_seconds
        self._semaphore = asyncio.Semaphore(concurrency)
        self._wake = asyncio.Event()
        self._queued = asyncio.Event()  # set by `wake`: a batch in progress is fetched again
        self._in_flight: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._chat_ready_at: dict[int, float] = {}
        self._next_slot = 0.0
        self._runner: asyncio.Task[None] | None = None
        self.sent = 0
        self.retry_after_answers = 0

    def wake(self) -> None:
        """Tell the sender that new messages were queued."""
        self._queued.set()
        self._wake.set()

    def start(self) -> None:
        """Start draining in the background (inside the running loop)."""
        if self._runner is None:
            self._runner = asyncio.create_task(self.run(), name="notifier")

    async def stop(self) -> None:
        """Stop draining and wait for messages already handed to Telegram."""
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
            self._runner = None
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def lead(self, leading: bool) -> None:
        """Send only while this instance leads the outbox: start on gaining leadership, stop on losing it."""
        if not leading:
            await self.stop()
            return
        try:
            # A sender that died mid-send left broadcast copies marked as being sent: count them as sent
            # (never send one twice). The previous leader is gone or has stopped sending by now.
            interrupted = await self.outbox.settle_interrupted()
            if interrupted:
                logger.warning(
                    "%d broadcast message(s) were being sent at a crash; counted as sent", interrupted
                )
        finally:
            self.start()

    async def run(self) -> None:
        """Loop forever: send what is due, then sleep until woken or something falls due."""
        while True:
            try:
                dispatched = await self.drain_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Notification pass failed; retrying shortly")
                dispatched = 0
            if dispatched == 0 and not self._queued.is_set():
                await self._idle()

    async def drain_once(self) -> int:
        """Hand every due message whose chat is ready to a sender task; return how many."""
        now = time.time()
        dispatched = 0
        self._queued.clear()
        notice_ready_at = float("inf")  # when a notice skipped below (its chat busy) may go
        for message in await self.outbox.due(now):
            if self._queued.is_set() or time.monotonic() >= notice_ready_at:
                break  # fetch again: notices go before broadcast copies
            if message.id in self._in_flight:
                continue
            ready_at = self._chat_ready_at.get(message.chat_id, 0.0)
            if ready_at > time.monotonic():
                if message.priority == 0:
                    notice_ready_at = min(notice_ready_at, ready_at)
                continue
            await self._pace()
            await self._semaphore.acquire()
            self._chat_ready_at[message.chat_id] = time.monotonic() + self.per_chat_interval
            self._in_flight.add(message.id)
            task = asyncio.create_task(self._deliver(message))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            dispatched += 1
        return dispatched

    async def _idle(self) -> None:
        delay = self.idle_poll_seconds
        ready = [at for at in self._chat_ready_at.values() if at > time.monotonic()]
        if ready:
            delay = min(delay, max(min(ready) - time.monotonic(), 0.01))
        next_due = await self.outbox.next_due_at()
        if next_due is not None:
            delay = min(delay, max(next_due - time.time(), 0.01))
        self._wake.clear()
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that
        # races with its timeout, and the sender would then never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await self._wake.wait()

    async def _pace(self) -> None:
        """Space sends evenly so the overall rate stays under Telegram's broadcast limit."""
        now = time.monotonic()
        slot = max(now, self._next_slot)
        self._next_slot = slot + self.global_interval
        if slot > now:
            await asyncio.sleep(slot - now)

    async def _deliver(self, message: OutboxMessage) -> None:
        try:
            await self._send(message)
        except Exception:
            logger.exception("Unexpected failure sending outbox message %s", message.id)
            await self.outbox.reschedule(message.id, time.time() + self._backoff(message), "unexpected error")
        finally:
            self._in_flight.discard(message.id)
            self._semaphore.release()
            self._wake.set()

    async def _send(self, message: OutboxMessage) -> None:
        if message.broadcast_id is not None and not await self.outbox.mark_sending(message.id):
            return  # the broadcast was stopped after this copy was fetched
        try:
            sent = await self._post(message)
        except TelegramRetryAfter as exc:
            self.retry_after_answers += 1
            wait = float(exc.retry_after)
            logger.warning("Telegram asked to wait %.0fs before messaging chat %s", wait, message.chat_id)
            self._chat_ready_at[message.chat_id] = time.monotonic() + wait
            await self.outbox.reschedule(message.id, time.time() + wait, "retry after", count_attempt=False)
            return
        except TelegramForbiddenError as exc:
            logger.info("Chat %s blocked the bot; holding its messages", message.chat_id)
            # Broadcast copies are not held: the broadcast counts them as blocked and finishes.
            await self.outbox.drop_broadcasts_to(message.chat_id, BLOCKED)
            if message.broadcast_id is not None:
                await self.users.set_blocked(message.chat_id, True)
                return
            await self.users.set_blocked(message.chat_id, True)
            known = await self.users.get(message.chat_id)
            if known is None:
                # Not a registered user (an admin who never started the bot): nothing to wait for.
                await self.outbox.drop(message.id, exc.message)
            else:
                await self.outbox.reschedule(message.id, time.time(), "blocked", count_attempt=True)
            return
        except TelegramBadRequest as exc:
            logger.error("Telegram refused outbox message %s: %s", message.id, exc.message)
            await self.outbox.drop(message.id, exc.message)
            return
        except (TelegramAPIError, ClientDecodeError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # Network errors, 5xx and garbled answers: the message may or may not have arrived; try again.
            delay = self._backoff(message)
            logger.warning(
                "Sending outbox message %s failed (%s); retrying in %.0fs",
                message.id,
                type(exc).__name__,
                delay,
            )
            await self.outbox.reschedule(message.id, time.time() + delay, type(exc).__name__)
            return
        self.sent += 1
        await self.outbox.mark_sent(message, sent.message_id)

    async def _post(self, message: OutboxMessage) -> Message:
        """One Bot API call: a text, or a photo with the text as its caption, with buttons and topic."""
        markup = None if message.markup is None else InlineKeyboardMarkup.model_validate_json(message.markup)
        if message.photo is not None:
            return await self.bot.send_photo(
                message.chat_id,
                message.photo,
                caption=message.text,
                reply_markup=markup,
                message_thread_id=message.thread_id,
            )
        if markup is None and message.thread_id is None:
            return await self.bot.send_message(message.chat_id, message.text)
        return await self.bot.send_message(
            message.chat_id, message.text, reply_markup=markup, message_thread_id=message.thread_id
        )

    @staticmethod
    def _backoff(message: OutboxMessage) -> float:
        return float(min(2.0 ** min(message.attempts, 12), MAX_BACKOFF_SECONDS))
