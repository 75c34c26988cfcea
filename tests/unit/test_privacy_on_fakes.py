"""Retention, erasure and subject access as rules, on the in-memory fakes (milliseconds); the
same behaviour runs on SQLite and PostgreSQL in tests/store/test_retention.py and through the
command line in tests/cli/test_privacy_commands.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.errors import NotPermitted, StillActive
from casestore.model import Actor, ActorKind
from casestore.privacy import Privacy, Subject
from casestore.redaction import REMOVED
from tests.store.helpers import details
from tests.unit.fakes import FakeStore

MICHAEL = Actor("michael-oyelaran", ActorKind.MEMBER)
GARETH = Actor("gareth-prescott", ActorKind.OFFICER)
SUPPORT = Actor("kathryn-pinnington", ActorKind.OFFICER)
T0 = datetime(2026, 11, 23, 10, tzinfo=LONDON)


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def casework(store: FakeStore, council: CouncilConfig, directory: Directory) -> Casework:
    return Casework(store, council, directory)


@pytest.fixture
def privacy(store: FakeStore, council: CouncilConfig, directory: Directory) -> Privacy:
    return Privacy(store, council, directory)


async def raised(cw: Casework, *, close: bool) -> str:
    ref = (await cw.submit(details("lockside", constituent_name="Jane Smith",
                                   constituent_contact="jane@example.org", consent_given=True),
                           member_id=MICHAEL.person_id, actor=MICHAEL, now=T0)).case.reference
    assert ref
    await cw.reply(ref, actor=GARETH, now=T0 + timedelta(hours=2), text="Spoke to Jane")
    if close:
        await cw.close(ref, actor=GARETH, now=T0 + timedelta(days=1), reason="Done")
    return ref


async def test_the_sweep_takes_only_what_is_due_and_only_once(
    casework: Casework, privacy: Privacy, store: FakeStore,
) -> None:
    closed, still_open = await raised(casework, close=True), await raised(casework, close=False)
    due = datetime(2028, 11, 24, 10, tzinfo=LONDON)
    assert await privacy.remove_expired(now=due - timedelta(seconds=1)) == []
    assert await privacy.remove_expired(now=due) == [closed]
    assert await privacy.remove_expired(now=due + timedelta(days=999)) == []
    texts = [e.event.payload.get("text") for e in store.tables.events if e.event.kind == "replied"]
    assert texts.count(REMOVED) == 1 and texts.count("Spoke to Jane") == 1  # the open one's kept
    assert (await casework.view(still_open, actor=MICHAEL, now=due)).constituent_name == \
        "Jane Smith"


async def test_erasure_is_member_supports_all_or_nothing_and_refuses_open_cases_unforced(
    casework: Casework, privacy: Privacy, store: FakeStore,
) -> None:
    closed, still_open = await raised(casework, close=True), await raised(casework, close=False)
    before = len(store.tables.events)
    with pytest.raises(NotPermitted):
        await privacy.erase([closed], actor=GARETH, now=T0, reason="Request 7")
    with pytest.raises(StillActive) as refused:
        await privacy.erase([closed, still_open], actor=SUPPORT, now=T0, reason="Request 7")
    assert refused.value.references == [still_open]
    assert len(store.tables.events) == before  # nothing half-written
    assert await privacy.erase([closed, still_open], actor=SUPPORT, now=T0, reason="Request 7",
                               force=True) == [closed, still_open]
    assert await privacy.erase([closed], actor=SUPPORT, now=T0, reason="Again") == []


async def test_subject_access_finds_the_case_by_name_and_contact_in_any_case(
    casework: Casework, privacy: Privacy,
) -> None:
    ref = await raised(casework, close=False)
    found = await privacy.subject_access(Subject("  JANE   smith", "Jane@Example.org"))
    assert [h.case.reference for h in found.held] == [ref]
    assert [e.event.kind for e in found.held[0].events] == ["submitted", "replied"]
    other = await privacy.subject_access(Subject("Jane Smith", "someone@else.org"))
    assert other.held == [] and [(p.reference, p.why) for p in other.to_check] == [
        (ref, "the name matches but the contact differs")]


async def test_with_no_contact_given_a_namesake_with_a_contact_is_only_to_be_checked(
    casework: Casework, privacy: Privacy,
) -> None:
    ref = await raised(casework, close=True)
    found = await privacy.subject_access(Subject("Jane Smith"))
    assert found.held == []
    assert [(p.reference, p.why) for p in found.to_check] == [
        (ref, "the name matches; no contact was given to check the case's against")]
