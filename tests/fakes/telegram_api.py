"""Bot API semantics of the fake Telegram server: chats, messages, updates, callbacks and faults.

Transport-free: `FakeBotApi.execute(method, params)` returns (HTTP status, JSON body). The HTTP server
and the test driver live in `tests.fakes.telegram`. Components add methods: payments
(`telegram_payments`), photos (`telegram_media`), groups and forum topics (`telegram_groups`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from tests.fakes.telegram_commands import CommandMenu
from tests.fakes.telegram_faults import FaultInjector, RateLimiter
from tests.fakes.telegram_groups import Groups
from tests.fakes.telegram_markup import Markup, parse_reply_markup
from tests.fakes.telegram_media import Photos
from tests.fakes.telegram_params import (
    get_bool,
    get_chat_id,
    get_float,
    get_int,
    get_optional_int,
    get_str,
)
from tests.fakes.telegram_payments import StarPayments
from tests.fakes.telegram_text import FormattedText, parse_message_text
from tests.fakes.telegram_types import (
    QUERY_TOO_OLD,
    ApiError,
    CallbackAnswer,
    ChatState,
    Conversation,
    JsonDict,
    MenuCommand,
    RecordedRequest,
    Stats,
    StoredMessage,
    bad_request,
)
from tests.fakes.telegram_updates import UpdateQueue
from tests.fakes.telegram_webhook import WebhookDelivery

logger = logging.getLogger(__name__)

MAX_CALLBACK_ANSWER_LENGTH = 200
DEFAULT_TOKEN = "123456:TEST"
CLIENT_CLOSED_REQUEST = 499  # recorded status of a call whose client disconnected first
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"

Handler = Callable[[JsonDict], Any]


@dataclass
class CallbackQueryState:
    """A callback query created by a button press, waiting for answerCallbackQuery."""

    user_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


class FakeBotApi:
    """State and method implementations of the fake Bot API."""

    # Canonical method name → implementation attribute.
    METHODS: ClassVar[dict[str, str]] = {
        "getMe": "_get_me",
        "getUpdates": "_get_updates",
        "setMyCommands": "_set_my_commands",
        "getMyCommands": "_get_my_commands",
        "deleteMyCommands": "_delete_my_commands",
        "sendMessage": "_send_message",
        "editMessageText": "_edit_message_text",
        "editMessageReplyMarkup": "_edit_message_reply_markup",
        "deleteMessage": "_delete_message",
        "answerCallbackQuery": "_answer_callback_query",
        "sendChatAction": "_send_chat_action",
    }

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        per_chat_rate: float | None = None,
        global_rate: float | None = None,
        per_chat_burst: float = 1.0,
        global_burst: float | None = None,
        callback_answer_timeout: float = 15.0,
        pre_checkout_timeout: float = 10.0,
        emit_refunded_payments: bool = True,
        webhook_retry_delay: float = 0.2,
        bot_username: str = "shop_bot",
        bot_first_name: str = "Shop",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.bot_user: JsonDict = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.callback_answer_timeout = callback_answer_timeout
        self.requests: list[RecordedRequest] = []
        self.unknown_calls: list[RecordedRequest] = []
        self.internal_errors: list[BaseException] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.stats = Stats()
        self.updates = UpdateQueue()
        # setWebhook and the delivery of updates to it (retries after webhook_retry_delay, doubling).
        self.webhook = WebhookDelivery(self, retry_delay=webhook_retry_delay)
        self.menu = CommandMenu()
        self.faults = FaultInjector()
        self._clock = clock
        self._users: dict[int, JsonDict] = {}  # every user the fake has seen, by id
        self._chats: dict[int, ChatState] = {}  # private chats, by user id
        self._callbacks: dict[str, CallbackQueryState] = {}
        self._next_callback = 1
        self._revision = 0
        # Telegram Stars: sendInvoice, answerPreCheckoutQuery, refundStarPayment, getStarTransactions.
        self.payments = StarPayments(
            self, pre_checkout_timeout=pre_checkout_timeout, emit_refunded_payments=emit_refunded_payments
        )
        self.photos = Photos(self)
        self.groups = Groups(self)
        components: tuple[tuple[object, dict[str, str]], ...] = (
            (self, self.METHODS),
            (self.payments, StarPayments.METHODS),
            (self.photos, Photos.METHODS),
            (self.groups, Groups.METHODS),
            (self.webhook, WebhookDelivery.METHODS),
        )
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, getattr(target, attribute))
            for target, methods in components
            for name, attribute in methods.items()
        }
        self.set_rate_limits(
            per_chat_rate=per_chat_rate,
            global_rate=global_rate,
            per_chat_burst=per_chat_burst,
            global_burst=global_burst,
        )

    # ----------------------------------------------------------------- fault switches

    def set_rate_limits(
        self,
        *,
        per_chat_rate: float | None = None,
        global_rate: float | None = None,
        per_chat_burst: float = 1.0,
        global_burst: float | None = None,
    ) -> None:
        """Enable (or with None disable) the flood limits in messages per second; buckets start full."""
        self.limiter = RateLimiter(
            self._clock,
            per_chat_rate=per_chat_rate,
            global_rate=global_rate,
            per_chat_burst=per_chat_burst,
            global_burst=global_burst,
        )

    def block(self, user_id: int, *, notify: bool = False) -> None:
        """Make sends and edits to this user fail with 403; notify=True queues a my_chat_member update."""
        chat = self._ensure_chat(user_id)
        chat.blocked = True
        if notify:
            self.updates.put({"my_chat_member": self._member_update(chat, "member", "kicked")})

    def unblock(self, user_id: int, *, notify: bool = False) -> None:
        """Undo block(); notify=True queues a my_chat_member update."""
        chat = self._ensure_chat(user_id)
        chat.blocked = False
        if notify:
            self.updates.put({"my_chat_member": self._member_update(chat, "kicked", "member")})

    def fail_next(
        self,
        method: str,
        status: int = 502,
        count: int = 1,
        *,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` with this error instead of executing them."""
        self.faults.fail_next(method, status, count, description=description, retry_after=retry_after)

    def set_server_error_rate(
        self, rate: float, *, methods: Iterable[str] | None = None, status: int = 502, seed: int = 0
    ) -> None:
        """Fail a random fraction of calls (of `methods`, default all but getUpdates) with `status`."""
        self.faults.set_error_rate(rate, methods=methods, status=status, seed=seed)

    def set_delay(self, method: str, seconds: float) -> None:
        """Delay every answer to `method` by `seconds` (0 removes the delay)."""
        self.faults.set_delay(method, seconds)

    # ----------------------------------------------------------------- dispatch

    async def execute(self, method: str, params: JsonDict) -> tuple[int, JsonDict]:
        """Run one Bot API call and return (HTTP status, JSON body); records it in `requests`."""
        known = self._handlers.get(method.lower())
        record = RecordedRequest(known[0] if known else method, params)
        self.requests.append(record)
        if known is None:
            logger.warning("fake Telegram: unknown method %s", method)
            self.unknown_calls.append(record)
            status, body = 404, ApiError(404, "Not Found: method not found").to_body()
        else:
            try:
                status, body = await self._run(method.lower(), known[1], params)
            except asyncio.CancelledError:
                record.status = CLIENT_CLOSED_REQUEST
                raise
        record.status = status
        return status, body

    async def _run(self, key: str, handler: Handler, params: JsonDict) -> tuple[int, JsonDict]:
        injected = await self.faults.before_call(key)
        if injected is not None:
            self.stats.injected_failures += 1
            return injected.status, injected.to_body()
        try:
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as e:
            return e.status, e.to_body()
        except Exception as e:
            # A bug in the fake must not look like a Telegram answer; tests can assert on internal_errors.
            logger.exception("fake Telegram: %s failed", key)
            self.internal_errors.append(e)
            return 500, ApiError(500, "Internal Server Error").to_body()
        return 200, {"ok": True, "result": result}

    def close(self) -> None:
        """Release pending long polls (they answer an empty list)."""
        self.updates.close()

    # ----------------------------------------------------------------- shared state helpers

    def _user(self, user_id: int, **profile: str | None) -> JsonDict:
        """Return the User object of this id (created with "User", "en" if new), updating its profile."""
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = {
                "id": user_id,
                "is_bot": False,
                "first_name": "User",
                "language_code": "en",
            }
        for key, value in profile.items():
            if value is not None:
                user[key] = value
        return user

    def _ensure_chat(self, user_id: int, **profile: str | None) -> ChatState:
        user = self._user(user_id, **profile)
        chat = self._chats.get(user_id)
        if chat is None:
            chat = self._chats[user_id] = ChatState(user=user)
        return chat

    def _find_chat(self, chat_id: int) -> Conversation | None:
        """Return the private chat or group with this id, if the bot is in it."""
        private = self._chats.get(chat_id)
        return private if private is not None else self.groups.chats.get(chat_id)

    def _next_revision(self) -> int:
        self._revision += 1
        return self._revision

    def _member_update(self, chat: ChatState, old: str, new: str) -> JsonDict:
        new_member: JsonDict = {"status": new, "user": self.bot_user}
        if new == "kicked":
            new_member["until_date"] = 0
        return {
            "chat": chat.chat_object(),
            "from": chat.user,
            "date": int(time.time()),
            "old_chat_member": {"status": old, "user": self.bot_user},
            "new_chat_member": new_member,
        }

    def message_object(
        self, chat: Conversation, message: StoredMessage, *, include_reply: bool = True
    ) -> JsonDict:
        """Return a stored message as a Bot API Message object.

        Its reply_to_message (the explicitly replied message, else its forum topic's creation message,
        as Telegram does) is a Message without a reply_to_message of its own.
        """
        result: JsonDict = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": chat.chat_object(),
            "from": self.bot_user if message.from_bot else message.sender,
        }
        if message.thread_id is not None:
            result["message_thread_id"] = message.thread_id
            result["is_topic_message"] = True
        replied = message.reply_to if message.reply_to is not None else message.thread_id
        if include_reply and replied not in (None, message.message_id) and replied in chat.messages:
            result["reply_to_message"] = self.message_object(
                chat, chat.messages[replied], include_reply=False
            )
        result.update(self._content(message))
        if message.markup is not None:
            result["reply_markup"] = message.markup
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        return result

    def _content(self, message: StoredMessage) -> JsonDict:
        """Return the content fields of a message: invoice, service field, photo and caption, or text."""
        if message.invoice is not None:
            return {"invoice": message.invoice.to_api()}
        if message.service is not None:
            return dict(message.service)
        if message.photo is None:
            content: JsonDict = {"text": message.text}
            entities_key = "entities"
        else:
            content = {"photo": self.photos.sizes(message.photo)}
            if message.text:
                content["caption"] = message.text
            entities_key = "caption_entities"
        if message.entities:
            content[entities_key] = list(message.entities)
        return content

    def _target_chat(self, params: JsonDict) -> Conversation:
        chat = self._find_chat(get_chat_id(params))
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            self.stats.forbidden += 1
            raise ApiError(403, BLOCKED)
        return chat

    def _throttle(self, chat_id: int, *, count_global: bool) -> None:
        try:
            self.limiter.acquire(chat_id, count_global=count_global)
        except ApiError:
            self.stats.too_many_requests += 1
            raise

    # ----------------------------------------------------------------- getMe, updates, webhook, commands

    def _get_me(self, params: JsonDict) -> JsonDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    async def _get_updates(self, params: JsonDict) -> list[JsonDict]:
        allowed = params.get("allowed_updates")
        return await self.updates.get(
            offset=get_optional_int(params, "offset"),
            limit=min(100, max(1, get_int(params, "limit", default=100))),
            timeout=max(0.0, get_float(params, "timeout", 0.0)),
            allowed_updates=list(allowed) if isinstance(allowed, list) else None,
        )

    def _set_my_commands(self, params: JsonDict) -> bool:
        return self.menu.set(params)

    def _get_my_commands(self, params: JsonDict) -> list[JsonDict]:
        return self.menu.get(params)

    def _delete_my_commands(self, params: JsonDict) -> bool:
        return self.menu.delete(params)

    @property
    def allowed_updates(self) -> list[str] | None:
        """Return the update types the bot last asked for (None: Telegram's default set)."""
        return self.updates.allowed_updates

    @property
    def commands(self) -> list[MenuCommand]:
        """Return the menu commands set for the default scope and no language."""
        return self.menu.for_scope()

    # ----------------------------------------------------------------- messages

    def _send_message(self, params: JsonDict) -> JsonDict:
        chat = self._target_chat(params)
        return self._post(chat, params, parse_message_text(params))

    def _post(
        self, chat: Conversation, params: JsonDict, text: FormattedText, *, photo: str | None = None
    ) -> JsonDict:
        """Check the parameters every send shares, store the bot's message and return it as a Message."""
        markup = parse_reply_markup(params.get("reply_markup"))
        reply_to = self._check_reply_target(chat, params)
        thread_id = self.groups.thread_for(chat, get_optional_int(params, "message_thread_id"), reply_to)
        self._throttle(chat.chat_id, count_global=True)
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            from_bot=True,
            text=text.plain,
            html=text.raw,
            entities=text.entities,
            markup=markup.inline,
            reply_keyboard=markup.reply_keyboard,
            revision=self._next_revision(),
            photo=photo,
            reply_to=reply_to,
            thread_id=thread_id,
        )
        chat.messages[message.message_id] = message
        self._apply_reply_keyboard(chat, markup)
        chat.sent_count += 1
        self.stats.sent_messages += 1
        return self.message_object(chat, message)

    @staticmethod
    def _apply_reply_keyboard(chat: Conversation, markup: Markup) -> None:
        if markup.reply_keyboard is not None:
            chat.reply_keyboard = markup.reply_keyboard
        elif markup.remove_keyboard:
            chat.reply_keyboard = None

    @staticmethod
    def _check_reply_target(chat: Conversation, params: JsonDict) -> int | None:
        """Return the id of the message to reply to, None for none or a missing one that may be skipped."""
        reply = params.get("reply_parameters")
        source = reply if isinstance(reply, dict) else {"message_id": params.get("reply_to_message_id")}
        target = get_optional_int(source, "message_id")
        if target is None or target in chat.messages:
            return target
        if get_bool(source, "allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _editable(self, params: JsonDict) -> tuple[Conversation, StoredMessage]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")  # the fake has no inline mode
        chat = self._target_chat(params)
        message = chat.messages.get(get_int(params, "message_id"))
        if message is None:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _edit_message_text(self, params: JsonDict) -> JsonDict:
        chat, message = self._editable(params)
        if message.invoice is not None or message.photo is not None:
            raise bad_request("there is no text in the message to edit")
        text = parse_message_text(params)
        markup = parse_reply_markup(params.get("reply_markup"), inline_only=True)
        # Telegram compares the rendered result: same text, entities and keyboard is "not modified".
        if (text.plain, text.entities, markup.inline) == (message.text, message.entities, message.markup):
            raise bad_request(NOT_MODIFIED)
        self._throttle(chat.chat_id, count_global=False)
        message.text, message.html, message.entities = text.plain, text.raw, text.entities
        return self._finish_edit(chat, message, markup)

    def _edit_message_reply_markup(self, params: JsonDict) -> JsonDict:
        chat, message = self._editable(params)
        markup = parse_reply_markup(params.get("reply_markup"), inline_only=True)
        if markup.inline == message.markup:
            raise bad_request(NOT_MODIFIED)
        return self._finish_edit(chat, message, markup)

    def _finish_edit(self, chat: Conversation, message: StoredMessage, markup: Markup) -> JsonDict:
        message.markup = markup.inline
        message.edit_date = int(time.time())
        message.revision = self._next_revision()
        self.stats.edited_messages += 1
        return self.message_object(chat, message)

    def _delete_message(self, params: JsonDict) -> bool:
        chat = self._find_chat(get_chat_id(params))
        if chat is None:
            raise bad_request("chat not found")
        if chat.messages.pop(get_int(params, "message_id"), None) is None:
            raise bad_request("message to delete not found")
        return True

    def _send_chat_action(self, params: JsonDict) -> bool:
        self._target_chat(params)
        if get_str(params, "action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # ----------------------------------------------------------------- callback queries

    def _answer_callback_query(self, params: JsonDict) -> bool:
        callback_id = get_str(params, "callback_query_id") or ""
        text = get_str(params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        query = self._callbacks.get(callback_id)
        if query is None or query.answered or self._clock() - query.created > self.callback_answer_timeout:
            raise bad_request(QUERY_TOO_OLD)
        query.answered = True
        self.callback_answers.append(
            CallbackAnswer(callback_id, text, get_bool(params, "show_alert"), get_str(params, "url"))
        )
        return True

    def _new_callback(self, user_id: int, message_id: int, data: str) -> str:
        callback_id = str(4_000_000_000_000_000 + self._next_callback)
        self._next_callback += 1
        self._callbacks[callback_id] = CallbackQueryState(user_id, message_id, data, self._clock())
        return callback_id
