"""Support tickets end to end: a customer asks, admins answer by button or reply, either side closes."""

from __future__ import annotations

from bot import texts
from bot.support.buttons import TicketAdminCb, TicketCb
from handlers.callbacks import SupportOrderCb, SupportTopicCb
from storage.orders import Order
from storage.tickets import TicketRepo
from tests.fakes.telegram_types import SentMessage
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop, place

USER = 1001
OTHER = 1002
GROUP = -1001234567890


async def ask_about_order(
    shop: Shop, user_id: int, order: Order, text: str = "It has not started"
) -> SentMessage:
    """/orders, the order, "Problem with this order", a topic, the message: the customer's receipt."""
    await shop.say(user_id, "/orders", "My orders")
    await shop.tap(user_id, texts.order_button(order), f"#{order.id}")
    await shop.tap(user_id, texts.BTN_ORDER_PROBLEM, "What is wrong with it?")
    await shop.tap(user_id, "Order not started", "Describe the problem")
    return await shop.say(user_id, text, "is open")


async def ask(shop: Shop, user_id: int, text: str, topic: str = "Something else") -> SentMessage:
    """/support, a topic, the message: the customer's receipt."""
    await shop.say(user_id, "/support", "What is it about?")
    await shop.tap(user_id, topic, "Describe the problem")
    return await shop.say(user_id, text, "is open")


async def test_a_ticket_about_an_order_reaches_every_admin_with_the_order_and_the_customer(
    shop: Shop,
) -> None:
    order = await place(shop, USER)
    receipt = await ask_about_order(shop, USER, order)
    assert "Ticket #1" in receipt.text
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        card = await shop.tg.wait_for_message(admin, "Ticket #1")
        assert f"Order #{order.id}: Instagram Followers" in card.text
        assert f"provider id {order.provider_order_id}" in card.text
        assert f"@user{USER}" in card.text and f"id {USER}" in card.text and "balance" in card.text
        assert "It has not started" in card.text and "Order not started" in card.text
        assert card.labels() == ["↩️ Reply", "✖ Close"]
    ticket = await TicketRepo(shop.db).get(1)
    assert ticket is not None and ticket.order_id == order.id and ticket.user_id == USER


async def test_admins_answer_by_button_and_by_reply_and_the_customer_answers_back(shop: Shop) -> None:
    await shop.register(USER)
    await ask(shop, USER, "Where is my refill? <b>bold</b>")
    card = await shop.tg.wait_for_message(ADMIN_ID, "Ticket #1")
    assert "<b>bold</b>" in card.text  # shown as written: escaped, not parsed
    # Reply button.
    await shop.tap(ADMIN_ID, "↩️ Reply", "Write the answer to ticket #1")
    sent = await shop.say(ADMIN_ID, "We restarted it.", "Sent to the customer")
    assert "ticket #1" in sent.text
    answer = await shop.tg.wait_for_message(USER, "We restarted it.")
    assert "Support" in answer.text and answer.labels() == ["↩️ Reply", "✖ Close"]
    await shop.tg.wait_for_message(OTHER_ADMIN_ID, f"Admin {ADMIN_ID} answered ticket #1")
    # Reply to the card, by the other admin.
    other_card = await shop.tg.wait_for_message(OTHER_ADMIN_ID, "Ticket #1")
    mark = shop.tg.mark()
    await shop.tg.send_text(OTHER_ADMIN_ID, "It is running now.", reply_to=other_card.message_id)
    await shop.tg.wait_for_message(OTHER_ADMIN_ID, "Sent to the customer", since=mark)
    second = await shop.tg.wait_for_message(USER, "It is running now.", since=mark)
    # The customer answers with the button ...
    mark = shop.tg.mark()
    await shop.tg.press(USER, "↩️ Reply", message_id=second.message_id)
    await shop.tg.wait_for_message(USER, "Write your message for ticket #1", since=mark)
    await shop.say(USER, "Thanks, I see it.", "Added to ticket #1")
    wrote = await shop.tg.wait_for_message(ADMIN_ID, "Thanks, I see it.", since=mark)
    assert "Ticket #1" in wrote.text and wrote.labels() == ["↩️ Reply", "✖ Close"]
    # ... and by replying to an answer.
    mark = shop.tg.mark()
    await shop.tg.send_text(USER, "One more thing.", reply_to=answer.message_id)
    await shop.tg.wait_for_message(USER, "Added to ticket #1", since=mark)
    await shop.tg.wait_for_message(OTHER_ADMIN_ID, "One more thing.", since=mark)
    thread = await TicketRepo(shop.db).thread(1)
    assert [(m.from_admin, m.text) for m in thread] == [
        (False, "Where is my refill? <b>bold</b>"),
        (True, "We restarted it."),
        (True, "It is running now."),
        (False, "Thanks, I see it."),
        (False, "One more thing."),
    ]


