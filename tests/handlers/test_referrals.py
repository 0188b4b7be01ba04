"""Referrals end to end: a personal link, rewards paid once per top-up, reversals, what cannot be gamed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storage.ledger import LedgerEntry
from tests.handlers.test_stars import PRESET, buy
from tests.harness import ADMIN_ID, Shop

REFERRER = 1001
FRIEND = 1002
LATE = 1003
STRANGER = 1004


@pytest.fixture
async def growing(shop: Shop) -> Shop:
    """Referral rewards of 10 % and Stars top-ups on."""
    await shop.restart(referral_percent=Decimal(10), stars_rate=Decimal("0.02"))
    return shop


async def code_of(shop: Shop, user_id: int) -> str:
    if await shop.users.get(user_id) is None:
        await shop.register(user_id)
    reply = await shop.say(user_id, "/referral", "Invite friends")
    [link] = [word for word in reply.text.split() if word.startswith("https://t.me/")]
    assert link.startswith("https://t.me/shop_bot?start=ref_")
    code = link.split("ref_", 1)[1]
    assert str(user_id) not in code
    return code


async def referrer_of(shop: Shop, user_id: int) -> int | None:
    value = await shop.db.fetchval("SELECT referrer_id FROM users WHERE id = ?", (user_id,))
    return None if value is None else int(value)


async def rewards(shop: Shop, user_id: int) -> list[LedgerEntry]:
    return [e for e in await shop.ledger.history(user_id, limit=100) if e.ref.startswith("referral")]


async def test_a_friend_through_the_link_earns_the_referrer_a_share_of_each_top_up_once(
    growing: Shop,
) -> None:
    code = await code_of(growing, REFERRER)
    welcome = await growing.say(FRIEND, f"/start ref_{code}", "Welcome")
    assert "ref_" not in welcome.text
    assert await referrer_of(growing, FRIEND) == REFERRER
    # An admin top-up of 10.00 pays 1.00.
    await growing.register(ADMIN_ID)
    mark = growing.tg.mark()
    await growing.say(ADMIN_ID, f"/topup {FRIEND} 10", "Credited")
    notice = await growing.tg.wait_for_message(REFERRER, "you earned", since=mark)
    assert "1.00 USD" in notice.text
    # A Stars top-up of 10.00 pays 1.00 too, and the same payment delivered again pays nothing more.
    payment = await buy(growing, FRIEND, PRESET)
    assert payment.update_id is not None
    await growing.tg.wait_for(
        lambda: len([m for m in growing.tg.messages(REFERRER) if "you earned" in m.text]) == 2,
        description="the second reward notice",
    )
    mark = growing.tg.mark()
    growing.tg.redeliver(payment.update_id)
    await growing.tg.wait_for_message(FRIEND, "already credited", since=mark)
    paid = await rewards(growing, REFERRER)
    assert sorted(e.amount for e in paid) == [100, 100]
    assert await growing.users.balance(REFERRER) == 200
    info = await growing.say(REFERRER, "/referral", "Invite friends")
    assert "Joined through your link: 1" in info.text and "Earned: 2.00 USD" in info.text
    history = await growing.say(REFERRER, "/history", "Wallet history")
    assert "Referral reward" in history.text and str(FRIEND) not in history.text
    stats = await growing.say(ADMIN_ID, "/stats", "Shop statistics")
    assert "Referred users: 1, rewards paid: 2.00 USD" in stats.text


async def test_self_late_and_unknown_referrals_change_nothing(growing: Shop) -> None:
    code = await code_of(growing, REFERRER)
    await growing.say(REFERRER, f"/start ref_{code}", "Welcome")
    assert await referrer_of(growing, REFERRER) is None
    await growing.register(LATE)
    await growing.say(LATE, f"/start ref_{code}", "Welcome")
    assert await referrer_of(growing, LATE) is None
    await growing.say(STRANGER, "/start ref_nosuchcode", "Welcome")
    assert await referrer_of(growing, STRANGER) is None
    await growing.register(ADMIN_ID)
    await growing.say(ADMIN_ID, f"/topup {LATE} 10", "Credited")
    await growing.say(ADMIN_ID, f"/topup {STRANGER} 10", "Credited")
    assert await rewards(growing, REFERRER) == []


async def test_taking_a_top_up_back_takes_its_reward_back_once(growing: Shop) -> None:
    code = await code_of(growing, REFERRER)
    await growing.say(FRIEND, f"/start ref_{code}", "Welcome")
    payment = await buy(growing, FRIEND, PRESET)
    await growing.register(ADMIN_ID)
    await growing.tg.wait_for(lambda: growing.tg.sent_count(REFERRER) >= 3, description="reward notice")
    assert await growing.users.balance(REFERRER) == 100
    await growing.say(ADMIN_ID, f"/refundstars {payment.charge_id}", "Refunded")
    assert await growing.users.balance(REFERRER) == 0
    assert sorted(e.amount for e in await rewards(growing, REFERRER)) == [-100, 100]
    # An admin top-up taken back by /deduct naming it; the referrer spent the reward meanwhile.
    await growing.say(ADMIN_ID, f"/topup {FRIEND} 20", "Credited")
    entry = await growing.db.fetchval(
        "SELECT id FROM ledger WHERE user_id = ? AND kind = 'topup' ORDER BY id DESC LIMIT 1", (FRIEND,)
    )
    card = await growing.say(ADMIN_ID, f"/user {FRIEND}", "Last top-ups")
    assert f"topup:{entry}" in card.text
    await growing.say(ADMIN_ID, f"/deduct {REFERRER} 1.50 spent", "Deducted")
    mark = growing.tg.mark()
    await growing.say(ADMIN_ID, f"/deduct {FRIEND} 20 topup:{entry} chargeback", "Deducted")
    alert = await growing.tg.wait_for_message(ADMIN_ID, "could not be taken back", since=mark)
    assert "1.50 USD" in alert.text and str(REFERRER) in alert.text
    assert await growing.users.balance(REFERRER) == 0
    # Naming it again reverses nothing more; naming another user's top-up is refused.
    await growing.say(ADMIN_ID, f"/topup {REFERRER} 5", "Credited")
    await growing.say(ADMIN_ID, f"/topup {FRIEND} 1", "Credited")  # its own reward: 0.10
    assert await growing.users.balance(REFERRER) == 510
    await growing.say(ADMIN_ID, f"/deduct {FRIEND} 0.01 topup:{entry}", "Deducted")
    assert await growing.users.balance(REFERRER) == 510
    refused = await growing.say(ADMIN_ID, f"/deduct {REFERRER} 1 topup:{entry}", "not a top-up of this user")
    assert "Usage" in refused.text
    assert await growing.users.balance(REFERRER) == 510


async def test_without_a_percent_there_is_no_program(shop: Shop) -> None:
    await shop.register(REFERRER)
    reply = await shop.say(REFERRER, "/referral", "no referral program")
    assert "t.me" not in reply.text
