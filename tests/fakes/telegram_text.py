"""Formatted text parameters of the fake Bot API (message text, media captions), validated like Telegram."""

from __future__ import annotations

from dataclasses import dataclass

from tests.fakes.telegram_html import parse_html
from tests.fakes.telegram_params import get_str
from tests.fakes.telegram_types import JsonDict, bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024


@dataclass(frozen=True)
class FormattedText:
    """A text parameter after entity parsing: what the user sees, what the bot sent, and the entities."""

    plain: str
    raw: str
    entities: tuple[JsonDict, ...] = ()


def parse_formatted(params: JsonDict, name: str, entities_name: str) -> FormattedText:
    """Parse the parameter `name` by its parse_mode, or take `entities_name` when there is none."""
    raw = get_str(params, name) or ""
    parse_mode = (get_str(params, "parse_mode") or "").lower()
    if parse_mode == "html":
        parsed = parse_html(raw)
        return FormattedText(parsed.text, raw, tuple(e.to_api() for e in parsed.entities))
    if parse_mode in ("markdown", "markdownv2"):
        return FormattedText(raw, raw)  # not validated by the fake; the project uses HTML
    if parse_mode == "":
        given = params.get(entities_name) or []
        if not isinstance(given, list) or not all(isinstance(e, dict) for e in given):
            raise bad_request("can't parse entities JSON object")
        return FormattedText(raw, raw, tuple(given))
    raise bad_request(f"unsupported parse_mode {parse_mode}")


def parse_message_text(params: JsonDict) -> FormattedText:
    """Return the `text` of sendMessage or editMessageText: 1-4096 characters after entity parsing."""
    text = parse_formatted(params, "text", "entities")
    if not text.plain.strip():
        raise bad_request("message text is empty")
    if len(text.plain) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    return text


def parse_caption(params: JsonDict) -> FormattedText:
    """Return the `caption` of a media message: 0-1024 characters after entity parsing."""
    caption = parse_formatted(params, "caption", "caption_entities")
    if len(caption.plain) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    return caption
