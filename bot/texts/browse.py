"""Browsing by platform, searching the catalogue and orders that start from a link.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from bot.i18n import N_, _, ngettext
from bot.texts.common import q

# --- Platforms and categories ----------------------------------------------------------------------

BTN_SEARCH = N_("🔍 Search")
BTN_NEW_SEARCH = N_("🔍 New search")
BTN_PLATFORMS = N_("« Platforms")

CHOOSE_PLATFORM = N_("🛒 <b>New order</b>\nChoose a platform, or search for a service:")
PLATFORM_GONE = N_("This platform has no services right now. Please choose another one.")


def platform_categories(platform: str) -> str:
    # `platform` is a brand or a translated name from the platform table.
    return _("🛒 <b>{platform}</b>\nChoose a category:").format(platform=q(platform))


def platform_button(name: str, count: int) -> str:
    # No words: a platform's name and its number of services.
    return f"{name} · {count:,}"


def category_button(name: str, count: int) -> str:
    # No words: a provider's category name (shortened to fit a button) and its number of services.
    short = name if len(name) <= 50 else name[:49] + "…"
    return f"{short} · {count:,}"


# --- Search -----------------------------------------------------------------------------------------

ASK_SEARCH = N_(
    "🔍 <b>Search</b>\nSend a few words from the service or category name, or a service number.\n"
    "Send /cancel to stop."
)
SEARCH_CANCELLED = N_("Search cancelled.")
SEARCH_EXPIRED = N_("This search has expired. Please search again.")
SEARCH_TOO_SHORT = N_("Please send at least two letters, or a service number.")


def search_too_long(maximum: int) -> str:
    return ngettext(
        "That is too long for a search: please send at most {maximum} character.",
        "That is too long for a search: please send at most {maximum} characters.",
        maximum,
    ).format(maximum=maximum)


def search_results(query: str, count: int) -> str:
    return ngettext(
        "🔍 {count} service found for “{query}” (price per 1,000):",
        "🔍 {count} services found for “{query}” (price per 1,000):",
        count,
    ).format(count=f"{count:,}", query=q(query))


def search_best_only(shown: int) -> str:
    return ngettext(
        "Showing the best {shown}: add words to narrow the search.",
        "Showing the best {shown}: add words to narrow the search.",
        shown,
    ).format(shown=shown)


def search_nothing(query: str) -> str:
    return _(
        "🔍 Nothing found for “{query}”.\n"
        "Try fewer or other words, part of a word, or a service number; or choose a platform."
    ).format(query=q(query))


# --- A link sent first ------------------------------------------------------------------------------


def link_carried(link: str) -> str:
    return _("🔗 Your link: {link}\nPick a service for it; you will not need to send the link again.").format(
        link=q(link)
    )


def link_platform_unknown(link: str) -> str:
    return _(
        "🔗 Your link: {link}\nWe could not tell which platform it is on: please choose one. "
        "You will not need to send the link again."
    ).format(link=q(link))


def link_platform_empty(link: str, platform: str) -> str:
    return _(
        "🔗 Your link: {link}\nThere are no {platform} services right now; you may choose another "
        "platform. You will not need to send the link again."
    ).format(link=q(link), platform=q(platform))


def link_taken(link: str) -> str:
    return _("🔗 Link: {link}").format(link=q(link))


def link_does_not_fit(reason: str) -> str:
    # `reason` arrives translated (an InputError from bot.orders.validation).
    return _("⚠️ The link you sent does not fit this service: {reason}").format(reason=q(reason))
