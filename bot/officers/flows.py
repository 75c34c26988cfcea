"""Officers in Teams: case threads in service channels, case-card actions, and their own chat.

* A message in a case's thread is recorded on the case: a reply to the member by default, an
  internal note when it starts with the council's prefix ("internal:"); the thread is told which.
  Edits and deletions are recorded too. Nobody else's thread is answered, and never the bot's own.
* A top-level "log for <councillor>" in a service channel (or the help card's button) opens the
  form to log an enquiry on a councillor's behalf.
* Case-card buttons are `officer.*` Action.Execute verbs; each returns the card that replaces the
  one clicked: the case as it now stands, or the form again with what to fix.
* In personal chat: help, "my queue", a reference to open a case, answering escalations, and
  "questions": those other officers put to them or their service areas, each with an Answer form.
* A question to an officer arrives as a card (their chat, or the asked service's thread) whose
  `officer.answer_question` replaces it with the question as answered; the case card lists the
  open questions, each with an `officer.withdraw_question` form.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import TurnContext

from bot.teams import BotContext, Card, card_activity, conversation_type
from casestore.directory import Person
from casestore.errors import DomainError, InvalidTransition, NotPermitted
from casestore.model import ACTIVE_STATES, Actor, ActorKind, Case
from casestore.permissions import Action, may
from casestore.records import CaseFilter, Thread, split_conversation_id
from casestore.services import Outcome
from dialogs.officers import forms
from dialogs.officers.actions import FORMS
from dialogs.officers.cards import case_card, form_card, message_card, new_nonce
from dialogs.officers.casework import CASE_VERBS, OfficerActions
from dialogs.officers.chat import QUEUE_PAGE, help_card, queue_card
from dialogs.officers.forms import CaseAction
from dialogs.officers.logging import LogFlow
from dialogs.officers.questions import question_card, questions_card
from dialogs.officers.view import CardEnv, FileInfo

log = logging.getLogger(__name__)

STALE_CARD = ("This card had already been used, so nothing more was changed. It now shows the "
              "enquiry as it stands: check it and try again if you need to.")


def is_from_bot(activity: Activity) -> bool:
    sender, bot = activity.from_property, activity.recipient
    if sender is None or not sender.id:
        return False
    return (bot is not None and sender.id == bot.id) or sender.id.startswith("28:") or (
        (sender.role or "").lower() == "bot")


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


class OfficerFlows:
    """The officers' side of the bot (bot.teams.Flows)."""

    def __init__(self, ctx: BotContext) -> None:
        self.ctx = ctx
        self.logging = LogFlow(ctx.casework, self.env)
        self.actions = OfficerActions(ctx.casework)

    def env(self) -> CardEnv:
        return CardEnv(self.ctx.config, self.ctx.directory, self.ctx.casework.policy,
                       self.ctx.clock())

    @staticmethod
    def actor(person: Person) -> Actor:
        return Actor(person.id, person.kind)

    # -- Flows ----------------------------------------------------------------------------------
    async def on_welcome(self, turn: TurnContext, person: Person) -> None:
        await turn.send_activity(card_activity(help_card(person, self.env())))

    async def on_message(self, turn: TurnContext, person: Person) -> None:
        activity = turn.activity
        if is_from_bot(activity):
            return
        where = conversation_type(turn)
        if where == "channel":
            await self._channel_message(turn, person)
        elif where == "personal" or mentions_bot(activity):
            await turn.send_activity(card_activity(await self._chat(person, message_text(
                activity))))

    async def on_action(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None:
        if verb == "officer.answer_question":
            return await self._answer(turn, person, data)
        if verb == "officer.question":
            return await self._show_question(person, data)
        if verb == "officer.questions":
            return await self._questions(person)
        if verb in CASE_VERBS:
            return await self._case_action(turn, person, verb, data)
        if verb in ("officer.open", "officer.refresh"):
            return await self._open(person, data)
        if verb == "officer.queue":
            return await self._queue(person, data)
        if verb == "officer.log_form":
            return self.logging.form(person, data)
        if verb == "officer.log_submit":
            return await self.logging.submit(person, data)
        log.warning("unknown officer verb %r (activity %s)", verb[:60], turn.activity.id)
        return message_card("Sorry, that button is no longer available. Type **help** to start.")

    async def on_message_change(self, turn: TurnContext, person: Person, change: str) -> None:
        """A thread message was edited or deleted: kept on the case's timeline."""
        activity = turn.activity
        thread = None if is_from_bot(activity) else await self._thread_of(activity)
        if thread is None or change not in ("edited", "deleted"):
            return
        case = await self._case_by_id(thread.case_id)
        text = message_text(activity) if change == "edited" else ""
        stamp = activity.timestamp.isoformat() if activity.timestamp else \
            hashlib.sha256(text.encode()).hexdigest()[:16]
        try:
            outcome = await self.ctx.casework.record_message_change(
                case.reference or "", actor=self.actor(person), now=self.ctx.clock(),
                change=change, message_id=activity.id or "", text=text,
                idempotency_key=f"message-{change}:{activity.id}:{stamp}")
        except DomainError as exc:
            log.info("message %s on %s not recorded: %s", change, case.reference,
                     type(exc).__name__)
            return
        if not outcome.duplicate and await self._was_reply(outcome.case, activity.id or ""):
            member = self.env().name(case.member_id)
            await turn.send_activity(
                f"Your edit is saved on the case, but {member} already has the original reply: "
                "post a new reply if the change matters to them." if change == "edited" else
                f"Deleting a message here doesn't recall it: {member} already has it. Post a "
                "new reply if you need to correct it.")

    # -- case threads --------------------------------------------------------------------------
    async def _thread_of(self, activity: Activity) -> Thread | None:
        channel_id, root_id = split_conversation_id(activity.conversation.id or "")
        root_id = root_id or activity.reply_to_id
        if not root_id:
            return None
        async with self.ctx.store.transaction() as uow:
            thread: Thread | None = await uow.threads.by_root(channel_id, root_id)
        return thread

    async def _case_by_id(self, case_id: int) -> Case:
        async with self.ctx.store.transaction() as uow:
            case: Case = await uow.cases.get_by_id(case_id)
        return case

    async def _channel_message(self, turn: TurnContext, person: Person) -> None:
        activity = turn.activity
        thread = await self._thread_of(activity)
        if thread is not None:
            await self._thread_message(turn, person, thread)
            return
        channel_id, root_id = split_conversation_id(activity.conversation.id or "")
        text = message_text(activity)
        command = forms.parse_command(text)
        top_level = root_id in (None, activity.id)
        asked_to_log = command.kind == "log" and (command.argument or "enquiry" in text.lower())
        if not (mentions_bot(activity) or (top_level and asked_to_log)):
            return  # a conversation among officers: not for the bot
        service_id = next((s.id for s in self.ctx.config.services if s.channel_id == channel_id),
                          None)
        if command.kind == "log":
            content = self.logging.form(person, {"svc": service_id}, who=command.argument)
        else:
            content = help_card(person, self.env(), service_id=service_id, in_channel=True)
        await turn.send_activity(card_activity(content))

    async def _thread_message(self, turn: TurnContext, person: Person, thread: Thread) -> None:
        activity, env = turn.activity, self.env()
        case = await self._case_by_id(thread.case_id)
        ref, member = case.reference or "", env.name(case.member_id)
        internal, text = forms.split_internal(message_text(activity),
                                              self.ctx.config.council.internal_prefix)
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
            log.info("thread message on %s refused for %s", ref, person.id)
            answer = self._refusal(case, person, thread, env)
        except DomainError as exc:
            answer = forms.explain(exc) + " Nothing was recorded."
        else:
            log.info("thread message %s recorded on %s (%s)", activity.id, ref,
                     "note" if internal else "reply")
            if outcome.first_response and not outcome.duplicate:
                await self._refresh_root(turn, thread, outcome.case, env)
        await turn.send_activity(answer)

    async def _record(self, ref: str, person: Person, activity: Activity, text: str, *,
                      internal: bool) -> Outcome:
        """The message on the case: a note, or a reply the use case queues for the member."""
        write = self.ctx.casework.note if internal else self.ctx.casework.reply
        return await write(ref, actor=self.actor(person), now=self.ctx.clock(), text=text,
                           message_id=activity.id or "",
                           idempotency_key=f"activity:{activity.id}")

    def _refusal(self, case: Case, person: Person, thread: Thread, env: CardEnv) -> str:
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
        update = card_activity(await self._case_card(case, env, service_id=thread.service_id))
        update.id = thread.card_activity_id
        try:
            await turn.update_activity(update)
        except Exception as exc:  # the reply is recorded; a stale card is not worth failing
            log.warning("could not update the case card of %s: %s", case.reference,
                        type(exc).__name__)

    async def _files(self, case: Case) -> list[FileInfo]:
        if case.id is None:
            return []
        async with self.ctx.store.transaction() as uow:
            rows = await uow.cases.attachment_list(case.id)
        return [f for f in (FileInfo.parse(r) for r in rows) if f is not None]

    async def _case_card(self, case: Case, env: CardEnv, *, service_id: str | None,
                         notice: str = "", tone: str = "good") -> Card:
        """The case card with its files and the questions put to other officers."""
        return case_card(case, env, service_id=service_id, files=await self._files(case),
                         questions=await self.ctx.casework.questions(case), notice=notice,
                         tone=tone)

    async def _was_reply(self, case: Case, message_id: str) -> bool:
        events = await self.ctx.casework.timeline(case)
        return any(e.event.kind == "replied" and e.event.payload.get("message_id") == message_id
                   for e in events)

    # -- card actions --------------------------------------------------------------------------
    async def _case_action(self, turn: TurnContext, person: Person, verb: str,
                           data: dict[str, Any]) -> Card:
        env = self.env()
        try:
            form = forms.validate(CASE_VERBS[verb], data)
        except forms.FormInvalid as bad:
            return await self._form_again(person, verb, bad, env)
        actor = self.actor(person)
        try:
            done = await self.actions.run(verb, form, actor, env,
                                          fallback_key=f"activity:{turn.activity.id}")
        except DomainError as exc:
            log.info("%s on %s refused: %s", verb, form.ref, type(exc).__name__)
            return await self._refused(person, verb, form, exc, data, env)
        case, duplicate = done.outcome.case, done.outcome.duplicate
        log.info("%s on %s by %s%s", verb, form.ref, person.id, " (again)" if duplicate else "")
        if done.card is not None and not duplicate:
            return done.card
        if not may(self.ctx.directory, actor, Action.VIEW, case, env.today):
            return message_card(STALE_CARD if duplicate else done.notice)  # e.g. moved away
        notice, tone = (STALE_CARD, "warning") if duplicate else (done.notice, "good")
        return await self._case_card(case, env, service_id=form.svc, notice=notice, tone=tone)

    def _service_id(self, value: str | None) -> str | None:
        return value if value in {s.id for s in self.ctx.config.services} else None

    async def _view(self, person: Person, ref: str, env: CardEnv) -> Case:
        return await self.ctx.casework.view(ref, actor=self.actor(person), now=env.now)

    async def _form_again(self, person: Person, verb: str, bad: forms.FormInvalid,
                          env: CardEnv) -> Card:
        ref, svc = bad.values.get("ref", ""), self._service_id(bad.values.get("svc"))
        try:
            case = await self._view(person, ref, env)
        except DomainError as exc:
            return message_card(forms.explain(exc) if "ref" not in bad.problems else
                                bad.problems["ref"], tone="attention")
        message = "Please check the form: " + " ".join(dict.fromkeys(bad.problems.values()))
        if verb not in FORMS:
            return await self._case_card(case, env, service_id=svc, notice=message,
                                         tone="attention")
        return form_card(case, env, verb, values=bad.values, problems=bad.problems,
                         message="Please check the form.", service_id=svc)

    async def _refused(self, person: Person, verb: str, form: CaseAction, exc: DomainError,
                       data: dict[str, Any], env: CardEnv) -> Card:
        try:
            case = await self._view(person, form.ref, env)
        except DomainError as view_exc:  # not theirs to see: say what they tried, no more
            shown = exc if isinstance(view_exc, NotPermitted) else view_exc
            return message_card(forms.explain(shown), tone="attention")
        message = forms.explain(exc)
        if verb in FORMS and case.state in ACTIVE_STATES and not isinstance(
                exc, NotPermitted | InvalidTransition):
            return form_card(case, env, verb, values=forms.typed_values(data), problems={},
                             message=message, service_id=form.svc)
        return await self._case_card(case, env, service_id=form.svc,
                                     notice=message + " Nothing was changed.", tone="attention")

    async def _open(self, person: Person, data: dict[str, Any]) -> Card:
        env = self.env()
        try:
            target = forms.validate(forms.CaseRef, data)
            case = await self._view(person, target.ref, env)
        except forms.FormInvalid as bad:
            return message_card(next(iter(bad.problems.values())), tone="attention")
        except DomainError as exc:
            return message_card(forms.explain(exc), tone="attention")
        return await self._case_card(case, env, service_id=target.svc)

    async def _queue(self, person: Person, data: dict[str, Any]) -> Card:
        env = self.env()
        if person.kind is not ActorKind.OFFICER:
            return message_card("The queue is for council officers.")
        try:
            page_no = forms.validate(forms.QueuePage, data)
        except forms.FormInvalid:
            page_no = forms.QueuePage()
        page = await self.ctx.casework.list_for_officer(
            actor=self.actor(person), now=env.now, flt=CaseFilter(states=tuple(ACTIVE_STATES)),
            offset=page_no.offset, limit=QUEUE_PAGE)
        return queue_card(page, env)

    async def _chat(self, person: Person, text: str) -> Card:
        command = forms.parse_command(text)
        if command.kind == "open":
            return await self._open(person, {"ref": command.argument})
        if command.kind == "queue":
            return await self._queue(person, {})
        if command.kind == "questions":
            return await self._questions(person)
        if command.kind == "log":
            return self.logging.form(person, {}, who=command.argument)
        notice = "Sorry, I didn't understand that." if command.kind == "unknown" else ""
        return help_card(person, self.env(), notice=notice)

    # -- questions put to officers ------------------------------------------------------------
    async def _answer(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        """The Answer form of a question card (chat or thread) or of "questions for you"."""
        env, to_list = self.env(), data.get("view") == "questions"
        try:
            form = forms.validate(forms.AnswerQuestionForm, data)
        except forms.FormInvalid as bad:
            message = "Please check the form: " + " ".join(dict.fromkeys(bad.problems.values()))
            if to_list:
                return await self._questions(person, notice=message, tone="attention")
            return await self._question_card(person, bad.values, env, notice=message,
                                             tone="attention", problems=bad.problems)
        try:
            done = await self.actions.run("officer.answer_question", form, self.actor(person),
                                          env, fallback_key=f"activity:{turn.activity.id}")
        except DomainError as exc:
            log.info("officer.answer_question on %s refused: %s", form.ref, type(exc).__name__)
            notice, tone = forms.explain(exc) + " Nothing was changed.", "attention"
        else:
            log.info("officer.answer_question on %s by %s%s", form.ref, person.id,
                     " (again)" if done.outcome.duplicate else "")
            notice, tone = (STALE_CARD, "warning") if done.outcome.duplicate else \
                (done.notice, "good")
        if to_list:
            return await self._questions(person, notice=notice, tone=tone)
        return await self._question_card(person, data, env, notice=notice, tone=tone)

    async def _question_card(self, person: Person, data: dict[str, Any], env: CardEnv, *,
                             notice: str = "", tone: str = "good",
                             problems: dict[str, str] | None = None) -> Card:
        """A question as it now stands, for someone who may answer it; else only the reason."""
        problems = problems or {}
        if "ref" in problems or "question_id" in problems:
            return message_card(problems.get("ref") or problems["question_id"], tone="attention")
        try:
            case, question = await self.ctx.casework.question(
                str(data.get("ref", "")), str(data.get("question_id", "")),
                actor=self.actor(person), now=env.now)
        except DomainError as exc:
            return message_card(forms.explain(exc), tone="attention")
        typed = {k: v for k, v in forms.typed_values(data).items() if k.startswith("answer_")}
        return question_card(case, env, question, nonce=new_nonce(),
                             service_id=self._service_id(data.get("svc")), notice=notice,
                             tone=tone, values=typed, problem=problems.get("answer", ""))

    async def _show_question(self, person: Person, data: dict[str, Any]) -> Card:
        try:
            target = forms.validate(forms.QuestionRef, data)
        except forms.FormInvalid as bad:
            return message_card(next(iter(bad.problems.values())), tone="attention")
        return await self._question_card(person, target.model_dump(), self.env())

    async def _questions(self, person: Person, *, notice: str = "", tone: str = "good") -> Card:
        """The responder's list: questions waiting for them, their services or those they cover."""
        env = self.env()
        if person.kind is not ActorKind.OFFICER:
            return message_card("Questions between officers are for council officers.")
        items, total = await self.ctx.casework.questions_for(actor=self.actor(person),
                                                             now=env.now)
        return questions_card(items, total, env, nonce=new_nonce(), notice=notice, tone=tone)
