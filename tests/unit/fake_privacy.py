"""In-memory `casestore.ports.PrivacyRepository`, for `tests/unit/fakes.FakeStore`."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from casestore.errors import ConcurrentUpdate
from casestore.model import Case, CaseState
from casestore.records import HeldCase, StoredEvent
from casestore.redaction import redact, redacted_event_payload

if TYPE_CHECKING:
    from tests.unit.fakes import Tables


class FakePrivacy:
    def __init__(self, t: Tables) -> None:
        self.t = t

    async def due_for_removal(self, *, closed_before: datetime, limit: int) -> list[Case]:
        due = sorted((c for c in self.t.cases.values()
                      if c.redacted_at is None and c.state is CaseState.CLOSED
                      and c.closed_at is not None and c.closed_at <= closed_before),
                     key=lambda c: (c.closed_at, c.id))
        return [copy.deepcopy(c) for c in due[:limit]]

    async def remove_personal_data(self, cases: Sequence[Case]) -> None:
        ids = {c.id for c in cases}
        for case in cases:
            assert case.id is not None
            if self.t.cases[case.id].version != case.version:
                raise ConcurrentUpdate(case.reference)
        self.t.events = [
            StoredEvent(s.id, s.case_id, replace(s.event, payload=new))
            if s.case_id in ids and (new := redacted_event_payload(
                s.event.kind, s.event.actor_id, s.event.payload)) is not None else s
            for s in self.t.events]
        for message_id, m in list(self.t.outbox.items()):
            if m.case_id in ids:
                self.t.outbox[message_id] = replace(m, payload=redact(m.payload))
        self.t.attachments = {k: v for k, v in self.t.attachments.items() if v[1] not in ids}
        for case in cases:
            assert case.id is not None
            case.version += 1
            for e in case.new_events:
                self.t.events.append(StoredEvent(self.t.next_id(), case.id, copy.deepcopy(e)))
            case.new_events.clear()
            self.t.cases[case.id] = copy.deepcopy(case)

    async def naming(self, *, name: str, contact: str) -> list[Case]:
        def may_hold(c: Case) -> bool:
            texts = (c.constituent_name, c.location, c.description, c.ask)
            return (bool(name) and any(name in t.lower() for t in texts)) or (bool(contact) and \
                contact in "".join(c.constituent_contact.split()).lower())
        return [copy.deepcopy(c) for _, c in sorted(self.t.cases.items()) if may_hold(c)]

    async def held(self, case_ids: Sequence[int]) -> list[HeldCase]:
        return [HeldCase(
            copy.deepcopy(self.t.cases[i]),
            [copy.deepcopy(e) for e in self.t.events if e.case_id == i],
            [info for info, owner, _ in self.t.attachments.values() if owner == i],
            [copy.deepcopy(m) for m in self.t.outbox.values() if m.case_id == i])
            for i in sorted(set(case_ids)) if i in self.t.cases]
