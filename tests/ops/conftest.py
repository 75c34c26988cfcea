"""Real `memberportal serve` and `worker` processes on a database of their own.

`database_url` gives each test a SQLite file, and on PostgreSQL a database of its own
(`bench_ops_<random>`, dropped afterwards: the `test` database is never filled);
`pg_database_url` the PostgreSQL one only. Under CI=true an unreachable PostgreSQL fails instead
of skipping, as for the store tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import IN_CI, PG_URL, run_isolated
from tests.ops.stack import create_database, drop_database


def _own_postgres_database() -> Iterator[str]:
    name = f"bench_ops_{uuid.uuid4().hex[:10]}"
    try:
        url = run_isolated(create_database(PG_URL, name))
    except Exception as exc:  # any failure to reach the server is reported the same way
        message = f"PostgreSQL at {PG_URL} is not reachable ({type(exc).__name__}: {exc})"
        if IN_CI:
            pytest.fail(f"{message}; it is mandatory under CI=true", pytrace=False)
        pytest.skip(message)
    yield url
    run_isolated(drop_database(PG_URL, name))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ops.sqlite3'}"
        return
    yield from _own_postgres_database()


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    yield from _own_postgres_database()
