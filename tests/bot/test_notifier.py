"""The notification sender against a fake Telegram that enforces its limits and fails on purpose."""

from __future__ import annotations

import asyncio

import pytest

from storage.orders import Order
from storage.users import UserRepo
from tests.harness import Shop, counted, place

USERS = list(range(6000, 6060))


async def _sleep() -> None:
    await asyncio.sleep(0.05)


async def cancel_all(shop: Shop, orders: list[Order]) -> None:
    for order in orders:
        shop.provider.set_status(order.provider_order_id, "Canceled", remains=order.quantity)
    await shop.poll()


async def test_sixty_notices_at_once_stay_under_the_limits(shop: Shop) -> None:
    orders = [await place(shop, user, link=f"https://instagram.com/p/{user}") for user in USERS]
    await shop.drained()
    shop.tg.set_rate_limits(per_chat_rate=1, global_rate=30)
    before = shop.tg.stats.too_many_requests
    await cancel_all(shop, orders)
    await shop.drained()
    for user, order in zip(USERS, orders, strict=True):
        notices = [m for m in shop.tg.messages(user) if f"Order #{order.id} is Canceled" in m.text]
        assert len(notices) == 1
    assert shop.tg.stats.too_many_requests - before <= 3


async def test_a_blocked_user_does_not_hold_up_the_others_and_gets_the_notice_on_return(shop: Shop) -> None:
    orders = [await place(shop, user, link=f"https://instagram.com/p/{user}") for user in USERS[:6]]
    await shop.drained()
    blocked = USERS[0]
    shop.tg.block(blocked)
    await cancel_all(shop, orders)
    for user, order in zip(USERS[1:6], orders[1:], strict=True):
        await shop.tg.wait_for_message(user, f"Order #{order.id} is Canceled")
    users = UserRepo(shop.db)
    await shop.tg.wait_for(lambda: shop.tg.stats.forbidden >= 1)
    for _ in range(100):
        user = await users.get(blocked)
        if user is not None and user.is_blocked:
            break
        await _sleep()
    assert user is not None and user.is_blocked
    # Telegram accepted the others' notices; each is marked sent just after, and only the held one stays.
    for _ in range(100):
        if await shop.dep("outbox").pending_count() == 1:
            break
        await _sleep()
    assert await shop.dep("outbox").pending_count() == 1
    attempts = shop.tg.stats.forbidden
    await _sleep()
    assert shop.tg.stats.forbidden == attempts  # no hammering a user who blocked us
    shop.tg.unblock(blocked)
    await shop.tg.send_text(blocked, "/start")
    await shop.tg.wait_for_message(blocked, f"Order #{orders[0].id} is Canceled")
    await shop.drained()


async def test_a_burst_of_server_errors_loses_nothing(shop: Shop) -> None:
    orders = [await place(shop, user, link=f"https://instagram.com/p/{user}") for user in USERS[:10]]
    await shop.drained()
    shop.tg.fail_next("sendMessage", 502, count=6)
    await cancel_all(shop, orders)
    for user, order in zip(USERS[:10], orders, strict=True):
        await shop.tg.wait_for_message(user, f"Order #{order.id} is Canceled", timeout=15)
    await shop.drained()
    for user, order in zip(USERS[:10], orders, strict=True):
        assert len([m for m in shop.tg.messages(user) if f"Order #{order.id} is Canceled" in m.text]) == 1


async def test_retry_after_is_honoured(shop: Shop) -> None:
    orders = [await place(shop, user, link=f"https://instagram.com/p/{user}") for user in USERS[:3]]
    await shop.drained()
    shop.tg.fail_next("sendMessage", 429, count=1, retry_after=1)
    await cancel_all(shop, orders)
    for user, order in zip(USERS[:3], orders, strict=True):
        await shop.tg.wait_for_message(user, f"Order #{order.id} is Canceled", timeout=10)
    assert shop.dep("notifier").retry_after_answers == 1


@pytest.mark.parametrize("comes_back_with", ["message", "button"])
async def test_a_blocked_user_gets_held_notices_on_any_message_or_button(
    shop: Shop, comes_back_with: str
) -> None:
    user = USERS[0]
    order = await place(shop, user)
    menu = await shop.say(user, "/order", "Choose a platform")  # a keyboard to press later
    await shop.drained()
    shop.tg.block(user)
    await cancel_all(shop, [order])
    await shop.tg.wait_for(lambda: shop.tg.stats.forbidden >= 1)
    for _ in range(100):
        known = await shop.users.get(user)
        if known is not None and known.is_blocked:
            break
        await _sleep()
    assert await shop.dep("outbox").pending_count() == 1
    shop.tg.unblock(user)
    if comes_back_with == "message":
        await shop.tg.send_text(user, "/balance")  # not /start, and no restart
    else:
        await shop.tg.press(user, counted(menu, "Instagram"))
    await shop.tg.wait_for_message(user, f"Order #{order.id} is Canceled")
    await shop.drained()
    known = await shop.users.get(user)
    assert known is not None and not known.is_blocked


async def test_the_notifier_sends_only_while_its_instance_leads_the_outbox(shop: Shop) -> None:
    # bot.leadership calls lead(): with several instances, only the outbox's leader sends.
    user = 6100
    await shop.register(user)
    notifier = shop.dep("notifier")
    assert shop.dep("leaders")["outbox_sender"].is_leader
    await notifier.lead(False)  # another instance took the outbox over
    await shop.fund(user, 500)  # queues a "credited" notice
    await asyncio.sleep(1.5)
    assert await shop.dep("outbox").pending_count() == 1
    assert not [m for m in shop.tg.messages(user) if "credited" in m.text]
    await notifier.lead(True)  # this instance leads again
    await shop.tg.wait_for_message(user, "credited")
    await shop.drained()
