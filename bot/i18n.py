"""Languages: gettext catalogues under `locales/`, the current locale per update, and the user's choice.

Texts are English msgids translated through `locales/<lang>/LC_MESSAGES/messages.mo` (aiogram's `I18n`).
The catalogues are read-only data, loaded once per process like any other package resource; the
locale is a context variable, set per update by `RegisterUser` (bot/middlewares.py) and per recipient
by `use_locale` when a job renders a notice for someone else (`bot/notify/notices.py`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DEFAULT_LOCALE = "en"
# The languages the shop speaks, by locale, named in their own language (the /language buttons).
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский"}
# Telegram language codes whose speakers read Russian more readily than English.
_RUSSIAN_READERS = frozenset({"ru", "uk", "be", "kk"})

I18N = I18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain="messages")


def locale_for(language_code: str | None) -> str:
    """The locale a new user starts with, from Telegram's `language_code` (e.g. "uk" or "pt-br")."""
    code = (language_code or "").split("-", 1)[0].strip().lower()
    return "ru" if code in _RUSSIAN_READERS else DEFAULT_LOCALE


def normalise_locale(value: str | None) -> str:
    """A stored locale the shop can speak, falling back to the default."""
    return value if value in LANGUAGES else DEFAULT_LOCALE


def _(msgid: str) -> str:
    """Translate `msgid` into the current locale."""
    return I18N.gettext(msgid)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count, using the current locale's plural forms."""
    return I18N.gettext(singular, plural, n)


def N_(msgid: str) -> str:
    """Mark a message for extraction without translating it yet (translated where it is shown)."""
    return msgid


def current_locale() -> str:
    """The locale texts are rendered in right now."""
    return I18N.current_locale


@contextmanager
def use_locale(locale: str | None) -> Iterator[None]:
    """Render texts in `locale` inside the block (a notice for another user, say)."""
    with I18N.use_locale(normalise_locale(locale)):
        yield


def in_every_language(msgid: str) -> frozenset[str]:
    """Every translation of `msgid`, for matching what a user typed or tapped in any language."""
    return frozenset({msgid, *(I18N.gettext(msgid, locale=locale) for locale in LANGUAGES)})
