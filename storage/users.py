"""Users: registration, lookup, the blocked flag and the language they read."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from storage.database import Database, Row, Tx, change, in_list, select_all, select_one, touch
from storage.outbox import OUTBOX_TOPIC


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str | None
    first_name: str
    last_name: str
    language: str | None  # Telegram's language_code, as last seen
    locale: str  # the language the shop speaks to them ("en", "ru")
    is_blocked: bool
    balance: int
    created_at: str

    @property
    def display_name(self) -> str:
        """Name as people read it: "@alice" if there is a username, else the full name."""
        if self.username:
            return f"@{self.username}"
        full = f"{self.first_name} {self.last_name}".strip()
        return full or str(self.id)


def _user(row: Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        language=row["language"],
        locale=row["locale"],
        is_blocked=bool(row["is_blocked"]),
        balance=row["balance"],
        created_at=row["created_at"],
    )


async def locales_of(tx: Tx, user_ids: Iterable[int]) -> dict[int, str]:
    """The stored locale of each known user among `user_ids`, read inside the caller's transaction."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    where, param = in_list(tx, "id", ids)
    rows = await select_all(tx, "SELECT id, locale FROM users WHERE " + where, (param,))
    return {int(row[0]): str(row[1]) for row in rows}


_SELECT = (
    "SELECT id, username, first_name, last_name, language, locale, is_blocked, balance, created_at FROM users"
)


# Commit topic of changes other instances must hear about (blocked, language); the item is the user id.
USER_TOPIC = "user"


class UserRepo:
    """Reads and writes the users table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def on_changed(self, listener: Callable[[int], None]) -> None:
        """Call `listener(user_id)` after a user is recorded as having blocked the bot or chose a language.

        On a shared database this happens in every instance, whichever one wrote the change.
        """
        self.db.on_commit_item(USER_TOPIC, lambda item: listener(int(item)))

    async def upsert(
        self,
        user_id: int,
        *,
        username: str | None,
        first_name: str,
        last_name: str | None = None,
        language: str | None = None,
        locale: str = "en",
        referral_code: str | None = None,
    ) -> User:
        """Register a user or refresh their profile; a user who writes to us is not blocked.

        `locale` is the language a new user starts with; a known user keeps the one they have. A new
        user who came with someone's `referral_code` is tied to them for good; a known user, their own
        code or a code nobody has changes nothing.
        """
        async with self.db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO users
                    (id, username, first_name, last_name, language, locale, referrer_id, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, (SELECT id FROM users WHERE ref_code = ? AND id != ?), date('now'))
                ON CONFLICT (id) DO UPDATE SET
                    username = excluded.username,
                    first_name = excluded.first_name,
                    last_name = excluded.last_name,
                    language = excluded.language,
                    is_blocked = 0,
                    last_seen = excluded.last_seen,
                    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                """,
                (
                    user_id,
                    username,
                    first_name or "",
                    last_name or "",
                    language,
                    locale,
                    referral_code,
                    user_id,
                ),
            )
            row = await select_one(tx, _SELECT + " WHERE id = ?", (user_id,))
            # Messages held while the user had blocked the bot can go out again.
            touch(OUTBOX_TOPIC)
        assert row is not None
        return _user(row)

    async def get(self, user_id: int) -> User | None:
        """Return the user or None."""
        row = await self.db.fetchone(_SELECT + " WHERE id = ?", (user_id,), quick=True)
        return None if row is None else _user(row)

    async def find(self, query: str) -> User | None:
        """Find a user by numeric id or @username (case-insensitive)."""
        text = query.strip()
        if text.lstrip("-").isdigit():
            return await self.get(int(text))
        name = text.removeprefix("@")
        row = await self.db.fetchone(
            _SELECT + " WHERE lower(username) = lower(?) ORDER BY id LIMIT 1", (name,)
        )
        return None if row is None else _user(row)

    async def balance(self, user_id: int) -> int:
        """Return the cached balance in cents (0 for an unknown user)."""
        value = await self.db.fetchval("SELECT balance FROM users WHERE id = ?", (user_id,), quick=True)
        return int(value or 0)

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Record that the user blocked (or unblocked) the bot."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE users SET is_blocked = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE id = ?",
                (int(blocked), user_id),
            )
            if blocked:
                touch(USER_TOPIC, str(user_id))

    async def set_locale(self, user_id: int, locale: str) -> bool:
        """Record the language a user chose; False for an unknown user."""
        async with self.db.transaction() as tx:
            changed = await change(
                tx,
                "UPDATE users SET locale = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE id = ?",
                (locale, user_id),
            )
            touch(USER_TOPIC, str(user_id))
        return changed == 1

    async def count(self) -> int:
        """Return the number of registered users."""
        return int(await self.db.fetchval("SELECT COUNT(*) FROM users") or 0)


async def ensure_user(tx: Tx, user_id: int, first_name: str = "") -> None:
    """Register a user known only from Telegram's records (a payment found by reconciliation)."""
    await tx.execute(
        "INSERT INTO users (id, first_name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", (user_id, first_name)
    )


async def fetch_user(conn: Tx, user_id: int) -> User | None:
    """Read a user inside the caller's transaction."""
    row = await select_one(conn, _SELECT + " WHERE id = ?", (user_id,))
    return None if row is None else _user(row)


async def seen_today(db: Database, user_id: int) -> None:
    """Record that the user wrote to the bot today (for "active in the last N days")."""
    async with db.transaction() as tx:
        await tx.execute("UPDATE users SET last_seen = date('now') WHERE id = ?", (user_id,))
