"""Every user-facing string, grouped by domain; `from bot import texts`, then `texts.NAME`.

Texts are English gettext msgids translated into the current locale (`bot/i18n.py`). Functions render
in the locale of the moment; a constant such as `texts.BTN_CONFIRM` is translated each time it is read
(this module's `__getattr__`), so it is always in the language of the update or notice at hand. Where
every language is needed (a filter matching a menu button), `texts.every_language("BTN_...")`.
"""

from __future__ import annotations

from types import ModuleType

from bot.i18n import _, in_every_language
from bot.texts import admin, audit, catalog, common, language, ordering, views
from bot.texts.admin import (
    admin_order_card,
    admin_provider_failing,
    admin_refill_lost,
    attention_list,
    deduct_done,
    deduct_received,
    deduct_short,
    markup_set,
    no_such_order,
    no_such_service,
    order_confirmed_notice,
    order_refunded_notice,
    price_set,
    provider_balance,
    provider_failed,
    refund_active,
    refund_done,
    refund_received,
    refund_too_much,
    resolve_id_taken,
    resolve_not_unknown,
    resolved_placed,
    resolved_refunded,
    service_switched,
    settle_done,
    settle_not_active,
    settle_remains_range,
    stats,
    sync_done,
    sync_failed,
    user_card,
)
from bot.texts.audit import (
    AUDIT_SHOWN,
    audit_clean,
    audit_problems,
)
from bot.texts.catalog import (
    page_suffix,
    service_button,
    service_card,
    service_line,
    services_header,
    yes_no,
)
from bot.texts.common import (
    balance,
    commands,
    q,
    topup_done,
    topup_received,
    usage_error,
    welcome,
)
from bot.texts.language import (
    language_set,
)
from bot.texts.ordering import (
    admin_bad_provider_id,
    admin_flagged,
    admin_provider_refused,
    admin_unknown_order,
    ask_link,
    ask_quantity,
    insufficient_at_confirm,
    order_already_placed,
    order_not_placed,
    order_parked,
    order_placed,
    order_settled,
    price_changed,
    reject_reason,
    status_word,
    summary,
    summary_short,
)
from bot.texts.views import (
    cancel_outcome,
    cancel_question,
    history_line,
    history_page,
    order_button,
    order_detail,
    order_line,
    orders_page,
    refill_finished,
    refill_outcome,
    when,
)

# Translated when read (see `__getattr__`); declared here for type checkers.
BTN_NEW_ORDER: str
BTN_BALANCE: str
BTN_MY_ORDERS: str
BTN_HISTORY: str
BTN_HELP: str
HELP: str
NOT_AVAILABLE: str
ERROR_APOLOGY: str
UNKNOWN_INPUT: str
TOPUP_USAGE: str
STALE_BUTTON: str
BTN_BACK: str
BTN_CANCEL: str
BTN_CONFIRM: str
BTN_ORDER: str
BTN_PREV: str
BTN_NEXT: str
BTN_CATEGORIES: str
CATALOG_EMPTY: str
CHOOSE_CATEGORY: str
SERVICE_GONE: str
CATEGORY_GONE: str
REASON_UNREACHABLE: str
ATTENTION_UNKNOWN: str
ATTENTION_BAD_PROVIDER_ID: str
ATTENTION_PROVIDER_REPORTS: str
ORDER_CANCELLED: str
NOTHING_TO_CANCEL: str
PLACING: str
CONFIRM_AFTER_RESTART: str
SUMMARY_EXPIRED: str
SEND_TEXT: str
REFUND_IS_BALANCE: str
BTN_REFILL: str
BTN_CANCEL_ORDER: str
BTN_CANCEL_ORDER_SURE: str
BTN_KEEP_ORDER: str
BTN_ORDERS: str
ORDERS_EMPTY: str
HISTORY_EMPTY: str
ORDER_NOT_FOUND: str
REFILL_REQUESTED: str
REFILL_ALREADY: str
REFILL_NOT_ELIGIBLE: str
REFILL_REFUSED: str
PROVIDER_TRY_LATER: str
CANCEL_REQUESTED: str
CANCEL_ALREADY: str
CANCEL_NOT_ALLOWED: str
CANCEL_REFUSED: str
ADMIN_HELP: str
USER_USAGE: str
DEDUCT_USAGE: str
ORDER_USAGE: str
REFUND_USAGE: str
RESOLVE_USAGE: str
SETTLE_USAGE: str
ATTENTION_USAGE: str
MARKUP_USAGE: str
PRICE_USAGE: str
SERVICE_USAGE: str
ALREADY_APPLIED: str
ATTENTION_NONE: str
BTN_LANGUAGE: str
CHOOSE_LANGUAGE: str
LANGUAGE_UNKNOWN: str

_MODULES: tuple[ModuleType, ...] = (common, catalog, ordering, views, admin, audit, language)
_CONSTANTS: dict[str, str] = {
    name: value
    for module in _MODULES
    for name, value in vars(module).items()
    if name.isupper() and not name.startswith("_") and isinstance(value, str)
}


