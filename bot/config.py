"""Settings read from the environment and a `.env` file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the bot; names are the public contract documented in `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_url: str | None = None
    database_path: Path = Path("data/bot.sqlite3")
    provider_url: str = "https://example-panel.invalid/api/v2"
    provider_key: SecretStr = SecretStr("")
    poll_interval_seconds: float = Field(default=60, gt=0)
    catalog_sync_minutes: float = Field(default=60, gt=0)
    markup_percent: Decimal = Field(default=Decimal(30), ge=0, le=10_000)
    currency: str = Field(default="USD", min_length=1, max_length=8)
    log_level: str = "INFO"
    provider_timeout_seconds: float = Field(default=20, gt=0)
    shutdown_grace_seconds: float = Field(default=15, ge=0, le=600)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        """Accept "1, 2,3" as well as a list."""
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            return frozenset(int(part) for part in parts if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        """Refuse a token that is not `<digits>:<secret>`, as Telegram issues them."""
        raw = value.get_secret_value().strip()
        head, sep, tail = raw.partition(":")
        if not sep or not head.isdigit() or not tail or any(ch.isspace() for ch in raw):
            raise ValueError("must look like 123456:ABC-DEF (the token @BotFather gave you)")
        return SecretStr(raw)

    @field_validator("telegram_api_url", mode="before")
    @classmethod
    def _empty_url_is_none(cls, value: object) -> object:
        """Treat an empty TELEGRAM_API_URL as unset."""
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str):
            return value.strip().rstrip("/")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        """Accept only the standard logging level names."""
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        """Display currency codes in capitals."""
        return value.strip().upper()
