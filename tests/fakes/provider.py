"""A faithful fake SMM panel (API v2) served over real HTTP on 127.0.0.1.

It follows the PerfectPanel behaviour (validation order, string-typed fields, per-id errors, cancel as a
request settled on a later tick) and can switch on the dialects and faults seen on other panels. Tests
drive it in-process (`tick()`, `set_status()`, `fail()`); a bot running as a subprocess drives it through
the `/_sim/*` routes. `python -m tests.fakes.provider --port 8082` serves it with a demo catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

CENT5 = Decimal("0.00001")
CANCELABLE_NOT = "Order cannot be canceled"
NOT_FOUND = "Incorrect order ID"
TERMINAL = frozenset({"completed", "partial", "canceled", "cancelled", "refunded"})
FAULT_MODES = frozenset(
    {
        "http502_html", "http500", "http429", "invalid_json", "empty", "truncated_json",
        "html200", "timeout", "lost_ack", "error", "reply",
    }
)  # fmt: skip
KEEP: Any = ...  # "leave this field as it is" in set_status

HTML_502 = "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
HTML_CHALLENGE = "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>"
PHP_NOTICE = "<br />\n<b>Warning</b>:  Undefined index: runs in /var/www/api/v2.php on line 42<br />\n"


@dataclass
class FakeOrder:
    order_id: str
    service_id: str
    link: str
    quantity: int  # total units (per-run quantity × runs for drip-feed)
    charge: Decimal
    params: dict[str, str]  # the add request's fields, without the key
    status: str = "Pending"
    start_count: int | str | None = 0
    remains: int | str | None = None
    fate: str = "complete"  # complete | partial | cancel | refunded | fail | stuck | overdeliver
    fate_remains: int = 0
    refill_fate: str = "complete"  # complete | reject
    scripted: bool = False  # set_status() froze it: tick() leaves it alone
    cancel_requested: bool = False
    reported: dict[str, Any] = field(default_factory=dict)  # status fields shown verbatim (e.g. charge null)


@dataclass
class FakeRefill:
    refill_id: str
    order_id: str
    status: str = "Pending"
    fate: str = "complete"
    scripted: bool = False


@dataclass
class RecordedCall:
    action: str
    params: dict[str, str]  # every form field received, the key included
    http_status: int | None = None  # None when the connection was dropped without an answer
    method: str = "POST"
    fault: str | None = None


@dataclass
class _Fault:
    mode: str
    remaining: int | None
    message: str
    delay: float
    payload: Any
    status: int


# `add` parameters a type requires beyond link and quantity (smm-api-v2.md §3.2), by lower-case type name.
REQUIRED_ADD_PARAMS: dict[str, tuple[str, ...]] = {
    "custom comments": ("comments",),
    "custom comments package": ("comments",),
    "poll": ("answer_number",),
    "comment likes": ("username",),
    "mentions": ("usernames",),
    "mentions with hashtags": ("usernames", "hashtags"),
    "mentions custom list": ("usernames",),
    "mentions hashtag": ("hashtag",),
    "mentions user followers": ("username",),
    "mentions media likers": ("media",),
    "invites from groups": ("groups",),
}
# Types whose quantity is the number of lines of a parameter (no `quantity` is read).
COUNTED_ADD_PARAMS = {"custom comments": "comments", "mentions custom list": "usernames"}


def _money(value: object) -> Decimal:
    return Decimal(str(value))


def _ids(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


def _id_out(value: str) -> int | str:
    # Multi replies carry ids as JSON numbers when they are numeric (the documented shape).
    return int(value) if value.isdigit() else value


def _flag(value: object) -> bool:
    return value is True or value == 1 or (isinstance(value, str) and value.lower() in ("1", "true"))


def _seed(link: str) -> int:
    return int(hashlib.sha256(link.encode()).hexdigest()[:6], 16) % 9000 + 100


class FakeProvider:
    """In-memory SMM panel with a deterministic order lifecycle, dialect switches and fault injection."""

    def __init__(
        self,
        *,
        key: str = "test-provider-key",
        balance: Decimal = Decimal("1000"),
        currency: str = "USD",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.key = key
        self.balance = Decimal(balance)
        self.currency = currency
        self.host = host
        self.port = port
        self.url = ""
        self.services: dict[str, dict[str, Any]] = {}
        # A whole `services` reply served verbatim instead of `services` (see load_services).
        self.services_raw: Any = None
        self.orders: dict[str, FakeOrder] = {}
        self.refills: dict[str, FakeRefill] = {}
        self.requests: list[RecordedCall] = []
        self.latency = 0.0
        # Dialect switches (all off = the documented PerfectPanel shapes).
        self.bare_string_errors = False  # multi-status per-id errors as "Incorrect order ID"
        self.string_ids = False  # add answers {"order": "23501"}
        self.hex_ids = False  # 24-hex ObjectId order ids (implies string ids)
        self.add_reply_order_id: str | None = None  # add creates the order, answers this id (e.g. "1,2")
        self.numeric_fields = False  # rate/min/max/charge/balance/remains/start_count as JSON numbers
        self.string_service_ids = False  # services list with "service": "1"
        self.capitalised_keys = False  # services list with "Service", "Name", ... keys
        self.drop_cancel_flag = False  # services list without "cancel"
        self.british_spelling = False  # "Cancelled"
        self.wrap_single_status = False  # single status as {"<id>": {...}}
        self.cancel_status_object = False  # cancel accepted as {"status": 1}
        self.refill_reply_id: str | None = None  # refill creates the refill, answers this id (e.g. "7,8")
        self.refill_success_message = False  # single refill as {"success": "...", "refill": 12}
        self.empty_catalogue_object = False  # empty catalogue as {"status":"success","data":"Empty Data"}
        self.max_ids_per_request = 100  # more ids -> {"error": "Incorrect request"}
        self.reject_duplicate_links = True  # "You have active order with this link"
        self.refill_partial = False  # allow refills of Partial orders too
        self.accept_get = False  # also read GET query parameters
        self.accept_json = False  # also read a JSON body
        self._faults: dict[str, list[_Fault]] = {}
        self._next_order = 23501
        self._next_refill = 1
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Serve on host:port (an ephemeral port by default) and set `url`."""
        app = web.Application()
        app.router.add_route("*", "/api/v2", self._handle_api)
        app.router.add_post("/_sim/tick", self._sim_tick)
        app.router.add_post("/_sim/set_status", self._sim_set_status)
        app.router.add_post("/_sim/set_fate", self._sim_set_fate)
        app.router.add_post("/_sim/topup", self._sim_topup)
        app.router.add_post("/_sim/fail", self._sim_fail)
        app.router.add_post("/_sim/clear_faults", self._sim_clear_faults)
        app.router.add_get("/_sim/state", self._sim_state)
        self._closing = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        self.url = f"http://{self.host}:{self.port}/api/v2"

    async def stop(self) -> None:
        """Wake any delayed handler and shut the server down."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeProvider:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- catalogue -------------------------------------------------------------------------------

    def add_service(
        self,
        service_id: str | int,
        *,
        name: str = "Followers",
        category: str = "Instagram",
        type: str = "Default",
        rate: str | Decimal = "0.90",
        min: int = 10,
        max: int = 10000,
        refill: bool = True,
        cancel: bool = True,
        description: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add (or replace) a catalogue entry; extra keys (e.g. dripfeed=True) are served as given."""
        entry: dict[str, Any] = {
            "service": str(service_id), "name": name, "type": type, "category": category,
            "rate": str(rate), "min": min, "max": max, "refill": refill, "cancel": cancel,
        }  # fmt: skip
        if description is not None:
            entry["desc"] = description
        entry.update(extra)
        self.services[str(service_id)] = entry
        return entry

    def load_services(self, reply: Any) -> int:
        """Serve `reply` (a decoded `services` reply, e.g. a real panel's) verbatim from now on.

        Its entries also become orderable: each object with a service id is entered in `services`,
        as given, for `add`. Returns how many were entered. `services_raw = None` ends it.
        """
        self.services_raw = reply
        entered = 0
        for entry in reply if isinstance(reply, list) else []:
            if isinstance(entry, dict) and str(entry.get("service", "")).strip():
                self.services.setdefault(str(entry["service"]).strip(), entry)
                entered += 1
        return entered

    def load_services_json(self, path: str | Path) -> int:
        """Serve the `services` reply saved in a JSON file verbatim (see load_services)."""
        return self.load_services(json.loads(Path(path).read_bytes()))

    def remove_service(self, service_id: str | int) -> None:
        """Take a service out of the catalogue (new orders get "Incorrect service ID")."""
        self.services.pop(str(service_id), None)

    def topup(self, amount: Decimal | str) -> None:
        """Add funds to the account."""
        self.balance += _money(amount)

    # -- scripting -------------------------------------------------------------------------------

    def set_status(
        self,
        order_id: str,
        status: str,
        *,
        remains: int | str | None = KEEP,
        start_count: int | str | None = KEEP,
        charge: Decimal | str | None = KEEP,
    ) -> None:
        """Report `status` verbatim from now on (tick() no longer moves it); no money moves."""
        order = self.orders[str(order_id)]
        order.status = status
        order.scripted = True
        if remains is not KEEP:
            order.remains = remains
        if start_count is not KEEP:
            order.start_count = start_count
        if charge is not KEEP:
            if charge is None or charge == "":
                order.reported["charge"] = charge
            else:
                order.charge = _money(charge)
                order.reported.pop("charge", None)

    def set_fate(self, order_id: str, fate: str, *, remains: int = 0) -> None:
        """Choose how an order ends: complete, partial, cancel, refunded, fail, stuck or overdeliver."""
        order = self.orders[str(order_id)]
        order.fate, order.fate_remains = fate, remains

    def set_refill_status(self, refill_id: str, status: str) -> None:
        """Report a refill status verbatim from now on."""
        refill = self.refills[str(refill_id)]
        refill.status, refill.scripted = status, True

    def tick(self, n: int = 1) -> None:
        """Advance every order and refill by `n` deterministic steps."""
        for _ in range(n):
            for order in list(self.orders.values()):
                self._advance(order)
            for refill in self.refills.values():
                if not refill.scripted and refill.status == "Pending":
                    refill.status = "Rejected" if refill.fate == "reject" else "Completed"

    def _canceled_spelling(self) -> str:
        return "Cancelled" if self.british_spelling else "Canceled"

    def _refund_all(self, order: FakeOrder, status: str) -> None:
        self.balance += order.charge
        order.charge = Decimal(0)
        order.status, order.remains = status, order.quantity

    def _advance(self, order: FakeOrder) -> None:
        if order.scripted or order.status.lower() in TERMINAL:
            return
        if order.cancel_requested:
            order.cancel_requested = False
            self._refund_all(order, self._canceled_spelling())
        elif order.status == "Pending":
            order.status, order.start_count = "In progress", _seed(order.link)
        elif order.fate == "complete":
            order.status, order.remains = "Completed", 0
        elif order.fate == "overdeliver":
            order.status, order.remains = "Completed", -20
        elif order.fate == "partial":
            undelivered = min(max(order.fate_remains, 0), order.quantity)
            new_charge = (order.charge * (order.quantity - undelivered) / order.quantity).quantize(CENT5)
            self.balance += order.charge - new_charge
            order.status, order.remains, order.charge = "Partial", order.fate_remains, new_charge
        elif order.fate == "cancel":
            self._refund_all(order, self._canceled_spelling())
        elif order.fate == "refunded":
            self._refund_all(order, "Refunded")
        elif order.fate == "fail":
            order.status = "Fail"

    # -- faults ----------------------------------------------------------------------------------

    def fail(
        self,
        action: str,
        mode: str,
        count: int | None = 1,
        *,
        message: str = "Incorrect request",
        delay: float = 2.0,
        payload: Any = None,
        status: int = 200,
    ) -> None:
        """Inject a fault for `action` ("*" for any) on the next `count` requests (None: until cleared)."""
        if mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {mode!r}")
        fault = _Fault(mode, count, message, delay, payload, status)
        self._faults.setdefault(action, []).append(fault)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    def _take_fault(self, action: str) -> _Fault | None:
        for name in (action, "*"):
            for fault in self._faults.get(name, []):
                if fault.remaining is None or fault.remaining > 0:
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    def calls(self, action: str) -> list[dict[str, str]]:
        """Return the parameters of every request received for `action`."""
        return [call.params for call in self.requests if call.action == action]

    # -- HTTP ------------------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> dict[str, str]:
        if request.method == "GET":
            return dict(request.query) if self.accept_get else {}
        if request.content_type == "application/json":
            if not self.accept_json:
                return {}
            with contextlib.suppress(ValueError):
                body = await request.json()
                if isinstance(body, dict):
                    return {str(k): str(v) for k, v in body.items()}
            return {}
        form = await request.post()
        return {key: str(value) for key, value in form.items()}

    async def _sleep(self, delay: float) -> bool:
        """Sleep unless the server is stopping; True when woken by stop()."""
        if delay <= 0:
            return False
        try:
            await asyncio.wait_for(self._closing.wait(), delay)
        except TimeoutError:
            return False
        return True

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        params = await self._read_params(request)
        call = RecordedCall(action=params.get("action", ""), params=params, method=request.method)
        self.requests.append(call)
        if await self._sleep(self.latency):
            return self._send(call, web.Response(status=503))
        fault = self._take_fault(call.action)
        call.fault = fault.mode if fault else None
        if fault is None:
            return self._send(call, self._json(*self._process(params)))
        mode = fault.mode
        if mode == "timeout" and await self._sleep(fault.delay):
            return self._send(call, web.Response(status=503))
        if mode in ("timeout", "invalid_json", "truncated_json", "lost_ack"):
            # The panel did the work; only the answer goes wrong.
            payload, status = self._process(params)
            text = self._dumps(payload)
            if mode == "lost_ack":
                if request.transport is not None:
                    request.transport.close()
                return web.Response(status=200)
            if mode == "invalid_json":
                text = PHP_NOTICE + text
            elif mode == "truncated_json":
                text = text[: max(1, len(text) // 2)]
            return self._send(call, web.Response(text=text, status=status, content_type="application/json"))
        replies = {
            "http502_html": lambda: web.Response(text=HTML_502, status=502, content_type="text/html"),
            "http500": lambda: self._json({"error": "Internal server error"}, 500),
            "http429": lambda: self._json({"error": "Too many requests"}, 429, {"Retry-After": "1"}),
            "empty": lambda: web.Response(body=b"", status=200),
            "html200": lambda: web.Response(text=HTML_CHALLENGE, status=200, content_type="text/html"),
            "error": lambda: self._json({"error": fault.message}, fault.status),
            "reply": lambda: self._json(fault.payload, fault.status),
        }
        return self._send(call, replies[mode]())

    def _send(self, call: RecordedCall, response: web.Response) -> web.Response:
        call.http_status = response.status
        return response

    def _dumps(self, payload: Any) -> str:
        return json.dumps(payload, default=str)

    def _json(self, payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(
            text=self._dumps(payload), status=status, content_type="application/json", headers=headers
        )

    # -- the protocol ----------------------------------------------------------------------------

    def _process(self, params: dict[str, str]) -> tuple[Any, int]:
        if params.get("key") != self.key:
            return {"error": "Invalid API key"}, 200
        handlers = {
            "services": self._services,
            "add": self._add,
            "status": self._status,
            "refill": self._refill,
            "refill_status": self._refill_status,
            "cancel": self._cancel,
            "balance": self._balance,
        }
        handler = handlers.get(params.get("action", ""))
        if handler is None:
            return {"error": "Incorrect request"}, 200
        return handler(params), 200

    def _number(self, value: object) -> Any:
        """Render a number the way the panel would: a string, or a JSON number in the numeric dialect."""
        if isinstance(value, Decimal):
            return float(value) if self.numeric_fields else f"{value:.5f}"
        if isinstance(value, int) and not isinstance(value, bool):
            return value if self.numeric_fields else str(value)
        return value  # None, "" and scripted strings are served verbatim

    def _services(self, params: dict[str, str]) -> Any:
        if self.services_raw is not None:
            return self.services_raw
        if not self.services and self.empty_catalogue_object:
            return {"status": "success", "data": "Empty Data"}
        return [self._service_view(entry) for entry in self.services.values()]

    def _service_view(self, entry: dict[str, Any]) -> dict[str, Any]:
        view = dict(entry)
        service_id = str(view.get("service", ""))
        if "service" in view and service_id.isdigit() and not self.string_service_ids:
            view["service"] = int(service_id)
        # Entries a test wrote by hand (e.g. a broken rate) are served as they are.
        with contextlib.suppress(ValueError, ArithmeticError):
            if isinstance(view.get("rate"), str | Decimal):
                view["rate"] = float(_money(view["rate"])) if self.numeric_fields else str(view["rate"])
        for name in ("min", "max"):
            if isinstance(view.get(name), int):
                view[name] = view[name] if self.numeric_fields else str(view[name])
        if self.drop_cancel_flag:
            view.pop("cancel", None)
        if self.capitalised_keys:
            view = {name.capitalize(): value for name, value in view.items()}
        return view

    def _add(self, params: dict[str, str]) -> Any:
        service = self.services.get(params.get("service", ""))
        if service is None:
            return {"error": "Incorrect service ID"}
        kind = str(service.get("type", "Default")).lower()
        link = params.get("link", "")
        comments = [line for line in params.get("comments", "").splitlines() if line.strip()]
        if "comments" in kind and not comments:
            return {"error": "comments field is required"}
        type_name = " ".join(kind.replace("_", " ").replace("-", " ").split())
        for name in REQUIRED_ADD_PARAMS.get(type_name, ()):
            if not params.get(name, "").strip():
                return {"error": f"{name} field is required"}
        if type_name == "poll" and not params["answer_number"].strip().isdigit():
            return {"error": "Incorrect answer number"}
        runs = 1
        if "runs" in params or "interval" in params:
            if not _flag(service.get("dripfeed")):
                return {"error": "This services does not support Dripfeed feature!"}
            if not params.get("interval", "").isdigit():
                return {"error": "interval time is required"}
            if not params.get("runs", "").isdigit() or int(params["runs"]) < 1:
                return {"error": "runs is required"}
            runs = int(params["runs"])
        if not link.strip() or "#fail" in link:
            return {"error": "Bad link"}
        package = "package" in kind
        if package:
            quantity = 1
        elif "comments" in kind:
            quantity = len(comments)
        elif type_name in COUNTED_ADD_PARAMS:
            listed = params[COUNTED_ADD_PARAMS[type_name]].splitlines()
            quantity = len([line for line in listed if line.strip()])
        elif params.get("quantity", "").strip().isdigit():
            quantity = int(params["quantity"]) * runs
        else:
            return {"error": "Incorrect request"}
        if not package:
            low, high = int(service.get("min", 0)), int(service.get("max", 0))
            if quantity < low:
                return {"error": f"Quantity less than minimal {low}"}
            if quantity > high:
                return {"error": f"Quantity more than maximum {high}"}
        if self.reject_duplicate_links and self._active_duplicate(str(service["service"]), link):
            return {"error": "You have active order with this link. Please wait until order being completed."}
        rate = _money(service.get("rate", "0"))
        charge = (rate * runs if package else rate * quantity / 1000).quantize(CENT5, ROUND_HALF_UP)
        if self.balance < charge:
            return {"error": "Not enough funds on balance"}
        self.balance -= charge
        order = self._create_order(str(service["service"]), link, quantity, charge, params)
        if self.add_reply_order_id is not None:
            # A broken panel: the order exists, but the id it answers is not one a client can use.
            return {"order": self.add_reply_order_id}
        if self.string_ids or self.hex_ids:
            return {"order": order.order_id}
        return {"order": int(order.order_id)}

    def _active_duplicate(self, service_id: str, link: str) -> bool:
        wanted = link.strip().lower().rstrip("/")
        return any(
            order.service_id == service_id
            and order.link.strip().lower().rstrip("/") == wanted
            and order.status.lower() not in TERMINAL
            for order in self.orders.values()
        )

    def _create_order(
        self, service_id: str, link: str, quantity: int, charge: Decimal, params: dict[str, str]
    ) -> FakeOrder:
        number = self._next_order
        self._next_order += 1
        order_id = f"{number:024x}" if self.hex_ids else str(number)
        fields = {name: value for name, value in params.items() if name != "key"}
        order = FakeOrder(order_id, service_id, link, quantity, charge, fields, remains=quantity)
        if partial := re.search(r"#partial=(\d+)", link):
            order.fate, order.fate_remains = "partial", int(partial.group(1))
        for fate in ("cancel", "refunded", "stuck", "overdeliver"):
            if f"#{fate}" in link:
                order.fate = fate
        if "#refill_reject" in link:
            order.refill_fate = "reject"
        self.orders[order_id] = order
        return order

    def _order_view(self, order: FakeOrder) -> dict[str, Any]:
        view = {
            "charge": self._number(order.charge),
            "start_count": self._number(order.start_count),
            "status": order.status,
            "remains": self._number(order.remains),
            "currency": self.currency,
        }
        view.update(order.reported)
        return view

    def _too_many(self, ids: list[str]) -> bool:
        return len(ids) > self.max_ids_per_request

    def _status(self, params: dict[str, str]) -> Any:
        if "orders" in params:
            ids = _ids(params["orders"])
            if self._too_many(ids):
                return {"error": "Incorrect request"}
            missing: Any = NOT_FOUND if self.bare_string_errors else {"error": NOT_FOUND}
            return {
                order_id: self._order_view(self.orders[order_id]) if order_id in self.orders else missing
                for order_id in ids
            }
        order_id = params.get("order", "").strip()
        if not order_id:
            return {"error": "Incorrect request"}
        order = self.orders.get(order_id)
        body = self._order_view(order) if order else {"error": NOT_FOUND}
        return {order_id: body} if self.wrap_single_status else body

    def _create_refill(self, order_id: str) -> str | dict[str, str]:
        order = self.orders.get(order_id)
        if order is None:
            return {"error": NOT_FOUND}
        service = self.services.get(order.service_id, {})
        eligible = {"Completed", "Partial"} if self.refill_partial else {"Completed"}
        if not _flag(service.get("refill")) or order.status not in eligible:
            return {"error": "Order not eligible for refill."}
        refill_id = str(self._next_refill)
        self._next_refill += 1
        self.refills[refill_id] = FakeRefill(refill_id, order_id, fate=order.refill_fate)
        return refill_id

    def _refill(self, params: dict[str, str]) -> Any:
        if "orders" in params:
            ids = _ids(params["orders"])
            if self._too_many(ids):
                return {"error": "Incorrect request"}
            created = [(order_id, self._create_refill(order_id)) for order_id in ids]
            return [
                {"order": _id_out(oid), "refill": int(value) if isinstance(value, str) else value}
                for oid, value in created
            ]
        value = self._create_refill(params.get("order", "").strip())
        if isinstance(value, dict):
            return value
        if self.refill_reply_id is not None:
            return {"refill": self.refill_reply_id}
        if self.refill_success_message:
            return {"success": "Your order will be refill asap. Thank you for patience", "refill": int(value)}
        return {"refill": value}

    def _refill_status(self, params: dict[str, str]) -> Any:
        missing = {"error": "Refill not found"}
        if "refills" in params:
            ids = _ids(params["refills"])
            if self._too_many(ids):
                return {"error": "Incorrect request"}
            return [
                {
                    "refill": _id_out(rid),
                    "status": self.refills[rid].status if rid in self.refills else missing,
                }
                for rid in ids
            ]
        refill = self.refills.get(params.get("refill", "").strip())
        return {"status": refill.status} if refill else missing

    def _cancel(self, params: dict[str, str]) -> Any:
        if "orders" not in params:  # a single `order=` is not part of this action
            return {"error": "Incorrect request"}
        ids = _ids(params["orders"])
        if self._too_many(ids):
            return {"error": "Incorrect request"}
        result: list[dict[str, Any]] = []
        for order_id in ids:
            order = self.orders.get(order_id)
            value: Any
            if order is None:
                value = {"error": NOT_FOUND}
            elif (
                order.status.lower() in TERMINAL
                or order.cancel_requested
                or not _flag(self.services.get(order.service_id, {}).get("cancel"))
            ):
                value = {"error": CANCELABLE_NOT}
            else:
                # Accepted now, settled on the next tick: clients must reconcile through status.
                order.cancel_requested = True
                value = {"status": 1} if self.cancel_status_object else 1
            result.append({"order": _id_out(order_id), "cancel": value})
        return result

    def _balance(self, params: dict[str, str]) -> Any:
        return {"balance": self._number(self.balance), "currency": self.currency}

    # -- /_sim hooks -----------------------------------------------------------------------------

    async def _sim_body(self, request: web.Request) -> dict[str, Any]:
        body: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            with contextlib.suppress(ValueError):
                data = await request.json()
                if isinstance(data, dict):
                    body.update(data)
        return body

    async def _sim_tick(self, request: web.Request) -> web.Response:
        self.tick(int((await self._sim_body(request)).get("n", 1)))
        return web.json_response({"ok": True})

    async def _sim_set_status(self, request: web.Request) -> web.Response:
        body = await self._sim_body(request)
        fields = {name: body[name] for name in ("remains", "start_count", "charge") if name in body}
        try:
            self.set_status(str(body["order"]), str(body["status"]), **fields)
        except KeyError as exc:
            return web.json_response({"error": f"unknown or missing {exc}"}, status=400)
        return web.json_response({"ok": True})

    async def _sim_set_fate(self, request: web.Request) -> web.Response:
        body = await self._sim_body(request)
        try:
            self.set_fate(str(body["order"]), str(body["fate"]), remains=int(body.get("remains", 0)))
        except KeyError as exc:
            return web.json_response({"error": f"unknown or missing {exc}"}, status=400)
        return web.json_response({"ok": True})

    async def _sim_topup(self, request: web.Request) -> web.Response:
        try:
            self.topup(str((await self._sim_body(request))["amount"]))
        except (KeyError, InvalidOperation):
            return web.json_response({"error": "amount required"}, status=400)
        return web.json_response({"ok": True, "balance": str(self.balance)})

    async def _sim_fail(self, request: web.Request) -> web.Response:
        body = await self._sim_body(request)
        count = body.get("count", 1)
        try:
            self.fail(
                str(body["action"]),
                str(body["mode"]),
                None if count is None else int(count),
                message=str(body.get("message", "Incorrect request")),
                delay=float(body.get("delay", 2.0)),
                payload=body.get("payload"),
                status=int(body.get("status", 200)),
            )
        except (KeyError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    async def _sim_clear_faults(self, request: web.Request) -> web.Response:
        self.clear_faults()
        return web.json_response({"ok": True})

    def state(self) -> dict[str, Any]:
        """Return a JSON-ready snapshot of the account, orders, refills and requests (keys omitted)."""
        return {
            "balance": str(self.balance),
            "currency": self.currency,
            "services": sorted(self.services),
            "orders": {oid: asdict(order) for oid, order in self.orders.items()},
            "refills": {rid: asdict(refill) for rid, refill in self.refills.items()},
            "requests": [
                {
                    "action": call.action,
                    "params": {k: v for k, v in call.params.items() if k != "key"},
                    "http_status": call.http_status,
                    "fault": call.fault,
                }
                for call in self.requests
            ],
        }

    async def _sim_state(self, request: web.Request) -> web.Response:
        return web.json_response(self.state(), dumps=self._dumps)


def add_demo_catalogue(fake: FakeProvider) -> None:
    """Fill a small catalogue for local runs."""
    fake.add_service(
        1, name="Instagram Followers [Real]", category="Instagram", rate="0.90", min=50, max=10000
    )
    fake.add_service(2, name="Instagram Likes", category="Instagram", rate="0.12", min=10, max=50000)
    fake.add_service(
        3, name="Instagram Custom Comments", category="Instagram", type="Custom Comments",
        rate="8", min=1, max=1500, refill=False,
    )  # fmt: skip
    fake.add_service(
        4, name="YouTube Views", category="YouTube", rate="1.50", min=100, max=1000000, dripfeed=True
    )
    fake.add_service(
        5, name="YouTube Subscribers", category="YouTube", rate="12.00", min=50, max=5000, cancel=False
    )
    fake.add_service(6, name="Telegram Channel Members", category="Telegram", rate="0.75", min=100, max=20000)
    fake.add_service(7, name="Telegram Post Views", category="Telegram", rate="0.02", min=100, max=100000)


async def _serve(args: argparse.Namespace) -> None:
    fake = FakeProvider(key=args.key, balance=Decimal(args.balance), host=args.host, port=args.port)
    fake.latency = args.latency
    if args.services_json:
        fake.load_services_json(args.services_json)
    else:
        add_demo_catalogue(fake)
    await fake.start()
    print(f"Fake SMM provider at {fake.url} (key {fake.key!r}); state at /_sim/state", flush=True)
    try:
        while True:
            await asyncio.sleep(args.tick_every or 3600)
            if args.tick_every:
                fake.tick()
    finally:
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve the fake provider until interrupted."""
    parser = argparse.ArgumentParser(description="Fake SMM panel (API v2) for local development")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--key", default="test-provider-key")
    parser.add_argument("--balance", default="1000")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every request")
    parser.add_argument("--tick-every", type=float, default=0.0, help="advance orders every N seconds")
    parser.add_argument(
        "--services-json", default="", help="serve this saved `services` reply verbatim (a real panel's)"
    )
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
