"""Admin toolkit end to end: /admin, /user, /deduct, and every admin command refused to customers."""

from __future__ import annotations

import pytest

from bot import texts
from bot.catalog.shop import MARKUP_KEY
from handlers.admin import ADMIN_COMMANDS
from tests.handlers.orders_support import complete, outbox_texts, place_direct
from tests.harness import ADMIN_ID, Shop

USER = 4201


async def test_admin_help_lists_the_commands(shop: Shop) -> None:
    reply = await shop.say(ADMIN_ID, "/admin", "Admin commands")
    for command in (*ADMIN_COMMANDS, "order"):
        if command != "admin":
            assert f"/{command}" in reply.text


@pytest.mark.parametrize(
    "command",
    [
        "/admin",
        "/topup {user} 10",
        "/deduct {user} 1",
        "/user {user}",
        "/refund {order}",
        "/refund {order} 0.10",
        "/resolve {order} refund",
        "/resolve {order} placed 999",
        "/attention",
        "/markup 500",
        "/price {service} 900",
        "/service {service} off",
        "/sync",
        "/stats",
        "/provider",
        "/audit",
    ],
)
async def test_customers_are_refused_every_admin_command(shop: Shop, command: str) -> None:
    order = await complete(shop, await place_direct(shop, USER))
    service = await shop.service("1")
    balance, entries = await shop.users.balance(USER), await shop.ledger.count(USER)
    text = command.format(user=USER, order=order.id, service=service.id)
    reply = await shop.say(USER, text, "not available")
    assert reply.text == texts.NOT_AVAILABLE
    assert await shop.users.balance(USER) == balance and await shop.ledger.count(USER) == entries
    assert await shop.only_order(USER) == order
    assert await shop.catalog.get(service.id) == service
    assert await shop.catalog.get_setting(MARKUP_KEY) is None
    assert len(shop.provider.calls("services")) == 1  # the start-up sync only
    assert len(shop.provider.calls("balance")) == 1  # the start-up currency check only


def test_bare_order_is_not_an_admin_command() -> None:
    assert "order" not in ADMIN_COMMANDS  # customers start an order with a bare /order
    assert set(ADMIN_COMMANDS) >= {"topup", "deduct", "user", "refund", "resolve", "markup", "price"}


async def test_customer_order_command_with_digits_is_not_the_admin_card(shop: Shop) -> None:
    order = await place_direct(shop, USER)
    reply = await shop.say(USER, f"/order {order.id}", "Choose a platform")
    assert "Provider" not in reply.text


async def test_user_card_by_id_and_username(shop: Shop) -> None:
    await shop.tg.send_text(USER, "/start", username="alice_b", first_name="Alice")
    await shop.tg.wait_for_message(USER, "Welcome")
    done = await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/1"))
    pending = await place_direct(shop, USER, link="https://instagram.com/p/2", quantity=100)
    await shop.fund(USER, 250)
    card = await shop.say(ADMIN_ID, f"/user {USER}", "Balance")
    assert "@alice_b" in card.text and f"({USER})" in card.text
    assert "Balance: 2.50 USD" in card.text and "Blocked the bot: no" in card.text
    assert "Orders: 2 (Completed 1, Pending 1)" in card.text
    assert card.text.index(f"#{pending.id}") < card.text.index(f"#{done.id}")
    by_name = await shop.say(ADMIN_ID, "/user @ALICE_B", "Balance")
    assert by_name.text == card.text


@pytest.mark.parametrize("args", ["", "nobody", "@nobody", "424242", "1 2"])
async def test_user_with_bad_arguments_shows_usage(shop: Shop, args: str) -> None:
    await shop.register(USER)
    reply = await shop.say(ADMIN_ID, f"/user {args}".strip(), "Usage")
    assert "/user" in reply.text


async def test_deduct_debits_records_the_admin_and_tells_the_user(shop: Shop) -> None:
    await shop.fund(USER, 1000)
    reply = await shop.say(ADMIN_ID, f"/deduct {USER} 2.50 chargeback <i>#7</i>", "Deducted")
    assert "Deducted 2.50 USD" in reply.text and "New balance: 7.50 USD" in reply.text
    assert await shop.users.balance(USER) == 750
    entry = (await shop.ledger.history(USER))[0]
    assert (entry.amount, entry.kind.value, entry.admin_id, entry.note) == (
        -250,
        "adjustment",
        ADMIN_ID,
        "chargeback <i>#7</i>",
    )
    notice = await shop.tg.wait_for_message(USER, "deducted from your wallet")
    assert "2.50 USD" in notice.text and "chargeback <i>#7</i>" in notice.text


async def test_deduct_never_goes_below_zero(shop: Shop) -> None:
    await shop.fund(USER, 100)
    reply = await shop.say(ADMIN_ID, f"/deduct {USER} 1.01", "cannot deduct")
    assert "has only 1.00 USD" in reply.text
    assert await shop.users.balance(USER) == 100 and await shop.ledger.count(USER) == 1
    assert not any("deducted" in text for text in await outbox_texts(shop, USER))


@pytest.mark.parametrize(
    "args", ["", "{user}", "{user} abc", "{user} -5", "{user} 0", "{user} 1.005", "424242 1", "x 1", "² 1"]
)
async def test_malformed_deduct_changes_nothing(shop: Shop, args: str) -> None:
    await shop.fund(USER, 1000)
    reply = await shop.say(ADMIN_ID, f"/deduct {args.format(user=USER)}".strip(), "Usage")
    assert "/deduct" in reply.text
    assert await shop.users.balance(USER) == 1000 and await shop.ledger.count(USER) == 1
