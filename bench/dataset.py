"""Synthetic shop databases: users, orders, their ledger and notices, written with big executemany batches.

The schema comes from the project's own migrations and the catalogue from its own sync against the fake
provider; only the bulk rows are written with plain sqlite3 (a generator, not the bot).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from importlib import resources
from pathlib import Path

from bench.common import DATA_DIR, bench_settings, start_provider
from bot.app import create_http_client, create_provider
from bot.catalog.pricing import service_price
from bot.catalog.sync import sync_catalog
from bot.wallet.money import proportional_floor
from storage.catalog import CatalogRepo, Service
from storage.database import SQLiteDatabase
from tests.fakes.provider import FakeOrder, FakeProvider

USER_BASE = 10_000_000  # Telegram-like user ids
PROVIDER_ID_BASE = 50_000_000
QUANTITIES = (100, 250, 500, 1000, 2000, 5000)
BATCH = 50_000
MARKUP = Decimal(30)
_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Shape:
    """How big the shop is; the newest `active` orders are still being worked on by the provider."""

    users: int
    orders: int
    active: int
    active_status: str = "in_progress"  # or "pending"

    @property
    def label(self) -> str:
        return f"{self.users}u-{self.orders}o-{self.active}a-{self.active_status}"


@dataclass(frozen=True, slots=True)
class _Row:
    id: int
    user_id: int
    service: Service
    quantity: int
    charge: int
    status: str
    remains: int | None
    refunded: int


def user_id(index: int) -> int:
    """The Telegram id of the index-th generated user."""
    return USER_BASE + index


def provider_order_id(order_id: int) -> str:
    """The provider's id for one of our generated orders."""
    return str(PROVIDER_ID_BASE + order_id)


def fingerprint() -> str:
    """Changes whenever the schema or this generator changes, so a cached file is never stale."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    folder = resources.files("storage") / "migrations"
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".sql"):
            digest.update(entry.name.encode() + entry.read_bytes())
    return digest.hexdigest()[:10]


async def cached(shape: Shape) -> tuple[Path, float | None]:
    """The generated database for `shape` under bench/.data (built if missing) and the build seconds."""
    path = DATA_DIR / f"shop-{shape.label}-{fingerprint()}.sqlite3"
    if path.exists():
        return path, None
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for old in DATA_DIR.glob(f"shop-{shape.label}-*.sqlite3"):
        old.unlink()
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    await build(partial, shape)
    partial.rename(path)
    return path, time.perf_counter() - started


async def build(path: Path, shape: Shape, *, seed: int = 1) -> None:
    """Create a database file at `path`: migrated schema, synced catalogue, then the bulk rows."""
    services = await _prepare(path)
    await asyncio.to_thread(_fill, path, shape, services, seed)


async def _prepare(path: Path) -> list[Service]:
    """Migrate a new file and sync the fake provider's catalogue into it, as the bot does at start."""
    provider = await start_provider()
    db = SQLiteDatabase(path)
    try:
        await db.connect()
        settings = bench_settings(path, provider.url)
        async with create_http_client(settings) as http:
            catalog = CatalogRepo(db)
            await sync_catalog(create_provider(settings, http), catalog)
        rows = await db.fetchall("SELECT id FROM services ORDER BY id")
        found = [await catalog.get(int(row[0])) for row in rows]
        return [service for service in found if service is not None and service.available]
    finally:
        await db.close()
        await provider.stop()


def _orders(shape: Shape, services: list[Service], seed: int) -> Iterator[_Row]:
    """Every order, oldest first; the same seed gives the same rows."""
    rng = random.Random(seed)
    prices = {(s.id, q): service_price(s, MARKUP, q) for s in services for q in QUANTITIES}
    first_active = shape.orders - shape.active + 1
    for order_id in range(1, shape.orders + 1):
        # Squaring skews the spread: a few customers order a lot, most order rarely.
        index = int(shape.users * rng.random() ** 2)
        service = rng.choice(services)
        quantity = min(max(rng.choice(QUANTITIES), service.min_quantity), service.max_quantity)
        charge = prices.get((service.id, quantity)) or service_price(service, MARKUP, quantity)
        roll = rng.random()
        remains: int | None = 0
        refunded = 0
        if order_id >= first_active:
            status = shape.active_status
            remains = quantity if status == "pending" else rng.randrange(1, quantity + 1)
        elif roll < 0.85:
            status = "completed"
        elif roll < 0.95:
            status, remains = "partial", rng.randrange(1, quantity)
            refunded = proportional_floor(charge, remains, quantity)
        else:
            status, remains, refunded = "canceled", quantity, charge
        yield _Row(order_id, user_id(index), service, quantity, charge, status, remains, refunded)


