"""Admins and support tickets: Reply and Close buttons, replies to ticket messages, /tickets and /ticket.

Under the admin area (ADMIN_IDS only), in private chats and in SUPPORT_CHAT_ID alike.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot import texts
from bot.config import Settings
from bot.support.buttons import TicketAdminCb, admin_buttons
from bot.support.tickets import MAX_TEXT, Outcome, admin_writes, close_ticket
from bot.support.topics import ForumTopics
from handlers.admin import admin_router
from handlers.filters import Command, RepliesToBot
from handlers.routing import Router
from handlers.states import AdminReplyForm
from handlers.support import post_of
from storage.database import Database
from storage.tickets import Side, TicketRepo, ticket_of_message
from storage.users import UserRepo

OPEN_SHOWN = 30


async def on_ticket_button(
    callback: CallbackQuery,
    callback_data: TicketAdminCb,
    state: FSMContext,
    db: Database,
    settings: Settings,
    tickets: TicketRepo,
    topics: ForumTopics,
) -> None:
    """Reply: the admin's next message answers the ticket. Close: close it and tell the customer."""
    ticket = await tickets.get(callback_data.ticket_id)
    if ticket is None:
        await callback.answer(texts.TICKET_NOT_FOUND, show_alert=True)
        return
    if callback_data.action == "reply":
        await state.set_state(AdminReplyForm.text)
        await state.update_data(ticket_id=ticket.id)
        await callback.answer()
        if isinstance(callback.message, Message):
            await callback.message.answer(texts.ask_admin_reply(ticket.id))
        return
    result = await close_ticket(
        db, settings, ticket_id=ticket.id, side=Side.ADMIN, actor_id=callback.from_user.id
    )
    if result.outcome is Outcome.CLOSED and result.ticket is not None:
        await callback.answer(texts.ticket_closed_notice(ticket.id, "admin", callback.from_user.id))
        await topics.set_closed(result.ticket, True)
    else:
        await callback.answer(texts.ALREADY_CLOSED)


async def on_answer(
    message: Message, state: FSMContext, db: Database, settings: Settings, topics: ForumTopics
) -> None:
    """The admin's answer after pressing Reply."""
    data = await state.get_data()
    await state.clear()
    await _answer(message, int(data.get("ticket_id", 0)), db, settings, topics)


async def cmd_cancel(message: Message, state: FSMContext) -> None:
    """/cancel instead of an answer."""
    await state.clear()
    await message.answer(texts.SUPPORT_CANCELLED)


async def on_reply_to_ticket(message: Message, db: Database, settings: Settings, topics: ForumTopics) -> None:
    """A reply to a ticket's message answers that ticket; a reply to anything else goes on."""
    assert message.reply_to_message is not None
    ticket_id = await ticket_of_message(db.reader, message.chat.id, message.reply_to_message.message_id)
    if ticket_id is None:
        raise SkipHandler
    await _answer(message, ticket_id, db, settings, topics)


async def _answer(
    message: Message, ticket_id: int, db: Database, settings: Settings, topics: ForumTopics
) -> None:
    assert message.from_user is not None
    post = post_of(message)
    if post is None:
        await message.answer(texts.TEXT_OR_PHOTO)
        return
    if len(post.text) > MAX_TEXT:
        await message.answer(texts.text_too_long(MAX_TEXT))
        return
    result = await admin_writes(db, settings, admin_id=message.from_user.id, ticket_id=ticket_id, post=post)
    if result.ticket is None:
        await message.answer(texts.TICKET_NOT_FOUND)
        return
    if result.outcome is Outcome.REOPENED:
        await topics.set_closed(result.ticket, False)
    await message.answer(texts.answer_sent(result.ticket.id))


async def cmd_tickets(message: Message, tickets: TicketRepo, users: UserRepo) -> None:
    """Open tickets: those waiting for the shop first, longest-waiting first."""
    found, total = await tickets.open_tickets(OPEN_SHOWN)
    if not found:
        await message.answer(texts.TICKETS_NONE_OPEN)
        return
    now = datetime.now(UTC)
    rows = []
    for ticket in found:
        user = await users.get(ticket.user_id)
        label = user.display_name if user else str(ticket.user_id)
        waited = (now - datetime.fromisoformat(ticket.waiting_since)).total_seconds()
        rows.append((ticket, label, waited))
    await message.answer(texts.open_tickets_list(rows, total))


async def cmd_ticket(message: Message, command: CommandObject, tickets: TicketRepo, users: UserRepo) -> None:
    """/ticket <n>: the whole thread, with Reply and Close."""
    word = (command.args or "").strip()
    ticket = await tickets.get(int(word)) if word.isascii() and word.isdigit() and len(word) < 12 else None
    if ticket is None:
        await message.answer(texts.TICKET_NOT_FOUND if word else texts.TICKET_USAGE)
        return
    user = await users.get(ticket.user_id)
    label = user.display_name if user else str(ticket.user_id)
    thread = await tickets.thread(ticket.id)
    markup = InlineKeyboardMarkup.model_validate_json(admin_buttons(ticket.id))
    await message.answer(texts.ticket_thread(ticket, thread, label), reply_markup=markup)


def create_router() -> Router:
    """Build a fresh router (a router can belong to one dispatcher only)."""
    router = admin_router(__name__)
    router.callback_query.register(on_ticket_button, TicketAdminCb.filter(F.action.in_({"reply", "close"})))
    router.message.register(cmd_cancel, Command("cancel"), StateFilter(AdminReplyForm.text))
    router.message.register(on_answer, StateFilter(AdminReplyForm.text))
    router.message.register(on_reply_to_ticket, RepliesToBot())
    router.message.register(cmd_tickets, Command("tickets"))
    router.message.register(cmd_ticket, Command("ticket"))
    return router
