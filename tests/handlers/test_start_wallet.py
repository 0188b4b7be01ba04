"""Foundation end to end: /start, /balance, admin top-up, restarts, refusals."""

from __future__ import annotations

import pytest

from tests.harness import ADMIN_ID, Shop

USER = 1001


async def test_start_registers_and_shows_the_menu(shop: Shop) -> None:
    await shop.tg.send_text(USER, "/start", username="alice", first_name="Alice <b>")
    reply = await shop.tg.wait_for_message(USER, "Welcome")
    assert "Alice <b>" in reply.text  # shown literally: the name was escaped, not parsed as HTML
    keyboard = shop.tg.reply_keyboard(USER)
    assert keyboard is not None
    labels = [label for row in keyboard for label in row]
    assert any("New order" in label for label in labels)
    assert any("Balance" in label for label in labels)
    assert any("My orders" in label for label in labels)
    user = await shop.users.get(USER)
    assert user is not None and user.username == "alice"


async def test_commands_are_published_at_start_up(shop: Shop) -> None:
    published = {command.command for command in shop.tg.commands}
    assert {"start", "order", "balance", "help", "cancel"} <= published


async def test_new_user_balance_is_zero(shop: Shop) -> None:
    await shop.register(USER)
    reply = await shop.say(USER, "/balance", "Balance")
    assert reply.text == "Balance: 0.00 USD"
    reply = await shop.say(USER, "💰 Balance", "Balance")
    assert reply.text == "Balance: 0.00 USD"


async def test_help_explains_the_shop(shop: Shop) -> None:
    reply = await shop.say(USER, "/help", "How it works")
    assert "/order" in reply.text


async def test_admin_top_up_credits_and_tells_the_user(shop: Shop) -> None:
    await shop.register(USER)
    await shop.register(ADMIN_ID)
    reply = await shop.say(ADMIN_ID, f"/topup {USER} 10 bank transfer", "Credited")
    assert "10.00 USD" in reply.text and "New balance: 10.00 USD" in reply.text
    notice = await shop.tg.wait_for_message(USER, "credited")
    assert "10.00 USD" in notice.text and "bank transfer" in notice.text
    assert (await shop.say(USER, "/balance", "Balance")).text == "Balance: 10.00 USD"
    [entry] = await shop.ledger.history(USER)
    assert (entry.amount, entry.kind.value, entry.admin_id, entry.note) == (
        1000,
        "topup",
        ADMIN_ID,
        "bank transfer",
    )


async def test_top_up_accepts_decimal_comma(shop: Shop) -> None:
    await shop.register(USER)
    await shop.say(ADMIN_ID, f"/topup {USER} 10,50", "Credited")
    assert await shop.users.balance(USER) == 1050


async def test_non_admin_top_up_changes_nothing(shop: Shop) -> None:
    await shop.register(USER)
    reply = await shop.say(USER, f"/topup {USER} 100", "not available")
    assert "Credited" not in reply.text
    assert await shop.users.balance(USER) == 0
    assert await shop.ledger.count(USER) == 0


@pytest.mark.parametrize(
    "args",
    [
        # A bare /topup is the admin's own top-up (tests/handlers/test_stars.py).
        "{user}",
        "{user} abc",
        "{user} -5",
        "{user} 1e9",
        "{user} 0",
        "{user} 10.555",
        "424242 10",
        "abc 10",
        "{user} 99999999",
    ],
)
async def test_malformed_top_up_is_refused_with_usage(shop: Shop, args: str) -> None:
    await shop.register(USER)
    reply = await shop.say(ADMIN_ID, f"/topup {args.format(user=USER)}".strip(), "Usage")
    assert "/topup" in reply.text
    assert await shop.users.balance(USER) == 0
    assert await shop.ledger.count(USER) == 0


async def test_restart_keeps_balances(shop: Shop) -> None:
    await shop.register(USER)
    await shop.say(ADMIN_ID, f"/topup {USER} 12.34", "Credited")
    await shop.restart()
    assert (await shop.say(USER, "/balance", "Balance")).text == "Balance: 12.34 USD"


async def test_unknown_text_points_to_the_menu(shop: Shop) -> None:
    reply = await shop.say(USER, "hello?", "didn't understand")
    assert "/help" in reply.text


async def test_handler_failure_gives_a_short_apology(shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    await shop.register(USER)

    async def broken(_: int) -> int:
        raise RuntimeError(f"database exploded near {shop.settings.provider_key.get_secret_value()}")

    monkeypatch.setattr(shop.users, "balance", broken)
    reply = await shop.say(USER, "/balance", "Sorry")
    assert "exploded" not in reply.text and "RuntimeError" not in reply.text
