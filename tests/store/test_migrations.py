"""The Alembic migrations build exactly the schema the code expects, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from casestore.db import migrate
from casestore.db.store import Store
from casestore.db.tables import metadata


async def test_migrations_match_the_models(empty_store: Store) -> None:
    await migrate.upgrade(empty_store.engine)
    async with empty_store.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), metadata
            )
        )
    assert diff == []
    assert await migrate.current_revision(empty_store.engine) == migrate.head_revision()


async def test_migrating_twice_is_harmless_and_downgrade_empties_the_schema(
    empty_store: Store,
) -> None:
    await migrate.upgrade(empty_store.engine)
    await migrate.upgrade(empty_store.engine)
    await migrate.downgrade(empty_store.engine, "base")
    async with empty_store.engine.connect() as conn:
        tables = await conn.run_sync(
            lambda sync: sync.dialect.get_table_names(sync)
        )
    assert set(tables) <= {"alembic_version"}
