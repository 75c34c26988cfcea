"""Alembic environment. The app passes its own connection (casestore.db.migrate); the `alembic`
command line gets one from `sqlalchemy.url`."""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context

from casestore.db.engine import create_engine
from casestore.db.tables import metadata

config = context.config
target_metadata = metadata


def run_on(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_url() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.begin() as conn:
        await conn.run_sync(run_on)
    await engine.dispose()


given = config.attributes.get("connection")
if given is not None:
    run_on(given)
else:
    asyncio.run(_run_from_url())
