"""Customers' support tickets: /support, "Problem with this order", answers, replies and /tickets.

Private chats only; every button re-checks that the ticket or the order is the presser's own.
"""

from __future__ import annotations

from aiogram import F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.config import Settings
from bot.support.buttons import TicketCb, customer_buttons
from bot.support.tickets import (
    MAX_OPEN,
    MAX_TEXT,
    Outcome,
    Post,
    Result,
    close_ticket,
    customer_writes,
    open_ticket,
)
from bot.support.topics import ForumTopics
from handlers.callbacks import CancelCb, SupportOrderCb, SupportTopicCb
from handlers.common import show
from handlers.filters import Command, IsPrivate, RepliesToBot, TextIs
from handlers.keyboards import cancel_keyboard, main_menu
from handlers.routing import Router
from handlers.states import SupportForm
from storage.database import Database
from storage.orders import OrderRepo
from storage.tickets import Side, TicketRepo, Topic, ticket_of_message

CANCEL = "cancel"  # the Cancel button under the topics


def topics_keyboard(order_id: int = 0) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(text=label, callback_data=SupportTopicCb(topic=key, order_id=order_id).pack())]
        for key, label in texts.topics()
    ]
    leave = SupportTopicCb(topic=CANCEL, order_id=order_id).pack()
    rows.append([InlineKeyboardButton(text=texts.BTN_CANCEL, callback_data=leave)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def post_of(message: Message) -> Post | None:
    """A text, or the largest size of a photo with its caption; None for anything else."""
    if message.photo:
        return Post(message.caption or "", message.photo[-1].file_id)
    if message.text:
        return Post(message.text)
    return None


async def read_post(message: Message) -> Post | None:
    """The message as a ticket post, or None after telling the writer what is wrong with it."""
    post = post_of(message)
    if post is None:
        await message.answer(texts.TEXT_OR_PHOTO)
        return None
    if len(post.text) > MAX_TEXT:
        await message.answer(texts.text_too_long(MAX_TEXT))
        return None
    return post


async def cmd_support(message: Message, state: FSMContext) -> None:
    """What is it about? (topics)"""
    await state.clear()
    await message.answer(texts.SUPPORT_START, reply_markup=topics_keyboard())


async def on_order_problem(
    callback: CallbackQuery, callback_data: SupportOrderCb, orders: OrderRepo, state: FSMContext
) -> None:
    """ "Problem with this order": the topics, for the presser's own order only."""
    order = await orders.get(callback_data.order_id)
    if order is None or order.user_id != callback.from_user.id:
        await callback.answer(texts.ORDER_NOT_FOUND, show_alert=True)
        return
    await state.clear()
    await callback.answer()
    await show(callback, texts.support_about_order(order.id), topics_keyboard(order.id))


async def on_topic(
    callback: CallbackQuery, callback_data: SupportTopicCb, orders: OrderRepo, state: FSMContext
) -> None:
    """A topic was picked: ask for the message (or Cancel under the topics)."""
    if callback_data.topic == CANCEL:
        await on_cancel(callback, state)
        return
    try:
        topic = Topic(callback_data.topic)
    except ValueError:
        await callback.answer(texts.STALE_BUTTON)
        return
    if callback_data.order_id:
        order = await orders.get(callback_data.order_id)
        if order is None or order.user_id != callback.from_user.id:
            await callback.answer(texts.ORDER_NOT_FOUND, show_alert=True)
            return
    await state.set_state(SupportForm.message)
    await state.update_data(topic=topic.value, order_id=callback_data.order_id or None)
    await callback.answer()
    await show(callback, texts.ASK_PROBLEM, cancel_keyboard())


async def on_first_message(
    message: Message, state: FSMContext, db: Database, settings: Settings, topics: ForumTopics
) -> None:
    """The ticket's first message: open it (the shop's copies and the customer's receipt are queued)."""
    assert message.from_user is not None
    post = await read_post(message)
    if post is None:
        return
    data = await state.get_data()
    forum = await topics.is_forum()
    result = await open_ticket(
        db,
        settings,
        user_id=message.from_user.id,
        topic=Topic(data.get("topic", Topic.OTHER.value)),
        order_id=data.get("order_id"),
        post=post,
        forum=forum,
    )
    await state.clear()
    if result.outcome is Outcome.OPENED and result.ticket is not None:
        if forum:
            await topics.place(result.ticket, f"#{result.ticket.id} · {message.from_user.full_name}")
        return
    await _answer_refusal(message, result)


async def _answer_refusal(message: Message, result: Result) -> None:
    if result.outcome is Outcome.TOO_MANY_OPEN:
        await message.answer(texts.too_many_open(MAX_OPEN), reply_markup=main_menu())
    elif result.outcome is Outcome.TOO_FAST:
        await message.answer(texts.TOO_FAST, reply_markup=main_menu())
    elif result.outcome is Outcome.NOT_YOUR_ORDER:
        await message.answer(texts.ORDER_NOT_FOUND, reply_markup=main_menu())
    else:
        await message.answer(texts.TICKET_NOT_FOUND, reply_markup=main_menu())


async def on_ticket_button(
    callback: CallbackQuery,
    callback_data: TicketCb,
    state: FSMContext,
    db: Database,
    settings: Settings,
    tickets: TicketRepo,
    topics: ForumTopics,
) -> None:
    """Reply or Close under a ticket message: only the ticket's own customer gets anywhere."""
    ticket = await tickets.get(callback_data.ticket_id)
    if ticket is None or ticket.user_id != callback.from_user.id:
        await callback.answer(texts.TICKET_NOT_FOUND, show_alert=True)
        return
    if callback_data.action == "reply":
        await state.set_state(SupportForm.reply)
        await state.update_data(ticket_id=ticket.id)
        await callback.answer()
        await callback.bot.send_message(  # type: ignore[union-attr]
            callback.from_user.id, texts.ask_reply(ticket.id), reply_markup=cancel_keyboard()
        )
        return
    result = await close_ticket(
        db, settings, ticket_id=ticket.id, side=Side.CUSTOMER, actor_id=callback.from_user.id
    )
    if result.outcome is Outcome.CLOSED and result.ticket is not None:
        await callback.answer(texts.ticket_closed_by_you(ticket.id))
        await topics.set_closed(result.ticket, True)
    else:
        await callback.answer(texts.ALREADY_CLOSED)


async def on_reply_message(
    message: Message, state: FSMContext, db: Database, settings: Settings, topics: ForumTopics
) -> None:
    """The message after the customer pressed Reply."""
    post = await read_post(message)
    if post is None:
        return
    data = await state.get_data()
    await state.clear()
    await _write(message, int(data.get("ticket_id", 0)), post, db, settings, topics)


async def on_reply_to_ticket(message: Message, db: Database, settings: Settings, topics: ForumTopics) -> None:
    """A reply to one of the ticket's messages adds to that ticket; a reply to anything else goes on."""
    assert message.reply_to_message is not None
    ticket_id = await ticket_of_message(db.reader, message.chat.id, message.reply_to_message.message_id)
    if ticket_id is None:
        raise SkipHandler
    post = await read_post(message)
    if post is not None:
        await _write(message, ticket_id, post, db, settings, topics)


async def _write(
    message: Message, ticket_id: int, post: Post, db: Database, settings: Settings, topics: ForumTopics
) -> None:
    assert message.from_user is not None
    result = await customer_writes(db, settings, user_id=message.from_user.id, ticket_id=ticket_id, post=post)
    ticket = result.ticket
    if result.outcome is Outcome.ADDED and ticket is not None:
        await message.answer(texts.message_added(ticket.id))
    elif result.outcome is Outcome.REOPENED and ticket is not None:
        await message.answer(texts.ticket_reopened(ticket.id))
        await topics.set_closed(ticket, False)
    elif result.outcome is Outcome.NEW_TICKET and ticket is not None:
        await message.answer(texts.new_ticket_instead(ticket_id, ticket.id))
        if await topics.is_forum():
            await topics.place(ticket, f"#{ticket.id} · {message.from_user.full_name}")
    else:
        await _answer_refusal(message, result)


async def cmd_my_tickets(message: Message, tickets: TicketRepo) -> None:
    """The customer's own tickets, open ones first."""
    assert message.from_user is not None
    mine = await tickets.of_user(message.from_user.id)
    await message.answer(texts.my_tickets(mine) if mine else texts.MY_TICKETS_NONE)


async def cmd_my_ticket(message: Message, command: CommandObject, tickets: TicketRepo) -> None:
    """/ticket <n>: the thread of one of the customer's own tickets."""
    assert message.from_user is not None
    word = (command.args or "").strip()
    ticket = await tickets.get(int(word)) if word.isascii() and word.isdigit() and len(word) < 12 else None
    if ticket is None or ticket.user_id != message.from_user.id:
        await message.answer(texts.TICKET_NOT_FOUND if word else texts.TICKET_USAGE)
        return
    thread = await tickets.thread(ticket.id)
    markup = InlineKeyboardMarkup.model_validate_json(customer_buttons(ticket.id))
    await message.answer(
        texts.ticket_thread(ticket, thread, message.from_user.full_name), reply_markup=markup
    )


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """/cancel while writing to support."""
    await state.clear()
    await message.answer(texts.SUPPORT_CANCELLED, reply_markup=main_menu())


async def on_cancel(callback: CallbackQuery, state: FSMContext) -> None:
    """Cancel under the question, or under the topics."""
    await state.clear()
    await callback.answer()
    await show(callback, texts.SUPPORT_CANCELLED)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = Router(name=__name__)
    router.message.filter(IsPrivate())
    router.callback_query.filter(IsPrivate())
    writing = StateFilter(SupportForm.message, SupportForm.reply)
    router.message.register(cmd_cancel, Command("cancel"), writing)
    router.callback_query.register(on_cancel, CancelCb.filter(), writing)
    router.message.register(on_reply_to_ticket, RepliesToBot())
    router.message.register(cmd_support, Command("support"))
    router.message.register(cmd_support, TextIs(*texts.every_language("BTN_SUPPORT")))
    router.message.register(cmd_my_tickets, Command("tickets"))
    router.message.register(cmd_my_ticket, Command("ticket"))
    router.callback_query.register(on_order_problem, SupportOrderCb.filter())
    router.callback_query.register(on_topic, SupportTopicCb.filter())
    router.callback_query.register(on_ticket_button, TicketCb.filter(F.action.in_({"reply", "close"})))
    router.message.register(on_first_message, StateFilter(SupportForm.message))
    router.message.register(on_reply_message, StateFilter(SupportForm.reply))
    return router
