"""Officers in Teams through the Agents SDK's TestAdapter, on a real SQLite store.

A case's thread is a Thread row made here directly (posting it is the delivery job's work). Each
test speaks as Teams does: channel messages with `conversation.id = "<channel>;messageid=<root>"`,
with or without the bot's @mention, edits and soft deletes, and Action.Execute invokes whose
`invokeResponse` carries the card that replaces the one clicked.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    Entity,
    Mention,
)
from microsoft_agents.hosting.core import TurnContext

from bot.officers.flows import OfficerFlows, message_text
from bot.teams import BotContext, MemberEnquiriesBot
from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.config import CouncilConfig, LeaveDelegation
from casestore.db.store import Store
from casestore.directory import Directory, Person
from casestore.model import Case, CaseState, EscalationState, Event
from casestore.records import Thread, thread_conversation_id
from tests.bot.member_fixtures import Clock
from tests.store.helpers import MONDAY, details, member, officer
from tests.support.teams_adapter import TeamsTestAdapter

BOT_ID = "28:00000000-0000-4000-8000-00000000b07a"
BOT_NAME = "Member Enquiries"
SERVICE_URL = "https://smba.trafficmanager.net/uk/"
TENANT = "ab778097-23a0-583c-b7ea-ebb06e5f6e1f"
SARAH = "sarah-okafor"  # Ashcroft
LEANNE = "leanne-moorcroft"  # roads coordinator
DEAN = "dean-whittle"  # roads coordinator
GARETH = "gareth-prescott"  # roads coordinator, on leave 16-27 November
COLIN = "colin-hesketh"  # street lighting coordinator
KAREN = "karen-tyrer"  # bins coordinator
KATHRYN = "kathryn-pinnington"  # member support
PHILIP = "philip-stanier"  # escalation owner for roads
Card = dict[str, Any]


class MemberStub:
    """The member side is someone else's; these tests only need it to be there."""

    async def on_message(self, turn: TurnContext, person: Person) -> None:
        return None

    async def on_action(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None:
        return None

    async def on_welcome(self, turn: TurnContext, person: Person) -> None:
        return None


_ids = itertools.count(1)


def next_id() -> str:
    return f"17{next(_ids):011d}"


def account(person: Person) -> ChannelAccount:
    return ChannelAccount(id=person.teams_user_id, name=person.name,
                          aad_object_id=person.aad_object_id)


def bot_account() -> ChannelAccount:
    return ChannelAccount(id=BOT_ID, name=BOT_NAME)


def bot_mention() -> Entity:
    """A mention as it arrives over the wire (an Entity with additional properties)."""
    return Entity.model_validate({"type": "mention", "text": f"<at>{BOT_NAME}</at>",
                                 "mentioned": {"id": BOT_ID, "name": BOT_NAME}})


def texts(card: Card) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label"):
                if isinstance(node.get(key), str) and not str(node.get("type", "")).startswith(
                        "Input."):
                    out.append(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(out)


def find(card: Card, predicate: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if predicate(node):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def button(card: Card, verb: str) -> dict[str, Any]:
    matches = find(card, lambda n: n.get("type") == "Action.Execute" and n.get("verb") == verb)
    assert matches, f"no {verb} button on the card"
    return matches[0]


def verbs(card: Card) -> list[str]:
    return [a["verb"] for a in find(card, lambda n: n.get("type") == "Action.Execute")]


def inputs(card: Card) -> dict[str, dict[str, Any]]:
    return {n["id"]: n for n in find(card, lambda n: str(n.get("type", "")).startswith("Input."))}


def cards_in(activities: list[Activity]) -> list[Card]:
    return [a.content for act in activities if act.type == "message"
            for a in act.attachments or [] if a.content_type.endswith("card.adaptive")]


def texts_in(activities: list[Activity]) -> list[str]:
    return [a.text for a in activities if a.type == "message" and a.text]


class Teams:
    """One council's Teams for a test: the bot on a real store, and ways to talk to it."""

    def __init__(self, store: Store, config: CouncilConfig, clock: Clock) -> None:
        self.config = config
        self.directory = Directory.from_config(config)
        self.casework = Casework(store, config, self.directory)
        self.clock = clock
        self.ctx = BotContext(casework=self.casework, config=config, directory=self.directory,
                              clock=clock)
        self.officers = OfficerFlows(self.ctx)
        self.bot = MemberEnquiriesBot(self.ctx, members=MemberStub(), officers=self.officers)
        self.adapter = TeamsTestAdapter(self.bot.on_turn)

    @property
    def store(self) -> Store:
        return self.casework.store

    def person(self, person_id: str) -> Person:
        return self.directory.get(person_id)

    # -- cases and threads ----------------------------------------------------------------------
    async def new_case(self, member_id: str = SARAH, *, service: str = "roads",
                       **overrides: Any) -> Case:
        ward = self.person(member_id).ward_id or ""
        outcome = await self.casework.submit(details(ward, service_id=service, **overrides),
                                             member_id=member_id, actor=member(member_id),
                                             now=self.clock())
        return outcome.case

    async def open_thread(self, case: Case, service: str | None = None) -> Thread:
        service = service or case.lead_service
        assert case.id is not None
        root = next_id()
        channel = self.config.service(service).channel_id
        thread = Thread(case_id=case.id, service_id=service, channel_id=channel,
                        root_message_id=root,
                        conversation_id=thread_conversation_id(channel, root),
                        card_activity_id=root, service_url=SERVICE_URL, created_at=self.clock())
        async with self.store.transaction() as uow:
            await uow.threads.add(thread)
        return thread

    async def case(self, reference: str | None) -> Case:
        async with self.store.transaction() as uow:
            found: Case = await uow.cases.get(reference or "")
        return found

    async def events(self, case: Case, *kinds: str) -> list[Event]:
        stored = await self.casework.timeline(case)
        return [s.event for s in stored if not kinds or s.event.kind in kinds]

    async def outbox(self, case: Case) -> list[tuple[str, str]]:
        """(kind, recipient) of every row queued about the case, by its reference (the rows a
        submit queues carry no case id yet: see the report)."""
        async with self.store.transaction() as uow:
            rows = await uow.outbox.all()
        return [(r.kind, r.recipient) for r in rows if r.payload.get("reference") ==
                case.reference]

    # -- activities -----------------------------------------------------------------------------
    async def send(self, activity: Activity) -> list[Activity]:
        await self.adapter.receive_activity(activity)
        out = list(self.adapter.activity_buffer)
        self.adapter.activity_buffer.clear()
        return out

    def channel_activity(self, sender: ChannelAccount, channel_id: str, root_id: str,
                         text: str | None, *, msg_id: str, mention: bool = False,
                         **fields: Any) -> Activity:
        entities = []
        if mention and text is not None:
            text = f"<at>{BOT_NAME}</at> {text}"
            entities = [bot_mention()]
        values: dict[str, Any] = {
            "type": "message", "id": msg_id, "channel_id": "msteams",
            "service_url": SERVICE_URL, "from_property": sender, "recipient": bot_account(),
            "conversation": ConversationAccount(
                id=thread_conversation_id(channel_id, root_id), conversation_type="channel",
                is_group=True, tenant_id=TENANT),
            "channel_data": {"channel": {"id": channel_id}, "tenant": {"id": TENANT}},
            "text": text, "entities": entities, "text_format": "plain",
        }
        values.update(fields)
        return Activity(**values)

    async def post(self, person_id: str, thread: Thread, text: str, *, mention: bool = False,
                   msg_id: str | None = None) -> list[Activity]:
        """A reply in a case thread."""
        activity = self.channel_activity(account(self.person(person_id)), thread.channel_id,
                                         thread.root_message_id, text, msg_id=msg_id or next_id(),
                                         mention=mention)
        return await self.send(activity)

    async def post_top_level(self, person_id: str, service: str, text: str, *,
                             mention: bool = False) -> list[Activity]:
        msg_id = next_id()
        activity = self.channel_activity(account(self.person(person_id)),
                                         self.config.service(service).channel_id, msg_id, text,
                                         msg_id=msg_id, mention=mention)
        return await self.send(activity)

    async def chat(self, person_id: str, text: str) -> list[Activity]:
        person = self.person(person_id)
        return await self.send(Activity(
            type="message", id=next_id(), channel_id="msteams", service_url=SERVICE_URL,
            from_property=account(person), recipient=bot_account(), text=text,
            conversation=ConversationAccount(id=f"a:1chat-{person_id}",
                                             conversation_type="personal", tenant_id=TENANT)))

    async def click(self, person_id: str, verb: str, data: dict[str, Any], *,
                    thread: Thread | None = None, activity_id: str | None = None,
                    ) -> tuple[Card, list[Activity]]:
        """Press a button: (the card that replaces it, anything else the bot posted)."""
        person = self.person(person_id)
        conversation = ConversationAccount(
            id=thread.conversation_id, conversation_type="channel", is_group=True,
            tenant_id=TENANT) if thread else ConversationAccount(
            id=f"a:1chat-{person_id}", conversation_type="personal", tenant_id=TENANT)
        sent = await self.send(Activity(
            type="invoke", name="adaptiveCard/action", id=activity_id or next_id(),
            channel_id="msteams",
            service_url=SERVICE_URL, from_property=account(person), recipient=bot_account(),
            conversation=conversation, channel_data={"tenant": {"id": TENANT}},
            value={"action": {"type": "Action.Execute", "verb": verb, "data": data},
                   "trigger": "manual"}))
        [response] = [a for a in sent if a.type == "invokeResponse"]
        assert response.value.status == 200
        return response.value.body["value"], [a for a in sent if a.type != "invokeResponse"]

    async def press(self, person_id: str, card: Card, verb: str,
                    typed: dict[str, Any] | None = None, *,
                    thread: Thread | None = None) -> Card:
        """Fill in a card's inputs and press its button, as Teams does (data plus inputs)."""
        data = {**button(card, verb)["data"], **(typed or {})}
        replaced, _ = await self.click(person_id, verb, data, thread=thread)
        return replaced

    async def case_card(self, case: Case, thread: Thread | None, person_id: str = LEANNE
                        ) -> Card:
        data = {"reference": case.reference, "svc": thread.service_id if thread else None}
        replaced, _ = await self.click(person_id, "officer.refresh", data, thread=thread)
        return replaced


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'cases.sqlite3'}")
    await store.create_all()
    yield store
    await store.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def teams(sqlite_store: Store, config: CouncilConfig, clock: Clock) -> Teams:
    return Teams(sqlite_store, config, clock)


def with_leave(config: CouncilConfig, officer: str, delegate: str, starts_on: date,
               ends_on: date) -> CouncilConfig:
    others = tuple(d for d in config.delegations
                   if not (isinstance(d, LeaveDelegation) and d.officer == officer))
    leave = LeaveDelegation(kind="leave", officer=officer, delegate=delegate,
                            starts_on=starts_on, ends_on=ends_on)
    return config.model_copy(update={"delegations": (*others, leave)})


# --- replies in a case thread ------------------------------------------------------------------

async def test_an_unmentioned_thread_reply_goes_to_the_member_and_is_confirmed(
    teams: Teams,
) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    sent = await teams.post(LEANNE, thread, "We have booked a repair for Friday.",
                            msg_id="1700000000777")

    assert texts_in(sent) == ["Sent to Cllr Sarah Okafor."]
    [replied] = await teams.events(case, "replied")
    assert replied.actor_id == LEANNE
    assert replied.payload["text"] == "We have booked a repair for Friday."
    assert replied.payload["message_id"] == "1700000000777"
    assert replied.payload["first_response"] is True
    assert ("officer-reply", f"person:{SARAH}") in await teams.outbox(case)
    after = await teams.case(case.reference)
    assert after.state is CaseState.RESPONDED and after.first_response_at == MONDAY


async def test_the_first_response_updates_the_threads_case_card_in_place(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    await teams.post(LEANNE, thread, "Booked for Friday.")
    await teams.post(LEANNE, thread, "Crew confirmed.")

    [update] = teams.adapter.updated_activities  # only the first response changed the card
    assert update.id == thread.card_activity_id
    card = update.attachments[0].content
    assert "Responded" in texts(card)
    assert "Met" in texts(card)


async def test_a_mentioned_reply_has_the_mention_stripped(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    sent = await teams.post(LEANNE, thread, "The gully is cleared.", mention=True)

    assert texts_in(sent) == ["Sent to Cllr Sarah Okafor."]
    [replied] = await teams.events(case, "replied")
    assert replied.payload["text"] == "The gully is cleared."


def test_other_peoples_mentions_keep_their_names_and_the_bots_goes() -> None:
    activity = Activity(
        type="message", text="<at>Member Enquiries</at> <at>Dean Whittle</at> can you check?",
        recipient=bot_account(),
        entities=[Mention(mentioned=ChannelAccount(id=BOT_ID, name=BOT_NAME),
                          text="<at>Member Enquiries</at>", type="mention")])

    assert message_text(activity) == "Dean Whittle can you check?"


@pytest.mark.parametrize("text", ["internal: check the gully first", "Internal: check the gully "
                                  "first", "INTERNAL:check the gully first"])
async def test_the_internal_prefix_keeps_a_note_that_never_reaches_the_member(
    teams: Teams, text: str,
) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    before = await teams.outbox(case)

    sent = await teams.post(LEANNE, thread, text)

    assert texts_in(sent) == ["Internal note saved \u2014 not sent to the member."]
    [noted] = await teams.events(case, "noted")
    assert noted.payload["text"] == "check the gully first"
    assert noted.payload["internal"] is True
    assert await teams.outbox(case) == before
    assert await teams.events(case, "replied") == []


async def test_a_redelivered_thread_message_is_recorded_once(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    await teams.post(LEANNE, thread, "On it.", msg_id="1700000000888")
    again = await teams.post(LEANNE, thread, "On it.", msg_id="1700000000888")

    assert again == []
    assert len(await teams.events(case, "replied")) == 1


async def test_the_bots_own_posts_are_ignored(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    own = teams.channel_activity(bot_account(), thread.channel_id, thread.root_message_id,
                                 "Sent to Cllr Sarah Okafor.", msg_id=next_id())

    assert await teams.send(own) == []
    assert await teams.events(case, "replied", "noted") == []


async def test_officer_flows_ignore_a_bot_post_even_when_handed_one(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    own = teams.channel_activity(ChannelAccount(id=BOT_ID, name=BOT_NAME, role="bot"),
                                 thread.channel_id, thread.root_message_id, "Hello",
                                 msg_id=next_id())
    turn = TurnContext(teams.adapter, own)

    await teams.officers.on_message(turn, teams.person(LEANNE))

    assert teams.adapter.activity_buffer == []
    assert await teams.events(case, "replied", "noted") == []


async def test_an_officer_of_another_service_is_refused_and_nothing_is_recorded(
    teams: Teams,
) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    sent = await teams.post(KAREN, thread, "Not ours, surely?")

    [answer] = texts_in(sent)
    assert answer.startswith("Sorry Karen Tyrer, only officers of this enquiry's service areas")
    assert "not recorded" in answer
    assert await teams.events(case, "replied", "noted") == []


async def test_a_councillor_posting_in_the_thread_is_refused(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    sent = await teams.post("peter-halloran", thread, "Any news?")

    assert "not recorded" in texts_in(sent)[0]
    assert await teams.events(case, "replied", "noted") == []


async def test_a_stranger_in_a_channel_gets_no_answer(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    stranger = ChannelAccount(id="29:1stranger", name="Visitor", aad_object_id=(
        "00000000-0000-4000-8000-000000000000"))

    sent = await teams.send(teams.channel_activity(stranger, thread.channel_id,
                                                   thread.root_message_id, "hi",
                                                   msg_id=next_id()))

    assert sent == []


async def test_member_support_may_reply_in_any_thread(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    sent = await teams.post(KATHRYN, thread, "Chasing this for the Leader.")

    assert texts_in(sent) == ["Sent to Cllr Sarah Okafor."]
    [replied] = await teams.events(case, "replied")
    assert replied.actor_id == KATHRYN


async def test_the_demo_delegate_covers_on_leave_days(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    sent = await teams.post(LEANNE, thread, "Covering for Gareth: booked in.")

    assert texts_in(sent) == ["Sent to Cllr Sarah Okafor."]


async def test_a_delegate_from_another_service_may_act_on_leave_days_only(
    sqlite_store: Store, config: CouncilConfig, clock: Clock,
) -> None:
    teams = Teams(sqlite_store, with_leave(config, GARETH, COLIN, date(2026, 11, 16),
                                           date(2026, 11, 27)), clock)
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    during = await teams.post(COLIN, thread, "Covering roads this week: booked in.")
    clock.now = MONDAY + timedelta(days=7)  # Monday 30 November: Gareth is back
    after = await teams.post(COLIN, thread, "One more thing.")

    assert texts_in(during) == ["Sent to Cllr Sarah Okafor."]
    assert "not recorded" in texts_in(after)[0]
    assert [e.actor_id for e in await teams.events(case, "replied")] == [COLIN]


async def test_an_edit_is_recorded_and_the_officer_told_the_member_has_the_original(
    teams: Teams,
) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    await teams.post(LEANNE, thread, "Repair on Friday.", msg_id="1700000000901")
    edit = teams.channel_activity(
        account(teams.person(LEANNE)), thread.channel_id, thread.root_message_id,
        "Repair on Saturday.", msg_id="1700000000901", type="messageUpdate",
        channel_data={"channel": {"id": thread.channel_id}, "eventType": "editMessage"})

    sent = await teams.send(edit)

    [edited] = await teams.events(case, "message_edited")
    assert edited.payload == {"message_id": "1700000000901", "text": "Repair on Saturday."}
    assert "already has the original reply" in texts_in(sent)[0]
    assert len(await teams.events(case, "replied")) == 1  # nothing new went to the member


async def test_a_deletion_is_recorded(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    await teams.post(LEANNE, thread, "internal: wrong case, sorry", msg_id="1700000000902")
    delete = teams.channel_activity(
        account(teams.person(LEANNE)), thread.channel_id, thread.root_message_id, None,
        msg_id="1700000000902", type="messageDelete",
        channel_data={"channel": {"id": thread.channel_id}, "eventType": "softDeleteMessage"})

    sent = await teams.send(delete)

    [deleted] = await teams.events(case, "message_deleted")
    assert deleted.payload["message_id"] == "1700000000902"
    assert sent == []  # an internal note: nobody outside saw it


async def test_a_message_with_no_text_is_explained_not_recorded(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    sent = await teams.post(LEANNE, thread, "   ", mention=True)

    assert "no text" in texts_in(sent)[0]
    assert await teams.events(case, "replied", "noted") == []


async def test_a_reply_on_a_closed_case_is_kept_as_an_internal_note(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    await teams.casework.close(case.reference or "", actor=member(SARAH), now=MONDAY)

    sent = await teams.post(LEANNE, thread, "For the record: repaired.")

    assert "is closed, so this was kept as an internal note" in texts_in(sent)[0]
    [noted] = await teams.events(case, "noted")
    assert noted.payload["text"] == "For the record: repaired."
    assert ("officer-reply", f"person:{SARAH}") not in await teams.outbox(case)


async def test_channel_chatter_outside_case_threads_gets_no_answer(teams: Teams) -> None:
    await teams.new_case()

    assert await teams.post_top_level(LEANNE, "roads", "Morning all, who has the van?") == []


async def test_a_mention_outside_a_case_thread_gets_the_channel_help(teams: Teams) -> None:
    sent = await teams.post_top_level(LEANNE, "roads", "help", mention=True)

    [card] = cards_in(sent)
    assert "Each enquiry for Roads and pavements arrives here as a thread" in texts(card)
    assert verbs(card) == ["officer.log_form"]


# --- card actions ------------------------------------------------------------------------------

async def test_the_case_card_shows_what_an_officer_needs(teams: Teams) -> None:
    case = await teams.new_case(constituent_name="Mrs Evans", consent_given=True)
    thread = await teams.open_thread(case)

    card = await teams.case_card(case, thread)

    shown = texts(card)
    for expected in (case.reference or "", "Cllr Sarah Okafor", "Ashcroft",
                     "Report it / safety issue", "14 Mill Lane",
                     "A deep pothole outside number 14", "Repair it before someone is hurt",
                     "Acknowledge by: Tuesday 24 November (in 1 working day)", "Due soon",
                     "First response by: Monday 7 December (in 10 working days)", "On track",
                     "Open \u00b7 Not assigned yet", "Mrs Evans"):
        assert expected in shown
    assert verbs(card)[0] == "officer.acknowledge"
    nonces = {a["data"]["nonce"] for a in find(card, lambda n: n.get("type") == "Action.Execute")
              if "nonce" in a["data"]}
    assert len(nonces) == 1


async def test_acknowledge_and_claim_updates_the_card(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.acknowledge", thread=thread)

    assert "Acknowledged and claimed by Leanne Moorcroft." in texts(after)
    assert "Acknowledged \u00b7 Assigned to Leanne Moorcroft" in texts(after)
    assert "officer.acknowledge" not in verbs(after)
    stored = await teams.case(case.reference)
    assert stored.state is CaseState.ACKNOWLEDGED and stored.assignee_id == LEANNE
    assert ("acknowledged", f"person:{SARAH}") in await teams.outbox(case)


async def test_a_card_used_twice_changes_the_case_once(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    await teams.press(LEANNE, card, "officer.acknowledge", thread=thread)
    again, _ = await teams.click(LEANNE, "officer.claim", button(card, "officer.acknowledge")[
        "data"], thread=thread)  # another button of the same (now stale) card

    assert "already been used" in texts(again)
    assert (await teams.case(case.reference)).assignee_id == LEANNE
    assert len(await teams.events(case, "acknowledged", "assigned")) == 1


async def test_a_card_nonce_is_scoped_by_the_person_who_clicks(teams: Teams) -> None:
    """The thread's card is shared: another officer's click on it is their own action, not a
    replay of the first officer's (issue 11, hole 4)."""
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    await teams.press(LEANNE, card, "officer.acknowledge", thread=thread)
    claimed, _ = await teams.click(DEAN, "officer.claim", button(card, "officer.acknowledge")[
        "data"], thread=thread)

    assert "already been used" not in texts(claimed)
    assert (await teams.case(case.reference)).assignee_id == DEAN
    assert len(await teams.events(case, "acknowledged")) == 1
    assert len(await teams.events(case, "assigned")) == 1


async def test_a_button_without_a_nonce_is_guarded_by_the_invoke_id(teams: Teams) -> None:
    """The SLA sweep's "acknowledgement overdue" card carries only the reference."""
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    data = {"ref": case.reference}

    first, _ = await teams.click(DEAN, "officer.claim", data, thread=thread,
                                 activity_id="f:invoke-1")
    again, _ = await teams.click(DEAN, "officer.claim", data, thread=thread,
                                 activity_id="f:invoke-1")  # Teams delivers it again

    assert "Assigned to Dean Whittle." in texts(first)
    assert "already been used" in texts(again)
    assert len(await teams.events(case, "assigned")) == 1


async def test_assign_to_me_and_to_a_colleague(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.press(LEANNE, await teams.case_card(case, thread), "officer.acknowledge",
                             thread=thread)

    card = await teams.press(DEAN, card, "officer.claim", thread=thread)
    assert "Assigned to Dean Whittle." in texts(card)
    card = await teams.press(DEAN, card, "officer.assign", {"assign_officer": LEANNE},
                             thread=thread)

    assert "Assigned to Leanne Moorcroft by Dean Whittle." in texts(card)
    assert ("assigned", f"person:{LEANNE}") in await teams.outbox(case)
    assert (await teams.case(case.reference)).assignee_id == LEANNE


async def test_assigning_to_an_officer_on_leave_says_who_covers(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)
    choices = {c["value"]: c["title"] for c in inputs(card)["assign_officer"]["choices"]}
    assert "on leave: covered by Leanne Moorcroft" in choices[GARETH]

    after = await teams.press(DEAN, card, "officer.assign", {"assign_officer": GARETH},
                              thread=thread)

    assert "Leanne Moorcroft is told and covers it" in texts(after)
    assert ("assigned", f"person:{GARETH}") in await teams.outbox(case)  # delivery re-addresses


async def test_assigning_to_an_officer_of_another_service_is_refused_with_the_form(
    teams: Teams,
) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.assign", {"assign_officer": KAREN},
                              thread=thread)

    assert "Choose an officer of the case's service." in texts(after)
    assert inputs(after)["assign_officer"]["value"] == KAREN
    assert verbs(after) == ["officer.assign", "officer.refresh"]
    assert await teams.events(case, "assigned") == []


async def test_a_forged_submit_is_refused_and_nothing_is_stored(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)

    card, _ = await teams.click(LEANNE, "officer.assign", {
        "ref": case.reference, "nonce": "not a nonce!", "assign_officer": "DROP TABLE"},
        thread=thread)

    assert "Please check the form." in texts(card)
    assert await teams.events(case, "assigned") == []


async def test_ask_the_member_pauses_the_clock(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.ask_member",
                              {"ask_question": "Which side of the road is it?"}, thread=thread)

    assert "Question sent to Cllr Sarah Okafor. The clock is paused" in texts(after)
    assert "the clock is paused" in texts(after)
    assert "Paused" in texts(after)
    assert (await teams.case(case.reference)).paused_at == MONDAY
    assert ("information-requested", f"person:{SARAH}") in await teams.outbox(case)


async def test_an_empty_question_comes_back_with_the_form(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.ask_member", {"ask_question": "   "},
                              thread=thread)

    assert "Write your question for the member" in texts(after)
    assert (await teams.case(case.reference)).paused_at is None


# --- questions to other officers ---------------------------------------------------------------

async def notice(teams: Teams, case: Case, kind: str, recipient: str) -> Card:
    """The card the delivery job would send for the queued row (its payload, the case now)."""
    from dialogs.notices import NoticeContext, renderer_for

    async with teams.store.transaction() as uow:
        rows = [r for r in await uow.outbox.all() if (r.kind, r.recipient) == (kind, recipient)
                and r.payload.get("reference") == case.reference]
    renderer = renderer_for(kind)
    assert rows and renderer is not None, f"no {kind} for {recipient}"
    return renderer(NoticeContext(
        case=await teams.case(case.reference), kind=kind, payload=rows[-1].payload,
        recipient=recipient, config=teams.config, directory=teams.directory,
        policy=teams.casework.policy, now=teams.clock()))


async def ask(teams: Teams, case: Case, thread: Thread, to: str, text: str,
              person_id: str = LEANNE) -> tuple[Card, list[Activity]]:
    """Fill in the case card's "Ask an officer" form in the thread and send it."""
    card = await teams.case_card(case, thread, person_id)
    return await teams.click(person_id, "officer.ask_officer", {
        **button(card, "officer.ask_officer")["data"], "question_to": to,
        "question_text": text}, thread=thread)


async def asked_case(teams: Teams) -> tuple[Case, Thread]:
    case = await teams.new_case()
    return case, await teams.open_thread(case)


def answer_with(card: Card, words: str) -> dict[str, Any]:
    """The Send answer button's data plus the answer typed into its input."""
    data = button(card, "officer.answer_question")["data"]
    return {**data, f"answer_{data['question_id']}": words}


async def test_a_question_to_another_officer_goes_to_their_chat_and_the_answer_to_the_thread(
    teams: Teams,
) -> None:
    case, thread = await asked_case(teams)
    before = await teams.outbox(case)

    after, posted = await ask(teams, case, thread, f"officer:{COLIN}",
                              "Is the lamp outside number 14 on your list?")

    assert "Question sent to Colin Hesketh in their chat. The answer comes back here" in \
        texts(after)
    assert posted == [] and await teams.events(case, "noted") == []
    [asked] = await teams.events(case, "question_asked")
    qid = asked.payload["question_id"]
    assert (asked.actor_id, asked.payload["to_officer"], asked.payload["asked_in"]) == (
        LEANNE, COLIN, "roads")
    assert await teams.outbox(case) == [*before, ("officer-question", f"person:{COLIN}")]
    assert "Questions to officers (1 waiting)" in texts(after)
    assert button(after, "officer.withdraw_question")["data"]["question_id"] == qid

    card = await notice(teams, case, "officer-question", f"person:{COLIN}")
    shown = texts(card)
    assert "Leanne Moorcroft (Roads and pavements) asks Colin Hesketh:" in shown
    assert "Is the lamp outside number 14 on your list?" in shown
    assert "A deep pothole outside number 14" in shown  # the enquiry in brief
    assert f"answer_{qid}" in inputs(card)

    answered, _ = await teams.click(COLIN, "officer.answer_question",
                                    answer_with(card, "Yes: it is fixed on Friday."))

    assert "Thank you: your answer is on the enquiry" in texts(answered)
    assert "Answered by Colin Hesketh" in texts(answered)
    assert "officer.answer_question" not in verbs(answered)
    [done] = await teams.events(case, "question_answered")
    assert (done.actor_id, done.payload["answer"]) == (COLIN, "Yes: it is fixed on Friday.")
    assert ("question-answered", "thread:roads") in await teams.outbox(case)
    told = await notice(teams, case, "question-answered", "thread:roads")
    assert "<at>Leanne Moorcroft</at>, Colin Hesketh answered your question:" in texts(told)
    assert "Yes: it is fixed on Friday." in texts(told)
    assert told["msteams"]["entities"][0]["mentioned"]["id"] == \
        teams.person(LEANNE).teams_user_id
    refreshed = await teams.case_card(case, thread)
    assert "Answered by Colin Hesketh" in texts(refreshed)
    assert "officer.withdraw_question" not in verbs(refreshed)
    assert [r for r in await teams.outbox(case) if r[1] == f"person:{SARAH}"] == []


async def test_the_same_answer_card_used_twice_records_one_answer(teams: Teams) -> None:
    case, thread = await asked_case(teams)
    await ask(teams, case, thread, f"officer:{COLIN}", "Is the lamp on your list?")
    card = await notice(teams, case, "officer-question", f"person:{COLIN}")

    await teams.click(COLIN, "officer.answer_question", answer_with(card, "Yes."))
    again, _ = await teams.click(COLIN, "officer.answer_question", answer_with(card, "Yes."))

    assert "This card had already been used" in texts(again)
    assert len(await teams.events(case, "question_answered")) == 1


async def test_a_question_to_a_service_not_on_the_case_reaches_its_coordinators(
    teams: Teams,
) -> None:
    case, thread = await asked_case(teams)

    after, _ = await ask(teams, case, thread, "service:parking", "Are the yellow lines due?")

    assert "Question sent to the Parking coordinators in their chats." in texts(after)
    queued = await teams.outbox(case)
    assert ("officer-question", "person:joanne-kirby") in queued
    assert ("officer-question", "person:mark-rawlinson") in queued
    card = await notice(teams, case, "officer-question", "person:joanne-kirby")
    assert "Leanne Moorcroft (Roads and pavements) asks Parking:" in texts(card)

    answered, _ = await teams.click("joanne-kirby", "officer.answer_question",
                                    answer_with(card, "Yes, in March."))

    assert "Answered by Joanne Kirby" in texts(answered)
    told = await notice(teams, case, "question-answered", "thread:roads")
    assert "Joanne Kirby answered the question you put to Parking:" in texts(told)


async def test_a_question_to_a_service_on_the_case_is_answered_in_its_thread(
    teams: Teams,
) -> None:
    case, thread = await asked_case(teams)
    await teams.casework.add_service(case.reference or "", actor=officer(LEANNE), now=MONDAY,
                                     service_id="parking")
    parking = await teams.open_thread(case, "parking")

    after, _ = await ask(teams, case, thread, "service:parking", "Are the yellow lines due?")

    assert "Question posted in the Parking thread of this enquiry." in texts(after)
    card = await notice(teams, case, "officer-question", "thread:parking")
    assert button(card, "officer.answer_question")["data"]["svc"] == "parking"
    answered, _ = await teams.click("mark-rawlinson", "officer.answer_question",
                                    answer_with(card, "Yes."), thread=parking)
    assert "Answered by Mark Rawlinson" in texts(answered)


async def test_an_officer_of_an_unrelated_service_cannot_answer_and_sees_nothing_more(
    teams: Teams,
) -> None:
    case, thread = await asked_case(teams)
    await ask(teams, case, thread, f"officer:{COLIN}",
              "Is the lamp outside number 14 on your list?")
    card = await notice(teams, case, "officer-question", f"person:{COLIN}")

    refused, _ = await teams.click(KAREN, "officer.answer_question", answer_with(card, "Mine!"))

    assert "Sorry, you can't answer this question on" in texts(refused)
    assert "lamp" not in texts(refused)
    assert await teams.events(case, "question_answered") == []


async def test_a_delegate_answers_for_the_officer_asked_while_they_are_on_leave(
    sqlite_store: Store, config: CouncilConfig, clock: Clock,
) -> None:
    teams = Teams(sqlite_store, with_leave(config, COLIN, KAREN, date(2026, 11, 16),
                                           date(2026, 11, 27)), clock)
    case, thread = await asked_case(teams)

    after, _ = await ask(teams, case, thread, f"officer:{COLIN}", "Is the lamp on your list?")

    assert "Question sent to Colin Hesketh in their chat (on leave: Karen Tyrer covers it)." in \
        texts(after)
    card = await notice(teams, case, "officer-question", f"person:{COLIN}")
    answered, _ = await teams.click(KAREN, "officer.answer_question",
                                    answer_with(card, "Colin is away: yes, Friday."))
    assert "Answered by Karen Tyrer" in texts(answered)


async def test_an_empty_answer_comes_back_with_the_question(teams: Teams) -> None:
    case, thread = await asked_case(teams)
    await ask(teams, case, thread, f"officer:{COLIN}", "Is the lamp on your list?")
    card = await notice(teams, case, "officer-question", f"person:{COLIN}")

    again, _ = await teams.click(COLIN, "officer.answer_question", answer_with(card, "   "))

    assert "Write your answer" in texts(again)
    assert "Is the lamp on your list?" in texts(again)
    assert "officer.answer_question" in verbs(again)
    assert await teams.events(case, "question_answered") == []


async def test_a_question_is_withdrawn_from_the_case_card_with_a_reason(teams: Teams) -> None:
    case, thread = await asked_case(teams)
    after, _ = await ask(teams, case, thread, f"officer:{COLIN}", "Is the lamp on your list?")
    data = button(after, "officer.withdraw_question")["data"]
    qid = data["question_id"]

    withdrawn, _ = await teams.click(DEAN, "officer.withdraw_question", {
        **data, f"withdraw_{qid}": "Street lighting already replied by email."}, thread=thread)

    assert "Question withdrawn: whoever it was put to is told" in texts(withdrawn)
    assert "Withdrawn by Dean Whittle" in texts(withdrawn)
    assert "officer.withdraw_question" not in verbs(withdrawn)
    [event] = await teams.events(case, "question_withdrawn")
    assert (event.actor_id, event.payload["reason"]) == (
        DEAN, "Street lighting already replied by email.")
    assert ("question-withdrawn", f"person:{COLIN}") in await teams.outbox(case)
    told = await notice(teams, case, "question-withdrawn", f"person:{COLIN}")
    assert "Dean Whittle withdrew the question Leanne Moorcroft put to Colin Hesketh. No answer " \
        "is needed." in texts(told)

    old_card = await notice(teams, case, "officer-question", f"person:{COLIN}")
    late, _ = await teams.click(COLIN, "officer.answer_question", answer_with(old_card, "Yes"))
    assert "That question has already been withdrawn." in texts(late)
    assert "Withdrawn by Dean Whittle" in texts(late)
    assert await teams.events(case, "question_answered") == []


async def test_a_withdrawal_without_a_reason_changes_nothing(teams: Teams) -> None:
    case, thread = await asked_case(teams)
    after, _ = await ask(teams, case, thread, f"officer:{COLIN}", "Is the lamp on your list?")

    again, _ = await teams.click(LEANNE, "officer.withdraw_question",
                                 button(after, "officer.withdraw_question")["data"],
                                 thread=thread)

    assert "Say why the question is withdrawn" in texts(again)
    assert await teams.events(case, "question_withdrawn") == []


async def test_an_officer_of_another_service_cannot_ask_or_withdraw(teams: Teams) -> None:
    case, thread = await asked_case(teams)
    after, _ = await ask(teams, case, thread, f"officer:{COLIN}", "Is the lamp on your list?")
    data = button(after, "officer.withdraw_question")["data"]

    asked, _ = await teams.click(KAREN, "officer.ask_officer", {
        **data, "question_to": "service:bins", "question_text": "Bins too?"}, thread=thread)
    withdrawn, _ = await teams.click(KAREN, "officer.withdraw_question", {
        **data, f"withdraw_{data['question_id']}": "Not needed"}, thread=thread)

    assert "Sorry, you can't ask a question about" in texts(asked)
    assert "Sorry, you can't withdraw a question on" in texts(withdrawn)
    assert len(await teams.events(case, "question_asked")) == 1
    assert await teams.events(case, "question_withdrawn") == []


async def test_a_question_to_yourself_is_refused_with_the_form(teams: Teams) -> None:
    case, thread = await asked_case(teams)

    after, _ = await ask(teams, case, thread, f"officer:{LEANNE}", "Talking to myself?")

    assert "Ask someone other than yourself." in texts(after)
    assert "question_text" in inputs(after)
    assert await teams.events(case, "question_asked") == []


async def test_questions_for_you_lists_and_answers_what_waits(teams: Teams) -> None:
    case, thread = await asked_case(teams)
    await ask(teams, case, thread, f"officer:{COLIN}",
              "Is the lamp outside number 14 on your list?")

    [listed] = cards_in(await teams.chat(COLIN, "my questions"))

    assert "Questions for you" in texts(listed)
    assert "Is the lamp outside number 14 on your list?" in texts(listed)
    shown, _ = await teams.click(COLIN, "officer.question",
                                 button(listed, "officer.question")["data"])
    assert "A deep pothole outside number 14" in texts(shown)
    after, _ = await teams.click(COLIN, "officer.answer_question",
                                 answer_with(listed, "Yes, Friday."))
    assert "Thank you: your answer is on the enquiry" in texts(after)
    assert "No questions are waiting for you" in texts(after)
    assert len(await teams.events(case, "question_answered")) == 1
    [nothing] = cards_in(await teams.chat(LEANNE, "questions"))
    assert "No questions are waiting for you" in texts(nothing)


async def test_the_members_timeline_never_shows_questions(teams: Teams) -> None:
    from dialogs.members.cards import MemberView
    from dialogs.members.timeline import timeline_blocks

    case, thread = await asked_case(teams)
    await ask(teams, case, thread, f"officer:{COLIN}", "Secret question one?")
    await ask(teams, case, thread, "service:parking", "Secret question two?")
    card = await notice(teams, case, "officer-question", f"person:{COLIN}")
    await teams.click(COLIN, "officer.answer_question", answer_with(card, "Secret answer."))
    refreshed = await teams.case_card(case, thread)
    data = button(refreshed, "officer.withdraw_question")["data"]
    await teams.click(LEANNE, "officer.withdraw_question",
                      {**data, f"withdraw_{data['question_id']}": "Secret reason."},
                      thread=thread)
    events = await teams.events(case)
    assert {"question_asked", "question_answered", "question_withdrawn"} <= {
        e.kind for e in events}

    view = MemberView(teams.config, teams.directory, teams.casework.policy, teams.clock())
    shown = str(timeline_blocks(view, events))

    assert "Secret" not in shown and "uestion" not in shown
    assert "Raised by" in shown


async def test_redirect_moves_the_case_and_the_old_card_says_where(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.redirect", {
        "redirect_service": "street-lighting", "redirect_reason": "It is a broken lamp."},
        thread=thread)

    shown = texts(after)
    assert "Redirected by Leanne Moorcroft to Street lighting and signs" in shown
    assert "It is a broken lamp." in shown
    assert verbs(after) == []
    stored = await teams.case(case.reference)
    assert stored.lead_service == "street-lighting" and stored.state is CaseState.OPEN
    queued = await teams.outbox(case)
    assert ("case-opened", "thread:street-lighting") in queued
    assert ("case-redirected", "thread:roads") in queued
    refreshed = await teams.case_card(case, thread, KATHRYN)  # roads officers no longer may
    assert "continues in that service's channel" in texts(refreshed)


async def test_redirecting_to_the_same_service_is_refused(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.redirect", {
        "redirect_service": "roads", "redirect_reason": "Oops"}, thread=thread)

    assert "The case is already with that service." in texts(after)
    assert await teams.events(case, "redirected") == []


async def test_add_a_service_for_a_joint_response(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.add_service", {"add_service": "parking"},
                              thread=thread)

    assert "Added Parking for a joint response" in texts(after)
    assert "Roads and pavements (lead), Parking" in texts(after)
    assert ("case-opened", "thread:parking") in await teams.outbox(case)
    joint_thread = await teams.open_thread(await teams.case(case.reference), "parking")
    joint = await teams.case_card(case, joint_thread, "joanne-kirby")
    assert "Joint response: Roads and pavements leads." in texts(joint)


async def test_convert_the_enquiry_type(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)
    offered = [c["value"] for c in inputs(card)["convert_type"]["choices"]]
    assert offered == ["information_request", "speed_issue", "improvement_request"]

    after = await teams.press(LEANNE, card, "officer.convert_type",
                              {"convert_type": "speed_issue"}, thread=thread)

    assert "Type changed to Speed issue request." in texts(after)
    assert (await teams.case(case.reference)).enquiry_type == "speed_issue"


async def test_converting_to_a_type_the_service_does_not_offer_is_refused(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.convert_type",
                              {"convert_type": "dangerous_waste"}, thread=thread)

    assert "is not offered by this service" in texts(after)
    assert (await teams.case(case.reference)).enquiry_type == "report_it"


async def test_mark_long_term_with_an_expected_date(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.mark_long_term", {
        "lt_expected_on": "2027-03-31", "lt_reason": "Resurfacing programme"}, thread=thread)

    assert "Marked long-term: works expected by Wednesday 31 March 2027." in texts(after)
    assert "Awaiting works" in texts(after)
    assert "Works expected by: Wednesday 31 March 2027" in texts(after)
    stored = await teams.case(case.reference)
    assert stored.state is CaseState.LONG_TERM and stored.expected_works_on == date(2027, 3, 31)
    assert ("long-term", f"person:{SARAH}") in await teams.outbox(case)


@pytest.mark.parametrize(("typed", "message"), [
    ("2026-11-01", "The expected date must be in the future."),
    ("next spring", "Give the date the works are expected"),
])
async def test_a_long_term_date_that_is_past_or_not_a_date_is_refused(
    teams: Teams, typed: str, message: str,
) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.mark_long_term", {
        "lt_expected_on": typed, "lt_reason": "Resurfacing"}, thread=thread)

    assert message in texts(after)
    assert inputs(after)["lt_reason"]["value"] == "Resurfacing"
    assert (await teams.case(case.reference)).state is CaseState.OPEN


async def test_final_response_without_closing(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.final_response", {
        "final_text": "Repaired on Friday.", "final_close": "false"}, thread=thread)

    assert "Final response sent to Cllr Sarah Okafor." in texts(after)
    assert "closes itself on" in texts(after)
    stored = await teams.case(case.reference)
    assert stored.state is CaseState.RESPONDED and stored.final_response_at == MONDAY
    assert ("final-response", f"person:{SARAH}") in await teams.outbox(case)


async def test_final_response_and_close_now(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.final_response", {
        "final_text": "Repaired on Friday.", "final_close": "true"}, thread=thread)

    assert "The enquiry is closed." in texts(after)
    assert verbs(after)[-1] == "officer.reopen"
    assert (await teams.case(case.reference)).state is CaseState.CLOSED


async def test_close_then_reopen(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    closed = await teams.press(LEANNE, card, "officer.close",
                               {"close_reason": "Duplicate of another case"}, thread=thread)
    assert "Closed by Leanne Moorcroft. Cllr Sarah Okafor has been told." in texts(closed)
    assert ("closed", f"person:{SARAH}") in await teams.outbox(case)
    reopened = await teams.press(LEANNE, closed, "officer.reopen",
                                 {"reopen_reason": "Not a duplicate after all"}, thread=thread)

    assert "Reopened. It needs acknowledging again by" in texts(reopened)
    assert (await teams.case(case.reference)).state is CaseState.REOPENED


async def test_an_officer_of_another_service_cannot_act_on_the_card(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(KAREN, card, "officer.acknowledge", thread=thread)

    assert "Sorry, you can't acknowledge ENQ-2026-000001." in texts(after)
    assert "pothole" not in texts(after)
    assert (await teams.case(case.reference)).state is CaseState.OPEN


async def test_a_councillor_pressing_an_officer_button_is_refused(teams: Teams) -> None:
    case = await teams.new_case()
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(SARAH, card, "officer.acknowledge", thread=thread)

    assert "Nothing was changed" in texts(after)
    assert (await teams.case(case.reference)).state is CaseState.OPEN


# --- escalations -------------------------------------------------------------------------------

async def _escalated(teams: Teams, clock: Clock) -> Case:
    case = await teams.new_case()
    clock.now = datetime(2026, 12, 8, 10, 0, tzinfo=LONDON)  # working day 11: escalation open
    outcome = await teams.casework.escalate(case.reference or "", actor=member(SARAH),
                                            now=clock.now, reason="Nobody has replied.")
    return outcome.case


async def test_the_escalation_owner_answers_from_the_escalation_card(
    teams: Teams, clock: Clock,
) -> None:
    from dialogs.notices import NoticeContext
    from dialogs.officers.notices import OFFICER_NOTICES

    case = await _escalated(teams, clock)
    notice = OFFICER_NOTICES["escalation"](NoticeContext(
        case=case, kind="escalation", payload={"reference": case.reference, "actor_id": SARAH,
                                               "reason": "Nobody has replied."},
        recipient="escalation:roads", config=teams.config, directory=teams.directory,
        policy=teams.casework.policy, now=clock.now))
    assert "Nobody has replied." in texts(notice)

    after = await teams.press(PHILIP, notice, "officer.answer_escalation",
                              {"escalation_answer": "I have asked the team to repair it today."})

    assert "Your answer to the escalation was sent to Cllr Sarah Okafor." in texts(after)
    stored = await teams.case(case.reference)
    assert stored.escalation_state is EscalationState.ANSWERED
    assert ("escalation-answer", f"person:{SARAH}") in await teams.outbox(case)


async def test_a_coordinator_cannot_answer_an_escalation(teams: Teams, clock: Clock) -> None:
    case = await _escalated(teams, clock)
    thread = await teams.open_thread(case)
    card = await teams.case_card(case, thread)

    after = await teams.press(LEANNE, card, "officer.answer_escalation",
                              {"escalation_answer": "Done."}, thread=thread)

    assert "Sorry, you can't answer the escalation of" in texts(after)
    assert (await teams.case(case.reference)).escalation_state is EscalationState.ESCALATED


# --- logging an enquiry for a councillor -------------------------------------------------------

async def test_log_for_a_councillor_in_the_service_channel_gives_the_form(teams: Teams) -> None:
    sent = await teams.post_top_level(LEANNE, "roads", "log for Sarah Okafor")

    [form] = cards_in(sent)
    fields = inputs(form)
    assert fields["log_member"]["value"] == SARAH
    assert fields["log_service"]["value"] == "roads"
    assert verbs(form) == ["officer.log_submit"]


async def test_logging_for_a_councillor_records_it_as_raised_by_the_officer(
    teams: Teams,
) -> None:
    [form] = cards_in(await teams.post_top_level(LEANNE, "roads", "log for sarah okafor"))

    logged = await teams.press(LEANNE, form, "officer.log_submit", {
        "log_member": SARAH, "log_service": "roads", "log_type": "report_it",
        "log_location": "Mill Lane", "log_description": "Blocked drain",
        "log_ask": "Clear it", "log_consent": "false", "log_urgent": "true",
        "log_special": "false"})

    assert "Logged ENQ-2026-000001 for Cllr Sarah Okafor. They have been told" in texts(logged)
    case = await teams.case("ENQ-2026-000001")
    assert (case.member_id, case.raised_by_id, case.ward_id) == (SARAH, LEANNE, "ashcroft")
    assert case.urgency.value == "urgent"
    queued = await teams.outbox(case)
    assert ("logged-for-member", f"person:{SARAH}") in queued
    assert ("case-opened", "thread:roads") in queued


async def test_a_log_form_with_problems_comes_back_and_logs_nothing(teams: Teams) -> None:
    [form] = cards_in(await teams.post_top_level(LEANNE, "roads", "log enquiry"))

    again = await teams.press(LEANNE, form, "officer.log_submit", {
        "log_member": SARAH, "log_service": "roads", "log_type": "dangerous_waste",
        "log_description": "Blocked drain", "log_ask": "Clear it"})

    assert "Roads and pavements does not take that type of enquiry." in texts(again)
    assert inputs(again)["log_description"]["value"] == "Blocked drain"
    async with teams.store.transaction() as uow:
        assert await uow.cases.find("ENQ-2026-000001") is None


async def test_a_log_form_missing_the_description_names_it(teams: Teams) -> None:
    [form] = cards_in(await teams.post_top_level(LEANNE, "roads", "log enquiry"))

    again = await teams.press(LEANNE, form, "officer.log_submit", {
        "log_member": SARAH, "log_service": "roads", "log_type": "report_it",
        "log_description": "", "log_ask": "Clear it"})

    assert "Describe the enquiry" in texts(again)


async def test_an_officer_cannot_log_for_another_service(teams: Teams) -> None:
    [form] = cards_in(await teams.post_top_level(KAREN, "bins", "log enquiry"))

    again = await teams.press(KAREN, form, "officer.log_submit", {
        "log_member": SARAH, "log_service": "roads", "log_type": "report_it",
        "log_description": "Pothole", "log_ask": "Fix it"})

    assert "Only officers of Roads and pavements or the member support team" in texts(again)


async def test_log_for_an_unknown_name_asks_to_choose(teams: Teams) -> None:
    [form] = cards_in(await teams.chat(LEANNE, "log for Smith"))

    assert "I couldn't find a councillor called \u201cSmith\u201d" in texts(form)
    assert inputs(form)["log_member"]["value"] == ""


# --- the officer's own chat --------------------------------------------------------------------

async def test_help_in_the_officers_chat(teams: Teams) -> None:
    [card] = cards_in(await teams.chat(LEANNE, "hello"))

    assert "my queue" in texts(card)
    assert verbs(card) == ["officer.queue", "officer.questions", "officer.log_form"]


async def test_my_queue_pages_ten_at_a_time_with_badges(teams: Teams) -> None:
    for _ in range(12):
        await teams.new_case()
    await teams.new_case(service="bins")  # not Leanne's

    [page] = cards_in(await teams.chat(LEANNE, "my queue"))
    assert "Open enquiries 1 to 10 of 12." in texts(page)
    assert "Due soon" in texts(page)
    assert verbs(page)[-1] == "officer.queue"
    second = await teams.press(LEANNE, page, "officer.queue")

    assert "Open enquiries 11 to 12 of 12." in texts(second)
    assert [a["title"] for a in second["actions"]] == ["Previous"]


async def test_a_reference_in_chat_opens_the_case(teams: Teams) -> None:
    case = await teams.new_case()

    [card] = cards_in(await teams.chat(LEANNE, f"what about {case.reference}?"))

    assert case.reference in texts(card)
    assert "officer.acknowledge" in verbs(card)


async def test_another_services_case_is_not_shown_in_chat(teams: Teams) -> None:
    case = await teams.new_case()

    [card] = cards_in(await teams.chat(KAREN, case.reference or ""))

    assert "Sorry, you can't view" in texts(card)


async def test_the_officer_is_welcomed_with_help(teams: Teams) -> None:
    turn = TurnContext(teams.adapter, Activity(
        type="conversationUpdate", channel_id="msteams", service_url=SERVICE_URL,
        recipient=bot_account(), conversation=ConversationAccount(
            id="a:1chat", conversation_type="personal")))

    await teams.officers.on_welcome(turn, teams.person(LEANNE))

    [card] = cards_in(teams.adapter.activity_buffer)
    assert "help for officers" in texts(card)
