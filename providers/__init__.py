"""Upstream SMM panels: typed results, errors and the SMM panel API v2 client."""

from providers.base import (
    CancelResult,
    ErrorKind,
    OrderOutcomeUnknown,
    Provider,
    ProviderBalance,
    ProviderError,
    ProviderRejected,
    ProviderService,
    ProviderUnavailable,
    RefillState,
    RefillStatus,
    RejectReason,
    RemoteState,
    StatusChunk,
    StatusReport,
    classify_rejection,
    normalise_refill_status,
    normalise_status,
)
from providers.parsing import is_usable_order_id
from providers.smm_v2 import SmmV2Client

__all__ = [
    "CancelResult",
    "ErrorKind",
    "OrderOutcomeUnknown",
    "Provider",
    "ProviderBalance",
    "ProviderError",
    "ProviderRejected",
    "ProviderService",
    "ProviderUnavailable",
    "RefillState",
    "RefillStatus",
    "RejectReason",
    "RemoteState",
    "SmmV2Client",
    "StatusChunk",
    "StatusReport",
    "classify_rejection",
    "is_usable_order_id",
    "normalise_refill_status",
    "normalise_status",
]
