"""The inputs some kinds of service ask for beyond link and quantity: what each line must look like.

Each input of the kind table (`bot/orders/kinds.py`) names its `add` parameter and the shape of its
values; `parse_input` checks what the customer typed and returns exactly what `add` will carry. The
messages are polite, in the customer's language (`bot/texts/kinds.py`), and plain text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.orders.validation import InputError, parse_link
from bot.texts import kinds as words
from storage.catalog import Service


class Item(StrEnum):
    """What one value (one line) of an input must look like."""

    TEXT = "text"  # free text on one line (a comment)
    USERNAME = "username"  # @name, no spaces
    HASHTAG = "hashtag"  # #tag, no spaces
    LINK = "link"  # a full https:// link
    GROUP = "group"  # a link or a @username
    NUMBER = "number"  # a whole number from 1 to MAX_ANSWER_NUMBER


@dataclass(frozen=True, slots=True)
class Input:
    """One thing a kind of service asks for beyond the link and the quantity."""

    param: str  # the `add` parameter it fills, and its key in a quote's and an order's `extra`
    item: Item
    prompt: str  # msgid of bot/texts/kinds.py
    many: bool = False  # one value per line, sent joined with "\n"
    max_items: int = 1  # for a list that does not count: at most this many lines
    counts: bool = False  # the number of lines is the quantity (within the service's min..max)


MAX_TEXT_LENGTH = 500  # one comment
MAX_ANSWER_NUMBER = 100


# Characters people send to make a message look empty (Hangul fillers, the blank Braille pattern).
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def _blank(line: str) -> bool:
    """Whether a line shows nothing: only spaces, invisible format characters or fillers."""
    return all(ch.isspace() or ch in _FILLERS or unicodedata.category(ch) in ("Cc", "Cf") for ch in line)


_USERNAME = re.compile(r"@?(?=[A-Za-z0-9._\-]*[A-Za-z0-9])[A-Za-z0-9._\-]{1,64}")
_HASHTAG = re.compile(r"#?\w{1,100}")


def _text(value: str, number: int) -> str:
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise InputError(words.input_unprintable(number))
    if len(value) > MAX_TEXT_LENGTH:
        raise InputError(words.input_too_long(number, MAX_TEXT_LENGTH))
    return value


def _username(value: str, number: int) -> str:
    if not _USERNAME.fullmatch(value):
        raise InputError(words.bad_username(value))
    return value


def _hashtag(value: str, number: int) -> str:
    if not _HASHTAG.fullmatch(value):
        raise InputError(words.bad_hashtag(value))
    return value


def _link(value: str, number: int) -> str:
    return parse_link(value, [])


def _group(value: str, number: int) -> str:
    if _USERNAME.fullmatch(value) and not value.lower().startswith("http"):
        return value
    try:
        return parse_link(value, [])
    except InputError:
        raise InputError(words.bad_group(value)) from None


def _number(value: str, number: int) -> str:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_ANSWER_NUMBER:
        raise InputError(words.bad_answer_number(MAX_ANSWER_NUMBER))
    return str(int(value))


_CHECKS: dict[Item, Callable[[str, int], str]] = {
    Item.TEXT: _text,
    Item.USERNAME: _username,
    Item.HASHTAG: _hashtag,
    Item.LINK: _link,
    Item.GROUP: _group,
    Item.NUMBER: _number,
}


def limits(spec: Input, service: Service) -> tuple[int, int]:
    """How many lines an input takes: the service's min..max when they are the quantity, else 1..N."""
    if spec.counts:
        return service.min_quantity, service.max_quantity
    return 1, spec.max_items if spec.many else 1


def parse_input(spec: Input, text: str, service: Service) -> tuple[str, int]:
    """Check what the customer sent for an input; return the value for `add` and its number of lines.

    Blank lines (also those of invisible characters only) and the blanks around each line are dropped;
    lines are joined with "\\n".
    """
    items = [line.strip() for line in text.splitlines() if not _blank(line)]
    if not items:
        raise InputError(words.input_empty())
    if not spec.many and len(items) > 1:
        raise InputError(words.input_one_only())
    low, high = limits(spec, service)
    if len(items) < low:
        raise InputError(words.input_too_few(len(items), low))
    if len(items) > high:
        raise InputError(words.input_too_many(len(items), high))
    check = _CHECKS[spec.item]
    values = [check(item, number) for number, item in enumerate(items, 1)]
    return "\n".join(values), len(values)
