"""A fake Telegram Bot API over real HTTP on 127.0.0.1, and a driver that lets tests act as users.

    async with FakeTelegram() as tg:
        bot = tg.create_bot()                       # or the project's own factory with tg.base_url
        ...start polling...
        await tg.wait_polling()
        await tg.send_text(1001, "/start")
        reply = await tg.wait_for_message(1001, "Welcome")
        await tg.press(1001, "Catalog")
        payment = await tg.pay(1001)                # pays the newest invoice in Stars, see pay()

        tg.add_group(-1001234567890, is_forum=True, members=[7])   # a support group, see telegram_groups
        await tg.send_photo(1001, caption="receipt")                # a new file id, see telegram_media
        await tg.send_text(7, "on it", chat_id=-1001234567890, reply_to=ticket_id, thread_id=thread_id)
        tg.messages(-1001234567890, thread_id=thread_id)           # a user's or a group's chat

The users' side (send_text, send_photo, press, ...) is in `tests.fakes.telegram_users`. With a webhook
set (setWebhook, or `tg.deliver_to([url])`), updates are POSTed to the bot instead: `telegram_webhook`.

Run `python -m tests.fakes.telegram --port 8081` to serve it by hand; the `/_fake/...` routes then let
curl act as a user (see `_control_routes`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp import web

from tests.fakes.telegram_groups import Topic
from tests.fakes.telegram_markup import buttons_of
from tests.fakes.telegram_params import read_params
from tests.fakes.telegram_payments import Payment, PreCheckoutAnswer
from tests.fakes.telegram_star_ledger import StarTransaction
from tests.fakes.telegram_types import (
    ApiError,
    CallbackAnswer,
    JsonDict,
    RecordedRequest,
    SentMessage,
    StoredMessage,
)
from tests.fakes.telegram_users import UserSide

logger = logging.getLogger(__name__)

_POLL_INTERVAL = 0.01


class LoopbackSession(AiohttpSession):
    """An AiohttpSession for the fake: plain HTTP on 127.0.0.1 needs no TLS grace period on close."""

    async def close(self) -> None:
        """Close the connection pool at once (AiohttpSession waits 250 ms for TLS connections)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()


