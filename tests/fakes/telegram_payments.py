"""Telegram Stars payments in the fake Bot API: invoices, pre-checkout queries and refunds.

`StarPayments` is a component of `FakeBotApi` (as `api.payments`): its `METHODS` join the dispatch table,
and `FakeTelegram` exposes its user-side operations (pay, pre_checkout, refund_elsewhere). Money moves
in its `StarLedger` (tests.fakes.telegram_star_ledger).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from tests.fakes.telegram_invoice import XTR, parse_invoice, parse_invoice_markup
from tests.fakes.telegram_params import get_bool, get_int, get_str
from tests.fakes.telegram_star_ledger import StarLedger, StarTransaction
from tests.fakes.telegram_types import (
    QUERY_TOO_OLD,
    ChatState,
    JsonDict,
    StoredMessage,
    bad_request,
)

if TYPE_CHECKING:
    from tests.fakes.telegram_api import FakeBotApi

MAX_TRANSACTIONS_PER_PAGE = 100


@dataclass(frozen=True)
class PreCheckoutAnswer:
    """An accepted answerPreCheckoutQuery call."""

    query_id: str
    ok: bool
    error_message: str | None


@dataclass(frozen=True)
class Payment:
    """The outcome of FakeTelegram.pay(): ok with a charge id, or refused with the bot's error message."""

    ok: bool
    total_amount: int
    payload: str
    charge_id: str | None = None
    error_message: str | None = None
    update_id: int | None = None  # of the successful_payment update; None when refused or not delivered


@dataclass
class _PreCheckoutQuery:
    created: float
    answer: PreCheckoutAnswer | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)  # set by any answer, even a late one