def _stamp(order_id: int, total: int) -> str:
    moment = _EPOCH + timedelta(seconds=order_id * (365 * 86400 / max(total, 1)))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _fill(path: Path, shape: Shape, services: list[Service], seed: int) -> None:
    """Write users, orders, ledger and notices in big transactions."""
    # Pass one: what each customer spends, so the top-up covers it and every balance_after is right.
    spent: dict[int, int] = {}
    for row in _orders(shape, services, seed):
        spent[row.user_id] = spent.get(row.user_id, 0) + row.charge - row.refunded
    rng = random.Random(seed + 1)
    leftover = {user_id(i): rng.randrange(0, 5000) for i in range(shape.users)}
    balance = {uid: spent.get(uid, 0) + leftover[uid] for uid in leftover}

    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO users (id, username, first_name, balance, created_at) VALUES (?, ?, ?, ?, ?)",
            ((uid, f"user{uid}", "User", leftover[uid], _stamp(0, 1)) for uid in leftover),
        )
        conn.executemany(
            "INSERT INTO ledger (user_id, amount, kind, ref, note, balance_after, created_at) "
            "VALUES (?, ?, 'topup', ?, 'generated', ?, ?)",
            (
                (uid, amount, f"gen-topup:{uid}", amount, _stamp(0, 1))
                for uid, amount in balance.items()
                if amount > 0
            ),
        )
        conn.execute("COMMIT")
        batch: list[_Row] = []
        for row in _orders(shape, services, seed):
            batch.append(row)
            if len(batch) >= BATCH:
                _write(conn, batch, balance, shape.orders)
                batch = []
        if batch:
            _write(conn, batch, balance, shape.orders)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def _write(conn: sqlite3.Connection, rows: list[_Row], balance: dict[int, int], total: int) -> None:
    orders: list[tuple[object, ...]] = []
    ledger: list[tuple[object, ...]] = []
    outbox: list[tuple[object, ...]] = []
    for row in rows:
        stamp = _stamp(row.id, total)
        done = row.status in ("completed", "partial", "canceled")
        raw = {"pending": "Pending", "in_progress": "In progress"}.get(row.status, row.status.title())
        start_count = 0 if row.status == "pending" else 1000 + row.id % 5000
        orders.append(
            (
                row.id, row.user_id, row.service.id, "main", provider_order_id(row.id),
                f"https://instagram.com/p/gen{row.id}", row.quantity, row.charge, row.refunded, row.status,
                raw, start_count, row.remains, f"gen:{row.id}", stamp, stamp, stamp if done else None,
            )
        )  # fmt: skip
        balance[row.user_id] -= row.charge
        ledger.append(
            (row.user_id, -row.charge, "charge", f"charge:order:{row.id}", row.id, f"Order #{row.id}",
             balance[row.user_id], stamp)
        )  # fmt: skip
        if row.refunded:
            balance[row.user_id] += row.refunded
            ledger.append(
                (row.user_id, row.refunded, "refund", f"refund:order:{row.id}", row.id,
                 f"Order #{row.id} {row.status}", balance[row.user_id], stamp)
            )  # fmt: skip
        if done:
            outbox.append(
                (row.user_id, f"Order #{row.id} is {row.status}.", f"notice:settled:{row.id}", stamp, stamp)
            )
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO orders (id, user_id, service_id, provider, provider_order_id, link, quantity, charge, "
        "refunded, status, provider_status, start_count, remains, quote_key, created_at, updated_at, "
        "finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        orders,
    )
    conn.executemany(
        "INSERT INTO ledger (user_id, amount, kind, ref, order_id, note, balance_after, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ledger,
    )
    conn.executemany(
        "INSERT INTO outbox (chat_id, text, ref, status, attempts, created_at, sent_at) "
        "VALUES (?, ?, ?, 'sent', 1, ?, ?)",
        outbox,
    )
    conn.execute("COMMIT")


def register_active(provider: FakeProvider, path: Path) -> int:
    """Give the fake provider every active order of the file, reporting exactly what the file holds.

    Each order's provider charge is what the customer paid with the shop's markup taken off, as a
    provider bills it: a charge above the price paid would flag the order for an admin.
    """
    conn = sqlite3.connect(path)
    try:
        rows = conn.execute(
            "SELECT o.provider_order_id, s.provider_service_id, o.link, o.quantity, o.charge, "
            "o.provider_status, o.start_count, o.remains "
            "FROM orders o JOIN services s ON s.id = o.service_id "
            "WHERE o.status IN ('pending', 'in_progress')"
        ).fetchall()
    finally:
        conn.close()
    for order_id, service_id, link, quantity, paid, raw, start_count, remains in rows:
        cost = provider_cost(paid)
        provider.orders[order_id] = FakeOrder(
            order_id, service_id, link, quantity, cost, {}, status=raw,
            start_count=start_count, remains=remains, scripted=True,
        )  # fmt: skip
    return len(rows)


def provider_cost(paid_cents: int) -> Decimal:
    """What the provider bills for an order the customer paid `paid_cents` for: the markup taken off."""
    return (Decimal(paid_cents) / 100 / (1 + MARKUP / 100)).quantize(Decimal("0.00001"), ROUND_DOWN)
