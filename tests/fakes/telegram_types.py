"""Value types of the fake Telegram Bot API: errors, what tests read back, and rate-limit buckets."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API error answer; the HTTP status equals error_code, as aiogram expects."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def to_body(self) -> JsonDict:
        """Return the JSON envelope of this error."""
        body: JsonDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def bad_request(reason: str) -> ApiError:
    """Return a 400 error with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True)
class Button:
    """An inline keyboard button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Invoice:
    """The invoice a bot message carries; `payload` is the bot's own and is not shown to the user."""

    title: str
    description: str
    currency: str
    total_amount: int
    payload: str
    start_parameter: str = ""

    def to_api(self) -> JsonDict:
        """Return the Bot API Invoice object (without the payload, as Telegram sends it)."""
        return {
            "title": self.title,
            "description": self.description,
            "start_parameter": self.start_parameter,
            "currency": self.currency,
            "total_amount": self.total_amount,
        }


@dataclass(frozen=True)
class SentMessage:
    """The current state of one bot message in a chat (edits applied)."""

    chat_id: int
    message_id: int
    text: str
    html: str
    buttons: list[list[Button]]
    reply_keyboard: list[list[str]] | None
    date: int
    edited: bool
    revision: int  # global sequence number of the last send or edit; compare with FakeTelegram.mark()
    invoice: Invoice | None = None  # set on invoice messages, whose text is ""
    photo: str | None = None  # file id of a photo message, whose caption is in text and html
    thread_id: int | None = None  # forum topic of the message
    reply_to: int | None = None  # id of the message it explicitly replies to

    def labels(self) -> list[str]:
        """Return every inline button label, row by row."""
        return [button.text for row in self.buttons for button in row]

    def button(self, label: str) -> Button | None:
        """Return the inline button with exactly this label, if any."""
        return next((b for row in self.buttons for b in row if b.text == label), None)


@dataclass(frozen=True)
class CallbackAnswer:
    """An accepted answerCallbackQuery call."""

    callback_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass
class RecordedRequest:
    """One request received by the fake; status stays 0 while it is in flight (long polls)."""

    method: str
    params: JsonDict
    status: int = 0


@dataclass(frozen=True)
class MenuCommand:
    """A command of the bot's menu, as set by setMyCommands."""

    command: str
    description: str


@dataclass
class Stats:
    """Counters a test can assert on."""

    sent_messages: int = 0
    edited_messages: int = 0
    too_many_requests: int = 0
    forbidden: int = 0
    injected_failures: int = 0


@dataclass
class TokenBucket:
    """A token bucket: `rate` tokens per second, holding at most `capacity`."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        """Return a bucket that starts full."""
        return cls(rate=rate, capacity=capacity, tokens=capacity, updated=now)

    def wait_time(self, now: float) -> float:
        """Return the seconds until one token is available (0 when one is available now)."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self) -> None:
        """Consume one token; call after wait_time() returned 0."""
        self.tokens -= 1


def retry_after_seconds(wait: float) -> int:
    """Return Telegram's whole-second retry_after for a wait, at least 1."""
    return max(1, math.ceil(wait))


@dataclass
class StoredMessage:
    """A message in a chat, kept in Bot API shape pieces; a photo's caption is its text."""

    message_id: int
    date: int
    from_bot: bool
    text: str
    html: str
    entities: tuple[JsonDict, ...] = ()
    markup: JsonDict | None = None  # inline keyboard only; reply keyboards are not part of the message
    reply_keyboard: list[list[str]] | None = None
    edit_date: int | None = None
    revision: int = 0
    # Content replacing "text": an invoice (bot) or a service field such as {"successful_payment": {...}}.
    invoice: Invoice | None = None
    service: JsonDict | None = None
    sender: JsonDict | None = None  # the User who sent it; None for the bot's own messages
    photo: str | None = None  # file id of the photo (the largest size the message shows)
    reply_to: int | None = None  # id of the message it explicitly replies to
    thread_id: int | None = None  # forum topic (the id of the topic's creation message)


@dataclass(kw_only=True)
class Conversation(ABC):
    """A chat the bot is in (private chat or group): its messages and per-chat counters."""

    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    sent_count: int = 0
    blocked: bool = False
    reply_keyboard: list[list[str]] | None = None

    @property
    @abstractmethod
    def chat_id(self) -> int:
        """Return the chat's id."""

    @abstractmethod
    def chat_object(self) -> JsonDict:
        """Return the Bot API Chat object of this chat."""

    def allocate_message_id(self) -> int:
        """Return the next message id; user and bot messages share one counter, as in Telegram."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(kw_only=True)
class ChatState(Conversation):
    """One private chat: its user, messages and per-chat counters."""

    user: JsonDict

    @property
    def chat_id(self) -> int:
        """Return the chat's id, which is the user's."""
        chat_id: int = self.user["id"]
        return chat_id

    def chat_object(self) -> JsonDict:
        """Return the Chat object of this private chat."""
        chat: JsonDict = {"id": self.user["id"], "type": "private", "first_name": self.user["first_name"]}
        if "username" in self.user:
            chat["username"] = self.user["username"]
        return chat
