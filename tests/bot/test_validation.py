import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.orders.validation import InputError, parse_link, parse_quantity, platforms_of


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("Instagram Followers", "Real followers"), ["Instagram"]),
        (("YouTube", "Views [Refill 30d]"), ["YouTube"]),
        (("X (Twitter)", "Followers"), ["X/Twitter"]),
        (("Website Traffic", "Max speed 10k/day"), []),
        (("Telegram", "Post views"), ["Telegram"]),
    ],
)
def test_platform_detection(names: tuple[str, str], expected: list[str]) -> None:
    assert platforms_of(*names) == expected


@pytest.mark.parametrize(
    ("link", "platforms"),
    [
        ("https://instagram.com/p/abc", ["Instagram"]),
        ("https://www.instagram.com/p/abc?igsh=x#partial=150", ["Instagram"]),
        ("http://youtu.be/dQw4w9WgXcQ", ["YouTube"]),
        ("https://example.com/page", []),
        ("t.me/durov", ["Telegram"]),
        ("@durov", ["Telegram"]),
        ("https://x.com/jack/status/20", ["X/Twitter"]),
    ],
)
def test_good_links_are_returned_as_given(link: str, platforms: list[str]) -> None:
    assert parse_link(f"  {link} ", platforms) == link


@pytest.mark.parametrize(
    ("link", "platforms", "hint"),
    [
        ("", [], "send a link"),
        ("instagram.com/p/abc", ["Instagram"], "https://"),
        ("ftp://instagram.com/p", ["Instagram"], "https://"),
        ("javascript:alert(1)", [], "https://"),
        ("https://instagram.com/p/a b", ["Instagram"], "spaces"),
        ("https://instagram.com/p/a\nb", ["Instagram"], "spaces"),
        ("https://evil.com/instagram.com", ["Instagram"], "link to Instagram"),
        ("https://notinstagram.com/p", ["Instagram"], "link to Instagram"),
        ("https://" + "a" * 600 + ".com", [], "too long"),
        ("@durov", ["Instagram"], "https://"),
        ("https://user:pw@instagram.com/p", ["Instagram"], "https://"),
        ("https://", [], "https://"),
    ],
)
def test_bad_links_are_refused_with_a_hint(link: str, platforms: list[str], hint: str) -> None:
    with pytest.raises(InputError, match=hint):
        parse_link(link, platforms)


@pytest.mark.parametrize(("text", "value"), [("1000", 1000), ("1 000", 1000), ("1,000", 1000), ("50", 50)])
def test_quantities_accepted(text: str, value: int) -> None:
    assert parse_quantity(text, 50, 10_000) == value


@pytest.mark.parametrize(
    "text", ["abc", "-5", "0", "1e3", "10.5", "1,5", "49", "10001", "9" * 40, "", "+100", "1 00"]
)
def test_quantities_refused_with_the_range(text: str) -> None:
    with pytest.raises(InputError, match="50 to 10,000"):
        parse_quantity(text, 50, 10_000)


@given(st.text(max_size=80))
def test_arbitrary_text_is_either_a_valid_quantity_or_a_polite_refusal(text: str) -> None:
    try:
        value = parse_quantity(text, 10, 5000)
    except InputError:
        return
    assert 10 <= value <= 5000


@given(st.text(max_size=600))
def test_arbitrary_text_is_either_a_link_or_a_polite_refusal(text: str) -> None:
    try:
        link = parse_link(text, ["Instagram"])
    except InputError:
        return
    assert link == text.strip()
    assert "instagram.com" in link.lower() or "instagr.am" in link.lower()
