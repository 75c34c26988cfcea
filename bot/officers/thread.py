"""Case threads in service channels: a message there is recorded on the case.

A reply goes to the member by default, an internal note when it starts with the council's prefix
("internal:"); the thread is told which. Edits and deletions are recorded too. Nobody else's
thread is answered, and never the bot's own. A reply in a thread the store doesn't know may be
in a case thread whose root post was never recorded: `bot.officers.lost_threads` finds its case
or answers that it cannot. A top-level "log for <councillor>" (or a message that @mentions the
bot) outside a case thread opens the log form or the help card.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.identity import from_the_bot
from bot.keys import activity_key_of, conversation_of
from bot.officers.context import Officers
from bot.officers.logging import LogFlow
from bot.officers.lost_threads import LostThreads
from bot.teams import card_activity
from casestore.directory import Person
from casestore.errors import DomainError, InvalidTransition, NotPermitted
from casestore.keys import scoped_key
from casestore.model import Case
from casestore.records import Thread, split_conversation_id
from casestore.services import Outcome
from dialogs.officers import forms
from dialogs.officers.chat import help_card
from dialogs.officers.view import CardEnv

log = logging.getLogger(__name__)


def _mentions(activity: Activity) -> list[tuple[str, str]]:
    """(mentioned id, its `<at>` text) for each @mention in the activity."""
    found = []
    for entity in activity.entities or []:
        if (entity.type or "").lower() != "mention":
            continue
        props = entity.additional_properties or {}  # as deserialised from the wire
        mentioned = getattr(entity, "mentioned", None) or props.get("mentioned") or {}
        text = getattr(entity, "text", None) or props.get("text") or ""
        found.append((str(_field(mentioned, "id") or ""), str(text)))
    return found


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else getattr(value, key, None)


def mentions_bot(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(mid == bot_id for mid, _ in _mentions(activity))


def message_text(activity: Activity) -> str:
    """The text without the bot's @mention (present or not: RSC delivers either way)."""
    bot_id = activity.recipient.id if activity.recipient else None
    bot_name = activity.recipient.name if activity.recipient else None
    tags = [text for mid, text in _mentions(activity) if mid == bot_id]
    if bot_name:
        tags.append(f"<at>{bot_name}</at>")
    return forms.strip_mentions(activity.text or "", tags)


