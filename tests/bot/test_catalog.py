"""Catalogue sync over HTTP against the fake provider, into a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from bot.catalog.sync import sync_catalog
from providers.base import ProviderError
from providers.smm_v2 import SmmV2Client
from storage.catalog import CatalogRepo
from storage.database import Database
from tests.fakes.provider import FakeProvider

KEY = "catalog-test-key"


@pytest.fixture
async def provider() -> AsyncIterator[FakeProvider]:
    fake = FakeProvider(key=KEY)
    fake.add_service("1", name="IG Followers", category="Instagram", rate="0.90", min=50, max=10000)
    fake.add_service(
        "2", name="IG Likes", category="Instagram", rate="0.27819", min=10, max=5000, cancel=False
    )
    fake.add_service(
        # Subscriptions are never sold (their final charge is open-ended): synced, but hidden.
        "3",
        name="Auto Likes",
        category="Instagram",
        type="Subscriptions",
        rate="8",
        min=10,
        max=100,
    )
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def client(provider: FakeProvider) -> AsyncIterator[SmmV2Client]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(2.0)) as http:
        yield SmmV2Client(provider.url, KEY, http)


async def test_first_sync_adds_everything_and_hides_unorderable_types(
    db: Database, client: SmmV2Client
) -> None:
    catalog = CatalogRepo(db)
    report = await sync_catalog(client, catalog)
    assert (report.counts.added, report.counts.updated, report.counts.disabled) == (3, 0, 0)
    [category] = await catalog.categories()
    services = await catalog.services_in(category.id)
    assert [s.name for s in services] == ["IG Followers", "IG Likes"]
    likes = services[1]
    assert likes.rate == Decimal("0.27819") and (likes.min_quantity, likes.max_quantity) == (10, 5000)
    assert likes.cancel is False and likes.refill is True
    assert (await catalog.count())["total"] == 3


async def test_changes_and_vanished_services_between_syncs(
    db: Database, client: SmmV2Client, provider: FakeProvider
) -> None:
    catalog = CatalogRepo(db)
    await sync_catalog(client, catalog)
    provider.services["1"]["rate"] = "1.10"
    provider.remove_service("2")
    provider.add_service("4", name="YT Views", category="YouTube", rate="1.5", min=100, max=1000)
    report = await sync_catalog(client, catalog)
    assert (report.counts.added, report.counts.updated, report.counts.disabled) == (1, 1, 1)
    likes = await catalog.get(2)
    assert likes is not None and not likes.is_active and not likes.available  # kept for its orders
    followers = await catalog.get(1)
    assert followers is not None and followers.rate == Decimal("1.10")
    provider.add_service("2", name="IG Likes", category="Instagram", rate="0.3", min=10, max=5000)
    report = await sync_catalog(client, catalog)
    assert report.counts.updated == 1 and (await catalog.get(2)).is_active  # type: ignore[union-attr]
    again = await sync_catalog(client, catalog)
    assert (again.counts.added, again.counts.updated, again.counts.disabled) == (0, 0, 0)


async def test_optional_fields_missing_and_numbers_as_numbers(
    db: Database, client: SmmV2Client, provider: FakeProvider
) -> None:
    provider.drop_cancel_flag = True
    provider.numeric_fields = True
    catalog = CatalogRepo(db)
    await sync_catalog(client, catalog)
    service = await catalog.get(1)
    assert service is not None and service.cancel is False and service.description == ""
    assert service.min_quantity == 50 and service.rate == Decimal("0.90")


@pytest.mark.parametrize("mode", ["non_list", "http502_html", "invalid_json", "empty_list"])
async def test_a_failing_sync_keeps_the_old_catalogue(
    db: Database, client: SmmV2Client, provider: FakeProvider, mode: str
) -> None:
    catalog = CatalogRepo(db)
    await sync_catalog(client, catalog)
    if mode == "non_list":
        provider.fail("services", "reply", payload={"status": "success", "data": "Empty Data"})
    elif mode == "empty_list":
        provider.fail("services", "reply", payload=[])
    else:
        provider.fail("services", mode)
    with pytest.raises(ProviderError):
        await sync_catalog(client, catalog)
    assert (await catalog.count()) == {"total": 3, "available": 2, "inactive": 0}
