"""The ledger audit's checks against a real SQLite file: clean data passes, each broken invariant is named."""

from __future__ import annotations

from decimal import Decimal

from storage.audit import AuditRepo, BalanceProblem, OrderIssue, StrayEntry
from storage.catalog import CatalogRepo, ServiceData
from storage.database import Database
from storage.ledger import EntryKind, apply_entry
from storage.orders import insert_order
from storage.users import UserRepo


async def _user(db: Database, user_id: int, funds: int = 10_000) -> None:
    await UserRepo(db).upsert(user_id, username=f"u{user_id}", first_name="U")
    if funds:
        async with db.transaction() as tx:
            await apply_entry(tx, user_id=user_id, amount=funds, kind=EntryKind.TOPUP, ref=f"topup:{user_id}")


async def _order(
    db: Database, user_id: int, *, charge: int = 100, status: str = "completed", refund: int = 0
) -> int:
    """An order written the way the bot writes one: the charge row, then any refund row, with the order."""
    catalog = CatalogRepo(db)
    if await catalog.get(1) is None:
        item = ServiceData(
            "1", "Instagram", "Followers", "Default", Decimal("0.9"), 10, 1000, True, True, False, ""
        )
        await catalog.apply_sync("main", [item])
    async with db.transaction() as tx:
        order_id = await insert_order(
            tx,
            user_id=user_id,
            service_id=1,
            provider="main",
            link="https://x/y",
            quantity=100,
            charge=charge,
            quote_key=f"q:{user_id}:{charge}:{status}:{refund}",
        )
        assert order_id is not None
        await apply_entry(
            tx,
            user_id=user_id,
            amount=-charge,
            kind=EntryKind.CHARGE,
            ref=f"charge:order:{order_id}",
            order_id=order_id,
        )
        if refund:
            await apply_entry(
                tx,
                user_id=user_id,
                amount=refund,
                kind=EntryKind.REFUND,
                ref=f"refund:order:{order_id}",
                order_id=order_id,
            )
        await tx.execute(
            "UPDATE orders SET status = ?, refunded = ? WHERE id = ?", (status, refund, order_id)
        )
    return order_id


async def _shop(db: Database) -> dict[str, int]:
    """Two customers with orders in every status, a manual top-up refund included; all consistent."""
    await _user(db, 1)
    await _user(db, 2)
    await _user(db, 3, funds=0)  # never paid anything: balance 0, no ledger rows
    ids = {
        "completed": await _order(db, 1),
        "partial": await _order(db, 1, status="partial", refund=30),
        "canceled": await _order(db, 2, status="canceled", refund=100),
        "failed": await _order(db, 2, charge=250, status="failed", refund=250),
        "pending": await _order(db, 1, status="pending"),
        "unknown": await _order(db, 2, status="unknown"),
    }
    # A manual refund on top of the automatic one: two refund rows for one order.
    async with db.transaction() as tx:
        await apply_entry(
            tx, user_id=1, amount=20, kind=EntryKind.REFUND, ref="refund:manual:1", order_id=ids["partial"]
        )
        await tx.execute("UPDATE orders SET refunded = 50 WHERE id = ?", (ids["partial"],))
    return ids


async def _sql(db: Database, sql: str, params: tuple[object, ...] = ()) -> None:
    async with db.transaction() as tx:
        await tx.execute(sql, params)


async def test_a_consistent_database_is_clean(db: Database) -> None:
    await _shop(db)
    findings = await AuditRepo(db).run()
    assert findings.clean
    assert (findings.users_checked, findings.orders_checked) == (3, 6)


async def test_an_empty_database_is_clean(db: Database) -> None:
    findings = await AuditRepo(db).run()
    assert findings.clean and findings.users_checked == findings.orders_checked == 0


async def test_a_balance_that_differs_from_its_ledger(db: Database) -> None:
    await _shop(db)
    await _sql(db, "UPDATE users SET balance = balance + 1 WHERE id = 2")
    await _sql(db, "UPDATE users SET balance = 7 WHERE id = 3")
    findings = await AuditRepo(db).run()
    balance = await UserRepo(db).balance(2)
    assert findings.balances == (BalanceProblem(2, balance, balance - 1), BalanceProblem(3, 7, 0))
    assert findings.balance_count == 2 and findings.order_count == findings.stray_count == 0


