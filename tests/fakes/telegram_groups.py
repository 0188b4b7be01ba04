"""Supergroups and forum topics in the fake Bot API: the support group where admins handle tickets.

`Groups` is a component of `FakeBotApi` (as `api.groups`): its `METHODS` join the dispatch table, and
the driver adds groups and posts in them through it. The bot is an administrator of every group added
(it may manage topics, and it receives every message there, as with privacy mode off). Administrators
may post in closed topics, so the fake lets everyone do so.

As in Telegram, a topic's thread id is the id of the service message that created it, and a message in
a topic that replies to nothing carries that service message as `reply_to_message`. Observed wordings:
"chat not found", "message thread not found", TOPIC_ID_INVALID, TOPIC_NOT_MODIFIED. "the chat is not a
forum" and TOPIC_TITLE_EMPTY are close to observed ones; TOPIC_TITLE_TOO_LONG and TOPIC_COLOR_INVALID
are the fake's own.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

from tests.fakes.telegram_params import get_chat_id, get_int, get_optional_int, get_str
from tests.fakes.telegram_types import Conversation, JsonDict, StoredMessage, bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeBotApi

MAX_TOPIC_NAME_LENGTH = 128
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
THREAD_NOT_FOUND = "message thread not found"
_GIFT_TYPES = (
    "unlimited_gifts",
    "limited_gifts",
    "unique_gifts",
    "premium_subscription",
    "gifts_from_channels",
)


@dataclass
class Topic:
    """A forum topic; its thread id is the id of the service message that created it."""

    thread_id: int
    name: str
    icon_color: int
    icon_custom_emoji_id: str | None = None
    closed: bool = False

    def to_api(self) -> JsonDict:
        """Return the Bot API ForumTopic object."""
        topic: JsonDict = {
            "message_thread_id": self.thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }
        if self.icon_custom_emoji_id is not None:
            topic["icon_custom_emoji_id"] = self.icon_custom_emoji_id
        return topic


@dataclass(kw_only=True)
class GroupState(Conversation):
    """A supergroup the bot is in: title, members (user ids), forum topics and messages."""

    id: int
    title: str
    is_forum: bool = False
    members: set[int] = field(default_factory=set)
    topics: dict[int, Topic] = field(default_factory=dict)
    # Message 1 is the service message that created the supergroup; 1 is also the General topic's id.
    next_message_id: int = 2

    @property
    def chat_id(self) -> int:
        """Return the group's id."""
        return self.id

    def chat_object(self) -> JsonDict:
        """Return the Chat object of this supergroup (is_forum only when true, as Telegram sends it)."""
        chat: JsonDict = {"id": self.id, "type": "supergroup", "title": self.title}
        if self.is_forum:
            chat["is_forum"] = True
        return chat


