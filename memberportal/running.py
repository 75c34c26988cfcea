"""Running a command's work with the context built from the settings, closed afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from memberportal.context import Context
from memberportal.settings import Settings


def with_context(coro_fn: Callable[[Context], Awaitable[int]], settings: Settings) -> int:
    """Build the context, run `coro_fn` with it on a fresh event loop, and close it."""
    async def go() -> int:
        ctx = Context.build(settings)
        try:
            return await coro_fn(ctx)
        finally:
            await ctx.close()
    return asyncio.run(go())
