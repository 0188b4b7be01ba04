"""Settings read from the environment and a `.env` file."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator
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


def _check_cents(value: Decimal) -> None:
    """Money settings are whole cents: 10.5 is fine, 10.555 is refused."""
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{value} has more than two decimal places")
