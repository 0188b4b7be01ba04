"""Support tickets and their threads. Writes take the caller's transaction, with the notices they cause."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.database import Database, Row, Tx, change, is_postgres, select_one


class Topic(StrEnum):
    NOT_STARTED = "not_started"
    PARTIAL = "partial"  # partial delivery or a drop
    REFILL = "refill"
    PAYMENT = "payment"
    OTHER = "other"


class TicketStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Side(StrEnum):
    ADMIN = "admin"
    CUSTOMER = "customer"


@dataclass(frozen=True, slots=True)
class Ticket:
    id: int
    user_id: int
    order_id: int | None
    topic: Topic
    status: TicketStatus
    waiting: Side  # who is to answer next
    waiting_since: str
    thread_id: int | None
    first_answer_at: str | None
    closed_at: str | None
    closed_by: Side | None
    created_at: str


@dataclass(frozen=True, slots=True)
class TicketMessage:
    id: int
    ticket_id: int
    author_id: int
    from_admin: bool
    text: str
    photo: str | None
    created_at: str


def _ticket(row: Row) -> Ticket:
    return Ticket(
        id=row["id"],
        user_id=row["user_id"],
        order_id=row["order_id"],
        topic=Topic(row["topic"]),
        status=TicketStatus(row["status"]),
        waiting=Side(row["waiting"]),
        waiting_since=row["waiting_since"],
        thread_id=row["thread_id"],
        first_answer_at=row["first_answer_at"],
        closed_at=row["closed_at"],
        closed_by=None if row["closed_by"] is None else Side(row["closed_by"]),
        created_at=row["created_at"],
    )


def _message(row: Row) -> TicketMessage:
    return TicketMessage(
        id=row["id"],
        ticket_id=row["ticket_id"],
        author_id=row["author_id"],
        from_admin=bool(row["from_admin"]),
        text=row["text"],
        photo=row["photo"],
        created_at=row["created_at"],
    )


_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"


async def fetch_ticket(conn: Tx, ticket_id: int) -> Ticket | None:
    row = await select_one(conn, "SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    return None if row is None else _ticket(row)


async def insert_ticket(tx: Tx, user_id: int, topic: Topic, order_id: int | None) -> Ticket:
    """Open a ticket waiting for the shop's answer."""
    row = await select_one(
        tx,
        "INSERT INTO tickets (user_id, order_id, topic) VALUES (?, ?, ?) RETURNING id",
        (user_id, order_id, topic.value),
    )
    assert row is not None
    ticket = await fetch_ticket(tx, int(row[0]))
    assert ticket is not None
    return ticket


async def add_message(
    tx: Tx, ticket: Ticket, *, author_id: int, side: Side, text: str, photo: str | None
) -> Ticket:
    """Append to the thread; the ticket (re)opens and waits for the other side. Return it as it is now."""
    await tx.execute(
        "INSERT INTO ticket_messages (ticket_id, author_id, from_admin, text, photo) VALUES (?, ?, ?, ?, ?)",
        (ticket.id, author_id, int(side is Side.ADMIN), text, photo),
    )
    other = Side.CUSTOMER if side is Side.ADMIN else Side.ADMIN
    await tx.execute(
        f"UPDATE tickets SET status = 'open', closed_at = NULL, closed_by = NULL, waiting = ?, "
        f"waiting_since = CASE WHEN waiting = ? AND status = 'open' THEN waiting_since ELSE {_NOW} END, "
        f"first_answer_at = CASE WHEN ? = 'admin' THEN COALESCE(first_answer_at, {_NOW}) "
        f"ELSE first_answer_at END WHERE id = ?",
        (other.value, other.value, side.value, ticket.id),
    )
    updated = await fetch_ticket(tx, ticket.id)
    assert updated is not None
    return updated


