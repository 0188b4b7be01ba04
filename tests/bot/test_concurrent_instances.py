"""Two instances on one database at once: each holds its own connections (a pool on PostgreSQL), as two
bot processes would, and both act on the same wallet or order at the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest

from bot.orders.placement import OrderingDeps, PlaceOutcome, place_order, quote
from bot.orders.settlement import settle
from providers.smm_v2 import SmmV2Client
from storage.catalog import CatalogRepo
from storage.database import Database
from storage.orders import OrderRepo
from tests.databases import reopen
from tests.harness import Shop, place

CUSTOMER = 7001


@pytest.fixture
async def second_instance(shop: Shop) -> AsyncIterator[Database]:
    """The shop's database opened a second time, as another instance holds it."""
    other = reopen(shop.db)
    await other.connect()
    try:
        yield other
    finally:
        await other.close()


def _deps_on(db: Database, shop: Shop) -> OrderingDeps:
    ordering: OrderingDeps = shop.dep("ordering")
    return replace(ordering, db=db, catalog=CatalogRepo(db), orders=OrderRepo(db))


async def test_fifty_confirms_from_a_wallet_covering_ten_place_exactly_ten(
    shop: Shop, second_instance: Database
) -> None:
    shop.tg.add_user(CUSTOMER)
    service = await shop.service("1")
    one = shop.dep("ordering")
    priced = await quote(one, service, 100)
    await shop.fund(CUSTOMER, priced.total * 10)
    instances = (one, _deps_on(second_instance, shop))

    async def confirm(n: int) -> PlaceOutcome:
        result = await place_order(
            instances[n % 2],
            user_id=CUSTOMER,
            service_id=service.id,
            link=f"https://instagram.com/p/post{n}",
            quantity=100,
            quoted_total=priced.total,
            quote_key=f"summary:{n}",  # 50 different summaries, all confirmed at once
        )
        return result.outcome

    outcomes = await asyncio.gather(*(confirm(n) for n in range(50)))

    assert outcomes.count(PlaceOutcome.PLACED) == 10
    assert outcomes.count(PlaceOutcome.INSUFFICIENT_FUNDS) == 40
    assert len(shop.provider.calls("add")) == 10, "only paid orders reach the provider"
    assert await shop.users.balance(CUSTOMER) == 0
    charges = await shop.db.fetchval(
        "SELECT COUNT(*) FROM ledger WHERE user_id = ? AND kind = 'charge'", (CUSTOMER,)
    )
    assert charges == 10
    assert await shop.db.fetchval("SELECT COUNT(*) FROM orders WHERE user_id = ?", (CUSTOMER,)) == 10


async def test_the_same_refund_settled_by_two_instances_at_once_is_written_once(
    shop: Shop, second_instance: Database
) -> None:
    shop.tg.add_user(CUSTOMER)
    orders = [await place(shop, CUSTOMER, link=f"https://instagram.com/p/r{n}") for n in range(20)]
    before = await shop.users.balance(CUSTOMER)
    for order in orders:
        assert order.provider_order_id is not None
        shop.provider.set_status(order.provider_order_id, "Canceled")
    client = shop.dep("provider")
    assert isinstance(client, SmmV2Client)
    fresh = {order.provider_order_id: await shop.orders.get(order.id) for order in orders}
    [chunk] = await client.statuses_chunked([oid for oid in fresh if oid is not None])
    pairs = [(fresh[oid], status) for oid, status in chunk.statuses.items()]
    assert all(order is not None for order, _ in pairs)

    # Both instances read the same statuses and settle them at the same moment, each in its own transaction.
    reports = await asyncio.gather(
        settle(shop.db, shop.settings, pairs),  # type: ignore[arg-type]
        settle(second_instance, shop.settings, pairs),  # type: ignore[arg-type]
    )

    assert sum(report.changed for report in reports) == 20, "each order moved once, by one of them"
    refunds = await shop.db.fetchall(
        "SELECT ref, COUNT(*) FROM ledger WHERE kind = 'refund' AND user_id = ? GROUP BY ref", (CUSTOMER,)
    )
    assert sorted(row[0] for row in refunds) == sorted(f"refund:order:{order.id}" for order in orders)
    assert all(row[1] == 1 for row in refunds)
    charged = sum(order.charge for order in orders)
    assert await shop.users.balance(CUSTOMER) == before + charged
    notices = await shop.db.fetchval(
        "SELECT COUNT(*) FROM outbox WHERE chat_id = ? AND ref LIKE 'notice:settled:%'", (CUSTOMER,)
    )
    assert notices == 20, "one notice per canceled order"
