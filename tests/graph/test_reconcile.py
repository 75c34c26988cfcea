"""Replies the bot missed are read back from Graph and land on the case exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casestore.casework import Casework
from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.graph.client import GraphClient
from casestore.graph.messages import message_text, split_internal, thread_message
from casestore.graph.reconcile import reconcile_replies
from casestore.keys import activity_key
from casestore.records import Thread, thread_conversation_id
from tests.graph.fakes import BOT_APP_ID, FakeGraph
from tests.store.helpers import MONDAY, details, member, officer

SARAH = "sarah-okafor"
ROOT = "1763892000000"
LIVE_ID = "1763892000800"
MISSED_ID = "1763892000200"
NOTE_ID = "1763892000300"
MINUTE = timedelta(minutes=1)


def message(message_id: str, at: datetime, *, html: str = "", author: str | None = None,
            **extra: Any) -> dict[str, Any]:
    sender = {"user": {"id": author, "displayName": "Someone", "userIdentityType": "aadUser"}} \
        if author else {"application": {"id": BOT_APP_ID, "displayName": "Member Enquiries"}}
    return {"id": message_id, "replyToId": ROOT, "messageType": "message",
            "createdDateTime": at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "deletedDateTime": None, "from": sender,
            "body": {"contentType": "html", "content": html}, "mentions": [], **extra}


class CaseThread:
    """A case with its thread in the roads channel, and the replies Graph will list."""

    def __init__(self, reference: str, case_id: int, replies: list[dict[str, Any]]) -> None:
        self.reference = reference
        self.case_id = case_id
        self.replies = replies


async def open_case_with_thread(casework: Casework, fake_graph: FakeGraph,
                                root: str = ROOT) -> CaseThread:
    config = casework.config
    outcome = await casework.submit(details("ashcroft"), member_id=SARAH, actor=member(SARAH),
                                    now=MONDAY)
    case = outcome.case
    assert case.id is not None and case.reference
    roads = config.service("roads")
    async with casework.store.transaction() as uow:
        await uow.threads.add(Thread(
            case_id=case.id, service_id="roads", channel_id=roads.channel_id,
            root_message_id=root, conversation_id=thread_conversation_id(roads.channel_id, root),
            card_activity_id=root, service_url="https://smba.trafficmanager.net/uk/",
            created_at=MONDAY))
    return CaseThread(case.reference, case.id, fake_graph.thread(roads.team_id, roads.channel_id,
                                                              root))


def live_key(casework: Casework, message_id: str, root: str = ROOT) -> str:
    """The key the live officer flow uses for a reply in the roads thread (bot.keys)."""
    channel = casework.config.service("roads").channel_id
    return activity_key(thread_conversation_id(channel, root), message_id)


def who(directory: Directory, person_id: str) -> str:
    return directory.get(person_id).aad_object_id


async def thread_events(casework: Casework, case_id: int) -> list[tuple[str, str, str]]:
    async with casework.store.transaction() as uow:
        events = await uow.cases.events(case_id)
    return [(e.event.kind, str(e.event.payload.get("message_id", "")),
             str(e.event.payload["text"]))
            for e in events if e.event.kind in ("replied", "noted")]


@pytest.fixture
async def busy_thread(casework: Casework, fake_graph: FakeGraph, directory: Directory
                      ) -> CaseThread:
    """While the bot was down: an officer's reply, a note, and things that are not replies."""
    thread = await open_case_with_thread(casework, fake_graph)
    at = MONDAY + timedelta(hours=1)
    gareth, leanne = who(directory, "gareth-prescott"), who(directory, "leanne-moorcroft")
    thread.replies += [
        message("1763892000100", at, html="<p>Case card updated</p>"),  # the bot itself
        message(MISSED_ID, at + MINUTE, author=gareth.upper(),
                html='<p><at id="0">Member Enquiries</at> We will inspect it on '
                     "<b>Thursday</b> &amp; report back.</p>",
                mentions=[{"id": 0, "mentionText": "Member Enquiries",
                           "mentioned": {"application": {"id": BOT_APP_ID}}}]),
        message(NOTE_ID, at + 2 * MINUTE, author=leanne,
                html="<div>Internal: ask the inspector first</div>"),
        message("1763892000400", at + 3 * MINUTE, author=gareth, html="<p>oops</p>",
                deletedDateTime=(at + 4 * MINUTE).isoformat()),
        message("1763892000500", at + 5 * MINUTE, author=gareth, messageType="systemEventMessage"),
        message("1763892000600", at + 6 * MINUTE, author=who(directory, "karen-tyrer"),
                html="<p>Not my service, but hello</p>"),
        message("1763892000700", at + 7 * MINUTE, author="ffffffff-0000-4000-8000-000000000000",
                html="<p>A guest</p>"),
        message(LIVE_ID, at + 8 * MINUTE, author=gareth, html="<p>Inspector booked.</p>"),
    ]
    # The last reply arrived while the bot was up: the officer flow recorded it live.
    await casework.reply(thread.reference, actor=officer("gareth-prescott"), now=at + 8 * MINUTE,
                         text="Inspector booked.", message_id=LIVE_ID,
                         idempotency_key=live_key(casework, LIVE_ID))
    return thread


