"""The Teams activity handler: who is talking, where, and which flow answers.

Personal chat belongs to members (and cabinet secretaries) through `MemberFlows`; channel threads
and officers' personal chats belong to `OfficerFlows`. The handler is an Agents SDK `Agent`
whose `on_turn` dispatches by activity type. Card buttons are `Action.Execute` (Universal
Actions): their verb's prefix (`member.` / `officer.`) picks the flow, and the card a
flow returns replaces the card in place. Every turn stores the sender's conversation reference for
proactive messages, and a message delivered twice (the same id in the same conversation, even at
the same moment) is answered once (`bot.turns`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    InvokeResponse,
)
from microsoft_agents.hosting.core import TurnContext

from bot import inbound
from bot.identity import from_the_bot
from bot.keys import turn_key_of
from bot.ratelimit import SLOW_DOWN, RateLimit, Verdict
from bot.turns import DEFAULT_LEASE_S, TurnGate
from casestore.casework import Casework
from casestore.config import CouncilConfig, OfficerRole
from casestore.directory import Directory, Person
from casestore.model import ActorKind
from casestore.permissions import access_ended_on
from casestore.ports import Store, ThreadRoots
from dialogs.format import card, text_block
from dialogs.refusals import access_ended_sentence

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Card = dict[str, Any]
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
SERVICE_URL_REF = "service-url"  # where proactive posts to channels go
MAX_REMEMBERED = 10_000

UNKNOWN_USER = (
    "Sorry, I don't recognise your Teams account as a councillor or officer of this council, "
    "so I can't show you any enquiries. If you think this is wrong, please contact the "
    "member support team."
)


@dataclass
class BotContext:
    """What every flow needs, built once at start-up."""

    casework: Casework
    config: CouncilConfig
    directory: Directory
    clock: Clock
    claim_lease_s: float = DEFAULT_LEASE_S  # a dead instance's claims lapse after this
    thread_roots: ThreadRoots | None = None  # reads a thread's root post (Graph), if configured

    @property
    def store(self) -> Store:
        return self.casework.store


class Flows(Protocol):
    async def on_message(self, turn: TurnContext, person: Person) -> None: ...

    async def on_action(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None: ...

    async def on_welcome(self, turn: TurnContext, person: Person) -> None: ...


class ChannelFlows(Flows, Protocol):
    """The officers' side also keeps edits and deletions of thread messages on the case."""

    async def on_message_change(self, turn: TurnContext, person: Person, change: str) -> None: ...


def card_activity(content: Card, text: str | None = None) -> Activity:
    """A message carrying one Adaptive Card; its summary (the first line) is what Teams shows
    in notifications and the chat list."""
    activity = Activity(type=ActivityTypes.message, attachments=[
        Attachment(content_type=ADAPTIVE_CARD, content=content)])
    if text:
        activity.text = text
    first = next((b.get("text") for b in content.get("body", [])
                  if isinstance(b, dict) and b.get("type") == "TextBlock"), None)
    if first:
        activity.summary = str(first)[:200]
    return activity


def conversation_type(turn: TurnContext) -> str:
    conversation = turn.activity.conversation
    return (conversation.conversation_type or "personal") if conversation else "personal"


def uses_member_flows(person: Person) -> bool:
    return person.kind is ActorKind.MEMBER or person.has_role(OfficerRole.CABINET_SECRETARY)


