"""The extra inputs some kinds of service ask for: prompts, checks' messages, summary lines.

The kind table (`bot/orders/kinds.py`) names the prompt of each input; the summary and the admin's order
card show the inputs by their `add` parameter. Values that come from users are escaped here (`q`); the
checks' messages are plain text (the handler escapes them as a whole).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.i18n import N_, _, ngettext
from bot.texts.common import q

# --- Prompts (one per input of the kind table) -------------------------------------------------------

ASK_COMMENTS = N_("Send the comments, one per line: each line is one comment.")
ASK_PACKAGE_COMMENTS = N_("Send the comments for this package, one per line.")
ASK_ANSWER_NUMBER = N_(
    "Which answer should get the votes? Send its number: 1 for the first answer, 2 for the second, and so on."
)
ASK_COMMENT_AUTHOR = N_("Send the username of the comment's author, for example @name.")
ASK_MENTION_USERNAMES = N_("Send the usernames to mention, one per line, for example @name.")
ASK_MENTION_LIST = N_("Send the usernames to mention, one per line: each one is one mention.")
ASK_HASHTAGS = N_("Send the hashtags to use, one per line, for example #travel.")
ASK_HASHTAG = N_("Send the hashtag to take the usernames from, for example #travel.")
ASK_FOLLOWERS_OF = N_("Send the username whose followers should be mentioned, for example @name.")
ASK_MEDIA = N_("Send the link to the post whose likers should be mentioned.")
ASK_GROUPS = N_("Send the groups to invite from, one per line: a link or a @username each.")
INPUT_CANCEL_HINT = N_("Send /cancel to stop.")


def ask_input(prompt: str, *, minimum: int | None = None, maximum: int | None = None) -> str:
    """A prompt (a msgid of this module) with its limits on lines, if any, and the way out."""
    lines = [_(prompt)]
    if minimum is not None and maximum is not None:
        lines.append(
            ngettext(
                "From {minimum} to {maximum} line.", "From {minimum} to {maximum} lines.", maximum
            ).format(minimum=f"{minimum:,}", maximum=f"{maximum:,}")
        )
    elif maximum is not None and maximum > 1:
        lines.append(
            ngettext("At most {maximum} line.", "At most {maximum} lines.", maximum).format(
                maximum=f"{maximum:,}"
            )
        )
    lines.append(_(INPUT_CANCEL_HINT))
    return "\n".join(lines)


# --- What the checks say (plain text: the handler escapes the whole message) -------------------------


def _shown(value: str) -> str:
    """A customer's value, cut short to quote it back."""
    return value if len(value) <= 40 else value[:39] + "…"


def input_empty() -> str:
    return _("This cannot be empty. Please send it as a text message.")


def input_one_only() -> str:
    return _("Please send just one, on a single line.")


def input_too_few(count: int, minimum: int) -> str:
    return ngettext(
        "Please send at least {minimum} line; you sent {count}.",
        "Please send at least {minimum} lines; you sent {count}.",
        minimum,
    ).format(minimum=f"{minimum:,}", count=f"{count:,}")


def input_too_many(count: int, maximum: int) -> str:
    return ngettext(
        "Please send at most {maximum} line; you sent {count}.",
        "Please send at most {maximum} lines; you sent {count}.",
        maximum,
    ).format(maximum=f"{maximum:,}", count=f"{count:,}")


def input_too_long(number: int, maximum: int) -> str:
    return ngettext(
        "Line {number} is too long: at most {maximum} character, please.",
        "Line {number} is too long: at most {maximum} characters, please.",
        maximum,
    ).format(number=number, maximum=f"{maximum:,}")


def input_unprintable(number: int) -> str:
    return _("Line {number} contains characters that cannot be sent. Please use plain text.").format(
        number=number
    )


def bad_username(value: str) -> str:
    return _(
        "“{value}” is not a username. A username has only Latin letters, digits, dots, dashes and "
        "underscores, no spaces: for example @name."
    ).format(value=_shown(value))


def bad_hashtag(value: str) -> str:
    return _(
        "“{value}” is not a hashtag. A hashtag has only letters, digits and underscores, no spaces: "
        "for example #travel."
    ).format(value=_shown(value))


def bad_group(value: str) -> str:
    return _("“{value}” is not a group. Please send a link (https://…) or a @username, one per line.").format(
        value=_shown(value)
    )


def bad_answer_number(maximum: int) -> str:
    return _("Please send the answer's number: a whole number from 1 to {maximum}.").format(maximum=maximum)


# --- The inputs in the summary and on the admin's order card ------------------------------------------

# Lists are shown up to this many lines and characters; the count always says how many there are.
DETAIL_MAX_LINES = 20
DETAIL_MAX_CHARS = 1200

_LIST_HEADERS: dict[str, Callable[[int], str]] = {
    "comments": lambda n: ngettext("{count} comment:", "{count} comments:", n),
    "usernames": lambda n: ngettext("{count} username:", "{count} usernames:", n),
    "hashtags": lambda n: ngettext("{count} hashtag:", "{count} hashtags:", n),
    "groups": lambda n: ngettext("{count} group:", "{count} groups:", n),
}
_SINGLE_LABELS: dict[str, Callable[[], str]] = {
    "answer_number": lambda: _("Answer number: {value}"),
    "username": lambda: _("Username: {value}"),
    "hashtag": lambda: _("Hashtag: {value}"),
    "media": lambda: _("Post: {value}"),
}


def _list_block(header: str, items: list[str]) -> str:
    shown: list[str] = []
    size = 0
    for item in items[:DETAIL_MAX_LINES]:
        size += len(item) + 1
        if shown and size > DETAIL_MAX_CHARS:
            break
        shown.append(item if len(item) <= DETAIL_MAX_CHARS else item[: DETAIL_MAX_CHARS - 1] + "…")
    block = [header.format(count=f"{len(items):,}"), *(q(item) for item in shown)]
    hidden = len(items) - len(shown)
    if hidden:
        block.append(ngettext("…and {count} more.", "…and {count} more.", hidden).format(count=f"{hidden:,}"))
    return "\n".join(block)


def kind_details(extra: Mapping[str, str]) -> str:
    """The extra inputs of an order (`add` parameter -> value), each escaped; empty if there are none."""
    blocks: list[str] = []
    for param, value in extra.items():
        header = _LIST_HEADERS.get(param)
        if header is not None:
            items = value.split("\n")
            blocks.append(_list_block(header(len(items)), items))
            continue
        label = _SINGLE_LABELS.get(param)
        if label is None:  # a parameter this module has no words for: shown as it is named
            blocks.append(f"{q(param)}: {q(value)}")
        else:
            blocks.append(label().format(value=q(value)))
    return "\n".join(blocks)
