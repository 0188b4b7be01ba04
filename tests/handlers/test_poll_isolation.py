"""One bad reply never stops polling: unusable provider ids are parked, a failing chunk loses only itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from bot import texts
from bot.orders import poller
from bot.orders.poller import PollReport, poll_once
from bot.orders.settlement import SettleReport, settle
from providers import SmmV2Client, StatusChunk
from providers.base import StatusReport
from storage.database import Database
from storage.ledger import EntryKind
from storage.orders import Order, OrderStatus
from tests.handlers.test_ordering import confirm, to_summary
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, PROVIDER_KEY, Shop, place

USER = 4701
OTHER = 4702


async def refunds_of(shop: Shop, order_id: int) -> list[int]:
    return [e.amount for e in await shop.ledger.entries_for_order(order_id) if e.kind == EntryKind.REFUND]


async def status_of(shop: Shop, order_id: int) -> OrderStatus:
    order = await shop.orders.get(order_id)
    assert order is not None
    return order.status


def small_chunks(shop: Shop, *, name: str = "main", size: int = 2) -> SmmV2Client:
    """A client on the shop's http client that asks about `size` orders a request, for several chunks."""
    return SmmV2Client(shop.provider.url, PROVIDER_KEY, shop.dep("http"), name=name, max_ids_per_request=size)


async def test_a_comma_in_the_add_reply_parks_the_order_and_polling_goes_on(shop: Shop) -> None:
    others = [await place(shop, OTHER, link=f"https://instagram.com/p/{i}") for i in range(3)]
    await shop.fund(USER, 1000)
    await to_summary(shop, USER, link="https://instagram.com/p/comma")
    shop.provider.add_reply_order_id = "123,456"
    reply = await confirm(shop, USER, "checking it", timeout=10)
    shop.provider.add_reply_order_id = None

    parked = await shop.only_order(USER)
    assert f"Order #{parked.id}" in reply.text
    assert parked.status == OrderStatus.UNKNOWN and parked.provider_order_id is None
    assert parked.attention == texts.ATTENTION_UNKNOWN and "not usable" in (parked.error or "")
    assert await shop.users.balance(USER) == 1000 - parked.charge and await refunds_of(shop, parked.id) == []
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        alert = await shop.tg.wait_for_message(admin, f"Order #{parked.id} needs checking")
        assert f"/resolve {parked.id} placed" in alert.text
    assert len(shop.provider.calls("add")) == 4, "the parked order is never sent again"

    shop.provider.tick(2)
    report = await shop.poll()
    assert report.failed_requests == 0 and report.settled.completed == 3
    for order in others:
        assert await status_of(shop, order.id) == OrderStatus.COMPLETED
        await shop.tg.wait_for_message(OTHER, f"Order #{order.id} is Completed")

    # The admin finds the order on the panel under its real id; from then on it is polled like any other.
    [real_id] = [oid for oid, o in shop.provider.orders.items() if o.link.endswith("/comma")]
    await shop.say(ADMIN_ID, f"/resolve {parked.id} placed 123,456", "Usage")
    await shop.say(ADMIN_ID, f"/resolve {parked.id} placed {real_id}", "is now pending")
    await shop.poll()
    assert await status_of(shop, parked.id) == OrderStatus.COMPLETED
    assert await refunds_of(shop, parked.id) == []


@pytest.mark.parametrize("stored", ["1,2", "12 34"])
async def test_a_stored_unusable_id_is_parked_for_an_admin_not_polled(shop: Shop, stored: str) -> None:
    orders = [await place(shop, USER, link=f"https://instagram.com/p/{i}") for i in range(3)]
    bad, real_id = orders[1], orders[1].provider_order_id
    async with shop.db.transaction() as tx:  # a row stored before ids were checked
        await tx.execute("UPDATE orders SET provider_order_id = ? WHERE id = ?", (stored, bad.id))
    shop.provider.tick(2)

    report = await shop.poll()
    assert report.parked == 1 and report.settled.completed == 2 and report.failed_requests == 0
    assert [await status_of(shop, o.id) for o in orders] == [
        OrderStatus.COMPLETED,
        OrderStatus.UNKNOWN,
        OrderStatus.COMPLETED,
    ]
    parked = await shop.orders.get(bad.id)
    assert parked is not None and parked.attention == texts.ATTENTION_BAD_PROVIDER_ID
    asked = [call["orders"] for call in shop.provider.calls("status")]
    assert asked == [f"{orders[0].provider_order_id},{orders[2].provider_order_id}"]
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        alert = await shop.tg.wait_for_message(admin, f"Order #{bad.id} needs checking")
        assert f"<code>{stored}</code>" in alert.html and "not refunded" in alert.text
    listed = await shop.say(ADMIN_ID, "/attention", "needing attention")
    assert f"#{bad.id} · Being checked" in listed.text

    again = await shop.poll()
    assert again.parked == 0 and again.orders == 0
    assert sum(f"Order #{bad.id} needs checking" in m.text for m in shop.tg.messages(ADMIN_ID)) == 1

    await shop.say(ADMIN_ID, f"/resolve {bad.id} placed {real_id}", "is now pending")
    await shop.poll()
    assert await status_of(shop, bad.id) == OrderStatus.COMPLETED
    assert await refunds_of(shop, bad.id) == []