async def test_photos_with_captions_go_both_ways(shop: Shop) -> None:
    await shop.register(USER)
    await shop.say(USER, "/support", "What is it about?")
    await shop.tap(USER, "Payment", "Describe the problem")
    mark = shop.tg.mark()
    await shop.tg.send_photo(USER, caption="My receipt", file_id="AgAC-receipt")
    await shop.tg.wait_for_message(USER, "is open", since=mark)
    card = await shop.tg.wait_for_message(ADMIN_ID, "My receipt")
    assert card.photo == "AgAC-receipt" and "Ticket #1" in card.text
    mark = shop.tg.mark()
    await shop.tg.send_photo(ADMIN_ID, caption="Found it", file_id="AgAC-answer", reply_to=card.message_id)
    answer = await shop.tg.wait_for_message(USER, "Found it", since=mark)
    assert answer.photo == "AgAC-answer"
    [first, second] = await TicketRepo(shop.db).thread(1)
    assert (first.photo, first.text, second.photo) == ("AgAC-receipt", "My receipt", "AgAC-answer")


async def test_either_side_closes_and_writing_again_reopens_within_a_week(shop: Shop) -> None:
    await shop.register(USER)
    receipt = await ask(shop, USER, "Hello")
    await shop.tg.wait_for_message(ADMIN_ID, "Ticket #1")
    mark = shop.tg.mark()
    await shop.tg.press(ADMIN_ID, "✖ Close")
    closed = await shop.tg.wait_for_message(USER, "was closed by the shop", since=mark)
    assert "#1" in closed.text
    await shop.tg.wait_for_message(OTHER_ADMIN_ID, f"closed by admin {ADMIN_ID}", since=mark)
    # Writing to it again reopens it.
    mark = shop.tg.mark()
    await shop.tg.send_text(USER, "It broke again", reply_to=receipt.message_id)
    await shop.tg.wait_for_message(USER, "open again", since=mark)
    reopened = await shop.tg.wait_for_message(ADMIN_ID, "It broke again", since=mark)
    assert "closed and is open again" in reopened.text
    # The customer closes it; admins are told.
    mark = shop.tg.mark()
    answer_mark = shop.tg.mark()
    await shop.tap(ADMIN_ID, "↩️ Reply", "Write the answer")
    await shop.say(ADMIN_ID, "Fixed.", "Sent to the customer")
    fixed = await shop.tg.wait_for_message(USER, "Fixed.", since=answer_mark)
    callback = await shop.tg.press(USER, "✖ Close", message_id=fixed.message_id)
    assert (await shop.tg.wait_for_answer(callback)).text == "Ticket #1 is closed. Thank you!"
    await shop.tg.wait_for_message(ADMIN_ID, "closed by the customer", since=mark)
    # A week later the same ticket does not reopen: a new one starts.
    async with shop.db.transaction() as tx:
        await tx.execute("UPDATE tickets SET closed_at = '2020-01-01T00:00:00.000Z' WHERE id = 1")
    mark = shop.tg.mark()
    await shop.tg.send_text(USER, "Again?", reply_to=fixed.message_id)
    moved = await shop.tg.wait_for_message(USER, "new ticket #2", since=mark)
    assert "#1" in moved.text
    await shop.tg.wait_for_message(ADMIN_ID, "Ticket #2", since=mark)
    first = await TicketRepo(shop.db).get(1)
    assert first is not None and first.status.value == "closed"


