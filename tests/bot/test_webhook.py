"""Webhook mode: updates by webhook end to end, the secret, redelivery after a crash, probes, CLI, logs."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.logs import JsonFormatter, log_handler
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_webhook import SECRET_HEADER
from tests.harness import (
    ADMIN_ID,
    BOT_SETTING_PREFIXES,
    OTHER_ADMIN_ID,
    WEBHOOK_SECRET,
    WebhookShop,
    fake_env,
    make_settings,
    open_category,
    secrets_in,
)

USER = 7301
STRANGER = 7302
WEBHOOK_PATH = "/telegram/webhook"


@pytest.fixture
async def webhook_shop(
    fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[WebhookShop]:
    """The real bot in webhook mode; after the test, money balances and no secret reached logs or Telegram."""
    caplog.set_level(logging.DEBUG)
    settings = make_settings(
        fake_telegram,
        fake_provider,
        tmp_path / "shop.db",
        webhook_url=f"https://shop.example{WEBHOOK_PATH}",
        webhook_secret=WEBHOOK_SECRET,
    )
    shop = WebhookShop(fake_telegram, fake_provider, settings)
    for admin in settings.admin_ids:
        fake_telegram.add_user(admin)
    await shop.start()
    try:
        yield shop
        await shop.assert_ledger_balanced()
    finally:
        await shop.stop()
    assert secrets_in(caplog.text) == [], "a secret reached the logs"
    for request in fake_telegram.requests:
        if request.method != "setWebhook":  # the one place the secret token belongs
            assert secrets_in(str(request.params)) == [], f"a secret reached Telegram in {request.method}"


async def http_get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    """A /start message update as Telegram would post it."""
    user = {"id": user_id, "is_bot": False, "first_name": "Eve", "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Eve"},
            "from": user,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


# ---------------------------------------------------------------------- end to end, in process


async def test_a_customer_conversation_works_by_webhook(
    webhook_shop: WebhookShop, fake_telegram: FakeTelegram
) -> None:
    await webhook_shop.register(USER)
    reply = await webhook_shop.say(USER, "/balance", "Balance")
    assert "0.00 USD" in reply.text
    services = await open_category(webhook_shop, USER)  # inline buttons: callback queries by webhook too
    assert "Instagram Followers" in " ".join(services.labels())

    assert fake_telegram.calls("getUpdates") == []  # nothing was polled
    assert fake_telegram.calls("deleteWebhook") == []  # and the instance left the webhook alone
    assert all(d.status == 200 for d in fake_telegram.webhook.deliveries)
    assert fake_telegram.webhook.secret_token == WEBHOOK_SECRET
    assert webhook_shop.dp is not None
    assert fake_telegram.allowed_updates == webhook_shop.dp.resolve_used_update_types()
    assert "pre_checkout_query" in (fake_telegram.allowed_updates or [])


@pytest.mark.parametrize("header", [None, "wrong-secret"])
async def test_a_request_without_the_secret_is_refused_and_not_processed(
    webhook_shop: WebhookShop, fake_telegram: FakeTelegram, header: str | None
) -> None:
    assert webhook_shop.server is not None
    fake_telegram.add_user(STRANGER)
    headers = {SECRET_HEADER: header} if header else {}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            webhook_shop.server.url, json=start_update(900_001, STRANGER), headers=headers
        ) as response:
            assert response.status == 401
        assert await webhook_shop.users.get(STRANGER) is None  # never registered
        assert fake_telegram.messages(STRANGER) == []  # never answered

        # The same update with the secret is handled before the answer comes back.
        good = {SECRET_HEADER: WEBHOOK_SECRET}
        async with session.post(
            webhook_shop.server.url, json=start_update(900_002, STRANGER), headers=good
        ) as response:
            assert response.status == 200
    assert await webhook_shop.users.get(STRANGER) is not None
    assert "Welcome" in fake_telegram.messages(STRANGER)[-1].text


# ---------------------------------------------------------------------- probes


async def test_healthz_answers_while_the_process_runs(webhook_shop: WebhookShop) -> None:
    assert webhook_shop.server is not None
    assert await http_get(webhook_shop.server.base_url + "/healthz") == (200, {"status": "ok"})


async def test_readyz_names_the_database_when_it_is_down(webhook_shop: WebhookShop) -> None:
    assert webhook_shop.server is not None
    url = webhook_shop.server.base_url + "/readyz"
    status, body = await http_get(url)
    assert (status, body["status"], body["checks"]) == (200, "ok", {"database": "ok", "telegram": "ok"})

    await webhook_shop.db.close()
    try:
        status, body = await http_get(url)
        assert status == 503
        assert body["failed"] == ["database"] and body["checks"]["telegram"] == "ok"
        assert secrets_in(json.dumps(body)) == []
    finally:
        await webhook_shop.db.connect()
    assert (await http_get(url))[0] == 200


async def test_readyz_names_telegram_when_it_refuses_get_me(
    webhook_shop: WebhookShop, fake_telegram: FakeTelegram
) -> None:
    assert webhook_shop.server is not None
    url = webhook_shop.server.base_url + "/readyz"
    assert (await http_get(url))[0] == 200
    fake_telegram.set_server_error_rate(1.0, methods=["getMe"])
    answers: list[tuple[int, dict[str, Any]]] = []

    async def refused() -> bool:
        answers.append(await http_get(url))
        return answers[-1][0] == 503

    await wait_until(refused, description="/readyz reports Telegram")  # once the cached getMe expired
    body = answers[-1][1]
    assert body["failed"] == ["telegram"] and body["checks"]["telegram"] == "TelegramServerError"

    fake_telegram.set_server_error_rate(0.0)

    async def ready() -> bool:
        return (await http_get(url))[0] == 200

    await wait_until(ready, description="/readyz ready again")


async def test_a_probe_storm_asks_telegram_once(
    webhook_shop: WebhookShop, fake_telegram: FakeTelegram
) -> None:
    assert webhook_shop.server is not None
    webhook_shop.server.readiness.telegram_cache_seconds = 60
    url = webhook_shop.server.base_url + "/readyz"
    before = len(fake_telegram.calls("getMe"))
    answers = await asyncio.gather(*(http_get(url) for _ in range(20)))
    assert {status for status, _ in answers} == {200}
    assert len(fake_telegram.calls("getMe")) - before <= 1


async def test_readyz_checks_redis_when_one_is_configured(webhook_shop: WebhookShop, tmp_path: Path) -> None:
    redis_asyncio = pytest.importorskip("redis.asyncio")
    redis_exceptions = pytest.importorskip("redis.exceptions")
    if not Path("/usr/bin/redis-server").exists():
        pytest.skip("redis-server is not installed")
    assert webhook_shop.server is not None and webhook_shop.dp is not None
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        "/usr/bin/redis-server",
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--dir",
        str(tmp_path),
        stdout=asyncio.subprocess.DEVNULL,
    )
    client = redis_asyncio.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    url = webhook_shop.server.base_url + "/readyz"
    try:
        await wait_until(_pings(client, redis_exceptions.RedisError), description="redis-server up")
        webhook_shop.dp["redis"] = client
        status, body = await http_get(url)
        assert (status, body["checks"]["redis"]) == (200, "ok")

        server.terminate()
        await server.wait()
        status, body = await http_get(url)
        assert status == 503 and body["failed"] == ["redis"]
    finally:
        webhook_shop.dp["redis"] = None
        if server.returncode is None:
            server.kill()
            await server.wait()
        await client.aclose()
    assert (await http_get(url))[0] == 200  # None: not configured, not checked


# ---------------------------------------------------------------------- the process and its CLI


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pings(client: Any, not_up_yet: type[Exception]) -> Any:
    async def ping() -> bool:
        try:
            return bool(await client.ping())
        except not_up_yet:
            return False

    return ping


async def wait_until(check: Any, *, description: str, timeout: float = 20.0) -> None:
    """Retry an async check until it returns True; fail after `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"{description}: not within {timeout}s") from None


def bot_env(tg: FakeTelegram, provider: FakeProvider, db_path: Path, **extra: str) -> dict[str, str]:
    """The environment of `python -m bot` pointed at the fakes."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(BOT_SETTING_PREFIXES)}
    return {**clean, **fake_env(tg, provider, db_path, **extra)}


async def run_cli(env: dict[str, str], *args: str, cwd: Path) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` to completion; return (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def start_instance(env: dict[str, str], cwd: Path, port: int) -> asyncio.subprocess.Process:
    """Start `python -m bot` in webhook mode; wait until /readyz says it is ready."""
    log = (cwd / "bot.log").open("ab")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", env=env, cwd=cwd, stdout=log, stderr=log
    )
    log.close()

    async def ready() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"the bot exited with {process.returncode}: {(cwd / 'bot.log').read_text()}")
        try:
            return (await http_get(f"http://127.0.0.1:{port}/readyz"))[0] == 200
        except aiohttp.ClientError:
            return False

    await wait_until(ready, description="the bot ready", timeout=30)
    return process


