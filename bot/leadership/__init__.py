"""Which instance runs each background job: a Redis lease, a PostgreSQL advisory lock, or the only one."""

from __future__ import annotations

from pydantic import SecretStr
from redis.asyncio import Redis

from bot.config import Settings
from bot.leadership.base import LEASE_SECONDS, Leaders, Leadership, LocalLeadership
from bot.leadership.pg_lock import PgLockSession, PostgresLeadership, lock_id
from bot.leadership.redis_lease import RedisLeadership, instance_token

__all__ = [
    "LEASE_SECONDS",
    "Leaders",
    "Leadership",
    "LocalLeadership",
    "PgLockSession",
    "PostgresLeadership",
    "RedisLeadership",
    "create_leaders",
    "postgres_url",
]


def postgres_url(settings: Settings) -> str | None:
    """DATABASE_URL when it names a PostgreSQL database; None for SQLite (DATABASE_PATH)."""
    value = getattr(settings, "database_url", None)
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str) or not value.strip():
        return None
    value = value.strip()
    return value if value.lower().startswith(("postgres://", "postgresql://")) else None


def create_leaders(
    settings: Settings, *, namespace: str, redis: Redis | None, lease: float = LEASE_SECONDS
) -> Leaders:
    """Redis leases when REDIS_URL is set, else advisory locks on PostgreSQL, else a lone instance.

    `namespace` keeps the jobs of different bots apart (the bot id): `leader:<namespace>:<job>` in Redis.
    """
    if redis is not None:
        token = instance_token()
        return Leaders(
            lambda name: RedisLeadership(name, redis, f"leader:{namespace}:{name}", token=token, lease=lease),
            description=f"Redis leases of {lease:g} s (instance {token})",
        )
    url = postgres_url(settings)
    if url is not None:
        session = PgLockSession(url, keepalive_seconds=max(1, round(lease / 3)))
        return Leaders(
            lambda name: PostgresLeadership(name, session, lock_id(namespace, name), lease=lease),
            description="PostgreSQL advisory locks",
            close=session.close,
        )
    return Leaders(LocalLeadership, description="one instance runs every job")
