"""Refresh the gettext catalogues from the code: `python locales/update.py` (Babel comes with the bot).

1. Extract every `_()`, `N_()` and `ngettext()` msgid from `bot/` and `handlers/` (see `babel.cfg`).
2. Update `locales/<lang>/LC_MESSAGES/messages.po` for every language: new msgids are added (empty in
   Russian, for a translator to fill), msgids the code no longer uses are dropped. English msgids are
   the English text, so the English catalogue is filled with them.
3. Compile each `.po` into the `.mo` the bot loads.

The `.mo` files are committed, so a fresh clone runs without a build step; a test fails when a `.mo`
does not match its `.po`, when a msgid of the code is missing from a catalogue or untranslated, and when a
translation uses a placeholder its msgid does not have.
"""

from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
LANGUAGES = ("en", "ru")
DOMAIN = "messages"


def po_path(language: str) -> Path:
    """Where a language's catalogue lives."""
    return LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """The template: every msgid in the code, as `pybabel extract` finds it."""
    with tempfile.TemporaryDirectory() as folder:
        return _extract_to(Path(folder) / f"{DOMAIN}.pot")


def _extract_to(template: Path) -> Catalog:
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "--no-location",
            "--sort-output",
            "--no-wrap",
            "-F",
            str(ROOT / "babel.cfg"),
            "-o",
            str(template),
            str(ROOT),
        ]
    )
    with template.open("rb") as handle:
        return read_po(handle)


def update(language: str, template: Catalog) -> Catalog:
    """Bring one language's catalogue in line with the template."""
    path = po_path(language)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project="smm-storefront-bot", fuzzy=False)
    # A copy: `update` shares the template's message objects, and English fills them in below.
    catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    if language == "en":
        for message in catalog:
            if message.id:
                message.string = message.id
    for message in catalog:
        message.flags.discard("fuzzy")
    catalog.fuzzy = False
    return catalog


def translated(string: str | tuple[str, ...] | None) -> bool:
    """Whether a catalogue entry has its translation (every plural form, for a plural)."""
    return all(string) if isinstance(string, tuple) else bool(string)


def main() -> int:
    """Extract, update and compile every catalogue; report untranslated messages."""
    template = extract()
    missing = 0
    for language in LANGUAGES:
        catalog = update(language, template)
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, omit_header=False, sort_output=True)
        with path.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
        empty = [
            m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
        ]
        for msgid in empty:
            print(f"{language}: untranslated: {msgid!r}")
        missing += len(empty)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
