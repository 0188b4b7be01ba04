"""Stars top-ups end to end: invoice, checkout, a single credit, refunds and reconciliation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot import texts
from storage.ledger import LedgerEntry
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_payments import Payment
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop, open_category

USER = 1001
OTHER = 1002
PRESET = "10.00 USD · 500 ⭐"


@pytest.fixture
async def stars(shop: Shop) -> Shop:
    """The shop with Stars top-ups on: 1 Star = 0.02 USD, presets 5, 10, 25 and 50 USD."""
    await shop.restart(stars_rate=Decimal("0.02"), support_contact="@shop_help")
    return shop


async def invoice_for(shop: Shop, user_id: int, before: int) -> dict[str, object]:
    """Wait for the invoice after the `before`-th one and return its sendInvoice parameters."""
    await shop.tg.wait_for(lambda: len(shop.tg.invoices(user_id)) > before, description="an invoice")
    return shop.tg.calls("sendInvoice")[-1]


async def buy(shop: Shop, user_id: int = USER, label: str = PRESET) -> Payment:
    """/topup, tap a preset, pay the invoice and wait for the credit."""
    if await shop.users.get(user_id) is None:
        await shop.register(user_id)
    before = len(shop.tg.invoices(user_id))
    await shop.say(user_id, "/topup", "Top up with Telegram Stars")
    await shop.tg.press(user_id, label)
    await invoice_for(shop, user_id, before)
    mark = shop.tg.mark()
    payment = await shop.tg.pay(user_id)
    assert payment.ok, payment
    await shop.tg.wait_for_message(user_id, "Payment received", since=mark)
    assert payment.charge_id is not None
    return payment


async def stars_entries(shop: Shop, user_id: int) -> list[LedgerEntry]:
    return [e for e in await shop.ledger.history(user_id, limit=100) if e.ref.startswith("stars")]


async def test_a_preset_top_up_is_invoiced_paid_and_credited(stars: Shop) -> None:
    await stars.register(USER)
    menu = await stars.say(USER, "/topup", "Top up with Telegram Stars")
    assert "Balance: 0.00 USD" in menu.text and "1 ⭐ = 0.02 USD" in menu.text
    assert menu.labels() == [
        "5.00 USD · 250 ⭐",
        "10.00 USD · 500 ⭐",
        "25.00 USD · 1,250 ⭐",
        "50.00 USD · 2,500 ⭐",
        "✏️ Other amount",
    ]
    await stars.tg.press(USER, PRESET)
    invoice = await invoice_for(stars, USER, 0)
    assert invoice["currency"] == "XTR"
    assert not invoice.get("provider_token")
    assert "10.00 USD" in str(invoice["title"]) and "10.00 USD" in str(invoice["description"])
    [[intent_id, amount, stars_total, rate]] = await stars.db.fetchall(
        "SELECT id, amount, stars, rate FROM topup_intents WHERE user_id = ?", (USER,)
    )
    assert invoice["payload"] == intent_id
    assert (amount, stars_total, rate) == (1000, 500, "0.02")
    assert "pre_checkout_query" in (stars.tg.allowed_updates or [])

    payment = await stars.tg.pay(USER)
    assert payment.ok and payment.total_amount == 500
    notice = await stars.tg.wait_for_message(USER, "Payment received")
    assert "500 ⭐" in notice.text and "10.00 USD" in notice.text and "Balance: 10.00 USD" in notice.text
    assert await stars.users.balance(USER) == 1000
    [entry] = await stars_entries(stars, USER)
    assert (entry.ref, entry.amount, entry.kind.value) == (f"stars:{payment.charge_id}", 1000, "topup")
    history = await stars.say(USER, "/history", "Wallet history")
    assert "Top-up (Telegram Stars)" in history.text and "+10.00 USD" in history.text
    # The intent is used up: the same invoice cannot be paid a second time.
    again = await stars.tg.pay(USER)
    assert not again.ok and "already been paid" in (again.error_message or "")
    assert await stars.users.balance(USER) == 1000


async def test_a_payment_delivered_twice_is_credited_once(stars: Shop) -> None:
    payment = await buy(stars)
    assert payment.update_id is not None
    mark = stars.tg.mark()
    stars.tg.redeliver(payment.update_id)
    reply = await stars.tg.wait_for_message(USER, "already credited", since=mark)
    assert "Balance: 10.00 USD" in reply.text
    assert await stars.users.balance(USER) == 1000
    assert [e.ref for e in await stars_entries(stars, USER)] == [f"stars:{payment.charge_id}"]
    assert len([m for m in stars.tg.messages(USER) if "Payment received" in m.text]) == 1


async def test_forged_foreign_and_changed_invoices_are_refused_at_pre_checkout(stars: Shop) -> None:
    await stars.register(USER)
    await stars.register(OTHER)
    forged = await stars.tg.pre_checkout(USER, payload="not-an-intent", total_amount=500)
    assert not forged.ok and "not valid" in (forged.error_message or "")
    await stars.say(USER, "/topup", "Top up with Telegram Stars")
    await stars.tg.press(USER, PRESET)
    invoice = await invoice_for(stars, USER, 0)
    payload = str(invoice["payload"])
    # Another customer paying USER's invoice (a forwarded invoice) is refused.
    foreign = await stars.tg.pre_checkout(OTHER, payload=payload, total_amount=500)
    assert not foreign.ok and "not valid" in (foreign.error_message or "")
    changed = await stars.tg.pre_checkout(USER, payload=payload, total_amount=1)
    assert not changed.ok and "does not match" in (changed.error_message or "")
    other_currency = await stars.tg.pre_checkout(USER, payload=payload, total_amount=500, currency="USD")
    assert not other_currency.ok
    assert (await stars.tg.pre_checkout(USER, payload=payload, total_amount=500)).ok
    assert await stars.users.balance(USER) == 0
    assert await stars.users.balance(OTHER) == 0


async def test_an_expired_invoice_is_refused(stars: Shop) -> None:
    await stars.register(USER)
    await stars.say(USER, "/topup", "Top up with Telegram Stars")
    await stars.tg.press(USER, PRESET)
    await invoice_for(stars, USER, 0)
    # A day later (the intent lives 24 hours).
    async with stars.db.transaction() as tx:
        await tx.execute("UPDATE topup_intents SET expires_at = '2020-01-01T00:00:00.000Z'")
    payment = await stars.tg.pay(USER)
    assert not payment.ok and "expired" in (payment.error_message or "")
    assert await stars.users.balance(USER) == 0


@pytest.mark.parametrize(
    ("typed", "expect"),
    [
        ("0.50", "smallest top-up is 1.00 USD"),
        ("1000.01", "largest top-up is 1000.00 USD"),
        ("ten dollars", "plain number"),
        ("10.555", "decimal places"),
        ("-5", "must be positive"),
    ],
)
async def test_a_typed_amount_outside_the_rules_is_refused_politely(
    stars: Shop, typed: str, expect: str
) -> None:
    await stars.register(USER)
    await stars.say(USER, "/topup", "Top up with Telegram Stars")
    await stars.tap(USER, "✏️ Other amount", "Send the amount in USD")
    reply = await stars.say(USER, typed, expect)
    assert "from 1.00 USD to 1000.00 USD" in reply.text
    assert stars.tg.invoices(USER) == []
    assert await stars.db.fetchval("SELECT COUNT(*) FROM topup_intents") == 0
    # Still asking: a good amount now gets its invoice.
    await stars.tg.send_text(USER, "12,50")
    invoice = await invoice_for(stars, USER, 0)
    assert invoice["prices"] and "12.50 USD" in str(invoice["title"])
    assert await stars.db.fetchval("SELECT stars FROM topup_intents") == 625


async def test_topup_with_an_amount_and_the_menu_button(stars: Shop) -> None:
    await stars.register(USER)
    await stars.tg.send_text(USER, "/topup 7")
    invoice = await invoice_for(stars, USER, 0)
    assert "7.00 USD" in str(invoice["title"])
    await stars.say(USER, "⭐ Top up", "Top up with Telegram Stars")
    await stars.say(USER, "/topup 0.10", "smallest top-up")


async def test_refundstars_while_covered_refunds_once(stars: Shop) -> None:
    charge_id = (await buy(stars)).charge_id
    assert charge_id is not None
    await stars.register(ADMIN_ID)
    mark = stars.tg.mark()
    reply = await stars.say(ADMIN_ID, f"/refundstars {charge_id}", "Refunded")
    assert "500 ⭐" in reply.text and "10.00 USD" in reply.text
    calls = [
        (int(c["user_id"]), c["telegram_payment_charge_id"]) for c in stars.tg.calls("refundStarPayment")
    ]
    assert calls == [(USER, charge_id)]
    notice = await stars.tg.wait_for_message(USER, "was refunded", since=mark)
    assert "10.00 USD" in notice.text and "Balance: 0.00 USD" in notice.text
    assert await stars.users.balance(USER) == 0
    # Telegram's own refunded_payment message for it takes nothing more.
    await stars.tg.wait_for(lambda: stars.tg.pending_updates == 0, description="refunded_payment handled")
    again = await stars.say(ADMIN_ID, f"/refundstars {charge_id}", "refunded before")
    assert "nothing changed" in again.text
    assert len(stars.tg.calls("refundStarPayment")) == 1
    refs = sorted(e.ref for e in await stars_entries(stars, USER))
    assert refs == [f"stars-refund:{charge_id}", f"stars:{charge_id}"]
    assert await stars.users.balance(USER) == 0
    history = await stars.say(USER, "/history", "Wallet history")
    assert "Telegram Stars refund" in history.text


async def test_refundstars_is_refused_when_the_credit_was_spent(stars: Shop) -> None:
    charge_id = (await buy(stars)).charge_id
    assert charge_id is not None
    await stars.register(ADMIN_ID)
    await stars.say(ADMIN_ID, f"/deduct {USER} 4 spent", "Deducted")
    reply = await stars.say(ADMIN_ID, f"/refundstars {charge_id}", "Not refunded")
    assert "10.00 USD" in reply.text and "6.00 USD" in reply.text
    assert stars.tg.calls("refundStarPayment") == []
    assert await stars.users.balance(USER) == 600


async def test_a_refund_telegram_refuses_gives_the_debit_back(stars: Shop) -> None:
    charge_id = (await buy(stars)).charge_id
    assert charge_id is not None
    await stars.register(ADMIN_ID)
    stars.tg.fail_next("refundStarPayment", 400, description="Bad Request: CHARGE_NOT_FOUND")
    reply = await stars.say(ADMIN_ID, f"/refundstars {charge_id}", "refused the refund")
    assert "CHARGE_NOT_FOUND" in reply.text
    assert await stars.users.balance(USER) == 1000
    # The next try debits again (its own reference) and goes through.
    await stars.say(ADMIN_ID, f"/refundstars {charge_id}", "Refunded")
    assert await stars.users.balance(USER) == 0
    refs = sorted(e.ref for e in await stars_entries(stars, USER))
    assert refs == [
        f"stars-refund-undo:{charge_id}:1",
        f"stars-refund:{charge_id}",
        f"stars-refund:{charge_id}:2",
        f"stars:{charge_id}",
    ]


async def test_a_refund_without_an_answer_stays_pending_and_is_finished_by_a_retry(stars: Shop) -> None:
    charge_id = (await buy(stars)).charge_id
    assert charge_id is not None
    await stars.register(ADMIN_ID)
    stars.tg.fail_next("refundStarPayment", 502)
    reply = await stars.say(ADMIN_ID, f"/refundstars {charge_id}", "did not answer")
    assert charge_id in reply.text
    assert await stars.users.balance(USER) == 0  # taken, once
    await stars.say(ADMIN_ID, f"/refundstars {charge_id}", "Refunded")
    assert await stars.users.balance(USER) == 0
    assert [e.ref for e in await stars_entries(stars, USER)].count(f"stars-refund:{charge_id}") == 1


async def test_a_refund_made_elsewhere_takes_back_what_is_left(stars: Shop) -> None:
    charge_id = (await buy(stars)).charge_id
    assert charge_id is not None
    await stars.register(ADMIN_ID)
    await stars.say(ADMIN_ID, f"/deduct {USER} 7 spent", "Deducted")
    mark = stars.tg.mark()
    update_id = stars.tg.refund_elsewhere(charge_id)
    alert = await stars.tg.wait_for_message(ADMIN_ID, "refunded outside the shop", since=mark)
    assert "7.00 USD" in alert.text and charge_id in alert.text
    await stars.tg.wait_for_message(OTHER_ADMIN_ID, "refunded outside the shop", since=mark)
    notice = await stars.tg.wait_for_message(USER, "was refunded", since=mark)
    assert "3.00 USD" in notice.text and "Balance: 0.00 USD" in notice.text
    assert await stars.users.balance(USER) == 0
    # The same update again takes nothing more.
    stars.tg.redeliver(update_id)
    await stars.tg.wait_for(lambda: stars.tg.pending_updates == 0, description="update handled")
    await stars.say(USER, "/balance", "Balance")
    refunded = [e for e in await stars_entries(stars, USER) if e.ref.startswith("stars-refunded")]
    assert [e.amount for e in refunded] == [-300]


async def test_a_payment_whose_update_was_lost_is_credited_by_reconciliation(stars: Shop) -> None:
    await stars.register(USER)
    await stars.register(ADMIN_ID)
    await stars.say(USER, "/topup", "Top up with Telegram Stars")
    await stars.tg.press(USER, "25.00 USD · 1,250 ⭐")
    await invoice_for(stars, USER, 0)
    payment = await stars.tg.pay(USER, deliver=False)
    assert payment.ok
    assert await stars.users.balance(USER) == 0
    mark = stars.tg.mark()
    report = await stars.say(ADMIN_ID, "/stars", "Telegram Stars")
    assert "1 payment whose update was lost was credited now" in report.text
    assert "1 payment, 1,250 ⭐" in report.text
    await stars.tg.wait_for_message(USER, "Payment received", since=mark)
    await stars.tg.wait_for_message(ADMIN_ID, "update was lost", since=mark)
    assert await stars.users.balance(USER) == 2500
    # Once: the next run finds it recorded.
    again = await stars.say(ADMIN_ID, "/stars", "payment Telegram lists is recorded")
    assert payment.charge_id in again.text
    assert await stars.users.balance(USER) == 2500
    assert len(await stars_entries(stars, USER)) == 1


async def test_a_payment_matching_no_intent_is_credited_at_the_current_rate_and_reported(stars: Shop) -> None:
    await stars.register(USER)
    mark = stars.tg.mark()
    stars.tg.enqueue_update(successful_payment_update(stars.tg, USER, "an-old-invoice", 150, "stxOLD1"))
    notice = await stars.tg.wait_for_message(USER, "Payment received", since=mark)
    assert "3.00 USD" in notice.text
    alert = await stars.tg.wait_for_message(ADMIN_ID, "matched no open invoice", since=mark)
    assert "stxOLD1" in alert.text and str(USER) in alert.text
    assert await stars.users.balance(USER) == 300


async def test_without_a_rate_topup_explains_how_to_get_credit(shop: Shop) -> None:
    await shop.restart(support_contact="@shop_help")
    await shop.register(USER)
    reply = await shop.say(USER, "/topup", "contact the shop's administrator")
    assert "@shop_help" in reply.text
    assert shop.tg.invoices(USER) == []


async def test_an_admin_bare_topup_is_their_own_top_up(stars: Shop) -> None:
    await stars.register(ADMIN_ID)
    await stars.say(ADMIN_ID, "/topup", "Top up with Telegram Stars")
    await stars.register(USER)
    await stars.say(ADMIN_ID, f"/topup {USER} 3 cash", "Credited")
    assert await stars.users.balance(USER) == 300


async def test_paysupport_points_to_the_shop(stars: Shop) -> None:
    reply = await stars.say(USER, "/paysupport", "Help with a payment")
    assert "@shop_help" in reply.text
    assert {"topup", "paysupport"} <= {command.command for command in stars.tg.commands}


async def test_stats_show_top_ups_by_method_and_customers_cannot_refund(stars: Shop) -> None:
    await buy(stars)
    await stars.register(ADMIN_ID)
    await stars.say(ADMIN_ID, f"/topup {USER} 2", "Credited")
    stats = await stars.say(ADMIN_ID, "/stats", "Shop statistics")
    assert "Top-ups: 12.00 USD (Telegram Stars 10.00 USD, by admins 2.00 USD)" in stats.text
    await stars.say(USER, "/refundstars whatever", "not available")
    await stars.say(USER, "/stars", "not available")
    assert stars.tg.calls("refundStarPayment") == []


def successful_payment_update(
    tg: FakeTelegram, user_id: int, payload: str, stars: int, charge_id: str
) -> dict:
    """A raw successful_payment message, as Telegram would deliver it for an invoice of long ago."""
    return {
        "message": {
            "message_id": 10_000,
            "date": 1_767_225_610,
            "chat": {"id": user_id, "type": "private", "first_name": "User"},
            "from": {"id": user_id, "is_bot": False, "first_name": "User"},
            "successful_payment": {
                "currency": "XTR",
                "total_amount": stars,
                "invoice_payload": payload,
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": "",
            },
        }
    }


async def test_pre_checkout_is_answered_while_the_customer_waits_for_an_order(stars: Shop) -> None:
    # Updates of one user run one at a time; a pre-checkout query must not queue behind a slow Confirm.
    await stars.fund(USER, 5000)
    await stars.say(USER, "/topup", "Top up with Telegram Stars")
    await stars.tg.press(USER, PRESET)
    await invoice_for(stars, USER, 0)
    await open_category(stars, USER)
    await stars.tap(USER, texts.service_button("Instagram Followers", 117, "USD"), "Price:")
    await stars.tap(USER, texts.BTN_ORDER, "Send the link")
    await stars.say(USER, "https://instagram.com/p/slow", "How many?")
    await stars.say(USER, "1000", "Total")
    stars.provider.latency = 1.5  # under the shop's 2 s provider timeout: the order is placed
    mark = stars.tg.mark()
    await stars.tg.press(USER, texts.BTN_CONFIRM)
    await stars.tg.wait_for_message(USER, "Placing", since=mark)
    # Answered long before the provider answers the Confirm (a queued answer would take 1.5 s).
    payment = await stars.tg.pay(USER, timeout=0.75)
    assert payment.ok
    assert not await stars.orders.for_user(USER) or (await stars.only_order(USER)).provider_order_id is None
    await stars.tg.wait_for_message(USER, "Payment received")
    await stars.tg.wait_for_message(USER, "placed", since=mark)
    order = await stars.only_order(USER)
    assert order.provider_order_id is not None
    assert await stars.users.balance(USER) == 5000 + 1000 - order.charge


async def test_a_russian_customer_reads_the_refusal_in_russian(stars: Shop) -> None:
    mark = stars.tg.mark()
    await stars.tg.send_text(OTHER, "/start", language_code="ru")
    await stars.tg.wait_for_message(OTHER, "", since=mark)
    answer = await stars.tg.pre_checkout(OTHER, payload="forged", total_amount=500)
    assert not answer.ok and "недействителен" in (answer.error_message or "")
    menu = await stars.say(OTHER, "/topup", "Telegram Stars")
    assert "Пополнение через Telegram Stars" in menu.text and "✏️ Другая сумма" in menu.labels()


async def test_a_payment_in_the_middle_of_a_conversation_is_credited_not_taken_as_an_answer(
    stars: Shop,
) -> None:
    await stars.register(ADMIN_ID)
    await stars.say(ADMIN_ID, "/topup", "Top up with Telegram Stars")
    await stars.tg.press(ADMIN_ID, PRESET)
    await invoice_for(stars, ADMIN_ID, 0)
    # The admin starts composing a broadcast, whose next message would be the text to send...
    await stars.say(ADMIN_ID, "/broadcast", "Send the message to broadcast")
    mark = stars.tg.mark()
    payment = await stars.tg.pay(ADMIN_ID)
    assert payment.ok
    await stars.tg.wait_for_message(ADMIN_ID, "Payment received", since=mark)
    assert await stars.users.balance(ADMIN_ID) == 1000
    # ... and is still composing it.
    await stars.say(ADMIN_ID, "Hello all", "Who should receive it?")
