"""Platforms as data: one table of the networks services are sold for, how to spot them, their link hosts.

A service's platform is read from its category first, then from its name (`detect_platform`), with the
first row of `PLATFORMS` that matches: rows that must win a tie come first ("Трафик Сайта: Прямые Визиты
из Вконтакте" is website traffic, not VK; "Instagram Threads" is Threads). A few patterns are weak on
their own ("сайт", "medium") and are tried after every named network. A link's platform comes from its
host (`platform_of_link`). Display names are msgids: translated where they are shown (`platform_name`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from bot.i18n import N_, _

OTHER = "other"


@dataclass(frozen=True, slots=True)
class Platform:
    key: str  # stored in services.platform; never change a key once used
    name: str  # display name (a msgid)
    pattern: re.Pattern[str]  # matched against a category or service name
    hosts: tuple[str, ...] = ()  # link hosts (subdomains included); empty: any site

    def matches(self, text: str) -> bool:
        return self.pattern.search(text) is not None


def _platform(key: str, name: str, pattern: str, *hosts: str) -> Platform:
    return Platform(key, name, re.compile(pattern, re.IGNORECASE), hosts)


# Priority order: the first row whose pattern matches wins. Cyrillic stems match their case endings
# ("Одноклассников", "Инстаграме"); `\b` keeps short words ("ВК", "Тг", "IG") from matching inside others.
PLATFORMS: tuple[Platform, ...] = (
    # Services for a website that name a network as the traffic's source: the website wins.
    _platform(
        "website",
        N_("Website traffic"),
        r"трафик\w*\s+(?:для\s+|на\s+)?сайт|посетител\w*\s+(?:\S+\s+){0,3}(?:для\s+|на\s+)?сайт"
        r"|web\s*-?\s*traffic|website\s+(?:traffic|visitors|visits)|traffic\s+(?:for|to)\s+(?:your\s+)?website",
    ),
    _platform(
        "reviews",
        N_("Reviews"),
        r"отзыв\w*\s+(?:\S+\s+){0,2}сайт|публикации\s+отзыв|reviews?\s+(?:for|on)\s+(?:\S+\s+)?(?:web)?sites",
    ),
    _platform("threads", "Threads", r"\bthreads\b|\bтредс", "threads.net", "threads.com"),
    _platform(
        "instagram",
        "Instagram",
        r"instagram|инстагр?ам|\binsta\b|\bинста\b|\big\b",
        "instagram.com",
        "instagr.am",
        "ig.me",
    ),
    _platform("tiktok", "TikTok", r"tik\s?tok|тик\s?ток", "tiktok.com"),
    _platform("youtube", "YouTube", r"you\s?tube|\byt\b|ютуб|ютьюб", "youtube.com", "youtu.be"),
    _platform(
        "telegram",
        "Telegram",
        r"telegra(?:m|\.ph)|телеграм|\bтг\b|\btg\b",
        "t.me",
        "telegram.me",
        "telegram.dog",
        "telegra.ph",
    ),
    _platform(
        "facebook",
        "Facebook",
        r"facebook|\bfb\b|фейсбук|фэйсбук",
        "facebook.com",
        "fb.com",
        "fb.watch",
        "fb.me",
        "fb.gg",
    ),
    # A bare "X" only counts in capitals, as a word ("X (Twitter) Followers", "X — Twitter").
    _platform("x", "X/Twitter", r"twitter|tweet|твит|(?-i:\bX\b)", "twitter.com", "x.com"),
    _platform(
        "vk", "VK", r"\bvk\b|vkontakte|вконтакт|\bвк\b", "vk.com", "vk.ru", "vkvideo.ru", "vkplay.live"
    ),
    _platform(
        "ok", N_("Odnoklassniki"), r"одноклассник|odnoklassniki|\bok\.ru\b", "ok.ru", "odnoklassniki.ru"
    ),
    _platform("dzen", N_("Dzen"), r"\bdzen\b|дзен|zen\.yandex", "dzen.ru", "zen.yandex.ru"),
    _platform("rutube", "Rutube", r"rutube|рутуб", "rutube.ru"),
    _platform("spotify", "Spotify", r"spotify|спотифай", "spotify.com", "spotify.link"),
    _platform("twitch", "Twitch", r"twitch|твич", "twitch.tv"),
    _platform("kick", "Kick", r"\bkick\b|\bкик\b", "kick.com"),
    _platform("discord", "Discord", r"discord|дискорд", "discord.gg", "discord.com", "discordapp.com"),
    _platform("linkedin", "LinkedIn", r"linked\s?in|линкедин", "linkedin.com", "lnkd.in"),
    _platform("pinterest", "Pinterest", r"pinterest|пинтерест", "pinterest.com", "pin.it"),
    _platform("reddit", "Reddit", r"reddit|реддит", "reddit.com", "redd.it"),
    _platform("soundcloud", "SoundCloud", r"sound\s?cloud|саундклауд", "soundcloud.com", "snd.sc"),
    _platform("whatsapp", "WhatsApp", r"whats\s?app|ватсап|вотсап", "whatsapp.com", "wa.me"),
    _platform("snapchat", "Snapchat", r"snap\s?chat|снапчат", "snapchat.com"),
    _platform("likee", "Likee", r"\blikee\b", "likee.video", "likee.com"),
    _platform("kwai", "Kwai", r"\bkwai\b", "kwai.com"),
    _platform("trovo", "Trovo", r"\btrovo\b", "trovo.live"),
    _platform("clubhouse", "Clubhouse", r"clubhouse", "clubhouse.com", "joinclubhouse.com"),
    _platform("quora", "Quora", r"\bquora\b", "quora.com"),
    _platform("tumblr", "Tumblr", r"tumblr", "tumblr.com"),
    _platform("vimeo", "Vimeo", r"\bvimeo\b", "vimeo.com"),
    _platform("dailymotion", "Dailymotion", r"dailymotion", "dailymotion.com", "dai.ly"),
    _platform("deezer", "Deezer", r"deezer", "deezer.com", "deezer.page.link"),
    _platform("audiomack", "Audiomack", r"audiomack", "audiomack.com"),
    _platform("google_play", "Google Play", r"google\s?play|android[-\s]маркет", "play.google.com"),
    # Shopee sells under a dozen country domains: no host check.
    _platform("shopee", "Shopee", r"\bshopee\b"),
    # Weak words: tried after every network, so "Лайки для Instagram | Medium" stays Instagram.
    _platform("website", N_("Website traffic"), r"\bсайт|\bwebsite|\bweb\s*site"),
    _platform("medium", "Medium", r"\bmedium\b", "medium.com"),
)

_BY_KEY: dict[str, Platform] = {}
for _row in PLATFORMS:
    _BY_KEY.setdefault(_row.key, _row)
_OTHER_NAME = N_("Other")
# Longest host first, so "play.google.com" is Google Play before any shorter host could claim it.
_HOSTS: tuple[tuple[str, str], ...] = tuple(
    sorted(
        ((host, row.key) for row in PLATFORMS for host in row.hosts),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
)


@lru_cache(maxsize=4096)
def _detect_text(text: str) -> str | None:
    for row in PLATFORMS:
        if row.matches(text):
            return row.key
    return None


def detect_platform(category: str, name: str = "") -> str:
    """Return the platform key of a service: from its category, else its name, else "other"."""
    # Categories repeat across a catalogue, so the cache makes a 10,000-service sync cheap.
    return _detect_text(category) or _detect_text(name) or OTHER


def keys() -> tuple[str, ...]:
    """Every platform key, in the table's order, "other" last."""
    return (*_BY_KEY, OTHER)


