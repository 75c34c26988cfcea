"""Each incoming activity handled once, even when Teams delivers it twice at the same moment.

Before a message is handled, its delivery claims it (`casestore.keys.turn_key`: the activity id
in its conversation) in a committed row. A second delivery of the same activity then finds the
claim and waits while the first is handled, and is dropped once it was answered: the member
gets one answer. The holder renews its lease every third of `lease_s` while it works. If it dies
mid-turn the lease lapses and the next delivery (Teams' redelivery, a client's retry) takes
the claim over and handles the activity, with what the first one changed protected by the use
cases' own keys. A turn that fails releases its claim, so its redelivery is handled afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta

from casestore.ports import Store
from casestore.records import TurnClaim

log = logging.getLogger(__name__)

DEFAULT_LEASE_S = 15.0


class TurnGate:
    def __init__(self, store: Store, clock: Callable[[], datetime], *,
                 lease_s: float = DEFAULT_LEASE_S, poll_s: float = 0.05,
                 max_wait_s: float | None = None, holder: str | None = None) -> None:
        self.store = store
        self.clock = clock
        self.lease_s = lease_s
        self.poll_s = poll_s
        self.max_wait_s = max_wait_s if max_wait_s is not None else 2 * lease_s + 5
        self.holder = holder or f"turns-{uuid.uuid4().hex[:12]}"

    @contextlib.asynccontextmanager
    async def claimed(self, key: str) -> AsyncIterator[bool]:
        """True inside the block if this delivery is the one to handle the activity."""
        if not await self._take(key):
            yield False
            return
        renewing = asyncio.create_task(self._renew(key), name="turn lease")
        try:
            yield True
        except BaseException:
            renewing.cancel()
            with contextlib.suppress(Exception):
                async with self.store.transaction() as uow:
                    await uow.turns.release(key, holder=self.holder)
            raise
        renewing.cancel()
        async with self.store.transaction() as uow:
            await uow.turns.answered(key, holder=self.holder, now=self.clock())

    async def _take(self, key: str) -> bool:
        deadline = time.monotonic() + self.max_wait_s
        while True:
            now = self.clock()
            async with self.store.transaction() as uow:
                state = await uow.turns.take(key, holder=self.holder, now=now,
                                             lease_until=now + timedelta(seconds=self.lease_s))
            if state is TurnClaim.TAKEN:
                return True
            if state is TurnClaim.ANSWERED:
                return False
            if time.monotonic() > deadline:
                log.warning("a delivery waited %.0f s for another to finish; dropped",
                            self.max_wait_s)
                return False
            await asyncio.sleep(self.poll_s)

    async def _renew(self, key: str) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            with contextlib.suppress(Exception):  # the next try, or the lease, covers it
                async with self.store.transaction() as uow:
                    await uow.turns.renew(key, holder=self.holder, lease_until=self.clock()
                                          + timedelta(seconds=self.lease_s))
