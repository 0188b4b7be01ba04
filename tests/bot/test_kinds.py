"""The kind table (what each kind of service asks for and sends) and per-package pricing."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.catalog.pricing import listed_price, order_price, provider_cost, service_price
from bot.orders.inputs import Input, parse_input
from bot.orders.kinds import (
    KINDS,
    LINK,
    QUANTITY,
    check_order,
    next_step,
    order_extra,
    order_quantity,
    spec_for,
    steps,
)
from bot.orders.validation import InputError
from providers.base import ProviderService, ServiceKind, normalise_service_type
from storage.catalog import ORDERABLE_KINDS, Service

# Real services of each kind, as a panel listed them (tests/data/services-kinds-smmpanelus.json).
REAL = {
    entry["service"]: entry
    for entry in json.loads(
        (Path(__file__).parent.parent / "data" / "services-kinds-smmpanelus.json").read_text("utf-8")
    )
}


def service_of(entry: dict[str, str], *, markup: str | None = None) -> Service:
    """A catalogue row for a provider's `services` entry (as a sync would store it)."""
    kind = normalise_service_type(entry["type"]).value
    return Service(
        id=1,
        provider="main",
        provider_service_id=entry["service"],
        category_id=1,
        category=entry["category"],
        name=entry["name"],
        type=entry["type"],
        rate=Decimal(entry["rate"]),
        min_quantity=int(entry["min"]),
        max_quantity=int(entry["max"]),
        refill=False,
        cancel=False,
        dripfeed=False,
        description="",
        markup_percent=None if markup is None else Decimal(markup),
        is_active=True,
        is_enabled=True,
        kind=kind,
    )


PACKAGE = service_of(REAL["33649"])  # rate 1.3871 per package
COMMENTS = service_of(REAL["28475"])  # Custom Comments, 1..100,000
COMMENTS_MIN_10 = service_of(REAL["30094"])  # Custom Comments, 10..35,500
POLL = service_of(REAL["24828"])
COMMENT_LIKES = service_of(REAL["34246"])
SUBSCRIPTION = service_of(REAL["32955"])


def the_input(kind: ServiceKind, param: str) -> Input:
    spec = KINDS[kind]
    return next(item for item in spec.inputs if item.param == param)


# --- The table -------------------------------------------------------------------------------------

# smm-api-v2.md §3.2: the `add` parameters of each type beyond link (and whether quantity is sent).
REFERENCE: dict[ServiceKind, tuple[bool, tuple[str, ...]]] = {
    ServiceKind.DEFAULT: (True, ()),
    ServiceKind.PACKAGE: (False, ()),
    ServiceKind.CUSTOM_COMMENTS: (False, ("comments",)),
    ServiceKind.CUSTOM_COMMENTS_PACKAGE: (False, ("comments",)),
    ServiceKind.POLL: (True, ("answer_number",)),
    ServiceKind.COMMENT_LIKES: (True, ("username",)),
    ServiceKind.MENTIONS: (True, ("usernames",)),
    ServiceKind.MENTIONS_WITH_HASHTAGS: (True, ("usernames", "hashtags")),
    ServiceKind.MENTIONS_CUSTOM_LIST: (False, ("usernames",)),
    ServiceKind.MENTIONS_HASHTAG: (True, ("hashtag",)),
    ServiceKind.MENTIONS_USER_FOLLOWERS: (True, ("username",)),
    ServiceKind.MENTIONS_MEDIA_LIKERS: (True, ("media",)),
    ServiceKind.INVITES_FROM_GROUPS: (True, ("groups",)),
}


def test_every_kind_sends_the_parameters_of_the_reference() -> None:
    assert {kind: (spec.sends_quantity, spec.params) for kind, spec in KINDS.items()} == REFERENCE


def test_the_orderable_kinds_are_the_table_and_never_subscriptions() -> None:
    assert set(ORDERABLE_KINDS) == {kind.value for kind in KINDS}
    assert ServiceKind.SUBSCRIPTIONS not in KINDS and ServiceKind.UNKNOWN not in KINDS
    assert (
        spec_for("subscriptions") is None and spec_for("unknown") is None and spec_for("web_traffic") is None
    )
    assert not SUBSCRIPTION.available and PACKAGE.available


