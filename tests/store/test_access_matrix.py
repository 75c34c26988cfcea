"""The access matrix: every cell of the policy table in docs/security.md, tried through the real
use cases on SQLite and on PostgreSQL.

The table is read from the document (not from the code), so what the document promises is what
is tested. Each cell gets a fresh case in the state its row needs (a roads case of Cllr Michael
Oyelaran, Lockside, with his ward colleague Cllr Debbie Roscoe cc'd; for the column "someone who
has left office" a case Cllr Graham Leece raised before he resigned), then the column's person
tries the row's read or action once, at NOW:

* allowed: it succeeds (a read returns the case, its file, or the case in their list);
* refused: `NotPermitted` (a list just leaves the case out) and nothing is written: no case,
  event, outbox row, file or idempotency key, and the case's version is unchanged.

The council is the demo council plus two leave delegations, so that a delegate from another
service is covering a roads officer today and another's cover has ended.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import func, select

from casestore import lifecycle
from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.config import CouncilConfig, parse_council_config
from casestore.db.engine import create_engine
from casestore.db.store import Store
from casestore.db.tables import attachments, case_events, cases, idempotency_keys, outbox
from casestore.directory import Directory
from casestore.errors import NotPermitted
from casestore.intake import EnquiryDetails
from casestore.model import Actor, ActorKind, Case
from casestore.permissions import MEMBER_ACTIONS, Action, Read
from casestore.policy_table import ALLOWED, ROWS, parse_markdown
from casestore.records import CaseFilter
from tests.conftest import PG_URL, SCHEMA, pg_engine_for, run_isolated

SECURITY_MD = Path(__file__).resolve().parents[2] / "docs" / "security.md"
BLOCK = re.compile(r"<!-- policy-table:start[^>]*-->\n(.*?)<!-- policy-table:end -->", re.S)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=LONDON)


SUBMITTED_AT = at(11, 16)  # Monday: escalation opens on Tuesday 1 December
ACKNOWLEDGED_AT = at(11, 17)
ASKED_AT = at(11, 18)
FINAL_AT = at(12, 1)
ESCALATED_AT = at(12, 2)
CLOSED_AT = at(12, 7)
NOW = at(12, 9, 11)  # Wednesday

MEMBER_ID, WARD, CC_ID = "michael-oyelaran", "lockside", "debbie-roscoe"
LEFT_ID, LEFT_WARD, LEFT_COLLEAGUE = "graham-leece", "bramley-cross", "helen-pritchard"
ROADS_OFFICER = "gareth-prescott"


@dataclass(frozen=True)
class Person:
    """One column: who acts, for whom they claim to act, and whose case they try it on."""

    person_id: str
    kind: ActorKind  # as the bot builds it for this person's own reads
    on_behalf_of: str | None = None
    case_member: str = MEMBER_ID


M, OF = ActorKind.MEMBER, ActorKind.OFFICER
PEOPLE: dict[str, Person] = {
    "the member": Person(MEMBER_ID, M),
    "a member of the same ward": Person("frank-gilmore", M),
    "a member of another ward": Person("sarah-okafor", M),
    "a cc'd member": Person(CC_ID, M),
    "their cabinet secretary": Person("marcus-flint", M, on_behalf_of=MEMBER_ID),
    "another cabinet secretary": Person("hayley-naughton", M, on_behalf_of=MEMBER_ID),
    "an officer of the service": Person("leanne-moorcroft", OF),
    "a delegate in their dates": Person("fiona-ellison", OF),  # parks, covering gareth today
    "a delegate out of their dates": Person("craig-jardine", OF),  # parks, covered dean till 13/11
    "an officer of another service": Person("emma-stubbs", OF),
    "the escalation owner": Person("philip-stanier", OF),
    "member support": Person("kathryn-pinnington", OF),
    "someone who has left office": Person(LEFT_ID, M, case_member=LEFT_ID),
    "an unknown user": Person("nobody-at-all", M),
}


def council() -> CouncilConfig:
    text = resources.files("casestore").joinpath("demo/council.toml").read_text("utf-8")
    data = copy.deepcopy(tomllib.loads(text))
    data["delegations"] += [
        {"kind": "leave", "officer": ROADS_OFFICER, "delegate": "fiona-ellison",
         "starts_on": date(2026, 12, 7), "ends_on": date(2026, 12, 11)},
        {"kind": "leave", "officer": "dean-whittle", "delegate": "craig-jardine",
         "starts_on": date(2026, 11, 2), "ends_on": date(2026, 11, 13)},
    ]
    return parse_council_config(data, source="access matrix council")


def documented_cells() -> list[tuple[str, str, str]]:
    found = BLOCK.search(SECURITY_MD.read_text(encoding="utf-8"))
    assert found, "docs/security.md has no policy table"
    return [(row, column, value) for (row, column), value in parse_markdown(found.group(1)).items()]


ROW_OF = {label: row for row, label in ROWS.items()}
MEMBER_SIDE = {*MEMBER_ACTIONS}


def cell_params() -> list[Any]:
    params = []
    for row, column, expected in documented_cells():
        params.append(pytest.param(row, column, expected, id=f"{row} / {column}"))
    return params


# -- the store, once per engine for the whole module ------------------------------------------


@pytest_asyncio.fixture(scope="module", loop_scope="module",
                        params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def matrix(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Casework]:
    if request.param == "postgresql":
        request.getfixturevalue("pg_schema")
        schema = f"{SCHEMA}_matrix"
        run_isolated(_pg_exec(f'CREATE SCHEMA "{schema}"'))
        engine = pg_engine_for(schema)
    else:
        schema = ""
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('matrix')}/m.db")
    store = Store(engine)
    await store.create_all()
    config = council()
    yield Casework(store, config, Directory.from_config(config))
    await store.dispose()
    if schema:
        run_isolated(_pg_exec(f'DROP SCHEMA "{schema}" CASCADE'))


async def _pg_exec(sql: str) -> None:
    engine = create_engine(PG_URL)
    async with engine.begin() as conn:
        await conn.exec_driver_sql(sql)
    await engine.dispose()


async def written(cw: Casework, reference: str) -> tuple[int, ...]:
    """Everything a refused attempt must leave as it was (one query)."""
    assert isinstance(cw.store, Store)
    counts = [select(func.count()).select_from(t).scalar_subquery()
              for t in (cases, case_events, outbox, attachments, idempotency_keys)]
    version = select(cases.c.version).where(cases.c.reference == reference).scalar_subquery()
    async with cw.store.engine.connect() as conn:
        return tuple((await conn.execute(select(*counts, version))).one())


# -- cases in the state each row needs ---------------------------------------------------------

MEMBER_ACTOR = Actor(MEMBER_ID, M)
OFFICER = Actor(ROADS_OFFICER, OF)


def _case(member_id: str) -> Case:
    left = member_id == LEFT_ID
    return Case(
        member_id=member_id, raised_by_id=member_id, lead_service="roads",
        enquiry_type="report_it", ward_id=LEFT_WARD if left else WARD,
        description="A deep pothole outside number 14", ask="Repair it",
        created_at=SUBMITTED_AT, location="14 Mill Lane",
        cc_member_ids=[] if left else [CC_ID])


Prepare = Callable[[Case, Casework], None]


def _open(case: Case, cw: Casework) -> None:
    pass


def _acknowledged(case: Case, cw: Casework) -> None:
    lifecycle.acknowledge(case, OFFICER, ACKNOWLEDGED_AT)


def _asked(case: Case, cw: Casework) -> None:
    _acknowledged(case, cw)
    lifecycle.ask_officer(case, OFFICER, ASKED_AT, question_id="q1", to_officer_id=None,
                          to_service_id="bins", question="Is this your bin store?")


def _final(case: Case, cw: Casework) -> None:
    _acknowledged(case, cw)
    lifecycle.final_response(case, OFFICER, FINAL_AT, cw.policy, "Repaired on 30 November.")


def _closed(case: Case, cw: Casework) -> None:
    _final(case, cw)
    lifecycle.close(case, Actor(case.member_id, M), CLOSED_AT)


def _escalated(case: Case, cw: Casework) -> None:
    _acknowledged(case, cw)
    lifecycle.escalate(case, Actor(case.member_id, M), ESCALATED_AT, cw.policy, "No reply")


async def new_case(cw: Casework, member_id: str, prepare: Prepare, *, with_file: bool) -> str:
    case = _case(member_id)
    async with cw.store.transaction() as uow:
        reference = await uow.cases.next_reference(2026)
        lifecycle.submit(case, Actor(member_id, M), SUBMITTED_AT, cw.policy, reference)
        prepare(case, cw)
        await uow.cases.add(case)
        assert case.id is not None
        if with_file:
            await uow.cases.add_attachment(
                case.id, filename="photo.png", content_type="image/png", content=b"\x89PNG..",
                sha256="0" * 64, uploaded_by_id=member_id, uploaded_at=SUBMITTED_AT)
    return reference


# -- each row: the state it needs and the use case it calls -----------------------------------


@dataclass(frozen=True)
class Try:
    cw: Casework
    reference: str
    actor: Actor
    person: Person


Attempt = Callable[[Try], Awaitable[bool]]  # True: it succeeded; False: left out of a list


def _details(member_id: str) -> EnquiryDetails:
    return EnquiryDetails(service_id="roads", enquiry_type="report_it",
                          ward_id=LEFT_WARD if member_id == LEFT_ID else WARD,
                          location="2 Canal Street", description="A blocked drain",
                          ask="Clear it")


async def _view(t: Try) -> bool:
    return (await t.cw.view(t.reference, actor=t.actor, now=NOW)).reference == t.reference


async def _files(t: Try) -> bool:
    files = await t.cw.attachments(t.reference, actor=t.actor, now=NOW)
    return [f.filename for f in files] == ["photo.png"]


async def _listed(t: Try) -> bool:
    flt = CaseFilter(text=t.reference)
    if t.person.kind is OF:
        page = await t.cw.list_for_officer(actor=t.actor, now=NOW, flt=flt)
    else:
        page = await t.cw.list_for_member(actor=t.actor, now=NOW, flt=flt)
    return t.reference in [c.reference for c in page.cases]


async def _submit(t: Try) -> bool:
    outcome = await t.cw.submit(_details(t.person.case_member), member_id=t.person.case_member,
                                actor=t.actor, now=NOW)
    return outcome.case.member_id == t.person.case_member


def _call(name: str, **kwargs: Any) -> Attempt:
    async def attempt(t: Try) -> bool:
        await getattr(t.cw, name)(t.reference, actor=t.actor, now=NOW, **kwargs)
        return True
    return attempt


async def _hand_over(t: Try) -> bool:
    member = t.person.case_member
    to = LEFT_COLLEAGUE if member == LEFT_ID else CC_ID
    handed = await t.cw.hand_over_member_cases(member, actor=t.actor, now=NOW,
                                               to_person_id=to, reason="Left office")
    return t.reference in handed


A = Action
STEPS: dict[Action | Read, tuple[Prepare, Attempt]] = {
    A.VIEW: (_acknowledged, _view),
    Read.FILES: (_acknowledged, _files),
    Read.LIST: (_acknowledged, _listed),
    A.SUBMIT: (_open, _submit),
    A.REQUEST_UPDATE: (_acknowledged, _call("request_update", text="Any news?")),
    A.ADD_INFORMATION: (_acknowledged, _call("add_information", text="It is 30 cm wide.")),
    A.MEMBER_CLOSE: (_acknowledged, _call("close", reason="Sorted locally")),
    A.MEMBER_REOPEN: (_closed, _call("reopen", reason="It has cracked again")),
    A.RATE: (_final, _call("rate", score=4)),
    A.EXTEND_AUTO_CLOSE: (_final, _call("extend_auto_close", days=5)),
    A.ESCALATE: (_acknowledged, _call("escalate", reason="No reply for three weeks")),
    A.ACKNOWLEDGE: (_open, _call("acknowledge")),
    A.ASSIGN: (_acknowledged, _call("assign", officer_id="dean-whittle")),
    A.REPLY: (_acknowledged, _call("reply", text="We inspect it on Friday.")),
    A.INTERNAL_NOTE: (_acknowledged, _call("note", text="Gang 3 to inspect")),
    A.ASK_MEMBER: (_acknowledged, _call("ask_member", question="Which side of the road?")),
    A.REASSIGN: (_acknowledged, _call("redirect", service_id="street-lighting",
                                      reason="It is a sign, not the road")),
    A.ADD_SERVICE: (_acknowledged, _call("add_service", service_id="parks")),
    A.CONVERT_TYPE: (_acknowledged, _call("convert_type", enquiry_type="information_request")),
    A.MARK_LONG_TERM: (_acknowledged, _call("mark_long_term", expected_on=date(2027, 3, 1),
                                            reason="Resurfacing programme")),
    A.FINAL_RESPONSE: (_acknowledged, _call("final_response", text="Repaired today.")),
    A.OFFICER_CLOSE: (_acknowledged, _call("close", reason="Duplicate")),
    A.OFFICER_REOPEN: (_closed, _call("reopen", reason="Reported again")),
    A.LOG_FOR_MEMBER: (_open, _submit),
    A.ASK_OFFICER: (_acknowledged, _call("ask_officer", question="Is this yours?",
                                         to_service_id="bins")),
    A.ANSWER_QUESTION: (_asked, _call("answer_question", question_id="q1", answer="No")),
    A.WITHDRAW_QUESTION: (_asked, _call("withdraw_question", question_id="q1",
                                        reason="Found out ourselves")),
    A.ANSWER_ESCALATION: (_escalated, _call("answer_escalation", text="Repair booked")),
    A.HANDOVER: (_acknowledged, _hand_over),
}
READS = {A.VIEW, Read.FILES, Read.LIST}


def test_every_row_of_the_table_has_a_use_case_to_try() -> None:
    assert set(STEPS) == set(ROWS)
    assert {ROW_OF[row] for row, _, _ in documented_cells()} == set(STEPS)


def actor_for(row: Action | Read, person: Person) -> Actor:
    """Member-side rows come as the member's chat sends them, officer-side ones as a channel
    does; reads as the bot builds this person's own actor."""
    kind = person.kind if row in READS else M if row in MEMBER_SIDE else OF
    return Actor(person.person_id, kind, person.on_behalf_of)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("row_label", "column", "expected"), cell_params())
async def test_the_cell(matrix: Casework, row_label: str, column: str, expected: str) -> None:
    row = ROW_OF[row_label]
    person = PEOPLE[column]
    prepare, attempt = STEPS[row]
    reference = await new_case(matrix, person.case_member, prepare, with_file=row is Read.FILES)
    t = Try(matrix, reference, actor_for(row, person), person)
    if expected == ALLOWED:
        assert await attempt(t), f"{column} could not {row_label}"
        return
    before = await written(matrix, reference)
    try:
        succeeded = await attempt(t)
    except NotPermitted:
        succeeded = False
    assert not succeeded, f"{column} was able to {row_label}"
    assert await written(matrix, reference) == before, "a refused attempt wrote something"

