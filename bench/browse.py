"""Figures of finding a service: search on the 10,000-service catalogue, taps to reach a card on a real one.

Measures of `bench.catalog` (listed in its `MEASURES`), run after its sync. Search is timed as a handler
runs it (`bot.catalog.search.search`: fold the query, rank every orderable service), over a mix of
Cyrillic and Latin words, service numbers and a query that finds nothing; the first search after a sync
also reads and folds the catalogue, so it is shown apart. Taps are counted for every orderable service of
the real panel's catalogue (tests/data) with the bot's page sizes and orders: Next taps to the platform's
page, the platform, Next taps to the category's page, the category, Next taps to the service's page, the
service. The same count for the former first screen (every category by name, eight to a page) is shown
beside it.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Protocol

import httpx

from bench.common import Figure, below, info, ms, percentile
from bot.catalog.search import parse_query, search
from bot.catalog.sync import sync_catalog
from handlers.keyboards import CATEGORIES_PAGE, PAGE_SIZE, PLATFORMS_PAGE
from providers.smm_v2 import SmmV2Client
from storage.catalog import CatalogRepo
from storage.database import SQLiteDatabase
from tests.fakes.provider import FakeProvider
from tests.harness import PROVIDER_KEY


class Catalogue(Protocol):
    """What these figures need of bench/catalog.py's synced catalogue."""

    folder: Path
    quick: bool
    catalog: CatalogRepo
    notes: list[str]


NAME = "catalog"
REAL = Path(__file__).resolve().parent.parent / "tests" / "data" / "services-smmpanelus-2024-09-20.json"
SEARCH_P99_LIMIT_MS = 50.0
QUERIES = (
    "подписчики",
    "ЖИВЫЕ подписчики",
    "лайки instagram",
    "просмотры на пост",
    "youtube views",
    "telegram",
    "реакции",
    "spotify plays",
    "для",  # in nearly every name: the most matches to rank
    "1000123",  # a provider's service number
    "42",  # one of ours
    "zzzz nothing",
)


async def search_figures(catalogue: Catalogue) -> list[Figure]:
    """Search p50 and p99 over a mix of queries once the catalogue is in memory; the first search apart."""
    rounds = 20 if catalogue.quick else 100
    queries = [parse_query(text) for text in QUERIES]
    started = time.perf_counter()
    await search(catalogue.catalog, queries[0])
    first = time.perf_counter() - started
    timings: list[float] = []
    matched = 0
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            found = await search(catalogue.catalog, query)
            timings.append(time.perf_counter() - started)
            matched = max(matched, found.total)
    size = len((await catalogue.catalog.searchable()).services)
    catalogue.notes.append(
        f"search: {len(timings):,} searches of {len(queries)} queries over {size:,} orderable services; "
        f"the broadest matched {matched:,}"
    )
    return [
        info(NAME, "search, first after a sync (reads the catalogue)", ms(first), "ms", digits=1),
        info(NAME, "search p50", ms(percentile(timings, 50)), "ms", digits=2),
        below(NAME, "search p99", ms(percentile(timings, 99)), "ms", SEARCH_P99_LIMIT_MS, 2),
    ]


async def _taps(catalog: CatalogRepo) -> tuple[list[int], list[int]]:
    """Taps from /order to every orderable service's card: by platform (now), by category only (before)."""
    now: list[int] = []
    for platform_index, (platform, _count) in enumerate(await catalog.platforms()):
        to_platform = platform_index // PLATFORMS_PAGE + 1
        for category_index, category in enumerate(await catalog.categories(platform=platform)):
            to_category = to_platform + category_index // CATEGORIES_PAGE + 1
            services = await catalog.services_in(category.id, platform)
            now.extend(to_category + index // PAGE_SIZE + 1 for index in range(len(services)))
    before: list[int] = []
    old_page = 8  # the former first screen: every category by name, eight to a page
    for category_index, category in enumerate(await catalog.categories()):
        count = len(await catalog.services_in(category.id))
        before.extend(category_index // old_page + 1 + index // PAGE_SIZE + 1 for index in range(count))
    return now, before


async def taps_figures(catalogue: Catalogue) -> list[Figure]:
    """Taps to reach a service card on the real panel's catalogue, median and max, now and before."""
    panel = FakeProvider(key=PROVIDER_KEY)
    panel.load_services_json(REAL)
    await panel.start()
    db = SQLiteDatabase(catalogue.folder / "real.sqlite3")
    await db.connect()
    try:
        catalog = CatalogRepo(db)
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as http:
            await sync_catalog(SmmV2Client(panel.url, PROVIDER_KEY, http), catalog)
        now, before = await _taps(catalog)
        platforms = len(await catalog.platforms())
        categories = len(await catalog.categories())
    finally:
        await db.close()
        await panel.stop()
    catalogue.notes.append(
        f"taps: {len(now):,} orderable services of the real catalogue, {platforms} platforms, "
        f"{categories} categories; pages of {PLATFORMS_PAGE} platforms, {CATEGORIES_PAGE} categories, "
        f"{PAGE_SIZE} services"
    )
    return [
        info(NAME, "taps to a service card, median", statistics.median(now), "taps", digits=1),
        info(NAME, "taps to a service card, max", max(now), "taps", digits=0),
        info(NAME, "  before (categories only), median", statistics.median(before), "taps", digits=1),
        info(NAME, "  before (categories only), max", max(before), "taps", digits=0),
    ]
