"""Placements in flight, so that a shutdown lets them finish before the HTTP client and database close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)

# Once the grace period is over, how long cancelled placements get to roll back before resources close.
UNWIND_SECONDS = 5.0


class Placements:
    """Tracks each Confirm from the charge to the customer seeing the result; refuses new ones on shutdown."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def closing(self) -> bool:
        """True once shutdown began: no new placement may start."""
        return self._closing

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
        """Run `work` as a tracked task; None (and `work` discarded) if shutdown already began."""
        if self._closing:
            work.close()
            return None
        task = asyncio.create_task(work, name="placement")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, grace: float) -> int:
        """Refuse new placements, wait up to `grace` seconds for those in flight, cancel the rest.

        Return how many were cut off. A placement cancelled during its `add` leaves its order in
        `submitting`, which the next start parks for an admin: never lost, never sent twice.
        """
        self._closing = True
        if not self._tasks:
            return 0
        logger.info("Waiting up to %.0fs for %d placement(s) in flight", grace, len(self._tasks))
        _, late = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=UNWIND_SECONDS)
        return len(late)
