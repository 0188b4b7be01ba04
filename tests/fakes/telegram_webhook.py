"""Webhooks in the fake Telegram: setWebhook, deleteWebhook, getWebhookInfo and the delivery of updates.

While a webhook is set, each queued update is POSTed as JSON to its URL with the secret token in
`X-Telegram-Bot-Api-Secret-Token`, as Telegram does: the updates of one chat one at a time and in
order, different chats concurrently (up to max_connections). An update whose answer is not 2xx, or
that gets no answer (connection refused or reset, timeout), is sent again after `retry_delay`
seconds, doubling up to `max_retry_delay`, until it is answered 2xx; only then is it confirmed.
getUpdates answers 409 Conflict meanwhile. A reply carried in the answer's body (a method call) is
not executed. `deliver_to([url1, url2])` overrides the registered URL with several endpoints, used in
turn by each attempt, like a load balancer in front of several instances.

Only loopback URLs are contacted: a webhook elsewhere (https://shop.example/...) is stored and
reported by getWebhookInfo, and its updates stay pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

import aiohttp

from tests.fakes.telegram_params import get_bool, get_int, get_str
from tests.fakes.telegram_types import JsonDict, bad_request

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeBotApi

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_SECRET = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class Delivery:
    """One attempt to deliver an update: where, and the HTTP status (None: no answer at all)."""

    update_id: int
    url: str
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        """Return whether the attempt was answered 2xx (the update is then confirmed)."""
        return self.status is not None and 200 <= self.status < 300


class WebhookDelivery:
    """The webhook's settings and the task that delivers pending updates to it."""

    METHODS: ClassVar[dict[str, str]] = {
        "setWebhook": "_set_webhook",
        "deleteWebhook": "_delete_webhook",
        "getWebhookInfo": "_get_webhook_info",
    }

    def __init__(
        self,
        api: FakeBotApi,
        *,
        retry_delay: float = 0.2,
        max_retry_delay: float = 2.0,
        request_timeout: float = 60.0,
    ) -> None:
        self._api = api
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.request_timeout = request_timeout
        self.url = ""
        self.secret_token: str | None = None
        self.max_connections = 40
        self.deliveries: list[Delivery] = []  # every attempt, in order
        self._targets_override: list[str] | None = None
        self._next_target = 0
        self._in_flight: dict[int, object] = {}  # update_id → its chat key
        self._last_error: tuple[int, str] | None = None
        self._task: asyncio.Task[None] | None = None
        self._attempts: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    # ----------------------------------------------------------------- driver side

    def deliver_to(self, urls: list[str] | None, *, secret_token: str | None = None) -> None:
        """Deliver to these URLs in turn instead of the registered one (None: back to it).

        `secret_token` replaces the registered secret when given.
        """
        self._targets_override = list(urls) if urls else None
        if secret_token is not None:
            self.secret_token = secret_token
        self._switch()

    @property
    def targets(self) -> list[str]:
        """Return the URLs updates go to now (empty: no webhook, updates wait for getUpdates)."""
        if self._targets_override is not None:
            return self._targets_override
        return [self.url] if self.url else []

    @property
    def idle(self) -> bool:
        """Return whether no update is pending or being delivered."""
        return not self._in_flight and not len(self._api.updates)

    def attempts_of(self, update_id: int) -> list[Delivery]:
        """Return the delivery attempts of one update, in order."""
        return [d for d in self.deliveries if d.update_id == update_id]

    async def aclose(self) -> None:
        """Stop delivering and close the HTTP client (the server is shutting down)."""
        tasks = [t for t in (self._task, *self._attempts) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ----------------------------------------------------------------- Bot API methods

    def _set_webhook(self, params: JsonDict) -> bool:
        url = (get_str(params, "url") or "").strip()
        if url:
            parts = urlsplit(url)
            # The real API takes HTTPS only; the fake also takes http:// to this machine.
            if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK):
                raise bad_request("bad webhook: HTTPS url must be provided for webhook")
            if not parts.hostname:
                raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        secret = get_str(params, "secret_token")
        if secret is not None and not _SECRET.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        if secret is not None and len(secret) > 256:
            raise bad_request("secret token is too long")  # wording unverified
        self.url = url
        self.secret_token = secret or None
        self.max_connections = min(100, max(1, get_int(params, "max_connections", default=40)))
        allowed = params.get("allowed_updates")
        self._api.updates.set_allowed_updates(list(allowed) if isinstance(allowed, list) else None)
        if get_bool(params, "drop_pending_updates"):
            self._api.updates.drop_pending()
        self._last_error = None
        self._switch()
        return True

    def _delete_webhook(self, params: JsonDict) -> bool:
        self.url = ""
        self.secret_token = None
        if get_bool(params, "drop_pending_updates"):
            self._api.updates.drop_pending()
        self._switch()
        return True

    def _get_webhook_info(self, params: JsonDict) -> JsonDict:
        info: JsonDict = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._api.updates),
        }
        if self.url:
            info["max_connections"] = self.max_connections
            if self._api.updates.allowed_updates is not None:
                info["allowed_updates"] = list(self._api.updates.allowed_updates)
        if self._last_error is not None:
            info["last_error_date"], info["last_error_message"] = self._last_error
        return info

    # ----------------------------------------------------------------- delivery

    def _switch(self) -> None:
        """Start or stop the delivery loop to match the targets."""
        active = bool(self.targets)
        self._api.updates.set_webhook_active(active)
        if active and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._deliver_pending())

    async def _deliver_pending(self) -> None:
        """Start a delivery for every pending update whose chat is free, until the webhook goes away."""
        try:
            while self.targets:
                busy = set(self._in_flight.values())
                for update in self._api.updates.pending():
                    if len(self._in_flight) >= self.max_connections:
                        break
                    key = _chat_key(update)
                    if update["update_id"] in self._in_flight or (key is not None and key in busy):
                        busy.add(key)  # later updates of a busy chat wait for it: order per chat
                        continue
                    busy.add(key)
                    self._in_flight[update["update_id"]] = key
                    attempt = asyncio.create_task(self._deliver(update))
                    self._attempts.add(attempt)
                    attempt.add_done_callback(self._finished)
                await self._api.updates.changed()
        finally:
            self._task = None

    def _finished(self, attempt: asyncio.Task[None]) -> None:
        self._attempts.discard(attempt)
        error = None if attempt.cancelled() else attempt.exception()
        if error is not None:
            # A bug in the fake must not pass for a lost update; tests assert on internal_errors.
            logger.error("fake Telegram: webhook delivery failed", exc_info=error)
            self._api.internal_errors.append(error)

    async def _deliver(self, update: JsonDict) -> None:
        """POST one update until it is answered 2xx, or the webhook is deleted meanwhile."""
        update_id = update["update_id"]
        delay = self.retry_delay
        try:
            while self.targets:
                targets = self.targets
                url = targets[self._next_target % len(targets)]
                self._next_target += 1
                delivery = await self._post(url, update) if _is_loopback(url) else None
                if delivery is not None:
                    self.deliveries.append(delivery)
                    if delivery.ok:
                        self._api.updates.confirm(update_id)
                        return
                    self._last_error = (int(time.time()), delivery.error)
                else:
                    self._last_error = (int(time.time()), "fake Telegram delivers to loopback URLs only")
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)
        finally:
            self._in_flight.pop(update_id, None)
            self._api.updates.set_webhook_active(bool(self.targets))  # wakes the loop: the chat is free

    async def _post(self, url: str, update: JsonDict) -> Delivery:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=self.request_timeout)
        try:
            async with self._session.post(url, json=update, headers=headers, timeout=timeout) as response:
                await response.read()
                error = "" if response.status < 300 else f"Wrong response from the webhook: {response.status}"
                return Delivery(update["update_id"], url, response.status, error)
        except (aiohttp.ClientError, TimeoutError) as e:
            logger.debug("fake Telegram: delivering update %d to %s failed: %r", update["update_id"], url, e)
            return Delivery(update["update_id"], url, None, f"{type(e).__name__}: {e}")


def _is_loopback(url: str) -> bool:
    return urlsplit(url).hostname in LOOPBACK


def _chat_key(update: JsonDict) -> object:
    """Return what orders an update: its chat (or sender) id; None for an update of no chat."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        message = body.get("message")
        chat = body.get("chat") or (message.get("chat") if isinstance(message, dict) else None)
        if isinstance(chat, dict):
            return chat.get("id")
        sender = body.get("from")
        if isinstance(sender, dict):
            return sender.get("id")
    return None
