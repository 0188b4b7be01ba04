"""Readers for the per-id replies of status, refill, refill_status and cancel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from providers.base import (
    CancelResult,
    ProviderRejected,
    RefillState,
    RefillStatus,
    RejectReason,
    RemoteState,
    StatusReport,
    classify_rejection,
    normalise_refill_status,
    normalise_status,
)
from providers.parsing import (
    MalformedReply,
    error_of,
    error_text,
    lower_keys,
    lowered,
    text_value,
    to_bool,
    to_decimal,
    to_id,
    to_int,
)


def error_status(order_id: str, message: str) -> StatusReport:
    """Build the result for an id the provider answered with an error."""
    return StatusReport(
        order_id=order_id,
        state=RemoteState.UNKNOWN,
        raw_status="",
        charge=None,
        start_count=None,
        remains=None,
        currency=None,
        error=message,
        not_found=classify_rejection(message) is RejectReason.NOT_FOUND,
    )


# A multi-status reply repeats a handful of status words thousands of times: map each spelling once.
# Only short spellings are remembered, and only so many, whatever a panel sends.
_STATES: dict[str, RemoteState] = {}
_STATES_KEPT = 256
_STATE_LENGTH_KEPT = 40


def _state_of(raw_status: str) -> RemoteState:
    state = _STATES.get(raw_status)
    if state is None:
        state = normalise_status(raw_status)
        if len(raw_status) <= _STATE_LENGTH_KEPT and len(_STATES) < _STATES_KEPT:
            _STATES[raw_status] = state
    return state


def parse_order_status(order_id: str, entry: object) -> StatusReport:
    """Read one order's status object, or a per-id error given as an object or a bare string."""
    if isinstance(entry, str):
        return error_status(order_id, entry)
    if not isinstance(entry, dict):
        raise MalformedReply(f"status entry is a {type(entry).__name__}")
    item = lowered(entry)
    message = error_of(item)
    if message is not None:
        return error_status(order_id, message)
    raw = item.get("status")
    if raw is None or isinstance(raw, dict | list | bool):
        raise MalformedReply("status entry has no status")
    raw_status = raw if type(raw) is str else str(raw)
    currency = text_value(item.get("currency")) or None
    return StatusReport(
        order_id=order_id,
        state=_state_of(raw_status),
        raw_status=raw_status,
        charge=to_decimal(item.get("charge")),
        start_count=to_int(item.get("start_count")),
        remains=to_int(item.get("remains")),
        currency=currency,
    )


def parse_status_map(order_ids: Sequence[str], reply: object) -> dict[str, StatusReport]:
    """Read a multi-status reply keyed by order id; ids missing from the reply are left out."""
    if not isinstance(reply, dict):
        raise MalformedReply(f"expected an object keyed by order id, got a {type(reply).__name__}")
    entries: dict[str, Any] = {str(key).strip(): value for key, value in reply.items()}
    if len(order_ids) == 1 and order_ids[0] not in entries and "status" in lower_keys(reply):
        # A panel that answers a one-id request in the single-status shape.
        entries = {order_ids[0]: reply}
    result: dict[str, StatusReport] = {}
    for order_id in order_ids:
        if order_id not in entries:
            continue
        try:
            result[order_id] = parse_order_status(order_id, entries[order_id])
        except MalformedReply as exc:
            result[order_id] = error_status(order_id, f"unreadable status entry: {exc}")
    return result


def parse_refill_status(refill_id: str, value: object) -> RefillStatus:
    """Read a refill status value: a status string or an {"error": ...} object."""
    message = error_text(value) if isinstance(value, dict) else None
    if message is not None:
        return RefillStatus(
            refill_id=refill_id,
            state=RefillState.PENDING,
            raw_status="",
            error=message,
            not_found=classify_rejection(message) is RejectReason.NOT_FOUND,
        )
    if value is None or isinstance(value, dict | list | bool):
        raise MalformedReply("refill entry has no status")
    raw_status = str(value)
    return RefillStatus(refill_id=refill_id, state=normalise_refill_status(raw_status), raw_status=raw_status)


