"""Catch up on thread replies the bot missed (it was down, or Teams never delivered them).

For each active case's thread, Graph lists the replies under the thread's root post; an
officer's reply that is not on the case yet is recorded through `Casework.reply` (or
`Casework.note`, with the council's internal prefix), at the time the officer wrote it, with
`message_id` = the Graph message id and the idempotency key `casestore.keys.activity_key(<the
thread's conversation id>, <message id>)`: the key the live officer flow uses, since a Teams
activity id in a channel is that same message id and its conversation is the thread. A reply
recorded live is therefore never recorded twice, and neither is one reconciled on two
instances at once. The message ids already on the cases are checked as well, because the
idempotency keys are forgotten after a month while a long-term case can stay open longer.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casestore.casework import Casework
from casestore.errors import DomainError, NotPermitted
from casestore.graph.client import GraphClient, GraphError, graph_path
from casestore.graph.messages import ThreadMessage, split_internal, thread_message
from casestore.keys import activity_key
from casestore.model import Actor, ActorKind
from casestore.records import Thread, thread_conversation_id

log = logging.getLogger(__name__)

REPLIES_PER_PAGE = "50"  # Graph's maximum for replies


@dataclass
class ReconcileReport:
    threads: int = 0
    pages: int = 0
    recorded: list[tuple[str, str, str]] = field(default_factory=list)  # reference, id, kind
    skipped: Counter[str] = field(default_factory=Counter)
    failed_threads: int = 0

    def line(self) -> str:
        skipped = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items())) or "none"
        return (f"{self.threads} thread(s), {self.pages} page(s) read, "
                f"{len(self.recorded)} missed repl(ies) recorded; skipped: {skipped}; "
                f"{self.failed_threads} thread(s) could not be read")


class Reconciler:
    def __init__(self, casework: Casework, graph: GraphClient) -> None:
        self.casework = casework
        self.graph = graph
        config = casework.config
        self.teams = {s.channel_id: s.team_id for s in config.services}

    async def run(self, *, now: datetime) -> ReconcileReport:
        report = ReconcileReport()
        async with self.casework.store.transaction() as uow:
            threads = await uow.reconcile.open_threads()
            seen = await uow.reconcile.recorded_message_ids(
                sorted({t.case_id for _, t in threads}))
        for reference, thread in threads:
            report.threads += 1
            try:
                messages = await self._replies(thread, report)
            except GraphError as exc:
                report.failed_threads += 1
                log.warning("cannot read the thread of %s in %s: %s", reference,
                            thread.channel_id, exc, extra={"case": reference})
                continue
            for message in messages:
                if message.id in seen:
                    continue
                if await self._record(reference, thread, message, now, report):
                    seen.add(message.id)
        if report.recorded or report.failed_threads:
            log.info("reconciliation: %s", report.line())
        return report

    async def _replies(self, thread: Thread, report: ReconcileReport) -> list[ThreadMessage]:
        team_id = self.teams.get(thread.channel_id)
        if team_id is None:
            raise GraphError(0, thread.channel_id, "unknown_channel",
                             "no service area in the council config has this channel")
        path = graph_path("teams", team_id, "channels", thread.channel_id, "messages",
                          thread.root_message_id, "replies")
        items: list[dict[str, Any]] = []
        async for page in self.graph.pages(path, {"$top": REPLIES_PER_PAGE}):
            report.pages += 1
            items.extend(page)
        return sorted((thread_message(i) for i in items), key=lambda m: (m.created_at, m.id))

    async def _record(self, reference: str, thread: Thread, message: ThreadMessage,
                      now: datetime, report: ReconcileReport) -> bool:
        """Record one reply; True if it is on the case now (recorded, or already there)."""
        if message.skip:
            report.skipped[message.skip] += 1
            return False
        person = self.casework.directory.by_aad_object_id(message.author_aad_id)
        if person is None or person.kind is not ActorKind.OFFICER:
            report.skipped["author not an officer"] += 1
            log.info("reconciliation skipped message %s on %s: author %s is not an officer",
                     message.id, reference, message.author_aad_id)
            return False
        internal, text = split_internal(message.text, self.casework.config.council.internal_prefix)
        record = self.casework.note if internal else self.casework.reply
        thread_scope = thread_conversation_id(thread.channel_id, thread.root_message_id)
        try:
            outcome = await record(
                reference, actor=Actor(person.id, ActorKind.OFFICER),
                now=min(message.created_at, now), text=text, message_id=message.id,
                idempotency_key=activity_key(thread_scope, message.id))
        except NotPermitted:
            report.skipped["author not entitled"] += 1
            log.info("reconciliation skipped message %s on %s: %s may not act on it",
                     message.id, reference, person.id)
            return False
        except DomainError as exc:
            report.skipped[type(exc).__name__] += 1
            log.info("reconciliation skipped message %s on %s: %s", message.id, reference,
                     type(exc).__name__)
            return False
        if not outcome.duplicate:
            report.recorded.append((reference, message.id, "note" if internal else "reply"))
        return True


async def reconcile_replies(casework: Casework, graph: GraphClient, *, now: datetime
                            ) -> ReconcileReport:
    return await Reconciler(casework, graph).run(now=now)