class StarPayments:
    """Invoices, pre-checkout queries and refunds of one fake bot, over its Star ledger."""

    # Canonical method name → implementation attribute of this component.
    METHODS: ClassVar[dict[str, str]] = {
        "sendInvoice": "send_invoice",
        "answerPreCheckoutQuery": "answer_pre_checkout_query",
        "refundStarPayment": "refund_star_payment",
        "getStarTransactions": "get_star_transactions",
    }

    def __init__(self, api: FakeBotApi, *, pre_checkout_timeout: float, emit_refunded_payments: bool) -> None:
        self.pre_checkout_timeout = pre_checkout_timeout
        self.emit_refunded_payments = emit_refunded_payments
        self.answers: list[PreCheckoutAnswer] = []
        self.ledger = StarLedger()
        self._api = api
        self._queries: dict[str, _PreCheckoutQuery] = {}
        self._next_query = 1

    # ----------------------------------------------------------------- Bot API methods

    def send_invoice(self, params: JsonDict) -> JsonDict:
        """sendInvoice: validate like sendMessage plus the Stars rules; store and return the message."""
        api = self._api
        chat = api._target_chat(params)
        invoice = parse_invoice(params)
        markup = parse_invoice_markup(params.get("reply_markup"))
        api._check_reply_target(chat, params)
        api._throttle(chat.chat_id, count_global=True)
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            from_bot=True,
            text="",
            html="",
            markup=markup,
            revision=api._next_revision(),
            invoice=invoice,
        )
        chat.messages[message.message_id] = message
        return api.message_object(chat, message)

    def answer_pre_checkout_query(self, params: JsonDict) -> bool:
        """answerPreCheckoutQuery: accept one answer per query, within pre_checkout_timeout seconds."""
        query_id = get_str(params, "pre_checkout_query_id") or ""
        ok = get_bool(params, "ok")
        error_message = None if ok else get_str(params, "error_message")
        if not ok and not error_message:
            raise bad_request('parameter "error_message" is required')
        query = self._queries.get(query_id)
        if query is None or query.answer is not None:
            raise bad_request(QUERY_TOO_OLD)
        query.answered.set()
        if self._api._clock() - query.created > self.pre_checkout_timeout:
            raise bad_request(QUERY_TOO_OLD)
        query.answer = PreCheckoutAnswer(query_id, ok, error_message)
        self.answers.append(query.answer)
        return True

    def refund_star_payment(self, params: JsonDict) -> bool:
        """refundStarPayment: refund a payment of this user once; optionally queue refunded_payment."""
        user_id = get_int(params, "user_id")
        charge_id = get_str(params, "telegram_payment_charge_id")
        if not charge_id:
            raise bad_request('parameter "telegram_payment_charge_id" is required')
        payment = self.ledger.payment(charge_id)
        if payment is None or payment.user_id != user_id:
            raise bad_request("CHARGE_NOT_FOUND")
        if self.ledger.is_refunded(charge_id):
            raise bad_request("CHARGE_ALREADY_REFUNDED")
        self.ledger.refund(payment)
        if self.emit_refunded_payments:
            self._announce_refund(payment)
        return True

    def get_star_transactions(self, params: JsonDict) -> JsonDict:
        """getStarTransactions: a page of the ledger, oldest first (offset and limit clamped as Telegram)."""
        offset = max(0, get_int(params, "offset", default=0))
        limit = min(MAX_TRANSACTIONS_PER_PAGE, max(1, get_int(params, "limit", default=100)))
        return {"transactions": self.ledger.page(offset, limit)}

    # ----------------------------------------------------------------- the users' side

    async def pay(self, user_id: int, *, message_id: int | None, deliver: bool, timeout: float) -> Payment:
        """Pay an invoice as the user: a pre-checkout query, then (if the bot agrees) the charge."""
        chat = self._chat(user_id)
        message = self._invoice_message(chat, message_id)
        invoice = message.invoice
        assert invoice is not None
        query_id = self._open_query(chat, invoice.currency, invoice.total_amount, invoice.payload)
        answer = await self._await_answer(query_id, timeout)
        if not answer.ok:
            return Payment(False, invoice.total_amount, invoice.payload, error_message=answer.error_message)
        payment = self.ledger.charge(chat.user, invoice.total_amount, invoice.payload)
        update_id = None
        if deliver:
            update_id = self._user_message(
                chat,
                {
                    "successful_payment": {
                        "currency": invoice.currency,
                        "total_amount": invoice.total_amount,
                        "invoice_payload": invoice.payload,
                        "telegram_payment_charge_id": payment.id,
                        "provider_payment_charge_id": "",
                    }
                },
            )
        return Payment(True, invoice.total_amount, invoice.payload, charge_id=payment.id, update_id=update_id)

    async def pre_checkout(
        self, user_id: int, *, payload: str, total_amount: int, currency: str, timeout: float
    ) -> PreCheckoutAnswer:
        """Send a raw pre-checkout query and return the bot's answer; no payment follows."""
        query_id = self._open_query(self._api._ensure_chat(user_id), currency, total_amount, payload)
        return await self._await_answer(query_id, timeout)

    def refund_elsewhere(self, charge_id: str) -> int:
        """Refund a payment outside the bot and queue the refunded_payment message; return its update_id."""
        payment = self.ledger.payment(charge_id)
        if payment is None:
            raise AssertionError(f"no Star payment {charge_id!r}")
        if self.ledger.is_refunded(charge_id):
            raise AssertionError(f"Star payment {charge_id!r} is already refunded")
        self.ledger.refund(payment)
        return self._announce_refund(payment)

    # ----------------------------------------------------------------- helpers

    def _chat(self, user_id: int) -> ChatState:
        chat = self._api._chats.get(user_id)
        if chat is None:
            raise AssertionError(f"user {user_id} has no chat with the bot")
        return chat

    def _invoice_message(self, chat: ChatState, message_id: int | None) -> StoredMessage:
        invoices = [
            m
            for m in chat.messages.values()
            if m.from_bot and m.invoice is not None and message_id in (None, m.message_id)
        ]
        if not invoices:
            where = "" if message_id is None else f" in message {message_id}"
            raise AssertionError(f"no invoice for user {chat.user['id']}{where}")
        return invoices[-1]

    def _open_query(self, chat: ChatState, currency: str, total_amount: int, payload: str) -> str:
        query_id = str(5_000_000_000_000_000 + self._next_query)
        self._next_query += 1
        self._queries[query_id] = _PreCheckoutQuery(created=self._api._clock())
        self._api.updates.put(
            {
                "pre_checkout_query": {
                    "id": query_id,
                    "from": chat.user,
                    "currency": currency,
                    "total_amount": total_amount,
                    "invoice_payload": payload,
                }
            }
        )
        return query_id

    async def _await_answer(self, query_id: str, timeout: float) -> PreCheckoutAnswer:
        query = self._queries[query_id]
        try:
            async with asyncio.timeout(timeout):
                await query.answered.wait()
        except TimeoutError:
            allowed = self._api.updates.allowed_updates
            hint = (
                f"; allowed_updates={allowed} drops pre_checkout_query"
                if allowed and "pre_checkout_query" not in allowed
                else ""
            )
            raise AssertionError(
                f"the bot did not answer pre-checkout query {query_id} within {timeout}s{hint}"
            ) from None
        if query.answer is None:
            raise AssertionError(
                f"the bot answered pre-checkout query {query_id} after the {self.pre_checkout_timeout}s "
                "Telegram waits; the checkout failed"
            )
        return query.answer

    def _announce_refund(self, payment: StarTransaction) -> int:
        refunded = {
            "currency": XTR,
            "total_amount": payment.amount,
            "invoice_payload": payment.payload,
            "telegram_payment_charge_id": payment.id,
        }
        return self._user_message(self._api._ensure_chat(payment.user_id), {"refunded_payment": refunded})

    def _user_message(self, chat: ChatState, service: JsonDict) -> int:
        """Store a service message from the user and queue it as a message update; return the update_id."""
        message = StoredMessage(
            message_id=chat.allocate_message_id(),
            date=int(time.time()),
            from_bot=False,
            text="",
            html="",
            revision=self._api._next_revision(),
            service=service,
            sender=chat.user,
        )
        chat.messages[message.message_id] = message
        return self._api.updates.put({"message": self._api.message_object(chat, message)})
