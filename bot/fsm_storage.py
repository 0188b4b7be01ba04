"""aiogram FSM storage on SQLite, so a customer mid-conversation keeps their place across a restart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey

from storage.fsm import FsmRepo


class SQLiteStorage(BaseStorage):
    """Adapts `storage.fsm.FsmRepo` to aiogram's `BaseStorage`."""

    def __init__(self, repo: FsmRepo, key_builder: KeyBuilder | None = None) -> None:
        self.repo = repo
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self.repo.set_state(self._key(key), value)

    async def get_state(self, key: StorageKey) -> str | None:
        return await self.repo.get_state(self._key(key))

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self.repo.set_data(self._key(key), dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self.repo.get_data(self._key(key))

    async def close(self) -> None:
        """The database is closed by the application, not by the dispatcher."""
