"""SmmV2Client against the fake panel over real HTTP: every action, the dialects and the faults."""

from __future__ import annotations

import logging
import socket
import ssl
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from providers import (
    OrderOutcomeUnknown,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    RefillState,
    RejectReason,
    RemoteState,
    SmmV2Client,
    is_usable_order_id,
)
from tests.fakes.provider import FakeProvider

# Distinctive, so finding it anywhere in logs or messages means a leak.
KEY = "k3y-5ecret-9f8e7d6c5b4a"
LINK = "https://instagram.com/p/abc"
# Building a TLS context costs ~35 ms; every test talks plain HTTP, so share one.
TLS = ssl.create_default_context()


@pytest.fixture
async def fake() -> AsyncIterator[FakeProvider]:
    provider = FakeProvider(key=KEY)
    provider.add_service(1, name="Followers", category="Instagram", rate="0.90", min=10, max=10000)
    provider.add_service(2, name="Comments", type="Custom Comments", rate="8", min=1, max=1500, refill=False)
    provider.add_service(3, name="Views", rate="1.5", min=100, max=100000, cancel=False, dripfeed=True)
    provider.add_service(4, name="Poll package", type="Package", rate="2.5", min=1, max=1)
    async with provider:
        yield provider


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(verify=TLS, timeout=httpx.Timeout(5.0, connect=2.0)) as client:
        yield client


@pytest.fixture
def client(fake: FakeProvider, http: httpx.AsyncClient) -> SmmV2Client:
    return SmmV2Client(fake.url, KEY, http, name="test")


async def place(client: SmmV2Client, link: str = LINK, quantity: int = 1000) -> str:
    return await client.add("1", link=link, quantity=quantity)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- services ------------------------------------------------------------------------------------


