"""Engines for the two supported databases: SQLite (WAL, the embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///memberportal.db"


def normalise_url(url: str) -> str:
    """Accept the usual spellings and pick the async driver: asyncpg or aiosqlite."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    else:
        raise ValueError(f"DATABASE_URL must be a sqlite or postgresql URL (got {backend!r})")
    return parsed.render_as_string(hide_password=False)


READ_ONLY = "member_enquiries_read_only"
BUSY_TIMEOUT_MS = 5000  # another process's write transaction; ours queue on Store's lock


def create_engine(url: str = DEFAULT_DATABASE_URL, **kwargs: Any) -> AsyncEngine:
    """An async engine. Statement parameters are kept out of error messages and logs: they
    hold constituents' details."""
    url = normalise_url(url)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, **kwargs)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    url, settings = _server_settings(url)
    if settings:
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args["server_settings"] = {**settings,
                                           **connect_args.get("server_settings", {})}
        kwargs["connect_args"] = connect_args
    return create_async_engine(url, **kwargs)


def _server_settings(url: str) -> tuple[str, dict[str, str]]:
    """libpq's `options` in a PostgreSQL URL (`?options=-csearch_path%3Dcases`: the schema to
    use, say) as asyncpg's server settings, which asyncpg does not read from a URL itself."""
    parsed = make_url(url)
    options = parsed.query.get("options")
    if not options:
        return url, {}
    text = options if isinstance(options, str) else " ".join(options)
    settings: dict[str, str] = {}
    for part in text.replace("-c ", "-c").split():
        key, sep, value = part.removeprefix("-c").partition("=")
        if not part.startswith("-c") or not sep or not key:
            raise ValueError(f"DATABASE_URL options must be -cname=value settings (got {part!r})")
        settings[key] = value
    return parsed.difference_update_query(["options"]).render_as_string(
        hide_password=False), settings


def _sqlite_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE so that two writers queue
    instead of failing with 'database is locked' when a read upgrades to a write."""
    database = make_url(url).database or ""
    if database and ":memory:" not in url and "?" not in url:
        kwargs.setdefault("async_creator", partial(_inline_connection, database))
    if ":memory:" not in url and "mode=memory" not in url:
        # A fixed pool: connections (each an aiosqlite thread, WAL pragmas) are made once,
        # never opened and closed per turn as overflow connections are under load. Every unit
        # of work ends in COMMIT or ROLLBACK itself, so check-in needs no extra ROLLBACK.
        kwargs.setdefault("pool_size", 24)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_reset_on_return", None)
    engine = create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        if ":memory:" not in url and "mode=memory" not in url:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # a read-only unit of work (Store.read) takes no write lock: WAL readers never wait
        readonly = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


class InlineSqliteConnection(aiosqlite.Connection):
    """An aiosqlite connection whose statements run on the event loop's own thread.

    aiosqlite hands every call (cursor, execute, fetch, close: four per statement) to a worker
    thread and back; a listing of ten cases took about 22 such hops, 2.6 ms, where SQLite's own
    work is tens of microseconds. Here only connecting and closing use the thread. This is safe
    because a statement in WAL mode never waits for a reader, and writers in this process queue
    on `Store`'s lock before they begin, so `BEGIN IMMEDIATE` only waits (up to the busy timeout)
    for a writer in another process, such as a CLI command.
    """

    async def _execute(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        if self._connection is None:
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        return fn(*args, **kwargs)


async def _inline_connection(database: str) -> aiosqlite.Connection:
    def connector() -> sqlite3.Connection:
        return sqlite3.connect(database, check_same_thread=False)

    return await InlineSqliteConnection(connector, 64)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def dialect_insert(conn: AsyncConnection) -> Any:
    """The dialect's `insert` (both have `on_conflict_do_nothing` / `_do_update`)."""
    return pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
