"""The update queue behind getUpdates: offsets, limits, allowed_updates and long polling."""

from __future__ import annotations

import asyncio
import logging

from tests.fakes.telegram_types import ApiError, JsonDict

logger = logging.getLogger(__name__)

TERMINATED = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


class UpdateQueue:
    """Unconfirmed updates, served to one long-polling client at a time."""

    def __init__(self) -> None:
        self._updates: list[JsonDict] = []
        self._history: dict[int, JsonDict] = {}  # every body ever queued, for redeliver()
        self._next_id = 1
        self.allowed_updates: list[str] | None = None
        self.polls_waiting = 0
        self.webhook_active = False  # getUpdates answers 409 meanwhile (see telegram_webhook)
        self._generation = 0
        self._closing = False
        self._changed = asyncio.Event()

    def __len__(self) -> int:
        return len(self._updates)

    def put(self, payload: JsonDict) -> int:
        """Queue an update body (one field such as "message"); return its update_id."""
        update_id = self._next_id
        self._next_id += 1
        self._history[update_id] = payload
        kind = next(iter(payload))
        if self.allowed_updates and kind not in self.allowed_updates:
            # Telegram silently drops update types the bot did not ask for.
            logger.warning(
                "fake Telegram: %s update %d dropped, allowed_updates=%s",
                kind,
                update_id,
                self.allowed_updates,
            )
            return update_id
        self._updates.append({"update_id": update_id, **payload})
        self._notify()
        return update_id

    def redeliver(self, update_id: int) -> int:
        """Queue an earlier update's body again under a new update_id, as Telegram does after a crash."""
        payload = self._history.get(update_id)
        if payload is None:
            raise AssertionError(f"update {update_id} was never queued")
        return self.put(payload)

    def drop_pending(self) -> None:
        """Forget every unconfirmed update (drop_pending_updates=True)."""
        self._updates.clear()

    def set_allowed_updates(self, allowed_updates: list[str] | None) -> None:
        """Ask for these update types from now on (None keeps the current choice, [] restores the default)."""
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates or None

    def set_webhook_active(self, active: bool) -> None:
        """Switch webhook delivery on or off; a long poll waiting now ends with 409 Conflict."""
        self.webhook_active = active
        self._notify()

    def pending(self) -> list[JsonDict]:
        """Return the unconfirmed updates, oldest first."""
        return list(self._updates)

    def confirm(self, update_id: int) -> None:
        """Confirm one update (its webhook delivery was answered 2xx)."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self._notify()

    async def changed(self) -> None:
        """Wait until an update is queued or confirmed, or webhook delivery is switched."""
        await self._changed.wait()

    def close(self) -> None:
        """Make pending and future long polls return at once."""
        self._closing = True
        self._notify()

    async def get(
        self, *, offset: int | None, limit: int, timeout: float, allowed_updates: list[str] | None
    ) -> list[JsonDict]:
        """Serve getUpdates: confirm up to offset, then wait up to timeout seconds for updates."""
        if self.webhook_active:
            raise ApiError(409, WEBHOOK_ACTIVE)
        self.set_allowed_updates(allowed_updates)
        if offset is not None:
            self._confirm(offset)
        # A newer getUpdates terminates an older long poll, as with two bot instances on one token.
        self._generation += 1
        generation = self._generation
        self._notify()
        if not self._updates and timeout > 0 and not self._closing:
            self.polls_waiting += 1
            try:
                async with asyncio.timeout(timeout):
                    while not (
                        self._updates
                        or self._closing
                        or self.webhook_active
                        or generation != self._generation
                    ):
                        await self._changed.wait()
            except TimeoutError:
                pass
            finally:
                self.polls_waiting -= 1
        if self.webhook_active:
            raise ApiError(409, WEBHOOK_ACTIVE)
        if generation != self._generation:
            raise ApiError(409, TERMINATED)
        return self._updates[:limit]

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()
