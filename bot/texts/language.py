"""Choosing the language the shop speaks.

Values that come from users or the provider are escaped here (`q`).
"""

from __future__ import annotations

from bot.i18n import N_, _

BTN_LANGUAGE = N_("🌐 Language")
CHOOSE_LANGUAGE = N_("🌐 Choose the language of the shop:")
LANGUAGE_UNKNOWN = N_("Sorry, the shop does not speak that language. Choose one of these:")


def language_set(name: str) -> str:
    """Said in the language just chosen."""
    return _("✅ The shop now speaks {language} to you.").format(language=name)
