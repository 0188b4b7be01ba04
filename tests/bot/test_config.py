"""Settings: parsing, validation, and the one-line start-up error."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings
from storage.instance_lock import AlreadyRunning, instance_lock


def test_settings_from_values() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="123:abc",
        admin_ids="1, 2,3",
        telegram_api_url=" http://127.0.0.1:8081/ ",
        markup_percent="12.5",
    )
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.markup_percent == Decimal("12.5")
    assert settings.poll_interval_seconds == 60 and settings.currency == "USD"
    assert "abc" not in repr(settings)


def test_empty_admin_ids_and_url() -> None:
    settings = Settings(_env_file=None, bot_token="1:x", admin_ids="", telegram_api_url="")  # type: ignore[call-arg]
    assert settings.admin_ids == frozenset() and settings.telegram_api_url is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bot_token", "no-colon"),
        ("bot_token", "abc:def"),
        ("admin_ids", "1,x"),
        ("poll_interval_seconds", "0"),
        ("markup_percent", "-1"),
        ("log_level", "LOUD"),
    ],
)
def test_invalid_values_are_refused(field: str, value: str) -> None:
    values = {"bot_token": "1:x", field: value}
    with pytest.raises(ValidationError):
        Settings(_env_file=None, **values)  # type: ignore[arg-type]


def _run_bot(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "PROVIDER_", "ADMIN_", "TELEGRAM_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        env={**clean, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_missing_token_is_one_clear_line_and_exit_code_2(tmp_path: Path) -> None:
    result = _run_bot(tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "BOT_TOKEN" in lines[0] and ".env.example" in lines[0]
    assert "Traceback" not in result.stderr


def test_invalid_setting_names_the_variable_without_echoing_secrets(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, BOT_TOKEN="123:secret-value", POLL_INTERVAL_SECONDS="soon")
    assert result.returncode == 2
    assert "POLL_INTERVAL_SECONDS" in result.stderr and "secret-value" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("BOT_TOKEN=42:from-file\nADMIN_IDS=7\n", encoding="utf-8")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.delenv("ADMIN_IDS", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()  # type: ignore[call-arg]
    assert settings.bot_token.get_secret_value() == "42:from-file" and settings.admin_ids == frozenset({7})


def test_a_second_bot_on_the_same_database_refuses_to_start(tmp_path: Path) -> None:
    database = tmp_path / "data" / "shop.sqlite3"
    with instance_lock(database):
        result = _run_bot(tmp_path, BOT_TOKEN="123:secret-value", DATABASE_PATH=str(database))
    assert result.returncode == 3
    assert "already running" in result.stderr and str(database) in result.stderr
    assert "Traceback" not in result.stderr and "secret-value" not in result.stderr


def test_the_instance_lock_is_exclusive_and_released(tmp_path: Path) -> None:
    database = tmp_path / "shop.sqlite3"
    with instance_lock(database), pytest.raises(AlreadyRunning), instance_lock(database):
        pass
    with instance_lock(database) as lock_path:
        assert lock_path == tmp_path / "shop.sqlite3.lock"


def test_stars_settings_parse_and_default() -> None:
    off = Settings(_env_file=None, bot_token="1:x", stars_rate="")  # type: ignore[call-arg]
    assert off.stars_rate is None
    assert off.topup_presets == (Decimal(5), Decimal(10), Decimal(25), Decimal(50))
    assert (off.topup_min, off.topup_max) == (Decimal(1), Decimal(1000))
    on = Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token="1:x",
        stars_rate="0.013",
        topup_presets="20, 2.50,20",
        topup_min="2.5",
        topup_max="20",
    )
    assert on.stars_rate == Decimal("0.013")
    assert on.topup_presets == (Decimal("2.50"), Decimal(20))


@pytest.mark.parametrize(
    ("values", "name"),
    [
        ({"STARS_RATE": "0"}, "STARS_RATE"),
        ({"STARS_RATE": "-0.02"}, "STARS_RATE"),
        ({"STARS_RATE": "two cents"}, "STARS_RATE"),
        ({"STARS_RATE": "NaN"}, "STARS_RATE"),
        ({"TOPUP_MIN": "10", "TOPUP_MAX": "5"}, "TOPUP_MAX"),
        ({"TOPUP_MIN": "0.001"}, "TOPUP_MIN"),
        ({"TOPUP_PRESETS": "5,2000"}, "TOPUP_PRESETS"),
        ({"TOPUP_PRESETS": "5,ten"}, "TOPUP_PRESETS"),
        ({"TOPUP_PRESETS": ""}, "TOPUP_PRESETS"),
        ({"TOPUP_PRESETS": "1,2,3,4,5,6,7,8,9"}, "TOPUP_PRESETS"),
    ],
)
def test_bad_stars_settings_are_refused_by_name(values: dict[str, str], name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(_env_file=None, bot_token="1:x", **{k.lower(): v for k, v in values.items()})  # type: ignore[arg-type]
    assert caught.value.errors()[0]["loc"][0] == name.lower()


def test_a_bad_stars_setting_stops_the_bot_with_one_line(tmp_path: Path) -> None:
    result = _run_bot(tmp_path, BOT_TOKEN="123:secret-value", TOPUP_MIN="10", TOPUP_MAX="5")
    assert result.returncode == 2, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "TOPUP_MAX" in line and "TOPUP_MIN" in line and "secret-value" not in line


def test_redis_url_is_optional_secret_and_checked() -> None:
    assert Settings(_env_file=None, bot_token="1:x", redis_url=" ").redis_url is None  # type: ignore[call-arg]
    settings = Settings(_env_file=None, bot_token="1:x", redis_url="redis://:hunter2@127.0.0.1:6379/0")  # type: ignore[call-arg]
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == "redis://:hunter2@127.0.0.1:6379/0"
    assert "hunter2" not in repr(settings)
    with pytest.raises(ValidationError, match="redis_url"):
        Settings(_env_file=None, bot_token="1:x", redis_url="http://127.0.0.1:6379")  # type: ignore[call-arg]