class FakeTelegram(UserSide):
    """The fake Bot API server; its driver methods play the users' side in the same event loop."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        """Configure the fake; `options` are FakeBotApi's (token, per_chat_rate, global_rate, ...)."""
        super().__init__(**options)
        self.host = host
        self.port = port
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    # ----------------------------------------------------------------- server lifecycle

    async def start(self) -> None:
        """Listen on host:port (port 0 picks a free one) and set base_url."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        app.router.add_routes(self._control_routes())
        # handler_cancellation: a long poll whose client went away (bot stopped) must not linger.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{self.port}"
        logger.info("fake Telegram Bot API listening on %s", self.base_url)

    async def stop(self) -> None:
        """Answer pending long polls, stop webhook deliveries and shut the server down."""
        self.close()
        await self.webhook.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def create_bot(self) -> Bot:
        """Return a real aiogram Bot pointed at this server with HTML as the default parse mode."""
        session = LoopbackSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(self.token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            params = await read_params(request)
        except ApiError as e:
            self.requests.append(RecordedRequest(method, {}, e.status))
            return web.json_response(e.to_body(), status=e.status)
        if request.match_info["token"] != self.token:
            self.requests.append(RecordedRequest(method, params, 401))
            return web.json_response(ApiError(401, "Unauthorized").to_body(), status=401)
        status, body = await self.execute(method, params)
        if method.lower() != "getupdates":
            logger.debug("fake Telegram: %s %s -> %d", method, params, status)
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        return web.json_response(ApiError(404, "Not Found: file not found").to_body(), status=404)

    # ----------------------------------------------------------------- Telegram Stars

    async def pay(
        self, user_id: int, *, message_id: int | None = None, deliver: bool = True, timeout: float = 5.0
    ) -> Payment:
        """Pay the newest invoice in the user's chat (or the one in message_id) with Stars.

        Queue a pre_checkout_query and wait up to `timeout` seconds for the bot's answer. If it says
        ok, charge: the Star transaction is recorded and, with deliver=True, the user's
        successful_payment message is queued. deliver=False is a payment whose update was lost while
        the bot was down: only getStarTransactions shows it. An invoice may be paid again (each time a
        new charge), so a bot's defence against replays can be tested. Raise AssertionError when there
        is no such invoice or the bot does not answer (in time).
        """
        return await self.payments.pay(user_id, message_id=message_id, deliver=deliver, timeout=timeout)

    async def pre_checkout(
        self, user_id: int, *, payload: str, total_amount: int, currency: str = "XTR", timeout: float = 5.0
    ) -> PreCheckoutAnswer:
        """Send a raw (possibly forged) pre-checkout query and return the bot's answer; nothing is charged."""
        return await self.payments.pre_checkout(
            user_id, payload=payload, total_amount=total_amount, currency=currency, timeout=timeout
        )

    def refund_elsewhere(self, charge_id: str) -> int:
        """Refund a payment outside the bot (e.g. by Telegram support); return the update_id.

        The refund joins the Star ledger and the user's refunded_payment message is queued.
        """
        return self.payments.refund_elsewhere(charge_id)

    def invoices(self, user_id: int) -> list[SentMessage]:
        """Return the bot's invoice messages in this chat, oldest first (see SentMessage.invoice)."""
        return [m for m in self.messages(user_id) if m.invoice is not None]

    @property
    def star_transactions(self) -> list[StarTransaction]:
        """Return a copy of the bot's Star ledger: payments and refunds, oldest first."""
        return list(self.payments.ledger.transactions)

    @property
    def star_balance(self) -> int:
        """Return the Stars received minus the Stars refunded."""
        return self.payments.ledger.balance

    @property
    def pre_checkout_answers(self) -> list[PreCheckoutAnswer]:
        """Return a copy of the accepted answerPreCheckoutQuery calls, in order."""
        return list(self.payments.answers)

    # ----------------------------------------------------------------- reading state

    def messages(self, chat_id: int, thread_id: int | None = None) -> list[SentMessage]:
        """Return the bot's messages in this chat as they stand now (edits applied, deletions gone).

        `chat_id` is a user's id (their private chat) or a group's; `thread_id` keeps one forum topic.
        Service messages (such as a topic's creation) are left out; a photo's caption is its text.
        """
        chat = self._find_chat(chat_id)
        if chat is None:
            return []
        return [
            _snapshot(chat_id, m)
            for m in self._bot_messages(chat, None)
            if thread_id is None or m.thread_id == thread_id
        ]

    def last_message(self, chat_id: int) -> SentMessage | None:
        """Return the bot's newest message in this chat (private or group), if any."""
        messages = self.messages(chat_id)
        return messages[-1] if messages else None

    def topics(self, chat_id: int) -> list[Topic]:
        """Return the forum topics created in this group, oldest first (thread_id, name, closed, ...)."""
        return self.groups.topics(chat_id)

    def reply_keyboard(self, user_id: int) -> list[list[str]] | None:
        """Return the reply keyboard the user currently sees, if any."""
        chat = self._chats.get(user_id)
        return chat.reply_keyboard if chat else None

    def mark(self) -> int:
        """Return the current revision; pass it as `since` to wait only for later sends and edits."""
        return self._revision

    def calls(self, method: str) -> list[JsonDict]:
        """Return the params of every call of this method (case-insensitive), in order."""
        return [r.params for r in self.requests if r.method.lower() == method.lower()]

    def unanswered_callbacks(self) -> list[str]:
        """Return the ids of callback queries the bot has not answered."""
        return [cid for cid, query in self._callbacks.items() if not query.answered]

    def sent_count(self, chat_id: int) -> int:
        """Return how many sendMessage and sendPhoto calls to this chat were accepted."""
        chat = self._find_chat(chat_id)
        return chat.sent_count if chat else 0

    @property
    def pending_updates(self) -> int:
        """Return the number of updates not yet confirmed by the bot."""
        return len(self.updates)

    # ----------------------------------------------------------------- waiting

    async def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 5.0, *, description: str = "condition"
    ) -> None:
        """Poll predicate until it is true; raise AssertionError after timeout seconds."""
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await asyncio.sleep(_POLL_INTERVAL)
        except TimeoutError:
            raise AssertionError(f"{description} not met within {timeout}s{self._hints()}") from None

    async def wait_for_message(
        self, chat_id: int, contains: str, timeout: float = 5.0, *, since: int | None = None
    ) -> SentMessage:
        """Wait for a bot message (new or edited, after `since` if given) whose text contains `contains`.

        `chat_id` is a user's id or a group's; a photo matches by its caption.
        """
        found: list[SentMessage] = []

        def match() -> bool:
            found[:] = [
                m
                for m in self.messages(chat_id)
                if contains in m.text and (since is None or m.revision > since)
            ]
            return bool(found)

        try:
            await self.wait_for(match, timeout)
        except AssertionError:
            texts = [m.text for m in self.messages(chat_id)]
            raise AssertionError(
                f"no bot message containing {contains!r} in chat {chat_id} within {timeout}s; "
                f"messages now: {texts}{self._hints()}"
            ) from None
        return max(found, key=lambda m: m.revision)

    async def wait_for_answer(self, callback_id: str, timeout: float = 5.0) -> CallbackAnswer:
        """Wait until the bot answers this callback query; return the answer."""

        def answer() -> CallbackAnswer | None:
            return next((a for a in self.callback_answers if a.callback_id == callback_id), None)

        await self.wait_for(
            lambda: answer() is not None, timeout, description=f"answer to callback {callback_id}"
        )
        result = answer()
        assert result is not None
        return result

    async def wait_polling(self, timeout: float = 5.0) -> None:
        """Wait until the bot is long-polling (its startup hooks have run)."""
        await self.wait_for(lambda: self.updates.polls_waiting > 0, timeout, description="bot long-polling")

    def deliver_to(self, urls: list[str] | None, *, secret_token: str | None = None) -> None:
        """Deliver updates by webhook to these URLs in turn (None: the one setWebhook registered).

        See `tests.fakes.telegram_webhook`: `webhook.deliveries` lists every attempt.
        """
        self.webhook.deliver_to(urls, secret_token=secret_token)

    def _hints(self) -> str:
        hints = []
        if self.unknown_calls:
            hints.append(f"unknown methods called: {sorted({r.method for r in self.unknown_calls})}")
        failed = [f"{r.method}={r.status}" for r in self.requests if r.status >= 400][-5:]
        if failed:
            hints.append(f"last failed calls: {failed}")
        if self.internal_errors:
            hints.append(f"fake errors: {self.internal_errors!r}")
        if self.allowed_updates:
            hints.append(f"allowed_updates={self.allowed_updates}")
        return "".join(f"\n  {h}" for h in hints)

    def _control_routes(self) -> list[web.RouteDef]:
        """Routes that let a human act as a user when the fake runs standalone."""

        async def send_text(request: web.Request) -> web.Response:
            body = await request.json()
            update_id = await self.send_text(int(body["user_id"]), str(body["text"]))
            return web.json_response({"update_id": update_id})

        async def press(request: web.Request) -> web.Response:
            body = await request.json()
            try:
                callback_id = await self.press(int(body["user_id"]), str(body["label"]))
            except AssertionError as e:
                return web.json_response({"error": str(e)}, status=404)
            return web.json_response({"callback_id": callback_id})

        async def messages(request: web.Request) -> web.Response:
            found = self.messages(int(request.match_info["user_id"]))
            return web.json_response(
                [{"message_id": m.message_id, "text": m.text, "buttons": m.labels()} for m in found]
            )

        return [
            web.post("/_fake/send_text", send_text),
            web.post("/_fake/press", press),
            web.get("/_fake/messages/{user_id}", messages),
        ]


def _snapshot(chat_id: int, message: StoredMessage) -> SentMessage:
    return SentMessage(
        chat_id=chat_id,
        message_id=message.message_id,
        text=message.text,
        html=message.html,
        buttons=buttons_of(message.markup),
        reply_keyboard=message.reply_keyboard,
        date=message.date,
        edited=message.edit_date is not None,
        revision=message.revision,
        invoice=message.invoice,
        photo=message.photo,
        thread_id=message.thread_id,
        reply_to=message.reply_to,
    )


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeTelegram(
        host=args.host,
        port=args.port,
        token=args.token,
        per_chat_rate=args.per_chat_rate,
        global_rate=args.global_rate,
    )
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await fake.start()
    print(f"Fake Telegram Bot API at {fake.base_url} (token {fake.token}); Ctrl+C to stop", flush=True)
    try:
        await stopping.wait()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve the fake until interrupted."""
    parser = argparse.ArgumentParser(description="Fake Telegram Bot API server for local runs")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--per-chat-rate", type=float, default=None)
    parser.add_argument("--global-rate", type=float, default=None)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every Bot API call")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
