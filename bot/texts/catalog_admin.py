"""What admins are told about the catalogue and the provider: the sync report, price and currency alerts.

Values that come from the provider are escaped here (`q`). Type names are the provider's own words and
are shown as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.i18n import N_, _, ngettext
from bot.texts.admin import sync_done
from bot.texts.common import q
from bot.wallet.money import format_money

if TYPE_CHECKING:
    from bot.catalog.sync import HiddenType, SyncReport

# Why an entry of the provider's list was skipped (providers.parsing.Unreadable values).
_UNREADABLE: dict[str, str] = {
    "not_an_object": N_("not a service entry"),
    "no_id": N_("no service id"),
    "no_name": N_("no name"),
    "no_rate": N_("no usable rate"),
    "bad_limits": N_("unusable min or max"),
    "min_above_max": N_("min above max"),
    "duplicate": N_("a service id listed twice"),
}
_UNKNOWN_TYPE = N_("{type} (a type this bot does not know)")
_SUBSCRIPTIONS = N_("{type} (never sold: the final charge is open-ended)")

# Stored on the order in English (formatted with its figures) and translated where it is shown.
ATTENTION_PROVIDER_CHARGE = N_(
    "the provider charged {provider_charge} for it, more than the customer paid ({paid}): "
    "check the service's rate (per package?), CURRENCY and the provider's prices"
)


def _bullets(lines: list[str]) -> str:
    return "\n".join(f"  • {line}" for line in lines)


def _hidden_line(item: HiddenType) -> str:
    name = q(item.type_name)
    if item.kind == "unknown":
        name = _(_UNKNOWN_TYPE).format(type=name)
    elif item.kind == "subscriptions":
        name = _(_SUBSCRIPTIONS).format(type=name)
    return f"{name}: {item.count:,}"


def hidden_types(hidden: tuple[HiddenType, ...]) -> str:
    """The services customers cannot see because of their type, by type."""
    total = sum(item.count for item in hidden)
    head = ngettext(
        "🙈 {count} service is hidden from customers because of its type:",
        "🙈 {count} services are hidden from customers because of their type:",
        total,
    ).format(count=f"{total:,}")
    return head + "\n" + _bullets([_hidden_line(item) for item in hidden])


def unreadable_entries(unreadable: Mapping[str, int]) -> str:
    """The entries of the provider's list that were skipped, by reason."""
    total = sum(unreadable.values())
    head = ngettext(
        "⚠️ {count} entry of the provider's list was skipped as unreadable:",
        "⚠️ {count} entries of the provider's list were skipped as unreadable:",
        total,
    ).format(count=f"{total:,}")
    reasons = sorted(unreadable.items(), key=lambda pair: (-pair[1], pair[0]))
    lines = [f"{_(_UNREADABLE.get(reason, reason))}: {count:,}" for reason, count in reasons if count]
    return head + "\n" + _bullets(lines)


def sync_report(report: SyncReport) -> str:
    """The reply to /sync: what changed, what customers cannot see by type, and what was unreadable."""
    counts = report.counts
    parts = [sync_done(counts.added, counts.updated, counts.disabled, counts.unchanged, report.seconds)]
    if report.hidden:
        parts.append(hidden_types(report.hidden))
    if report.unreadable_total:
        parts.append(unreadable_entries(report.unreadable))
    return "\n\n".join(parts)


def provider_charge_above_paid(provider_charge: str, paid: int, currency: str) -> dict[str, str]:
    """The figures of ATTENTION_PROVIDER_CHARGE: the provider's charge as it said it, what was paid."""
    return {"provider_charge": f"{provider_charge} {currency}", "paid": format_money(paid, currency)}


def currency_mismatch(provider_currency: str, shop_currency: str) -> str:
    """The provider's account is in another currency than the shop sells in."""
    return _(
        "⚠️ <b>Currency mismatch</b>: the provider's account is in {provider_currency}, but the shop sells "
        "in {shop_currency} (CURRENCY). Prices are the provider's rates plus the markup, never converted, "
        "so they are wrong until CURRENCY is set to {provider_currency} (or the provider account is "
        "changed)."
    ).format(provider_currency=q(provider_currency), shop_currency=q(shop_currency))
