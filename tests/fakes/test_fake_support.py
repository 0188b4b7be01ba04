"""Photos, replies, groups and forum topics of the fake Bot API, through the real aiogram client over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.enums import ChatType, ContentType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_groups import Topic

ALICE = 1001
ADMIN = 7
OTHER_ADMIN = 8
SUPPORT = -1001234567890
FORUM = -1009876543210


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        fake.add_user(ALICE, username="alice", first_name="Alice")
        fake.add_user(ADMIN, username="admin", first_name="Ada")
        fake.add_group(SUPPORT, title="Support", members=[ADMIN, OTHER_ADMIN])
        fake.add_group(FORUM, title="Tickets", is_forum=True, members=[ADMIN])
        yield fake
        assert fake.internal_errors == []
        assert fake.unknown_calls == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.create_bot()
    yield bot
    await bot.session.close()


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=f"cb:{label}") for label in labels]]
    )


async def next_message(bot: Bot) -> Message:
    """Confirm every queued update and return the message of the newest one."""
    updates = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    message = updates[-1].message
    assert message is not None
    return message


# ---------------------------------------------------------------------------- photos


async def test_user_photo_arrives_in_every_size_with_its_caption(bot: Bot, tg: FakeTelegram) -> None:
    await tg.send_photo(ALICE, caption="my receipt")

    message = await next_message(bot)

    assert message.content_type == ContentType.PHOTO
    assert (message.caption, message.text, message.caption_entities) == ("my receipt", None, None)
    assert message.photo is not None
    assert message.photo[-1].file_id == "AgAC-fake-0001"
    assert [size.width for size in message.photo] == sorted(size.width for size in message.photo)
    assert len({size.file_unique_id for size in message.photo}) == len(message.photo) == 3
    assert message.from_user is not None and message.from_user.username == "alice"


async def test_photo_without_caption_and_with_a_chosen_file_id(bot: Bot, tg: FakeTelegram) -> None:
    await tg.send_photo(ALICE, file_id="AgAC-screenshot")

    message = await next_message(bot)

    assert message.caption is None
    assert message.photo is not None and message.photo[-1].file_id == "AgAC-screenshot"


async def test_bot_sends_a_photo_it_received(bot: Bot, tg: FakeTelegram) -> None:
    await tg.send_photo(ALICE, caption="proof")
    received = await next_message(bot)
    assert received.photo is not None
    file_id = received.photo[-1].file_id

    sent = await bot.send_photo(ADMIN, file_id, caption="<b>Ticket #1</b> from Alice")

    assert sent.photo is not None and sent.photo[-1].file_id == file_id
    assert (sent.caption, sent.text) == ("Ticket #1 from Alice", None)
    assert sent.caption_entities is not None and sent.caption_entities[0].type == "bold"
    shown = await tg.wait_for_message(ADMIN, "Ticket #1")
    assert (shown.photo, shown.html, shown.message_id) == (file_id, "<b>Ticket #1</b> from Alice", 1)
    assert tg.sent_count(ADMIN) == 1
    smaller = await bot.send_photo(ADMIN, received.photo[0].file_id)
    assert smaller.photo is not None and len(smaller.photo) == 1 and smaller.caption is None


async def test_send_photo_refuses_unknown_files_and_long_captions(bot: Bot, tg: FakeTelegram) -> None:
    await tg.send_photo(ALICE)
    file_id = "AgAC-fake-0001"

    for wrong in ("AgAC-never-issued", "https://example.com/cat.jpg"):
        with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
            await bot.send_photo(ALICE, wrong)
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(ALICE, file_id, caption="x" * 1025)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_photo(ALICE, file_id, caption="Tom & Jerry")
    await bot.send_photo(ALICE, file_id, caption="<i>" + "x" * 1024 + "</i>")  # counted after parsing

    assert len(tg.messages(ALICE)) == 1


async def test_an_uploaded_photo_gets_a_new_file_id(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_photo(ALICE, BufferedInputFile(b"\x89PNG", filename="chart.png"))

    assert sent.photo is not None
    reused = await bot.send_photo(ALICE, sent.photo[-1].file_id)
    assert reused.photo == sent.photo


async def test_send_photo_obeys_blocking_throttling_and_edit_rules(bot: Bot, tg: FakeTelegram) -> None:
    await tg.send_photo(ALICE)
    file_id = "AgAC-fake-0001"
    tg.block(ALICE)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_photo(ALICE, file_id)
    tg.unblock(ALICE)

    tg.set_rate_limits(per_chat_rate=1.0)
    sent = await bot.send_photo(ALICE, file_id, caption="chart", reply_markup=keyboard("Close"))
    with pytest.raises(TelegramRetryAfter):
        await bot.send_photo(ALICE, file_id)

    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=sent.message_id)
    edited = await bot.edit_message_reply_markup(chat_id=ALICE, message_id=sent.message_id)
    assert isinstance(edited, Message) and edited.caption == "chart" and edited.reply_markup is None


# ---------------------------------------------------------------------------- replies


async def test_user_reply_carries_the_replied_message(bot: Bot, tg: FakeTelegram) -> None:
    asked = await bot.send_message(ALICE, "Describe the problem", reply_markup=keyboard("Cancel"))
    await tg.send_text(ALICE, "It is stuck", reply_to=asked.message_id)
    first = await next_message(bot)
    await tg.send_photo(ALICE, caption="see", reply_to=first.message_id)

    second = await next_message(bot)

    assert first.reply_to_message is not None
    assert first.reply_to_message.message_id == asked.message_id
    assert first.reply_to_message.from_user is not None and first.reply_to_message.from_user.id == bot.id
    assert first.reply_to_message.text == "Describe the problem"
    assert second.reply_to_message is not None and second.reply_to_message.text == "It is stuck"
    assert second.reply_to_message.reply_to_message is None  # Telegram nests one level only
    with pytest.raises(AssertionError, match="no message 99 in chat 1001"):
        await tg.send_text(ALICE, "x", reply_to=99)


async def test_bot_reply_carries_the_replied_message(bot: Bot, tg: FakeTelegram) -> None:
    await tg.send_text(ALICE, "Where is my order?")
    question = await next_message(bot)

    answer = await bot.send_message(
        ALICE, "On its way", reply_parameters=ReplyParameters(message_id=question.message_id)
    )
    legacy = await bot.send_photo(ALICE, (await _issue_photo(tg)), reply_to_message_id=question.message_id)

    assert answer.reply_to_message is not None and answer.reply_to_message.text == "Where is my order?"
    assert legacy.reply_to_message is not None and legacy.reply_to_message.message_id == question.message_id
    assert [m.reply_to for m in tg.messages(ALICE)] == [question.message_id, question.message_id]
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(ALICE, "x", reply_parameters=ReplyParameters(message_id=99))
    skipped = await bot.send_message(
        ALICE, "x", reply_parameters=ReplyParameters(message_id=99, allow_sending_without_reply=True)
    )
    assert skipped.reply_to_message is None


async def _issue_photo(tg: FakeTelegram) -> str:
    """Have Alice send a photo; return its file id."""
    await tg.send_photo(ALICE, file_id="AgAC-alice")
    return "AgAC-alice"


# ---------------------------------------------------------------------------- groups


async def test_admin_replies_in_the_group_to_the_bots_ticket(bot: Bot, tg: FakeTelegram) -> None:
    ticket = await bot.send_message(SUPPORT, "Ticket #1 from Alice", reply_markup=keyboard("Close"))
    await tg.send_text(ADMIN, "Looking into it", chat_id=SUPPORT, reply_to=ticket.message_id)

    reply = await next_message(bot)

    assert (ticket.chat.id, ticket.chat.type, ticket.chat.title, ticket.chat.is_forum) == (
        SUPPORT,
        ChatType.SUPERGROUP,
        "Support",
        None,
    )
    assert (reply.chat.id, reply.chat.type) == (SUPPORT, ChatType.SUPERGROUP)
    assert reply.from_user is not None and (reply.from_user.id, reply.from_user.first_name) == (ADMIN, "Ada")
    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == ticket.message_id
    assert reply.message_id == ticket.message_id + 1
    assert (await tg.wait_for_message(SUPPORT, "Ticket #1")).message_id == ticket.message_id
    assert tg.messages(ALICE) == []


async def test_admin_presses_a_button_in_the_group(bot: Bot, tg: FakeTelegram) -> None:
    ticket = await bot.send_message(SUPPORT, "Ticket #1", reply_markup=keyboard("Close"))
    callback_id = await tg.press(OTHER_ADMIN, "Close", chat_id=SUPPORT)
    forged_id = await tg.press_data(ADMIN, "cb:Reopen", chat_id=SUPPORT)

    updates = await bot.get_updates(timeout=0)

    queries = [u.callback_query for u in updates if u.callback_query is not None]
    assert [(q.id, q.data, q.from_user.id) for q in queries] == [
        (callback_id, "cb:Close", OTHER_ADMIN),
        (forged_id, "cb:Reopen", ADMIN),
    ]
    message = queries[0].message
    assert isinstance(message, Message)
    assert (message.chat.id, message.message_id) == (SUPPORT, ticket.message_id)
    assert await bot.answer_callback_query(callback_id, text="Closed")
    await bot.edit_message_text("Ticket #1 (closed)", chat_id=SUPPORT, message_id=ticket.message_id)
    assert (await tg.wait_for_message(SUPPORT, "closed")).edited
    assert await bot.delete_message(SUPPORT, ticket.message_id)
    assert tg.last_message(SUPPORT) is None


async def test_group_rules_for_the_bot_and_the_driver(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(-1005555555555, "hello")
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(SUPPORT, "hello", message_thread_id=5)
    with pytest.raises(AssertionError, match="user 1001 is not a member of group"):
        await tg.send_text(ALICE, "let me in", chat_id=SUPPORT)
    with pytest.raises(AssertionError, match="the bot is in no group -1005555555555"):
        await tg.send_photo(ADMIN, chat_id=-1005555555555)
    with pytest.raises(AssertionError, match="no inline button 'Close' for user 7 in chat"):
        await tg.press(ADMIN, "Close", chat_id=SUPPORT)

    tg.set_rate_limits(per_chat_rate=1.0)
    await bot.send_message(SUPPORT, "one")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(SUPPORT, "two")
    await bot.send_message(ALICE, "private chats have their own bucket")


async def test_get_chat_describes_groups_and_private_chats(bot: Bot) -> None:
    group = await bot.get_chat(FORUM)
    private = await bot.get_chat(ALICE)

    assert (group.id, group.type, group.title, group.is_forum) == (FORUM, "supergroup", "Tickets", True)
    assert group.accepted_gift_types.unique_gifts is False
    assert (private.type, private.first_name, private.username) == ("private", "Alice", "alice")
    assert private.max_reaction_count == 11
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat(-1005555555555)


# ---------------------------------------------------------------------------- forum topics


async def test_topics_are_created_closed_and_reopened(bot: Bot, tg: FakeTelegram) -> None:
    topic = await bot.create_forum_topic(FORUM, "Ticket #1 · Alice", icon_color=16766590)
    plain = await bot.create_forum_topic(FORUM, "Ticket #2")

    assert (topic.name, topic.icon_color) == ("Ticket #1 · Alice", 16766590)
    assert plain.icon_color == 7322096 and plain.message_thread_id > topic.message_thread_id
    assert await bot.close_forum_topic(FORUM, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(FORUM, topic.message_thread_id)
    assert tg.topics(FORUM) == [
        Topic(topic.message_thread_id, "Ticket #1 · Alice", 16766590, closed=True),
        Topic(plain.message_thread_id, "Ticket #2", 7322096),
    ]
    assert await bot.reopen_forum_topic(FORUM, topic.message_thread_id)
    assert tg.topics(FORUM)[0].closed is False
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.close_forum_topic(FORUM, 999)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.reopen_forum_topic(FORUM, 999)
    assert tg.messages(FORUM) == []  # service messages are not listed


@pytest.mark.parametrize(
    ("chat_id", "name", "color", "error"),
    [
        (SUPPORT, "Ticket", None, "the chat is not a forum"),
        (ALICE, "Ticket", None, "the chat is not a forum"),
        (-1005555555555, "Ticket", None, "chat not found"),
        (FORUM, "", None, "TOPIC_TITLE_EMPTY"),
        (FORUM, "t" * 129, None, "TOPIC_TITLE_TOO_LONG"),
        (FORUM, "Ticket", 0xFF0000, "TOPIC_COLOR_INVALID"),
    ],
)
async def test_create_forum_topic_refusals(
    bot: Bot, tg: FakeTelegram, chat_id: int, name: str, color: int | None, error: str
) -> None:
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.create_forum_topic(chat_id, name, icon_color=color)

    assert tg.topics(FORUM) == []


async def test_messages_in_a_topic(bot: Bot, tg: FakeTelegram) -> None:
    topic = await bot.create_forum_topic(FORUM, "Ticket #1")
    thread = topic.message_thread_id
    await bot.send_message(FORUM, "In General")

    sent = await bot.send_message(
        FORUM, "New ticket", message_thread_id=thread, reply_markup=keyboard("Close")
    )

    assert (sent.message_thread_id, sent.is_topic_message) == (thread, True)
    assert sent.chat.is_forum is True
    # Telegram makes a topic message without an explicit reply a reply to the topic's creation message.
    root = sent.reply_to_message
    assert root is not None and root.message_id == thread
    assert root.forum_topic_created is not None and root.forum_topic_created.name == "Ticket #1"
    assert [m.text for m in tg.messages(FORUM, thread_id=thread)] == ["New ticket"]
    assert [m.text for m in tg.messages(FORUM)] == ["In General", "New ticket"]
    assert tg.messages(FORUM)[1].thread_id == thread
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(FORUM, "lost", message_thread_id=thread + 100)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_photo(FORUM, await _issue_photo(tg), message_thread_id=1)


async def test_admin_posts_in_a_topic_and_the_bot_replies_there(bot: Bot, tg: FakeTelegram) -> None:
    thread = (await bot.create_forum_topic(FORUM, "Ticket #1")).message_thread_id
    await tg.send_text(ADMIN, "Refund sent", chat_id=FORUM, thread_id=thread)
    note = await next_message(bot)
    await tg.send_photo(ADMIN, caption="receipt", chat_id=FORUM, reply_to=note.message_id)
    photo = await next_message(bot)

    answer = await bot.send_message(
        FORUM, "Noted", reply_parameters=ReplyParameters(message_id=photo.message_id)
    )

    assert (note.message_thread_id, note.is_topic_message) == (thread, True)
    assert note.reply_to_message is not None and note.reply_to_message.forum_topic_created is not None
    assert photo.message_thread_id == thread  # a reply joins the replied message's topic
    assert photo.reply_to_message is not None and photo.reply_to_message.message_id == note.message_id
    assert answer.message_thread_id == thread
    assert answer.reply_to_message is not None and answer.reply_to_message.caption == "receipt"
    with pytest.raises(AssertionError, match="has no topic 999"):
        await tg.send_text(ADMIN, "lost", chat_id=FORUM, thread_id=999)


# ---------------------------------------------------------------------------- a real dispatcher


def relay_router() -> Router:
    """A miniature support desk: customers' photos go to the group, admins' replies go back."""
    router = Router(name="relay")

    @router.message(F.chat.type == ChatType.PRIVATE, F.photo)
    async def ticket(message: Message, bot: Bot) -> None:
        assert message.photo is not None and message.from_user is not None
        await bot.send_photo(
            SUPPORT,
            message.photo[-1].file_id,
            caption=f"Ticket from {message.from_user.id}: {message.caption}",
            reply_markup=keyboard("Close"),
        )

    @router.message(F.chat.id == SUPPORT, F.reply_to_message.caption.startswith("Ticket from "))
    async def answer(message: Message, bot: Bot) -> None:
        assert message.reply_to_message is not None and message.reply_to_message.caption is not None
        customer = int(message.reply_to_message.caption.removeprefix("Ticket from ").split(":")[0])
        await bot.send_message(customer, f"Support: {message.text}")

    @router.callback_query(F.data == "cb:Close")
    async def close(callback: CallbackQuery) -> None:
        await callback.answer("Closed")
        assert isinstance(callback.message, Message)
        await callback.message.edit_reply_markup(reply_markup=None)

    return router


async def test_dispatcher_relays_a_ticket_through_the_group(bot: Bot, tg: FakeTelegram) -> None:
    dp = Dispatcher()
    dp.include_router(relay_router())
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await tg.wait_polling()
        await tg.send_photo(ALICE, caption="payment stuck")
        ticket = await tg.wait_for_message(SUPPORT, f"Ticket from {ALICE}: payment stuck")
        assert ticket.photo == "AgAC-fake-0001" and ticket.labels() == ["Close"]

        await tg.send_text(ADMIN, "Fixed, sorry!", chat_id=SUPPORT, reply_to=ticket.message_id)
        await tg.wait_for_message(ALICE, "Support: Fixed, sorry!")

        mark = tg.mark()
        answer = await tg.wait_for_answer(await tg.press(OTHER_ADMIN, "Close", chat_id=SUPPORT))
        closed = await tg.wait_for_message(SUPPORT, "Ticket from", since=mark)
        assert (answer.text, closed.buttons) == ("Closed", [])
    finally:
        await dp.stop_polling()
        await polling