async def test_a_missed_reply_appears_on_the_case_exactly_once(
    casework: Casework, graph: GraphClient, busy_thread: CaseThread,
) -> None:
    now = MONDAY + timedelta(hours=3)
    first = await reconcile_replies(casework, graph, now=now)
    again = await reconcile_replies(casework, graph, now=now + timedelta(minutes=10))
    assert [(ref, mid, kind) for ref, mid, kind in first.recorded] == [
        (busy_thread.reference, MISSED_ID, "reply"), (busy_thread.reference, NOTE_ID, "note")]
    assert again.recorded == []
    assert await thread_events(casework, busy_thread.case_id) == [
        ("replied", LIVE_ID, "Inspector booked."),
        ("replied", MISSED_ID, "We will inspect it on Thursday & report back."),
        ("noted", NOTE_ID, "ask the inspector first"),
    ]
    assert first.skipped == {"from an application": 1, "deleted": 1, "not a message": 1,
                             "author not entitled": 1, "author not an officer": 1}


async def test_the_missed_reply_counts_when_it_was_written_and_reaches_the_member(
    casework: Casework, graph: GraphClient, fake_graph: FakeGraph, directory: Directory,
) -> None:
    thread = await open_case_with_thread(casework, fake_graph)
    written = MONDAY + timedelta(hours=2)
    thread.replies.append(message(MISSED_ID, written, author=who(directory, "gareth-prescott"),
                                  html="<p>Fixed this morning.</p>"))
    await reconcile_replies(casework, graph, now=written + timedelta(days=2))
    case = await casework.view(thread.reference, actor=officer("gareth-prescott"),
                               now=written + timedelta(days=2))
    assert case.first_response_at == written
    async with casework.store.transaction() as uow:
        relayed = [m for m in await uow.outbox.for_case(thread.case_id)
                   if m.kind == "officer-reply"]
    assert [m.recipient for m in relayed] == [f"person:{SARAH}"]


async def test_a_reply_received_live_after_reconciliation_is_not_recorded_again(
    casework: Casework, graph: GraphClient, fake_graph: FakeGraph, directory: Directory,
) -> None:
    thread = await open_case_with_thread(casework, fake_graph)
    at = MONDAY + timedelta(hours=1)
    thread.replies.append(message(MISSED_ID, at, author=who(directory, "gareth-prescott"),
                                  html="<p>On it.</p>"))
    await reconcile_replies(casework, graph, now=at + MINUTE)
    late = await casework.reply(thread.reference, actor=officer("gareth-prescott"),
                                now=at + 2 * MINUTE, text="On it.", message_id=MISSED_ID,
                                idempotency_key=live_key(casework, MISSED_ID))  # redelivered
    assert late.duplicate
    assert [e[1] for e in await thread_events(casework, thread.case_id)] == [MISSED_ID]


async def test_replies_stay_single_after_their_idempotency_keys_are_forgotten(
    casework: Casework, graph: GraphClient, busy_thread: CaseThread,
) -> None:
    await reconcile_replies(casework, graph, now=MONDAY + timedelta(hours=3))
    async with casework.store.transaction() as uow:
        assert await uow.idempotency.forget_before(MONDAY + timedelta(days=60)) > 0
    report = await reconcile_replies(casework, graph, now=MONDAY + timedelta(days=60))
    assert report.recorded == []
    assert len(await thread_events(casework, busy_thread.case_id)) == 3


