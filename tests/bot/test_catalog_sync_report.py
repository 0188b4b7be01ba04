"""The sync of real-shaped catalogues over HTTP into SQLite: clean texts, platforms, hidden and unreadable."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.catalog.sync import HiddenType, sync_catalog
from bot.i18n import use_locale
from bot.texts.catalog import service_card, service_line
from providers.base import normalise_service_type
from providers.smm_v2 import SmmV2Client
from storage.catalog import ORDERABLE_KINDS, CatalogRepo
from storage.database import Database
from tests.fakes.provider import FakeProvider

KEY = "sync-report-key"
DATA = Path(__file__).resolve().parents[1] / "data"
REAL = DATA / "services-smmpanelus-2024-09-20.json"
SYNTHETIC = DATA / "services-synthetic-panel.json"

# The synthetic panel's readable services by kind (tests/data/services-synthetic-panel.json).
SYNTHETIC_KINDS = {
    "default": 4,  # 101, 102, 103, 124 (123 has a min of 0: unusable)
    "custom_comments": 4,
    "package": 1,
    "custom_comments_package": 1,
    "poll": 1,
    "comment_likes": 1,
    "mentions_hashtag": 1,
    "mentions_custom_list": 1,
    "invites_from_groups": 1,
    "subscriptions": 2,
    "unknown": 2,  # "Web Traffic" and "SEO"
}


@pytest.fixture
async def provider() -> AsyncIterator[FakeProvider]:
    async with FakeProvider(key=KEY) as fake:
        yield fake


@pytest.fixture
async def client(provider: FakeProvider) -> AsyncIterator[SmmV2Client]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(5.0)) as http:
        yield SmmV2Client(provider.url, KEY, http)


def hidden_by_kind(hidden: tuple[HiddenType, ...]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for item in hidden:
        counts[item.kind] += item.count
    return dict(counts)


async def test_the_real_catalogue(db: Database, client: SmmV2Client, provider: FakeProvider) -> None:
    assert provider.load_services_json(REAL) == 1633
    catalog = CatalogRepo(db)
    report = await sync_catalog(client, catalog)
    assert report.counts.added == 1633 and report.unreadable_total == 0
    types = Counter(normalise_service_type(e["type"]).value for e in json.loads(REAL.read_bytes()))
    expected = {kind: count for kind, count in types.items() if kind not in ORDERABLE_KINDS}
    assert hidden_by_kind(report.hidden) == expected
    # Subscriptions are never sold: their final charge is open-ended.
    assert HiddenType("subscriptions", "Subscriptions", 73) in report.hidden
    assert (await catalog.count())["available"] == 1633 - report.hidden_total

    rows = await db.fetchall("SELECT platform, COUNT(*) FROM services GROUP BY platform")
    platforms = {row[0]: row[1] for row in rows}
    assert platforms["telegram"] == 384 and platforms["instagram"] == 166 and platforms["other"] == 38
    [[quoted]] = await db.fetchall("SELECT name FROM services WHERE provider_service_id = '24475'")
    assert quoted == 'Клики по "Подробнее" в X — Twitter'
    spaced = await db.fetchall("SELECT name FROM categories WHERE name LIKE '%  %'")
    assert spaced == []


async def test_a_synthetic_panel(db: Database, client: SmmV2Client, provider: FakeProvider) -> None:
    provider.load_services_json(SYNTHETIC)
    catalog = CatalogRepo(db)
    report = await sync_catalog(client, catalog)
    assert report.counts.added == 19
    # Skipped as unreadable, by reason: the client's (min > max, no rate, ...) and the sync's (min 0).
    assert report.unreadable == {
        "min_above_max": 1, "no_rate": 2, "no_name": 1, "no_id": 1, "duplicate": 1, "not_an_object": 1,
        "bad_limits": 1,
    }  # fmt: skip
    assert report.unreadable_total == 8
    expected = {kind: n for kind, n in SYNTHETIC_KINDS.items() if kind not in ORDERABLE_KINDS}
    assert hidden_by_kind(report.hidden) == expected
    # Unknown types are reported one by one, in the provider's words.
    names = {item.type_name for item in report.hidden if item.kind == "unknown"}
    assert names == {"Web Traffic", "SEO"}

    stored = {
        row[0]: (row[1], row[2], row[3])
        for row in await db.fetchall(
            "SELECT s.provider_service_id, s.name, c.name, s.platform FROM services s "
            "JOIN categories c ON c.id = s.category_id"
        )
    }
    assert stored["102"] == ("Followers bo'ladi & more", 'Instagram "Premium"', "instagram")
    assert stored["103"] == ("Telegram Channel Members 'VIP'", "Telegram Members", "telegram")
    assert stored["107"][2] == "youtube"  # "Ютуб — комментарии"
    assert stored["118"][2] == "website"  # "Трафик сайта"
    assert "119" not in stored and "123" not in stored
    service = await catalog.get(
        int(await db.fetchval("SELECT id FROM services WHERE provider_service_id = '102'"))
    )
    assert service is not None and service.max_quantity == 2147483647
    # Shown escaped once: the decoded apostrophe as it is, the ampersand as one entity.
    with use_locale("en"):
        card = service_card(service, 260, "USD")
        line = service_line(service.name, 260, service.min_quantity, service.max_quantity, "USD")
    for text in (card, line):
        assert "Followers bo'ladi &amp; more" in text
        assert "&#039;" not in text and "&amp;amp;" not in text
    assert "2,147,483,647" in line


async def test_hidden_follows_the_orderable_kinds_of_the_moment(
    db: Database, client: SmmV2Client, provider: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider.load_services_json(SYNTHETIC)
    monkeypatch.setattr("storage.catalog.ORDERABLE_KINDS", frozenset({"default", "poll"}))
    report = await sync_catalog(client, CatalogRepo(db))
    kinds = hidden_by_kind(report.hidden)
    assert "poll" not in kinds and "default" not in kinds and kinds["subscriptions"] == 2
    assert report.hidden_total == 19 - 4 - 1
    # Four spellings of Custom Comments are one kind, named in one of the provider's spellings.
    [comments] = [item for item in report.hidden if item.kind == "custom_comments"]
    assert comments.count == 4
    assert comments.type_name in {"Custom Comments", "custom_comments", "Custom comments", "CUSTOM_COMMENTS"}


async def test_drip_feed_services_are_not_hidden(
    db: Database, client: SmmV2Client, provider: FakeProvider
) -> None:
    provider.add_service("1", name="Views", category="TikTok", rate="0.01", min=100, max=10**6, dripfeed=True)
    report = await sync_catalog(client, CatalogRepo(db))
    assert report.hidden == () and report.unreadable_total == 0
    assert (await CatalogRepo(db).count())["available"] == 1
