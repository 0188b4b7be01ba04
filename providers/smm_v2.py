"""Client for the de-facto "SMM panel API v2" (form POST of `key` + `action`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import httpx

from providers.base import (
    CancelResult,
    OrderOutcomeUnknown,
    ProviderBalance,
    ProviderError,
    ProviderRejected,
    ProviderService,
    ProviderUnavailable,
    RefillStatus,
    RejectReason,
    StatusChunk,
    StatusReport,
    classify_rejection,
)
from providers.batching import chunk_ids, run_chunks, run_merged
from providers.parsing import (
    MalformedReply,
    error_text,
    is_usable_order_id,
    lower_keys,
    read_services,
    to_decimal,
    to_id,
)
from providers.replies import (
    error_status,
    parse_cancel_list,
    parse_order_status,
    parse_refill_list,
    parse_refill_status,
    parse_refill_status_list,
    parse_status_map,
)
from providers.transport import Transport

logger = logging.getLogger(__name__)

MAX_IDS_PER_REQUEST = 100  # documented limit for every multi-id action
_RESERVED_PARAMS = frozenset({"key", "action", "service", "link", "quantity"})


class SmmV2Client:
    """One upstream panel. Every call is a single form POST on the shared http client."""

    def __init__(
        self,
        url: str,
        key: str,
        http: httpx.AsyncClient,
        *,
        name: str = "main",
        concurrency: int = 4,
        max_ids_per_request: int = MAX_IDS_PER_REQUEST,
    ) -> None:
        if concurrency < 1 or max_ids_per_request < 1:
            raise ValueError("concurrency and max_ids_per_request must be positive")
        self.name = name
        self.url = url
        self.concurrency = concurrency
        self.max_ids_per_request = max_ids_per_request
        self._transport = Transport(url, key, http, name=name)

    def __repr__(self) -> str:
        return f"SmmV2Client(name={self.name!r}, url={self.url.split('?', 1)[0]!r})"

    # -- helpers -------------------------------------------------------------------------------------

    def _rejected(self, action: str, message: str) -> ProviderRejected:
        return ProviderRejected(message, provider=self.name, action=action)

    def _malformed(self, action: str, detail: object) -> ProviderUnavailable:
        return ProviderUnavailable(f"{action}: {detail}", reached=True, provider=self.name, action=action)

    def _raise_if_error(self, action: str, payload: object) -> None:
        message = error_text(payload)
        if message is not None:
            raise self._rejected(action, message)

    def _chunks(self, ids: Sequence[str]) -> list[tuple[str, ...]]:
        return chunk_ids(ids, self.max_ids_per_request)

    # -- catalogue and account -----------------------------------------------------------------------

    async def services(self) -> list[ProviderService]:
        """Fetch the catalogue, skipping (and logging) entries that cannot be read."""
        payload = await self._transport.post("services", {})
        self._raise_if_error("services", payload)
        if not isinstance(payload, list):
            # SmartPanel answers an empty catalogue with {"status": "success", "data": "Empty Data"}.
            raise self._malformed("services", f"expected a list of services, got a {type(payload).__name__}")
        # A ServiceList: the sync reports how many entries were skipped, and why.
        return read_services(payload, provider=self.name)

    async def balance(self) -> ProviderBalance:
        """Fetch our balance with the provider."""
        payload = await self._transport.post("balance", {})
        self._raise_if_error("balance", payload)
        item = lower_keys(payload) if isinstance(payload, dict) else {}
        amount = to_decimal(item.get("balance"))
        if amount is None:
            raise self._malformed("balance", "reply has no balance")
        currency = item.get("currency")
        return ProviderBalance(amount=amount, currency=str(currency).strip() if currency else "")

    # -- orders ----------------------------------------------------------------------------------------

    async def add(self, service_id: str, *, link: str, quantity: int | None, **extra: str | int) -> str:
        """Place one order: exactly one attempt, never retried (the API has no idempotency key)."""
        params = {"service": str(service_id), "link": link}
        if quantity is not None:
            params["quantity"] = str(quantity)
        for field, value in extra.items():
            if field in _RESERVED_PARAMS:
                raise ValueError(f"{field!r} cannot be passed as an extra parameter")
            params[field] = str(value)
        try:
            payload = await self._transport.post("add", params)
        except ProviderUnavailable as exc:
            if not exc.reached:
                raise
            raise OrderOutcomeUnknown(
                f"{exc.message}; the order may have been created upstream",
                status_code=exc.status_code,
                provider=self.name,
            ) from exc
        self._raise_if_error("add", payload)
        order_id = to_id(lower_keys(payload).get("order")) if isinstance(payload, dict) else None
        if order_id is None:
            raise OrderOutcomeUnknown(
                "add: the reply has no order id; the order may have been created upstream",
                provider=self.name,
            )
        if not is_usable_order_id(order_id):
            # Stored as-is it would break every comma-joined status request; the order may exist though.
            raise OrderOutcomeUnknown(
                f"add: the reply's order id {order_id[:40]!r} is not usable; "
                "the order may have been created upstream",
                provider=self.name,
            )
        return order_id

    async def status(self, order_id: str) -> StatusReport:
        """Fetch one order's status; an unknown id comes back with not_found=True."""
        order_id = str(order_id).strip()
        payload = await self._transport.post("status", {"order": order_id})
        entry: Any = payload
        if isinstance(payload, dict):
            message = error_text(payload)
            if message is not None:
                if classify_rejection(message) is RejectReason.NOT_FOUND:
                    return error_status(order_id, message)
                raise self._rejected("status", message)
            if "status" not in lower_keys(payload):
                # Some panels wrap even a single status as {"<id>": {...}}.
                values = list(payload.values())
                entry = payload.get(order_id, values[0] if len(values) == 1 else None)
        try:
            return parse_order_status(order_id, entry)
        except MalformedReply as exc:
            raise self._malformed("status", exc) from None

    async def statuses(
        self, order_ids: Sequence[str], *, concurrency: int | None = None
    ) -> dict[str, StatusReport]:
        """Fetch many statuses, 100 ids a request; raise if any request fails (see statuses_chunked)."""
        merged: dict[str, StatusReport] = {}
        for chunk in await self.statuses_chunked(order_ids, concurrency=concurrency):
            if chunk.error is not None:
                raise chunk.error
            merged.update(chunk.statuses)
        return merged

    async def statuses_chunked(
        self, order_ids: Sequence[str], *, concurrency: int | None = None
    ) -> list[StatusChunk]:
        """Fetch many statuses and report each request separately, so one failure loses one chunk only."""
        chunks = self._chunks(order_ids)
        outcomes = await run_chunks(chunks, self._status_chunk, concurrency or self.concurrency)
        return [
            StatusChunk(chunk, {}, outcome)
            if isinstance(outcome, ProviderError)
            else StatusChunk(chunk, outcome)
            for chunk, outcome in zip(chunks, outcomes, strict=True)
        ]

    async def _status_chunk(self, chunk: tuple[str, ...]) -> dict[str, StatusReport]:
        payload = await self._transport.post("status", {"orders": ",".join(chunk)})
        message = error_text(payload)
        if message is not None:
            if len(chunk) == 1 and classify_rejection(message) is RejectReason.NOT_FOUND:
                return {chunk[0]: error_status(chunk[0], message)}
            raise self._rejected("status", message)
        try:
            return parse_status_map(chunk, payload)
        except MalformedReply as exc:
            raise self._malformed("status", exc) from None

    # -- refills ---------------------------------------------------------------------------------------

    async def refill(self, order_id: str) -> str:
        """Request a refill for one order and return the refill id."""
        payload = await self._transport.post("refill", {"order": str(order_id).strip()})
        self._raise_if_error("refill", payload)
        value = lower_keys(payload).get("refill") if isinstance(payload, dict) else None
        self._raise_if_error("refill", value)
        refill_id = to_id(value)
        if refill_id is None:
            raise self._malformed("refill", "reply has no refill id")
        if not is_usable_order_id(refill_id):
            # Stored as-is it would break every comma-joined refill_status request.
            raise self._malformed("refill", f"the reply's refill id {refill_id[:40]!r} is not usable")
        return refill_id

    async def refills(
        self, order_ids: Sequence[str], *, concurrency: int | None = None
    ) -> dict[str, str | ProviderRejected]:
        """Request refills for many orders: a refill id, or the provider's refusal, per order."""
        return await run_merged(self._chunks(order_ids), self._refill_chunk, concurrency or self.concurrency)

    async def _refill_chunk(self, chunk: tuple[str, ...]) -> dict[str, str | ProviderRejected]:
        payload = await self._transport.post("refill", {"orders": ",".join(chunk)})
        self._raise_if_error("refill", payload)
        try:
            return parse_refill_list(chunk, payload, provider=self.name)
        except MalformedReply as exc:
            raise self._malformed("refill", exc) from None

    async def refill_status(self, refill_id: str) -> RefillStatus:
        """Fetch one refill's status; an unknown refill comes back with not_found=True."""
        refill_id = str(refill_id).strip()
        payload = await self._transport.post("refill_status", {"refill": refill_id})
        message = error_text(payload)
        if message is not None and classify_rejection(message) is not RejectReason.NOT_FOUND:
            raise self._rejected("refill_status", message)
        value = payload if message is not None else None
        if value is None and isinstance(payload, dict):
            value = lower_keys(payload).get("status")
        try:
            return parse_refill_status(refill_id, value)
        except MalformedReply as exc:
            raise self._malformed("refill_status", exc) from None

    async def refill_statuses(
        self, refill_ids: Sequence[str], *, concurrency: int | None = None
    ) -> dict[str, RefillStatus]:
        """Fetch many refill statuses, 100 a request; raise if any request fails."""
        return await run_merged(
            self._chunks(refill_ids), self._refill_status_chunk, concurrency or self.concurrency
        )

    async def _refill_status_chunk(self, chunk: tuple[str, ...]) -> dict[str, RefillStatus]:
        payload = await self._transport.post("refill_status", {"refills": ",".join(chunk)})
        self._raise_if_error("refill_status", payload)
        try:
            return parse_refill_status_list(chunk, payload)
        except MalformedReply as exc:
            raise self._malformed("refill_status", exc) from None

    # -- cancel ----------------------------------------------------------------------------------------

    async def cancel(
        self, order_ids: Sequence[str], *, concurrency: int | None = None
    ) -> dict[str, CancelResult]:
        """Ask to cancel orders; acceptance is only a request, the outcome arrives through status."""
        return await run_merged(self._chunks(order_ids), self._cancel_chunk, concurrency or self.concurrency)

    async def _cancel_chunk(self, chunk: tuple[str, ...]) -> dict[str, CancelResult]:
        # Always `orders=`: the documented parameter; `order=` is a known client bug some panels ignore.
        payload = await self._transport.post("cancel", {"orders": ",".join(chunk)})
        self._raise_if_error("cancel", payload)
        try:
            return parse_cancel_list(chunk, payload)
        except MalformedReply as exc:
            raise self._malformed("cancel", exc) from None
