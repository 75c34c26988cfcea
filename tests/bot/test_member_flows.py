"""A councillor's personal chat with the bot, through the Agents SDK's TestAdapter on a real store.

Every test reads like what a member does and asserts what they would notice: the reference on the
acknowledgement, real dates, the buttons offered, a refusal in a plain sentence, and that nothing
was stored when something was refused.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from microsoft_agents.activity import ChannelAccount
from sqlalchemy import func, select

from bot.teams import UNKNOWN_USER
from casestore.calendar import LONDON
from casestore.casework import Casework
from casestore.db.tables import case_events, cases, outbox
from casestore.directory import Directory
from casestore.model import Actor, ActorKind, CaseState
from dialogs.members.notices import MEMBER_NOTICES
from dialogs.notices import NoticeContext
from tests.bot.member_fixtures import (
    DAVID,
    HAYLEY,
    JOAN,
    MONDAY,
    PETER,
    ROADS_OFFICER,
    SARAH,
    Chat,
    Clock,
    OfficerStub,
    actions_of,
    button,
    form_values,
    inputs_of,
    make_bot,
    teams_activity,
    texts,
    verbs,
)
from tests.store.helpers import details, member

OFFICER = Actor(ROADS_OFFICER, ActorKind.OFFICER)
DEC_8 = datetime(2026, 12, 8, 9, 0, tzinfo=LONDON)  # Tuesday: escalation opens


@pytest.fixture
def backend() -> str:
    return "sqlite"  # bot flows need one real store; the store's own tests cover PostgreSQL



@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def chat(casework: Casework, clock: Clock) -> Chat:
    bot, _ctx = make_bot(casework, clock)
    return Chat(bot, casework.directory.get)


async def counts(casework: Casework) -> tuple[int, int, int]:
    """Cases (drafts too), events and outbox rows stored."""
    async with casework.store.engine.begin() as conn:
        return tuple([  # type: ignore[return-value]
            (await conn.execute(select(func.count()).select_from(t))).scalar_one()
            for t in (cases, case_events, outbox)])


async def raise_enquiry(chat: Chat, person: str = SARAH, **values: str) -> str:
    form = await chat.say_one(person, "new enquiry")
    reply = await chat.click(person, form, "member.enquiry.submit", **form_values(**values))
    assert reply.card is not None
    ref = next(a["data"]["reference"] for a in actions_of(reply.card)
               if a["verb"] == "member.case.open")
    return str(ref)


def error_after(card: dict, input_id: str) -> str:
    """The Attention text shown right after an input (where the member looks for it)."""
    def find(items: list) -> str | None:
        for i, item in enumerate(items):
            if item.get("id") == input_id and item.get("type", "").startswith("Input."):
                nxt = items[i + 1] if i + 1 < len(items) else {}
                return nxt.get("text") if nxt.get("color") == "Attention" else ""
            for key in ("items", "body"):
                if isinstance(item.get(key), list) and (found := find(item[key])) is not None:
                    return found
        return None
    return find(card["body"]) or ""


# -- who is talking -------------------------------------------------------------------------------

async def test_an_unknown_teams_account_is_refused_politely_and_shown_nothing(
    chat: Chat, casework: Casework,
) -> None:
    await raise_enquiry(chat)
    sent = await chat.send(teams_activity(None, text="my cases"))
    assert [a.text for a in sent] == [UNKNOWN_USER]
    reply = await chat.send_invoke(chat.invoke(None, "member.cases.list", {"nonce": "x" * 8}))
    assert reply.card is not None and "ENQ-" not in texts(reply.card)
    assert "don't recognise your Teams account" in texts(reply.card)


async def test_installing_the_bot_sends_the_welcome_card(chat: Chat, casework: Casework) -> None:
    person = casework.directory.get(SARAH)
    sent = await chat.send(teams_activity(person, type="installationUpdate", action="add"))
    [welcome] = [a.attachments[0].content for a in sent if a.attachments]
    assert "Welcome to Member Enquiries, Cllr Sarah Okafor" in texts(welcome)
    assert {"member.enquiry.new", "member.cases.list", "member.drafts.list"} <= set(
        verbs(welcome))


async def test_teams_announcing_the_install_twice_gives_one_welcome(
    chat: Chat, casework: Casework,
) -> None:
    person = casework.directory.get(SARAH)
    first = await chat.send(teams_activity(person, type="installationUpdate", action="add"))
    assert len([a for a in first if a.attachments]) == 1
    # Teams also sends conversationUpdate (membersAdded) for the same install
    await chat.send(teams_activity(person, type="conversationUpdate", members_added=[
        ChannelAccount(id=person.teams_user_id, aad_object_id=person.aad_object_id)]))
    assert [a for a in chat.adapter.activity_buffer if a.attachments] == []


async def test_each_turn_stores_the_members_conversation_reference(
    chat: Chat, casework: Casework,
) -> None:
    await chat.say(PETER, "help")
    async with casework.store.transaction() as uow:
        ref = await uow.refs.get(f"person:{PETER}")
    assert ref is not None and ref["conversation"]["id"] == f"a:1chat-{PETER}"


async def test_help_lists_the_commands_and_anything_else_gets_help_too(chat: Chat) -> None:
    helped = await chat.say_one(SARAH, "help")
    assert "new enquiry" in texts(helped) and "find <words>" in texts(helped)
    puzzled = await chat.say_one(SARAH, "what is the weather like")
    assert "Sorry, I didn't understand that" in texts(puzzled)
    assert "my cases" in texts(puzzled)


@pytest.mark.parametrize(("said", "shows"), [
    ("new enquiry", "New enquiry"), ("new", "New enquiry"), ("New Enquiry.", "New enquiry"),
    ("my cases", "My cases"), ("cases", "My cases"), ("drafts", "Your drafts"),
])
async def test_commands_are_forgiving(chat: Chat, said: str, shows: str) -> None:
    card = await chat.say_one(SARAH, said)
    assert card["body"][0]["text"] == shows


@pytest.mark.parametrize("said", ["case ENQ-2026-000001", "ENQ-2026-000001", "enq-2026-000001",
                                  "2026-1"])
async def test_a_reference_alone_opens_the_case(chat: Chat, said: str) -> None:
    await raise_enquiry(chat)
    card = await chat.say_one(SARAH, said)
    assert card["body"][0]["text"] == "ENQ-2026-000001"


async def test_a_message_delivered_twice_is_answered_once(chat: Chat, casework: Casework) -> None:
    activity = teams_activity(casework.directory.get(SARAH), text="my cases")
    assert len(await chat.send(activity)) == 1
    again = teams_activity(casework.directory.get(SARAH), text="my cases", id=activity.id)
    assert await chat.send(again) == []


# -- the form -------------------------------------------------------------------------------------

async def test_the_form_has_every_field_with_the_members_ward_and_its_other_councillors(
    chat: Chat,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    fields = inputs_of(form)
    assert set(fields) >= {"service_type", "ward_id", "location", "description", "ask",
                           "constituent_name", "constituent_contact", "consent_given",
                           "search_term", "cc_member_ids", "urgency", "after"}
    assert fields["ward_id"]["value"] == "ashcroft"
    assert {c["value"] for c in fields["cc_member_ids"]["choices"]} == {PETER, JOAN}
    assert fields["cc_member_ids"]["isMultiSelect"] is True
    assert {"title": "Bins and litter: Dangerous waste", "value": "bins|dangerous_waste"} in \
        fields["service_type"]["choices"]
    assert [c["value"] for c in fields["after"]["choices"]] == ["stay", "new", "cases"]
    assert "Head of Service" in texts(form)
    nonces = [a["data"]["nonce"] for a in actions_of(form)]
    assert len(set(nonces)) == len(nonces) and all(uuid.UUID(n).version == 4 for n in nonces)


async def test_submitting_gives_the_reference_and_real_dates_counted_in_working_days(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    reply = await chat.click(SARAH, form, "member.enquiry.submit", **form_values())
    assert reply.status == 200 and reply.card is not None
    shown = texts(reply.card)
    assert "Enquiry ENQ-2026-000001 raised" in shown
    assert "Roads and pavements" in shown
    assert "Tuesday 24 November (in 1 working day)" in shown
    assert "Monday 7 December (in 10 working days)" in shown
    assert "Friday 8 January 2027 (in 28 working days)" in shown
    assert "You can escalate from\nTuesday 8 December" in shown
    case = await casework.view("ENQ-2026-000001", actor=member(SARAH), now=MONDAY)
    assert case.state is CaseState.OPEN and case.description == "A deep pothole outside number 14"


async def test_copied_in_colleagues_are_told(chat: Chat, casework: Casework) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    reply = await chat.click(SARAH, form, "member.enquiry.submit",
                             **form_values(cc_member_ids=f"{PETER},{JOAN}"))
    assert reply.card is not None
    assert "Cllr Peter Halloran, Cllr Joan Whitfield will be told" in texts(reply.card)
    async with casework.store.transaction() as uow:
        queued = {(m.kind, m.recipient) for m in await uow.outbox.all()}
    assert {("cc-notice", f"person:{PETER}"), ("cc-notice", f"person:{JOAN}")} <= queued


async def test_a_double_click_or_a_redelivered_invoke_makes_one_case(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    first = await chat.click(SARAH, form, "member.enquiry.submit", **form_values())
    second = await chat.click(SARAH, form, "member.enquiry.submit", **form_values())
    data = {**button(form, "member.enquiry.submit")["data"], **form_values()}
    invoke = chat.invoke(SARAH, "member.enquiry.submit", data)
    third = await chat.send_invoke(invoke)
    fourth = await chat.send_invoke(invoke)  # Teams re-delivers the very same activity
    for reply in (first, second, third, fourth):
        assert reply.card is not None and "ENQ-2026-000001" in texts(reply.card)
    assert (await counts(casework))[0] == 1


@pytest.mark.parametrize(("after", "posted"), [("new", "New enquiry"), ("cases", "My cases")])
async def test_after_submitting_the_member_goes_where_they_chose(
    chat: Chat, after: str, posted: str,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    reply = await chat.click(SARAH, form, "member.enquiry.submit", **form_values(after=after))
    assert reply.card is not None and "ENQ-2026-000001 raised" in texts(reply.card)
    [card] = reply.posted
    assert card["body"][0]["text"] == posted


async def test_mistakes_come_back_beside_their_fields_with_what_was_typed_and_nothing_stored(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    reply = await chat.click(SARAH, form, "member.enquiry.submit", **form_values(
        description="", constituent_name="Mrs Jones", consent_given="false"))
    card = reply.card
    assert card is not None
    assert error_after(card, "description") == "Describe the enquiry."
    assert error_after(card, "consent_given").startswith("Confirm the constituent has agreed")
    assert inputs_of(card)["location"]["value"] == "14 Mill Lane, MV3 2AB"
    assert inputs_of(card)["constituent_name"]["value"] == "Mrs Jones"
    assert error_after(card, "location") == ""
    assert await counts(casework) == (0, 0, 0)


@pytest.mark.parametrize(("tampered", "field", "sentence"), [
    ({"service_type": "nowhere|report_it"}, "service_type", "Choose a service area from the list."),
    ({"service_type": "bins|speed_issue"}, "service_type",
     "Bins and litter does not take that type of enquiry."),
    ({"description": "x" * 5000}, "description", "Keep this to 4000 characters (it has 5000)."),
    ({"ward_id": "atlantis"}, "ward_id", "Choose a ward from the list."),
    ({"cc_member_ids": DAVID}, "cc_member_ids",
     "Cllr David Ashworth is not a councillor for this ward."),
    ({"urgency": "panic"}, "urgency", "Choose one of the options."),
    ({"for_member": DAVID}, "for_member",
     "You can't raise or follow enquiries for that councillor."),
])
async def test_tampered_submits_are_refused_clearly_and_nothing_is_stored(
    chat: Chat, casework: Casework, tampered: dict[str, str], field: str, sentence: str,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    reply = await chat.click(SARAH, form, "member.enquiry.submit", **form_values(**tampered))
    assert reply.card is not None
    assert sentence in texts(reply.card)
    if field in inputs_of(reply.card):
        assert error_after(reply.card, field) == sentence
    assert await counts(casework) == (0, 0, 0)


async def test_a_submit_without_a_nonce_is_refused(chat: Chat, casework: Casework) -> None:
    reply = await chat.execute(SARAH, "member.enquiry.submit", **form_values())
    assert reply.card is not None and "out of date" in texts(reply.card)
    assert await counts(casework) == (0, 0, 0)


async def test_special_category_data_is_warned_about_then_confirmed(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    values = form_values(description="My constituent has dementia and cannot use the steps")
    warned = (await chat.click(SARAH, form, "member.enquiry.submit", **values)).card
    assert warned is not None
    assert "may include special category data: health" in texts(warned)
    assert await counts(casework) == (0, 0, 0)
    edit = (await chat.click(SARAH, warned, "member.enquiry.edit")).card
    assert edit is not None
    assert inputs_of(edit)["description"]["value"] == values["description"]
    assert await counts(casework) == (0, 0, 0)
    confirmed = (await chat.click(SARAH, warned, "member.enquiry.submit")).card
    assert confirmed is not None and "ENQ-2026-000001 raised" in texts(confirmed)
    case = await casework.view("ENQ-2026-000001", actor=member(SARAH), now=MONDAY)
    assert case.special_category_confirmed


# -- drafts ---------------------------------------------------------------------------------------

async def test_a_draft_is_saved_listed_resumed_and_submitted(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    half = form_values(service_type="", description="", ask="Fix the light")
    saved = (await chat.click(SARAH, form, "member.enquiry.save_draft", **half)).card
    again = (await chat.click(SARAH, form, "member.enquiry.save_draft", **half)).card
    assert saved is not None and again is not None
    assert "Draft saved" in texts(saved)
    assert (await counts(casework))[0] == 1  # the double click saved one draft
    listed = await chat.say_one(SARAH, "drafts")
    assert "14 Mill Lane" in texts(listed)
    resumed = (await chat.click(SARAH, listed, "member.draft.open")).card
    assert resumed is not None and resumed["body"][0]["text"] == "Draft enquiry"
    assert inputs_of(resumed)["ask"]["value"] == "Fix the light"
    done = (await chat.click(SARAH, resumed, "member.enquiry.submit", **form_values())).card
    assert done is not None and "ENQ-2026-000001 raised" in texts(done)
    assert "You have no saved drafts." in texts(await chat.say_one(SARAH, "drafts"))
    assert (await counts(casework))[0] == 1


async def test_a_draft_can_be_discarded(chat: Chat, casework: Casework) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    await chat.click(SARAH, form, "member.enquiry.save_draft", **form_values())
    listed = await chat.say_one(SARAH, "drafts")
    gone = (await chat.click(SARAH, listed, "member.draft.discard")).card
    assert gone is not None and "Draft discarded." in texts(gone)
    assert (await counts(casework))[0] == 0


async def test_another_members_draft_cannot_be_opened_or_discarded(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(SARAH, "new enquiry")
    await chat.click(SARAH, form, "member.enquiry.save_draft", **form_values())
    listed = await chat.say_one(SARAH, "drafts")
    draft_id = button(listed, "member.draft.open")["data"]["draft_id"]
    opened = await chat.execute(DAVID, "member.draft.open", nonce=str(uuid.uuid4()),
                                draft_id=draft_id)
    assert opened.card is not None and "isn't one you can use" in texts(opened.card)
    assert "Mill Lane" not in texts(opened.card)
    await chat.execute(DAVID, "member.draft.discard", nonce=str(uuid.uuid4()), draft_id=draft_id)
    assert (await counts(casework))[0] == 1


# -- my cases -------------------------------------------------------------------------------------

async def _many(casework: Casework, n: int, **overrides: object) -> list[str]:
    refs = []
    for i in range(n):
        outcome = await casework.submit(
            details("ashcroft", search_term=f"Street {i}", **overrides), member_id=SARAH,
            actor=member(SARAH), now=MONDAY)
        refs.append(outcome.case.reference or "")
    return refs


async def test_my_cases_shows_ten_a_page_with_status_and_badge(
    chat: Chat, casework: Casework,
) -> None:
    await _many(casework, 23)
    first = await chat.say_one(SARAH, "my cases")
    assert "Showing 1 to 10 of 23" in texts(first)
    assert texts(first).count("ENQ-2026-") == 10
    assert "ENQ-2026-000023" in texts(first) and "Due soon" in texts(first)
    assert "member.cases.list" in verbs(first)
    second = (await chat.click(SARAH, first, "member.cases.list", page=1)).card
    assert second is not None and "Showing 11 to 20 of 23" in texts(second)
    data = next(a for a in actions_of(second) if a["title"] == "Next page")["data"]
    third = (await chat.execute(SARAH, "member.cases.list", **data)).card
    assert third is not None and "Showing 21 to 23 of 23" in texts(third)
    assert "Next page" not in texts(third) and "Previous page" in texts(third)


async def test_the_badge_turns_overdue_when_a_deadline_passes(
    chat: Chat, casework: Casework, clock: Clock,
) -> None:
    await _many(casework, 1)
    clock.now = MONDAY + timedelta(days=2)  # Wednesday: not acknowledged by Tuesday
    listed = await chat.say_one(SARAH, "cases")
    assert "Overdue" in texts(listed)


async def test_my_cases_filters_by_status_service_and_ward(
    chat: Chat, casework: Casework,
) -> None:
    roads = await _many(casework, 2)
    [bins] = await _many(casework, 1, service_id="bins", enquiry_type="dangerous_waste")
    await casework.close(roads[0], actor=member(SARAH), now=MONDAY)
    listed = await chat.say_one(SARAH, "my cases")
    only_bins = (await chat.click(SARAH, listed, "member.cases.list", service="bins",
                                  status="any", ward="any", text="")).card
    assert only_bins is not None and "of 1" in texts(only_bins) and bins in texts(only_bins)
    closed = (await chat.click(SARAH, listed, "member.cases.list", status="closed")).card
    assert closed is not None and roads[0] in texts(closed) and "of 1" in texts(closed)
    active = (await chat.click(SARAH, listed, "member.cases.list", status="active")).card
    assert active is not None and "of 2" in texts(active)
    elsewhere = (await chat.click(SARAH, listed, "member.cases.list", ward="dunmere")).card
    assert elsewhere is not None and "No enquiries match" in texts(elsewhere)
    bogus = (await chat.click(SARAH, listed, "member.cases.list", service="nowhere")).card
    assert bogus is not None and "Choose a service and a ward from the lists." in texts(bogus)


async def test_search_finds_by_reference_search_term_or_words(
    chat: Chat, casework: Casework,
) -> None:
    refs = await _many(casework, 3)
    by_term = await chat.say_one(SARAH, "find street 1")
    assert "of 1" in texts(by_term) and refs[1] in texts(by_term)
    by_ref = await chat.say_one(SARAH, f"find {refs[2]}")
    assert "of 1" in texts(by_ref)
    nothing = await chat.say_one(SARAH, "find bandstand")
    assert "No enquiries match" in texts(nothing)


async def test_a_member_sees_only_their_own_and_copied_in_cases(
    chat: Chat, casework: Casework,
) -> None:
    await raise_enquiry(chat, cc_member_ids=PETER)
    assert "You have no enquiries yet." in texts(await chat.say_one(DAVID, "my cases"))
    assert "ENQ-2026-000001" in texts(await chat.say_one(PETER, "my cases"))


# -- one case -------------------------------------------------------------------------------------

async def test_the_case_shows_facts_deadlines_and_timeline_but_never_internal_notes(
    chat: Chat, casework: Casework,
) -> None:
    ref = await raise_enquiry(chat)
    later = MONDAY + timedelta(hours=2)
    await casework.acknowledge(ref, actor=OFFICER, now=later)
    await casework.note(ref, actor=OFFICER, now=later, text="Crew B are slow this week")
    await casework.reply(ref, actor=OFFICER, now=later, text="Inspection booked for Thursday.")
    card = await chat.say_one(SARAH, f"case {ref}")
    shown = texts(card)
    assert "Acknowledged by Leanne Moorcroft" in shown
    assert "Leanne Moorcroft replied" in shown and "Inspection booked for Thursday." in shown
    assert "Crew B" not in shown
    assert "Monday 23 November at 10:00" in shown and "Raised by Cllr Sarah Okafor" in shown
    assert "Monday 7 December" in shown and "Met (due Tuesday 24 November)" in shown
    assert "No files yet." in shown
    assert "member.case.request_update" in verbs(card)
    assert "member.case.escalate" not in verbs(card)


async def test_a_copied_in_colleague_can_follow_but_not_act_nor_see_the_constituent(
    chat: Chat,
) -> None:
    ref = await raise_enquiry(chat, cc_member_ids=PETER, constituent_name="Mrs Jones",
                              consent_given="true")
    card = await chat.say_one(PETER, ref)
    assert "You were copied in on this enquiry" in texts(card)
    assert "Mrs Jones" not in texts(card)
    assert not {"member.case.close", "member.case.request_update"} & set(verbs(card))
    own = await chat.say_one(SARAH, ref)
    assert "Mrs Jones (consent recorded)" in texts(own)


async def test_another_members_case_is_refused_whatever_the_route(
    chat: Chat, casework: Casework,
) -> None:
    ref = await raise_enquiry(chat)
    before = await counts(casework)
    said = await chat.say_one(DAVID, f"case {ref}")
    assert texts(said).startswith("That enquiry isn't one you can see.")
    for verb, extra in [("member.case.open", {}), ("member.case.request_update", {}),
                        ("member.case.close", {}), ("member.case.link", {}),
                        ("member.case.add_information", {"information": "More"})]:
        reply = await chat.execute(DAVID, verb, nonce=str(uuid.uuid4()), reference=ref, **extra)
        assert reply.card is not None
        assert texts(reply.card).startswith("That enquiry isn't one you can see."), verb
        assert "Mill Lane" not in texts(reply.card)
    assert await counts(casework) == before


async def test_requesting_an_update_and_adding_information_reach_the_service(
    chat: Chat, casework: Casework,
) -> None:
    ref = await raise_enquiry(chat)
    card = await chat.say_one(SARAH, ref)
    asked = (await chat.click(SARAH, card, "member.case.request_update",
                              update_text="Any news?")).card
    assert asked is not None
    assert "Your request for an update has been sent to Roads and pavements." in texts(asked)
    added = (await chat.click(SARAH, asked, "member.case.add_information",
                              information="It is now 30cm wide.")).card
    assert added is not None and "Your information has been added" in texts(added)
    assert "It is now 30cm wide." in texts(added)
    empty = (await chat.click(SARAH, added, "member.case.add_information", information=" ")).card
    assert empty is not None and "Type the information to add." in texts(empty)
    async with casework.store.transaction() as uow:
        queued = [m.kind for m in await uow.outbox.all()]
    assert queued.count("member-activity") == 2


async def test_a_double_click_on_a_case_button_changes_the_case_once(
    chat: Chat, casework: Casework,
) -> None:
    ref = await raise_enquiry(chat)
    card = await chat.say_one(SARAH, ref)
    await chat.click(SARAH, card, "member.case.request_update", update_text="Any news?")
    before = await counts(casework)
    again = (await chat.click(SARAH, card, "member.case.request_update",
                              update_text="Any news?")).card
    assert again is not None and "has been sent" in texts(again)
    assert await counts(casework) == before


async def test_escalation_is_offered_only_once_allowed_and_a_refusal_names_the_date(
    chat: Chat, casework: Casework, clock: Clock,
) -> None:
    ref = await raise_enquiry(chat)
    card = await chat.say_one(SARAH, ref)
    assert "member.case.escalate" not in verbs(card)
    before = await counts(casework)
    refused = (await chat.execute(SARAH, "member.case.escalate", nonce=str(uuid.uuid4()),
                                  reference=ref, escalation_reason="No reply at all")).card
    assert refused is not None
    assert "You can escalate this enquiry from Tuesday 8 December." in texts(refused)
    assert await counts(casework) == before
    clock.now = DEC_8
    card = await chat.say_one(SARAH, ref)
    assert "member.case.escalate" in verbs(card)
    escalated = (await chat.click(SARAH, card, "member.case.escalate",
                                  escalation_reason="No reply at all")).card
    assert escalated is not None
    assert "Escalated to Philip Stanier, who should answer by Tuesday 15 December." in texts(
        escalated)
    assert "member.case.escalate" not in verbs(escalated)


async def test_after_the_final_response_the_member_rates_once_and_can_keep_it_open(
    chat: Chat, casework: Casework, clock: Clock,
) -> None:
    ref = await raise_enquiry(chat)
    card = await chat.say_one(SARAH, ref)
    assert not {"member.case.rate", "member.case.extend"} & set(verbs(card))
    clock.now = MONDAY + timedelta(days=3)
    await casework.final_response(ref, actor=OFFICER, now=clock.now, text="Repaired today.")
    card = await chat.say_one(SARAH, ref)
    assert {"member.case.rate", "member.case.extend"} <= set(verbs(card))
    rated = (await chat.click(SARAH, card, "member.case.rate", rating="4",
                              rating_comment="Quick")).card
    assert rated is not None and "Thank you for rating the response." in texts(rated)
    assert "member.case.rate" not in verbs(rated)
    twice = (await chat.click(SARAH, rated, "member.case.extend", extend_days="10")).card
    assert twice is not None
    assert "will now close automatically on Thursday 24 December" in texts(twice)
    again = (await chat.execute(SARAH, "member.case.rate", nonce=str(uuid.uuid4()),
                                reference=ref, rating="1")).card
    assert again is not None and "You have already rated this response." in texts(again)
    silly = (await chat.execute(SARAH, "member.case.extend", nonce=str(uuid.uuid4()),
                                reference=ref, extend_days="90")).card
    assert silly is not None and "Choose between 1 and 20 working days." in texts(silly)
    case = await casework.view(ref, actor=member(SARAH), now=clock.now)
    assert case.rating == 4 and case.auto_close_extended_days == 10


async def test_a_closed_case_reopens_within_the_window_and_otherwise_is_followed_up(
    chat: Chat, casework: Casework, clock: Clock,
) -> None:
    ref = await raise_enquiry(chat)
    card = await chat.say_one(SARAH, ref)
    closed = (await chat.click(SARAH, card, "member.case.close", close_reason="Sorted")).card
    assert closed is not None and "The enquiry is closed." in texts(closed)
    assert "member.case.reopen" in verbs(closed) and "member.case.link" not in verbs(closed)
    reopened = (await chat.click(SARAH, closed, "member.case.reopen",
                                 reopen_reason="It is back")).card
    assert reopened is not None and "The enquiry is reopened." in texts(reopened)
    await casework.close(ref, actor=member(SARAH), now=clock.now)
    clock.now = MONDAY + timedelta(days=30)  # Wednesday 23 December
    late = await chat.say_one(SARAH, ref)
    assert "member.case.reopen" not in verbs(late)
    refused = (await chat.execute(SARAH, "member.case.reopen", nonce=str(uuid.uuid4()),
                                  reference=ref, reopen_reason="Again")).card
    assert refused is not None and "could be reopened until" in texts(refused)
    form = (await chat.click(SARAH, late, "member.case.link")).card
    assert form is not None and f"following up {ref}" in texts(form)
    assert inputs_of(form)["service_type"]["value"] == "roads|report_it"
    done = (await chat.click(SARAH, form, "member.enquiry.submit", **form_values())).card
    assert done is not None and "ENQ-2026-000002 raised" in texts(done)
    linked = await casework.view("ENQ-2026-000002", actor=member(SARAH), now=clock.now)
    assert linked.linked_reference == ref


async def test_the_scheduler_notices_buttons_open_the_case(chat: Chat) -> None:
    ref = await raise_enquiry(chat)
    for verb in ("member.case", "member.escalate_form", "member.extend_form"):
        reply = await chat.execute(SARAH, verb, ref=ref)
        assert reply.card is not None and reply.card["body"][0]["text"] == ref


async def test_an_unknown_button_gets_a_plain_answer(chat: Chat) -> None:
    reply = await chat.execute(SARAH, "member.launch_rockets", nonce=str(uuid.uuid4()))
    assert reply.card is not None and "no longer available" in texts(reply.card)


# -- cabinet secretaries --------------------------------------------------------------------------

async def test_a_cabinet_secretary_raises_and_follows_enquiries_for_their_cabinet_member(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(HAYLEY, "new enquiry")
    assert inputs_of(form)["for_member"]["choices"] == [
        {"title": "Cllr Sarah Okafor", "value": SARAH}]
    reply = await chat.click(HAYLEY, form, "member.enquiry.submit",
                             **form_values(for_member=SARAH))
    assert reply.card is not None
    assert "Raised by Hayley Naughton for Cllr Sarah Okafor." in texts(reply.card)
    case = await casework.view("ENQ-2026-000001", actor=member(SARAH), now=MONDAY)
    assert (case.member_id, case.raised_by_id) == (SARAH, HAYLEY)
    [event] = [se.event for se in await casework.timeline(case)]
    assert (event.actor_id, event.on_behalf_of_id) == (HAYLEY, SARAH)
    listed = await chat.say_one(HAYLEY, "my cases")
    assert "Cases for Cllr Sarah Okafor" in texts(listed) and "ENQ-2026-000001" in texts(listed)
    detail = (await chat.click(HAYLEY, listed, "member.case.open")).card
    assert detail is not None
    asked = (await chat.click(HAYLEY, detail, "member.case.request_update")).card
    assert asked is not None and "has been sent" in texts(asked)
    assert "Hayley Naughton for Cllr Sarah Okafor asked for an update" in texts(asked)


async def test_a_cabinet_secretary_cannot_act_for_another_member(
    chat: Chat, casework: Casework,
) -> None:
    form = await chat.say_one(HAYLEY, "new enquiry")
    reply = await chat.click(HAYLEY, form, "member.enquiry.submit",
                             **form_values(for_member=DAVID, ward_id="bramley-cross"))
    assert reply.card is not None and "You can't raise or follow enquiries for that councillor." \
        in texts(reply.card)
    listed = await chat.execute(HAYLEY, "member.cases.list", for_member=DAVID)
    assert listed.card is not None and "for that councillor" in texts(listed.card)
    assert await counts(casework) == (0, 0, 0)


async def test_the_officer_side_is_left_to_the_officer_flows(
    chat: Chat, casework: Casework,
) -> None:
    await chat.say(ROADS_OFFICER, "my queue")
    officers = chat.bot.officers
    assert isinstance(officers, OfficerStub) and officers.calls == ["message"]


async def test_a_cabinet_secretary_not_yet_set_up_is_told_so(
    casework: Casework, clock: Clock,
) -> None:
    bare = casework.config.model_copy(update={"delegations": ()})
    directory = Directory.from_config(bare)
    bot, _ = make_bot(Casework(casework.store, bare, directory), clock)
    chat = Chat(bot, directory.get)
    sent = await chat.send(teams_activity(directory.get(HAYLEY), type="installationUpdate",
                                          action="add"))
    [card] = [a.attachments[0].content for a in sent if a.attachments]
    assert "not yet for any cabinet member" in texts(card)
    assert "not yet for any cabinet member" in texts(await chat.say_one(HAYLEY, "my cases"))


# -- notices ------------------------------------------------------------------------------------

async def test_the_final_response_notice_takes_the_rating_and_opens_the_case(
    chat: Chat, casework: Casework, clock: Clock,
) -> None:
    ref = await raise_enquiry(chat)
    clock.now = MONDAY + timedelta(days=3)
    outcome = await casework.final_response(ref, actor=OFFICER, now=clock.now,
                                            text="Repaired today.")
    async with casework.store.transaction() as uow:
        [row] = [m for m in await uow.outbox.all() if m.kind == "final-response"]
    notice = MEMBER_NOTICES[row.kind](NoticeContext(
        case=outcome.case, kind=row.kind, payload=row.payload, recipient=row.recipient,
        config=casework.config, directory=casework.directory, policy=casework.policy,
        now=clock.now))
    assert "Leanne Moorcroft sent the final response:" in texts(notice)
    assert "close automatically on Thursday 10 December" in texts(notice)
    rated = (await chat.click(SARAH, notice, "member.case.rate", rating="5")).card
    assert rated is not None and "Thank you for rating the response." in texts(rated)
    opened = (await chat.click(SARAH, notice, "member.case.open")).card
    assert opened is not None and opened["body"][0]["text"] == ref


async def test_a_submit_naming_someone_elses_draft_or_case_is_refused(
    chat: Chat, casework: Casework,
) -> None:
    ref = await raise_enquiry(chat)
    form = await chat.say_one(SARAH, "new enquiry")
    await chat.click(SARAH, form, "member.enquiry.save_draft", **form_values())
    draft_id = button(await chat.say_one(SARAH, "drafts"), "member.draft.open")["data"][
        "draft_id"]
    before = await counts(casework)
    david = await chat.say_one(DAVID, "new enquiry")
    values = form_values(ward_id="bramley-cross")
    as_draft = (await chat.click(DAVID, david, "member.enquiry.submit", draft_id=str(draft_id),
                                 **values)).card
    assert as_draft is not None and "That draft isn't one you can use" in texts(as_draft)
    linked = (await chat.click(DAVID, david, "member.enquiry.submit", linked_reference=ref,
                               **values)).card
    assert linked is not None and f"That enquiry isn't one you can see. ({ref})" in texts(linked)
    assert await counts(casework) == before
