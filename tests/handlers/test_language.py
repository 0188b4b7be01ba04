"""Languages end to end: chosen from Telegram's language, switched with /language, kept across restarts."""

from __future__ import annotations

import re

import pytest

from bot import texts
from bot.i18n import use_locale
from storage.orders import OrderStatus
from tests.harness import ADMIN_ID, Shop, place

RU_USER = 5101
UK_USER = 5102
DE_USER = 5103
EN_USER = 5104
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def ru(render: object) -> str:
    """A text as a Russian reader gets it (`render` is a constant's name or a zero-argument callable)."""
    with use_locale("ru"):
        return getattr(texts, render) if isinstance(render, str) else render()  # type: ignore[operator]


async def start(shop: Shop, user_id: int, language_code: str | None) -> str:
    mark = shop.tg.mark()
    await shop.tg.send_text(user_id, "/start", language_code=language_code, first_name="Анна")
    reply = await shop.tg.wait_for_message(user_id, "", since=mark)
    return reply.html


async def test_a_russian_user_gets_russian_greeting_menu_and_balance(shop: Shop) -> None:
    greeting = await start(shop, RU_USER, "ru")
    assert greeting == ru(lambda: texts.welcome("Анна"))
    assert "Welcome" not in greeting and CYRILLIC.search(greeting)
    [menu] = [m for m in shop.tg.messages(RU_USER) if m.reply_keyboard]
    labels = [label for row in menu.reply_keyboard or [] for label in row]
    assert labels == [ru(name) for name in ("BTN_NEW_ORDER", "BTN_BALANCE", "BTN_TOPUP", "BTN_MY_ORDERS")] + [
        ru(name) for name in ("BTN_HISTORY", "BTN_SUPPORT", "BTN_LANGUAGE", "BTN_HELP")
    ]
    assert all(CYRILLIC.search(label) for label in labels)
    # The Russian menu button works like the English one.
    reply = await shop.say(RU_USER, ru("BTN_BALANCE"), "USD")
    assert reply.text == "Баланс: 0.00 USD"
    reply = await shop.say(RU_USER, "/balance", "USD")
    assert reply.text == "Баланс: 0.00 USD"


async def test_telegram_languages_map_to_the_shops_languages(shop: Shop) -> None:
    assert await start(shop, UK_USER, "uk") == ru(lambda: texts.welcome("Анна"))
    greeting = await start(shop, DE_USER, "de")
    assert greeting == texts.welcome("Анна")
    assert (await shop.users.get(UK_USER)).locale == "ru"  # type: ignore[union-attr]
    assert (await shop.users.get(DE_USER)).locale == "en"  # type: ignore[union-attr]


async def test_a_partial_delivery_notice_comes_in_russian(shop: Shop) -> None:
    await start(shop, RU_USER, "ru")
    order = await place(shop, RU_USER, link="https://instagram.com/p/x#partial=300")
    shop.provider.tick(2)
    await shop.poll()
    settled = await shop.orders.get(order.id)
    assert settled is not None and settled.status == OrderStatus.PARTIAL
    notice = await shop.tg.wait_for_message(RU_USER, "0.35 USD")
    assert f"#{order.id}" in notice.text and "700" in notice.text
    assert "Partial" not in notice.text and "delivered" not in notice.text
    assert CYRILLIC.search(notice.text)
    assert "0.35 USD" in notice.text and "Instagram Followers" in notice.text  # amounts and names as they are


async def test_language_switch_changes_the_next_replies_and_survives_a_restart(shop: Shop) -> None:
    await start(shop, RU_USER, "ru")
    choose = await shop.say(RU_USER, "/language", ru("CHOOSE_LANGUAGE"))
    assert choose.labels() == ["English", "Русский"]
    done = await shop.tap(RU_USER, "English", "English")
    assert done.text == texts.language_set("English")
    english_menu = done.reply_keyboard or []
    assert [label for row in english_menu for label in row][:1] == [texts.BTN_NEW_ORDER]
    assert (await shop.say(RU_USER, "/balance", "Balance")).text == "Balance: 0.00 USD"
    await shop.restart()
    assert (await shop.say(RU_USER, "/balance", "USD")).text == "Balance: 0.00 USD"
    # And back, with the menu button and an argument this time.
    await shop.say(RU_USER, f"/language {'русский'}", "Русский")
    assert (await shop.say(RU_USER, "/balance", "USD")).text == "Баланс: 0.00 USD"
    # Telegram's language does not override a choice the user made.
    mark = shop.tg.mark()
    await shop.tg.send_text(RU_USER, "/balance", language_code="en")
    assert (await shop.tg.wait_for_message(RU_USER, "USD", since=mark)).text == "Баланс: 0.00 USD"


async def test_a_forged_language_button_changes_nothing(shop: Shop) -> None:
    from handlers.callbacks import LanguageCb

    await start(shop, EN_USER, "en")
    callback = await shop.tg.press_data(EN_USER, LanguageCb(locale="xx").pack())
    answer = await shop.tg.wait_for_answer(callback)
    assert answer.show_alert and answer.text == texts.STALE_BUTTON
    assert (await shop.users.get(EN_USER)).locale == "en"  # type: ignore[union-attr]
    reply = await shop.say(EN_USER, "/language klingon", "Choose")
    assert reply.labels() == ["English", "Русский"]


async def test_the_command_menu_is_published_in_every_language(shop: Shop) -> None:
    english = shop.tg.menu.for_scope(None, "")
    russian = shop.tg.menu.for_scope(None, "ru")
    assert [c.command for c in english] == [c.command for c in russian] and "language" in [
        c.command for c in english
    ]
    assert [c.description for c in russian] == [text for _, text in ru(texts.commands)]
    assert all(CYRILLIC.search(c.description) for c in russian)
    assert not any(CYRILLIC.search(c.description) for c in english)


async def test_admin_alerts_follow_the_admins_language(shop: Shop) -> None:
    await start(shop, ADMIN_ID, "ru")
    await start(shop, RU_USER, "ru")
    order = await place(shop, RU_USER)
    shop.provider.set_status(order.provider_order_id or "", "Fail")
    for _ in range(3):
        await shop.poll()
    alert = await shop.tg.wait_for_message(ADMIN_ID, f"#{order.id}")
    assert CYRILLIC.search(alert.text) and "needs attention" not in alert.text


async def test_the_apology_for_a_failure_comes_in_the_users_language(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    await start(shop, RU_USER, "ru")

    async def broken(_: int) -> int:
        raise RuntimeError("database exploded")

    monkeypatch.setattr(shop.users, "balance", broken)
    reply = await shop.say(RU_USER, "/balance", ru("ERROR_APOLOGY")[:12])
    assert reply.text == ru("ERROR_APOLOGY") and "exploded" not in reply.text
