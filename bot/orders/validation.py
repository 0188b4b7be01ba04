"""Validation of what customers type: links and quantities. Pure functions, messages safe to show."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.catalog import platforms as platform_table
from bot.i18n import _, ngettext

MAX_LINK_LENGTH = 512

# Display name -> link hosts of every platform that has some (the table lives in bot/catalog/platforms.py).
PLATFORMS: dict[str, tuple[str, ...]] = {row.name: row.hosts for row in platform_table.PLATFORMS if row.hosts}

_TELEGRAM_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_TELEGRAM_SHORT = re.compile(
    r"(?:t\.me|telegram\.me)/[A-Za-z0-9_+/\-]+(?:\?[A-Za-z0-9_=&\-]*)?", re.IGNORECASE
)
_HOST = re.compile(r"[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?)+")
_QUANTITY_PLAIN = re.compile(r"[0-9]{1,12}")
_QUANTITY_GROUPED = re.compile(r"[0-9]{1,3}(?:([ ,\u00a0\u202f'])[0-9]{3})(?:\1[0-9]{3})*")


class InputError(ValueError):
    """Customer input that cannot be used; the message explains why, politely, in the current locale."""


def platforms_of(category: str, *names: str) -> list[str]:
    """Return the platforms (display names) whose links a service takes; empty when any link will do."""
    keys = platform_table.link_platforms(category, " ".join(names))
    return [platform_table.display_msgid(key) for key in keys]


def parse_link(text: str, platforms: list[str]) -> str:
    """Check a link for an order and return it as given (only surrounding blanks removed).

    `platforms` are the display names `platforms_of` returns; the link's host must belong to one of them.
    """
    link = text.strip()
    if not link:
        raise InputError(_("Please send a link."))
    if len(link) > MAX_LINK_LENGTH:
        raise InputError(
            ngettext(
                "This link is too long (at most {max_length} character).",
                "This link is too long (at most {max_length} characters).",
                MAX_LINK_LENGTH,
            ).format(max_length=MAX_LINK_LENGTH)
        )
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in link):
        raise InputError(_("A link cannot contain spaces or line breaks. Please send just the link."))
    if "Telegram" in platforms and (_TELEGRAM_USERNAME.fullmatch(link) or _TELEGRAM_SHORT.fullmatch(link)):
        return link
    parts = urlsplit(link)
    host = (parts.hostname or "").lower() if parts.scheme.lower() in ("http", "https") else ""
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if not host or not _HOST.fullmatch(host) or not port_ok or parts.username or parts.password:
        raise InputError(_("That does not look like a link. Please send a full link starting with https://"))
    if platforms:
        allowed = tuple(domain for name in platforms for domain in PLATFORMS[name])
        if not platform_table.host_matches(host, allowed):
            either = _(platforms[0])
            for name in platforms[1:]:
                either = _("{platforms} or {platform}").format(platforms=either, platform=_(name))
            raise InputError(
                _(
                    "This service needs a link to {platforms} (for example https://{example_host}/...)."
                ).format(platforms=either, example_host=PLATFORMS[platforms[0]][0])
            )
    return link


def parse_quantity(text: str, minimum: int, maximum: int) -> int:
    """Parse a whole quantity ("1000", "1 000", "1,000") within the service's limits."""
    cleaned = text.strip()
    if _QUANTITY_PLAIN.fullmatch(cleaned):
        digits = cleaned
    elif _QUANTITY_GROUPED.fullmatch(cleaned):
        digits = re.sub(r"[^0-9]", "", cleaned)
    else:
        raise InputError(
            _("Please send a whole number from {minimum} to {maximum}.").format(
                minimum=f"{minimum:,}", maximum=f"{maximum:,}"
            )
        )
    quantity = int(digits)
    if not minimum <= quantity <= maximum:
        raise InputError(
            _("The quantity must be from {minimum} to {maximum}.").format(
                minimum=f"{minimum:,}", maximum=f"{maximum:,}"
            )
        )
    return quantity
