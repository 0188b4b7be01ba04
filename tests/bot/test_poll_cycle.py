"""The poll cycle's traffic: requests back to back across pages within the provider's concurrency, and a
cancelled cycle leaves every order as it was."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.orders.poller import poll_once
from providers import SmmV2Client, StatusChunk
from storage.ledger import EntryKind
from storage.orders import OrderStatus
from tests.harness import PROVIDER_KEY, Shop, place


async def refunds_of(shop: Shop, order_id: int) -> list[int]:
    return [e.amount for e in await shop.ledger.entries_for_order(order_id) if e.kind == EntryKind.REFUND]


class CountingClient(SmmV2Client):
    """A client that counts the status requests in flight, each taking `delay` seconds longer."""

    def __init__(self, shop: Shop, *, concurrency: int, size: int, delay: float) -> None:
        super().__init__(
            shop.provider.url,
            PROVIDER_KEY,
            shop.dep("http"),
            concurrency=concurrency,
            max_ids_per_request=size,
        )
        self.delay = delay
        self.in_flight = 0
        self.most = 0
        self.asked: list[tuple[str, ...]] = []

    async def statuses_chunked(
        self, order_ids: Sequence[str], *, concurrency: int | None = None
    ) -> list[StatusChunk]:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        self.asked.append(tuple(order_ids))
        try:
            await asyncio.sleep(self.delay)
            return await super().statuses_chunked(order_ids, concurrency=concurrency)
        finally:
            self.in_flight -= 1


async def test_requests_cross_pages_within_the_providers_concurrency(shop: Shop) -> None:
    orders = [await place(shop, 4800 + i, link=f"https://instagram.com/p/{i}#partial=100") for i in range(9)]
    shop.provider.tick(2)
    client = CountingClient(shop, concurrency=2, size=2, delay=0.02)

    report = await poll_once(shop.db, shop.orders, {"main": client}, shop.settings, page_size=3)

    assert client.most == 2, "never more than the provider's concurrency, and it is used"
    assert sorted(len(ids) for ids in client.asked) == [1, 1, 1, 2, 2, 2]  # pages of 3, requests of 2
    assert report.requests == 6 and report.failed_requests == 0 and report.orders == 9
    assert report.settled.partial == 9 and report.settled.changed == 9
    for order in orders:
        settled = await shop.orders.get(order.id)
        assert settled is not None and settled.status == OrderStatus.PARTIAL
        refunds = [
            e.amount for e in await shop.ledger.entries_for_order(order.id) if e.kind == EntryKind.REFUND
        ]
        assert refunds == [order.charge * 100 // 1000]
        await shop.tg.wait_for_message(order.user_id, f"Order #{order.id} is Partial")


async def test_a_cancelled_cycle_moves_no_order_and_the_next_settles_each_once(shop: Shop) -> None:
    orders = [await place(shop, 4820 + i, link=f"https://instagram.com/p/{i}#cancel") for i in range(4)]
    shop.provider.tick(2)
    slow = CountingClient(shop, concurrency=2, size=1, delay=0.5)

    cycle = asyncio.ensure_future(poll_once(shop.db, shop.orders, {"main": slow}, shop.settings))
    await asyncio.sleep(0.1)  # both requests in flight, nothing answered yet
    cycle.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cycle
    assert slow.in_flight == 0
    for order in orders:
        still = await shop.orders.get(order.id)
        assert still is not None and still.status == OrderStatus.PENDING
        assert await refunds_of(shop, order.id) == []

    report = await shop.poll()
    assert report.settled.canceled == 4 and report.settled.refunded == sum(o.charge for o in orders)
    for order in orders:
        refunds = [
            e.amount for e in await shop.ledger.entries_for_order(order.id) if e.kind == EntryKind.REFUND
        ]
        assert refunds == [order.charge]