async def test_set_webhook_and_delete_webhook_commands(
    fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    url = f"https://shop.example{WEBHOOK_PATH}"
    env = bot_env(
        fake_telegram, fake_provider, tmp_path / "shop.db", WEBHOOK_URL=url, WEBHOOK_SECRET=WEBHOOK_SECRET
    )
    code, out, err = await run_cli(env, "set-webhook", cwd=tmp_path)
    assert code == 0, err
    settings = make_settings(
        fake_telegram, fake_provider, tmp_path / "x.db", webhook_url=url, webhook_secret=WEBHOOK_SECRET
    )
    dp = create_dispatcher(settings, create_bot(settings))
    expected = dp.resolve_used_update_types()  # what long polling asks for
    await dp["http"].aclose()
    assert "pre_checkout_query" in expected
    assert fake_telegram.webhook.url == url
    assert fake_telegram.webhook.secret_token == WEBHOOK_SECRET
    assert fake_telegram.allowed_updates == expected
    [call] = fake_telegram.calls("setWebhook")
    assert call.get("drop_pending_updates") in (None, "false")
    assert f"Webhook set: {url}" in out and ", ".join(expected) in out
    assert secrets_in(out + err) == []

    code, out, err = await run_cli(env, "delete-webhook", cwd=tmp_path)
    assert code == 0, err
    assert "Webhook deleted" in out
    assert fake_telegram.webhook.url == ""
    assert not fake_telegram.updates.webhook_active  # long polling may start again

    code, out, err = await run_cli({**env, "WEBHOOK_URL": ""}, "set-webhook", cwd=tmp_path)
    assert code == 2 and "WEBHOOK_URL is missing" in err


async def test_an_update_cut_off_by_a_crash_is_delivered_again_and_handled(
    fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    """Deploy as documented (set-webhook, then the instance); kill -9 it mid-update; restart it."""
    port = free_port()
    env = bot_env(
        fake_telegram,
        fake_provider,
        tmp_path / "shop.db",
        WEBHOOK_URL=f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        WEBHOOK_HOST="127.0.0.1",
        WEBHOOK_PORT=str(port),
        LOG_FORMAT="json",
    )
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        fake_telegram.add_user(admin)
    code, _, err = await run_cli(env, "set-webhook", cwd=tmp_path)
    assert code == 0, err
    process = await start_instance(env, tmp_path, port)
    try:
        fake_telegram.set_delay("sendMessage", 30)  # the reply hangs: the instance is mid-update

        def replying() -> bool:
            return any(
                r.method == "sendMessage" and r.status == 0 and str(r.params.get("chat_id")) == str(USER)
                for r in fake_telegram.requests
            )

        update_id = await fake_telegram.send_text(USER, "/start")
        await fake_telegram.wait_for(replying, timeout=10, description="the bot replying")
        process.kill()  # SIGKILL: the update never gets its answer
        await process.wait()
        fake_telegram.set_delay("sendMessage", 0)
        await fake_telegram.wait_for(
            lambda: any(d.status is None for d in fake_telegram.webhook.attempts_of(update_id)),
            description="the delivery failing",
        )
        assert fake_telegram.messages(USER) == []  # the user saw nothing yet

        process = await start_instance(env, tmp_path, port)
        await fake_telegram.wait_for_message(USER, "Welcome", timeout=10)
        # The reply goes out before the update is answered: wait for the answer too.
        await fake_telegram.wait_for(
            lambda: any(d.status == 200 for d in fake_telegram.webhook.attempts_of(update_id)),
            description="the update answered 200",
        )
        attempts = fake_telegram.webhook.attempts_of(update_id)
        assert attempts[0].status is None and attempts[-1].status == 200
        assert len([m for m in fake_telegram.messages(USER) if "Welcome" in m.text]) == 1  # answered once

        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(20):
            assert await process.wait() == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert fake_telegram.calls("deleteWebhook") == []  # instances never touch the webhook
    assert len(fake_telegram.calls("setWebhook")) == 1  # only the deploy step set it

    log = (tmp_path / "bot.log").read_text()
    records = [json.loads(line) for line in log.splitlines() if line.strip()]  # every line is JSON
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    assert any(r["message"] == "Bot started" for r in records)
    assert secrets_in(log) == []


# ---------------------------------------------------------------------- settings and logs


@pytest.mark.parametrize(
    ("values", "variable", "reason"),
    [
        ({"webhook_url": "http://shop.example/hook", "webhook_secret": "s"}, "webhook_url", "https://"),
        ({"webhook_url": "shop.example/hook", "webhook_secret": "s"}, "webhook_url", "full URL"),
        ({"webhook_url": "https://shop.example/readyz", "webhook_secret": "s"}, "webhook_url", "/readyz"),
        ({"webhook_url": "https://shop.example/hook"}, "webhook_secret", "must be set"),
        ({"webhook_url": "https://shop.example/hook", "webhook_secret": "a:b"}, "webhook_secret", "A-Z"),
        ({"webhook_secret": "x" * 257}, "webhook_secret", "1-256"),
        ({"log_format": "xml"}, "log_format", "json"),
    ],
)
def test_invalid_webhook_settings_are_refused(values: dict[str, str], variable: str, reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, bot_token="1:x", **values)  # type: ignore[arg-type]
    error = caught.value.errors()[0]
    assert error["loc"] == (variable,) and reason in error["msg"]


def test_webhook_settings_and_their_defaults() -> None:
    polling = Settings(_env_file=None, bot_token="1:x", webhook_url="", webhook_secret="")  # type: ignore[call-arg]
    assert polling.webhook_url is None and polling.webhook_secret is None and polling.log_format == "text"
    hook = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="1:x",
        webhook_url="https://shop.example/tg/hook",
        webhook_secret=WEBHOOK_SECRET,
        log_format="JSON",
    )
    assert hook.webhook_path == "/tg/hook" and hook.webhook_port == 8080
    assert hook.webhook_host == "0.0.0.0"  # noqa: S104 - the default: reachable from outside a container
    assert hook.log_format == "json" and WEBHOOK_SECRET not in repr(hook)
    local = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="1:x",
        webhook_url="http://127.0.0.1:8443",
        webhook_secret="s",
    )
    assert local.webhook_path == "/"


