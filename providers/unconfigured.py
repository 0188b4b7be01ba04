"""A stand-in provider for a shop whose PROVIDER_URL / PROVIDER_KEY are not set yet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from providers.base import (
    CancelResult,
    ProviderBalance,
    ProviderRejected,
    ProviderService,
    ProviderUnavailable,
    RefillStatus,
    StatusChunk,
    StatusReport,
)


class UnconfiguredProvider:
    """Refuses every call as "never reached", so nothing is charged and the bot still starts."""

    def __init__(self, name: str = "main") -> None:
        self.name = name
        self.concurrency = 1
        self.max_ids_per_request = 100

    def _refuse(self, action: str) -> NoReturn:
        raise ProviderUnavailable(
            "the provider is not configured: set PROVIDER_URL and PROVIDER_KEY",
            reached=False,
            provider=self.name,
            action=action,
        )

    async def services(self) -> list[ProviderService]:
        self._refuse("services")

    async def add(self, service_id: str, *, link: str, quantity: int | None, **extra: str | int) -> str:
        self._refuse("add")

    async def status(self, order_id: str) -> StatusReport:
        self._refuse("status")

    async def statuses(self, order_ids: Sequence[str]) -> dict[str, StatusReport]:
        self._refuse("status")

    async def statuses_chunked(self, order_ids: Sequence[str]) -> list[StatusChunk]:
        self._refuse("status")

    async def refill(self, order_id: str) -> str:
        self._refuse("refill")

    async def refills(self, order_ids: Sequence[str]) -> dict[str, str | ProviderRejected]:
        self._refuse("refill")

    async def refill_status(self, refill_id: str) -> RefillStatus:
        self._refuse("refill_status")

    async def refill_statuses(self, refill_ids: Sequence[str]) -> dict[str, RefillStatus]:
        self._refuse("refill_status")

    async def cancel(self, order_ids: Sequence[str]) -> dict[str, CancelResult]:
        self._refuse("cancel")

    async def balance(self) -> ProviderBalance:
        self._refuse("balance")