class Threads:
    def __init__(self, officers: Officers, logging_flow: LogFlow) -> None:
        self.o = officers
        self.logging = logging_flow
        self.lost = LostThreads(officers.ctx)

    async def on_message_change(self, turn: TurnContext, person: Person, change: str) -> None:
        """A thread message was edited or deleted: kept on the case's timeline."""
        activity = turn.activity
        thread = None if from_the_bot(activity) else await self._thread_of(activity)
        if thread is None or change not in ("edited", "deleted"):
            return
        case = await self._case_by_id(thread.case_id)
        text = message_text(activity) if change == "edited" else ""
        stamp = activity.timestamp.isoformat() if activity.timestamp else \
            hashlib.sha256(text.encode()).hexdigest()[:16]
        try:
            outcome = await self.o.casework.record_message_change(
                case.reference or "", actor=self.o.actor(person), now=self.o.ctx.clock(),
                change=change, message_id=activity.id or "", text=text,
                idempotency_key=scoped_key(f"message-{change}", conversation_of(activity),
                                           f"{activity.id}:{stamp}"))
        except DomainError as exc:
            log.info("message %s on %s not recorded: %s", change, case.reference,
                     type(exc).__name__, extra={"case": case.reference})
            return
        if not outcome.duplicate and await self._was_reply(outcome.case, activity.id or ""):
            member = self.o.env().name(case.member_id)
            await turn.send_activity(
                f"Your edit is saved on the case, but {member} already has the original reply: "
                "post a new reply if the change matters to them." if change == "edited" else
                f"Deleting a message here doesn't recall it: {member} already has it. Post a "
                "new reply if you need to correct it.")

    async def _thread_of(self, activity: Activity) -> Thread | None:
        channel_id, root_id = split_conversation_id(activity.conversation.id or "")
        root_id = root_id or activity.reply_to_id
        if not root_id:
            return None
        async with self.o.ctx.store.transaction() as uow:
            thread: Thread | None = await uow.threads.by_root(channel_id, root_id)
        return thread

    async def _case_by_id(self, case_id: int) -> Case:
        async with self.o.ctx.store.transaction() as uow:
            case: Case = await uow.cases.get_by_id(case_id)
        return case

    async def channel_message(self, turn: TurnContext, person: Person) -> None:
        activity = turn.activity
        thread = await self._thread_of(activity)
        if thread is not None:
            await self._thread_message(turn, person, thread)
            return
        channel_id, root_id = split_conversation_id(activity.conversation.id or "")
        text = message_text(activity)
        if root_id not in (None, activity.id):  # a reply in a thread the store doesn't know
            placed = await self.lost.place(person, channel_id, root_id or "", text,
                                           mentioned=mentions_bot(activity))
            if placed.thread is not None:
                await self._thread_message(turn, person, placed.thread, text=placed.text)
                return
            if placed.answer:
                await turn.send_activity(placed.answer)
                return
        command = forms.parse_command(text)
        top_level = root_id in (None, activity.id)
        asked_to_log = command.kind == "log" and (command.argument or "enquiry" in text.lower())
        if not (mentions_bot(activity) or (top_level and asked_to_log)):
            return  # a conversation among officers: not for the bot
        service_id = next((s.id for s in self.o.ctx.config.services
                           if s.channel_id == channel_id), None)
        if command.kind == "log":
            content = self.logging.form(person, {"svc": service_id}, who=command.argument)
        else:
            content = help_card(person, self.o.env(), service_id=service_id, in_channel=True)
        await turn.send_activity(card_activity(content))

    async def _thread_message(self, turn: TurnContext, person: Person, thread: Thread, *,
                              text: str | None = None) -> None:
        activity, env = turn.activity, self.o.env()
        case = await self._case_by_id(thread.case_id)
        ref, member = case.reference or "", env.name(case.member_id)
        internal, text = forms.split_internal(message_text(activity) if text is None else text,
                                              self.o.ctx.config.council.internal_prefix)
        if not text:
            await turn.send_activity("That message has no text, so nothing was recorded or sent "
                                     "to the member. (Files shared in a channel don't reach the "
                                     "case record.)")
            return
        answer = "Internal note saved \u2014 not sent to the member." if internal else \
            f"Sent to {member}."
        try:
            try:
                outcome = await self._record(ref, person, activity, text, internal=internal)
            except InvalidTransition:  # a closed case: keep the words, tell nobody outside
                outcome = await self._record(ref, person, activity, text, internal=True)
                answer = (f"{ref} is closed, so this was kept as an internal note and not sent "
                          f"to {member}. Reopen it from the case card to reply.")
        except NotPermitted:
            log.info("thread message on %s refused for %s", ref, person.id, extra={"case": ref})
            answer = self._refusal(case, person, thread, env)
        except DomainError as exc:
            answer = self.o.explain(exc, env) + " Nothing was recorded."
        else:
            log.info("thread message %s recorded on %s (%s)", activity.id, ref,
                     "note" if internal else "reply", extra={"case": ref})
            if outcome.first_response and not outcome.duplicate and \
                    conversation_of(activity) == thread.conversation_id:  # the card is here
                await self._refresh_root(turn, thread, outcome.case, env)
        await turn.send_activity(answer)

    async def _record(self, ref: str, person: Person, activity: Activity, text: str, *,
                      internal: bool) -> Outcome:
        """The message on the case: a note, or a reply the use case queues for the member."""
        write = self.o.casework.note if internal else self.o.casework.reply
        return await write(ref, actor=self.o.actor(person), now=self.o.ctx.clock(), text=text,
                           message_id=activity.id or "",
                           idempotency_key=activity_key_of(activity))

    @staticmethod
    def _refusal(case: Case, person: Person, thread: Thread, env: CardEnv) -> str:
        if thread.service_id not in case.services:
            return (f"Sorry {person.name}, {case.reference} has moved to "
                    f"{env.service(case.lead_service)}, so your message was not recorded or "
                    "sent. Please continue in that service's channel.")
        return (f"Sorry {person.name}, only officers of this enquiry's service areas, their "
                "cover while they are on leave, the escalation owner and the member support "
                f"team can work on {case.reference}. Your message was not recorded or sent to "
                "the member.")

    async def _refresh_root(self, turn: TurnContext, thread: Thread, case: Case,
                            env: CardEnv) -> None:
        """Update the thread's case card in place (state and SLA changed with this reply)."""
        update = card_activity(await self.o.case_card(case, env, service_id=thread.service_id))
        update.id = thread.card_activity_id
        try:
            await turn.update_activity(update)
        except Exception as exc:  # the reply is recorded; a stale card is not worth failing
            log.warning("could not update the case card of %s: %s", case.reference,
                        type(exc).__name__, extra={"case": case.reference})

    async def _was_reply(self, case: Case, message_id: str) -> bool:
        events = await self.o.casework.timeline(case)
        return any(e.event.kind == "replied" and e.event.payload.get("message_id") == message_id
                   for e in events)
