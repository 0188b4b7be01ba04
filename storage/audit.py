"""The ledger audit: set-based checks that every balance and every order agrees with the ledger.

Invariants of this code base (every money change writes its ledger row in the same transaction):
* a user's balance is the sum of their ledger rows;
* an order's `charge` is minus its `charge` rows, its `refunded` is the sum of its `refund` rows, never
  more than the charge, and every row of an order is on its customer's wallet;
* a failed or canceled order is refunded in full; an order not yet finished (submitting, pending, in
  progress, parked) is not refunded at all;
* every `charge` and `refund` row belongs to an existing order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from storage.database import Database, select_all, select_one


class OrderIssue(StrEnum):
    CHARGE = "charge"  # the charge differs from the order's charge rows
    REFUNDS = "refunds"  # `refunded` differs from the order's refund rows
    OVER_REFUNDED = "over_refunded"  # more refunded (on the order or in the ledger) than charged
    NOT_REFUNDED = "not_refunded"  # failed or canceled but not refunded in full
    EARLY_REFUND = "early_refund"  # refunded while not finished
    WRONG_USER = "wrong_user"  # a ledger row of the order is on another user's wallet


@dataclass(frozen=True, slots=True)
class BalanceProblem:
    user_id: int
    balance: int
    ledger_sum: int


@dataclass(frozen=True, slots=True)
class OrderProblem:
    order_id: int
    user_id: int
    status: str
    charge: int
    refunded: int
    ledger_charge: int  # minus the sum of the order's charge rows
    ledger_refunds: int  # the sum of the order's refund rows
    issues: tuple[OrderIssue, ...]


@dataclass(frozen=True, slots=True)
class StrayEntry:
    """A charge or refund row whose order does not exist."""

    entry_id: int
    user_id: int
    kind: str
    order_id: int | None


@dataclass(frozen=True, slots=True)
class AuditFindings:
    """What the checks found; each list holds at most the limit asked for, the counts say how many."""

    users_checked: int
    orders_checked: int
    balances: tuple[BalanceProblem, ...] = ()
    balance_count: int = 0
    orders: tuple[OrderProblem, ...] = ()
    order_count: int = 0
    strays: tuple[StrayEntry, ...] = ()
    stray_count: int = 0

    @property
    def clean(self) -> bool:
        return self.balance_count == self.order_count == self.stray_count == 0


_UNFINISHED = ("submitting", "pending", "in_progress", "unknown")

# Summing the whole ledger in one pass and grouping in a temporary b-tree is several times faster
# than walking `ledger_user`, which fetches every row's amount from the table one by one.
_BALANCES = (
    "WITH sums AS (SELECT user_id, SUM(amount) AS total FROM ledger NOT INDEXED GROUP BY user_id) "
    "SELECT u.id, u.balance, COALESCE(s.total, 0), COUNT(*) OVER () FROM users u "
    "LEFT JOIN sums s ON s.user_id = u.id WHERE u.balance != COALESCE(s.total, 0) ORDER BY u.id LIMIT ?"
)

# One probe of `ledger_order` per order decides; the figures are read only for orders that fail it.
_ORDERS = (
    "SELECT o.id, o.user_id, o.status, o.charge, o.refunded, "
    "(SELECT COALESCE(-SUM(amount), 0) FROM ledger WHERE order_id = o.id AND kind = 'charge'), "
    "(SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE order_id = o.id AND kind = 'refund'), "
    "(SELECT COUNT(*) FROM ledger WHERE order_id = o.id AND user_id != o.user_id), "
    "COUNT(*) OVER () FROM orders o "
    "WHERE o.refunded > o.charge "
    "OR (o.status IN ('failed', 'canceled') AND o.refunded != o.charge) "
    "OR (o.status IN ('submitting', 'pending', 'in_progress', 'unknown') AND o.refunded != 0) "
    "OR NOT (SELECT COALESCE(SUM(CASE WHEN kind = 'charge' THEN -amount ELSE 0 END), 0) = o.charge "
    "AND COALESCE(SUM(CASE WHEN kind = 'refund' THEN amount ELSE 0 END), 0) = o.refunded "
    "AND COALESCE(MIN(user_id) = o.user_id AND MAX(user_id) = o.user_id, true) "
    "FROM ledger WHERE order_id = o.id) "
    "ORDER BY o.id LIMIT ?"
)

_STRAYS = (
    "SELECT l.id, l.user_id, l.kind, l.order_id, COUNT(*) OVER () FROM ledger l "
    "LEFT JOIN orders o ON o.id = l.order_id "
    "WHERE l.kind IN ('charge', 'refund') AND o.id IS NULL ORDER BY l.id LIMIT ?"
)


def _issues(
    status: str, charge: int, refunded: int, ledger_charge: int, ledger_refunds: int, foreign: int
) -> tuple[OrderIssue, ...]:
    found: list[OrderIssue] = []
    if ledger_charge != charge:
        found.append(OrderIssue.CHARGE)
    if ledger_refunds != refunded:
        found.append(OrderIssue.REFUNDS)
    if max(refunded, ledger_refunds) > charge:
        found.append(OrderIssue.OVER_REFUNDED)
    if status in ("failed", "canceled") and refunded != charge:
        found.append(OrderIssue.NOT_REFUNDED)
    if status in _UNFINISHED and refunded != 0:
        found.append(OrderIssue.EARLY_REFUND)
    if foreign:
        found.append(OrderIssue.WRONG_USER)
    return tuple(found)


class AuditRepo:
    """Runs the ledger checks over the whole database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def run(self, *, limit: int = 100) -> AuditFindings:
        """Check every user and order; return the problems (at most `limit` of each kind) and their counts."""
        async with self.db.snapshot() as conn:
            counts = await select_one(
                conn, "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM orders)"
            )
            balances = await select_all(conn, _BALANCES, (limit,))
            orders = await select_all(conn, _ORDERS, (limit,))
            strays = await select_all(conn, _STRAYS, (limit,))
        assert counts is not None
        return AuditFindings(
            users_checked=int(counts[0]),
            orders_checked=int(counts[1]),
            balances=tuple(BalanceProblem(row[0], row[1], row[2]) for row in balances),
            balance_count=int(balances[0][3]) if balances else 0,
            orders=tuple(
                OrderProblem(
                    order_id=row[0],
                    user_id=row[1],
                    status=row[2],
                    charge=row[3],
                    refunded=row[4],
                    ledger_charge=row[5],
                    ledger_refunds=row[6],
                    issues=_issues(row[2], row[3], row[4], row[5], row[6], row[7]),
                )
                for row in orders
            ),
            order_count=int(orders[0][8]) if orders else 0,
            strays=tuple(StrayEntry(row[0], row[1], row[2], row[3]) for row in strays),
            stray_count=int(strays[0][4]) if strays else 0,
        )
