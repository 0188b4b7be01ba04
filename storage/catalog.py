"""The synced service catalogue and the shop's run-time settings."""

from __future__ import annotations

from decimal import Decimal

from storage.catalog_search import SearchTable, search_table
from storage.catalog_types import ORDERABLE_KINDS, Category, Service, ServiceData, SyncCounts
from storage.database import Database, Row, Tx, change, select_all, select_one, touch

# The catalogue's types live in storage/catalog_types.py (search data needs them too); they are
# handed on from here, where the rest of the code looks for them.
__all__ = [
    "CATALOG_TOPIC",
    "ORDERABLE_KINDS",
    "CatalogRepo",
    "Category",
    "Service",
    "ServiceData",
    "SyncCounts",
]

_SELECT = (
    "SELECT s.id, s.provider, s.provider_service_id, s.category_id, c.name AS category, s.name, s.type, "
    "s.rate, s.min_quantity, s.max_quantity, s.refill, s.cancel, s.dripfeed, s.description, "
    "s.markup_percent, s.is_active, s.is_enabled, s.kind, s.platform "
    "FROM services s JOIN categories c ON c.id = s.category_id"
)
# What customers may order: listed by the provider, switched on, and of a kind the bot can place. The
# kinds are constants of this module, never user input.
_AVAILABLE = (
    "s.is_active = 1 AND s.is_enabled = 1 AND s.kind IN ("
    + ", ".join(f"'{kind}'" for kind in sorted(ORDERABLE_KINDS))
    + ")"
)


# Written by every transaction that changes what customers see (see `CatalogRepo.searchable`).
CATALOG_TOPIC = "catalog"


def _service(row: Row) -> Service:
    return Service(
        id=row["id"],
        provider=row["provider"],
        provider_service_id=row["provider_service_id"],
        category_id=row["category_id"],
        category=row["category"],
        name=row["name"],
        type=row["type"],
        rate=Decimal(row["rate"]),
        min_quantity=row["min_quantity"],
        max_quantity=row["max_quantity"],
        refill=bool(row["refill"]),
        cancel=bool(row["cancel"]),
        dripfeed=bool(row["dripfeed"]),
        description=row["description"],
        markup_percent=None if row["markup_percent"] is None else Decimal(row["markup_percent"]),
        is_active=bool(row["is_active"]),
        is_enabled=bool(row["is_enabled"]),
        kind=row["kind"],
        platform=row["platform"],
    )


def _values(item: ServiceData) -> tuple[object, ...]:
    return (
        item.name,
        item.type,
        str(item.rate),
        item.min_quantity,
        item.max_quantity,
        int(item.refill),
        int(item.cancel),
        int(item.dripfeed),
        item.description,
        item.kind,
        item.platform,
    )


