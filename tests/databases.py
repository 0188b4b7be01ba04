"""The databases the suite runs on: SQLite files, and PostgreSQL on the local server.

`TEST_DATABASES` (default `sqlite,postgresql`) chooses. For PostgreSQL the run creates a database of its
own on `TEST_POSTGRES_URL` (default: the local server) and drops it at the end; each test gets a schema
of its own in it, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from storage.database import Database, SQLiteDatabase
from storage.postgres import PostgresDatabase

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = tuple(
    name.strip() for name in os.environ.get("TEST_DATABASES", "sqlite,postgresql").split(",") if name.strip()
)

_schemas = itertools.count(1)


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + database))


class PostgresServer:
    """A database of this run's own on the local server; a schema per test."""

    def __init__(self) -> None:
        self.name = f"smm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.url = _with_database(ADMIN_URL, self.name)

    def create(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            # C ordering, as SQLite compares text: the same lists come out in the same order.
            conn.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
                ).format(sql.Identifier(self.name))
            )

    def drop(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))

    def new_schema(self) -> str:
        """A fresh, empty schema; the URL that uses it (as the search path) is returned."""
        schema = f"t{next(_schemas)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        return self.url + "?options=" + quote(f"-csearch_path={schema}")


def reopen(db: Database) -> Database:
    """Another handle on the same database (as a restarted bot would open it)."""
    if isinstance(db, PostgresDatabase):
        return PostgresDatabase(db.url)
    assert isinstance(db, SQLiteDatabase)
    return SQLiteDatabase(db.path)


def database_for(url: str | None, folder: Path) -> Database:
    """The database a test uses: PostgreSQL at `url`, else a new SQLite file in `folder`."""
    return PostgresDatabase(url) if url else SQLiteDatabase(folder / "data" / "test.sqlite3")