async def test_each_broken_order_invariant_is_named(db: Database) -> None:
    ids = await _shop(db)
    await _sql(db, "UPDATE orders SET charge = charge + 1 WHERE id = ?", (ids["completed"],))
    await _sql(db, "UPDATE orders SET refunded = refunded - 1 WHERE id = ?", (ids["partial"],))
    await _sql(db, "UPDATE orders SET status = 'canceled' WHERE id = ?", (ids["completed"],))
    await _sql(db, "UPDATE orders SET refunded = 10 WHERE id = ?", (ids["pending"],))
    async with db.transaction() as tx:  # a second full refund in the ledger, the order left alone
        await apply_entry(
            tx, user_id=2, amount=250, kind=EntryKind.REFUND, ref="refund:twice", order_id=ids["failed"]
        )
    findings = await AuditRepo(db).run()
    issues = {problem.order_id: problem.issues for problem in findings.orders}
    assert issues == {
        ids["completed"]: (OrderIssue.CHARGE, OrderIssue.NOT_REFUNDED),
        ids["partial"]: (OrderIssue.REFUNDS,),
        ids["pending"]: (OrderIssue.REFUNDS, OrderIssue.EARLY_REFUND),
        ids["failed"]: (OrderIssue.REFUNDS, OrderIssue.OVER_REFUNDED),
    }
    assert findings.order_count == 4 and findings.balances == ()
    failed = next(p for p in findings.orders if p.order_id == ids["failed"])
    assert (failed.user_id, failed.status, failed.charge, failed.refunded) == (2, "failed", 250, 250)
    assert (failed.ledger_charge, failed.ledger_refunds) == (250, 500)


async def test_a_ledger_row_on_another_wallet_and_rows_without_an_order(db: Database) -> None:
    ids = await _shop(db)
    await _sql(db, "UPDATE ledger SET user_id = 2 WHERE ref = ?", (f"charge:order:{ids['completed']}",))
    async with db.transaction() as tx:
        await apply_entry(tx, user_id=1, amount=5, kind=EntryKind.REFUND, ref="refund:lost", order_id=9999)
        await apply_entry(tx, user_id=2, amount=-5, kind=EntryKind.CHARGE, ref="charge:lost")
        await apply_entry(tx, user_id=2, amount=5, kind=EntryKind.TOPUP, ref="topup:not-an-order")
    findings = await AuditRepo(db).run()
    [moved] = findings.orders
    assert moved.order_id == ids["completed"] and moved.issues == (OrderIssue.WRONG_USER,)
    assert [p.user_id for p in findings.balances] == [1, 2]  # the moved row is on the wrong wallet
    rows = await db.fetchall("SELECT id FROM ledger WHERE ref IN ('refund:lost', 'charge:lost') ORDER BY id")
    assert findings.strays == (
        StrayEntry(rows[0][0], 1, "refund", 9999),
        StrayEntry(rows[1][0], 2, "charge", None),
    )


async def test_problems_are_capped_and_counted(db: Database) -> None:
    for user_id in range(1, 6):
        await _user(db, user_id)
    await _sql(db, "UPDATE users SET balance = balance + 1")
    findings = await AuditRepo(db).run(limit=2)
    assert [p.user_id for p in findings.balances] == [1, 2] and findings.balance_count == 5
    assert not findings.clean


async def test_the_audit_sees_only_committed_rows(db: Database) -> None:
    await _shop(db)
    async with db.transaction() as tx:
        await tx.execute("UPDATE users SET balance = balance + 1 WHERE id = 1")
        # Another connection reads the last committed state; the half-done change is not a finding.
        assert (await AuditRepo(db).run()).clean
        await tx.execute("UPDATE users SET balance = balance - 1 WHERE id = 1")
    assert (await AuditRepo(db).run()).clean
