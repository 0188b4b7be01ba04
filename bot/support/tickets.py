"""Support tickets: open, write, answer, close. One transaction each, with every copy it sends queued.

Every message of a ticket goes through the outbox (Telegram's limits, retries, blocked users held), each
copy rendered in its recipient's language and linked to the ticket once sent, so a reply to it lands in
the right ticket. Tickets go to every admin's private chat, or to SUPPORT_CHAT_ID when it is set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from bot import texts
from bot.config import Settings
from bot.notify.alerts import admin_locales
from bot.notify.notices import Render, render_in
from bot.support.buttons import admin_buttons, customer_buttons
from storage.database import Database, Tx
from storage.orders import Order, fetch_order
from storage.outbox import Extras, enqueue_rich
from storage.stats import iso
from storage.tickets import (
    Side,
    Ticket,
    TicketStatus,
    Topic,
    add_message,
    close,
    fetch_ticket,
    insert_ticket,
    open_count,
    written_since,
)
from storage.users import fetch_user, locales_of

logger = logging.getLogger(__name__)

MAX_OPEN = 3
MAX_PER_HOUR = 20
MAX_TEXT = 3000
REOPEN_DAYS = 7
# A ticket's first message to a forum waits this long for its topic to be created, then goes out anyway.
TOPIC_HOLD_SECONDS = 15.0
# Room for a photo caption's own text once a copy's header is added (Telegram allows 1,024 characters).
CAPTION_TEXT = 700


@dataclass(frozen=True, slots=True)
class Post:
    """What someone wrote: a text, or a photo (Telegram file id) with its caption as the text."""

    text: str
    photo: str | None = None


class Outcome(StrEnum):
    OPENED = "opened"
    ADDED = "added"
    REOPENED = "reopened"
    NEW_TICKET = "new_ticket"  # written to a ticket closed too long ago: a new one was opened
    CLOSED = "closed"
    ALREADY_CLOSED = "already_closed"
    NOT_FOUND = "not_found"  # no such ticket, or not this customer's
    NOT_YOUR_ORDER = "not_your_order"
    TOO_MANY_OPEN = "too_many_open"
    TOO_FAST = "too_fast"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    ticket: Ticket | None = None


def _hour_ago() -> str:
    return iso(datetime.now(UTC) - timedelta(hours=1))


async def _refusal(tx: Tx, user_id: int, *, opening: bool) -> Outcome | None:
    """The abuse limits: 3 open tickets, 20 messages an hour."""
    if opening and await open_count(tx, user_id) >= MAX_OPEN:
        return Outcome.TOO_MANY_OPEN
    if await written_since(tx, user_id, _hour_ago()) >= MAX_PER_HOUR:
        return Outcome.TOO_FAST
    return None


async def open_ticket(
    db: Database,
    settings: Settings,
    *,
    user_id: int,
    topic: Topic,
    order_id: int | None,
    post: Post,
    forum: bool,
) -> Result:
    """Open a ticket with the customer's first message; the shop's copies are held for a topic if `forum`."""
    async with db.transaction() as tx:
        refused = await _refusal(tx, user_id, opening=True)
        if refused is not None:
            return Result(refused)
        order = await fetch_order(tx, order_id) if order_id is not None else None
        if order_id is not None and (order is None or order.user_id != user_id):
            return Result(Outcome.NOT_YOUR_ORDER)
        ticket = await insert_ticket(tx, user_id, topic, order_id)
        ticket = await add_message(
            tx, ticket, author_id=user_id, side=Side.CUSTOMER, text=post.text, photo=post.photo
        )
        await _to_shop(tx, settings, ticket, post, order, held=forum, reopened=False)
        await _to_customer(
            tx, ticket, lambda: texts.ticket_opened(ticket.id), ref=f"ticket:{ticket.id}:opened"
        )
    logger.info("User %s opened ticket %s (%s, order %s)", user_id, ticket.id, topic, order_id)
    return Result(Outcome.OPENED, ticket)


async def customer_writes(
    db: Database, settings: Settings, *, user_id: int, ticket_id: int, post: Post
) -> Result:
    """The customer writes in their ticket; a ticket closed over 7 days ago starts a new one instead."""
    async with db.transaction() as tx:
        ticket = await fetch_ticket(tx, ticket_id)
        if ticket is None or ticket.user_id != user_id:
            return Result(Outcome.NOT_FOUND)
        stale = ticket.status is TicketStatus.CLOSED and (ticket.closed_at or "") < iso(
            datetime.now(UTC) - timedelta(days=REOPEN_DAYS)
        )
        refused = await _refusal(tx, user_id, opening=stale)
        if refused is not None:
            return Result(refused)
        order = await fetch_order(tx, ticket.order_id) if ticket.order_id is not None else None
        if stale:
            ticket = await insert_ticket(tx, user_id, ticket.topic, ticket.order_id)
            outcome = Outcome.NEW_TICKET
        else:
            outcome = Outcome.REOPENED if ticket.status is TicketStatus.CLOSED else Outcome.ADDED
        ticket = await add_message(
            tx, ticket, author_id=user_id, side=Side.CUSTOMER, text=post.text, photo=post.photo
        )
        await _to_shop(
            tx, settings, ticket, post, order, held=False, reopened=outcome is Outcome.REOPENED, first=stale
        )
        if stale:
            await _to_customer(
                tx, ticket, lambda: texts.ticket_opened(ticket.id), ref=f"ticket:{ticket.id}:opened"
            )
    return Result(outcome, ticket)


async def admin_writes(
    db: Database, settings: Settings, *, admin_id: int, ticket_id: int, post: Post
) -> Result:
    """An admin answers: the customer gets it with Reply and Close; the other admins see who answered."""
    async with db.transaction() as tx:
        ticket = await fetch_ticket(tx, ticket_id)
        if ticket is None:
            return Result(Outcome.NOT_FOUND)
        reopened = ticket.status is TicketStatus.CLOSED
        ticket = await add_message(
            tx, ticket, author_id=admin_id, side=Side.ADMIN, text=post.text, photo=post.photo
        )
        message_id = await _last_message_id(tx, ticket.id)
        number = ticket.id
        shown = _shown(post)
        await _to_customer(
            tx,
            ticket,
            lambda: texts.ticket_answer(number, shown),
            ref=f"ticket:{ticket.id}:message:{message_id}",
            photo=post.photo,
            buttons=True,
        )
        if settings.support_chat_id is None:
            locales = await admin_locales(tx, settings)
            for admin in sorted(settings.admin_ids - {admin_id}):
                await enqueue_rich(
                    tx,
                    admin,
                    render_in(locales, admin, lambda: texts.ticket_answered_by(number, admin_id, shown)),
                    Extras(
                        ticket_id=ticket.id, markup=render_in(locales, admin, lambda: admin_buttons(number))
                    ),
                    ref=f"ticket:{ticket.id}:message:{message_id}:{admin}",
                )
    logger.info("Admin %s answered ticket %s", admin_id, ticket_id)
    return Result(Outcome.REOPENED if reopened else Outcome.ADDED, ticket)


async def close_ticket(
    db: Database, settings: Settings, *, ticket_id: int, side: Side, actor_id: int
) -> Result:
    """Close a ticket from either side; the other side is told."""
    async with db.transaction() as tx:
        ticket = await fetch_ticket(tx, ticket_id)
        if ticket is None or (side is Side.CUSTOMER and ticket.user_id != actor_id):
            return Result(Outcome.NOT_FOUND)
        if not await close(tx, ticket_id, side):
            return Result(Outcome.ALREADY_CLOSED, ticket)
        closed = await fetch_ticket(tx, ticket_id)
        assert closed is not None
        if side is Side.ADMIN:
            await _to_customer(
                tx,
                closed,
                lambda: texts.ticket_closed_by_shop(ticket_id),
                ref=f"ticket:{ticket_id}:closed:{closed.closed_at}",
            )
        await _shop_notice(
            tx,
            settings,
            closed,
            lambda: texts.ticket_closed_notice(ticket_id, side.value, actor_id),
            ref=f"ticket:{ticket_id}:closed:{closed.closed_at}",
            skip=actor_id if side is Side.ADMIN else None,
        )
    logger.info("Ticket %s closed by %s %s", ticket_id, side, actor_id)
    return Result(Outcome.CLOSED, closed)


# --------------------------------------------------------------------------------------------- copies


async def _last_message_id(tx: Tx, ticket_id: int) -> int:
    rows = await tx.execute_fetchall("SELECT MAX(id) FROM ticket_messages WHERE ticket_id = ?", (ticket_id,))
    return int(next(iter(rows))[0])


async def _to_customer(
    tx: Tx,
    ticket: Ticket,
    render: Render,
    *,
    ref: str,
    photo: str | None = None,
    buttons: bool = False,
) -> None:
    locales = await locales_of(tx, [ticket.user_id])
    number = ticket.id
    await enqueue_rich(
        tx,
        ticket.user_id,
        render_in(locales, ticket.user_id, render),
        Extras(
            photo=photo,
            ticket_id=ticket.id,
            markup=render_in(locales, ticket.user_id, lambda: customer_buttons(number)) if buttons else None,
        ),
        ref=ref,
    )


async def _to_shop(
    tx: Tx,
    settings: Settings,
    ticket: Ticket,
    post: Post,
    order: Order | None,
    *,
    held: bool,
    reopened: bool,
    first: bool | None = None,
) -> None:
    """The ticket card (first message) or the customer's new message, to the support chat or every admin."""
    customer = await fetch_user(tx, ticket.user_id)
    message_id = await _last_message_id(tx, ticket.id)
    opening = first if first is not None else message_id == await _first_message_id(tx, ticket.id)
    number = ticket.id
    shown = _shown(post)

    def render() -> str:
        if opening:
            return texts.ticket_card(ticket, customer, order, shown, settings.currency)
        return texts.ticket_customer_wrote(number, customer, ticket.user_id, shown, reopened)

    until = datetime.now(UTC).timestamp() + TOPIC_HOLD_SECONDS if held else 0.0
    for chat_id, thread_id in await _shop_chats(tx, settings, ticket):
        locales = await admin_locales(tx, settings)
        await enqueue_rich(
            tx,
            chat_id,
            render_in(locales, chat_id, render),
            Extras(
                photo=post.photo,
                markup=render_in(locales, chat_id, lambda: admin_buttons(number)),
                thread_id=thread_id,
                ticket_id=ticket.id,
            ),
            ref=f"ticket:{ticket.id}:message:{message_id}:{chat_id}",
            until=until,
        )


