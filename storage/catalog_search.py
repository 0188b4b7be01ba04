"""Search data: every orderable service with its name, category and ids folded for matching.

SQLite's lower() only knows ASCII, so matching Cyrillic (and ё/е) happens in Python on folded text,
over a table `CatalogRepo.searchable` keeps in memory until the catalogue changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.catalog_types import Service


@dataclass(frozen=True, slots=True)
class SearchTable:
    """Every orderable service with its text folded for matching (`fold`), position by position."""

    services: tuple[Service, ...]  # in the provider's order
    names: tuple[str, ...]
    texts: tuple[str, ...]  # name and category on two lines: a word found here is in one of them
    words: tuple[int, ...]  # how many words each name has
    ids: dict[str, tuple[int, ...]]  # our id and the provider's (folded) -> positions


_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Text for case-insensitive matching in any script: case-folded, ё as е, words split by one space.

    SQLite's lower() only knows ASCII, so matching Cyrillic happens in Python on folded text.
    """
    return _NOT_WORD.sub(" ", text.casefold().replace("ё", "е")).strip()


def search_table(services: Iterable[Service]) -> SearchTable:
    """Fold the services' names, categories and ids for matching."""
    listed = tuple(services)
    names = tuple(fold(service.name) for service in listed)
    categories: dict[str, str] = {}  # many services share a category: fold it once
    texts = []
    ids: dict[str, list[int]] = {}
    for position, (name, service) in enumerate(zip(names, listed, strict=True)):
        category = categories.get(service.category)
        if category is None:
            category = categories[service.category] = fold(service.category)
        texts.append(name + "\n" + category)
        for key in {str(service.id), service.provider_service_id.casefold()}:
            ids.setdefault(key, []).append(position)
    return SearchTable(
        services=listed,
        names=names,
        texts=tuple(texts),
        words=tuple(len(name.split()) for name in names),
        ids={key: tuple(found) for key, found in ids.items()},
    )
