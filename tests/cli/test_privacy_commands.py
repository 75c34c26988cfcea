"""`memberportal subject-access` and `memberportal erase`, run as the member support team runs
them, on SQLite and on PostgreSQL; and none of it reaches the log.

The commands run in-process (on their own thread and event loop, as from the shell) against this
test's store, so the log is captured at DEBUG from every logger, SQLAlchemy's included.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.db import migrate
from casestore.db.store import Store
from casestore.directory import Directory
from casestore.model import Actor, ActorKind
from casestore.redaction import REMOVED
from memberportal import cli
from tests.conftest import engine_for
from tests.store.helpers import details

MICHAEL = Actor("michael-oyelaran", ActorKind.MEMBER)
GARETH = Actor("gareth-prescott", ActorKind.OFFICER)
SUPPORT = "kathryn-pinnington"
T0 = datetime(2026, 11, 23, 10, tzinfo=LONDON)
SECRETS = ("Jane Smith", "JANE  SMITH", "jane smith", "07700 900123", "07700900123",
           "jane@example.org", "Smiths' drive", "Mrs Smith's neighbour", "smith-drive.png",
           "Erasure request 2026/41")


@pytest.fixture
async def casework(empty_store: Store, config: CouncilConfig, directory: Directory,
                   backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Casework:
    """A migrated store; the commands get their own engine on the same database."""
    await migrate.upgrade(empty_store.engine)
    monkeypatch.delenv("COUNCIL_CONFIG", raising=False)
    monkeypatch.setattr("memberportal.context.Store.from_url",
                        lambda url, **kw: Store(engine_for(backend, tmp_path)))
    return Casework(empty_store, config, directory)


async def memberportal(*args: str) -> int:
    return await asyncio.to_thread(cli.main, list(args))


async def raise_case(cw: Casework, *, name: str, contact: str, description: str = "A pothole",
                     close: bool = True, at: datetime = T0) -> str:
    outcome = await cw.submit(
        details("lockside", constituent_name=name, constituent_contact=contact,
                consent_given=bool(name or contact), description=description),
        member_id=MICHAEL.person_id, actor=MICHAEL, now=at)
    ref = outcome.case.reference or ""
    await cw.reply(ref, actor=GARETH, now=at + timedelta(days=1),
                   text="We spoke to Mrs Smith's neighbour.")
    if close:
        await cw.close(ref, actor=GARETH, now=at + timedelta(days=2), reason="Repaired")
    return ref


@pytest.fixture
async def smiths(casework: Casework) -> dict[str, str]:
    cw = casework
    cases = {
        "hers": await raise_case(cw, name="Jane Smith", contact="07700 900123",
                                 description="A pothole across the Smiths' drive"),
        "hers, no contact recorded": await raise_case(cw, name="  jane SMITH ", contact=""),
        "same name, other contact": await raise_case(cw, name="JANE  SMITH",
                                                     contact="jane@example.org"),
        "same contact, other name": await raise_case(cw, name="John Brown",
                                                     contact="07700900123"),
        "mentions her": await raise_case(cw, name="", contact="",
                                         description="Jane Smith's hedge blocks the path"),
        "nothing to do with her": await raise_case(cw, name="Ann Other", contact="01632 960000"),
    }
    await cw.add_attachment(cases["hers"], actor=MICHAEL, now=T0 + timedelta(days=1),
                            filename="smith-drive.png", content_type="image/png",
                            content=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR picture")
    return cases


async def test_subject_access_exports_everything_held_and_lists_what_to_check_by_hand(
    casework: Casework, smiths: dict[str, str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    out = tmp_path / "sar.json"
    assert await memberportal("subject-access", "--name", "jane smith", "--contact",
                              "07700900123", "--out", str(out)) == 0
    export = json.loads(out.read_text(encoding="utf-8"))
    assert [c["reference"] for c in export["cases"]] == [
        smiths["hers"], smiths["hers, no contact recorded"]]
    hers = export["cases"][0]
    assert hers["constituent"] == {"name": "Jane Smith", "contact": "07700 900123",
                                   "consent_given": True}
    assert hers["description"] == "A pothole across the Smiths' drive"
    assert hers["member"] == "Cllr Michael Oyelaran" and hers["ward"] == "Lockside"
    assert [e["what"] for e in hers["events"]] == [
        "submitted", "replied", "closed", "attachment_added"]
    assert hers["events"][1]["details"]["text"] == "We spoke to Mrs Smith's neighbour."
    assert [f["name"] for f in hers["files"]] == ["smith-drive.png"]
    assert {m["kind"] for m in hers["messages"]} >= {"case-opened", "officer-reply"}
    assert {(c["reference"], c["why"]) for c in export["to_check_by_hand"]} == {
        (smiths["same name, other contact"], "the name matches but the contact differs"),
        (smiths["same contact, other name"], "the contact matches but the name differs"),
        (smiths["mentions her"], "the name appears in the enquiry's text"),
    }
    assert smiths["nothing to do with her"] not in out.read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    assert f"Wrote the subject access export to {out}" in printed
    assert "2 case(s) held about the constituent (" in printed and "1 file(s)" in printed
    assert f"{smiths['mentions her']}: the name appears in the enquiry's text" in printed
    assert "subject access export: 2 case(s) held, 3 to check by hand" in caplog.text
    assert not [s for s in SECRETS if s in caplog.text], "personal data in the log"


async def test_subject_access_without_out_prints_the_json_and_finds_nobody_plainly(
    casework: Casework, smiths: dict[str, str], capsys: pytest.CaptureFixture[str],
) -> None:
    assert await memberportal("subject-access", "--name", "Nobody Atall") == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out)["cases"] == []
    assert "No case holds that constituent's details." in printed.err
    assert await memberportal("subject-access", "--name", "   ") == 2
    assert "give the constituent's name" in capsys.readouterr().err


async def test_erase_removes_the_details_at_once_keeping_the_record_with_the_erasure_on_it(
    casework: Casework, smiths: dict[str, str], capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = smiths["hers"]
    assert await memberportal("erase", "--reference", ref, "--by", SUPPORT,
                              "--reason", "Erasure request 2026/41") == 0
    assert f"Erased the constituent's details from {ref}" in capsys.readouterr().out
    case = await casework.view(ref, actor=MICHAEL, now=T0 + timedelta(days=5))
    assert (case.constituent_name, case.constituent_contact, case.description) == (REMOVED,) * 3
    assert case.redacted_at is not None and case.state.value == "closed"
    events = [s.event for s in await casework.timeline(case)]
    assert [e.kind.value for e in events] == [
        "submitted", "replied", "closed", "attachment_added", "constituent_details_removed"]
    assert events[-1].actor_id == SUPPORT
    assert events[-1].payload == {"why": "erasure", "reason": "Erasure request 2026/41"}
    assert events[1].payload["text"] == REMOVED
    assert await casework.attachments(ref, actor=MICHAEL, now=T0) == []
    assert await memberportal("erase", "--reference", ref, "--by", SUPPORT, "--reason", "again") \
        == 0
    assert f"Already erased, left as they were: {ref}." in capsys.readouterr().out
    assert f"erasure by {SUPPORT}: {ref}" in caplog.text
    assert not [s for s in SECRETS if s in caplog.text], "personal data in the log"


async def test_erase_refuses_an_open_case_unless_forced_and_a_non_support_officer(
    casework: Casework, capsys: pytest.CaptureFixture[str],
) -> None:
    ref = await raise_case(casework, name="Jane Smith", contact="07700 900123", close=False)
    assert await memberportal("erase", "--reference", ref, "--by", SUPPORT, "--reason", "R") == 2
    assert f"Not erased: {ref} is still open" in capsys.readouterr().err
    assert await memberportal("erase", "--reference", ref, "--by", "gareth-prescott",
                              "--reason", "R", "--force") == 2
    assert "only the member support team" in capsys.readouterr().err
    assert await memberportal("erase", "--reference", "ENQ-2026-999999", "--by", SUPPORT,
                              "--reason", "R") == 2
    assert "there is no case ENQ-2026-999999" in capsys.readouterr().err
    assert await memberportal("erase", "--by", SUPPORT, "--reason", "R") == 2
    assert "give --reference" in capsys.readouterr().err
    unchanged = await casework.view(ref, actor=MICHAEL, now=T0)
    assert unchanged.constituent_name == "Jane Smith" and unchanged.redacted_at is None
    assert await memberportal("erase", "--reference", ref, "--by", SUPPORT, "--reason", "R",
                              "--force") == 0
    forced = await casework.view(ref, actor=MICHAEL, now=T0)
    assert forced.constituent_name == REMOVED and forced.state is unchanged.state  # still worked


async def test_erase_by_name_and_contact_erases_their_cases_and_only_lists_partial_matches(
    casework: Casework, smiths: dict[str, str], capsys: pytest.CaptureFixture[str],
) -> None:
    assert await memberportal("erase", "--name", "Jane Smith", "--contact", "07700 900123",
                              "--by", SUPPORT, "--reason", "Erasure request 2026/41") == 0
    printed = capsys.readouterr().out
    assert f"Not erased, check by hand: {smiths['same name, other contact']}" in printed
    for key, ref in smiths.items():
        case = await casework.view(ref, actor=MICHAEL, now=T0)
        erased = key in ("hers", "hers, no contact recorded")
        assert (case.redacted_at is not None) is erased, key