class CatalogRepo:
    """Reads the catalogue for customers and applies provider syncs."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._searchable: SearchTable | None = None
        self._generation = 0  # bumped by each committed change, so a read in flight is not cached
        db.on_commit(CATALOG_TOPIC, self._forget)

    def _forget(self) -> None:
        self._searchable = None
        self._generation += 1

    async def apply_sync(self, provider: str, items: list[ServiceData]) -> SyncCounts:
        """Upsert the provider's list in one transaction; services it no longer lists are deactivated."""
        added = updated = unchanged = 0
        async with self.db.transaction() as tx:
            touch(CATALOG_TOPIC)
            existing: dict[str, tuple[int, tuple[object, ...], int, bool]] = {}
            rows = await select_all(
                tx,
                "SELECT s.id, s.provider_service_id, s.name, s.type, s.rate, s.min_quantity, "
                "s.max_quantity, s.refill, s.cancel, s.dripfeed, s.description, s.kind, s.platform, "
                "s.category_id, s.is_active "
                "FROM services s WHERE s.provider = ?",
                (provider,),
            )
            for row in rows:
                existing[row[1]] = (row[0], tuple(row[2:13]), row[13], bool(row[14]))
            categories: dict[str, int] = {}
            seen: set[str] = set()
            for item in items:
                if item.provider_service_id in seen:
                    continue
                seen.add(item.provider_service_id)
                category_id = categories.get(item.category)
                if category_id is None:
                    category_id = await _category_id(tx, item.category)
                    categories[item.category] = category_id
                values = _values(item)
                current = existing.get(item.provider_service_id)
                if current is None:
                    await tx.execute(
                        "INSERT INTO services (name, type, rate, min_quantity, max_quantity, refill, cancel, "
                        "dripfeed, description, kind, platform, provider, provider_service_id, category_id) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*values, provider, item.provider_service_id, category_id),
                    )
                    added += 1
                elif current[1] != values or current[2] != category_id or not current[3]:
                    await tx.execute(
                        "UPDATE services SET name = ?, type = ?, rate = ?, min_quantity = ?, "
                        "max_quantity = ?, refill = ?, cancel = ?, dripfeed = ?, description = ?, "
                        "kind = ?, platform = ?, category_id = ?, is_active = 1, "
                        "updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?",
                        (*values, category_id, current[0]),
                    )
                    updated += 1
                else:
                    unchanged += 1
            gone = [row[0] for key, row in existing.items() if key not in seen and row[3]]
            for service_id in gone:
                await tx.execute(
                    "UPDATE services SET is_active = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                    "WHERE id = ?",
                    (service_id,),
                )
        return SyncCounts(added=added, updated=updated, disabled=len(gone), unchanged=unchanged)

    async def get(self, service_id: int) -> Service | None:
        """Return a service by our id, whatever its state."""
        row = await self.db.fetchone(_SELECT + " WHERE s.id = ?", (service_id,), quick=True)
        return None if row is None else _service(row)

    async def platforms(self) -> list[tuple[str, int]]:
        """Return (platform key, count) of platforms with orderable services, the most first, "other" last."""
        rows = await self.db.fetchall(
            "SELECT s.platform, COUNT(*) FROM services s WHERE " + _AVAILABLE + " GROUP BY s.platform "
            "ORDER BY s.platform = 'other', COUNT(*) DESC, s.platform"
        )
        return [(str(row[0]), int(row[1])) for row in rows]

    async def categories(self, platform: str | None = None) -> list[Category]:
        """Return categories that have at least one orderable service.

        All of them by name; or those of one platform, counting its services only, in the provider's
        order (panels group their categories: followers, likes, views, then by country...).
        """
        if platform is None:
            rows = await self.db.fetchall(
                "SELECT c.id, c.name, COUNT(*) FROM services s JOIN categories c ON c.id = s.category_id "
                "WHERE " + _AVAILABLE + " GROUP BY c.id ORDER BY c.name COLLATE NOCASE, c.id"
            )
        else:
            rows = await self.db.fetchall(
                "SELECT c.id, c.name, COUNT(*) FROM services s JOIN categories c ON c.id = s.category_id "
                "WHERE s.platform = ? AND " + _AVAILABLE + " GROUP BY c.id ORDER BY MIN(s.id), c.id",
                (platform,),
            )
        return [Category(row[0], row[1], row[2]) for row in rows]

    async def category(self, category_id: int, platform: str | None = None) -> Category | None:
        """Return one category with its count of orderable services (of one platform if given)."""
        row = await self.db.fetchone(
            "SELECT c.id, c.name, (SELECT COUNT(*) FROM services s WHERE s.category_id = c.id "
            "AND (CAST(? AS TEXT) IS NULL OR s.platform = ?) AND "
            + _AVAILABLE
            + ") FROM categories c WHERE c.id = ?",
            (platform, platform, category_id),
        )
        return None if row is None else Category(row[0], row[1], row[2])

    async def services_in(self, category_id: int, platform: str | None = None) -> list[Service]:
        """Return the orderable services of a category (of one platform if given), in the provider's order."""
        where = " WHERE s.category_id = ? AND (CAST(? AS TEXT) IS NULL OR s.platform = ?) AND "
        rows = await self.db.fetchall(
            _SELECT + where + _AVAILABLE + " ORDER BY s.id", (category_id, platform, platform)
        )
        return [_service(row) for row in rows]

    async def searchable(self) -> SearchTable:
        """Return every orderable service folded for search, kept in memory until the catalogue changes."""
        cached = self._searchable
        if cached is not None:
            return cached
        generation = self._generation
        rows = await self.db.fetchall(_SELECT + " WHERE " + _AVAILABLE + " ORDER BY s.id")
        table = search_table(_service(row) for row in rows)
        if generation == self._generation:  # no change committed while reading
            self._searchable = table
        return table

    async def count(self) -> dict[str, int]:
        """Return counts of services: total, available to customers, inactive."""
        row = await self.db.fetchone(
            "SELECT COUNT(*), SUM(CASE WHEN " + _AVAILABLE + " THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN s.is_active = 0 THEN 1 ELSE 0 END) FROM services s"
        )
        assert row is not None
        return {"total": row[0] or 0, "available": row[1] or 0, "inactive": row[2] or 0}

    async def set_markup(self, service_id: int, percent: Decimal | None) -> bool:
        """Set or clear a service's markup override; False if the service does not exist."""
        async with self.db.transaction() as tx:
            touch(CATALOG_TOPIC)
            changed = await change(
                tx,
                "UPDATE services SET markup_percent = ? WHERE id = ?",
                (None if percent is None else str(percent), service_id),
            )
        return changed == 1

    async def set_enabled(self, service_id: int, enabled: bool) -> bool:
        """Switch a service on or off for customers; False if it does not exist."""
        async with self.db.transaction() as tx:
            touch(CATALOG_TOPIC)
            changed = await change(
                tx, "UPDATE services SET is_enabled = ? WHERE id = ?", (int(enabled), service_id)
            )
        return changed == 1

    async def get_setting(self, key: str) -> str | None:
        """Return a run-time shop setting, or None if it was never set."""
        value = await self.db.fetchval("SELECT value FROM shop_settings WHERE key = ?", (key,), quick=True)
        return None if value is None else str(value)

    async def set_setting(self, key: str, value: str) -> None:
        """Store a run-time shop setting."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO shop_settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


async def _category_id(tx: Tx, name: str) -> int:
    await tx.execute("INSERT INTO categories (name) VALUES (?) ON CONFLICT (name) DO NOTHING", (name,))
    row = await select_one(tx, "SELECT id FROM categories WHERE name = ?", (name,))
    assert row is not None
    return int(row[0])
