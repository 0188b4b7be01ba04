"""What each kind of service asks the customer for, and what `add` receives.

One table, `KINDS`, drives the order form (its steps), the summary and the placement: per kind, how the
quantity is set and which inputs follow the link, each with the `add` parameter it fills and the shape
its values are checked against (`bot/orders/inputs.py`). A kind not in it (Subscriptions, whose final
charge is open-ended, or a type this bot does not know) is never sold. Parameters follow
smm-api-v2.md §3.2; drip-feed (`runs`, `interval`) is never sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.orders.inputs import Input, Item, parse_input
from bot.orders.validation import InputError
from bot.texts import kinds as words
from providers.base import ServiceKind
from storage.catalog import Service


class QuantityRule(StrEnum):
    ASKED = "asked"  # the customer types it; sent as `quantity`
    COUNTED = "counted"  # the number of lines of the counting input; `quantity` is not sent
    PACKAGE = "package"  # one package; `quantity` is not sent


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: ServiceKind
    quantity: QuantityRule
    inputs: tuple[Input, ...] = ()

    @property
    def sends_quantity(self) -> bool:
        """Whether `add` carries `quantity` (only when the customer chose it)."""
        return self.quantity is QuantityRule.ASKED

    @property
    def params(self) -> tuple[str, ...]:
        """The `add` parameters of the inputs, in the order they are asked."""
        return tuple(spec.param for spec in self.inputs)


MAX_LIST_ITEMS = 100

_COMMENTS = Input("comments", Item.TEXT, words.ASK_COMMENTS, many=True, counts=True)
_PACKAGE_COMMENTS = Input(
    "comments", Item.TEXT, words.ASK_PACKAGE_COMMENTS, many=True, max_items=MAX_LIST_ITEMS
)
_USERNAMES = Input(
    "usernames", Item.USERNAME, words.ASK_MENTION_USERNAMES, many=True, max_items=MAX_LIST_ITEMS
)

KINDS: dict[ServiceKind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(ServiceKind.DEFAULT, QuantityRule.ASKED),
        KindSpec(ServiceKind.PACKAGE, QuantityRule.PACKAGE),
        KindSpec(ServiceKind.CUSTOM_COMMENTS, QuantityRule.COUNTED, (_COMMENTS,)),
        KindSpec(ServiceKind.CUSTOM_COMMENTS_PACKAGE, QuantityRule.PACKAGE, (_PACKAGE_COMMENTS,)),
        KindSpec(
            ServiceKind.POLL,
            QuantityRule.ASKED,
            (Input("answer_number", Item.NUMBER, words.ASK_ANSWER_NUMBER),),
        ),
        KindSpec(
            ServiceKind.COMMENT_LIKES,
            QuantityRule.ASKED,
            (Input("username", Item.USERNAME, words.ASK_COMMENT_AUTHOR),),
        ),
        KindSpec(ServiceKind.MENTIONS, QuantityRule.ASKED, (_USERNAMES,)),
        KindSpec(
            ServiceKind.MENTIONS_WITH_HASHTAGS,
            QuantityRule.ASKED,
            (
                _USERNAMES,
                Input("hashtags", Item.HASHTAG, words.ASK_HASHTAGS, many=True, max_items=MAX_LIST_ITEMS),
            ),
        ),
        KindSpec(
            ServiceKind.MENTIONS_CUSTOM_LIST,
            QuantityRule.COUNTED,
            (Input("usernames", Item.USERNAME, words.ASK_MENTION_LIST, many=True, counts=True),),
        ),
        KindSpec(
            ServiceKind.MENTIONS_HASHTAG,
            QuantityRule.ASKED,
            (Input("hashtag", Item.HASHTAG, words.ASK_HASHTAG),),
        ),
        KindSpec(
            ServiceKind.MENTIONS_USER_FOLLOWERS,
            QuantityRule.ASKED,
            (Input("username", Item.USERNAME, words.ASK_FOLLOWERS_OF),),
        ),
        KindSpec(
            ServiceKind.MENTIONS_MEDIA_LIKERS,
            QuantityRule.ASKED,
            (Input("media", Item.LINK, words.ASK_MEDIA),),
        ),
        KindSpec(
            ServiceKind.INVITES_FROM_GROUPS,
            QuantityRule.ASKED,
            (Input("groups", Item.GROUP, words.ASK_GROUPS, many=True, max_items=MAX_LIST_ITEMS),),
        ),
    )
}


def spec_for(kind: str) -> KindSpec | None:
    """The table entry of a service's kind; None for a kind that is never sold."""
    try:
        return KINDS.get(ServiceKind(kind))
    except ValueError:
        return None


# --- The form's steps ------------------------------------------------------------------------------

LINK = "link"
QUANTITY = "quantity"
Step = str | Input  # LINK, QUANTITY or an input


def steps(spec: KindSpec) -> tuple[Step, ...]:
    """The form's steps for a kind, in order: the link, the quantity if the customer types it, the inputs."""
    head: tuple[Step, ...] = (LINK, QUANTITY) if spec.quantity is QuantityRule.ASKED else (LINK,)
    return head + spec.inputs


def next_step(spec: KindSpec, data: Mapping[str, Any]) -> Step | None:
    """The first step the form's data does not answer yet; None when the summary can be shown.

    A link already in the data (given before the form started) simply skips the link step.
    """
    extra = data.get("extra") or {}
    for step in steps(spec):
        if isinstance(step, Input):
            if step.param not in extra:
                return step
        elif step not in data:
            return step
    return None


def order_quantity(spec: KindSpec, data: Mapping[str, Any]) -> int:
    """The order's quantity once every step is answered: one package, the lines counted, or as typed."""
    return 1 if spec.quantity is QuantityRule.PACKAGE else int(data[QUANTITY])


def order_extra(spec: KindSpec, data: Mapping[str, Any]) -> dict[str, str]:
    """The inputs of the form's data, by `add` parameter, in the table's order."""
    extra = data.get("extra") or {}
    return {param: str(extra[param]) for param in spec.params}


def check_order(spec: KindSpec, service: Service, quantity: int, extra: Mapping[str, str]) -> bool:
    """Whether a summary's quantity and inputs are still right for the service (checked again at Confirm)."""
    if set(extra) != set(spec.params):
        return False
    if spec.quantity is QuantityRule.PACKAGE:
        if quantity != 1:
            return False
    elif not service.min_quantity <= quantity <= service.max_quantity:
        return False
    for item in spec.inputs:
        try:
            value, count = parse_input(item, extra[item.param], service)
        except InputError:
            return False
        if value != extra[item.param] or (item.counts and count != quantity):
            return False
    return True
