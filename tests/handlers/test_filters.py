import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram import Router as AiogramRouter
from aiogram import filters as aiogram_filters
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.types import Chat, Message, Update, User
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import get_routers
from handlers.filters import Command, CommandStart
from handlers.routing import Router


def _filters(router: AiogramRouter) -> Iterator[tuple[str, FilterObject]]:
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


# --------------------------------------------------------------- commands turned away before parsing

_TEXTS = [
    "/balance",
    "/balance 10",
    "  /balance\textra args",
    "/balance@ShopBot",
    "/balance@shopbot now",
    "/balance@OtherBot",
    "/BALANCE",
    "/Balance@ShopBot",
    "/balancex",
    "/balanc",
    "balance",
    "!balance",
    "/",
    "/@ShopBot",
    " ",
    "",
    "/start",
    "/start ref_abc123",
    "/start@ShopBot ref_abc123",
    "/START",
    "/help",
    "/order 12",
    "/order",
    "/order@OtherBot 12",
    "/topup 123 5.00",
    "/баланс",
    "Balance 💰",
]


def _bot() -> Bot:
    bot = Bot("123456:TEST")
    bot._me = User(id=123456, is_bot=True, first_name="Shop", username="ShopBot")
    return bot


def _message(text: str | None, *, caption: str | None = None) -> Message:
    return Message(
        message_id=1,
        date=datetime(2026, 1, 1, tzinfo=UTC),
        chat=Chat(id=7, type="private"),
        from_user=User(id=7, is_bot=False, first_name="U"),
        text=text,
        caption=caption,
    )


def _view(command: aiogram_filters.CommandObject) -> tuple[object, ...]:
    """The command's fields, regex matches by what they matched (a Match compares by identity)."""
    fields = (command.prefix, command.command, command.mention, command.args, command.regexp_match)
    return tuple(
        (x.span(), x.group()) if isinstance(x, re.Match) else x for x in (*fields, command.magic_result)
    )


async def _same(ours: object, theirs: object, message: Message, bot: Bot) -> None:
    mine = await ours(message, bot)  # type: ignore[operator]
    reference = await theirs(message, bot)  # type: ignore[operator]
    if isinstance(reference, dict):
        assert isinstance(mine, dict), (message.text, message.caption)
        assert mine.keys() == reference.keys()
        assert _view(mine["command"]) == _view(reference["command"])
    else:
        assert mine is False and reference is False, (message.text, message.caption, mine, reference)


@pytest.mark.parametrize(
    ("values", "options"),
    [
        (("balance",), {}),
        (("balance", "help"), {}),
        (("BALANCE",), {"ignore_case": True}),
        (("balance",), {"ignore_mention": True}),
        (("balance",), {"prefix": "/!"}),
        (("order",), {"magic": F.args.regexp(r"^\s*[0-9]{1,18}\s*$")}),
        (("topup",), {"magic": F.args}),
        ((re.compile(r"bal\w+"),), {}),
    ],
)
async def test_the_command_filter_answers_every_text_as_aiogram_does(
    values: tuple[object, ...], options: dict[str, object]
) -> None:
    bot = _bot()
    ours, theirs = Command(*values, **options), aiogram_filters.Command(*values, **options)  # type: ignore[arg-type]
    for text in _TEXTS:
        await _same(ours, theirs, _message(text), bot)
        await _same(ours, theirs, _message(None, caption=text or None), bot)


async def test_the_start_filter_answers_every_text_as_aiogram_does() -> None:
    bot = _bot()
    for options in ({}, {"deep_link": True}, {"ignore_case": True}):
        ours, theirs = CommandStart(**options), aiogram_filters.CommandStart(**options)  # type: ignore[arg-type]
        for text in _TEXTS:
            await _same(ours, theirs, _message(text), bot)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="/!@ _abcBALNCEstr\t\n1😀", max_size=24))
async def test_any_text_gets_the_same_answer_from_both_command_filters(text: str) -> None:
    bot = _bot()
    for values, options in ((("balance", "ab"), {}), (("BAL",), {"ignore_case": True})):
        ours, theirs = Command(*values, **options), aiogram_filters.Command(*values, **options)  # type: ignore[arg-type]
        await _same(ours, theirs, _message(text or None), bot)


# ------------------------------------------------------------------------------------------- routers


async def test_routers_skip_no_handler_and_still_run_their_own_middlewares() -> None:
    seen: list[str] = []

    async def take(message: Message) -> str:
        seen.append("handler")
        return "taken"

    async def outer(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        seen.append(f"outer:{data['event_router'].name}")
        return await handler(event, data)

    empty = Router(name="empty")  # no message handler: passed by
    callbacks_only = Router(name="callbacks")
    callbacks_only.callback_query.register(take)
    guarded = Router(name="guarded")  # its own outer middleware runs, as in aiogram
    guarded.message.outer_middleware(outer)
    parent = Router(name="parent")  # no handler of its own, one child that takes the message
    child = Router(name="child")
    child.message.register(take, Command("balance"))
    parent.include_router(child)
    dispatcher = Dispatcher()
    dispatcher.include_routers(empty, callbacks_only, guarded, parent)

    bot = _bot()
    update = Update(update_id=1, message=_message("/balance"))
    assert await dispatcher.feed_update(bot, update) == "taken"
    assert seen == ["outer:guarded", "handler"]
    seen.clear()
    assert await dispatcher.feed_update(bot, Update(update_id=2, message=_message("hello"))) is UNHANDLED
    assert seen == ["outer:guarded"]
