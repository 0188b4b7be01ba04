"""Support tickets: what customers and admins read. User text is escaped here (`q`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.i18n import N_, _, ngettext
from bot.texts.common import q
from bot.texts.ordering import status_word
from bot.texts.views import when
from bot.wallet.money import format_money

if TYPE_CHECKING:
    from storage.orders import Order
    from storage.tickets import Ticket, TicketMessage
    from storage.users import User

BTN_SUPPORT = N_("🆘 Support")
BTN_ORDER_PROBLEM = N_("🆘 Problem with this order")
BTN_TICKET_REPLY = N_("↩️ Reply")
BTN_TICKET_CLOSE = N_("✖ Close")

_TOPICS = {
    "not_started": N_("Order not started"),
    "partial": N_("Partial delivery or a drop"),
    "refill": N_("Refill"),
    "payment": N_("Payment"),
    "other": N_("Something else"),
}

SUPPORT_START = N_(
    "🆘 <b>Support</b>\nWhat is it about? For a problem with an order, open it in /orders first."
)
ASK_PROBLEM = N_("Describe the problem in one message: text, or a photo with a caption. /cancel to stop.")
TEXT_OR_PHOTO = N_("Please send text, or a photo with a caption.")
SUPPORT_CANCELLED = N_("Cancelled; nothing was sent.")
TICKET_NOT_FOUND = N_("This ticket was not found.")
ORDER_NOT_FOUND = N_("This order was not found.")
TOO_FAST = N_("You have written a lot in the last hour. Please wait a little before writing again.")
ALREADY_CLOSED = N_("This ticket is already closed.")
TICKETS_NONE_OPEN = N_("No open tickets.")
MY_TICKETS_NONE = N_("You have no tickets. /support opens one.")
TICKET_USAGE = N_("Usage: <code>/ticket &lt;number&gt;</code>\nExample: <code>/ticket 12</code>")


def topic_word(topic: str) -> str:
    return _(_TOPICS.get(topic, _TOPICS["other"]))


def topics() -> list[tuple[str, str]]:
    """Every topic as (key, label in the current language), in menu order."""
    return [(key, _(label)) for key, label in _TOPICS.items()]


def support_about_order(order_id: int) -> str:
    return _("🆘 <b>Support</b> · order #{order}\nWhat is wrong with it?").format(order=order_id)


def ask_reply(ticket_id: int) -> str:
    return _(
        "Write your message for ticket #{ticket}: text, or a photo with a caption. /cancel to stop."
    ).format(ticket=ticket_id)


def text_too_long(most: int) -> str:
    return _("That is too long: at most {most} characters, please.").format(most=f"{most:,}")


def too_many_open(most: int) -> str:
    return _(
        "You already have {most} open tickets. Please wait for an answer, or close one with its Close button."
    ).format(most=most)


def ticket_opened(ticket_id: int) -> str:
    return _(
        "🎫 Ticket #{ticket} is open. We will answer here; reply to this message to add something."
    ).format(ticket=ticket_id)


def message_added(ticket_id: int) -> str:
    return _("✅ Added to ticket #{ticket}.").format(ticket=ticket_id)


def ticket_reopened(ticket_id: int) -> str:
    return _("✅ Ticket #{ticket} is open again; we will answer here.").format(ticket=ticket_id)


def new_ticket_instead(old: int, new: int) -> str:
    return _("Ticket #{old} was closed over 7 days ago, so this went into a new ticket #{new}.").format(
        old=old, new=new
    )


def ticket_answer(ticket_id: int, text: str) -> str:
    return _("💬 <b>Support</b> · ticket #{ticket}").format(ticket=ticket_id) + (
        f"\n\n{q(text)}" if text else ""
    )


def ticket_closed_by_shop(ticket_id: int) -> str:
    return _(
        "✅ Ticket #{ticket} was closed by the shop. If you need more help, reply to one of its messages "
        "within 7 days, or write /support."
    ).format(ticket=ticket_id)


def ticket_closed_by_you(ticket_id: int) -> str:
    return _("Ticket #{ticket} is closed. Thank you!").format(ticket=ticket_id)


# ------------------------------------------------------------------------------------------ admins


def _customer(customer: User | None, user_id: int) -> str:
    if customer is None:
        return _("user {user}").format(user=user_id)
    name = f"{customer.first_name} {customer.last_name}".strip()
    handle = f" @{customer.username}" if customer.username else ""
    return f"{q(name)}{q(handle)} (id {user_id})"


def ticket_card(ticket: Ticket, customer: User | None, order: Order | None, text: str, currency: str) -> str:
    lines = [
        _("🎫 <b>Ticket #{ticket}</b> · {topic}").format(
            ticket=ticket.id, topic=topic_word(ticket.topic.value)
        ),
        _("Customer: {customer} · balance {balance}").format(
            customer=_customer(customer, ticket.user_id),
            balance=format_money(customer.balance if customer else 0, currency),
        ),
    ]
    if order is not None:
        lines.append(
            _("Order #{order}: {service} · {status}").format(
                order=order.id, service=q(order.service_name), status=status_word(order.status)
            )
            + (
                " · " + _("provider id {id}").format(id=q(order.provider_order_id))
                if order.provider_order_id
                else ""
            )
        )
    return "\n".join(lines) + (f"\n\n{q(text)}" if text else "")


def ticket_customer_wrote(
    ticket_id: int, customer: User | None, user_id: int, text: str, reopened: bool
) -> str:
    head = _("💬 <b>Ticket #{ticket}</b> · {customer} wrote:").format(
        ticket=ticket_id, customer=_customer(customer, user_id)
    )
    if reopened:
        head += "\n" + _("(the ticket was closed and is open again)")
    return head + (f"\n\n{q(text)}" if text else "")


def ticket_answered_by(ticket_id: int, admin_id: int, text: str) -> str:
    return _("↩️ Admin {admin} answered ticket #{ticket}:").format(admin=admin_id, ticket=ticket_id) + (
        f"\n\n{q(text)}" if text else ""
    )


def ticket_closed_notice(ticket_id: int, side: str, actor_id: int) -> str:
    if side == "admin":
        return _("Ticket #{ticket} was closed by admin {admin}.").format(ticket=ticket_id, admin=actor_id)
    return _("Ticket #{ticket} was closed by the customer.").format(ticket=ticket_id)


def ask_admin_reply(ticket_id: int) -> str:
    return _(
        "Write the answer to ticket #{ticket} (text, or a photo with a caption). /cancel to stop."
    ).format(ticket=ticket_id)


def answer_sent(ticket_id: int) -> str:
    return _("✅ Sent to the customer (ticket #{ticket}).").format(ticket=ticket_id)


def duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return _("under a minute")
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return _("{days} d {hours} h").format(days=days, hours=hours)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    return _("{minutes} min").format(minutes=minutes)


def open_tickets_list(rows: Sequence[tuple[Ticket, str, float]], total: int) -> str:
    """Open tickets with who they wait for and for how long; rows are (ticket, customer label, seconds)."""
    head = ngettext("🎫 <b>{count} open ticket</b>", "🎫 <b>{count} open tickets</b>", total).format(
        count=total
    )
    lines = []
    for ticket, customer, waited in rows:
        if ticket.waiting.value == "admin":
            state = _("waits for us {time}").format(time=duration(waited))
        else:
            state = _("waits for the customer {time}").format(time=duration(waited))
        order = f" · #{ticket.order_id}" if ticket.order_id else ""
        lines.append(
            f"/ticket {ticket.id} · {state} · {q(customer)} · {topic_word(ticket.topic.value)}{order}"
        )
    return head + "\n\n" + "\n".join(lines)


def my_tickets(tickets: Sequence[Ticket]) -> str:
    lines = []
    for ticket in tickets:
        state = _("open") if ticket.status.value == "open" else _("closed")
        order = " · " + _("order #{order}").format(order=ticket.order_id) if ticket.order_id else ""
        lines.append(f"/ticket {ticket.id} · {topic_word(ticket.topic.value)}{order} · {state}")
    return _("🎫 <b>Your tickets</b>") + "\n\n" + "\n".join(lines)


def ticket_thread(ticket: Ticket, messages: Sequence[TicketMessage], customer_label: str) -> str:
    state = _("open") if ticket.status.value == "open" else _("closed")
    head = _("🎫 <b>Ticket #{ticket}</b> · {topic} · {state}").format(
        ticket=ticket.id, topic=topic_word(ticket.topic.value), state=state
    )
    if ticket.order_id:
        head += "\n" + _("order #{order}").format(order=ticket.order_id)
    lines = []
    for message in messages:
        who = _("Support") if message.from_admin else q(customer_label)
        photo = " 🖼" if message.photo else ""
        lines.append(f"<b>{who}</b> · {when(message.created_at)}{photo}\n{q(message.text)}")
    return head + "\n\n" + "\n\n".join(lines)


def support_figures(open_tickets: int, answered: int, median_seconds: float | None) -> str:
    median = duration(median_seconds) if median_seconds is not None else "-"
    return _(
        "Support: {open} open ticket(s); median first answer, last 7 days: {median} ({answered} answered)"
    ).format(open=open_tickets, median=median, answered=answered)