def parse_refill_status_list(refill_ids: Sequence[str], reply: object) -> dict[str, RefillStatus]:
    """Read a multi refill_status reply: a list of {"refill", "status"} (or an object keyed by id)."""
    pairs: list[tuple[str | None, object]] = []
    if isinstance(reply, list):
        for entry in reply:
            if isinstance(entry, dict):
                item = lower_keys(entry)
                pairs.append((to_id(item.get("refill")), item.get("status")))
    elif isinstance(reply, dict):
        for key, entry in reply.items():
            if isinstance(entry, dict) and error_text(entry) is None:
                entry = lower_keys(entry).get("status")
            pairs.append((str(key).strip(), entry))
    else:
        raise MalformedReply(f"expected a list of refills, got a {type(reply).__name__}")
    wanted = set(refill_ids)
    result: dict[str, RefillStatus] = {}
    for refill_id, status in pairs:
        if refill_id is None or refill_id not in wanted:
            continue
        try:
            result[refill_id] = parse_refill_status(refill_id, status)
        except MalformedReply as exc:
            result[refill_id] = RefillStatus(refill_id, RefillState.PENDING, "", f"unreadable entry: {exc}")
    return result


def _cancel_result(order_id: str, value: object) -> CancelResult:
    if isinstance(value, dict):
        message = error_text(value)
        if message is not None:
            return CancelResult(order_id, accepted=False, error=message)
        value = lower_keys(value).get("status")
    accepted = to_bool(value) or (isinstance(value, str) and value.strip().lower() in ("success", "ok"))
    return CancelResult(order_id, accepted=accepted, error=None if accepted else "cancel not accepted")


def parse_cancel_list(order_ids: Sequence[str], reply: object) -> dict[str, CancelResult]:
    """Read a cancel reply: [{"order": 9, "cancel": 1 | {"error": ...} | {"status": 1}}, ...]."""
    if isinstance(reply, dict) and len(order_ids) == 1 and "cancel" in lower_keys(reply):
        # Single-order dialect: {"cancel": 1}.
        return {order_ids[0]: _cancel_result(order_ids[0], lower_keys(reply)["cancel"])}
    if not isinstance(reply, list):
        raise MalformedReply(f"expected a list of cancel results, got a {type(reply).__name__}")
    wanted = set(order_ids)
    result: dict[str, CancelResult] = {}
    for entry in reply:
        if not isinstance(entry, dict):
            continue
        item = lower_keys(entry)
        order_id = to_id(item.get("order"))
        if order_id is not None and order_id in wanted:
            result[order_id] = _cancel_result(order_id, item.get("cancel"))
    return result


def parse_refill_list(
    order_ids: Sequence[str], reply: object, *, provider: str
) -> dict[str, str | ProviderRejected]:
    """Read a multi refill reply: [{"order": 1, "refill": 1 | {"error": ...}}, ...]."""
    if isinstance(reply, dict) and len(order_ids) == 1 and "refill" in lower_keys(reply):
        # A one-id request answered in the single-refill shape: {"refill": "1"}.
        reply = [{"order": order_ids[0], "refill": lower_keys(reply)["refill"]}]
    if not isinstance(reply, list):
        raise MalformedReply(f"expected a list of refills, got a {type(reply).__name__}")
    wanted = set(order_ids)
    result: dict[str, str | ProviderRejected] = {}
    for entry in reply:
        item = lower_keys(entry) if isinstance(entry, dict) else {}
        order_id = to_id(item.get("order"))
        if order_id is None or order_id not in wanted:
            continue
        message = error_text(item.get("refill"))
        refill_id = to_id(item.get("refill"))
        if message is not None:
            result[order_id] = ProviderRejected(message, provider=provider, action="refill")
        elif refill_id is not None:
            result[order_id] = refill_id
    return result
