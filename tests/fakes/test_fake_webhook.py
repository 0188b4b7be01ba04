"""Webhooks in the fake Telegram: setWebhook's checks, the 409 for getUpdates, delivery, retries, order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_webhook import SECRET_HEADER

ALICE = 1001
BOB = 1002
SECRET = "hook_Secret-42"


@dataclass
class Endpoint:
    """A webhook receiver on 127.0.0.1: records what it gets, answers the scripted statuses (then 200)."""

    name: str = "endpoint"
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[tuple[int, str | None]] = field(default_factory=list)  # (update_id, secret header)
    texts: list[str] = field(default_factory=list)
    active: set[int] = field(default_factory=set)  # chats being handled right now
    overlaps: list[int] = field(default_factory=list)  # a chat that got a second update meanwhile
    max_parallel: int = 0
    runner: web.AppRunner | None = None
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        chat = (update.get("message") or update.get("callback_query", {}).get("message") or {})["chat"]["id"]
        self.received.append((update["update_id"], request.headers.get(SECRET_HEADER)))
        if chat in self.active:
            self.overlaps.append(chat)
        self.active.add(chat)
        self.max_parallel = max(self.max_parallel, len(self.active))
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.active.discard(chat)
        status = self.statuses.pop(0) if self.statuses else 200
        if status == 200 and "message" in update:
            self.texts.append(update["message"].get("text", ""))
        return web.json_response({}, status=status)

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(webhook_retry_delay=0.05) as fake:
        fake.add_user(ALICE, first_name="Alice")
        fake.add_user(BOB, first_name="Bob")
        yield fake
        assert fake.internal_errors == []


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = tg.create_bot()
    yield bot
    await bot.session.close()


@pytest.fixture
async def endpoint() -> AsyncIterator[Endpoint]:
    receiver = Endpoint()
    await receiver.start()
    yield receiver
    await receiver.stop()


async def test_set_webhook_checks_the_url_and_the_secret_like_telegram(bot: Bot, tg: FakeTelegram) -> None:
    with pytest.raises(TelegramBadRequest, match="HTTPS url must be provided for webhook"):
        await bot.set_webhook("http://shop.example/hook", secret_token=SECRET)
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook("https://shop.example/hook", secret_token="123456:not-allowed")
    assert (await bot.get_webhook_info()).url == ""

    assert await bot.set_webhook(
        "https://shop.example/hook", secret_token=SECRET, allowed_updates=["message", "pre_checkout_query"]
    )
    info = await bot.get_webhook_info()
    assert info.url == "https://shop.example/hook"
    assert info.allowed_updates == ["message", "pre_checkout_query"]
    assert tg.webhook.secret_token == SECRET

    assert await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


async def test_get_updates_conflicts_while_a_webhook_is_set(bot: Bot, tg: FakeTelegram) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_polling()
    await bot.set_webhook("https://shop.example/hook", secret_token=SECRET)

    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook is active"):
        await waiting  # the long poll in progress ends too
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates(timeout=0)

    await tg.send_text(ALICE, "kept for later")
    await bot.delete_webhook()
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.text == "kept for later"


async def test_updates_are_posted_with_the_secret_and_confirmed(
    bot: Bot, tg: FakeTelegram, endpoint: Endpoint
) -> None:
    await tg.send_text(ALICE, "queued before the webhook")
    await bot.set_webhook(endpoint.url, secret_token=SECRET)
    second = await tg.send_text(ALICE, "after")

    await tg.wait_for(lambda: tg.webhook.idle, description="every update delivered")
    assert endpoint.texts == ["queued before the webhook", "after"]
    assert [secret for _, secret in endpoint.received] == [SECRET, SECRET]
    assert endpoint.received[-1][0] == second
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_a_failed_answer_is_retried_until_it_succeeds(
    bot: Bot, tg: FakeTelegram, endpoint: Endpoint
) -> None:
    endpoint.statuses = [500, 502]
    await bot.set_webhook(endpoint.url, secret_token=SECRET)
    update_id = await tg.send_text(ALICE, "/start")

    await tg.wait_for(lambda: tg.webhook.idle, description="the update delivered")
    assert [d.status for d in tg.webhook.attempts_of(update_id)] == [500, 502, 200]
    assert [uid for uid, _ in endpoint.received] == [update_id] * 3  # the same update, not a copy
    assert endpoint.texts == ["/start"]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 502"


async def test_an_endpoint_that_is_down_gets_the_update_once_it_is_back(tg: FakeTelegram) -> None:
    endpoint = Endpoint()
    await endpoint.start()
    url = endpoint.url
    port = endpoint.runner.addresses[0][1] if endpoint.runner else 0
    await endpoint.stop()  # the instance crashed
    tg.deliver_to([url], secret_token=SECRET)
    update_id = await tg.send_text(ALICE, "while you were down")
    await tg.wait_for(lambda: len(tg.webhook.attempts_of(update_id)) >= 2, description="two failed tries")
    assert tg.webhook.attempts_of(update_id)[0].status is None  # no answer at all

    await endpoint.start(port)  # restarted on the same address
    try:
        await tg.wait_for(lambda: tg.webhook.idle, description="the update delivered")
        assert endpoint.texts == ["while you were down"]
        assert tg.webhook.attempts_of(update_id)[-1].ok
    finally:
        await endpoint.stop()


async def test_updates_of_one_chat_go_one_at_a_time_in_order_and_chats_in_parallel(
    tg: FakeTelegram, endpoint: Endpoint
) -> None:
    endpoint.delay = 0.1
    tg.deliver_to([endpoint.url], secret_token=SECRET)
    for n in range(3):
        await tg.send_text(ALICE, f"alice {n}")
        await tg.send_text(BOB, f"bob {n}")

    await tg.wait_for(lambda: tg.webhook.idle, description="every update delivered")
    assert [t for t in endpoint.texts if t.startswith("alice")] == ["alice 0", "alice 1", "alice 2"]
    assert [t for t in endpoint.texts if t.startswith("bob")] == ["bob 0", "bob 1", "bob 2"]
    assert endpoint.overlaps == []  # never two updates of one chat at once
    assert endpoint.max_parallel == 2  # but Alice's and Bob's side by side


async def test_deliver_to_several_endpoints_alternates_and_fails_over(tg: FakeTelegram) -> None:
    first, second = Endpoint("first"), Endpoint("second")
    await first.start()
    await second.start()
    try:
        tg.deliver_to([first.url, second.url], secret_token=SECRET)
        for n in range(4):
            await tg.send_text(ALICE, f"m{n}")
            await tg.wait_for(lambda: tg.webhook.idle, description="delivered")
        assert first.texts == ["m0", "m2"] and second.texts == ["m1", "m3"]

        await first.stop()  # one instance goes away: its turn fails, the retry reaches the other
        await tg.send_text(ALICE, "failover")
        await tg.wait_for(lambda: tg.webhook.idle, description="delivered")
        assert second.texts[-1] == "failover"
    finally:
        await first.stop()
        await second.stop()


async def test_the_driver_api_works_by_webhook(tg: FakeTelegram, bot: Bot) -> None:
    """A tiny webhook bot answers through the real Bot API calls; the driver sees it as with polling."""

    async def answer(request: web.Request) -> web.Response:
        update = await request.json()
        if "callback_query" in update:
            await bot.answer_callback_query(update["callback_query"]["id"], text="pressed")
        else:
            chat = update["message"]["chat"]["id"]
            await bot.send_message(chat, f"echo {update['message']['text']}")
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/bot", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/bot", secret_token=SECRET)
        await tg.send_text(ALICE, "hi")
        reply = await tg.wait_for_message(ALICE, "echo hi")
        await bot.edit_message_reply_markup(
            chat_id=ALICE,
            message_id=reply.message_id,
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[InlineKeyboardButton(text="Go", callback_data="go")]]
            ),
        )
        callback_id = await tg.press(ALICE, "Go")
        assert (await tg.wait_for_answer(callback_id)).text == "pressed"
    finally:
        await runner.cleanup()