async def test_tickets_go_to_the_support_group_and_admins_answer_there(shop: Shop) -> None:
    shop.tg.add_group(GROUP, members=[ADMIN_ID, OTHER_ADMIN_ID])
    await shop.restart(support_chat_id=GROUP)
    await shop.register(USER)
    await ask(shop, USER, "Help in the group")
    card = await shop.tg.wait_for_message(GROUP, "Help in the group")
    assert "Ticket #1" in card.text
    assert not [m for m in shop.tg.messages(ADMIN_ID) if "Ticket #1" in m.text]
    mark = shop.tg.mark()
    await shop.tg.send_text(ADMIN_ID, "Answer from the group", chat_id=GROUP, reply_to=card.message_id)
    await shop.tg.wait_for_message(USER, "Answer from the group", since=mark)
    await shop.tg.wait_for_message(GROUP, "Sent to the customer", since=mark)
    # Buttons work in the group too.
    mark = shop.tg.mark()
    await shop.tg.press(OTHER_ADMIN_ID, "✖ Close", chat_id=GROUP)
    await shop.tg.wait_for_message(USER, "was closed by the shop", since=mark)
    # Ordinary talk in the group gets no answer from the bot.
    before = len(shop.tg.messages(GROUP))
    await shop.tg.send_text(ADMIN_ID, "coffee anyone?", chat_id=GROUP)
    await shop.say(USER, "/balance", "Balance")
    assert len(shop.tg.messages(GROUP)) == before


async def test_a_forum_gives_each_ticket_its_topic(shop: Shop) -> None:
    shop.tg.add_group(GROUP, is_forum=True, members=[ADMIN_ID, OTHER_ADMIN_ID])
    await shop.restart(support_chat_id=GROUP)
    await shop.register(USER)
    await ask(shop, USER, "In a topic")
    card = await shop.tg.wait_for_message(GROUP, "In a topic")
    [topic] = shop.tg.topics(GROUP)
    assert topic.name.startswith("#1 · ")
    assert [m.message_id for m in shop.tg.messages(GROUP, thread_id=topic.thread_id)] == [card.message_id]
    ticket = await TicketRepo(shop.db).get(1)
    assert ticket is not None and ticket.thread_id == topic.thread_id
    mark = shop.tg.mark()
    await shop.tg.press(ADMIN_ID, "✖ Close", chat_id=GROUP)
    await shop.tg.wait_for_message(USER, "was closed by the shop", since=mark)
    await shop.tg.wait_for(lambda: shop.tg.topics(GROUP)[0].closed, description="topic closed")


async def test_another_customer_forging_ticket_buttons_sees_and_changes_nothing(shop: Shop) -> None:
    order = await place(shop, USER)
    await ask_about_order(shop, USER, order, "private matter")
    await shop.register(OTHER)
    for data, refusal in (
        (TicketCb(action="reply", ticket_id=1).pack(), texts.TICKET_NOT_FOUND),
        (TicketCb(action="close", ticket_id=1).pack(), texts.TICKET_NOT_FOUND),
        (SupportOrderCb(order_id=order.id).pack(), texts.ORDER_NOT_FOUND),
        (SupportTopicCb(topic="other", order_id=order.id).pack(), texts.ORDER_NOT_FOUND),
        (TicketAdminCb(action="close", ticket_id=1).pack(), texts.STALE_BUTTON),
        (TicketAdminCb(action="reply", ticket_id=1).pack(), texts.STALE_BUTTON),
    ):
        callback = await shop.tg.press_data(OTHER, data)
        assert (await shop.tg.wait_for_answer(callback)).text == refusal
    # Nothing was set going: the next message is not taken for a ticket answer.
    await shop.say(OTHER, "hello there", "didn't understand")
    assert (await shop.say(OTHER, "/ticket 1", "not found")).text == texts.TICKET_NOT_FOUND
    ticket = await TicketRepo(shop.db).get(1)
    assert ticket is not None and ticket.status.value == "open"
    assert [m.text for m in await TicketRepo(shop.db).thread(1)] == ["private matter"]
    assert await TicketRepo(shop.db).of_user(OTHER) == []
    assert not any("private matter" in m.text for m in shop.tg.messages(OTHER))
    # A customer's /tickets lists their own tickets only.
    assert (await shop.say(OTHER, "/tickets", "no tickets")).text == texts.MY_TICKETS_NONE


