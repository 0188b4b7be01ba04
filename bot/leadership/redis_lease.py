"""Job leadership as a Redis lease: one key per job, holding the leader's token, expiring unless renewed."""

from __future__ import annotations

import os
import secrets
import socket

from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.leadership.base import LEASE_SECONDS, Leadership

# Extend the lease only while the key still holds our token: a leader that paused past its lease must
# not extend the lease another instance took meanwhile.
_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# Delete the key only while it holds our token, for the same reason.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


def instance_token() -> str:
    """A token unique to this process, readable by an operator (`GET` the key to see who leads)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(6)}"


class RedisLeadership(Leadership):
    """Lead a job while holding `key` (SET NX PX), renewed every lease/3 by compare-and-extend."""

    kind = "Redis lease"
    errors = (RedisError, OSError)

    def __init__(
        self, name: str, redis: Redis, key: str, *, token: str | None = None, lease: float = LEASE_SECONDS
    ) -> None:
        super().__init__(name, lease=lease)
        self.redis = redis
        self.key = key
        self.token = token or instance_token()
        self._lease_ms = max(1, round(lease * 1000))
        self._extend = redis.register_script(_EXTEND)
        self._delete = redis.register_script(_RELEASE)

    async def _acquire(self) -> bool:
        if await self.redis.set(self.key, self.token, nx=True, px=self._lease_ms):
            return True
        # Still ours after this instance stepped down (Redis was slow to answer): take it back.
        return await self._renew()

    async def _renew(self) -> bool:
        return bool(await self._extend(keys=[self.key], args=[self.token, self._lease_ms]))

    async def _release(self) -> None:
        await self._delete(keys=[self.key], args=[self.token])
