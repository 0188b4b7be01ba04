"""aiogram FSM storage: in the database for one instance, in Redis for several; both survive a restart."""

from __future__ import annotations

import copy
import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from aiogram.fsm.storage.memory import SimpleEventIsolation

from storage.fsm import FsmRepo

if TYPE_CHECKING:
    from redis.asyncio import Redis

_MISSING = object()


class SQLiteStorage(BaseStorage):
    """Adapts `storage.fsm.FsmRepo` to aiogram's `BaseStorage`, with a write-through cache.

    aiogram reads the state on every update; the cache answers those reads without a database trip.
    It is exact because one bot process owns the database and every write goes through here.
    """

    def __init__(
        self, repo: FsmRepo, key_builder: KeyBuilder | None = None, *, cache_size: int = 20_000
    ) -> None:
        self.repo = repo
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        self._cache_size = cache_size
        self._states: OrderedDict[str, str | None] = OrderedDict()
        self._data: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    def _remember(self, cache: OrderedDict[str, Any], key: str, value: Any) -> None:
        cache[key] = value
        cache.move_to_end(key)
        while len(cache) > self._cache_size:
            cache.popitem(last=False)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        name = self._key(key)
        await self.repo.set_state(name, value)
        self._remember(self._states, name, value)

    async def get_state(self, key: StorageKey) -> str | None:
        name = self._key(key)
        cached = self._states.get(name, _MISSING)
        if cached is not _MISSING:
            self._states.move_to_end(name)
            return cached  # type: ignore[return-value]
        value = await self.repo.get_state(name)
        self._remember(self._states, name, value)
        return value

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        name = self._key(key)
        value = dict(data)
        await self.repo.set_data(name, value)
        # Cache what a read from the database would return (JSON turns tuples into lists, etc.).
        self._remember(self._data, name, json.loads(json.dumps(value)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        name = self._key(key)
        cached = self._data.get(name)
        if cached is not None:
            self._data.move_to_end(name)
            return copy.deepcopy(cached)
        value = await self.repo.get_data(name)
        self._remember(self._data, name, copy.deepcopy(value))
        return value

    async def close(self) -> None:
        """The database is closed by the application, not by the dispatcher."""


def create_fsm(repo: FsmRepo, redis: Redis | None) -> tuple[BaseStorage, BaseEventIsolation]:
    """Conversation storage and the per-user update lock: in Redis when there is one, else in-process."""
    key_builder = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
    if redis is None:
        # Updates of one user run one at a time, so a double tap cannot race through a conversation.
        # The cache is exact only while this process is the only writer: not on a shared PostgreSQL.
        shared = repo.db.dialect != "sqlite"
        return SQLiteStorage(repo, key_builder, cache_size=0 if shared else 20_000), SimpleEventIsolation()
    from bot.fsm_redis import SharedRedisStorage  # the Redis client library loads only when it is used

    storage = SharedRedisStorage(redis, key_builder)
    # The same across instances: whichever instance receives a user's updates, they run one at a time
    # (a Redis lock per user, expiring after 60 s should its holder die), and the conversation goes on
    # wherever its next update lands. Waiters poll the lock, so under contention order is not guaranteed.
    return storage, storage.create_isolation()
