"""The bot's Telegram Star ledger in the fake Bot API: incoming invoice payments and their refunds."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from tests.fakes.telegram_types import JsonDict


@dataclass(frozen=True)
class StarTransaction:
    """One entry of the ledger: an incoming payment, or its refund under the same id."""

    id: str
    amount: int
    date: int
    user: JsonDict
    payload: str
    refund: bool = False

    @property
    def user_id(self) -> int:
        """Return the id of the paying (or refunded) user."""
        user_id: int = self.user["id"]
        return user_id

    def to_api(self) -> JsonDict:
        """Return the Bot API StarTransaction object."""
        partner = {
            "type": "user",
            "transaction_type": "invoice_payment",
            "user": self.user,
            "invoice_payload": self.payload,
        }
        side = "receiver" if self.refund else "source"
        return {"id": self.id, "amount": self.amount, "date": self.date, side: partner}


class StarLedger:
    """Star transactions in chronological order, as getStarTransactions lists them."""

    def __init__(self) -> None:
        self.transactions: list[StarTransaction] = []
        self._next_charge = 1

    def charge(self, user: JsonDict, amount: int, payload: str) -> StarTransaction:
        """Record an incoming payment under a new charge id ("stxFAKE000001", ...) and return it."""
        payment = StarTransaction(
            id=f"stxFAKE{self._next_charge:06d}",
            amount=amount,
            date=int(time.time()),
            user=dict(user),
            payload=payload,
        )
        self._next_charge += 1
        self.transactions.append(payment)
        return payment

    def payment(self, charge_id: str) -> StarTransaction | None:
        """Return the incoming payment with this charge id, if any."""
        return next((t for t in self.transactions if t.id == charge_id and not t.refund), None)

    def is_refunded(self, charge_id: str) -> bool:
        """Return whether the payment with this charge id was refunded."""
        return any(t.id == charge_id and t.refund for t in self.transactions)

    def refund(self, payment: StarTransaction) -> None:
        """Record the outgoing refund of a payment."""
        self.transactions.append(replace(payment, date=int(time.time()), refund=True))

    def page(self, offset: int, limit: int) -> list[JsonDict]:
        """Return transactions offset..offset+limit as Bot API objects."""
        return [transaction.to_api() for transaction in self.transactions[offset : offset + limit]]

    @property
    def balance(self) -> int:
        """Return the Stars received minus the Stars refunded."""
        return sum(-t.amount if t.refund else t.amount for t in self.transactions)
