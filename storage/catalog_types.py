"""The catalogue's types: a service as the provider describes it, as we store it, categories, sync counts."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ServiceData:
    """One service as the provider describes it (input of a sync)."""

    provider_service_id: str
    category: str
    name: str
    type: str
    rate: Decimal
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    dripfeed: bool
    description: str
    kind: str = "default"  # providers.base.ServiceKind value
    platform: str = "other"  # bot.catalog.platforms key


@dataclass(frozen=True, slots=True)
class Service:
    id: int
    provider: str
    provider_service_id: str
    category_id: int
    category: str
    name: str
    type: str
    rate: Decimal
    min_quantity: int
    max_quantity: int
    refill: bool
    cancel: bool
    dripfeed: bool
    description: str
    markup_percent: Decimal | None
    is_active: bool
    is_enabled: bool
    kind: str = "default"
    platform: str = "other"

    @property
    def orderable_type(self) -> bool:
        """Whether the bot knows how to take an order for this kind of service."""
        return self.kind in ORDERABLE_KINDS

    @property
    def available(self) -> bool:
        """Whether customers may see and order this service."""
        return self.is_active and self.is_enabled and self.orderable_type


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    services: int


@dataclass(frozen=True, slots=True)
class SyncCounts:
    added: int
    updated: int
    disabled: int
    unchanged: int


# The kinds of service (providers.base.ServiceKind values) the bot can take orders for: those of the kind
# table in bot/orders/kinds.py. Never Subscriptions (an open-ended charge) or an unknown type.
ORDERABLE_KINDS: frozenset[str] = frozenset(
    {
        "default", "package", "custom_comments", "custom_comments_package", "poll", "comment_likes",
        "mentions", "mentions_with_hashtags", "mentions_custom_list", "mentions_hashtag",
        "mentions_user_followers", "mentions_media_likers", "invites_from_groups",
    }
)  # fmt: skip
