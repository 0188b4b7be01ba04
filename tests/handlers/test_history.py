"""The customer's wallet history end to end: signed amounts, order numbers, notes, pages, privacy."""

from __future__ import annotations

from bot import texts
from bot.admin.operations import deduct
from handlers.callbacks import HistoryCb
from tests.handlers.orders_support import complete, place_direct
from tests.harness import ADMIN_ID, Shop

USER = 4101
OTHER = 4102


async def test_empty_history(shop: Shop) -> None:
    await shop.register(USER)
    reply = await shop.say(USER, "/history", "no movements yet")
    assert reply.labels() == []


async def test_history_shows_every_movement_signed_with_orders_and_notes(shop: Shop) -> None:
    await shop.register(USER)
    await shop.say(ADMIN_ID, f"/topup {USER} 5 <b>bank</b> transfer", "Credited")
    order = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/h#cancel"))
    await deduct(shop.db, shop.settings, user_id=USER, amount=50, admin_id=ADMIN_ID, note="fee", ref="fee:1")
    reply = await shop.say(USER, texts.BTN_HISTORY, "Wallet history")
    lines = reply.text.splitlines()
    assert lines[1] == "Balance: 4.50 USD"
    body = "\n".join(lines[3:])
    assert "−0.50 USD · Adjustment" in body and "fee" in body
    assert f"+1.17 USD · Refund #{order.id}" in body
    assert f"−1.17 USD · Order #{order.id}" in body
    assert "+5.00 USD · Top-up" in body and "<b>bank</b> transfer" in body  # shown literally
    assert body.index("Adjustment") < body.index("Refund") < body.index("Order #") < body.index("Top-up")


async def test_history_pages_and_stays_private(shop: Shop) -> None:
    await shop.register(USER)
    for n in range(12):
        await shop.say(ADMIN_ID, f"/topup {USER} {n + 1}", "Credited")
    first = await shop.say(USER, "/history", "Wallet history")
    assert "Page 1 of 2" in first.text and "+12.00 USD" in first.text and "+1.00 USD" not in first.text
    second = await shop.tap(USER, texts.BTN_NEXT, "Page 2 of 2")
    assert "+1.00 USD" in second.text and "+2.00 USD" in second.text
    # Another user paging with forged data only ever sees their own (empty) history.
    await shop.register(OTHER)
    await shop.say(OTHER, "/history", "no movements yet")
    callback = await shop.tg.press_data(OTHER, HistoryCb(page=1).pack())
    await shop.tg.wait_for_answer(callback)
    assert all("+1.00 USD" not in m.text for m in shop.tg.messages(OTHER))
