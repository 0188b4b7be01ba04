"""A fake Telegram Bot API over real HTTP on 127.0.0.1, and a driver that lets tests act as users.

    async with FakeTelegram() as tg:
        bot = tg.create_bot()                       # or the project's own factory with tg.base_url
        ...start polling...
        await tg.wait_polling()
        await tg.send_text(1001, "/start")
        reply = await tg.wait_for_message(1001, "Welcome")
        await tg.press(1001, "Catalog")
        payment = await tg.pay(1001)                # pays the newest invoice in Stars, see pay()

Run `python -m tests.fakes.telegram --port 8081` to serve it by hand; the `/_fake/...` routes then let
curl act as a user (see `_control_routes`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiohttp import web

from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_markup import buttons_of
from tests.fakes.telegram_params import read_params
from tests.fakes.telegram_payments import Payment, PreCheckoutAnswer
from tests.fakes.telegram_star_ledger import StarTransaction
from tests.fakes.telegram_types import (
    ApiError,
    CallbackAnswer,
    ChatState,
    JsonDict,
    RecordedRequest,
    SentMessage,
    StoredMessage,
)

logger = logging.getLogger(__name__)

_POLL_INTERVAL = 0.01


class LoopbackSession(AiohttpSession):
    """An AiohttpSession for the fake: plain HTTP on 127.0.0.1 needs no TLS grace period on close."""

    async def close(self) -> None:
        """Close the connection pool at once (AiohttpSession waits 250 ms for TLS connections)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()


class FakeTelegram(FakeBotApi):
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
        """Answer pending long polls and shut the server down."""
        self.close()
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

    # ----------------------------------------------------------------- acting as users

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
    ) -> int:
        """Queue a private text message from the user; return the update_id.

        Profile fields default to the user's previous ones ("User", "en" for a new user).
        """
        chat = self._ensure_chat(
            user_id, username=username, first_name=first_name, language_code=language_code
        )
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            from_bot=False,
            text=text,
            html=text,
            entities=_command_entities(text),
            revision=self._next_revision(),
        )
        chat.messages[message.message_id] = message
        return self.updates.put({"message": self.message_object(chat, message)})

    async def press(self, user_id: int, label: str, *, message_id: int | None = None) -> str:
        """Press the inline button with exactly this label in the newest bot message having it.

        Return the callback query id; raise AssertionError listing the available buttons if absent.
        """
        chat = self._chat_of(user_id)
        candidates = self._bot_messages(chat, message_id)
        for message in reversed(candidates):
            button = next((b for row in buttons_of(message.markup) for b in row if b.text == label), None)
            if button is None:
                continue
            if button.callback_data is None:
                raise AssertionError(f"button {label!r} in message {message.message_id} has no callback data")
            return self._press(chat, message, button.callback_data)
        available = "; ".join(
            f"#{m.message_id}: {[b.text for row in buttons_of(m.markup) for b in row]}"
            for m in candidates
            if m.markup
        )
        raise AssertionError(
            f"no inline button {label!r} for user {user_id}"
            + (f" in message {message_id}" if message_id is not None else "")
            + f"; available: {available or 'none'}"
        )

    async def press_data(self, user_id: int, callback_data: str, *, message_id: int | None = None) -> str:
        """Send a callback query with raw (possibly forged) data; return the callback query id.

        Without message_id it attaches to the newest bot message carrying that data, else the newest
        bot message with an inline keyboard, else the newest bot message.
        """
        chat = self._chat_of(user_id)
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
        return self._press(chat, message, callback_data)

    def _press(self, chat: ChatState, message: StoredMessage, data: str) -> str:
        user_id = chat.user["id"]
        callback_id = self._new_callback(user_id, message.message_id, data)
        self.updates.put(
            {
                "callback_query": {
                    "id": callback_id,
                    "from": chat.user,
                    "message": self.message_object(chat, message),
                    "chat_instance": str(-(10**12) - user_id),
                    "data": data,
                }
            }
        )
        return callback_id

    def redeliver(self, update_id: int) -> int:
        """Queue an earlier update's body again under a new update_id; return the new id.

        Telegram does this when the bot crashed before confirming the update.
        """
        return self.updates.redeliver(update_id)

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

    def messages(self, user_id: int) -> list[SentMessage]:
        """Return the bot's messages in this chat as they stand now (edits applied, deletions gone)."""
        chat = self._chats.get(user_id)
        if chat is None:
            return []
        return [_snapshot(user_id, m) for m in chat.messages.values() if m.from_bot]

    def last_message(self, user_id: int) -> SentMessage | None:
        """Return the bot's newest message in this chat, if any."""
        messages = self.messages(user_id)
        return messages[-1] if messages else None

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

    def sent_count(self, user_id: int) -> int:
        """Return how many sendMessage calls to this chat were accepted."""
        chat = self._chats.get(user_id)
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
        self, user_id: int, contains: str, timeout: float = 5.0, *, since: int | None = None
    ) -> SentMessage:
        """Wait for a bot message (new or edited, after `since` if given) whose text contains `contains`."""
        found: list[SentMessage] = []

        def match() -> bool:
            found[:] = [
                m
                for m in self.messages(user_id)
                if contains in m.text and (since is None or m.revision > since)
            ]
            return bool(found)

        try:
            await self.wait_for(match, timeout)
        except AssertionError:
            texts = [m.text for m in self.messages(user_id)]
            raise AssertionError(
                f"no bot message containing {contains!r} for user {user_id} within {timeout}s; "
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

    # ----------------------------------------------------------------- helpers

    def _chat_of(self, user_id: int) -> ChatState:
        chat = self._chats.get(user_id)
        if chat is None:
            raise AssertionError(f"user {user_id} has no chat with the bot")
        return chat

    @staticmethod
    def _bot_messages(chat: ChatState, message_id: int | None) -> list[StoredMessage]:
        messages = [m for m in chat.messages.values() if m.from_bot]
        if message_id is None:
            return messages
        return [m for m in messages if m.message_id == message_id]

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


def _command_entities(text: str) -> tuple[JsonDict, ...]:
    """Return the bot_command entity Telegram adds to a message starting with /command."""
    if not text.startswith("/") or len(text) < 2:
        return ()
    command = text.split(maxsplit=1)[0]
    return ({"type": "bot_command", "offset": 0, "length": len(command)},)


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
