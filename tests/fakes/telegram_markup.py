"""reply_markup validation for the fake Bot API, with Telegram's limits on inline keyboards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_types import Button, JsonDict, bad_request

MAX_CALLBACK_DATA_BYTES = 64
# Undocumented but enforced by Telegram (python-telegram-bot's InlineKeyboardMarkupLimit).
MAX_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
_URL_SCHEMES = ("http://", "https://", "tg://")
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "pay",
    "callback_game",
    "copy_text",
)


@dataclass(frozen=True)
class Markup:
    """A validated reply_markup: at most one of its fields is set."""

    inline: JsonDict | None = None  # {"inline_keyboard": [[button, ...], ...]}
    reply_keyboard: list[list[str]] | None = None
    remove_keyboard: bool = False


NO_MARKUP = Markup()


def parse_reply_markup(value: Any, *, inline_only: bool = False) -> Markup:
    """Validate a decoded reply_markup value; raise ApiError(400) with Telegram's wording."""
    if value is None or value == "":
        return NO_MARKUP
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        inline = _parse_inline(value["inline_keyboard"])
        # An empty inline keyboard is how a bot removes the buttons of a message.
        return Markup(inline=inline) if inline["inline_keyboard"] else NO_MARKUP
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in value:
        return Markup(reply_keyboard=_parse_keyboard(value["keyboard"]))
    if value.get("remove_keyboard") is True:
        return Markup(remove_keyboard=True)
    if value.get("force_reply") is True:
        return NO_MARKUP
    raise bad_request("can't parse reply keyboard markup JSON object")


def _parse_inline(rows: Any) -> JsonDict:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array')
    if sum(len(row) for row in rows) > MAX_BUTTONS or any(len(row) > MAX_BUTTONS_PER_ROW for row in rows):
        raise bad_request("reply markup is too long")
    return {"inline_keyboard": [[_parse_inline_button(button) for button in row] for row in rows if row]}


def _parse_inline_button(button: Any) -> JsonDict:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request("BUTTON_TEXT_INVALID")
    actions = [key for key in _INLINE_ACTIONS if button.get(key) is not None]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in actions:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in actions:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(_URL_SCHEMES):
            raise bad_request("BUTTON_URL_INVALID")
    return {"text": text, **{key: button[key] for key in actions}}


def _parse_keyboard(rows: Any) -> list[list[str]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse keyboard button: field "keyboard" must be an Array')
    labels: list[list[str]] = []
    for row in rows:
        labels_row: list[str] = []
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request("can't parse keyboard button: Text must be non-empty")
            labels_row.append(text)
        labels.append(labels_row)
    if not any(labels):
        raise bad_request("keyboard must be non-empty")
    return labels


def buttons_of(markup: JsonDict | None) -> list[list[Button]]:
    """Return the inline buttons of a stored markup for test assertions."""
    if markup is None:
        return []
    return [
        [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
        for row in markup["inline_keyboard"]
    ]
