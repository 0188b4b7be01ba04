"""Broadcasts end to end: compose, preview, deliver behind order notices, report, cancel, survive SIGKILL."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

from storage.broadcasts import Audience, BroadcastRepo
from storage.database import Database, SQLiteDatabase
from tests.fakes.provider import FakeProvider
from tests.fakes.telegram import FakeTelegram
from tests.harness import (
    ADMIN_ID,
    OTHER_ADMIN_ID,
    Shop,
    fake_env,
    make_settings,
    place,
    spawn_bot,
    stop_bot,
    tail,
)

FIRST = 20_000
COUNT = 200


async def add_users(db: Database, tg: FakeTelegram, count: int = COUNT, locale: str = "ru") -> list[int]:
    """`count` customers who used the bot before (Russian-speaking, so an audience that leaves admins out)."""
    users = list(range(FIRST, FIRST + count))
    for user_id in users:
        tg.add_user(user_id, language_code=locale)
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO users (id, first_name, locale, last_seen) VALUES (?, 'User', ?, date('now'))",
            [(user_id, locale) for user_id in users],
        )
    return users


def copies(tg: FakeTelegram, user_id: int, words: str = "Big news") -> int:
    return len([m for m in tg.messages(user_id) if words in m.text])


async def compose(shop: Shop, audience_label: str) -> None:
    """/broadcast a formatted text with a URL button, pick the audience, check the preview, send it."""
    await shop.register(ADMIN_ID)
    await shop.say(ADMIN_ID, "/broadcast", "Send the message to broadcast")
    await shop.say(
        ADMIN_ID, "Big news: <b>sale</b> today!\nOpen the shop | https://t.me/shop_bot", "Who should"
    )
    mark = shop.tg.mark()
    await shop.tg.press(ADMIN_ID, audience_label)
    preview = await shop.tg.wait_for_message(ADMIN_ID, "This is how it will look", since=mark)
    looks = await shop.tg.wait_for_message(ADMIN_ID, "Big news", since=mark)
    assert (
        looks.button("Open the shop") is not None
        and looks.button("Open the shop").url == "https://t.me/shop_bot"
    )  # type: ignore[union-attr]
    assert "Send it?" in preview.text
    await shop.tap(ADMIN_ID, "📣 Send", "is being sent")


async def test_a_broadcast_reaches_everyone_who_did_not_block_the_bot_and_reports(shop: Shop) -> None:
    users = await add_users(shop.db, shop.tg)
    blocked = users[::10]  # 20 of them blocked the bot (the shop does not know yet)
    for user_id in blocked:
        shop.tg.block(user_id)
    await compose(shop, "Language: Русский")
    report = await shop.tg.wait_for_message(ADMIN_ID, "finished", timeout=60)
    assert (
        "Delivered: 180" in report.text
        and "Blocked the bot: 20" in report.text
        and "Failed: 0" in report.text
    )
    for user_id in users:
        assert copies(shop.tg, user_id) == (0 if user_id in blocked else 1), user_id
    delivered = shop.tg.messages(users[1])[-1]
    # Typed tags arrive as typed (only Telegram's own formatting becomes formatting).
    assert "<b>sale</b>" in delivered.text and delivered.button("Open the shop") is not None
    flagged = await shop.db.fetchval(
        "SELECT COUNT(*) FROM users WHERE is_blocked = 1 AND id >= ? AND id < ?", (FIRST, FIRST + COUNT)
    )
    assert flagged == 20
    assert copies(shop.tg, ADMIN_ID) == 1  # the preview only: admins read English


async def test_an_order_notice_queued_mid_broadcast_goes_out_within_seconds(shop: Shop) -> None:
    order = await place(shop, 1001)
    await add_users(shop.db, shop.tg)
    await compose(shop, "Everyone")
    await asyncio.sleep(1.5)  # the broadcast is under way
    shop.provider.set_status(order.provider_order_id, "Completed", remains=0)
    queued = time.monotonic()
    await shop.poll()
    await shop.tg.wait_for_message(1001, f"Order #{order.id} is Completed", timeout=3)
    assert time.monotonic() - queued < 3
    left = await shop.dep("outbox").pending_count()
    assert left > 50, "the broadcast should still be going"
    await shop.tg.wait_for_message(ADMIN_ID, "finished", timeout=60)


async def test_cancel_stops_what_is_not_yet_sent(shop: Shop) -> None:
    users = await add_users(shop.db, shop.tg)
    await compose(shop, "Language: Русский")
    await asyncio.sleep(1.0)
    stopped = await shop.say(ADMIN_ID, "/broadcast_cancel", "stopped")
    sent_then = sum(copies(shop.tg, user_id) for user_id in users)
    report = await shop.tg.wait_for_message(ADMIN_ID, "finished", timeout=30)
    assert "Not sent (cancelled)" in report.text
    await asyncio.sleep(1.0)
    sent = sum(copies(shop.tg, user_id) for user_id in users)
    assert sent <= sent_then + 16  # at most what was already in flight
    assert 0 < sent < COUNT and "stopped" in stopped.text
    rows = await shop.db.fetchall("SELECT status, last_error FROM outbox WHERE broadcast_id IS NOT NULL")
    assert len([r for r in rows if r[0] == "sent"]) == sent
    assert len([r for r in rows if r[1] == "canceled"]) == COUNT - sent
    assert all(copies(shop.tg, user_id) <= 1 for user_id in users)
    assert (await shop.say(ADMIN_ID, "/broadcast_cancel", "No broadcast")).text


async def test_a_customer_cannot_broadcast(shop: Shop) -> None:
    await shop.register(1001)
    await shop.say(1001, "/broadcast", "not available")
    await shop.say(1001, "/broadcast_cancel", "not available")
    assert await BroadcastRepo(shop.db).sending() == []


async def test_sigkill_mid_broadcast_then_restart_sends_each_copy_once(
    fake_telegram: FakeTelegram, fake_provider: FakeProvider, tmp_path: Path
) -> None:
    rng = random.Random(20261130)
    db_path = tmp_path / "broadcast.db"
    shop = Shop(fake_telegram, fake_provider, make_settings(fake_telegram, fake_provider, db_path))
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        fake_telegram.add_user(admin)
    await shop.start()
    users = await add_users(shop.db, fake_telegram)
    await shop.stop()
    db = SQLiteDatabase(db_path)
    await db.connect()
    try:
        broadcast = await BroadcastRepo(db).start(
            admin_id=ADMIN_ID,
            text="Big news",
            photo=None,
            markup=None,
            audience=Audience.parse("lang-ru"),  # type: ignore[arg-type]
        )
    finally:
        await db.close()
    assert broadcast is not None and broadcast.recipients == COUNT
    env = fake_env(fake_telegram, fake_provider, db_path, LOG_LEVEL="WARNING")

    log = tmp_path / "bot.log"

    async def spawn() -> asyncio.subprocess.Process:
        return await spawn_bot(env, tmp_path, log=log)

    for _ in range(3):
        process = await spawn()
        await asyncio.sleep(rng.uniform(2.0, 3.5))
        process.kill()  # SIGKILL: no shutdown hook
        await process.wait()
    process = await spawn()
    try:
        await fake_telegram.wait_for(
            lambda: sum(copies(fake_telegram, user_id) for user_id in users) >= COUNT,
            timeout=60,
            description="every copy delivered",
        )
        await asyncio.sleep(1.0)
    finally:
        code = await stop_bot(process)
    assert code == 0, tail(log)
    assert [copies(fake_telegram, user_id) for user_id in users] == [1] * COUNT
