"""Fault switches of the fake Bot API: flood limits, scripted errors, random errors and delays."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterable

from tests.fakes.telegram_types import ApiError, TokenBucket, retry_after_seconds

STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class RateLimiter:
    """Telegram's flood limits as token buckets: one per chat and one for the whole bot."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        per_chat_rate: float | None = None,
        global_rate: float | None = None,
        per_chat_burst: float = 1.0,
        global_burst: float | None = None,
    ) -> None:
        self._clock = clock
        self.per_chat_rate = per_chat_rate
        self.global_rate = global_rate
        self._per_chat_burst = max(1.0, per_chat_burst)
        self._chat_buckets: dict[int, TokenBucket] = {}
        self._global_bucket = (
            TokenBucket.full(global_rate, max(1.0, global_burst or global_rate), clock())
            if global_rate
            else None
        )

    def acquire(self, chat_id: int, *, count_global: bool) -> None:
        """Take a token from the chat's bucket (and the global one); raise a 429 ApiError if empty."""
        now = self._clock()
        buckets: list[TokenBucket] = []
        if self.per_chat_rate:
            bucket = self._chat_buckets.get(chat_id)
            if bucket is None:
                bucket = TokenBucket.full(self.per_chat_rate, self._per_chat_burst, now)
                self._chat_buckets[chat_id] = bucket
            buckets.append(bucket)
        if count_global and self._global_bucket is not None:
            buckets.append(self._global_bucket)
        # Check every bucket before taking from any, so a refused call costs nothing.
        wait = max((bucket.wait_time(now) for bucket in buckets), default=0.0)
        if wait > 0:
            seconds = retry_after_seconds(wait)
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        for bucket in buckets:
            bucket.take()


class FaultInjector:
    """Scripted and random failures and artificial latency, keyed by lower-case method name."""

    def __init__(self) -> None:
        self._scripted: dict[str, list[ApiError]] = {}
        self._error_rate = 0.0
        self._error_status = 502
        self._error_methods: frozenset[str] | None = None
        self._random = random.Random(0)
        self._delays: dict[str, float] = {}

    def fail_next(
        self,
        method: str,
        status: int = 502,
        count: int = 1,
        *,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` with this error."""
        if status == 429:
            retry_after = retry_after or 1
            description = description or f"Too Many Requests: retry after {retry_after}"
        error = ApiError(status, description or STATUS_TEXT.get(status, "Error"), retry_after=retry_after)
        self._scripted.setdefault(method.lower(), []).extend([error] * count)

    def set_error_rate(
        self, rate: float, *, methods: Iterable[str] | None = None, status: int = 502, seed: int = 0
    ) -> None:
        """Fail a random fraction of calls of `methods` (default: all but getUpdates)."""
        self._error_rate = rate
        self._error_status = status
        self._error_methods = frozenset(m.lower() for m in methods) if methods is not None else None
        self._random = random.Random(seed)

    def set_delay(self, method: str, seconds: float) -> None:
        """Delay every answer to `method` by `seconds` (0 removes the delay)."""
        self._delays[method.lower()] = seconds

    async def before_call(self, key: str) -> ApiError | None:
        """Apply the delay for this method and return the error to answer with, if any."""
        delay = self._delays.get(key, 0.0)
        if delay > 0:
            await asyncio.sleep(delay)
        scripted = self._scripted.get(key)
        if scripted:
            return scripted.pop(0)
        in_scope = key != "getupdates" if self._error_methods is None else key in self._error_methods
        if self._error_rate > 0 and in_scope and self._random.random() < self._error_rate:
            return ApiError(self._error_status, STATUS_TEXT.get(self._error_status, "Error"))
        return None
