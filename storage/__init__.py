"""SQLite persistence: one writer connection, one reader connection, numbered migrations."""

from storage.database import Database

__all__ = ["Database"]
