"""Retention on a real database (SQLite and PostgreSQL): N months after a case closes, the
nightly sweep removes its constituent's details, keeps its events (with their typed text
removed) and records the removal as an event; it is an indexed query, idempotent, done in
batches, and logs references only. The clock moves; nothing sleeps."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.db.tables import attachments, case_events, outbox
from casestore.model import Actor, ActorKind, CaseState
from casestore.privacy import Privacy
from casestore.redaction import REMOVED
from casestore.replay import rebuilt, replay
from scheduler.runner import Jobs, build_scheduler
from tests.store.helpers import details

MICHAEL = Actor("michael-oyelaran", ActorKind.MEMBER)
GARETH = Actor("gareth-prescott", ActorKind.OFFICER)
OPENED = datetime(2026, 11, 23, 10, tzinfo=LONDON)  # Monday
CLOSED = datetime(2026, 12, 7, 10, tzinfo=LONDON)
DUE = datetime(2028, 12, 7, 10, tzinfo=LONDON)  # 24 months after closing (the demo council)
PERSONAL = ("Jane Smith", "07700 900123", "3 Mill Lane", "the Smiths' drive",
            "Mrs Smith's neighbour", "smith-drive.png")


def privacy(cw: Casework) -> Privacy:
    return Privacy(cw.store, cw.config, cw.directory)


async def closed_case(cw: Casework, *, closed_at: datetime = CLOSED) -> str:
    """A closed case full of the constituent's details: in its fields, its events' typed text,
    a file, and the outbox rows its events queued."""
    outcome = await cw.submit(
        details("lockside", constituent_name="Jane Smith", constituent_contact="07700 900123",
                consent_given=True, location="3 Mill Lane",
                description="A pothole across the Smiths' drive", search_term="Smith drive"),
        member_id=MICHAEL.person_id, actor=MICHAEL, now=OPENED)
    ref = outcome.case.reference or ""
    await cw.acknowledge(ref, actor=GARETH, now=OPENED + timedelta(hours=1))
    await cw.reply(ref, actor=GARETH, now=OPENED + timedelta(days=1),
                   text="We spoke to Mrs Smith's neighbour.")
    await cw.add_attachment(ref, actor=MICHAEL, now=OPENED + timedelta(days=1),
                            filename="smith-drive.png", content_type="image/png",
                            content=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR picture")
    await cw.final_response(ref, actor=GARETH, now=closed_at - timedelta(days=1),
                            text="Repaired outside 3 Mill Lane.")
    await cw.rate(ref, actor=MICHAEL, now=closed_at - timedelta(hours=2), score=5,
                  comment="Jane Smith is delighted")
    await cw.close(ref, actor=MICHAEL, now=closed_at, reason="Sorted for the Smiths' drive")
    return ref


async def everything_stored(cw: Casework, reference: str) -> str:
    """Every stored text about the case, in one string."""
    async with cw.store.read() as uow:
        case = await uow.cases.get(reference)
        assert case.id is not None
        [held] = await uow.privacy.held([case.id])
    return repr((case, held.events, held.files, held.messages))


async def test_the_sweep_removes_the_details_n_months_after_closing_and_not_before(
    casework: Casework,
) -> None:
    ref = await closed_case(casework)
    stored = await everything_stored(casework, ref)
    assert [p for p in PERSONAL if p in stored] == list(PERSONAL)
    async with casework.store.read() as uow:
        before = await uow.cases.get(ref)
        assert before.id is not None
        events_before = len(await uow.cases.events(before.id))

    assert await privacy(casework).remove_expired(now=DUE - timedelta(minutes=1)) == []
    assert await privacy(casework).remove_expired(now=DUE) == [ref]

    stored = await everything_stored(casework, ref)
    assert not [p for p in PERSONAL if p in stored], "a personal detail survived"
    async with casework.store.read() as uow:
        case = await uow.cases.get(ref)
        assert case.id is not None
        events = await uow.cases.events(case.id)
        files = await uow.cases.attachment_list(case.id)
    assert (case.constituent_name, case.constituent_contact, case.location, case.description,
            case.search_term, case.rating_comment) == (REMOVED,) * 6
    assert (case.state, case.rating, case.member_id, case.lead_service, case.ward_id) == (
        CaseState.CLOSED, 5, MICHAEL.person_id, "roads", "lockside")
    assert case.redacted_at == DUE
    assert len(events) == events_before + 1  # every event kept, and one more
    assert (events[-1].event.kind, events[-1].event.actor_id, events[-1].event.payload) == (
        "constituent_details_removed", "system", {"why": "retention", "months": 24})
    assert [e.event.payload.get("text") for e in events if e.event.kind == "replied"] == [
        REMOVED]
    assert files == []
    assert replay([e.event for e in events]) == rebuilt(case)


async def test_a_second_sweep_finds_nothing_and_writes_nothing(casework: Casework) -> None:
    ref = await closed_case(casework)
    assert await privacy(casework).remove_expired(now=DUE) == [ref]
    counted = await _counts(casework)
    assert await privacy(casework).remove_expired(now=DUE + timedelta(days=400)) == []
    assert await _counts(casework) == counted


async def _counts(cw: Casework) -> tuple[int, ...]:
    async with cw.store.engine.connect() as conn:
        return tuple([int((await conn.execute(select(func.count()).select_from(t)))
                          .scalar_one()) for t in (case_events, outbox, attachments)])


async def test_cases_still_open_or_closed_too_recently_keep_their_details(
    casework: Casework,
) -> None:
    recent = await closed_case(casework, closed_at=CLOSED + timedelta(days=30))
    open_one = (await casework.submit(
        details("lockside", constituent_name="Ann Other", consent_given=True),
        member_id=MICHAEL.person_id, actor=MICHAEL, now=OPENED)).case.reference or ""
    assert await privacy(casework).remove_expired(now=DUE) == []
    for ref, name in ((recent, "Jane Smith"), (open_one, "Ann Other")):
        assert (await casework.view(ref, actor=MICHAEL, now=DUE)).constituent_name == name


async def test_a_case_reopened_after_removal_is_removed_again_after_its_next_closing(
    casework: Casework,
) -> None:
    ref = await closed_case(casework)
    await privacy(casework).remove_expired(now=DUE)
    await casework.reopen(ref, actor=GARETH, now=DUE + timedelta(days=1),
                          reason="Reported again by the Smiths")
    await casework.close(ref, actor=GARETH, now=DUE + timedelta(days=2), reason="Repaired")
    assert (await casework.view(ref, actor=MICHAEL, now=DUE)).redacted_at is None
    assert await privacy(casework).remove_expired(now=DUE + timedelta(days=400)) == []
    assert await privacy(casework).remove_expired(now=DUE + timedelta(days=800)) == [ref]
    assert "Smiths" not in await everything_stored(casework, ref)


async def test_a_backlog_is_done_in_batches_each_case_once(
    casework: Casework, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("casestore.privacy.BATCH", 2)
    refs = [await closed_case(casework, closed_at=CLOSED + timedelta(minutes=i))
            for i in range(5)]
    assert await privacy(casework).remove_expired(now=DUE + timedelta(hours=1)) == refs


async def test_the_nightly_job_logs_references_and_counts_never_the_details(
    casework: Casework, caplog: pytest.LogCaptureFixture,
) -> None:
    ref = await closed_case(casework)
    jobs = Jobs(casework, clock=lambda: DUE)
    assert "retention" in {j.id for j in build_scheduler(jobs, sweep_interval_s=300).get_jobs()}
    caplog.set_level(logging.DEBUG)
    assert await jobs.retention() == 1
    assert ref in caplog.text and "1 case(s)" in caplog.text
    assert not [p for p in PERSONAL if p in caplog.text]


# 20,000 cases, most closed long ago with their details already removed, as a store is after
# years of use: PostgreSQL plans by its statistics, so the plan is read on data like that.
FILL = """
INSERT INTO cases (reference, state, escalation_state, member_id, raised_by_id, lead_service,
  enquiry_type, ward_id, location, constituent_name, constituent_contact, consent_given,
  description, ask, search_term, urgency, special_category_confirmed, created_at, closed_at,
  redacted_at, paused_working_days, auto_close_extended_days, reopen_count, rating_comment,
  version)
SELECT 'ENQ-' || g, CASE WHEN g % 50 = 0 THEN 'open' ELSE 'closed' END, 'none', 'm', 'm',
  'roads', 'report_it', 'w', '', '', '', false, '', '', '', 'normal', false, now(),
  now() - (g || ' hours')::interval,
  CASE WHEN g % 50 IN (0, 1) THEN NULL ELSE now() END, 0, 0, 0, '', 0
FROM generate_series(1, 20000) g
"""
SWEEP = ("SELECT id FROM cases WHERE redacted_at IS NULL AND state = 'closed' "
         "AND closed_at <= '2026-01-01' ORDER BY closed_at, id LIMIT 200")


async def test_the_sweeps_query_uses_its_index(casework: Casework, backend: str) -> None:
    async with casework.store.engine.begin() as conn:
        if backend == "sqlite":
            rows = await conn.execute(text(f"EXPLAIN QUERY PLAN {SWEEP}"))
        else:
            await conn.execute(text(FILL))
            await conn.execute(text("ANALYZE cases"))
            rows = await conn.execute(text(f"EXPLAIN {SWEEP}"))
        plan = " ".join(str(r) for r in rows)
    assert "ix_cases_retention" in plan, plan
