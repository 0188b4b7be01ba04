"""Which instance runs each background job: a Redis lease, a PostgreSQL advisory lock, or the only one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.leadership.base import LEASE_SECONDS, Leaders, Leadership, LocalLeadership

if TYPE_CHECKING:
    from redis.asyncio import Redis

# The Redis and PostgreSQL kinds live in `redis_lease` and `pg_lock`, imported only when configured: their
# client libraries are megabytes a one-instance shop never uses.
__all__ = ["LEASE_SECONDS", "Leaders", "Leadership", "LocalLeadership", "create_leaders"]


def create_leaders(
    settings: Settings, *, namespace: str, redis: Redis | None, lease: float = LEASE_SECONDS
) -> Leaders:
    """Redis leases when REDIS_URL is set, else advisory locks on PostgreSQL, else a lone instance.

    `namespace` keeps the jobs of different bots apart (the bot id): `leader:<namespace>:<job>` in Redis.
    """
    if redis is not None:
        from bot.leadership.redis_lease import RedisLeadership, instance_token

        token = instance_token()
        return Leaders(
            lambda name: RedisLeadership(name, redis, f"leader:{namespace}:{name}", token=token, lease=lease),
            description=f"Redis leases of {lease:g} s (instance {token})",
        )
    url = settings.postgres_url
    if url is not None:
        from bot.leadership.pg_lock import PgLockSession, PostgresLeadership, lock_id

        session = PgLockSession(url, keepalive_seconds=max(1, round(lease / 3)))
        return Leaders(
            lambda name: PostgresLeadership(name, session, lock_id(namespace, name), lease=lease),
            description="PostgreSQL advisory locks",
            close=session.close,
        )
    return Leaders(LocalLeadership, description="one instance runs every job")