class MemberEnquiriesBot:
    """The Agents SDK `Agent`: `on_turn` picks the handler for each kind of activity."""

    def __init__(self, ctx: BotContext, *, members: Flows, officers: ChannelFlows,
                 rate_limit: RateLimit | None = None) -> None:
        self.ctx = ctx
        self.members = members
        self.officers = officers
        self.rate_limit = rate_limit
        self._stored_refs: dict[str, dict[str, Any]] = {}  # what this process last stored
        self.turns = TurnGate(ctx.store, ctx.clock, lease_s=ctx.claim_lease_s)

    async def on_turn(self, context: TurnContext) -> None:
        activity = context.activity
        if (problem := inbound.refusal(activity)) is not None:  # bot.http answered 400 already
            log.info("refused activity %s: %s", _text(activity.type)[:40], problem)
            if activity.type == ActivityTypes.invoke:
                await _reply_invoke(context, _bad_request(f"That request can't be used: "
                                                          f"{problem}."))
            return
        inbound.clean(activity)
        kind = activity.type
        if kind in _LIMITED and not await self._within_rate_limit(context):
            return
        if kind == ActivityTypes.message:
            await self.on_message_activity(context)
        elif kind == ActivityTypes.invoke:
            await self.on_invoke_activity(context)
        elif kind == ActivityTypes.conversation_update:
            await self.on_conversation_update(context)
        elif kind == ActivityTypes.installation_update and \
                (activity.action or "").startswith("add"):
            await self.on_installation_update_add(context)
        elif (change := _CHANGES.get((_text(kind), _event_type(activity)))) is not None:
            await self._message_changed(context, change)

    async def _within_rate_limit(self, turn: TurnContext) -> bool:
        """Whether this person's message (or card action) is within `RATE_LIMIT_PER_MINUTE`.
        Over it, nothing is handled: a message gets one polite answer a minute, a card action
        (which Teams needs an answer to) the same sentence as its card."""
        sender = turn.activity.from_property
        if self.rate_limit is None or sender is None or from_the_bot(turn.activity):
            return True
        who = sender.aad_object_id or sender.id
        verdict = self.rate_limit.check(who) if who else Verdict.HANDLE
        if verdict is Verdict.HANDLE:
            return True
        log.info("over the rate limit: activity %s from %s not handled", turn.activity.id, who)
        if turn.activity.type == ActivityTypes.invoke:
            await _reply_invoke(turn, _card_response(_message_card(SLOW_DOWN)))
        elif verdict is Verdict.REFUSE_AND_SAY:
            await turn.send_activity(SLOW_DOWN)
        return False

    # -- who and where ------------------------------------------------------------------------
    def identify(self, account: ChannelAccount | None) -> Person | None:
        if account is None:
            return None
        return self.ctx.directory.by_aad_object_id(account.aad_object_id) \
            or self.ctx.directory.by_teams_user_id(account.id)

    def access_ended(self, person: Person) -> str | None:
        """The sentence for someone who has left office (None while they serve): the bot's one
        gate, before anything is read or stored; the use cases refuse them as well."""
        today = self.ctx.casework.calendar.local_date(self.ctx.clock())
        ended = access_ended_on(person, today)
        if ended is None:
            return None
        support = [p.name for p in self.ctx.directory.with_role(OfficerRole.MEMBER_SUPPORT)]
        return access_ended_sentence(ended, today, support)

    def _flows_for(self, turn: TurnContext, person: Person) -> Flows:
        if conversation_type(turn) == "personal" and uses_member_flows(person):
            return self.members
        return self.officers

    async def _remember(self, turn: TurnContext, person: Person) -> None:
        """Store where to reach this person (or channel) for proactive messages; written only
        when it differs from what this process last stored, so a turn usually writes nothing."""
        reference = turn.activity.get_conversation_reference().model_dump(
            mode="json", by_alias=True, exclude_none=True)
        reference.pop("activityId", None)  # changes every turn; proactive sends never use it
        key = f"person:{person.id}" if conversation_type(turn) == "personal" else \
            f"conversation:{turn.activity.conversation.id}"
        wanted = {key: reference}
        if turn.activity.service_url:
            wanted[SERVICE_URL_REF] = {"serviceUrl": turn.activity.service_url}
        changed = {k: v for k, v in wanted.items() if self._stored_refs.get(k) != v}
        if not changed:
            return
        now = self.ctx.clock()
        async with self.ctx.store.transaction() as uow:
            for ref_key, value in changed.items():
                await uow.refs.put(ref_key, value, now)
        if len(self._stored_refs) > MAX_REMEMBERED:
            self._stored_refs.clear()
        self._stored_refs.update(changed)

    # -- activities -------------------------------------------------------------------------
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        if from_the_bot(turn_context.activity):
            return  # the bot's own post, echoed back (RSC delivers every channel message)
        person = self.identify(turn_context.activity.from_property)
        if person is None:
            log.info("refused message from an unknown account (activity %s)",
                     turn_context.activity.id)
            if conversation_type(turn_context) == "personal":  # never answer in a channel
                await turn_context.send_activity(UNKNOWN_USER)
            return
        if (ended := self.access_ended(person)) is not None:
            log.info("refused message from %s, who has left office", person.id)
            if conversation_type(turn_context) == "personal":
                await turn_context.send_activity(card_activity(_message_card(ended)))
            return
        if not turn_context.activity.id:
            await self._handle_message(turn_context, person)
            return
        async with self.turns.claimed(turn_key_of(turn_context.activity)) as mine:
            if mine:
                await self._handle_message(turn_context, person)
            else:
                log.info("activity %s was delivered again; answered once",
                         turn_context.activity.id)

    async def _handle_message(self, turn_context: TurnContext, person: Person) -> None:
        """A message, once this delivery holds its claim (`bot.turns`): a legacy card submit
        or text for the audience's flows. What it changes is keyed as well (`casestore.keys`)."""
        await self._remember(turn_context, person)
        value = turn_context.activity.value
        if isinstance(value, dict) and value.get("verb"):  # a legacy Action.Submit
            data = {k: v for k, v in value.items() if k != "verb"}
            answer = await self._dispatch(turn_context, person, str(value["verb"]), data)
            if answer is not None:
                await turn_context.send_activity(card_activity(answer))
        else:
            await self._flows_for(turn_context, person).on_message(turn_context, person)

    async def on_invoke_activity(self, turn_context: TurnContext) -> None:
        """Only `adaptiveCard/action` (Action.Execute) is ours; any other invoke gets 501."""
        if turn_context.activity.name != "adaptiveCard/action":
            await _reply_invoke(turn_context, InvokeResponse(status=501))
            return
        person = self.identify(turn_context.activity.from_property)
        if person is None:
            await _reply_invoke(turn_context, _card_response(_message_card(UNKNOWN_USER)))
            return
        if (ended := self.access_ended(person)) is not None:
            log.info("refused a card action from %s, who has left office", person.id)
            await _reply_invoke(turn_context, _card_response(_message_card(ended)))
            return
        verb, data = _action_of(turn_context.activity.value)
        if verb is None:
            await _reply_invoke(turn_context, _bad_request("That is not a card action."))
            return
        await self._remember(turn_context, person)
        answer = await self._dispatch(turn_context, person, verb, data)
        await _reply_invoke(turn_context, _card_response(
            answer if answer is not None else _message_card("Done.")))

    async def _message_changed(self, turn: TurnContext, change: str) -> None:
        if from_the_bot(turn.activity) or conversation_type(turn) != "channel":
            return
        person = self.identify(turn.activity.from_property)
        if person is not None:
            await self.officers.on_message_change(turn, person, change)

    async def _dispatch(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None:
        if verb.startswith("member."):
            return await self.members.on_action(turn, person, verb, data)
        if verb.startswith("officer."):
            return await self.officers.on_action(turn, person, verb, data)
        log.warning("unknown card verb %r (activity %s)", verb[:80], turn.activity.id)
        return _message_card("Sorry, that button is no longer available. Type **help** to start.")

    async def on_conversation_update(self, turn_context: TurnContext) -> None:
        recipient = turn_context.activity.recipient
        for account in turn_context.activity.members_added or []:
            if recipient is not None and account.id == recipient.id:
                continue  # the bot itself was added to a team: nothing to say
            person = self.identify(account)
            if person is not None and conversation_type(turn_context) == "personal":
                await self._welcome(turn_context, person)

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        person = self.identify(turn_context.activity.from_property)
        if person is not None and conversation_type(turn_context) == "personal":
            await self._welcome(turn_context, person)

    async def _welcome(self, turn: TurnContext, person: Person) -> None:
        """Teams announces an install twice (installationUpdate and conversationUpdate):
        welcome a person once a day at most."""
        if (ended := self.access_ended(person)) is not None:
            await turn.send_activity(card_activity(_message_card(ended)))
            return
        await self._remember(turn, person)
        now = self.ctx.clock()
        key = f"welcome:{person.id}:{self.ctx.casework.calendar.local_date(now).isoformat()}"
        async with self.ctx.store.transaction() as uow:
            first = await uow.idempotency.claim(key, now) is None
        if first:
            await self._flows_for(turn, person).on_welcome(turn, person)


_LIMITED = frozenset({ActivityTypes.message, ActivityTypes.invoke})
_CHANGES: dict[tuple[str, str], str] = {
    (ActivityTypes.message_update.value, "editMessage"): "edited",
    (ActivityTypes.message_delete.value, "softDeleteMessage"): "deleted"}


def _text(value: object) -> str:
    return str(getattr(value, "value", value))


def _event_type(activity: Activity) -> str:
    data = activity.channel_data
    if isinstance(data, dict):
        return str(data.get("eventType") or "")
    return str(getattr(data, "event_type", "") or "")


def _action_of(value: object) -> tuple[str | None, dict[str, Any]]:
    """The verb and data of an Action.Execute invoke; (None, {}) when it is not one."""
    if not isinstance(value, dict):
        return None, {}
    action = value.get("action")
    if not isinstance(action, dict):
        return None, {}
    verb = action.get("verb")
    data = action.get("data")
    if not isinstance(verb, str) or not (data is None or isinstance(data, dict)):
        return None, {}
    return verb, dict(data or {})


def _bad_request(message: str) -> InvokeResponse:
    return InvokeResponse(status=400, body={
        "statusCode": 400, "type": "application/vnd.microsoft.error",
        "value": {"code": "BadRequest", "message": message}})


def _message_card(text: str) -> Card:
    return card([text_block(text)])


def _card_response(content: Card) -> InvokeResponse:
    return InvokeResponse(status=200, body={
        "statusCode": 200, "type": ADAPTIVE_CARD, "value": content})


async def _reply_invoke(turn: TurnContext, response: InvokeResponse) -> None:
    await turn.send_activity(Activity(type=ActivityTypes.invoke_response, value=response))
