"""What admins are told about the catalogue and the provider, end to end through both fakes.

/sync on real-shaped catalogues (hidden by type, unreadable entries), the price guard on a provider charge
above what the customer paid, and a provider account in another currency than CURRENCY.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from providers.base import normalise_service_type
from storage.catalog import ORDERABLE_KINDS
from storage.orders import OrderStatus
from tests.handlers.orders_support import outbox_texts, place_direct
from tests.harness import ADMIN_ID, OTHER_ADMIN_ID, Shop

USER = 5301
DATA = Path(__file__).resolve().parents[1] / "data"
REAL = DATA / "services-smmpanelus-2024-09-20.json"
SYNTHETIC = DATA / "services-synthetic-panel.json"


# -- /sync -----------------------------------------------------------------------------------------------


async def test_sync_of_a_real_catalogue_reports_what_is_hidden_by_type(shop: Shop) -> None:
    shop.provider.load_services_json(REAL)
    reply = await shop.say(ADMIN_ID, "/sync", "Catalogue synced", timeout=15)
    assert "1633 added, 0 updated, 5 disabled, 0 unchanged" in reply.text  # the demo catalogue is gone
    types = Counter(normalise_service_type(e["type"]).value for e in json.loads(REAL.read_bytes()))
    hidden = {kind: n for kind, n in types.items() if kind not in ORDERABLE_KINDS}
    total = sum(hidden.values())
    assert f"{total:,} services are hidden from customers" in reply.text
    assert "• Subscriptions (never sold: the final charge is open-ended): 73" in reply.text
    assert "unreadable" not in reply.text  # every entry of this panel can be read
    count = await shop.catalog.count()
    assert count["available"] == 1633 - total


async def test_sync_reports_unreadable_entries_by_reason(shop: Shop) -> None:
    shop.provider.load_services_json(SYNTHETIC)
    reply = await shop.say(ADMIN_ID, "/sync", "Catalogue synced")
    assert "19 added" in reply.text
    text = reply.text
    assert "8 entries of the provider's list were skipped as unreadable" in text
    for line in (
        "• no usable rate: 2",
        "• min above max: 1",
        "• no name: 1",
        "• no service id: 1",
        "• a service id listed twice: 1",
        "• not a service entry: 1",
        "• unusable min or max: 1",
    ):
        assert line in text
    assert (
        "• Subscriptions (never sold: the final charge is open-ended): 2" in text
    )  # two spellings, one kind
    assert "Web Traffic (a type this bot does not know): 1" in text
    assert "SEO (a type this bot does not know): 1" in text
    # Names reach the customer decoded once and escaped once: the entity shows as the character.
    service = await shop.service("102")
    assert service.name == "Followers bo'ladi & more"


# -- price guard -----------------------------------------------------------------------------------------


async def test_a_provider_charge_above_the_price_alerts_every_admin_once(shop: Shop) -> None:
    # The provider raised its price after the last sync: the customer paid 1.17, the provider takes 5.00.
    shop.provider.services["1"]["rate"] = "5.00"
    order = await place_direct(shop, USER, link="https://instagram.com/p/dear")
    assert order.charge == 117
    await shop.poll()
    flagged = await shop.orders.get(order.id)
    assert flagged is not None and flagged.attention is not None and "5.00000 USD" in flagged.attention
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        alert = await shop.tg.wait_for_message(admin, f"Order #{order.id} needs attention")
        assert "the provider charged 5.00000 USD" in alert.text
        assert "more than the customer paid (1.17 USD)" in alert.text
        assert "Service: Instagram Followers" in alert.text
    # Later statuses keep the money rules and say nothing more.
    shop.provider.tick()
    await shop.poll()
    shop.provider.tick()
    await shop.poll()
    done = await shop.orders.get(order.id)
    assert done is not None and done.status == OrderStatus.COMPLETED and done.refunded == 0
    assert done.attention is None  # a finished order leaves the attention list
    alerts = [t for t in await outbox_texts(shop, ADMIN_ID) if f"Order #{order.id} needs attention" in t]
    assert len(alerts) == 1
    assert await shop.users.balance(USER) == 0


async def test_a_provider_charge_within_the_price_says_nothing(shop: Shop) -> None:
    order = await place_direct(shop, USER, link="https://instagram.com/p/cheap")
    shop.provider.tick()
    await shop.poll()
    current = await shop.orders.get(order.id)
    assert current is not None and current.provider_charge is not None and current.attention is None
    assert current.provider_charge * 100 <= current.charge
    assert not [t for t in await outbox_texts(shop, ADMIN_ID) if "needs attention" in t]


async def test_a_charge_first_seen_on_a_finished_order_is_alerted(shop: Shop) -> None:
    order = await place_direct(shop, USER, link="https://instagram.com/p/fast")
    shop.provider.set_status(order.provider_order_id or "", "Completed", remains=0, charge="2.5")
    await shop.poll()
    done = await shop.orders.get(order.id)
    assert done is not None and done.status == OrderStatus.COMPLETED and done.attention is None
    alert = await shop.tg.wait_for_message(ADMIN_ID, f"Order #{order.id} needs attention")
    assert "charged 2.50000 USD" in alert.text and "paid (1.17 USD)" in alert.text


# -- currency --------------------------------------------------------------------------------------------


async def test_a_provider_in_another_currency_alerts_admins_at_start_up(shop: Shop) -> None:
    assert not [m for m in shop.tg.messages(ADMIN_ID) if "Currency mismatch" in m.text]
    shop.provider.currency = "RUB"
    await shop.restart()
    for admin in (ADMIN_ID, OTHER_ADMIN_ID):
        alert = await shop.tg.wait_for_message(admin, "Currency mismatch")
        assert "the provider's account is in RUB, but the shop sells in USD" in alert.text
    reply = await shop.say(ADMIN_ID, "/provider", "Provider balance")
    assert "1000.00000 RUB" in reply.text and "account is in RUB, but the shop sells in USD" in reply.text
    # Restarting again the same day does not repeat the alert.
    await shop.restart()
    await shop.say(ADMIN_ID, "/provider", "Provider balance")
    assert len([t for t in await outbox_texts(shop, ADMIN_ID) if "Currency mismatch" in t]) == 1


async def test_the_same_currency_says_nothing(shop: Shop) -> None:
    reply = await shop.say(ADMIN_ID, "/provider", "Provider balance")
    assert "Currency mismatch" not in reply.text and "differs" not in reply.text
    assert not [t for t in await outbox_texts(shop, ADMIN_ID) if "Currency mismatch" in t]
