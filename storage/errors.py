"""Errors raised by the storage layer; handlers turn them into polite replies."""

import sqlite3


class StorageError(Exception):
    """Base class of every storage error."""


class InsufficientFunds(StorageError):
    """A debit would drive a balance below zero; nothing was written."""

    def __init__(self, user_id: int, needed: int, available: int) -> None:
        super().__init__(f"user {user_id} needs {needed} but has {available}")
        self.user_id = user_id
        self.needed = needed
        self.available = available


class UnknownUser(StorageError):
    """The user id is not registered."""

    def __init__(self, user_id: int) -> None:
        super().__init__(f"unknown user {user_id}")
        self.user_id = user_id


class DuplicateEntry(StorageError):
    """A ledger reference was already written: the money moved once before."""

    def __init__(self, ref: str) -> None:
        super().__init__(f"ledger reference {ref!r} already exists")
        self.ref = ref


class Conflict(StorageError):
    """PostgreSQL refused a transaction: a constraint, or a concurrent transaction of another instance
    (a deadlock or a serialization failure). It was rolled back as a whole; the server's error is chained.

    The PostgreSQL adapter raises it in place of the driver's errors, so the one-instance shop never loads
    the driver to recognise them.
    """


# A write refused by a constraint, or by a concurrent transaction of another instance (PostgreSQL): the
# transaction was rolled back as a whole, and trying it again, alone or later, is safe.
CONFLICTS: tuple[type[Exception], ...] = (DuplicateEntry, Conflict, sqlite3.IntegrityError)
