"""Typed results, status vocabularies and errors shared by every provider client."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class RemoteState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    FAILED = "failed"  # the provider said Fail/Error; not terminal, callers decide when to give up
    UNKNOWN = "unknown"  # a status string we do not recognise; never treated as success


_ORDER_STATES: dict[str, RemoteState] = {
    "pending": RemoteState.PENDING,
    "processing": RemoteState.PENDING,
    "awaiting": RemoteState.PENDING,
    "in progress": RemoteState.IN_PROGRESS,
    "inprogress": RemoteState.IN_PROGRESS,
    "active": RemoteState.IN_PROGRESS,
    "completed": RemoteState.COMPLETED,
    "complete": RemoteState.COMPLETED,
    "partial": RemoteState.PARTIAL,
    "canceled": RemoteState.CANCELED,
    "cancelled": RemoteState.CANCELED,
    "refunded": RemoteState.CANCELED,
    "fail": RemoteState.FAILED,
    "failed": RemoteState.FAILED,
    "error": RemoteState.FAILED,
}


def normalise_status_text(raw: str) -> str:
    """Fold a provider status string to lower case with single spaces."""
    # Panels differ in case, underscores and hyphens ("In Progress", "in_progress", "in-progress").
    return " ".join(raw.replace("_", " ").replace("-", " ").lower().split())


def normalise_status(raw: str) -> RemoteState:
    """Map a provider order status string to a RemoteState (UNKNOWN when unrecognised)."""
    return _ORDER_STATES.get(normalise_status_text(raw), RemoteState.UNKNOWN)


class RefillState(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    REJECTED = "rejected"


def normalise_refill_status(raw: str) -> RefillState:
    """Map a refill status string; only Completed and Rejected are terminal, the rest is pending."""
    text = normalise_status_text(raw)
    if text in ("completed", "complete"):
        return RefillState.COMPLETED
    if text == "rejected":
        return RefillState.REJECTED
    return RefillState.PENDING


class ServiceKind(StrEnum):
    """What a service needs to be ordered, normalised from the many spellings of the `type` field."""

    DEFAULT = "default"  # link + quantity
    PACKAGE = "package"  # link only; the rate is the price of one package
    CUSTOM_COMMENTS = "custom_comments"  # link + comments (one per line; quantity = lines)
    CUSTOM_COMMENTS_PACKAGE = "custom_comments_package"  # link + comments; priced per package
    POLL = "poll"  # link + quantity + answer_number
    COMMENT_LIKES = "comment_likes"  # link + quantity + username (the comment's author)
    MENTIONS = "mentions"  # link + quantity + usernames
    MENTIONS_WITH_HASHTAGS = "mentions_with_hashtags"  # link + quantity + usernames + hashtags
    MENTIONS_CUSTOM_LIST = "mentions_custom_list"  # link + usernames (quantity = names)
    MENTIONS_HASHTAG = "mentions_hashtag"  # link + quantity + hashtag
    MENTIONS_USER_FOLLOWERS = "mentions_user_followers"  # link + quantity + usernames
    MENTIONS_MEDIA_LIKERS = "mentions_media_likers"  # link + quantity + media
    INVITES_FROM_GROUPS = "invites_from_groups"  # link + quantity + groups
    SUBSCRIPTIONS = "subscriptions"  # open-ended charge: never sold
    UNKNOWN = "unknown"  # a type this bot does not know: never sold


def normalise_service_type(raw: str) -> ServiceKind:
    """Map a provider's type name ("Custom Comments", "custom_comments", "Custom comments") to a kind."""
    key = re.sub(r"[\s_\-]+", "_", raw.strip().lower()) or "default"
    try:
        return ServiceKind(key)
    except ValueError:
        return ServiceKind.UNKNOWN


@dataclass(frozen=True)
class ProviderService:
    service_id: str
    name: str
    type: str
    category: str
    rate: Decimal  # provider price per 1000 units (per package for package types)
    min: int
    max: int
    refill: bool
    cancel: bool
    dripfeed: bool
    description: str

    @property
    def kind(self) -> ServiceKind:
        """The normalised kind of `type`."""
        return normalise_service_type(self.type)


@dataclass(frozen=True, slots=True)  # thousands per poll cycle: no __dict__ each
class StatusReport:
    order_id: str
    state: RemoteState
    raw_status: str
    charge: Decimal | None
    start_count: int | None
    remains: int | None  # as reported: may be negative (over-delivery) or above the quantity
    currency: str | None
    error: str | None = None  # per-id error text from the provider, if any
    not_found: bool = False  # the provider does not know this id ("Incorrect order ID")


@dataclass(frozen=True)
class StatusChunk:
    """One multi-status request's outcome: its statuses, or the error that lost this chunk only."""

    order_ids: tuple[str, ...]
    statuses: dict[str, StatusReport]
    error: ProviderError | None = None