async def test_an_error_settling_one_chunk_does_not_stop_the_others(
    shop: Shop, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # One customer each: notices to one chat go out at most one a second.
    orders = [await place(shop, 4710 + i, link=f"https://instagram.com/p/{i}#partial=100") for i in range(5)]
    shop.provider.tick(2)
    doomed = {orders[2].id, orders[3].id}  # the second chunk of two
    real_settle = settle

    async def settle_with_a_bug(
        db: Database, settings: object, pairs: Iterable[tuple[Order, StatusReport]]
    ) -> SettleReport:
        pairs = list(pairs)
        if any(order.id in doomed for order, _ in pairs):
            raise RuntimeError("a bug in settlement")
        return await real_settle(db, shop.settings, pairs)

    monkeypatch.setattr(poller, "settle", settle_with_a_bug)
    report = await poll_once(shop.db, shop.orders, {"main": small_chunks(shop)}, shop.settings)

    assert report.requests == 3 and report.failed_requests == 0 and report.failed_settles == 1
    assert report.settled.partial == 3
    for order in orders:
        expected = OrderStatus.PENDING if order.id in doomed else OrderStatus.PARTIAL
        assert await status_of(shop, order.id) == expected
        if order.id not in doomed:
            await shop.tg.wait_for_message(order.user_id, f"Order #{order.id} is Partial")
    assert [await refunds_of(shop, order_id) for order_id in sorted(doomed)] == [[], []]
    [logged] = [r for r in caplog.records if r.name == poller.__name__ and r.exc_info]
    first, second = sorted(doomed)
    assert f"Settling orders {first}, {second} failed" in logged.getMessage()
    assert PROVIDER_KEY not in caplog.text

    monkeypatch.setattr(poller, "settle", real_settle)
    healed = await shop.poll()
    assert healed.settled.partial == 2
    assert [await status_of(shop, order.id) for order in orders] == [OrderStatus.PARTIAL] * 5
    for order in orders:
        assert await refunds_of(shop, order.id) == [order.charge * 100 // 1000]


class BrokenClient(SmmV2Client):
    """A client with a bug: asking about statuses raises something that is not a ProviderError."""

    async def statuses_chunked(
        self, order_ids: Sequence[str], *, concurrency: int | None = None
    ) -> list[StatusChunk]:
        raise KeyError("a bug in the client")


async def test_a_client_bug_for_one_provider_does_not_stop_the_others(
    shop: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    orders = [await place(shop, USER, link=f"https://instagram.com/p/{i}") for i in range(3)]
    moved = orders[2]
    async with shop.db.transaction() as tx:
        await tx.execute("UPDATE orders SET provider = 'second' WHERE id = ?", (moved.id,))
    shop.provider.tick(2)
    providers = {
        "main": BrokenClient(shop.provider.url, PROVIDER_KEY, shop.dep("http"), name="main"),
        "second": small_chunks(shop, name="second"),
    }
    report: PollReport = await poll_once(shop.db, shop.orders, providers, shop.settings)

    assert report.failed_requests == 1 and "KeyError" in report.last_error
    assert report.settled.completed == 1 and await status_of(shop, moved.id) == OrderStatus.COMPLETED
    assert [await status_of(shop, o.id) for o in orders[:2]] == [OrderStatus.PENDING] * 2
    [logged] = [r for r in caplog.records if r.name == poller.__name__ and r.exc_info]
    assert f"orders {orders[0].id}, {orders[1].id} are skipped" in logged.getMessage()
