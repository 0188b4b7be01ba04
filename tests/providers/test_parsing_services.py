"""Reading `services` replies of real shapes: field types, clean texts, type spellings, unreadable entries."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.base import ServiceKind
from providers.parsing import (
    MalformedReply,
    ServiceList,
    Unreadable,
    clean_description,
    clean_text,
    decode_json,
    parse_service,
    read_services,
)

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = DATA / "services-smmpanelus-2024-09-20.json"
SYNTHETIC = DATA / "services-synthetic-panel.json"


def entry(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "service": "1", "name": "Followers", "type": "Default", "category": "Instagram",
        "rate": "0.90", "min": "10", "max": "1000",
    }  # fmt: skip
    base.update(fields)
    return base


# -- field types ---------------------------------------------------------------------------------------


def test_a_real_entry_with_every_field_a_string() -> None:
    [first, *_] = json.loads(REAL.read_bytes())
    service = parse_service(first)
    assert service.service_id == "33649"
    assert service.rate == Decimal("1.3871") and (service.min, service.max) == (1, 1)
    assert service.kind is ServiceKind.PACKAGE
    assert service.name.startswith("💼 👤 [Живые люди] Комплекс для Вконтакте #13")
    assert (service.refill, service.cancel, service.dripfeed) == (False, False, False)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("0.0018", "0.0018"), ("9700000.00", "9700000.00"), (12, "12"), (0, "0"), (Decimal("0.9"), "0.9")],
)
def test_rates_as_strings_and_numbers_stay_exact(rate: object, expected: str) -> None:
    assert parse_service(entry(rate=rate)).rate == Decimal(expected)


def test_integer_fields_and_the_largest_max() -> None:
    service = parse_service(entry(service=7, rate=2, min=100, max=2147483647, refill=1, cancel=0))
    assert service.service_id == "7"
    assert (service.min, service.max) == (100, 2147483647)
    assert (service.refill, service.cancel) == (True, False)


def test_floats_in_a_decoded_body_never_pass_through_binary_floats() -> None:
    [item] = decode_json(b'[{"service": 3, "name": "x", "rate": 0.1, "min": 1, "max": 2}]')
    assert parse_service(item).rate == Decimal("0.1")


# -- clean texts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Followers bo&#039;ladi", "Followers bo'ladi"),
        ("Likes &amp; Views", "Likes & Views"),
        ("Клики по &quot;Подробнее&quot; в X — Twitter", 'Клики по "Подробнее" в X — Twitter'),
        ("twice &amp;#039;encoded&amp;#039;", "twice 'encoded'"),
        ("thrice &amp;amp;quot;", 'thrice "'),
        ("Followers\t\t[Real]", "Followers [Real]"),
        ("Лайки для поста, Reel или IGTV  в Instagram", "Лайки для поста, Reel или IGTV в Instagram"),
        ("Telegram\u00a0Members\u202f\u3000VIP", "Telegram Members VIP"),
        ("two\r\nlines\n", "two lines"),
        ("  🇷🇺 Просмотры 👀  ", "🇷🇺 Просмотры 👀"),
        ("R&D <fast>", "R&D <fast>"),
        ("bell\x07and\x00nul", "bell and nul"),
        ("&nbsp;", ""),
    ],
)
def test_clean_text(raw: str, clean: str) -> None:
    assert clean_text(raw) == clean


@given(st.text(max_size=60))
def test_clean_text_never_keeps_runs_of_spaces(text: str) -> None:
    clean = clean_text(text)
    assert "  " not in clean and "\t" not in clean and "\n" not in clean and "\u00a0" not in clean
    assert clean == clean.strip()


def test_names_categories_and_types_arrive_clean() -> None:
    service = parse_service(
        entry(
            name="Followers bo&#039;ladi &amp;\tmore",
            category="Instagram &quot;Premium&quot;\u00a0 ",
            type="Custom\u00a0 Comments",
        )
    )
    assert service.name == "Followers bo'ladi & more"
    assert service.category == 'Instagram "Premium"'
    assert service.type == "Custom Comments" and service.kind is ServiceKind.CUSTOM_COMMENTS


def test_descriptions_keep_their_lines() -> None:
    assert clean_description("Start: 0-1 h<br>Speed:\t10K/day<br />\n\n\n\nRefill &amp; cancel") == (
        "Start: 0-1 h\nSpeed: 10K/day\n\nRefill & cancel"
    )
    assert parse_service(entry(desc="a&nbsp; b")).description == "a b"


def test_real_names_with_entities_and_runs_of_spaces() -> None:
    services = {s.service_id: s for s in read_services(json.loads(REAL.read_bytes()))}
    quoted = [s for s in services.values() if "Подробнее" in s.name]
    assert [s.name for s in quoted] == ['Клики по "Подробнее" в X — Twitter']
    assert not [s for s in services.values() if "  " in s.name + s.category or "&quot;" in s.name]


# -- type spellings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "kind"),
    [
        ("Default", ServiceKind.DEFAULT),
        ("default", ServiceKind.DEFAULT),
        ("", ServiceKind.DEFAULT),
        ("Package", ServiceKind.PACKAGE),
        ("Custom Comments", ServiceKind.CUSTOM_COMMENTS),
        ("custom_comments", ServiceKind.CUSTOM_COMMENTS),
        ("Custom comments", ServiceKind.CUSTOM_COMMENTS),
        ("CUSTOM-COMMENTS", ServiceKind.CUSTOM_COMMENTS),
        ("Custom\tComments", ServiceKind.CUSTOM_COMMENTS),
        ("Custom Comments Package", ServiceKind.CUSTOM_COMMENTS_PACKAGE),
        ("Poll", ServiceKind.POLL),
        ("Comment Likes", ServiceKind.COMMENT_LIKES),
        ("Mentions Hashtag", ServiceKind.MENTIONS_HASHTAG),
        ("mentions_with_hashtags", ServiceKind.MENTIONS_WITH_HASHTAGS),
        ("Invites from Groups", ServiceKind.INVITES_FROM_GROUPS),
        ("Subscriptions", ServiceKind.SUBSCRIPTIONS),
        ("subscriptions", ServiceKind.SUBSCRIPTIONS),
        ("Web Traffic", ServiceKind.UNKNOWN),
        ("SEO", ServiceKind.UNKNOWN),
    ],
)
def test_type_spellings(type_name: str, kind: ServiceKind) -> None:
    assert parse_service(entry(type=type_name)).kind is kind


def test_every_type_of_the_real_catalogue_is_known() -> None:
    kinds = {s.kind for s in read_services(json.loads(REAL.read_bytes()))}
    assert ServiceKind.UNKNOWN not in kinds and len(kinds) == 8


# -- unreadable entries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (entry(min="5000", max="100"), Unreadable.MIN_ABOVE_MAX),
        (entry(min=5000, max=100), Unreadable.MIN_ABOVE_MAX),
        (entry(rate=None), Unreadable.NO_RATE),
        (entry(rate="free"), Unreadable.NO_RATE),
        (entry(rate="-1"), Unreadable.NO_RATE),
        (entry(name="   "), Unreadable.NO_NAME),
        (entry(name="&nbsp;"), Unreadable.NO_NAME),
        (entry(service=None), Unreadable.NO_ID),
        (entry(min=""), Unreadable.BAD_LIMITS),
        (entry(max="-1"), Unreadable.BAD_LIMITS),
        ("not an object", Unreadable.NOT_AN_OBJECT),
    ],
)
def test_unusable_entries_say_why(raw: object, reason: Unreadable) -> None:
    with pytest.raises(MalformedReply) as caught:
        parse_service(raw)
    assert caught.value.reason is reason


def test_a_synthetic_panel_is_read_and_its_bad_entries_counted() -> None:
    services = read_services(json.loads(SYNTHETIC.read_bytes()), provider="synthetic")
    assert isinstance(services, ServiceList)
    assert len(services) == 20
    assert services.unreadable == {
        "min_above_max": 1, "no_rate": 2, "no_name": 1, "no_id": 1, "duplicate": 1, "not_an_object": 1,
    }  # fmt: skip
    by_id = {s.service_id: s for s in services}
    assert by_id["101"].name == "Instagram Followers [Real] Max 50K"  # the first of the two 101s
    assert by_id["101"].description == "Start: 0-1 h\nSpeed: 10K/day\nRefill: 30 days"
    assert by_id["102"].name == "Followers bo'ladi & more" and by_id["102"].max == 2147483647
    assert by_id["103"].name == "Telegram Channel Members 'VIP'" and by_id["103"].rate == Decimal("0.0018")
    assert by_id["103"].category == "Telegram Members"
    assert {by_id[i].kind for i in ("104", "105", "106", "107")} == {ServiceKind.CUSTOM_COMMENTS}
    assert by_id["123"].name == "Twitter Followers [Fast]"
    assert by_id["124"].dripfeed is True


def test_the_real_catalogue_has_no_unreadable_entry() -> None:
    services = read_services(json.loads(REAL.read_bytes()))
    assert len(services) == 1633 and services.unreadable == {}
