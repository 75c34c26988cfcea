"""Fixtures shared by every layer: the demo council, and a store on each database engine.

`store` runs each test on SQLite (a WAL file) and on PostgreSQL at TEST_DATABASE_URL (default:
the local server's `test` database). Each test run gets its own PostgreSQL schema, so parallel
runs do not collide. Under CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import settings as hypothesis_settings

from casestore.casework import Casework
from casestore.config import CouncilConfig, load_council_config
from casestore.db.engine import create_engine
from casestore.db.store import Store
from casestore.db.tables import metadata
from casestore.directory import Directory

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PG_URL = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
T = TypeVar("T")

# CI explores the same examples every run, so a failure there is reproducible here.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if IN_CI:
    hypothesis_settings.load_profile("ci")
SCHEMA = f"t_{os.getpid()}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def config() -> CouncilConfig:
    return load_council_config()


@pytest.fixture(scope="session")
def directory(config: CouncilConfig) -> Directory:
    return Directory.from_config(config)


async def _pg_reachable() -> str | None:
    engine = create_engine(PG_URL)
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql("select 1")
        return None
    except Exception as exc:  # any failure to connect is reported the same way
        return f"{type(exc).__name__}: {exc}"
    finally:
        await engine.dispose()


def run_isolated(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on its own thread and loop, leaving pytest-asyncio's loop alone."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def pg_schema() -> Iterator[str]:
    """Create this run's schema once; drop it at the end."""
    problem = run_isolated(_pg_reachable())
    if problem is not None:
        message = f"PostgreSQL at {PG_URL} is not reachable ({problem})"
        if IN_CI:
            pytest.fail(f"{message}; it is mandatory under CI=true", pytrace=False)
        pytest.skip(message)

    async def run(sql: str) -> None:
        engine = create_engine(PG_URL)
        async with engine.begin() as conn:
            await conn.exec_driver_sql(sql)
        await engine.dispose()

    run_isolated(run(f'CREATE SCHEMA "{SCHEMA}"'))
    yield SCHEMA
    run_isolated(run(f'DROP SCHEMA "{SCHEMA}" CASCADE'))


def pg_engine_for(schema: str):  # type: ignore[no-untyped-def]
    return create_engine(
        PG_URL, connect_args={"server_settings": {"search_path": schema}}, pool_size=20,
        max_overflow=40,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The engine under test; resolving PostgreSQL's schema here keeps it out of the loop."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_schema")
    return str(request.param)


def engine_for(backend: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        return create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}")
    return pg_engine_for(SCHEMA)


@pytest.fixture
async def empty_store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    """A store with no tables: for migration tests."""
    store = Store(engine_for(backend, tmp_path))
    if backend == "postgresql":
        async with store.engine.begin() as conn:
            await conn.run_sync(metadata.drop_all)
            await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    yield store
    await store.dispose()


@pytest.fixture
async def store(empty_store: Store) -> Store:
    await empty_store.create_all()
    return empty_store


@pytest.fixture
def casework(store: Store, config: CouncilConfig, directory: Directory) -> Casework:
    return Casework(store, config, directory)
