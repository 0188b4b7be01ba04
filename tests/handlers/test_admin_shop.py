"""Admin shop commands end to end: /markup, /price, /service, /sync, /stats, /provider."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot import texts
from bot.catalog.shop import MARKUP_KEY
from tests.handlers.orders_support import complete, place_direct
from tests.handlers.test_ordering import FOLLOWERS
from tests.harness import ADMIN_ID, Shop, open_category

USER = 4401


async def listing(shop: Shop, user: int = USER) -> str:
    return (await open_category(shop, user)).text


async def test_markup_changes_the_prices_customers_see(shop: Shop) -> None:
    await shop.register(USER)
    reply = await shop.say(ADMIN_ID, "/markup 50", "markup is now 50%")
    assert "50%" in reply.text
    assert await shop.catalog.get_setting(MARKUP_KEY) == "50"
    assert "Instagram Followers: 1.35 USD" in await listing(shop)  # 0.90 x 1.50
    await shop.say(ADMIN_ID, "/markup 12.5", "12.5%")
    assert "Instagram Followers: 1.02 USD" in await listing(shop)  # 1.0125 rounded up


@pytest.mark.parametrize("args", ["", "abc", "-5", "1001", "1e3", "NaN", "50 60", "50%", "0x10"])
async def test_malformed_markup_changes_nothing(shop: Shop, args: str) -> None:
    reply = await shop.say(ADMIN_ID, f"/markup {args}".strip(), "Usage")
    assert "/markup" in reply.text
    assert await shop.catalog.get_setting(MARKUP_KEY) is None


async def test_price_overrides_one_service_and_default_restores_it(shop: Shop) -> None:
    service = await shop.service("1")
    await shop.say(ADMIN_ID, f"/price {service.id} 100", "own markup of 100%")
    assert (await shop.service("1")).markup_percent == Decimal(100)
    text = await listing(shop)
    assert "Instagram Followers: 1.80 USD" in text and "Instagram Likes: 0.37 USD" in text
    await shop.say(ADMIN_ID, f"/price {service.id} default", "shop-wide markup (30%)")
    assert (await shop.service("1")).markup_percent is None
    assert "Instagram Followers: 1.17 USD" in await listing(shop)


@pytest.mark.parametrize(
    "args", ["", "{service}", "{service} abc", "{service} 2000", "x 10", "{service} 10 20"]
)
async def test_malformed_price_changes_nothing(shop: Shop, args: str) -> None:
    service = await shop.service("1")
    reply = await shop.say(ADMIN_ID, f"/price {args.format(service=service.id)}".strip(), "Usage")
    assert "/price" in reply.text
    assert await shop.service("1") == service


async def test_price_of_a_missing_service(shop: Shop) -> None:
    await shop.say(ADMIN_ID, "/price 4242 10", "no service #4242")


async def test_service_off_hides_it_and_on_shows_it_again(shop: Shop) -> None:
    service = await shop.service("1")
    await shop.say(ADMIN_ID, f"/service {service.id} off", "is now off")
    assert FOLLOWERS not in (await listing(shop)) and "Instagram Followers" not in await listing(shop)
    await shop.say(ADMIN_ID, f"/service {service.id} ON", "is now on")
    assert "Instagram Followers" in await listing(shop)


async def test_service_on_warns_when_customers_still_cannot_see_it(shop: Shop) -> None:
    # Subscriptions: a type the bot never sells (their final charge is open-ended).
    shop.provider.add_service("9", name="Auto Views", category="Telegram", type="Subscriptions")
    await shop.say(ADMIN_ID, "/sync", "Catalogue synced")
    subscriptions = await shop.service("9")
    reply = await shop.say(ADMIN_ID, f"/service {subscriptions.id} on", "is now on")
    assert "still cannot see it" in reply.text


@pytest.mark.parametrize("args", ["", "{service}", "{service} maybe", "x on", "{service} on now"])
async def test_malformed_service_changes_nothing(shop: Shop, args: str) -> None:
    service = await shop.service("1")
    reply = await shop.say(ADMIN_ID, f"/service {args.format(service=service.id)}".strip(), "Usage")
    assert "/service" in reply.text
    assert await shop.service("1") == service


async def test_sync_reports_counts(shop: Shop) -> None:
    shop.provider.add_service("6", name="TikTok Views", category="TikTok", rate="0.01", min=100, max=10**6)
    shop.provider.services["3"]["rate"] = "1.60"
    shop.provider.remove_service("4")
    reply = await shop.say(ADMIN_ID, "/sync", "Catalogue synced")
    assert "1 added, 1 updated, 1 disabled, 3 unchanged" in reply.text and " s:" in reply.text


async def test_failed_sync_keeps_the_catalogue_and_shows_the_reason(shop: Shop) -> None:
    before = await shop.catalog.count()
    shop.provider.fail("services", "http502_html")
    reply = await shop.say(ADMIN_ID, "/sync", "sync failed")
    assert "previous catalogue stays" in reply.text
    assert await shop.catalog.count() == before


async def test_stats_show_turnover_refunds_and_margin(shop: Shop) -> None:
    await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/a"))
    await complete(shop, await place_direct(shop, USER, link="https://instagram.com/p/b#cancel"))
    await place_direct(shop, USER + 1, link="https://instagram.com/p/c", quantity=100)
    reply = await shop.say(ADMIN_ID, "/stats", "Shop statistics")
    assert "Completed: 1" in reply.text and "Canceled: 1" in reply.text and "Pending: 1" in reply.text
    today = reply.text.split("Today (UTC)")[1].split("Last 7 days")[0]
    assert "3 orders" in today
    assert "Turnover: 2.46 USD" in today  # 1.17 + 1.17 + 0.12
    assert "Refunds: 1.17 USD" in today
    assert "Provider cost: 0.90 USD" in today  # the canceled one costs 0, the pending one is not known yet
    assert "Margin: 0.39 USD" in today
    assert "Turnover: 2.46 USD" in reply.text.split("Last 30 days")[1]


async def test_provider_balance_and_the_low_warning(shop: Shop) -> None:
    reply = await shop.say(ADMIN_ID, "/provider", "Provider balance")
    assert "Provider balance: 1000.00000 USD" in reply.text and "Low balance" not in reply.text
    await complete(shop, await place_direct(shop, USER))
    shop.provider.balance = Decimal("0.5")
    low = await shop.say(ADMIN_ID, "/provider", "Low balance")
    assert "Provider balance: 0.50000 USD" in low.text and "Spent in the last 24 h: 0.90000 USD" in low.text


async def test_provider_unreachable(shop: Shop) -> None:
    shop.provider.fail("balance", "http500")
    reply = await shop.say(ADMIN_ID, "/provider", "did not answer")
    assert "Provider balance" not in reply.text and texts.usage_error("x", "") not in reply.text