@pytest.mark.parametrize(
    "spelling", ["Custom Comments", "custom_comments", "Custom comments", " CUSTOM-COMMENTS "]
)
def test_type_spellings_reach_the_same_entry(spelling: str) -> None:
    provider = ProviderService("1", "x", spelling, "c", Decimal(1), 1, 10, False, False, False, "")
    assert spec_for(provider.kind) is KINDS[ServiceKind.CUSTOM_COMMENTS]


def test_a_kinds_steps_and_a_link_given_first() -> None:
    assert steps(KINDS[ServiceKind.DEFAULT]) == (LINK, QUANTITY)
    assert steps(KINDS[ServiceKind.PACKAGE]) == (LINK,)
    poll = KINDS[ServiceKind.POLL]
    assert steps(poll) == (LINK, QUANTITY, the_input(ServiceKind.POLL, "answer_number"))
    comments = KINDS[ServiceKind.CUSTOM_COMMENTS]
    assert steps(comments) == (LINK, the_input(ServiceKind.CUSTOM_COMMENTS, "comments"))
    # A link already in the form's data is not asked again; the rest follows in order.
    assert next_step(poll, {"service_id": 1}) == LINK
    assert next_step(poll, {"service_id": 1, "link": "https://t.me/c/1"}) == QUANTITY
    data = {"link": "https://t.me/c/1", "quantity": 100}
    assert next_step(poll, data) == the_input(ServiceKind.POLL, "answer_number")
    assert next_step(KINDS[ServiceKind.PACKAGE], {"link": "https://vk.com/wall1"}) is None
    done = {**data, "extra": {"answer_number": "2"}}
    assert next_step(poll, done) is None
    assert (order_quantity(poll, done), order_extra(poll, done)) == (100, {"answer_number": "2"})
    assert order_quantity(KINDS[ServiceKind.PACKAGE], {"link": "x"}) == 1


# --- Checking inputs -------------------------------------------------------------------------------


def test_comments_are_lines_without_blanks_and_count_as_the_quantity() -> None:
    comments = the_input(ServiceKind.CUSTOM_COMMENTS, "comments")
    text = "  Great photo! \n\n\u3164\nLove it 😍\r\nWow <3 &amp; more\n"
    assert parse_input(comments, text, COMMENTS) == ("Great photo!\nLove it 😍\nWow <3 &amp; more", 3)


@pytest.mark.parametrize(
    ("text", "service", "hint"),
    [
        ("", COMMENTS, "cannot be empty"),
        ("  \n \u200b\n\u3164", COMMENTS, "cannot be empty"),
        ("one\ntwo\nthree", COMMENTS_MIN_10, "at least 10 lines; you sent 3"),
        ("x" * 501, COMMENTS, "Line 1 is too long: at most 500 characters"),
        ("fine\nbell \x07 here", COMMENTS, "Line 2 contains characters that cannot be sent"),
    ],
)
def test_bad_comments_are_refused_politely(text: str, service: Service, hint: str) -> None:
    with pytest.raises(InputError, match=hint):
        parse_input(the_input(ServiceKind.CUSTOM_COMMENTS, "comments"), text, service)


def test_comments_above_the_services_maximum_are_refused() -> None:
    small = replace(COMMENTS, max_quantity=2)
    with pytest.raises(InputError, match="at most 2 lines; you sent 3"):
        parse_input(the_input(ServiceKind.CUSTOM_COMMENTS, "comments"), "a\nb\nc", small)


def test_lists_that_do_not_count_have_their_own_cap() -> None:
    usernames = the_input(ServiceKind.MENTIONS, "usernames")
    names = "\n".join(f"@user{n}" for n in range(101))
    with pytest.raises(InputError, match="at most 100 lines; you sent 101"):
        parse_input(usernames, names, POLL)


@pytest.mark.parametrize("good", ["@author.name", "author_1", "some-channel", "A"])
def test_usernames(good: str) -> None:
    assert parse_input(the_input(ServiceKind.COMMENT_LIKES, "username"), f" {good} ", COMMENT_LIKES) == (
        good,
        1,
    )