async def test_services_canonical(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.services["1"]["desc"] = "Real-looking accounts"
    services = {service.service_id: service for service in await client.services()}
    assert set(services) == {"1", "2", "3", "4"}
    followers = services["1"]
    assert followers.rate == Decimal("0.90")
    assert (followers.min, followers.max) == (10, 10000)
    assert (followers.refill, followers.cancel, followers.dripfeed) == (True, True, False)
    assert (followers.type, followers.category) == ("Default", "Instagram")
    assert followers.description == "Real-looking accounts"
    assert services["2"].type == "Custom Comments"
    assert services["3"].dripfeed is True
    assert fake.calls("services") == [{"key": KEY, "action": "services"}]
    assert all(call.method == "POST" for call in fake.requests)


async def test_services_dialects(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.numeric_fields = True
    fake.string_service_ids = True
    fake.drop_cancel_flag = True
    fake.capitalised_keys = True
    fake.services["1"]["description"] = "from the long key"
    services = {service.service_id: service for service in await client.services()}
    assert services["1"].rate == Decimal("0.9")
    assert services["3"].rate == Decimal("1.5")
    assert services["1"].max == 10000
    assert all(service.cancel is False for service in services.values())
    assert services["1"].description == "from the long key"


async def test_services_float_rates_stay_exact(client: SmmV2Client, fake: FakeProvider) -> None:
    entry = {"service": 7, "name": "Tiny", "rate": 0.1, "min": 1, "max": 5, "refill": "1", "cancel": "true"}
    fake.fail("services", "reply", payload=[entry])
    [service] = await client.services()
    assert service.rate == Decimal("0.1")
    assert (service.refill, service.cancel, service.type, service.category) == (True, True, "Default", "")


async def test_services_skips_malformed_entries(
    client: SmmV2Client, fake: FakeProvider, caplog: pytest.LogCaptureFixture
) -> None:
    fake.services["8"] = {"service": 8, "name": "No rate", "min": "1", "max": "2"}
    fake.services["9"] = {"service": 9, "name": "Inverted", "rate": "1", "min": "50", "max": "10"}
    fake.services["10"] = {"name": "No id", "rate": "1", "min": "1", "max": "2"}
    with caplog.at_level(logging.WARNING, logger="providers"):
        services = await client.services()
    assert {service.service_id for service in services} == {"1", "2", "3", "4"}
    assert len([r for r in caplog.records if "skipping service entry" in r.getMessage()]) == 3


async def test_services_non_list_reply_is_unavailable(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.services.clear()
    fake.empty_catalogue_object = True
    with pytest.raises(ProviderUnavailable) as caught:
        await client.services()
    assert caught.value.reached is True
    assert "expected a list" in caught.value.message


async def test_services_empty_list(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.services.clear()
    assert await client.services() == []


# -- add -----------------------------------------------------------------------------------------


async def test_add_places_one_order_and_debits(client: SmmV2Client, fake: FakeProvider) -> None:
    link = "https://instagram.com/p/Ab_c-1/?utm=x&y=é #frag"
    order_id = await place(client, link=link)
    assert order_id == "23501"
    assert fake.calls("add") == [
        {"key": KEY, "action": "add", "service": "1", "link": link, "quantity": "1000"}
    ]
    assert fake.orders["23501"].charge == Decimal("0.90000")
    assert fake.balance == Decimal("999.10000")


@pytest.mark.parametrize(("flag", "expected"), [("string_ids", "23501"), ("hex_ids", f"{23501:024x}")])
async def test_add_string_order_ids(
    client: SmmV2Client, fake: FakeProvider, flag: str, expected: str
) -> None:
    setattr(fake, flag, True)
    assert await place(client) == expected
    assert (await client.status(expected)).state is RemoteState.PENDING


async def test_add_extra_parameters(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await client.add("2", link=LINK, quantity=None, comments="nice\ngreat\nwow")
    assert fake.orders[order_id].quantity == 3
    assert "quantity" not in fake.calls("add")[0]
    drip = await client.add("3", link=LINK, quantity=100, runs=5, interval=30)
    assert fake.orders[drip].quantity == 500
    assert fake.calls("add")[1]["runs"] == "5"
    package = await client.add("4", link=LINK, quantity=None)
    assert fake.orders[package].charge == Decimal("2.50000")


async def test_add_rejects_reserved_extra(client: SmmV2Client, fake: FakeProvider) -> None:
    with pytest.raises(ValueError, match="key"):
        await client.add("1", link=LINK, quantity=10, key="other")
    assert fake.requests == []


@pytest.mark.parametrize(
    ("setup", "service", "link", "quantity", "reason"),
    [
        (None, "99", LINK, 100, RejectReason.SERVICE),
        (None, "1", "", 100, RejectReason.LINK),
        (None, "1", LINK + "#fail", 100, RejectReason.LINK),
        (None, "1", LINK, 5, RejectReason.QUANTITY),
        (None, "1", LINK, 10001, RejectReason.QUANTITY),
        ("duplicate", "1", LINK, 100, RejectReason.DUPLICATE),
        ("poor", "1", LINK, 100, RejectReason.FUNDS),
        ("drip", "1", LINK, 100, RejectReason.OTHER),
    ],
)
async def test_add_rejections_from_the_panel(
    client: SmmV2Client,
    fake: FakeProvider,
    setup: str | None,
    service: str,
    link: str,
    quantity: int,
    reason: RejectReason,
) -> None:
    extra: dict[str, Any] = {}
    if setup == "duplicate":
        await client.add("1", link=link, quantity=quantity)
    elif setup == "poor":
        fake.balance = Decimal("0.01")
    elif setup == "drip":
        extra = {"runs": 2, "interval": 10}
    orders_before = len(fake.orders)
    with pytest.raises(ProviderRejected) as caught:
        await client.add(service, link=link, quantity=quantity, **extra)
    assert caught.value.reason is reason
    assert caught.value.action == "add"
    assert len(fake.orders) == orders_before


async def test_add_with_a_wrong_key_is_bad_key(fake: FakeProvider, http: httpx.AsyncClient) -> None:
    with pytest.raises(ProviderRejected) as caught:
        await SmmV2Client(fake.url, "wrong-key", http).add("1", link=LINK, quantity=100)
    assert caught.value.reason is RejectReason.BAD_KEY


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Incorrect API key", RejectReason.BAD_KEY),
        ("Disabled service ID", RejectReason.SERVICE),
        ("Incorrect link", RejectReason.LINK),
        ("Quantity more than maximal 10000", RejectReason.QUANTITY),
        ("Incorrect request", RejectReason.BAD_REQUEST),
        ("Something else", RejectReason.OTHER),
    ],
)
async def test_add_error_messages_map_to_reasons(
    client: SmmV2Client, fake: FakeProvider, message: str, reason: RejectReason
) -> None:
    fake.fail("add", "error", message=message)
    with pytest.raises(ProviderRejected) as caught:
        await place(client)
    assert (caught.value.reason, caught.value.message) == (reason, message)


async def test_error_body_wins_over_a_4xx_status(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("add", "error", message="Not enough funds on balance", status=422)
    with pytest.raises(ProviderRejected) as caught:
        await place(client)
    assert caught.value.reason is RejectReason.FUNDS


@pytest.mark.parametrize(
    ("mode", "creates"),
    [
        ("http502_html", False),
        ("http500", False),
        ("http429", False),
        ("empty", False),
        ("html200", False),
        ("invalid_json", True),
        ("truncated_json", True),
        ("lost_ack", True),
    ],
)
async def test_add_without_a_usable_answer_is_outcome_unknown(
    client: SmmV2Client, fake: FakeProvider, mode: str, creates: bool
) -> None:
    fake.fail("add", mode)
    with pytest.raises(OrderOutcomeUnknown) as caught:
        await place(client)
    assert caught.value.reached is True
    assert isinstance(caught.value, ProviderUnavailable)
    assert len(fake.calls("add")) == 1, "add must never be retried"
    assert bool(fake.orders) is creates
    if creates:
        assert fake.balance == Decimal("999.10000")


async def test_add_read_timeout_is_outcome_unknown_and_not_retried(fake: FakeProvider) -> None:
    fake.fail("add", "timeout", delay=0.8)
    async with httpx.AsyncClient(verify=TLS, timeout=httpx.Timeout(0.4, connect=0.4)) as http:
        with pytest.raises(OrderOutcomeUnknown) as caught:
            await place(SmmV2Client(fake.url, KEY, http))
    assert "ReadTimeout" in caught.value.message
    assert len(fake.calls("add")) == 1


async def test_add_lost_ack_leaves_the_order_upstream(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("add", "lost_ack")
    with pytest.raises(OrderOutcomeUnknown):
        await place(client)
    [order] = fake.orders.values()
    assert (order.link, order.quantity, order.status) == (LINK, 1000, "Pending")
    assert fake.requests[-1].http_status is None
    # The next request goes through on a fresh connection.
    assert await place(client, link=LINK + "2") == "23502"


async def test_add_reply_without_an_order_id_is_outcome_unknown(
    client: SmmV2Client, fake: FakeProvider
) -> None:
    fake.fail("add", "reply", payload={"status": "success"})
    with pytest.raises(OrderOutcomeUnknown):
        await place(client)


@pytest.mark.parametrize("bad", ["123,456", "12 34", "1\n2", "<b>", "x" * 65, "١٢٣"])
async def test_add_reply_with_an_unusable_order_id_is_outcome_unknown(
    client: SmmV2Client, fake: FakeProvider, bad: str
) -> None:
    fake.add_reply_order_id = bad
    with pytest.raises(OrderOutcomeUnknown) as caught:
        await place(client)
    assert "not usable" in caught.value.message
    assert len(fake.calls("add")) == 1 and len(fake.orders) == 1, "the panel has it; it is never re-sent"


@pytest.mark.parametrize("good", ["23501", "65f1c0ffee0123456789abcd", "ab-1_C", "x" * 64])
async def test_add_reply_with_a_usable_order_id_is_kept(
    client: SmmV2Client, fake: FakeProvider, good: str
) -> None:
    fake.add_reply_order_id = good
    assert await place(client) == good


def test_usable_order_ids() -> None:
    assert is_usable_order_id("23501") and is_usable_order_id("65f1c0ffee0123456789abcd")
    for bad in ("", "1,2", "1 2", "12\n", "²", "a.b", "x" * 65):
        assert not is_usable_order_id(bad), bad


async def test_add_to_an_unreachable_panel_is_not_outcome_unknown(http: httpx.AsyncClient) -> None:
    client = SmmV2Client(f"http://127.0.0.1:{free_port()}/api/v2", KEY, http)
    with pytest.raises(ProviderUnavailable) as caught:
        await place(client)
    assert not isinstance(caught.value, OrderOutcomeUnknown)
    assert caught.value.reached is False


# -- status --------------------------------------------------------------------------------------


async def test_status_follows_the_lifecycle(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await place(client)
    first = await client.status(order_id)
    assert (first.state, first.raw_status, first.remains, first.currency) == (
        RemoteState.PENDING, "Pending", 1000, "USD"
    )  # fmt: skip
    assert first.charge == Decimal("0.90000")
    fake.tick()
    running = await client.status(order_id)
    assert running.state is RemoteState.IN_PROGRESS
    assert running.start_count is not None and running.start_count > 0
    fake.tick()
    done = await client.status(order_id)
    assert (done.state, done.remains, done.not_found, done.error) == (RemoteState.COMPLETED, 0, False, None)
    assert fake.calls("status")[0] == {"key": KEY, "action": "status", "order": order_id}


async def test_status_of_an_unknown_order_is_not_found(client: SmmV2Client) -> None:
    result = await client.status("424242")
    assert result.not_found is True
    assert result.state is RemoteState.UNKNOWN
    assert result.error == "Incorrect order ID"


async def test_status_other_errors_raise(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("status", "error", message="Invalid API key")
    with pytest.raises(ProviderRejected) as caught:
        await client.status("1")
    assert caught.value.reason is RejectReason.BAD_KEY


@pytest.mark.parametrize(
    ("link", "spelling", "state", "remains"),
    [
        (LINK + "#partial=150", False, RemoteState.PARTIAL, 150),
        (LINK + "#partial=1500", False, RemoteState.PARTIAL, 1500),  # above the quantity, as reported
        (LINK + "#overdeliver", False, RemoteState.COMPLETED, -20),
        (LINK + "#cancel", False, RemoteState.CANCELED, 1000),
        (LINK + "#cancel", True, RemoteState.CANCELED, 1000),
        (LINK + "#refunded", False, RemoteState.CANCELED, 1000),
    ],
)
async def test_status_scenarios(
    client: SmmV2Client, fake: FakeProvider, link: str, spelling: bool, state: RemoteState, remains: int
) -> None:
    fake.british_spelling = spelling
    order_id = await place(client, link=link)
    fake.tick(2)
    result = await client.status(order_id)
    assert (result.state, result.remains) == (state, remains)
    if spelling:
        assert result.raw_status == "Cancelled"
    if state is RemoteState.CANCELED:
        assert result.charge == Decimal(0)
        assert fake.balance == Decimal(1000)


async def test_status_partial_reduces_the_charge(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await place(client, link=LINK + "#partial=250")
    fake.tick(2)
    result = await client.status(order_id)
    assert result.charge == Decimal("0.67500")
    assert fake.balance == Decimal("999.32500")


async def test_status_stuck_and_failed(client: SmmV2Client, fake: FakeProvider) -> None:
    stuck = await place(client, link=LINK + "#stuck")
    failing = await place(client, link=LINK + "/other")
    fake.set_fate(failing, "fail")
    fake.tick(5)
    assert (await client.status(stuck)).state is RemoteState.IN_PROGRESS
    failed = await client.status(failing)
    assert (failed.state, failed.raw_status) == (RemoteState.FAILED, "Fail")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"remains": ""}, None),
        ({"remains": None}, None),
        ({"remains": "-35"}, -35),
        ({"remains": 5000}, 5000),
        ({"remains": "12.0"}, 12),
    ],
)
async def test_status_remains_variants(
    client: SmmV2Client, fake: FakeProvider, fields: dict[str, Any], expected: int | None
) -> None:
    order_id = await place(client)
    fake.set_status(order_id, "Partial", **fields)
    result = await client.status(order_id)
    assert (result.state, result.remains) == (RemoteState.PARTIAL, expected)


async def test_status_scripted_strings_and_empty_fields(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await place(client)
    fake.set_status(order_id, "In Progress", start_count="", charge=None)
    result = await client.status(order_id)
    assert (result.state, result.raw_status) == (RemoteState.IN_PROGRESS, "In Progress")
    assert (result.start_count, result.charge) == (None, None)
    fake.set_status(order_id, "Paused")
    paused = await client.status(order_id)
    assert (paused.state, paused.raw_status) == (RemoteState.UNKNOWN, "Paused")


async def test_status_numeric_fields(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.numeric_fields = True
    order_id = await place(client, link=LINK + "#partial=157")
    fake.tick(2)
    result = await client.status(order_id)
    assert (result.remains, result.charge) == (157, Decimal("0.75870"))
    assert (await client.balance()).amount == Decimal("999.2413")


async def test_status_wrapped_single_dialect(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.wrap_single_status = True
    order_id = await place(client)
    assert (await client.status(order_id)).state is RemoteState.PENDING
    assert (await client.status("999")).not_found is True


async def test_status_dripfeed_parent_shape(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("status", "reply", payload={"status": "In progress", "runs": "2", "orders": [1001, 1002]})
    result = await client.status("1000")
    assert (result.state, result.remains, result.charge) == (RemoteState.IN_PROGRESS, None, None)


async def test_status_unexpected_shape_is_unavailable(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("status", "reply", payload=["nonsense"])
    with pytest.raises(ProviderUnavailable):
        await client.status("1")


async def test_statuses_chunk_250_ids_into_three_requests(client: SmmV2Client, fake: FakeProvider) -> None:
    placed = [await place(client, link=f"{LINK}/{n}") for n in range(3)]
    fake.tick()
    wanted = [*placed, *(str(n) for n in range(1, 248))]
    result = await client.statuses(wanted)
    sizes = sorted(len(params["orders"].split(",")) for params in fake.calls("status"))
    assert sizes == [50, 100, 100]
    assert all("order" not in params for params in fake.calls("status"))
    assert set(result) == set(wanted)
    assert all(result[order_id].state is RemoteState.IN_PROGRESS for order_id in placed)
    assert result["1"].not_found is True


async def test_statuses_per_id_errors_as_bare_strings(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.bare_string_errors = True
    order_id = await place(client)
    result = await client.statuses([order_id, "77", order_id, " "])
    assert fake.calls("status")[0]["orders"] == f"{order_id},77"
    assert result[order_id].state is RemoteState.PENDING
    assert (result["77"].not_found, result["77"].error) == (True, "Incorrect order ID")


async def test_statuses_ids_missing_from_the_reply_are_absent(
    client: SmmV2Client, fake: FakeProvider
) -> None:
    reply = {"1": {"status": "Completed", "remains": "0"}, "2": {"odd": True}, "3": "Order is locked"}
    fake.fail("status", "reply", payload=reply)
    result = await client.statuses(["1", "2", "3", "4"])
    assert set(result) == {"1", "2", "3"}
    assert result["1"].state is RemoteState.COMPLETED
    assert result["2"].state is RemoteState.UNKNOWN and result["2"].error
    assert (result["3"].not_found, result["3"].error) == (False, "Order is locked")


async def test_statuses_one_id_answered_in_the_single_shape(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("status", "reply", payload={"status": "Completed", "remains": "0", "charge": "1.2"})
    result = await client.statuses(["5"])
    assert result["5"].state is RemoteState.COMPLETED


async def test_statuses_raise_when_a_chunk_fails(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("status", "http502_html")
    with pytest.raises(ProviderUnavailable):
        await client.statuses([str(n) for n in range(150)])


async def test_statuses_chunked_keeps_the_good_chunks(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await place(client)
    fake.fail("status", "invalid_json")
    chunks = await client.statuses_chunked([str(n) for n in range(200)] + [order_id], concurrency=1)
    assert [len(chunk.order_ids) for chunk in chunks] == [100, 100, 1]
    assert isinstance(chunks[0].error, ProviderUnavailable) and chunks[0].statuses == {}
    assert chunks[1].error is None and len(chunks[1].statuses) == 100
    assert chunks[2].statuses[order_id].state is RemoteState.PENDING


async def test_statuses_concurrency_is_bounded(fake: FakeProvider) -> None:
    in_flight = peak = 0

    class Counting(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await super().handle_async_request(request)
            finally:
                in_flight -= 1

    fake.latency = 0.05
    async with httpx.AsyncClient(transport=Counting(verify=TLS), timeout=5) as http:
        client = SmmV2Client(fake.url, KEY, http, concurrency=2)
        await client.statuses([str(n) for n in range(500)])
    assert len(fake.calls("status")) == 5
    assert peak == 2


async def test_fake_enforces_the_id_limit(fake: FakeProvider, http: httpx.AsyncClient) -> None:
    client = SmmV2Client(fake.url, KEY, http, max_ids_per_request=150)
    with pytest.raises(ProviderRejected) as caught:
        await client.statuses([str(n) for n in range(150)])
    assert caught.value.reason is RejectReason.BAD_REQUEST


async def test_ids_with_commas_are_refused(client: SmmV2Client) -> None:
    with pytest.raises(ValueError, match="comma"):
        await client.statuses(["1,2"])


# -- refill --------------------------------------------------------------------------------------


async def completed_order(client: SmmV2Client, fake: FakeProvider, link: str = LINK) -> str:
    order_id = await place(client, link=link)
    fake.tick(2)
    return order_id


async def test_refill_lifecycle(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await completed_order(client, fake)
    refill_id = await client.refill(order_id)
    assert refill_id == "1"
    assert fake.calls("refill")[0] == {"key": KEY, "action": "refill", "order": order_id}
    pending = await client.refill_status(refill_id)
    assert (pending.state, pending.raw_status) == (RefillState.PENDING, "Pending")
    fake.tick()
    assert (await client.refill_status(refill_id)).state is RefillState.COMPLETED


async def test_refill_success_message_dialect(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.refill_success_message = True
    order_id = await completed_order(client, fake)
    assert await client.refill(order_id) == "1"


async def test_refill_not_eligible(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await place(client)
    with pytest.raises(ProviderRejected) as caught:
        await client.refill(order_id)
    assert caught.value.reason is RejectReason.NOT_ELIGIBLE
    with pytest.raises(ProviderRejected) as unknown:
        await client.refill("31337")
    assert unknown.value.reason is RejectReason.NOT_FOUND


async def test_refill_nested_error_is_rejected(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("refill", "reply", payload={"refill": {"error": "Order not eligible for refill."}})
    with pytest.raises(ProviderRejected) as caught:
        await client.refill("1")
    assert caught.value.reason is RejectReason.NOT_ELIGIBLE


async def test_refills_multi(client: SmmV2Client, fake: FakeProvider) -> None:
    good = await completed_order(client, fake)
    running = await place(client, link=LINK + "/running")
    result = await client.refills([good, running, "404"])
    assert fake.calls("refill")[0]["orders"] == f"{good},{running},404"
    assert result[good] == "1"
    assert isinstance(result[running], ProviderRejected)
    refused = result["404"]
    assert isinstance(refused, ProviderRejected) and refused.reason is RejectReason.NOT_FOUND


async def test_refill_statuses_multi(client: SmmV2Client, fake: FakeProvider) -> None:
    good = await completed_order(client, fake)
    rejected = await completed_order(client, fake, link=LINK + "#refill_reject")
    first, second = await client.refill(good), await client.refill(rejected)
    fake.tick()
    result = await client.refill_statuses([first, second, "99"])
    assert fake.calls("refill_status")[-1]["refills"] == f"{first},{second},99"
    assert result[first].state is RefillState.COMPLETED
    assert result[second].state is RefillState.REJECTED
    assert (result["99"].not_found, result["99"].error) == (True, "Refill not found")


async def test_refill_status_unknown_and_scripted(client: SmmV2Client, fake: FakeProvider) -> None:
    unknown = await client.refill_status("55")
    assert (unknown.not_found, unknown.state) == (True, RefillState.PENDING)
    order_id = await completed_order(client, fake)
    refill_id = await client.refill(order_id)
    fake.set_refill_status(refill_id, "In progress")
    fake.tick(3)
    assert (await client.refill_status(refill_id)).raw_status == "In progress"


# -- cancel --------------------------------------------------------------------------------------


async def test_cancel_is_a_request_settled_later(client: SmmV2Client, fake: FakeProvider) -> None:
    order_id = await place(client)
    result = await client.cancel([order_id])
    assert result[order_id].accepted is True and result[order_id].error is None
    assert fake.calls("cancel") == [{"key": KEY, "action": "cancel", "orders": order_id}]
    assert (await client.status(order_id)).state is RemoteState.PENDING  # never synchronous
    fake.tick()
    canceled = await client.status(order_id)
    assert (canceled.state, canceled.charge) == (RemoteState.CANCELED, Decimal(0))
    assert fake.balance == Decimal(1000)


async def test_cancel_mixed_results(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.cancel_status_object = True
    done = await completed_order(client, fake, link=LINK + "/done")
    ok = await place(client)
    locked = await client.add("3", link=LINK, quantity=100)
    result = await client.cancel([ok, locked, done, "404"])
    assert result[ok].accepted is True
    assert (result[locked].accepted, result[locked].error) == (False, "Order cannot be canceled")
    assert result[done].accepted is False
    assert (result["404"].accepted, result["404"].error) == (False, "Incorrect order ID")


async def test_cancel_chunks_and_top_level_error(client: SmmV2Client, fake: FakeProvider) -> None:
    result = await client.cancel([str(n) for n in range(150)])
    assert len(fake.calls("cancel")) == 2 and len(result) == 150
    fake.fail("cancel", "error", message="Incorrect request")
    with pytest.raises(ProviderRejected):
        await client.cancel(["1"])


async def test_cancel_single_dialect(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("cancel", "reply", payload={"cancel": 1})
    assert (await client.cancel(["12"]))["12"].accepted is True


# -- balance and transport -----------------------------------------------------------------------


async def test_balance(client: SmmV2Client, fake: FakeProvider) -> None:
    balance = await client.balance()
    assert (balance.amount, balance.currency) == (Decimal("1000.00000"), "USD")
    await place(client)
    assert (await client.balance()).amount == Decimal("999.10000")


async def test_non_add_failures_are_plain_unavailable(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("balance", "http502_html")
    with pytest.raises(ProviderUnavailable) as caught:
        await client.balance()
    assert not isinstance(caught.value, OrderOutcomeUnknown)
    assert (caught.value.reached, caught.value.status_code) == (True, 502)


async def test_4xx_without_an_error_message_is_unavailable(client: SmmV2Client, fake: FakeProvider) -> None:
    fake.fail("balance", "reply", payload={"message": "Unauthenticated"}, status=401)
    with pytest.raises(ProviderUnavailable) as caught:
        await client.balance()
    assert caught.value.status_code == 401


async def test_the_key_never_leaks(
    client: SmmV2Client, fake: FakeProvider, http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[ProviderError] = []

    async def expect_failure(call: Any) -> None:
        try:
            await call
        except ProviderError as exc:
            errors.append(exc)
        else:
            raise AssertionError("expected a provider error")

    for mode in ("http502_html", "http500", "http429", "invalid_json", "empty", "truncated_json", "html200"):
        fake.fail("add", mode)
        await expect_failure(place(client, link=f"{LINK}/{mode}"))
        fake.fail("services", mode)
        await expect_failure(client.services())
    fake.fail("add", "lost_ack")
    await expect_failure(place(client, link=LINK + "/lost"))
    fake.fail("add", "error", message=f"Invalid API key {KEY}")
    await expect_failure(place(client))
    fake.fail("status", "reply", payload={"1": {"error": f"key {KEY} is blocked"}})
    assert KEY not in str((await client.statuses(["1"]))["1"])
    fake.fail("balance", "reply", payload={"message": KEY}, status=403)
    await expect_failure(client.balance())
    fake.services["9"] = {"service": 9, "name": KEY}
    await client.services()
    await expect_failure(SmmV2Client(fake.url, "wrong-key", http).balance())
    await expect_failure(SmmV2Client(f"http://127.0.0.1:{free_port()}/api/v2", KEY, http).balance())
    async with httpx.AsyncClient(verify=TLS, timeout=httpx.Timeout(0.3, connect=0.3)) as slow:
        fake.fail("add", "timeout", delay=0.5)
        await expect_failure(place(SmmV2Client(fake.url, KEY, slow), link=LINK + "/slow"))

    assert len(errors) == 20
    for exc in errors:
        assert KEY not in str(exc) and KEY not in repr(exc) and KEY not in exc.message
    assert errors[15].message == "Invalid API key [redacted]"
    assert KEY not in caplog.text
    assert KEY not in "".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert KEY not in repr(client)
    assert any(record.name == "providers.transport" for record in caplog.records)


# -- the fake's own hooks ------------------------------------------------------------------------


async def test_sim_routes_drive_the_fake(
    client: SmmV2Client, fake: FakeProvider, http: httpx.AsyncClient
) -> None:
    base = fake.url.removesuffix("/api/v2")
    order_id = await place(client)
    assert (await http.post(f"{base}/_sim/tick", params={"n": 1})).json() == {"ok": True}
    assert (await client.status(order_id)).state is RemoteState.IN_PROGRESS
    await http.post(f"{base}/_sim/set_status", json={"order": order_id, "status": "Partial", "remains": "7"})
    assert (await client.status(order_id)).remains == 7
    await http.post(f"{base}/_sim/topup", json={"amount": "5"})
    await http.post(f"{base}/_sim/fail", json={"action": "balance", "mode": "error", "message": "Bad link"})
    with pytest.raises(ProviderRejected):
        await client.balance()
    await http.post(f"{base}/_sim/clear_faults")
    state = (await http.get(f"{base}/_sim/state")).json()
    assert state["balance"] == "1004.10000"
    assert state["orders"][order_id]["status"] == "Partial"
    assert all("key" not in call["params"] for call in state["requests"])


async def test_fake_reads_json_and_get_only_when_allowed(fake: FakeProvider, http: httpx.AsyncClient) -> None:
    body = {"key": KEY, "action": "balance"}
    assert "error" in (await http.post(fake.url, json=body)).json()
    assert "error" in (await http.get(fake.url, params=body)).json()
    fake.accept_json = fake.accept_get = True
    assert (await http.post(fake.url, json=body)).json()["currency"] == "USD"
    assert (await http.get(fake.url, params=body)).json()["currency"] == "USD"
