"""/audit and the daily ledger audit end to end: a clean answer, or every admin told the ids."""

from __future__ import annotations

import asyncio
import inspect
from datetime import timedelta

from bot.admin.audit import audit_job
from tests.handlers.orders_support import complete, outbox_texts, place_direct
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop

USER = 4801
OTHER = 4802


async def _sql(shop: Shop, sql: str, params: tuple[object, ...] = ()) -> None:
    async with shop.db.transaction() as tx:
        await tx.execute(sql, params)


async def audit_alerts(shop: Shop, admin: int) -> list[str]:
    return [text for text in await outbox_texts(shop, admin) if "Ledger audit" in text]


async def test_audit_of_a_consistent_shop_is_clean(shop: Shop) -> None:
    await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/a#partial=300"))
    await complete(shop, await place_direct(shop, OTHER, provider_service_id="2", link="https://x/y#cancel"))
    await place_direct(shop, OTHER, link="https://instagram.com/p/b")
    reply = await shop.say(ADMIN_ID, "/audit", "Ledger audit")
    assert "clean" in reply.text and "Checked 3 user(s) and 3 order(s)" in reply.text  # the admin is one
    await asyncio.sleep(0.2)
    assert await audit_alerts(shop, ADMIN_ID) == [] and await audit_alerts(shop, OTHER_ADMIN_ID) == []


async def test_audit_names_a_broken_balance_and_order_and_alerts_every_admin_once(shop: Shop) -> None:
    order = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/a#partial=300"))
    other = await place_direct(shop, OTHER)
    await _sql(shop, "UPDATE users SET balance = balance + 1 WHERE id = ?", (USER,))
    await _sql(shop, "UPDATE orders SET refunded = refunded + 1 WHERE id = ?", (order.id,))
    try:
        reply = await shop.say(ADMIN_ID, "/audit", "Ledger audit")
        assert "2 problem(s)" in reply.text
        assert f"User {USER}: balance" in reply.text
        assert f"Order #{order.id} (user {USER}, Partial)" in reply.text
        assert "refunds ≠ ledger (charged 1.17 USD, ledger 1.17; refunded 0.36, ledger 0.35)" in reply.text
        alert = await shop.tg.wait_for_message(OTHER_ADMIN_ID, "🚨 Ledger audit")
        assert f"User {USER}" in alert.text and f"Order #{order.id}" in alert.text
        for admin in (ADMIN_ID, OTHER_ADMIN_ID):
            [queued] = await audit_alerts(shop, admin)
            assert f"<code>{USER}</code>" in queued and f"Order #{order.id}" in queued

        # The same findings the same day: answered again, but no second alert.
        await shop.say(ADMIN_ID, "/audit", "2 problem(s)")
        await audit_job(shop.db, shop.settings)
        assert len(await audit_alerts(shop, OTHER_ADMIN_ID)) == 1

        # Something new is alerted at once.
        await _sql(shop, "UPDATE orders SET charge = charge + 1 WHERE id = ?", (other.id,))
        await audit_job(shop.db, shop.settings)
        [_, newer] = await audit_alerts(shop, OTHER_ADMIN_ID)
        assert (
            f"Order #{other.id} (user <code>{OTHER}</code>, Pending)" in newer and "charge ≠ ledger" in newer
        )
        await shop.tg.wait_for_message(OTHER_ADMIN_ID, f"Order #{other.id} (user {OTHER}")
    finally:
        await _sql(shop, "UPDATE users SET balance = balance - 1 WHERE id = ?", (USER,))
        await _sql(shop, "UPDATE orders SET refunded = refunded - 1 WHERE id = ?", (order.id,))
        await _sql(shop, "UPDATE orders SET charge = ? WHERE id = ?", (other.charge, other.id))
    await shop.say(ADMIN_ID, "/audit", "clean")


async def test_many_problems_are_capped_in_the_message(shop: Shop) -> None:
    users = list(range(4900, 4912))
    for user in users:
        await shop.fund(user, 100)
    await _sql(shop, f"UPDATE users SET balance = balance + 1 WHERE id IN ({','.join(map(str, users))})")  # noqa: S608
    try:
        reply = await shop.say(ADMIN_ID, "/audit", "Ledger audit")
    finally:
        await _sql(shop, f"UPDATE users SET balance = balance - 1 WHERE id IN ({','.join(map(str, users))})")  # noqa: S608
    assert "12 problem(s)" in reply.text and "… and 4 more" in reply.text
    assert [user for user in users if f"User {user}:" in reply.text] == users[:8]


async def test_the_audit_runs_daily(shop: Shop) -> None:
    job = shop.dep("scheduler").get_job("ledger_audit")
    # The scheduled function is the audit behind its leadership guard (bot.leadership).
    assert job is not None and inspect.unwrap(job.func) is audit_job
    assert job.trigger.interval == timedelta(hours=24)