def _shown(post: Post) -> str:
    """The text copies show: a photo's caption is cut so that, with a header, it fits in 1,024 characters."""
    if post.photo is None or len(post.text) <= CAPTION_TEXT:
        return post.text
    return post.text[: CAPTION_TEXT - 1] + "…"


async def _first_message_id(tx: Tx, ticket_id: int) -> int:
    rows = await tx.execute_fetchall("SELECT MIN(id) FROM ticket_messages WHERE ticket_id = ?", (ticket_id,))
    return int(next(iter(rows))[0])


async def _shop_notice(
    tx: Tx,
    settings: Settings,
    ticket: Ticket,
    render: Render,
    *,
    ref: str,
    skip: int | None,
) -> None:
    locales = await admin_locales(tx, settings)
    for chat_id, thread_id in await _shop_chats(tx, settings, ticket):
        if chat_id == skip:
            continue
        await enqueue_rich(
            tx,
            chat_id,
            render_in(locales, chat_id, render),
            Extras(thread_id=thread_id, ticket_id=ticket.id),
            ref=f"{ref}:{chat_id}",
        )


async def _shop_chats(tx: Tx, settings: Settings, ticket: Ticket) -> list[tuple[int, int | None]]:
    """Where the shop reads tickets: the support chat (in the ticket's topic) or every admin's chat."""
    if settings.support_chat_id is not None:
        return [(settings.support_chat_id, ticket.thread_id)]
    return [(admin, None) for admin in sorted(settings.admin_ids)]
