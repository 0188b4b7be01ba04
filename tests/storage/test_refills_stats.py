"""Refill rows, cancel requests and the /stats aggregates against a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.config import Settings
from bot.notify.alerts import alert_admins, send_alert
from storage.cancels import CancelRepo
from storage.catalog import CatalogRepo, ServiceData
from storage.database import Database
from storage.ledger import EntryKind, apply_entry
from storage.orders import insert_order
from storage.refills import RefillPhase, RefillRepo, finish_refill, insert_refill
from storage.stats import StatsRepo, iso
from storage.users import UserRepo


async def _order(db: Database, *, charge: int = 100, provider_charge: str | None = None) -> int:
    await UserRepo(db).upsert(1, username="u", first_name="U")
    catalog = CatalogRepo(db)
    if await catalog.get(1) is None:
        item = ServiceData(
            "1", "Instagram", "Followers", "Default", Decimal("0.9"), 10, 1000, True, True, False, ""
        )
        await catalog.apply_sync("main", [item])
    async with db.transaction() as tx:
        await apply_entry(
            tx, user_id=1, amount=charge, kind=EntryKind.TOPUP, ref=f"t:{charge}:{provider_charge}"
        )
        order_id = await insert_order(
            tx,
            user_id=1,
            service_id=1,
            provider="main",
            link="https://x/y",
            quantity=100,
            charge=charge,
            quote_key=f"q:{charge}:{provider_charge}",
        )
        assert order_id is not None
        await apply_entry(
            tx, user_id=1, amount=-charge, kind=EntryKind.CHARGE, ref=f"charge:order:{order_id}"
        )
        await tx.execute(
            "UPDATE orders SET provider_charge = ?, status = 'completed' WHERE id = ?",
            (provider_charge, order_id),
        )
    return order_id


async def test_one_pending_refill_per_order(db: Database) -> None:
    order_id = await _order(db)
    async with db.transaction() as tx:
        first = await insert_refill(tx, order_id, "r1")
        second = await insert_refill(tx, order_id, "r2")
    assert first is not None and second is None
    repo = RefillRepo(db)
    [pending] = await repo.pending()
    assert (pending.provider_refill_id, pending.user_id, pending.service_name) == ("r1", 1, "Followers")
    async with db.transaction() as tx:
        assert await finish_refill(tx, first, RefillPhase.COMPLETED, "Completed")
        assert not await finish_refill(tx, first, RefillPhase.REJECTED, "Rejected")  # final stays final
        assert await insert_refill(tx, order_id, "r3") is not None  # a new one may follow
    refills = await repo.for_order(order_id)
    assert [(r.provider_refill_id, r.status) for r in refills] == [
        ("r1", RefillPhase.COMPLETED),
        ("r3", RefillPhase.PENDING),
    ]
    latest = await repo.latest_for_order(order_id)
    assert latest is not None and latest.provider_refill_id == "r3"


async def test_cancel_request_is_recorded_once(db: Database) -> None:
    order_id = await _order(db)
    repo = CancelRepo(db)
    assert not await repo.requested(order_id)
    assert await repo.record(order_id)
    assert not await repo.record(order_id)
    assert await repo.requested(order_id)


async def test_totals_sum_exactly(db: Database) -> None:
    await _order(db, charge=117, provider_charge="0.90001")
    await _order(db, charge=37, provider_charge="0.27819")
    await _order(db, charge=50)
    async with db.transaction() as tx:
        await apply_entry(tx, user_id=1, amount=20, kind=EntryKind.REFUND, ref="refund:x")
    totals = await StatsRepo(db).totals_since(datetime.now(UTC) - timedelta(hours=1))
    assert (totals.orders, totals.charges, totals.refunds) == (3, 204, 20)
    assert totals.provider_cost == Decimal("1.17820")
    future = await StatsRepo(db).totals_since(datetime.now(UTC) + timedelta(hours=1))
    assert (future.orders, future.charges, future.refunds, future.provider_cost) == (0, 0, 0, 0)


def test_iso_matches_sqlite_timestamps() -> None:
    assert iso(datetime(2024, 5, 1, 7, 8, 9, 123456, tzinfo=UTC)) == "2024-05-01T07:08:09.123Z"


async def test_alerts_reach_every_admin_once(db: Database) -> None:
    settings = Settings(_env_file=None, bot_token="1:x", admin_ids="7,8")  # type: ignore[call-arg]
    assert await send_alert(db, settings, lambda: "provider down", "alert:test") == 2
    async with db.transaction() as tx:
        assert await alert_admins(tx, settings, lambda: "provider down", "alert:test") == 0
    rows = await db.fetchall("SELECT chat_id, ref FROM outbox ORDER BY chat_id")
    assert [tuple(row) for row in rows] == [(7, "alert:test:7"), (8, "alert:test:8")]
