"""One form POST to a panel, turned into decoded JSON or a ProviderUnavailable.

The API key travels in the form body only. Nothing here logs or quotes the body, and anything the
provider sends back is scrubbed of the key before it can reach a message or a log line.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.parse import quote_plus

import httpx

from providers.base import ProviderUnavailable
from providers.parsing import decode_json, error_text

logger = logging.getLogger(__name__)

REDACTED = "[redacted]"

# These fail before a single byte of the request left us, so the provider provably never saw it.
_NOT_SENT: tuple[type[Exception], ...] = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.InvalidURL,
)


class Transport:
    """Sends `key` + `action` + parameters and decodes the reply whatever the HTTP status."""

    def __init__(self, url: str, key: str, http: httpx.AsyncClient, *, name: str) -> None:
        if not key:
            raise ValueError("the provider API key is empty")
        self._url = url
        self._key = key
        self._http = http
        self._name = name
        # The key as it could appear echoed back: raw, JSON-escaped, form-encoded.
        forms = {key, json.dumps(key)[1:-1], quote_plus(key)}
        self._secrets = tuple(sorted((form.encode() for form in forms if form), key=len, reverse=True))

    def __repr__(self) -> str:
        return f"Transport(name={self._name!r})"

    def redact(self, text: str) -> str:
        """Remove the key from text that came from the provider or an exception."""
        for secret in self._secrets:
            text = text.replace(secret.decode(), REDACTED)
        return text

    def _unavailable(
        self, action: str, detail: str, *, reached: bool, status_code: int | None = None
    ) -> ProviderUnavailable:
        return ProviderUnavailable(
            f"{action}: {detail}",
            reached=reached,
            status_code=status_code,
            provider=self._name,
            action=action,
        )

    async def post(self, action: str, params: dict[str, str]) -> Any:
        """POST one action; return the decoded JSON (an `error` reply included) or raise."""
        data = {"key": self._key, "action": action, **params}
        started = time.perf_counter()
        try:
            response = await self._http.post(self._url, data=data)
        except _NOT_SENT as exc:
            logger.debug("provider %s: %s not sent: %s", self._name, action, type(exc).__name__)
            raise self._unavailable(
                action, f"could not connect ({self._describe(exc)})", reached=False
            ) from exc
        except httpx.TimeoutException as exc:
            logger.debug("provider %s: %s timed out: %s", self._name, action, type(exc).__name__)
            raise self._unavailable(
                action, f"no reply in time ({self._describe(exc)})", reached=True
            ) from exc
        except httpx.HTTPError as exc:
            logger.debug("provider %s: %s failed: %s", self._name, action, type(exc).__name__)
            raise self._unavailable(
                action, f"connection failed ({self._describe(exc)})", reached=True
            ) from exc
        code = response.status_code
        logger.debug(
            "provider %s: %s -> HTTP %d in %.3fs", self._name, action, code, time.perf_counter() - started
        )
        # Gateways and overloaded servers answer 5xx/429 themselves: whatever the body says, it is no
        # verdict from the panel on this request.
        if code == 429 or code >= 500:
            raise self._unavailable(action, f"HTTP {code}", reached=True, status_code=code)
        try:
            payload = decode_json(self._scrub(response.content))
        except ValueError:
            kind = response.headers.get("content-type", "no content type")[:60]
            detail = f"reply is not JSON (HTTP {code}, {kind}, {len(response.content)} bytes)"
            raise self._unavailable(action, detail, reached=True, status_code=code) from None
        # A panel's own "no" may come with 4xx: an error message wins over the status code.
        if not 200 <= code < 300 and error_text(payload) is None:
            raise self._unavailable(
                action, f"HTTP {code} without an error message", reached=True, status_code=code
            )
        return payload

    def _scrub(self, body: bytes) -> bytes:
        for secret in self._secrets:
            body = body.replace(secret, REDACTED.encode())
        return body

    def _describe(self, exc: Exception) -> str:
        text = self.redact(str(exc)).strip()
        name = type(exc).__name__
        return f"{name}: {text}" if text else name
