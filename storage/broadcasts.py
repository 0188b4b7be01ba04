"""Broadcasts: one row per broadcast, one outbox copy per recipient (priority 1: behind every notice)."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database, Row, change, select_one, touch
from storage.outbox import OUTBOX_TOPIC

# Recipients of each audience: `all`, `active-<days>` (wrote to the bot within so many days), `lang-<locale>`.
_AUDIENCE_SQL = {
    "all": ("true", ()),
    "active": ("last_seen >= date('now', ?)", ("days",)),
    "lang": ("locale = ?", ("locale",)),
}
BROADCAST_PRIORITY = 1


@dataclass(frozen=True, slots=True)
class Audience:
    kind: str  # all | active | lang
    days: int = 0
    locale: str = ""

    @classmethod
    def parse(cls, value: str) -> Audience | None:
        """Read `all`, `active-7` or `lang-ru`; None for anything else."""
        kind, _, arg = value.partition("-")
        if kind == "all" and not arg:
            return cls("all")
        if kind == "active" and arg.isdigit() and 1 <= int(arg) <= 3650:
            return cls("active", days=int(arg))
        if kind == "lang" and arg.isalpha() and len(arg) <= 8:
            return cls("lang", locale=arg)
        return None

    def __str__(self) -> str:
        return {"all": "all", "active": f"active-{self.days}", "lang": f"lang-{self.locale}"}[self.kind]

    def where(self) -> tuple[str, tuple[str, ...]]:
        """The SQL condition on `users` and its parameters."""
        condition, names = _AUDIENCE_SQL[self.kind]
        values = {"days": f"-{self.days} days", "locale": self.locale}
        return condition, tuple(values[name] for name in names)


@dataclass(frozen=True, slots=True)
class Broadcast:
    id: int
    admin_id: int
    audience: str
    status: str
    recipients: int
    skipped_blocked: int
    progress_chat_id: int | None
    progress_message_id: int | None
    created_at: str


@dataclass(frozen=True, slots=True)
class Counts:
    delivered: int
    blocked: int  # known blocked before it started, or blocked the bot on the way
    failed: int
    canceled: int
    left: int


def _broadcast(row: Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        admin_id=row["admin_id"],
        audience=row["audience"],
        status=row["status"],
        recipients=row["recipients"],
        skipped_blocked=row["skipped_blocked"],
        progress_chat_id=row["progress_chat_id"],
        progress_message_id=row["progress_message_id"],
        created_at=row["created_at"],
    )


# Why a copy was not delivered, as far as the report tells them apart.
_WHY = "CASE WHEN last_error IN ('blocked', 'canceled') THEN last_error ELSE '' END"


class BroadcastRepo:
    """Creates broadcasts, counts their copies, stops them."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def audience_size(self, audience: Audience) -> tuple[int, int]:
        """(users to send to, users of the audience known to have blocked the bot)."""
        condition, params = audience.where()
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FILTER (WHERE is_blocked = 0), COUNT(*) FILTER (WHERE is_blocked = 1) "
            f"FROM users WHERE {condition}",
            params,
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def sending(self) -> list[Broadcast]:
        rows = await self.db.fetchall("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
        return [_broadcast(row) for row in rows]

    async def start(
        self, *, admin_id: int, text: str, photo: str | None, markup: str | None, audience: Audience
    ) -> Broadcast | None:
        """Queue one copy per recipient in one transaction; None while another broadcast is being sent."""
        condition, params = audience.where()
        async with self.db.transaction() as tx:
            if await select_one(tx, "SELECT 1 FROM broadcasts WHERE status = 'sending'") is not None:
                return None
            row = await select_one(
                tx,
                "INSERT INTO broadcasts (admin_id, text, photo, markup, audience) VALUES (?, ?, ?, ?, ?) "
                "RETURNING id",
                (admin_id, text, photo, markup, str(audience)),
            )
            assert row is not None
            broadcast_id = int(row[0])
            queued = await change(
                tx,
                "INSERT INTO outbox (chat_id, text, ref, photo, markup, priority, broadcast_id) "
                f"SELECT id, ?, 'broadcast:' || ? || ':' || id, ?, ?, ?, ? FROM users "
                f"WHERE is_blocked = 0 AND {condition} ORDER BY id",
                (text, broadcast_id, photo, markup, BROADCAST_PRIORITY, broadcast_id, *params),
            )
            blocked = await select_one(
                tx, f"SELECT COUNT(*) FROM users WHERE is_blocked = 1 AND {condition}", params
            )
            await tx.execute(
                "UPDATE broadcasts SET recipients = ?, skipped_blocked = ? WHERE id = ?",
                (queued, int(blocked[0]) if blocked else 0, broadcast_id),
            )
            touch(OUTBOX_TOPIC)
            row = await select_one(tx, "SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        assert row is not None
        return _broadcast(row)

    async def set_progress_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE broadcasts SET progress_chat_id = ?, progress_message_id = ? WHERE id = ?",
                (chat_id, message_id, broadcast_id),
            )

    async def counts(self, broadcast: Broadcast) -> Counts:
        """Copies delivered, blocked, failed, canceled and still to send."""
        rows = await self.db.fetchall(
            "SELECT status, "
            + _WHY
            + ", COUNT(*) FROM outbox WHERE broadcast_id = ? GROUP BY status, "
            + _WHY,
            (broadcast.id,),
        )
        delivered = blocked = failed = canceled = left = 0
        for status, error, count in ((str(r[0]), str(r[1]), int(r[2])) for r in rows):
            if status == "sent":
                delivered += count
            elif status == "pending":
                left += count
            elif error == "blocked":
                blocked += count
            elif error == "canceled":
                canceled += count
            else:
                failed += count
        return Counts(delivered, blocked + broadcast.skipped_blocked, failed, canceled, left)

    async def finish(self, broadcast_id: int, status: str) -> bool:
        """Mark it done or canceled; False if it was no longer being sent."""
        async with self.db.transaction() as tx:
            return (
                await change(
                    tx,
                    "UPDATE broadcasts SET status = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                    "WHERE id = ? AND status = 'sending'",
                    (status, broadcast_id),
                )
                == 1
            )

    async def cancel(self) -> tuple[Broadcast, int] | None:
        """Stop the broadcast being sent: its copies not yet sent are dropped. None if there is none."""
        async with self.db.transaction() as tx:
            row = await select_one(
                tx, "SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id LIMIT 1"
            )
            if row is None:
                return None
            broadcast = _broadcast(row)
            dropped = await change(
                tx,
                "UPDATE outbox SET status = 'dropped', last_error = 'canceled' "
                "WHERE broadcast_id = ? AND status = 'pending' AND sending_since IS NULL",
                (broadcast.id,),
            )
        return broadcast, dropped
