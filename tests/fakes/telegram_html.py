"""Telegram's HTML parse mode: validate markup and split it into plain text and entities.

The rules follow the Bot API "HTML style" section: a fixed set of tags, only the named entities
&lt; &gt; &amp; &quot; plus numeric ones. One deliberate difference: Telegram keeps a bare "&" as
text, this parser rejects it, so a value that skipped ``html.quote()`` fails loudly in tests.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from tests.fakes.telegram_types import ApiError

# Tag → entity type. "span" is only valid as <span class="tg-spoiler">.
_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_ATTRIBUTE = re.compile(r"""\s+([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_END_TAG = re.compile(r"</\s*([a-zA-Z][a-zA-Z0-9-]*)\s*>")
_PLAIN = re.compile(r"[^&<]+")  # a run of text with no entity and no tag


@dataclass(frozen=True)
class Entity:
    """A formatting entity; offsets and lengths count UTF-16 code units, as Telegram does."""

    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None
    custom_emoji_id: str | None = None

    def to_api(self) -> dict[str, object]:
        """Return the MessageEntity object as the Bot API serialises it."""
        result: dict[str, object] = {"type": self.type, "offset": self.offset, "length": self.length}
        for key in ("url", "language", "custom_emoji_id"):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        return result


@dataclass(frozen=True)
class ParsedText:
    """Plain text with its entities."""

    text: str
    entities: tuple[Entity, ...]


@dataclass
class _Open:
    tag: str
    attributes: dict[str, str]
    start: int  # UTF-16 offset in the plain text


def utf16_len(text: str) -> int:
    """Return the length of text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _error(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {reason}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode())


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML into plain text and entities, raising ApiError(400) like the Bot API."""
    out: list[str] = []
    position = 0  # UTF-16 length of the text emitted so far
    stack: list[_Open] = []
    entities: list[Entity] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _ENTITY.match(source, i)
            if match is None:
                raise _error(f'unsupported HTML entity or bare "&" at byte offset {_byte_offset(source, i)}')
            decoded = html.unescape(match.group())
            out.append(decoded)
            position += utf16_len(decoded)
            i = match.end()
        elif source.startswith("</", i):
            match = _END_TAG.match(source, i)
            if match is None:
                raise _error(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
            name = match.group(1).lower()
            if not stack:
                raise _error(f'Unexpected end tag "{name}" at byte offset {_byte_offset(source, i)}')
            opened = stack.pop()
            if opened.tag != name:
                raise _error(
                    f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                    f'expected "</{opened.tag}>", found "</{name}>"'
                )
            entity = _entity_for(opened, position)
            if entity is not None:
                entities.append(entity)
            i = match.end()
        elif char == "<":
            opened, i = _read_start_tag(source, i, position)
            stack.append(opened)
        else:
            match = _PLAIN.match(source, i)
            assert match is not None  # `char` is neither "&" nor "<"
            run = match.group()
            out.append(run)
            position += utf16_len(run)
            i = match.end()
    if stack:
        raise _error(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e.offset, -e.length))
    return ParsedText("".join(out), tuple(entities))


def _read_start_tag(source: str, i: int, position: int) -> tuple[_Open, int]:
    offset = _byte_offset(source, i)
    match = _START_TAG.match(source, i)
    if match is None:
        raise _error(f'Unsupported start tag "" at byte offset {offset}')
    name = match.group(1).lower()
    if name not in _TAGS:
        raise _error(f'Unsupported start tag "{name}" at byte offset {offset}')
    attributes: dict[str, str] = {}
    j = match.end()
    while (attribute := _ATTRIBUTE.match(source, j)) is not None:
        value = attribute.group(2) or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        attributes[attribute.group(1).lower()] = html.unescape(value)
        j = attribute.end()
    while j < len(source) and source[j].isspace():
        j += 1
    if j >= len(source) or source[j] != ">":
        raise _error(f"Unclosed start tag at byte offset {offset}")
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise _error(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
        raise _error(f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {offset}')
    return _Open(name, attributes, position), j + 1


def _entity_for(opened: _Open, end: int) -> Entity | None:
    length = end - opened.start
    if length == 0:
        return None
    kind = _TAGS[opened.tag]
    if opened.tag == "a":
        href = opened.attributes.get("href")
        if not href:
            return None  # Telegram keeps the text and drops a link without a target
        return Entity(kind, opened.start, length, url=href)
    if opened.tag == "blockquote" and "expandable" in opened.attributes:
        kind = "expandable_blockquote"
    if opened.tag == "tg-emoji":
        return Entity(kind, opened.start, length, custom_emoji_id=opened.attributes["emoji-id"])
    return Entity(kind, opened.start, length)