def display_msgid(key: str) -> str:
    """The platform's display name untranslated (a msgid; "Other" for an unknown key)."""
    row = _BY_KEY.get(key)
    return row.name if row is not None else _OTHER_NAME


def platform_name(key: str) -> str:
    """The platform's display name in the current language ("Other" for an unknown key)."""
    return _(display_msgid(key))


def hosts_of(key: str) -> tuple[str, ...]:
    """The link hosts of a platform; empty when any site will do."""
    row = _BY_KEY.get(key)
    return row.hosts if row is not None else ()


def host_matches(host: str, domains: tuple[str, ...]) -> bool:
    """Whether `host` is one of `domains` or a subdomain of one."""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def link_platforms(category: str, name: str = "") -> list[str]:
    """Return the keys of the platforms whose links a service takes; empty when any link will do.

    Every network named in the category or name counts ("Instagram Threads" takes either link), unless
    the service is for a site of the customer's own (website traffic, reviews), which no host check fits.
    """
    if not hosts_of(detect_platform(category, name)):
        return []
    text = f"{category} {name}"
    found: list[str] = []
    for row in PLATFORMS:
        if row.hosts and row.key not in found and row.matches(text):
            found.append(row.key)
    return found


def link_host(text: str) -> str | None:
    """The lower-cased host of a link ("https://www.instagram.com/p/x", "t.me/name"); None if not one."""
    link = text.strip()
    if not link or any(ch.isspace() for ch in link):
        return None
    if "://" not in link:
        link = "https://" + link
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "." not in host:
        return None
    return host.lower().rstrip(".")


def platform_of_link(text: str) -> str | None:
    """Return the platform key of a link from its host (instagram.com, t.me, youtu.be, ...), or None."""
    host = link_host(text)
    if host is None:
        return None
    for domain, key in _HOSTS:
        if host == domain or host.endswith("." + domain):
            return key
    return None
