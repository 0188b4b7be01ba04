"""The fake Telegram Bot API, exercised through the real aiogram client over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_html import parse_html
from tests.fakes.telegram_types import ApiError, Button

ALICE = 1001
BOB = 1002


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        fake.add_user(ALICE, username="alice", first_name="Alice")
        fake.add_user(BOB, first_name="Bob")
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.create_bot()
    yield bot
    await bot.session.close()


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=f"cb:{label}") for label in labels]]
    )


# ---------------------------------------------------------------------------- basics


async def test_get_me_returns_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()

    assert (me.id, me.username, me.is_bot) == (123456, "shop_bot", True)


async def test_wrong_token_is_unauthorized(tg: FakeTelegram) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
    intruder = Bot("999:WRONG", session=session)
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await intruder.get_me()
    finally:
        await session.close()


async def test_unknown_method_is_404_and_recorded(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(TelegramNotFound, match="method not found"):
        await bot.get_user_profile_photos(ALICE)

    assert [r.method for r in tg.unknown_calls] == ["getUserProfilePhotos"]


async def test_raw_requests_accept_json_query_string_and_any_method_case(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}/bot{tg.token}"
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/SENDMESSAGE", json={"chat_id": ALICE, "text": "json"}) as response:
            assert response.status == 200
            assert (await response.json())["result"]["text"] == "json"
        async with http.get(
            f"{url}/sendMessage", params={"chat_id": str(ALICE), "text": "query"}
        ) as response:
            assert response.status == 200
        form = aiohttp.FormData()
        form.add_field("chat_id", str(ALICE))
        form.add_field("text", "multipart")
        form.add_field("document", b"%PDF", filename="a.pdf")
        async with http.post(f"{url}/sendMessage", data=form) as response:
            assert response.status == 200
        async with http.post(f"{tg.base_url}/bot1:bad/getMe") as response:
            assert response.status == 401
            assert await response.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}

    assert [m.text for m in tg.messages(ALICE)] == ["json", "query", "multipart"]
    assert [p["text"] for p in tg.calls("sendmessage")] == ["json", "query", "multipart"]


# ---------------------------------------------------------------------------- sendMessage


async def test_sent_message_with_inline_keyboard_reads_back(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(ALICE, "<b>Catalog</b> &amp; more", reply_markup=keyboard("Likes", "Views"))

    assert sent.from_user is not None and sent.from_user.id == bot.id
    assert sent.date.timestamp() > 0
    assert sent.reply_markup is not None
    message = tg.last_message(ALICE)
    assert message is not None
    assert message.message_id == sent.message_id
    assert message.text == "Catalog & more"
    assert message.html == "<b>Catalog</b> &amp; more"
    assert message.buttons == [[Button("Likes", "cb:Likes"), Button("Views", "cb:Views")]]
    assert message.edited is False
    assert tg.sent_count(ALICE) == 1


async def test_message_ids_increase_per_chat(bot: Bot, tg: FakeTelegram) -> None:
    first = await bot.send_message(ALICE, "one")
    await tg.send_text(ALICE, "from the user")
    second = await bot.send_message(ALICE, "two")
    other = await bot.send_message(BOB, "one")

    assert second.message_id == first.message_id + 2
    assert other.message_id == 1
    assert [m.text for m in tg.messages(ALICE)] == ["one", "two"]


async def test_reply_keyboard_is_tracked_until_removed(bot: Bot, tg: FakeTelegram) -> None:
    markup = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Menu")]], resize_keyboard=True)
    await bot.send_message(ALICE, "pick", reply_markup=markup)
    assert tg.reply_keyboard(ALICE) == [["Menu"]]

    await bot.send_message(ALICE, "bye", reply_markup=ReplyKeyboardRemove())
    assert tg.reply_keyboard(ALICE) is None


async def test_unknown_chat_is_bad_request(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(4242, "hello")


@pytest.mark.parametrize(
    "text",
    ["<div>x</div>", "<b>x", "<b>x</i>", "a < b", "Tom & Jerry", "&nbsp;", "<span>x</span>", "</b>"],
)
async def test_malformed_html_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ALICE, text)


async def test_plain_text_is_not_parsed(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(ALICE, "a < b & c", parse_mode=None)

    assert tg.messages(ALICE)[0].text == "a < b & c"


def test_html_parser_handles_every_allowed_tag() -> None:
    source = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>"
        '<span class="tg-spoiler">p</span><tg-spoiler>t</tg-spoiler><a href="https://x.org/?a=1&amp;b=2">a</a>'
        "<code>c</code><pre>p</pre><blockquote expandable>q</blockquote>"
        '<tg-emoji emoji-id="5368">*</tg-emoji>'
        "&lt;&gt;&quot;&#65;&#x42;"
    )
    parsed = parse_html(source)

    assert parsed.text == 'bsieunskdptacpq*<>"AB'
    assert parsed.entities[11].url == "https://x.org/?a=1&b=2"
    assert parsed.entities[14].type == "expandable_blockquote"


def test_html_error_names_the_byte_offset() -> None:
    with pytest.raises(ApiError, match='Unsupported start tag "br" at byte offset 3'):
        parse_html("€<br>")


async def test_empty_and_too_long_texts_are_rejected(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(ALICE, "<b> </b>")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(ALICE, "x" * 4097)
    await bot.send_message(ALICE, "<b>" + "x" * 4096 + "</b>")  # the limit counts text after parsing


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, tg: FakeTelegram) -> None:
    too_long = InlineKeyboardButton(text="x", callback_data="x" * 65)
    multibyte = InlineKeyboardButton(text="é", callback_data="é" * 33)  # 33 characters, 66 bytes
    for button in (too_long, multibyte):
        with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
            await bot.send_message(
                ALICE, "buy", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
            )

    fits = InlineKeyboardButton(text="x", callback_data="x" * 64)
    await bot.send_message(ALICE, "buy", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[fits]]))
    assert tg.sent_count(ALICE) == 1


async def test_keyboard_size_limits(bot: Bot) -> None:
    wide = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=str(i), callback_data=str(i)) for i in range(9)]]
    )
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(ALICE, "wide", reply_markup=wide)
    tall = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=str(i), callback_data=str(i))] for i in range(101)]
    )
    with pytest.raises(TelegramBadRequest, match="reply markup is too long"):
        await bot.send_message(ALICE, "tall", reply_markup=tall)


# ---------------------------------------------------------------------------- edits and deletes


async def test_edit_with_identical_content_is_not_modified(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(ALICE, "<b>Price</b>", reply_markup=keyboard("Buy"))

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<strong>Price</strong>", chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard("Buy")
        )
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=ALICE, message_id=sent.message_id, reply_markup=keyboard("Buy")
        )

    edited = await bot.edit_message_text("<b>Price</b> 5", chat_id=ALICE, message_id=sent.message_id)
    assert isinstance(edited, Message)
    message = tg.last_message(ALICE)
    assert message is not None
    assert (message.text, message.edited, message.buttons) == ("Price 5", True, [])  # no markup: buttons go


async def test_edit_of_unknown_message_fails(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE, message_id=99)


async def test_delete_message_removes_it(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(ALICE, "temporary")

    assert await bot.delete_message(ALICE, sent.message_id) is True
    assert tg.messages(ALICE) == []
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ALICE, sent.message_id)


# ---------------------------------------------------------------------------- fault switches


async def test_blocked_user_is_forbidden_until_unblocked(bot: Bot, tg: FakeTelegram) -> None:
    tg.block(ALICE)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "promo")

    tg.unblock(ALICE)
    await bot.send_message(ALICE, "welcome back")
    assert tg.stats.forbidden == 1
    assert tg.sent_count(ALICE) == 1


async def test_per_chat_rate_limit_answers_retry_after(bot: Bot, tg: FakeTelegram) -> None:
    tg.set_rate_limits(per_chat_rate=1.0)
    await bot.send_message(ALICE, "one")

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(ALICE, "two")

    assert caught.value.retry_after >= 1
    await bot.send_message(BOB, "another chat has its own bucket")
    assert (tg.stats.too_many_requests, tg.stats.sent_messages, tg.sent_count(ALICE)) == (1, 2, 1)


async def test_global_rate_limit_spans_chats(bot: Bot, tg: FakeTelegram) -> None:
    tg.set_rate_limits(global_rate=2.0)
    await bot.send_message(ALICE, "one")
    await bot.send_message(BOB, "two")

    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(ALICE, "three")


async def test_fail_next_answers_server_errors(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", status=502, count=2)

    for _ in range(2):
        with pytest.raises(TelegramServerError, match="Bad Gateway"):
            await bot.send_message(ALICE, "hello")
    await bot.send_message(ALICE, "hello")

    assert tg.stats.injected_failures == 2
    assert [r.status for r in tg.requests if r.method == "sendMessage"] == [502, 502, 200]


async def test_scripted_429_carries_retry_after(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next("editMessageText", status=429, retry_after=3)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.edit_message_text("x", chat_id=ALICE, message_id=1)
    assert caught.value.retry_after == 3


# ---------------------------------------------------------------------------- commands, updates, callbacks


async def test_commands_are_validated_and_stored(bot: Bot, tg: FakeTelegram) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Open the shop")])

    assert [(c.command, c.description) for c in tg.commands] == [("start", "Open the shop")]
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start!", description="x")])
    await bot.delete_my_commands()
    assert tg.commands == []


async def test_get_updates_long_polls_and_confirms_by_offset(bot: Bot, tg: FakeTelegram) -> None:
    assert await bot.get_updates(timeout=0) == []

    async def later() -> None:
        await asyncio.sleep(0.05)
        await tg.send_text(ALICE, "/start")

    sender = asyncio.create_task(later())
    updates = await bot.get_updates(timeout=5)
    await sender

    assert [u.message.text for u in updates if u.message] == ["/start"]
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []
    assert tg.pending_updates == 0


async def test_second_poller_terminates_the_first(bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.05)
    second = asyncio.create_task(bot.get_updates(timeout=0))

    with pytest.raises(TelegramConflictError):
        await first
    assert await second == []


async def test_drop_pending_updates(bot: Bot, tg: FakeTelegram) -> None:
    await tg.send_text(ALICE, "hello")

    await bot.delete_webhook(drop_pending_updates=True)

    assert tg.pending_updates == 0


async def test_callback_answers_are_checked(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(ALICE, "menu", reply_markup=keyboard("Buy"))
    callback_id = await tg.press(ALICE, "Buy")

    assert tg.unanswered_callbacks() == [callback_id]
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(callback_id, text="x" * 201)
    assert await bot.answer_callback_query(callback_id, text="ok", show_alert=True)
    assert (await tg.wait_for_answer(callback_id)).show_alert is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(callback_id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("123")

    tg.callback_answer_timeout = 0.0
    late = await tg.press(ALICE, "Buy")
    await asyncio.sleep(0.01)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late)


async def test_press_of_a_missing_label_lists_the_buttons(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(ALICE, "menu", reply_markup=keyboard("Buy", "Back"))

    with pytest.raises(AssertionError, match=r"no inline button 'Sell'.*\['Buy', 'Back'\]"):
        await tg.press(ALICE, "Sell")


async def test_press_data_forges_callback_data(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(ALICE, "menu", reply_markup=keyboard("Buy"))
    await tg.press_data(ALICE, "o:999:cancel")

    updates = await bot.get_updates(timeout=0)

    query = updates[-1].callback_query
    assert query is not None
    assert (query.data, query.from_user.id) == ("o:999:cancel", ALICE)
    assert isinstance(query.message, Message) and query.message.message_id == sent.message_id


async def test_block_with_notify_queues_my_chat_member(bot: Bot, tg: FakeTelegram) -> None:
    tg.block(ALICE, notify=True)

    updates = await bot.get_updates(timeout=0)

    member = updates[-1].my_chat_member
    assert member is not None
    assert (member.chat.id, member.new_chat_member.status) == (ALICE, "kicked")


async def test_wait_for_message_reports_what_the_chat_shows(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(ALICE, "Balance: 0")
    mark = tg.mark()

    with pytest.raises(AssertionError, match=r"no bot message containing 'Balance'.*\['Balance: 0'\]"):
        await tg.wait_for_message(ALICE, "Balance", timeout=0.05, since=mark)
    assert (await tg.wait_for_message(ALICE, "Balance", timeout=0.05)).text == "Balance: 0"


async def test_random_server_errors_are_reproducible(bot: Bot, tg: FakeTelegram) -> None:
    tg.set_server_error_rate(0.5, methods=["sendMessage"], seed=1)
    outcomes = []
    for i in range(20):
        try:
            await bot.send_message(ALICE, f"m{i}")
            outcomes.append(True)
        except TelegramServerError:
            outcomes.append(False)

    assert 0 < outcomes.count(False) < 20
    assert tg.stats.injected_failures == outcomes.count(False)


# ---------------------------------------------------------------------------- a real dispatcher


def echo_router() -> Router:
    router = Router(name="echo")

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("hi <b>there</b>", reply_markup=keyboard("Go"))

    @router.callback_query(F.data == "cb:Go")
    async def go(callback: CallbackQuery) -> None:
        await callback.answer("done")
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("pressed")

    return router


async def test_dispatcher_round_trip(bot: Bot, tg: FakeTelegram) -> None:
    dp = Dispatcher()
    dp.include_router(echo_router())
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    try:
        await tg.wait_polling()
        assert set(tg.allowed_updates or ()) == {"message", "callback_query"}

        await tg.send_text(ALICE, "/start")
        greeting = await tg.wait_for_message(ALICE, "hi there")
        assert greeting.html == "hi <b>there</b>"

        mark = tg.mark()
        callback_id = await tg.press(ALICE, "Go")
        answer = await tg.wait_for_answer(callback_id)
        edited = await tg.wait_for_message(ALICE, "pressed", since=mark)

        assert answer.text == "done"
        assert (edited.message_id, edited.edited, edited.buttons) == (greeting.message_id, True, [])
        assert tg.unanswered_callbacks() == []
    finally:
        await dp.stop_polling()
        await polling
