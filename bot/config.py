"""Settings read from the environment and a `.env` file."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the bot; names are the public contract documented in `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    telegram_api_url: str | None = None
    database_path: Path = Path("data/bot.sqlite3")
    # PostgreSQL for several instances (postgresql://user:password@host:5432/db); empty = SQLite at
    # DATABASE_PATH. Secret: it may hold a password.
    database_url: SecretStr | None = None
    # Redis for several instances (redis://[:password@]host:6379/0): conversation state, the per-user
    # update lock and job leadership, shared by all of them; empty = in the database, for one. Secret.
    redis_url: SecretStr | None = None
    provider_url: str = "https://example-panel.invalid/api/v2"
    provider_key: SecretStr = SecretStr("")
    poll_interval_seconds: float = Field(default=60, gt=0)
    catalog_sync_minutes: float = Field(default=60, gt=0)
    markup_percent: Decimal = Field(default=Decimal(30), ge=0, le=10_000)
    currency: str = Field(default="USD", min_length=1, max_length=8)
    log_level: str = "INFO"
    provider_timeout_seconds: float = Field(default=20, gt=0)
    shutdown_grace_seconds: float = Field(default=15, ge=0, le=600)
    # Telegram Stars top-ups: CURRENCY per Star; unset turns them off. Amounts are in CURRENCY.
    stars_rate: Decimal | None = Field(default=None, gt=0, le=1000)
    topup_min: Decimal = Field(default=Decimal(1), gt=0, le=1_000_000)
    topup_max: Decimal = Field(default=Decimal(1000), gt=0, le=1_000_000)
    topup_presets: Annotated[tuple[Decimal, ...], NoDecode] = (
        Decimal(5),
        Decimal(10),
        Decimal(25),
        Decimal(50),
    )
    # How customers reach the shop (e.g. "@shop_support"), shown by /topup without Stars and /paysupport.
    support_contact: str = Field(default="", max_length=64)
    # Referral rewards: this percent of every top-up of a referred user goes to whoever brought them (0: off).
    referral_percent: Decimal = Field(default=Decimal(0), ge=0, le=100)
    # Where support tickets go: a group (with forum topics, one topic per ticket); unset = every admin.
    support_chat_id: int | None = None
    # The whole /paysupport answer, replacing the default one (HTML allowed, as the owner writes it).
    paysupport_text: str = Field(default="", max_length=2000)
    # Webhook mode: Telegram POSTs updates to WEBHOOK_URL (several instances may share it); unset = polling.
    webhook_url: str | None = None
    # Checked on every webhook request (X-Telegram-Bot-Api-Secret-Token); required with WEBHOOK_URL.
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    # Where this instance listens in webhook mode, usually behind a TLS-terminating proxy.
    webhook_host: str = "0.0.0.0"  # noqa: S104 - a container's port is reached from outside it
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # "text" for people, "json" (one object per line) for log collectors.
    log_format: Literal["text", "json"] = "text"

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_database_url(cls, value: object) -> object:
        """Empty means SQLite; otherwise a postgresql:// (or postgres://) URL."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or (isinstance(text, str) and not text.strip()):
            return None
        if not isinstance(text, str) or not text.strip().startswith(("postgresql://", "postgres://")):
            raise ValueError("must be a PostgreSQL URL such as postgresql://bot@127.0.0.1:5432/shop")
        return text.strip()

    @field_validator("redis_url", mode="before")
    @classmethod
    def _check_redis_url(cls, value: object) -> object:
        """Empty means no Redis; otherwise a redis://, rediss:// or unix:// URL."""
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if text is None or (isinstance(text, str) and not text.strip()):
            return None
        if not isinstance(text, str) or not text.strip().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a Redis URL such as redis://127.0.0.1:6379/0")
        return text.strip()

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

    @field_validator("stars_rate", mode="before")
    @classmethod
    def _empty_rate_is_none(cls, value: object) -> object:
        """An empty STARS_RATE turns Stars top-ups off."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("stars_rate", "topup_min", "topup_max")
    @classmethod
    def _plain_decimal(cls, value: Decimal | None) -> Decimal | None:
        """Refuse NaN, infinities and amounts finer than a cent where money is meant."""
        if value is not None and not value.is_finite():
            raise ValueError("must be a plain number")
        return value

    @field_validator("topup_max")
    @classmethod
    def _max_above_min(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        """TOPUP_MAX may not be below TOPUP_MIN."""
        low = info.data.get("topup_min")
        if low is not None and value < low:
            raise ValueError(f"must not be below TOPUP_MIN ({low})")
        _check_cents(value)
        return value

    @field_validator("topup_min")
    @classmethod
    def _min_in_cents(cls, value: Decimal) -> Decimal:
        _check_cents(value)
        return value

    @field_validator("topup_presets", mode="before")
    @classmethod
    def _split_presets(cls, value: object) -> object:
        """Accept "5, 10,25" as well as a list."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("topup_presets")
    @classmethod
    def _presets_in_range(cls, value: tuple[Decimal, ...], info: ValidationInfo) -> tuple[Decimal, ...]:
        """Between one and eight distinct amounts, each within TOPUP_MIN..TOPUP_MAX, shown in order."""
        if not 1 <= len(value) <= 8:
            raise ValueError("give from 1 to 8 amounts, comma-separated")
        low, high = info.data.get("topup_min"), info.data.get("topup_max")
        for amount in value:
            if not amount.is_finite():
                raise ValueError(f"{amount} is not a plain number")
            _check_cents(amount)
            if low is not None and high is not None and not low <= amount <= high:
                raise ValueError(f"{amount} is outside TOPUP_MIN..TOPUP_MAX ({low}..{high})")
        return tuple(sorted(set(value)))

    @field_validator("support_chat_id", mode="before")
    @classmethod
    def _empty_chat_is_none(cls, value: object) -> object:
        """An empty SUPPORT_CHAT_ID sends tickets to every admin."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("support_contact", "paysupport_text")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

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

    @field_validator("webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """Strip the value; an empty WEBHOOK_URL or WEBHOOK_SECRET is unset."""
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        """Accept JSON as well as json; empty means text."""
        if isinstance(value, str):
            return value.strip().lower() or "text"
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        """Telegram posts to https:// only; http:// is accepted for this machine (tests, a local Bot API)."""
        if value is None:
            return None
        parts = urlsplit(value)
        if not parts.hostname or parts.scheme not in {"http", "https"}:
            raise ValueError("must be a full URL such as https://shop.example/telegram/webhook")
        if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
            raise ValueError("must start with https:// (Telegram posts updates over HTTPS only)")
        if url_path(value) in HEALTH_PATHS:
            raise ValueError(f"its path must not be one of the health endpoints {', '.join(HEALTH_PATHS)}")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        """Required with WEBHOOK_URL; Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -."""
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError(f"must be set when WEBHOOK_URL is set ({_ALLOWED_CHARACTERS})")
            return None
        if not _WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError(f"must be {_ALLOWED_CHARACTERS}")  # the value itself is never echoed
        return value

    @property
    def postgres_url(self) -> str | None:
        """DATABASE_URL as a plain string (it holds a password: never log it); None for SQLite."""
        return None if self.database_url is None else self.database_url.get_secret_value()

    @property
    def webhook_path(self) -> str:
        """The path this instance serves updates on: WEBHOOK_URL's path ("/" when it has none)."""
        return url_path(self.webhook_url or "")


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HEALTH_PATHS = ("/healthz", "/readyz")
_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
_ALLOWED_CHARACTERS = "1-256 characters: A-Z, a-z, 0-9, _ and -"


def url_path(url: str) -> str:
    """Return the path of a URL, "/" when it has none."""
    return urlsplit(url).path or "/"


def _check_cents(value: Decimal) -> None:
    """Money settings are whole cents: 10.5 is fine, 10.555 is refused."""
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{value} has more than two decimal places")
