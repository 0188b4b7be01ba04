"""Catalogue search: query checks, folding (Cyrillic included), ranking, and the repository's cache."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.catalog.search import MAX_QUERY, QueryError, parse_query, rank, search
from storage.catalog import CatalogRepo, Service, ServiceData
from storage.catalog_search import SearchTable, fold, search_table
from storage.database import Database


def service(service_id: int, name: str, category: str = "Misc", provider_id: str | None = None) -> Service:
    return Service(
        id=service_id,
        provider="main",
        provider_service_id=provider_id or str(1000 + service_id),
        category_id=1,
        category=category,
        name=name,
        type="Default",
        rate=Decimal("1"),
        min_quantity=10,
        max_quantity=1000,
        refill=False,
        cancel=False,
        dripfeed=False,
        description="",
        markup_percent=None,
        is_active=True,
        is_enabled=True,
    )


def entries(*services: Service) -> SearchTable:
    return search_table(services)


def names(found: list[Service]) -> list[str]:
    return [s.name for s in found]


def test_fold_is_case_insensitive_in_any_script() -> None:
    assert fold("❤️ ЛАЙКИ для Instagram | Быстрые") == "лайки для instagram быстрые"
    assert fold("Ёлка  и\tЁж") == "елка и еж"
    assert fold("X/Twitter — Retweets") == "x twitter retweets"
    assert fold("STRASSE") == fold("straße")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("!!! ❤️", "empty"),
        ("a", "short"),
        ("Ж", "short"),
        ("x" * 101, "long"),
    ],
)
def test_queries_that_cannot_be_searched(text: str, reason: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    assert caught.value.reason == reason


def test_a_query_keeps_its_text_and_folds_its_words() -> None:
    query = parse_query("  Подписчики   ТЕЛЕГРАМ ")
    assert query.text == "Подписчики ТЕЛЕГРАМ"
    assert query.words == ("подписчики", "телеграм")
    assert parse_query("7").service_id == "7"  # one digit may be a service number
    assert parse_query("#1234").service_id == "1234"
    assert len(parse_query("x" * MAX_QUERY).text) == MAX_QUERY


def test_exact_id_first_then_name_then_category() -> None:
    catalogue = entries(
        service(1, "Views for Telegram posts", "Telegram"),
        service(2, "Telegram Premium members fast", "Telegram"),
        service(3, "Premium members", "Telegram"),
        service(4, "Followers", "Instagram premium", provider_id="telegram"),
        service(5, "Members", "Telegram premium"),
        service(6, "Likes", "Instagram"),
    )
    found = rank(catalogue, parse_query("premium members"))
    # Both words in the name (fewer words first), then words found in name or category.
    assert names(found.services) == ["Premium members", "Telegram Premium members fast", "Members"]
    assert found.total == 3
    # A provider's id matched whole comes before any name; our id too.
    assert names(rank(catalogue, parse_query("TELEGRAM")).services)[0] == "Followers"
    assert names(rank(catalogue, parse_query("6")).services) == ["Likes"]
    assert names(rank(catalogue, parse_query("#1003")).services) == ["Premium members"]


def test_cyrillic_words_match_any_case_and_inside_words() -> None:
    catalogue = entries(
        service(1, "👥 Подписчики для Telegram | Живые", "Телеграм — подписчики"),
        service(2, "❤️ Лайки на пост", "Instagram"),
        service(3, "Просмотры", "📈 Ёлочные ПРОСМОТРЫ"),
    )
    assert names(rank(catalogue, parse_query("ПОДПИСЧ живые")).services) == [
        "👥 Подписчики для Telegram | Живые"
    ]
    assert names(rank(catalogue, parse_query("лайки")).services) == ["❤️ Лайки на пост"]
    assert names(rank(catalogue, parse_query("елочные просмотры")).services) == ["Просмотры"]
    assert rank(catalogue, parse_query("подписчики instagram")).services == []


def test_ties_keep_the_providers_order_and_the_limit_counts_every_match() -> None:
    catalogue = entries(*(service(i, f"Likes {i % 3}") for i in range(1, 11)))
    found = rank(catalogue, parse_query("likes"), limit=4)
    assert [s.id for s in found.services] == [1, 2, 3, 4]
    assert found.total == 10


async def test_the_cache_follows_syncs_and_switches(db: Database) -> None:
    catalog = CatalogRepo(db)

    def data(provider_id: str, name: str) -> ServiceData:
        return ServiceData(
            provider_service_id=provider_id,
            category="Телеграм",
            name=name,
            type="Default",
            rate=Decimal("0.5"),
            min_quantity=10,
            max_quantity=100,
            refill=False,
            cancel=False,
            dripfeed=False,
            description="",
            platform="telegram",
        )

    await catalog.apply_sync("main", [data("1", "Просмотры"), data("2", "Подписчики")])
    query = parse_query("подписчики")
    [found] = (await search(catalog, query)).services
    assert (await catalog.searchable()) is (await catalog.searchable())  # read once, then kept
    await catalog.set_enabled(found.id, False)
    assert (await search(catalog, query)).services == []
    await catalog.set_enabled(found.id, True)
    await catalog.apply_sync("main", [data("1", "Просмотры"), data("2", "Подписчики ПРЕМИУМ")])
    [renamed] = (await search(catalog, parse_query("премиум"))).services
    assert renamed == replace(renamed, name="Подписчики ПРЕМИУМ")
    # Another repository on the same database (a job, say) writes: this one's cache follows too.
    await CatalogRepo(db).apply_sync("main", [data("1", "Просмотры")])
    assert (await search(catalog, query)).services == []


_VOCABULARY = [
    "Likes",
    "ЛАЙКИ",
    "подписчики",
    "Ёлка",
    "views",
    "Views",
    "telegram",
    "Премиум",
    "fast",
    "живые",
]


@settings(max_examples=200, deadline=None)
@given(
    catalogue=st.lists(
        st.tuples(
            st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=5),
            st.lists(st.sampled_from(_VOCABULARY), min_size=1, max_size=3),
            st.sampled_from(["7", "12", "abc", "x1"]),
        ),
        max_size=30,
    ),
    words=st.lists(st.sampled_from([*_VOCABULARY, "лайк", "EW", "12", "7"]), min_size=1, max_size=3),
    limit=st.integers(min_value=1, max_value=10),
)
def test_ranking_agrees_with_its_definition(
    catalogue: list[tuple[list[str], list[str], str]], words: list[str], limit: int
) -> None:
    services = [
        service(i + 1, " ".join(name), " ".join(category), provider_id)
        for i, (name, category, provider_id) in enumerate(catalogue)
    ]
    query = parse_query(" ".join(words))

    def place(s: Service) -> int | None:
        name, category = fold(s.name), fold(s.category)
        if query.service_id in (str(s.id), s.provider_service_id.casefold()):
            return 0
        if all(word in name for word in query.words):
            return 1
        if all(word in name or word in category for word in query.words):
            return 2
        return None

    expected = sorted((place(s), len(fold(s.name).split()), s.id) for s in services if place(s) is not None)
    found = rank(search_table(services), query, limit=limit)
    assert [s.id for s in found.services] == [item[2] for item in expected[:limit]]
    assert found.total == len(expected)
