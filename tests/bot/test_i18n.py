"""The gettext catalogues against the code: complete, consistent placeholders, compiled files up to date."""

from __future__ import annotations

import gettext
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import texts
from bot.i18n import LANGUAGES, LOCALES_DIR, in_every_language, locale_for, ngettext, use_locale

ROOT = Path(__file__).resolve().parents[2]


def _code_msgids() -> dict[str, str | None]:
    """Every msgid the code passes to `_`, `N_` or `ngettext` (singular -> plural or None)."""
    found: dict[str, str | None] = {}
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, [("**.py", "python")]
        ):
            if isinstance(message, tuple):
                found[message[0]] = message[1]
            else:
                found[message] = None
    return found


def _catalog(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


def _placeholders(text: str) -> set[str]:
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


CODE = _code_msgids()


def test_the_code_has_messages_to_translate() -> None:
    # The extraction itself works: the menu buttons and the greeting are among the msgids.
    assert len(CODE) > 100
    assert texts.msgid("BTN_NEW_ORDER") in CODE and texts.msgid("BTN_LANGUAGE") in CODE


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_every_msgid_of_the_code_is_translated(locale: str) -> None:
    catalog = _catalog(locale)
    missing = [msgid for msgid in CODE if catalog.get(msgid) is None]
    assert missing == [], f"{locale}: msgids missing from the catalogue (run python locales/update.py)"
    untranslated = [
        msgid
        for msgid in CODE
        if not all(_forms(catalog[msgid])) or "fuzzy" in catalog[msgid].flags  # type: ignore[union-attr]
    ]
    assert untranslated == [], f"{locale}: untranslated or fuzzy messages"


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_translations_use_only_the_placeholders_of_their_msgid(locale: str) -> None:
    wrong = []
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        allowed = set().union(*(_placeholders(msgid) for msgid in ids))
        for form in _forms(message):
            if form and not _placeholders(form) <= allowed:
                wrong.append((ids[0], form))
    assert wrong == []


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_each_compiled_catalogue_matches_its_source(locale: str) -> None:
    folder = LOCALES_DIR / locale / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in _catalog(locale):
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            forms = _forms(message)
            for n, expected in ((1, forms[0]), (2, forms[1 if len(forms) > 1 else 0])):
                assert compiled.ngettext(message.id[0], message.id[1], n) == expected, message.id
        else:
            assert compiled.gettext(message.id) == message.string, (
                f"{locale}: messages.mo is stale for {message.id!r}; run python locales/update.py"
            )


def test_catalogues_hold_no_message_the_code_no_longer_uses() -> None:
    for locale in LANGUAGES:
        stale = [
            m.id
            for m in _catalog(locale)
            if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in CODE
        ]
        assert stale == [], f"{locale}: obsolete messages"


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("ru", "ru"),
        ("uk", "ru"),
        ("be", "ru"),
        ("kk", "ru"),
        ("ru-RU", "ru"),
        ("UK", "ru"),
        ("en", "en"),
        ("de", "en"),
        ("pt-br", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_a_new_users_language_comes_from_their_telegram_language(code: str | None, locale: str) -> None:
    assert locale_for(code) == locale


def test_russian_counts_use_real_plural_forms() -> None:
    plurals = {singular: plural for singular, plural in CODE.items() if plural is not None}
    assert plurals, "counts next to nouns go through ngettext"
    distinct = 0
    with use_locale("ru"):
        for singular, plural in plurals.items():
            # Chosen by Russian rules: 21 like 1, 22 like 2, 25 and 11 like 5 (1 заказ, 2 заказа, 5 заказов).
            forms = {n: ngettext(singular, plural, n) for n in (1, 2, 5, 21, 22, 25, 11)}
            assert (forms[21], forms[22], forms[25], forms[11]) == (forms[1], forms[2], forms[5], forms[5])
            distinct += len({forms[1], forms[2], forms[5]}) == 3
    assert distinct > 0, "no count declines its noun in three ways"


def test_menu_buttons_are_recognised_in_every_language() -> None:
    labels = in_every_language(texts.msgid("BTN_BALANCE"))
    with use_locale("ru"):
        russian = texts.BTN_BALANCE
    assert texts.BTN_BALANCE in labels and russian in labels and russian != texts.BTN_BALANCE