@dataclass(frozen=True)
class RefillStatus:
    refill_id: str
    state: RefillState
    raw_status: str
    error: str | None = None
    not_found: bool = False  # the provider does not know this refill id ("Refill not found")


@dataclass(frozen=True)
class CancelResult:
    order_id: str
    accepted: bool  # the cancel *request* was accepted; the outcome arrives later through status
    error: str | None = None


@dataclass(frozen=True)
class ProviderBalance:
    amount: Decimal
    currency: str


class ErrorKind(StrEnum):
    REJECTED = "rejected"
    UNAVAILABLE = "unavailable"


class RejectReason(StrEnum):
    BAD_KEY = "bad_key"
    BAD_REQUEST = "bad_request"
    SERVICE = "service"
    LINK = "link"
    QUANTITY = "quantity"
    DUPLICATE = "duplicate"
    FUNDS = "funds"
    NOT_ELIGIBLE = "not_eligible"
    NOT_FOUND = "not_found"
    OTHER = "other"


# Checked in order: wording differs per panel, so classify by substring. "active order ... link" must be
# seen before "link", and "incorrect order id" before the generic checks.
_REASON_RULES: tuple[tuple[RejectReason, tuple[str, ...]], ...] = (
    (RejectReason.BAD_KEY, ("api key", "api is disable")),
    (RejectReason.BAD_REQUEST, ("incorrect request",)),
    (RejectReason.NOT_FOUND, ("incorrect order id", "order not found")),
    (RejectReason.SERVICE, ("service id", "disabled service", "service not found")),
    (RejectReason.DUPLICATE, ("active order",)),
    (RejectReason.LINK, ("link",)),
    (RejectReason.QUANTITY, ("quantity", "minimal", "maximal", "minimum", "maximum")),
    (RejectReason.FUNDS, ("not enough funds", "insufficient", "balance")),
    (RejectReason.NOT_ELIGIBLE, ("not eligible", "cannot be canceled", "cannot be cancelled")),
    (RejectReason.NOT_FOUND, ("not found",)),
)


def classify_rejection(message: str) -> RejectReason:
    """Classify a provider error message by case-insensitive substring."""
    text = message.lower()
    for reason, needles in _REASON_RULES:
        if any(needle in text for needle in needles):
            return reason
    return RejectReason.OTHER


class ProviderError(Exception):
    """Base of every provider failure; the message is safe to show an admin and never holds the key."""

    kind: ErrorKind

    def __init__(self, message: str, *, provider: str = "", action: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.action = action


class ProviderRejected(ProviderError):
    """The provider gave a definite "no" (an `error` reply)."""

    kind = ErrorKind.REJECTED

    def __init__(
        self, message: str, *, reason: RejectReason | None = None, provider: str = "", action: str = ""
    ) -> None:
        super().__init__(message, provider=provider, action=action)
        self.reason = reason if reason is not None else classify_rejection(message)


class ProviderUnavailable(ProviderError):
    """No usable answer: transport failure, timeout, 5xx, 429, non-JSON or an unexpected shape."""

    kind = ErrorKind.UNAVAILABLE

    def __init__(
        self,
        message: str,
        *,
        reached: bool,
        status_code: int | None = None,
        provider: str = "",
        action: str = "",
    ) -> None:
        super().__init__(message, provider=provider, action=action)
        # False only when the request provably never left us (connect failure, pool timeout).
        self.reached = reached
        self.status_code = status_code


class OrderOutcomeUnknown(ProviderUnavailable):
    """An `add` request was sent but no usable answer came back: the order may exist upstream."""

    def __init__(
        self, message: str, *, status_code: int | None = None, provider: str = "", action: str = "add"
    ) -> None:
        super().__init__(message, reached=True, status_code=status_code, provider=provider, action=action)


class Provider(Protocol):
    """What the use-cases need from an upstream panel."""

    name: str
    concurrency: int  # requests a multi-id call keeps in flight at once
    max_ids_per_request: int  # ids one multi-id request carries at most

    async def services(self) -> list[ProviderService]: ...

    async def add(self, service_id: str, *, link: str, quantity: int | None, **extra: str | int) -> str: ...

    async def status(self, order_id: str) -> StatusReport: ...

    async def statuses(self, order_ids: Sequence[str]) -> dict[str, StatusReport]: ...

    async def statuses_chunked(self, order_ids: Sequence[str]) -> list[StatusChunk]: ...

    async def refill(self, order_id: str) -> str: ...

    async def refills(self, order_ids: Sequence[str]) -> dict[str, str | ProviderRejected]: ...

    async def refill_status(self, refill_id: str) -> RefillStatus: ...

    async def refill_statuses(self, refill_ids: Sequence[str]) -> dict[str, RefillStatus]: ...

    async def cancel(self, order_ids: Sequence[str]) -> dict[str, CancelResult]: ...

    async def balance(self) -> ProviderBalance: ...