async def test_every_page_of_a_long_thread_is_read_one_request_each(
    casework: Casework, graph: GraphClient, fake_graph: FakeGraph, directory: Directory,
) -> None:
    thread = await open_case_with_thread(casework, fake_graph)
    gareth = who(directory, "gareth-prescott")
    thread.replies += [message(f"17638920010{i:02d}", MONDAY + timedelta(hours=1, minutes=i),
                               author=gareth, html=f"<p>Update {i}</p>") for i in range(5)]
    report = await reconcile_replies(casework, graph, now=MONDAY + timedelta(hours=2))
    assert (report.threads, report.pages, len(report.recorded)) == (1, 3, 5)
    assert [e[2] for e in await thread_events(casework, thread.case_id)] == \
        [f"Update {i}" for i in range(5)]


async def test_closed_cases_are_left_alone_and_an_unreadable_thread_does_not_stop_the_rest(
    casework: Casework, graph: GraphClient, fake_graph: FakeGraph, directory: Directory,
    config: CouncilConfig,
) -> None:
    closed = await open_case_with_thread(casework, fake_graph, root="1763892009000")
    await casework.close(closed.reference, actor=member(SARAH), now=MONDAY + MINUTE,
                         reason="Sorted")
    unreadable = await open_case_with_thread(casework, fake_graph, root="1763892009100")
    roads = config.service("roads")
    del fake_graph.replies[(roads.team_id, roads.channel_id, "1763892009100")]  # Graph: 404
    fine = await open_case_with_thread(casework, fake_graph, root="1763892009200")
    fine.replies.append(message(MISSED_ID, MONDAY + timedelta(hours=1),
                                author=who(directory, "gareth-prescott"), html="<p>Done</p>"))
    report = await reconcile_replies(casework, graph, now=MONDAY + timedelta(hours=2))
    assert (report.threads, report.failed_threads) == (2, 1)
    assert report.recorded == [(fine.reference, MISSED_ID, "reply")]
    path = f"/v1.0/teams/{roads.team_id}/channels/{roads.channel_id}/messages/1763892009000/replies"
    assert fake_graph.requests[path] == 0
    assert unreadable.reference != closed.reference


def test_message_text_drops_the_bots_mention_and_keeps_peoples() -> None:
    item = {"body": {"contentType": "html", "content":
                     '<at id="0">Member Enquiries</at> thanks <at id="1">Gareth</at>,'
                     "<br>done&nbsp;now <emoji alt=\"🙂\"></emoji>"},
            "mentions": [{"id": 0, "mentioned": {"application": {"id": BOT_APP_ID}}},
                         {"id": 1, "mentioned": {"user": {"id": "x"}}}]}
    assert message_text(item) == "thanks Gareth,\ndone now 🙂"


def test_the_internal_prefix_ignores_case_and_is_removed() -> None:
    assert split_internal("INTERNAL: check the budget", "internal:") == (True, "check the budget")
    assert split_internal("Internally we agree", "internal:") == (False, "Internally we agree")


def test_a_message_with_only_an_attachment_is_skipped() -> None:
    item = message("1", MONDAY, author="a", html='<attachment id="f1"></attachment>')
    assert thread_message(item).skip == "no text"


async def test_a_reply_missed_in_the_second_post_of_a_case_thread_is_recorded_too(
    casework: Casework, graph: GraphClient, fake_graph: FakeGraph, directory: Directory,
) -> None:
    """The case card was posted twice after a crash and both posts are known (issue 11)."""
    thread = await open_case_with_thread(casework, fake_graph)
    roads = casework.config.service("roads")
    second = "1763892009000"
    async with casework.store.transaction() as uow:
        post = await uow.threads.start_post(case_id=thread.case_id, service_id="roads",
                                            channel_id=roads.channel_id, now=MONDAY)
        await uow.threads.confirm_post(post, root_message_id=second, now=MONDAY)
    at = MONDAY + timedelta(hours=1)
    fake_graph.thread(roads.team_id, roads.channel_id, second).append(
        message("1763892009100", at, author=who(directory, "gareth-prescott"),
                html="<p>Crew booked.</p>"))

    report = await reconcile_replies(casework, graph, now=at + MINUTE)

    assert report.threads == 2
    assert report.recorded == [(thread.reference, "1763892009100", "reply")]
    late = await casework.reply(thread.reference, actor=officer("gareth-prescott"),
                                now=at + 2 * MINUTE, text="Crew booked.",
                                message_id="1763892009100",
                                idempotency_key=live_key(casework, "1763892009100", second))
    assert late.duplicate