def __getattr__(name: str) -> str:
    """Translate a text constant into the current locale when it is read."""
    try:
        return _(_CONSTANTS[name])
    except KeyError:
        raise AttributeError(f"module 'bot.texts' has no attribute {name!r}") from None


def msgid(name: str) -> str:
    """The untranslated msgid of a text constant."""
    return _CONSTANTS[name]


def every_language(name: str) -> frozenset[str]:
    """A text constant in every language the shop speaks (to match what a user taps or types)."""
    return in_every_language(_CONSTANTS[name])


__all__ = [
    "ADMIN_HELP",
    "ALREADY_APPLIED",
    "ATTENTION_BAD_PROVIDER_ID",
    "ATTENTION_NONE",
    "ATTENTION_PROVIDER_REPORTS",
    "ATTENTION_UNKNOWN",
    "ATTENTION_USAGE",
    "AUDIT_SHOWN",
    "BTN_BACK",
    "BTN_BALANCE",
    "BTN_CANCEL",
    "BTN_CANCEL_ORDER",
    "BTN_CANCEL_ORDER_SURE",
    "BTN_CATEGORIES",
    "BTN_CONFIRM",
    "BTN_HELP",
    "BTN_HISTORY",
    "BTN_KEEP_ORDER",
    "BTN_LANGUAGE",
    "BTN_MY_ORDERS",
    "BTN_NEW_ORDER",
    "BTN_NEXT",
    "BTN_ORDER",
    "BTN_ORDERS",
    "BTN_PREV",
    "BTN_REFILL",
    "CANCEL_ALREADY",
    "CANCEL_NOT_ALLOWED",
    "CANCEL_REFUSED",
    "CANCEL_REQUESTED",
    "CATALOG_EMPTY",
    "CATEGORY_GONE",
    "CHOOSE_CATEGORY",
    "CHOOSE_LANGUAGE",
    "CONFIRM_AFTER_RESTART",
    "DEDUCT_USAGE",
    "ERROR_APOLOGY",
    "HELP",
    "HISTORY_EMPTY",
    "LANGUAGE_UNKNOWN",
    "MARKUP_USAGE",
    "NOTHING_TO_CANCEL",
    "NOT_AVAILABLE",
    "ORDERS_EMPTY",
    "ORDER_CANCELLED",
    "ORDER_NOT_FOUND",
    "ORDER_USAGE",
    "PLACING",
    "PRICE_USAGE",
    "PROVIDER_TRY_LATER",
    "REASON_UNREACHABLE",
    "REFILL_ALREADY",
    "REFILL_NOT_ELIGIBLE",
    "REFILL_REFUSED",
    "REFILL_REQUESTED",
    "REFUND_IS_BALANCE",
    "REFUND_USAGE",
    "RESOLVE_USAGE",
    "SEND_TEXT",
    "SERVICE_GONE",
    "SERVICE_USAGE",
    "SETTLE_USAGE",
    "STALE_BUTTON",
    "SUMMARY_EXPIRED",
    "TOPUP_USAGE",
    "UNKNOWN_INPUT",
    "USER_USAGE",
    "admin_bad_provider_id",
    "admin_flagged",
    "admin_order_card",
    "admin_provider_failing",
    "admin_provider_refused",
    "admin_refill_lost",
    "admin_unknown_order",
    "ask_link",
    "ask_quantity",
    "attention_list",
    "audit_clean",
    "audit_problems",
    "balance",
    "cancel_outcome",
    "cancel_question",
    "commands",
    "deduct_done",
    "deduct_received",
    "deduct_short",
    "every_language",
    "history_line",
    "history_page",
    "insufficient_at_confirm",
    "language_set",
    "markup_set",
    "msgid",
    "no_such_order",
    "no_such_service",
    "order_already_placed",
    "order_button",
    "order_confirmed_notice",
    "order_detail",
    "order_line",
    "order_not_placed",
    "order_parked",
    "order_placed",
    "order_refunded_notice",
    "order_settled",
    "orders_page",
    "page_suffix",
    "price_changed",
    "price_set",
    "provider_balance",
    "provider_failed",
    "q",
    "refill_finished",
    "refill_outcome",
    "refund_active",
    "refund_done",
    "refund_received",
    "refund_too_much",
    "reject_reason",
    "resolve_id_taken",
    "resolve_not_unknown",
    "resolved_placed",
    "resolved_refunded",
    "service_button",
    "service_card",
    "service_line",
    "service_switched",
    "services_header",
    "settle_done",
    "settle_not_active",
    "settle_remains_range",
    "stats",
    "status_word",
    "summary",
    "summary_short",
    "sync_done",
    "sync_failed",
    "topup_done",
    "topup_received",
    "usage_error",
    "user_card",
    "welcome",
    "when",
    "yes_no",
]
