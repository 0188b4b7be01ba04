"""The users' side of the fake Telegram: people write, send photos and press buttons, in private or in groups.

`UserSide` extends `FakeBotApi` with the driver methods that queue updates; `FakeTelegram` inherits them.
A chat_id other than the user's own names a group added with `add_group` (the user must be a member).
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_markup import buttons_of
from tests.fakes.telegram_types import ApiError, ChatState, Conversation, JsonDict, StoredMessage


class UserSide(FakeBotApi):
    """Driver methods acting as users; each returns what identifies the queued update."""

    def add_user(
        self,
        user_id: int,
        *,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
    ) -> None:
        """Make a user known (so the bot may message them) without sending an update."""
        self._ensure_chat(
            user_id,
            username=username,
            first_name=first_name,
            last_name=last_name,
            language_code=language_code,
        )

    def add_group(
        self, chat_id: int, *, title: str = "Support", is_forum: bool = False, members: Iterable[int] = ()
    ) -> None:
        """Put the bot into a supergroup (a negative id such as -1001234567890) with these members."""
        self.groups.add(chat_id, title=title, is_forum=is_forum, members=members)

    def enqueue_update(self, payload: JsonDict) -> int:
        """Queue a raw update body such as {"pre_checkout_query": {...}}; return its update_id."""
        return self.updates.put(payload)

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        username: str | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
        chat_id: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Queue a text message from the user; return the update_id.

        It goes to the user's private chat, or to the group `chat_id` (into forum topic `thread_id`).
        `reply_to` is a message id in that chat. Profile fields default to the user's previous ones
        ("User", "en" for a new user).
        """
        chat, sender = self._acting_chat(
            user_id, chat_id, username=username, first_name=first_name, language_code=language_code
        )
        return self._post_as_user(
            chat, sender, text=text, entities=_command_entities(text), reply_to=reply_to, thread_id=thread_id
        )

    async def send_photo(
        self,
        user_id: int,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
        file_id: str | None = None,
    ) -> int:
        """Queue a photo message from the user, as send_text does; return the update_id.

        The photo gets a new file id ("AgAC-fake-0001", ...) unless `file_id` is given; the message's
        `photo` lists its sizes, the largest (with that file id) last.
        """
        chat, sender = self._acting_chat(user_id, chat_id)
        photo = self.photos.issue(file_id)
        return self._post_as_user(
            chat, sender, text=caption or "", photo=photo, reply_to=reply_to, thread_id=thread_id
        )

    async def press(
        self, user_id: int, label: str, *, message_id: int | None = None, chat_id: int | None = None
    ) -> str:
        """Press the inline button with exactly this label in the newest bot message having it.

        The message is in the user's private chat, or in the group `chat_id`. Return the callback
        query id; raise AssertionError listing the available buttons if absent.
        """
        chat, user = self._pressing_chat(user_id, chat_id)
        candidates = self._bot_messages(chat, message_id)
        for message in reversed(candidates):
            button = next((b for row in buttons_of(message.markup) for b in row if b.text == label), None)
            if button is None:
                continue
            if button.callback_data is None:
                raise AssertionError(f"button {label!r} in message {message.message_id} has no callback data")
            return self._press(chat, user, message, button.callback_data)
        available = "; ".join(
            f"#{m.message_id}: {[b.text for row in buttons_of(m.markup) for b in row]}"
            for m in candidates
            if m.markup
        )
        raise AssertionError(
            f"no inline button {label!r} for user {user_id}"
            + (f" in chat {chat_id}" if chat_id is not None else "")
            + (f" in message {message_id}" if message_id is not None else "")
            + f"; available: {available or 'none'}"
        )

    async def press_data(
        self, user_id: int, callback_data: str, *, message_id: int | None = None, chat_id: int | None = None
    ) -> str:
        """Send a callback query with raw (possibly forged) data; return the callback query id.

        Without message_id it attaches to the newest bot message carrying that data, else the newest
        bot message with an inline keyboard, else the newest bot message (of the group `chat_id`, if given).
        """
        chat, user = self._pressing_chat(user_id, chat_id)
        candidates = self._bot_messages(chat, message_id)
        if not candidates:
            raise AssertionError(f"user {user_id} has no bot message to press a button on")
        with_data = [
            m
            for m in candidates
            if any(b.callback_data == callback_data for r in buttons_of(m.markup) for b in r)
        ]
        with_keyboard = [m for m in candidates if m.markup]
        message = (with_data or with_keyboard or candidates)[-1]
        return self._press(chat, user, message, callback_data)

    def redeliver(self, update_id: int) -> int:
        """Queue an earlier update's body again under a new update_id; return the new id.

        Telegram does this when the bot crashed before confirming the update.
        """
        return self.updates.redeliver(update_id)

    # ----------------------------------------------------------------- helpers

    def _acting_chat(
        self, user_id: int, chat_id: int | None, **profile: str | None
    ) -> tuple[Conversation, JsonDict]:
        """Return the chat a user writes in (their private chat unless chat_id names a group) and the user."""
        if chat_id is None or chat_id == user_id:
            chat = self._ensure_chat(user_id, **profile)
            return chat, chat.user
        return self.groups.member_chat(chat_id, user_id), self._user(user_id, **profile)

    def _pressing_chat(self, user_id: int, chat_id: int | None) -> tuple[Conversation, JsonDict]:
        """Return the chat whose buttons a user presses and the user; a private chat must exist."""
        if chat_id is None or chat_id == user_id:
            chat = self._chat_of(user_id)
            return chat, chat.user
        return self.groups.member_chat(chat_id, user_id), self._user(user_id)

    def _post_as_user(
        self,
        chat: Conversation,
        sender: JsonDict,
        *,
        text: str,
        entities: tuple[JsonDict, ...] = (),
        photo: str | None = None,
        reply_to: int | None = None,
        thread_id: int | None = None,
    ) -> int:
        """Store a user's message and queue it as a message update; return the update_id."""
        if reply_to is not None and reply_to not in chat.messages:
            raise AssertionError(f"no message {reply_to} in chat {chat.chat_id} to reply to")
        try:
            thread = self.groups.thread_for(chat, thread_id, reply_to)
        except ApiError as e:
            raise AssertionError(f"chat {chat.chat_id} has no topic {thread_id}: {e.description}") from None
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            from_bot=False,
            text=text,
            html=text,
            entities=entities,
            revision=self._next_revision(),
            sender=sender,
            photo=photo,
            reply_to=reply_to,
            thread_id=thread,
        )
        chat.messages[message.message_id] = message
        return self.updates.put({"message": self.message_object(chat, message)})

    def _press(self, chat: Conversation, user: JsonDict, message: StoredMessage, data: str) -> str:
        callback_id = self._new_callback(user["id"], message.message_id, data)
        self.updates.put(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": user,
                    "message": self.message_object(chat, message),
                    "chat_instance": str(-(10**12) - chat.chat_id),
                    "data": data,
                }
            }
        )
        return callback_id

    def _chat_of(self, user_id: int) -> ChatState:
        chat = self._chats.get(user_id)
        if chat is None:
            raise AssertionError(f"user {user_id} has no chat with the bot")
        return chat

    @staticmethod
    def _bot_messages(chat: Conversation, message_id: int | None) -> list[StoredMessage]:
        messages = [m for m in chat.messages.values() if m.from_bot and m.service is None]
        if message_id is None:
            return messages
        return [m for m in messages if m.message_id == message_id]


def _command_entities(text: str) -> tuple[JsonDict, ...]:
    """Return the bot_command entity Telegram adds to a message starting with /command."""
    if not text.startswith("/") or len(text) < 2:
        return ()
    command = text.split(maxsplit=1)[0]
    return ({"type": "bot_command", "offset": 0, "length": len(command)},)