async def test_a_bad_webhook_setting_stops_the_bot_with_one_line(
    fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    env = bot_env(
        fake_telegram,
        fake_provider,
        tmp_path / "shop.db",
        WEBHOOK_URL="https://shop.example/hook",
        WEBHOOK_SECRET="not:allowed-secret-value",
    )
    code, out, err = await run_cli(env, cwd=tmp_path)
    assert code == 2
    [line] = err.strip().splitlines()
    assert line.startswith("Configuration error: WEBHOOK_SECRET is invalid") and ".env.example" in line
    assert "allowed-secret-value" not in out + err


def test_json_logs_are_one_object_per_line_with_the_traceback() -> None:
    stream = io.StringIO()
    handler = log_handler("json")
    assert isinstance(handler, logging.StreamHandler) and isinstance(handler.formatter, JsonFormatter)
    handler.setStream(stream)
    logger = logging.getLogger("tests.json_logs")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("Order %d: %s", 42, "multi\nline")
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logger.exception("Update %s failed", 7)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["message"] == "Order 42: multi\nline" and first["level"] == "WARNING"
    assert first["logger"] == "tests.json_logs" and "exc_info" not in first
    assert first["time"].endswith("+00:00")
    assert second["message"] == "Update 7 failed" and second["level"] == "ERROR"
    assert "Traceback" in second["exc_info"] and "RuntimeError: boom" in second["exc_info"]