async def test_at_most_three_open_tickets_and_twenty_messages_an_hour(shop: Shop) -> None:
    await shop.register(USER)
    receipts = [await ask(shop, USER, f"Problem {n}") for n in range(3)]
    await shop.say(USER, "/support", "What is it about?")
    await shop.tap(USER, "Something else", "Describe the problem")
    refused = await shop.say(USER, "Problem 4", "already have 3 open tickets")
    assert "Close" in refused.text
    assert len(await TicketRepo(shop.db).of_user(USER)) == 3
    for n in range(17):  # 3 first messages + 17 = 20 in the hour
        mark = shop.tg.mark()
        await shop.tg.send_text(USER, f"more {n}", reply_to=receipts[0].message_id)
        await shop.tg.wait_for_message(USER, "Added to ticket #1", since=mark)
    mark = shop.tg.mark()
    await shop.tg.send_text(USER, "one too many", reply_to=receipts[0].message_id)
    await shop.tg.wait_for_message(USER, "wait a little", since=mark)
    assert not any("one too many" in m.text for m in shop.tg.messages(ADMIN_ID))


async def test_admin_lists_open_tickets_waiting_ones_first_and_reads_a_thread(shop: Shop) -> None:
    await shop.register(USER)
    await shop.register(OTHER)
    await ask(shop, USER, "first")
    await ask(shop, OTHER, "second")
    await shop.tg.wait_for_message(ADMIN_ID, "Ticket #2")
    await shop.say(ADMIN_ID, "/ticket 1", "first")
    await shop.tap(ADMIN_ID, "↩️ Reply", "Write the answer to ticket #1")
    await shop.say(ADMIN_ID, "answered", "Sent to the customer")
    listing = await shop.say(ADMIN_ID, "/tickets", "open tickets")
    lines = [line for line in listing.text.splitlines() if line.startswith("/ticket")]
    assert lines[0].startswith("/ticket 2 · waits for us") and lines[1].startswith(
        "/ticket 1 · waits for the customer"
    )
    thread = await shop.say(ADMIN_ID, "/ticket 1", "Ticket #1")
    assert "first" in thread.text and "answered" in thread.text
    mine = await shop.say(USER, "/tickets", "Your tickets")
    assert "/ticket 1" in mine.text and "/ticket 2" not in mine.text
    stats = await shop.say(ADMIN_ID, "/stats", "Shop statistics")
    assert "Support: 2 open ticket(s)" in stats.text and "(1 answered)" in stats.text


async def test_an_answer_to_a_customer_who_blocked_the_bot_waits_for_them(shop: Shop) -> None:
    await shop.register(USER)
    await ask(shop, USER, "are you there?")
    await shop.tg.wait_for_message(ADMIN_ID, "Ticket #1")
    shop.tg.block(USER)
    await shop.tap(ADMIN_ID, "↩️ Reply", "Write the answer")
    await shop.say(ADMIN_ID, "Yes, we are.", "Sent to the customer")
    await shop.tg.wait_for(lambda: shop.tg.stats.forbidden >= 1, description="the answer refused")
    assert await shop.dep("outbox").pending_count() == 1
    shop.tg.unblock(USER)
    await shop.tg.send_text(USER, "/start")
    answer = await shop.tg.wait_for_message(USER, "Yes, we are.")
    assert answer.labels() == ["↩️ Reply", "✖ Close"]
