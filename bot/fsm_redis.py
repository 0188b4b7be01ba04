"""aiogram's Redis FSM storage as the shop uses it (imported only with REDIS_URL: the client library is
several megabytes the one-instance shop does not need)."""

from __future__ import annotations

from aiogram.fsm.storage.redis import RedisStorage


class SharedRedisStorage(RedisStorage):
    """aiogram's Redis storage on the application's client, which also serves isolation and job leases."""

    async def close(self) -> None:
        """The Redis client is closed by the application, not by the dispatcher (it closes storage first)."""