class Groups:
    """The supergroups of one fake bot, getChat, and the forum topic methods."""

    # Canonical method name → implementation attribute of this component.
    METHODS: ClassVar[dict[str, str]] = {
        "getChat": "get_chat",
        "createForumTopic": "create_forum_topic",
        "closeForumTopic": "close_forum_topic",
        "reopenForumTopic": "reopen_forum_topic",
    }

    def __init__(self, api: FakeBotApi) -> None:
        self._api = api
        self.chats: dict[int, GroupState] = {}

    def add(self, chat_id: int, *, title: str, is_forum: bool, members: Iterable[int]) -> GroupState:
        """Put the bot into a new supergroup with these members."""
        if chat_id >= 0:
            raise ValueError(f"a supergroup id is negative (such as -1001234567890), not {chat_id}")
        if chat_id in self.chats:
            raise ValueError(f"group {chat_id} already exists")
        group = self.chats[chat_id] = GroupState(
            id=chat_id, title=title, is_forum=is_forum, members=set(members)
        )
        return group

    def member_chat(self, chat_id: int, user_id: int) -> GroupState:
        """Return the group a user acts in; raise AssertionError unless the bot and the user are in it."""
        group = self.chats.get(chat_id)
        if group is None:
            raise AssertionError(f"the bot is in no group {chat_id}; add it with add_group()")
        if user_id not in group.members:
            raise AssertionError(
                f"user {user_id} is not a member of group {chat_id}: {sorted(group.members)}"
            )
        return group

    def topics(self, chat_id: int) -> list[Topic]:
        """Return copies of a group's forum topics, oldest first."""
        group = self.chats.get(chat_id)
        return [replace(topic) for topic in group.topics.values()] if group else []

    @staticmethod
    def thread_for(chat: Conversation, given: int | None, reply_to: int | None) -> int | None:
        """Return the forum topic a new message goes to: the given one, else the replied message's.

        Raise 400 for a thread that is not a topic of this forum. Private chats ignore the parameter.
        """
        if not isinstance(chat, GroupState):
            return None
        if given is None:
            target = chat.messages.get(reply_to) if reply_to is not None else None
            return target.thread_id if target is not None else None
        if given not in chat.topics:
            raise bad_request(THREAD_NOT_FOUND)
        return given

    # ----------------------------------------------------------------- Bot API methods

    def get_chat(self, params: JsonDict) -> JsonDict:
        """getChat: a ChatFullInfo of a group or of a private chat the bot has."""
        chat = self._api._find_chat(get_chat_id(params))
        if chat is None:
            raise bad_request("chat not found")
        accepts_gifts = not isinstance(chat, GroupState)  # users accept gifts, supergroups none
        return {
            **chat.chat_object(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(_GIFT_TYPES, accepts_gifts),
        }

    def create_forum_topic(self, params: JsonDict) -> JsonDict:
        """createForumTopic: name 1-128 characters, one of Telegram's icon colours; a service message."""
        group = self._forum(params)
        name = get_str(params, "name") or ""
        if not name:
            raise bad_request("TOPIC_TITLE_EMPTY")
        if len(name) > MAX_TOPIC_NAME_LENGTH:
            raise bad_request("TOPIC_TITLE_TOO_LONG")
        color = get_optional_int(params, "icon_color")
        if color is not None and color not in TOPIC_COLORS:
            raise bad_request("TOPIC_COLOR_INVALID")
        emoji = get_str(params, "icon_custom_emoji_id") or None
        created: JsonDict = {"name": name, "icon_color": color or TOPIC_COLORS[0]}
        if emoji is not None:
            created["icon_custom_emoji_id"] = emoji
        root = self._service(group, None, {"forum_topic_created": created})
        assert root.thread_id is not None
        topic = group.topics[root.thread_id] = Topic(root.thread_id, name, color or TOPIC_COLORS[0], emoji)
        return topic.to_api()

    def close_forum_topic(self, params: JsonDict) -> bool:
        """closeForumTopic: close an open topic."""
        return self._set_closed(params, closed=True)

    def reopen_forum_topic(self, params: JsonDict) -> bool:
        """reopenForumTopic: reopen a closed topic."""
        return self._set_closed(params, closed=False)

    # ----------------------------------------------------------------- helpers

    def _forum(self, params: JsonDict) -> GroupState:
        chat = self._api._find_chat(get_chat_id(params))
        if chat is None:
            raise bad_request("chat not found")
        if not isinstance(chat, GroupState) or not chat.is_forum:
            raise bad_request("the chat is not a forum")
        return chat

    def _set_closed(self, params: JsonDict, *, closed: bool) -> bool:
        group = self._forum(params)
        topic = group.topics.get(get_int(params, "message_thread_id"))
        if topic is None:
            raise bad_request("TOPIC_ID_INVALID")
        if topic.closed == closed:
            raise bad_request("TOPIC_NOT_MODIFIED")
        topic.closed = closed
        self._service(
            group, topic.thread_id, {"forum_topic_closed" if closed else "forum_topic_reopened": {}}
        )
        return True

    def _service(self, group: GroupState, thread_id: int | None, content: JsonDict) -> StoredMessage:
        """Store a service message of the bot; with no thread it starts one (a topic's creation message)."""
        message_id = group.allocate_message_id()
        message = StoredMessage(
            message_id=message_id,
            date=int(time.time()),
            from_bot=True,
            text="",
            html="",
            revision=self._api._next_revision(),
            service=content,
            thread_id=thread_id if thread_id is not None else message_id,
        )
        group.messages[message_id] = message
        return message
