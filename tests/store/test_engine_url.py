"""A PostgreSQL DATABASE_URL may carry libpq's `options` (a schema to use, say): asyncpg does
not read them from a URL, so the engine hands them to it as server settings."""

from __future__ import annotations

import pytest

from casestore.db.engine import _server_settings, create_engine
from tests.conftest import PG_URL


def test_options_become_server_settings_and_leave_the_url() -> None:
    url, settings = _server_settings(
        "postgresql+asyncpg://app@db/cases?options=-csearch_path%3Dcouncil%20-c%20"
        "statement_timeout%3D5000")
    assert url == "postgresql+asyncpg://app@db/cases"
    assert settings == {"search_path": "council", "statement_timeout": "5000"}
    assert _server_settings("postgresql+asyncpg://app@db/cases") == (
        "postgresql+asyncpg://app@db/cases", {})


def test_an_option_that_is_not_a_setting_is_named() -> None:
    with pytest.raises(ValueError, match="-cname=value"):
        _server_settings("postgresql+asyncpg://app@db/cases?options=--verbose")


@pytest.mark.postgres
async def test_the_schema_named_in_the_url_is_the_one_used(pg_schema: str) -> None:
    engine = create_engine(f"{PG_URL}?options=-csearch_path%3D{pg_schema}")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("show search_path")).scalar() == pg_schema
    finally:
        await engine.dispose()
