"""The bot's command menu: setMyCommands, getMyCommands and deleteMyCommands per scope and language."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram_types import JsonDict, MenuCommand, bad_request

MAX_COMMANDS = 100
MAX_DESCRIPTION_LENGTH = 256
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


class CommandMenu:
    """Command lists keyed by (scope, language_code), validated like Telegram."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, str], list[MenuCommand]] = {}

    def set(self, params: JsonDict) -> bool:
        """Implement setMyCommands."""
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("commands is empty" if commands is None else "can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("too many commands")
        parsed = [_parse_command(item) for item in commands]
        self._lists[_key(params.get("scope"), params.get("language_code"))] = parsed
        return True

    def get(self, params: JsonDict) -> list[JsonDict]:
        """Implement getMyCommands."""
        found = self._lists.get(_key(params.get("scope"), params.get("language_code")), [])
        return [{"command": c.command, "description": c.description} for c in found]

    def delete(self, params: JsonDict) -> bool:
        """Implement deleteMyCommands."""
        self._lists.pop(_key(params.get("scope"), params.get("language_code")), None)
        return True

    def for_scope(self, scope: JsonDict | None = None, language_code: str = "") -> list[MenuCommand]:
        """Return the commands of a scope (the default scope when None) and language."""
        return list(self._lists.get(_key(scope, language_code), []))


def _parse_command(item: Any) -> MenuCommand:
    if not isinstance(item, dict) or not _COMMAND.fullmatch(str(item.get("command", ""))):
        raise bad_request("BOT_COMMAND_INVALID")
    description = item.get("description")
    if not isinstance(description, str) or not 1 <= len(description) <= MAX_DESCRIPTION_LENGTH:
        raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    return MenuCommand(item["command"], description)


def _key(scope: Any, language_code: Any) -> tuple[str, str]:
    scope = scope or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return ",".join(f"{k}={scope[k]}" for k in sorted(scope)), str(language_code or "")
