"""Request parameters of the fake Bot API: decode every accepted body format and coerce values."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.fakes.telegram_types import JsonDict, bad_request

# Parameters whose form value is a JSON-serialised object or array.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "entities",
        "link_preview_options",
        "reply_parameters",
        "prices",
        "suggested_tip_amounts",
        "scope",
        "caption_entities",
    }
)


async def read_params(request: web.Request) -> JsonDict:
    """Merge query string and body (urlencoded, multipart or JSON) into one parameter dict."""
    params: JsonDict = dict(request.query)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as e:
            raise bad_request("can't parse JSON request body") from e
        if not isinstance(body, dict):
            raise bad_request("JSON request body must be an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            # Uploaded files arrive as FileField; keep their name, the fake stores no content.
            if isinstance(value, web.FileField):
                params[key] = {"file_name": value.filename}
            elif isinstance(value, bytes | bytearray):
                params[key] = value.decode(errors="replace")
            else:
                params[key] = value
    for key in JSON_FIELDS & params.keys():
        value = params[key]
        if isinstance(value, str | bytes):
            try:
                params[key] = json.loads(value)
            except ValueError as e:
                raise bad_request(f"can't parse {key} JSON object") from e
    return params


def get_int(params: JsonDict, name: str, *, default: int | None = None) -> int:
    """Return an integer parameter ("123" or 123); raise 400 when missing or malformed."""
    value = params.get(name)
    if value is None or value == "":
        if default is not None:
            return default
        raise bad_request(f"{name} is empty")
    if isinstance(value, bool):
        raise bad_request(f"wrong parameter {name} in request")
    try:
        return int(value)
    except (TypeError, ValueError) as e:
        raise bad_request(f"wrong parameter {name} in request") from e


def get_optional_int(params: JsonDict, name: str) -> int | None:
    """Return an integer parameter or None when it is absent."""
    if params.get(name) in (None, ""):
        return None
    return get_int(params, name)


def get_float(params: JsonDict, name: str, default: float) -> float:
    """Return a number parameter or the default."""
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise bad_request(f"wrong parameter {name} in request") from e


def get_bool(params: JsonDict, name: str) -> bool:
    """Return a boolean parameter ("true"/"false"/"1"/"0" or a JSON bool); absent means False."""
    value = params.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    lowered = str(value).lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0", ""):
        return False
    raise bad_request(f"wrong parameter {name} in request")


def get_str(params: JsonDict, name: str) -> str | None:
    """Return a string parameter or None; numbers are accepted as their text."""
    value: Any = params.get(name)
    if value is None:
        return None
    if isinstance(value, dict | list):
        raise bad_request(f"wrong parameter {name} in request")
    return str(value)


def get_chat_id(params: JsonDict) -> int:
    """Return chat_id as an int; channel usernames are not supported by the fake."""
    value = params.get("chat_id")
    if isinstance(value, str) and value.startswith("@"):
        raise bad_request("chat not found")
    return get_int(params, "chat_id")
