from collections.abc import Iterator

from aiogram import Router
from aiogram.dispatcher.event.handler import FilterObject

from handlers import get_routers


def _filters(router: Router) -> Iterator[tuple[str, FilterObject]]:
    for name, observer in router.observers.items():
        place = f"{router.name}.{name}"
        for filter_ in observer._handler.filters or []:  # router-level filters, e.g. IsAdmin
            yield place, filter_
        for handler in observer.handlers:
            for filter_ in handler.filters or []:
                yield f"{place} -> {handler.callback.__name__}", filter_
    for child in router.sub_routers:
        yield from _filters(child)


def test_every_filter_is_awaited_on_the_event_loop() -> None:
    # aiogram hands a plain function or a magic filter (F.text == ...) to a worker thread on every
    # check, for every message that passes the router: a thread hop per filter per update.
    synchronous = [
        f"{place}: {filter_.callback!r}"
        for router in get_routers()
        for place, filter_ in _filters(router)
        if not filter_.awaitable
    ]
    assert synchronous == []