@pytest.mark.parametrize(
    ("bad", "hint"),
    [
        ("john smith", "is not a username"),
        ("@", "is not a username"),
        ("@имя", "is not a username"),
        ("https://tiktok.com/@a", "is not a username"),
        ("@one\n@two", "just one, on a single line"),
        ("@" + "a" * 65, "is not a username"),
    ],
)
def test_bad_usernames(bad: str, hint: str) -> None:
    with pytest.raises(InputError, match=hint):
        parse_input(the_input(ServiceKind.COMMENT_LIKES, "username"), bad, COMMENT_LIKES)


def test_hashtags_groups_media_and_answer_numbers() -> None:
    hashtags = the_input(ServiceKind.MENTIONS_WITH_HASHTAGS, "hashtags")
    assert parse_input(hashtags, "#travel\n#путешествие\nsummer_2024", POLL) == (
        "#travel\n#путешествие\nsummer_2024",
        3,
    )
    with pytest.raises(InputError, match="is not a hashtag"):
        parse_input(hashtags, "#two words", POLL)
    groups = the_input(ServiceKind.INVITES_FROM_GROUPS, "groups")
    assert parse_input(groups, "https://t.me/group_one\n@group_two", POLL) == (
        "https://t.me/group_one\n@group_two",
        2,
    )
    with pytest.raises(InputError, match="is not a group"):
        parse_input(groups, "my group", POLL)
    media = the_input(ServiceKind.MENTIONS_MEDIA_LIKERS, "media")
    assert parse_input(media, "https://instagram.com/p/abc", POLL) == ("https://instagram.com/p/abc", 1)
    with pytest.raises(InputError, match="https://"):
        parse_input(media, "instagram.com/p/abc", POLL)
    answer = the_input(ServiceKind.POLL, "answer_number")
    assert parse_input(answer, " 07 ", POLL) == ("7", 1)
    for bad in ("0", "101", "-1", "1.5", "two", "٣"):
        with pytest.raises(InputError, match="whole number from 1 to 100"):
            parse_input(answer, bad, POLL)


def test_a_summary_is_checked_again_at_confirm() -> None:
    comments = KINDS[ServiceKind.CUSTOM_COMMENTS]
    assert check_order(comments, COMMENTS, 2, {"comments": "a\nb"})
    assert not check_order(comments, COMMENTS, 3, {"comments": "a\nb"})  # quantity is the lines
    assert not check_order(comments, COMMENTS, 2, {})  # the input is missing
    assert not check_order(comments, COMMENTS, 2, {"comments": "a\nb", "runs": "5"})  # nothing else
    assert not check_order(comments, replace(COMMENTS, min_quantity=5), 2, {"comments": "a\nb"})
    package = KINDS[ServiceKind.PACKAGE]
    assert check_order(package, PACKAGE, 1, {}) and not check_order(package, PACKAGE, 2, {})
    default = KINDS[ServiceKind.DEFAULT]
    assert not check_order(default, replace(POLL, kind="default"), 5, {})  # below min 10


# --- Prices ----------------------------------------------------------------------------------------


def test_a_package_costs_its_rate_with_the_markup() -> None:
    # 1.3871 per package x 1.30 = 1.80323 -> 1.81; not 1.3871 / 1000 of it.
    assert service_price(PACKAGE, Decimal(30), 1) == 181
    assert listed_price(PACKAGE, Decimal(30)) == 181
    assert service_price(replace(PACKAGE, markup_percent=Decimal(0)), Decimal(30), 1) == 139
    # Custom Comments stay per 1000: three at 163.9785 per 1000 x 1.30 = 0.6395 -> 0.64.
    assert service_price(COMMENTS, Decimal(30), 3) == 64
    assert listed_price(COMMENTS, Decimal(30)) == 21318
    assert service_price(POLL, Decimal(30), 100) == 11


rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=8, allow_nan=False)
markups = st.decimals(min_value=Decimal("0"), max_value=Decimal("500"), places=2, allow_nan=False)


@given(rates, markups, st.integers(min_value=1, max_value=1000))
def test_n_packages_cost_what_n_thousand_units_of_the_same_rate_cost(
    rate: Decimal, markup: Decimal, packages: int
) -> None:
    assert order_price(rate, markup, packages, per=1) == order_price(rate, markup, packages * 1000)
    assert order_price(rate, markup, packages, per=1) >= provider_cost(rate, packages, per=1)