async def close(tx: Tx, ticket_id: int, side: Side) -> bool:
    """Close an open ticket; False if it was closed already."""
    return (
        await change(
            tx,
            f"UPDATE tickets SET status = 'closed', closed_at = {_NOW}, closed_by = ? "
            "WHERE id = ? AND status = 'open'",
            (side.value, ticket_id),
        )
        == 1
    )


async def set_thread(tx: Tx, ticket_id: int, thread_id: int) -> None:
    """Remember the ticket's forum topic; its messages still waiting to go out move into it."""
    await tx.execute("UPDATE tickets SET thread_id = ? WHERE id = ?", (thread_id, ticket_id))


async def open_count(conn: Tx, user_id: int) -> int:
    row = await select_one(
        conn, "SELECT COUNT(*) FROM tickets WHERE user_id = ? AND status = 'open'", (user_id,)
    )
    return int(row[0]) if row else 0


async def written_since(conn: Tx, user_id: int, since: str) -> int:
    """How many ticket messages the customer wrote from `since`."""
    row = await select_one(
        conn,
        "SELECT COUNT(*) FROM ticket_messages WHERE author_id = ? AND from_admin = 0 AND created_at >= ?",
        (user_id, since),
    )
    return int(row[0]) if row else 0


async def ticket_of_message(conn: Tx, chat_id: int, message_id: int) -> int | None:
    """The ticket a sent Telegram message belongs to, if any."""
    row = await select_one(
        conn, "SELECT ticket_id FROM ticket_links WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
    )
    return None if row is None else int(row[0])


@dataclass(frozen=True, slots=True)
class SupportFigures:
    open_tickets: int
    answered: int  # tickets opened in the period that got an answer
    median_first_answer_seconds: float | None


class TicketRepo:
    """Reads of tickets and threads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, ticket_id: int) -> Ticket | None:
        return await fetch_ticket(self.db.reader, ticket_id)

    async def thread(self, ticket_id: int, limit: int = 50) -> list[TicketMessage]:
        """The last `limit` messages of a ticket, oldest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM (SELECT * FROM ticket_messages WHERE ticket_id = ? ORDER BY id DESC LIMIT ?) "
            "AS latest ORDER BY id",
            (ticket_id, limit),
        )
        return [_message(row) for row in rows]

    async def of_user(self, user_id: int, limit: int = 20) -> list[Ticket]:
        """A customer's tickets: open ones first, then the newest."""
        rows = await self.db.fetchall(
            "SELECT * FROM tickets WHERE user_id = ? ORDER BY status = 'closed', id DESC LIMIT ?",
            (user_id, limit),
        )
        return [_ticket(row) for row in rows]

    async def open_tickets(self, limit: int = 30) -> tuple[list[Ticket], int]:
        """Open tickets, those waiting for the shop first and longest-waiting first; and how many in all."""
        rows = await self.db.fetchall(
            "SELECT *, COUNT(*) OVER () AS total FROM tickets WHERE status = 'open' "
            "ORDER BY waiting = 'customer', waiting_since LIMIT ?",
            (limit,),
        )
        return [_ticket(row) for row in rows], int(rows[0]["total"]) if rows else 0

    async def figures(self, since: str) -> SupportFigures:
        """Open tickets now, and the median time to the first answer of tickets opened from `since`."""
        open_now = int(await self.db.fetchval("SELECT COUNT(*) FROM tickets WHERE status = 'open'") or 0)
        waited = (
            "EXTRACT(EPOCH FROM first_answer_at::timestamptz - created_at::timestamptz)"
            if is_postgres(self.db)
            else "(julianday(first_answer_at) - julianday(created_at)) * 86400.0"
        )
        rows = await self.db.fetchall(
            "SELECT " + waited + " AS waited FROM tickets "
            "WHERE created_at >= ? AND first_answer_at IS NOT NULL ORDER BY waited",
            (since,),
        )
        waits = [float(row[0]) for row in rows]
        return SupportFigures(open_now, len(waits), _median(waits))


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
