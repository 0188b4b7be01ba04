"""Validation of what customers type: links and quantities. Pure functions, messages safe to show."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from bot.i18n import _, ngettext

MAX_LINK_LENGTH = 512

# Platform keyword (as it appears in category or service names) -> hosts its links live on.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "Instagram": ("instagram.com", "instagr.am"),
    "TikTok": ("tiktok.com",),
    "YouTube": ("youtube.com", "youtu.be"),
    "Telegram": ("t.me", "telegram.me", "telegram.dog"),
    "Facebook": ("facebook.com", "fb.com", "fb.watch", "fb.me"),
    "X/Twitter": ("twitter.com", "x.com"),
    "Spotify": ("spotify.com", "spotify.link"),
    "Twitch": ("twitch.tv",),
    "Threads": ("threads.net", "threads.com"),
    "LinkedIn": ("linkedin.com",),
    "SoundCloud": ("soundcloud.com",),
    "Discord": ("discord.gg", "discord.com"),
    "Pinterest": ("pinterest.com", "pin.it"),
    "Reddit": ("reddit.com", "redd.it"),
    "VK": ("vk.com", "vk.ru"),
}

_PLATFORM_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Instagram", re.compile(r"instagram|\big\b", re.IGNORECASE)),
    ("TikTok", re.compile(r"tik\s?tok", re.IGNORECASE)),
    ("YouTube", re.compile(r"you\s?tube|\byt\b", re.IGNORECASE)),
    ("Telegram", re.compile(r"telegram", re.IGNORECASE)),
    ("Facebook", re.compile(r"facebook", re.IGNORECASE)),
    # A bare "X" only counts in capitals, as a word ("X (Twitter) Followers").
    ("X/Twitter", re.compile(r"twitter|tweet|\bX\b")),
    ("Spotify", re.compile(r"spotify", re.IGNORECASE)),
    ("Twitch", re.compile(r"twitch", re.IGNORECASE)),
    ("Threads", re.compile(r"\bthreads\b", re.IGNORECASE)),
    ("LinkedIn", re.compile(r"linked\s?in", re.IGNORECASE)),
    ("SoundCloud", re.compile(r"sound\s?cloud", re.IGNORECASE)),
    ("Discord", re.compile(r"discord", re.IGNORECASE)),
    ("Pinterest", re.compile(r"pinterest", re.IGNORECASE)),
    ("Reddit", re.compile(r"reddit", re.IGNORECASE)),
    ("VK", re.compile(r"\bvk\b|vkontakte", re.IGNORECASE)),
)

_TELEGRAM_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_TELEGRAM_SHORT = re.compile(
    r"(?:t\.me|telegram\.me)/[A-Za-z0-9_+/\-]+(?:\?[A-Za-z0-9_=&\-]*)?", re.IGNORECASE
)
_HOST = re.compile(r"[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9\-]{0,61}[a-z0-9])?)+")
_QUANTITY_PLAIN = re.compile(r"[0-9]{1,12}")
_QUANTITY_GROUPED = re.compile(r"[0-9]{1,3}(?:([ ,\u00a0\u202f'])[0-9]{3})(?:\1[0-9]{3})*")


class InputError(ValueError):
    """Customer input that cannot be used; the message explains why, politely, in the current locale."""


def platforms_of(*names: str) -> list[str]:
    """Return the platforms named in a category or service name, in a stable order."""
    text = " ".join(names)
    return [platform for platform, pattern in _PLATFORM_PATTERNS if pattern.search(text)]


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def parse_link(text: str, platforms: list[str]) -> str:
    """Check a link for an order and return it as given (only surrounding blanks removed)."""
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
        allowed = tuple(domain for platform in platforms for domain in PLATFORMS[platform])
        if not _host_matches(host, allowed):
            names = platforms[0]
            for platform in platforms[1:]:
                names = _("{platforms} or {platform}").format(platforms=names, platform=platform)
            raise InputError(
                _(
                    "This service needs a link to {platforms} (for example https://{example_host}/...)."
                ).format(platforms=names, example_host=PLATFORMS[platforms[0]][0])
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
