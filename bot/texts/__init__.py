"""Every user-facing string, grouped by domain; `from bot import texts`, then `texts.NAME`.

Texts are English gettext msgids translated into the current locale (`bot/i18n.py`). Functions render
in the locale of the moment; a constant such as `texts.BTN_CONFIRM` is translated each time it is read
(this module's `__getattr__`), so it is always in the language of the update or notice at hand. Where
every language is needed (a filter matching a menu button), `texts.every_language("BTN_...")`.
"""

from __future__ import annotations

from types import ModuleType

from bot.i18n import _, in_every_language
from bot.texts import admin, audit, browse, catalog, catalog_admin, common, kinds, language, ordering, views
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
from bot.texts.browse import (
    category_button,
    link_carried,
    link_does_not_fit,
    link_platform_empty,
    link_platform_unknown,
    link_taken,
    platform_button,
    platform_categories,
    search_best_only,
    search_nothing,
    search_results,
    search_too_long,
)
from bot.texts.catalog import (
    page_suffix,
    service_button,
    service_card,
    service_line,
    services_header,
    yes_no,
)
from bot.texts.catalog_admin import (
    currency_mismatch,
    hidden_types,
    provider_charge_above_paid,
    sync_report,
    unreadable_entries,
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
from bot.texts.kinds import (
    DETAIL_MAX_CHARS,
    DETAIL_MAX_LINES,
    ask_input,
    bad_answer_number,
    bad_group,
    bad_hashtag,
    bad_username,
    input_empty,
    input_one_only,
    input_too_few,
    input_too_long,
    input_too_many,
    input_unprintable,
    kind_details,
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
BTN_SEARCH: str
BTN_NEW_SEARCH: str
BTN_PLATFORMS: str
CHOOSE_PLATFORM: str
PLATFORM_GONE: str
ASK_SEARCH: str
SEARCH_CANCELLED: str
SEARCH_EXPIRED: str
SEARCH_TOO_SHORT: str
ASK_COMMENTS: str
ASK_PACKAGE_COMMENTS: str
ASK_ANSWER_NUMBER: str
ASK_COMMENT_AUTHOR: str
ASK_MENTION_USERNAMES: str
ASK_MENTION_LIST: str
ASK_HASHTAGS: str
ASK_HASHTAG: str
ASK_FOLLOWERS_OF: str
ASK_MEDIA: str
ASK_GROUPS: str
INPUT_CANCEL_HINT: str
ATTENTION_PROVIDER_CHARGE: str

_MODULES: tuple[ModuleType, ...] = (
    common,
    catalog,
    ordering,
    views,
    admin,
    audit,
    language,
    browse,
    kinds,
    catalog_admin,
)
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
    "ASK_ANSWER_NUMBER",
    "ASK_COMMENTS",
    "ASK_COMMENT_AUTHOR",
    "ASK_FOLLOWERS_OF",
    "ASK_GROUPS",
    "ASK_HASHTAG",
    "ASK_HASHTAGS",
    "ASK_MEDIA",
    "ASK_MENTION_LIST",
    "ASK_MENTION_USERNAMES",
    "ASK_PACKAGE_COMMENTS",
    "ASK_SEARCH",
    "ATTENTION_BAD_PROVIDER_ID",
    "ATTENTION_NONE",
    "ATTENTION_PROVIDER_CHARGE",
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
    "BTN_NEW_SEARCH",
    "BTN_NEXT",
    "BTN_ORDER",
    "BTN_ORDERS",
    "BTN_PLATFORMS",
    "BTN_PREV",
    "BTN_REFILL",
    "BTN_SEARCH",
    "CANCEL_ALREADY",
    "CANCEL_NOT_ALLOWED",
    "CANCEL_REFUSED",
    "CANCEL_REQUESTED",
    "CATALOG_EMPTY",
    "CATEGORY_GONE",
    "CHOOSE_LANGUAGE",
    "CHOOSE_PLATFORM",
    "CONFIRM_AFTER_RESTART",
    "DEDUCT_USAGE",
    "DETAIL_MAX_CHARS",
    "DETAIL_MAX_LINES",
    "ERROR_APOLOGY",
    "HELP",
    "HISTORY_EMPTY",
    "INPUT_CANCEL_HINT",
    "LANGUAGE_UNKNOWN",
    "MARKUP_USAGE",
    "NOTHING_TO_CANCEL",
    "NOT_AVAILABLE",
    "ORDERS_EMPTY",
    "ORDER_CANCELLED",
    "ORDER_NOT_FOUND",
    "ORDER_USAGE",
    "PLACING",
    "PLATFORM_GONE",
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
    "SEARCH_CANCELLED",
    "SEARCH_EXPIRED",
    "SEARCH_TOO_SHORT",
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
    "ask_input",
    "ask_link",
    "ask_quantity",
    "attention_list",
    "audit_clean",
    "audit_problems",
    "bad_answer_number",
    "bad_group",
    "bad_hashtag",
    "bad_username",
    "balance",
    "cancel_outcome",
    "cancel_question",
    "category_button",
    "commands",
    "currency_mismatch",
    "deduct_done",
    "deduct_received",
    "deduct_short",
    "every_language",
    "hidden_types",
    "history_line",
    "history_page",
    "input_empty",
    "input_one_only",
    "input_too_few",
    "input_too_long",
    "input_too_many",
    "input_unprintable",
    "insufficient_at_confirm",
    "kind_details",
    "language_set",
    "link_carried",
    "link_does_not_fit",
    "link_platform_empty",
    "link_platform_unknown",
    "link_taken",
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
    "platform_button",
    "platform_categories",
    "price_changed",
    "price_set",
    "provider_balance",
    "provider_charge_above_paid",
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
    "search_best_only",
    "search_nothing",
    "search_results",
    "search_too_long",
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
    "sync_report",
    "topup_done",
    "topup_received",
    "unreadable_entries",
    "usage_error",
    "user_card",
    "welcome",
    "when",
    "yes_no",
]
