"""Job leadership: which instance runs a background job, so that exactly one does at a time.

A `Leadership` belongs to one job and lasts across its runs: it is acquired once, renewed in the
background and released at shutdown. A standby keeps trying to acquire it. A scheduled job wrapped by
`Leaders.guard` returns at once on every instance but the leader.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar

logger = logging.getLogger(__name__)

LEASE_SECONDS = 15.0  # a dead leader is replaced within two leases (the lease, plus a standby's retry)

P = ParamSpec("P")
R = TypeVar("R")
Listener = Callable[[bool], Awaitable[None]]


class Leadership:
    """Whether this instance leads one job.

    Subclasses implement `_acquire`, `_renew` and `_release`; this class runs their loop. A
    standby tries to acquire every `lease / 3` seconds and a leader renews as often. A leader steps down
    when a renewal says the lock is gone, or when `lease` seconds pass without a successful one (the
    backend unreachable): by then another instance may hold it, so `is_leader` turns false on its own.
    """

    kind = "lock"
    errors: tuple[type[BaseException], ...] = ()  # the backend's failures, retried at the next attempt
    quiet = False  # log leadership changes at DEBUG rather than INFO

    def __init__(self, name: str, *, lease: float = LEASE_SECONDS) -> None:
        self.name = name
        self.lease = lease
        self.interval = lease / 3
        self._leading = False
        self._valid_until = 0.0  # time.monotonic() after which leadership may have passed to another
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    @property
    def is_leader(self) -> bool:
        """Lead now: acquired, and renewed within the lease."""
        return self._leading and time.monotonic() < self._valid_until

    def on_change(self, listener: Listener) -> None:
        """Call `listener(True)` on becoming leader and `listener(False)` on stepping down."""
        self._listeners.append(listener)

    async def start(self) -> None:
        """Try once now, so a lone instance leads from start-up, then keep trying in the background."""
        await self._attempt()
        self._task = asyncio.create_task(self._loop(), name=f"leadership:{self.name}")

    async def stop(self) -> None:
        """Stop trying; a leader steps down and releases, so a standby takes over at its next attempt."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._leading:
            await self._change(False, "shutting down")
            try:
                async with asyncio.timeout(self.interval):
                    await self._release()
            except self._failures as exc:
                # The lease runs out on its own; the standby just waits a little longer.
                logger.warning("Could not release leadership of %s (%s)", self.name, describe(exc))

    @property
    def _failures(self) -> tuple[type[BaseException], ...]:
        return (TimeoutError, *self.errors)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self._attempt()

    async def _attempt(self) -> None:
        """Acquire (a standby) or renew (the leader) once, and act on the answer."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.interval):
                held: bool | None = await (self._renew() if self._leading else self._acquire())
        except self._failures as exc:
            held = None
            if not self._failing:
                logger.warning("Leadership of %s: the backend did not answer (%s)", self.name, describe(exc))
            self._failing = True
        else:
            if self._failing:
                logger.info("Leadership of %s: the backend answers again", self.name)
            self._failing = False
        if held:
            self._valid_until = started + self.lease
            if not self._leading:
                await self._change(True, "acquired")
        elif self._leading and (held is False or time.monotonic() >= self._valid_until):
            await self._change(False, "lock lost" if held is False else "not renewed within the lease")

    async def _change(self, leading: bool, reason: str) -> None:
        self._leading = leading
        level = logging.DEBUG if self.quiet else logging.INFO
        if leading:
            logger.log(level, "This instance now runs %s (%s, %s)", self.name, self.kind, reason)
        else:
            logger.log(level, "This instance no longer runs %s (%s)", self.name, reason)
        for listener in self._listeners:
            try:
                await listener(leading)
            except Exception:
                logger.exception("A leadership listener of %s failed", self.name)

    async def _acquire(self) -> bool:
        """Take the lock if nobody holds it (or this instance still does); say whether it is ours."""
        raise NotImplementedError

    async def _renew(self) -> bool:
        """Extend the lock this instance holds; False if it is no longer ours."""
        raise NotImplementedError

    async def _release(self) -> None:
        """Give the lock up, only if it is still ours."""
        raise NotImplementedError


class LocalLeadership(Leadership):
    """The only instance (SQLite, one process per database, kept so by its lock file): always leads."""

    kind = "single instance"
    quiet = True  # every job, every start: nothing an operator needs to read

    async def start(self) -> None:
        self._valid_until = math.inf
        await self._change(True, "started")

    async def _release(self) -> None:
        """Nothing to give up."""


class Leaders:
    """The leadership of every job, from one backend; started and stopped together."""

    def __init__(
        self,
        make: Callable[[str], Leadership],
        *,
        description: str,
        close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._make = make
        self._close = close
        self.description = description
        self._by_name: dict[str, Leadership] = {}
        self._running: set[asyncio.Task[Any]] = set()  # guarded runs in progress

    def __getitem__(self, name: str) -> Leadership:
        """The leadership of job `name`, made on first use (before `start`)."""
        if name not in self._by_name:
            self._by_name[name] = self._make(name)
        return self._by_name[name]

    def guard(self, name: str, job: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R | None]]:
        """Wrap a scheduled job so that a run on an instance not leading `name` returns at once."""
        leadership = self[name]

        @functools.wraps(job)
        async def led(*args: P.args, **kwargs: P.kwargs) -> R | None:
            if not leadership.is_leader:
                return None
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                return await job(*args, **kwargs)
            finally:
                self._running.discard(task)

        return led

    async def drain(self, grace: float) -> int:
        """Wait up to `grace` seconds for the guarded runs in progress; return how many did not end."""
        running = set(self._running)
        if not running:
            return 0
        _, pending = await asyncio.wait(running, timeout=grace)
        return len(pending)

    async def start(self) -> None:
        """Start every leadership made so far, concurrently (an unreachable backend costs one wait)."""
        logger.info("Job leadership: %s", self.description)
        await asyncio.gather(*(leadership.start() for leadership in self._by_name.values()))

    async def stop(self) -> None:
        """Step down from every job and release it, then close the backend's connection."""
        await asyncio.gather(*(leadership.stop() for leadership in self._by_name.values()))
        if self._close is not None:
            await self._close()


def describe(exc: BaseException) -> str:
    """An error in one line without connection details beyond what the driver puts in its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
