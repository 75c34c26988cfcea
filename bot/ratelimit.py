"""How many messages one person may send the bot in a minute (`RATE_LIMIT_PER_MINUTE`).

A sliding window per person (their Entra ID object id, or Teams id): at most `per_minute`
messages and card actions are handled in any 60 seconds. One over the limit is not handled; the
first of those in a window gets one polite answer and the rest get none, so a flood cannot make
the bot flood back.

The window is kept in this process's memory: with several bot instances behind a load balancer
each instance limits on its own, so a person may get up to `per_minute` handled by each. That
is enough to stop a runaway client or a script, which is what the limit is for.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

WINDOW_S = 60.0
MAX_PEOPLE = 10_000  # windows kept before idle ones are dropped
SLOW_DOWN = ("You're sending messages faster than I can keep up with — please wait a minute "
             "and try again.")


class Verdict(Enum):
    HANDLE = "handle"
    REFUSE_AND_SAY = "refuse-and-say"  # the first refusal in a window: one polite answer
    REFUSE_QUIETLY = "refuse-quietly"


class RateLimit:
    def __init__(self, per_minute: int, *, clock_s: Callable[[], float] = time.monotonic
                 ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1 (0 turns the limit off: no RateLimit)")
        self.per_minute = per_minute
        self.clock_s = clock_s
        self._handled: dict[str, deque[float]] = {}
        self._told_at: dict[str, float] = {}

    def check(self, who: str) -> Verdict:
        """Count a message from `who` if it is within the limit."""
        now = self.clock_s()
        handled = self._handled.get(who)
        if handled is None:
            if len(self._handled) >= MAX_PEOPLE:
                self._forget_idle(now)
            handled = self._handled[who] = deque(maxlen=self.per_minute)
        if len(handled) < self.per_minute or now - handled[0] >= WINDOW_S:
            handled.append(now)
            return Verdict.HANDLE
        told = self._told_at.get(who)
        if told is not None and now - told < WINDOW_S:
            return Verdict.REFUSE_QUIETLY
        self._told_at[who] = now
        return Verdict.REFUSE_AND_SAY

    def _forget_idle(self, now: float) -> None:
        for who in [w for w, times in self._handled.items() if now - times[-1] >= WINDOW_S]:
            del self._handled[who]
            self._told_at.pop(who, None)
        if len(self._handled) >= MAX_PEOPLE:  # all busy: start afresh rather than grow
            self._handled.clear()
            self._told_at.clear()
