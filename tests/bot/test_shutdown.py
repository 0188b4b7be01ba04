"""Deploys: `python -m bot` stopped (SIGTERM) or killed while a customer's order is being placed."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

from bot import texts
from storage.database import Database, SQLiteDatabase
from storage.orders import OrderStatus
from storage.postgres import PostgresDatabase
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop, fake_env, make_settings, open_category, spawn_bot

USER = 7101
FOLLOWERS = texts.service_button("Instagram Followers", 117, "USD")


async def summary_ready(shop: Shop) -> None:
    """Fund the customer and walk them to the summary with its Confirm button (in-process bot)."""
    await shop.fund(USER, 1000)
    await open_category(shop, USER)
    await shop.tap(USER, FOLLOWERS, "Price:")
    await shop.tap(USER, texts.BTN_ORDER, "Send the link")
    await shop.say(USER, "https://instagram.com/p/deploy", "How many?")
    await shop.say(USER, "1000", "Total")


async def start_bot_process(
    tg: FakeTelegram, provider: FakeProvider, db_path: Path, url: str | None = None, **env_extra: str
) -> asyncio.subprocess.Process:
    """Start `python -m bot` against the fakes and wait until it long-polls."""
    env = fake_env(tg, provider, db_path, url, LOG_LEVEL="INFO", **env_extra)
    process = await spawn_bot(env, db_path.parent, log=db_path.parent / "bot.log")
    await tg.wait_polling(timeout=20)
    return process


async def stopped(process: asyncio.subprocess.Process, db_path: Path, *, within: float) -> int:
    """Wait for the process to exit; kill it and fail if it takes longer than `within` seconds."""
    try:
        async with asyncio.timeout(within):
            return await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        log = (db_path.parent / "bot.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"the bot did not exit within {within} s; its log:\n{log}") from None


async def order_state(db_path: Path, url: str | None = None) -> tuple[str, str | None, list[str], list[str]]:
    """Return (status, provider order id, ledger kinds, placement notice statuses) of the only order."""
    db: Database = PostgresDatabase(url) if url else SQLiteDatabase(db_path)
    await db.connect()
    try:
        [row] = await db.fetchall("SELECT id, status, provider_order_id FROM orders")
        kinds = await db.fetchall("SELECT kind FROM ledger WHERE order_id = ? ORDER BY id", (row[0],))
        notices = await db.fetchall(
            "SELECT status FROM outbox WHERE ref = ?", (f"notice:placement:{row[0]}",)
        )
        return row[1], row[2], [k[0] for k in kinds], [n[0] for n in notices]
    finally:
        await db.close()


async def test_sigterm_lets_a_slow_placement_finish_and_the_customer_see_it(
    database_url: str | None, fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    db_path = tmp_path / "deploy.db"
    shop = Shop(fake_telegram, fake_provider, make_settings(fake_telegram, fake_provider, db_path))
    await shop.start()
    await summary_ready(shop)
    await shop.stop()
    process = await start_bot_process(fake_telegram, fake_provider, db_path, database_url)
    fake_provider.latency = 2.0  # the provider takes its time over the `add`
    mark = fake_telegram.mark()
    await fake_telegram.press(USER, texts.BTN_CONFIRM)
    await fake_telegram.wait_for(lambda: len(fake_provider.calls("add")) == 1, description="add sent")
    process.send_signal(signal.SIGTERM)  # a deploy, while the `add` is in flight
    assert await stopped(process, db_path, within=15) == 0
    status, provider_order_id, kinds, notices = await order_state(db_path, database_url)
    assert status == OrderStatus.PENDING and provider_order_id in fake_provider.orders  # not parked
    assert kinds == ["charge"]  # charged once, not refunded
    assert len(fake_provider.calls("add")) == 1
    result = await fake_telegram.wait_for_message(USER, "placed", since=mark, timeout=1)
    assert "balance 8.83 USD" in result.text
    assert notices == ["sent"]  # shown by the edit; no copy left to send


async def test_sigterm_past_the_grace_period_parks_the_order_and_tells_the_customer(
    fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    """SQLite: the next start parks it. On PostgreSQL an instance parks only placements older than any
    placement takes (tests/handlers/test_ordering.py covers that), since another may be placing it."""
    db_path = tmp_path / "deploy.db"
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        fake_telegram.add_user(admin)
    shop = Shop(fake_telegram, fake_provider, make_settings(fake_telegram, fake_provider, db_path))
    await shop.start()
    await summary_ready(shop)
    await shop.stop()
    process = await start_bot_process(fake_telegram, fake_provider, db_path, SHUTDOWN_GRACE_SECONDS="1")
    fake_provider.latency = 8.0  # slower than the grace period
    await fake_telegram.press(USER, texts.BTN_CONFIRM)
    await fake_telegram.wait_for(lambda: len(fake_provider.calls("add")) == 1, description="add sent")
    began = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert await stopped(process, db_path, within=10) == 0
    assert time.monotonic() - began < 5  # bounded: the grace period, not the provider, decides
    status, _, kinds, _ = await order_state(db_path)
    assert status == OrderStatus.SUBMITTING and kinds == ["charge"]
    fake_provider.latency = 0.0
    mark = fake_telegram.mark()
    await shop.start()  # the next start parks it, exactly as after a crash
    try:
        notice = await fake_telegram.wait_for_message(USER, "we are checking it", since=mark)
        order = await shop.only_order(USER)
        assert f"Order #{order.id}" in notice.text
        assert order.status == OrderStatus.UNKNOWN and order.attention is not None
        await fake_telegram.wait_for_message(ADMIN_ID, f"Order #{order.id} needs checking")
        await shop.poll()
        assert len(fake_provider.calls("add")) == 1  # never sent twice
        assert await shop.users.balance(USER) == 1000 - 117  # not refunded blindly
        await shop.assert_ledger_balanced()
    finally:
        await shop.stop()


async def test_a_result_not_yet_shown_when_the_bot_dies_is_sent_after_the_restart(
    database_url: str | None, fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    db_path = tmp_path / "deploy.db"
    shop = Shop(fake_telegram, fake_provider, make_settings(fake_telegram, fake_provider, db_path))
    await shop.start()
    await summary_ready(shop)
    await shop.stop()
    process = await start_bot_process(fake_telegram, fake_provider, db_path, database_url)
    fake_telegram.set_delay("editMessageText", 30)  # the "placed" edit hangs

    def result_edit_sent() -> bool:
        return any("placed" in str(p.get("text")) for p in fake_telegram.calls("editMessageText"))

    await fake_telegram.press(USER, texts.BTN_CONFIRM)
    await fake_telegram.wait_for(result_edit_sent, description="the result edit")
    process.kill()  # SIGKILL: no shutdown hook at all
    await process.wait()
    fake_telegram.set_delay("editMessageText", 0)
    mark = fake_telegram.mark()
    await shop.start()
    try:
        order = await shop.only_order(USER)
        assert order.status == OrderStatus.PENDING
        # SQLite: released at start. PostgreSQL: another instance may still be about to show it, so it
        # goes once it has been held longer than any Confirm handler needs (checked every 10 s).
        wait = 60.0 if database_url else 5.0
        result = await fake_telegram.wait_for_message(
            USER, f"Order #{order.id} placed", since=mark, timeout=wait
        )
        assert "balance 8.83 USD" in result.text
        await shop.drained()  # sent once, and marked so
    finally:
        await shop.stop()
