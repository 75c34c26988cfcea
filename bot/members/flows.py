"""The member's side of the bot in personal chat: commands, card actions and files.

Each handler parses what Teams sent (`dialogs.forms`), calls one use case on `Casework` as the
acting member (a cabinet secretary acts "for" a cabinet member, recorded as both), and answers
with a card from `dialogs.member_*`; the card an Action.Execute returns replaces the card that was
clicked. Every change made from a card uses the button's nonce as its idempotency key. A domain
refusal becomes a plain sentence (`dialogs.members.errors`); logs carry references and ids, never
what a constituent said.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

import aiohttp
from microsoft_agents.hosting.core import TurnContext

from bot.members.downloads import credentials_for, download
from bot.members.pending_files import PendingFiles
from bot.teams import BotContext, Card, card_activity
from casestore.directory import Person
from casestore.errors import (
    AttachmentRejected,
    CaseNotFound,
    DomainError,
    NotPermitted,
)
from casestore.intake import InvalidSubmission, special_categories
from casestore.model import ACTIVE_STATES, Actor, ActorKind, Case
from casestore.permissions import acts_for_member
from casestore.records import CaseFilter
from casestore.services import Outcome
from dialogs import forms
from dialogs.forms import After, FormError, parse
from dialogs.members import commands as member_commands
from dialogs.members.cards import (
    Acting,
    Banner,
    MemberView,
    acknowledgement_card,
    help_card,
    message_card,
    welcome_card,
)
from dialogs.members.case import case_detail_card, done_sentence
from dialogs.members.errors import NOT_YOUR_DRAFT, NOT_YOURS, STALE_CARD, member_sentence
from dialogs.members.files import (
    IncomingFile,
    incoming_files,
    sniffed_type,
    with_extension,
)
from dialogs.members.form import (
    enquiry_form,
    errors_by_input,
    special_category_card,
    values_for_follow_up,
    values_of_case,
)
from dialogs.members.lists import (
    PAGE_SIZE,
    FileResult,
    ListFilters,
    case_list_card,
    choose_case_for_files_card,
    drafts_card,
    files_added_card,
)

log = logging.getLogger(__name__)

Handler = Callable[[TurnContext, Person, dict[str, Any]], Awaitable[Card]]
NOT_FOR_THEM = "You can't raise or follow enquiries for that councillor."
NO_MEMBERS = ("You are set up as a cabinet secretary, but not yet for any cabinet member, so "
              "there are no enquiries to show. Please contact the member support team.")
FILE_GONE = ("I no longer have that file. Please send it again with the enquiry's reference in "
             "the message (for example ENQ-2026-000123).")
NO_DOWNLOAD = "I couldn't download it from Teams. Please send it again."
HOME = (("My cases", "member.cases.list"), ("Help", "member.help"))


class NotActingFor(NotPermitted):
    """The person may not act for that member (`reference` is the member's id, or None)."""

    def __init__(self, person_id: str, member_id: str | None) -> None:
        super().__init__(person_id, "act for", member_id)


class MemberFlows:
    """The `Flows` of bot/teams.py for members and cabinet secretaries in personal chat."""

    def __init__(self, ctx: BotContext, *, download_timeout_s: float = 10.0) -> None:
        self.ctx = ctx
        self.casework = ctx.casework
        self.download_timeout_s = download_timeout_s
        self.pending = PendingFiles(ctx.store)
        self._verbs: dict[str, Handler] = {
            "member.help": self._help,
            "member.enquiry.new": self._new_enquiry,
            "member.enquiry.edit": self._edit_enquiry,
            "member.enquiry.submit": self._submit,
            "member.enquiry.save_draft": self._save_draft,
            "member.drafts.list": self._drafts,
            "member.draft.open": self._open_draft,
            "member.draft.discard": self._discard_draft,
            "member.cases.list": self._list,
            "member.case.open": self._open_case,
            "member.case.link": self._link,
            "member.files.attach": self._attach_chosen,
            # the scheduler's notices (dialogs/support/notices.py) open the case
            "member.case": self._open_case,
            "member.escalate_form": self._open_case,
            "member.extend_form": self._open_case,
        }
        for verb in forms.CASE_ACTIONS:
            self._verbs[verb] = self._case_action

    # -- the Flows protocol ---------------------------------------------------------------------
    async def on_welcome(self, turn: TurnContext, person: Person) -> None:
        try:
            card = welcome_card(self._view(), self._acting(person))
        except NotActingFor as exc:
            card = self._refusal(exc)
        await turn.send_activity(card_activity(card))

    async def on_message(self, turn: TurnContext, person: Person) -> None:
        activity = turn.activity
        files = incoming_files(a.model_dump(mode="json", by_alias=True, exclude_none=True)
                               for a in activity.attachments or [])
        text = activity.text or ""
        if activity.recipient is not None and activity.entities:
            text = TurnContext.remove_recipient_mention(activity) or ""
        try:
            if files:
                card = await self._receive_files(turn, person, text, files)
            else:
                card = await self._command(person, text)
        except DomainError as exc:
            card = self._refusal(exc)
        await turn.send_activity(card_activity(card))

    async def on_action(self, turn: TurnContext, person: Person, verb: str,
                        data: dict[str, Any]) -> Card | None:
        handler = self._verbs.get(verb)
        if handler is None:
            log.warning("unknown member verb %r (activity %s)", verb, turn.activity.id)
            return message_card("Sorry, that button is no longer available. Type **help** to "
                                "start again.", actions=HOME)
        try:
            return await handler(turn, person, {**data, "_verb": verb})
        except FormError:
            return message_card(STALE_CARD, good=False, actions=HOME)
        except DomainError as exc:
            return self._refusal(exc)

    # -- who acts -------------------------------------------------------------------------------
    def _view(self) -> MemberView:
        return MemberView(self.ctx.config, self.ctx.directory, self.casework.policy,
                          self.ctx.clock())

    def _acting(self, person: Person, for_member: str | None = None) -> Acting:
        """The person and the member they act for; a member acts only for themselves."""
        if person.kind is ActorKind.MEMBER:
            if for_member not in (None, person.id):
                raise NotActingFor(person.id, for_member)
            return Acting(person, person)
        directory = self.ctx.directory
        members = sorted((directory.get(m) for m in directory.members_for_secretary(person.id)),
                         key=lambda m: m.name)
        chosen = for_member or (members[0].id if members else None)
        if chosen is None or chosen not in {m.id for m in members}:
            raise NotActingFor(person.id, chosen)
        return Acting(person, directory.get(chosen), tuple(members))

    @staticmethod
    def _actor(acting: Acting) -> Actor:
        return Actor(acting.person.id, ActorKind.MEMBER, on_behalf_of=acting.for_member)

    async def _acting_for_case(self, person: Person, reference: str,
                               for_member: str | None) -> tuple[Acting, Case]:
        """Who acts on this case, and the case as they may see it (NotPermitted otherwise)."""
        acting = self._acting(person, for_member)
        now = self.ctx.clock()
        candidates = [acting] if for_member or not acting.members else [
            self._acting(person, m.id) for m in acting.members]
        for candidate in candidates:
            try:
                case = await self.casework.view(reference, actor=self._actor(candidate), now=now)
            except NotPermitted:
                continue
            return candidate, case
        raise NotPermitted(person.id, "view", reference)

    def _refusal(self, exc: DomainError) -> Card:
        if isinstance(exc, NotActingFor):
            return message_card(NOT_FOR_THEM if exc.reference else NO_MEMBERS, good=False,
                                actions=HOME)
        sentence = member_sentence(exc, today=self._view().today)
        return message_card(sentence, good=False, actions=HOME)

    # -- commands -------------------------------------------------------------------------------
    async def _command(self, person: Person, text: str) -> Card:
        name, arg = member_commands.parse_command(text)
        view = self._view()
        if name == "new":
            return enquiry_form(view, self._acting(person))
        if name == "cases":
            return await self._list_page(view, self._acting(person), ListFilters())
        if name == "find":
            return await self._list_page(view, self._acting(person), ListFilters(text=arg))
        if name == "drafts":
            return await self._drafts_card(view, self._acting(person))
        if name == "case":
            acting, _ = await self._acting_for_case(person, arg, None)
            return await self._detail(view, acting, arg)
        if name == "help":
            return help_card(view, acting=self._acting(person))
        return help_card(view, "Sorry, I didn't understand that. Here is what I can do.",
                         acting=self._acting(person))

    async def _help(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        return help_card(self._view(), acting=self._acting(person))

    # -- the enquiry form -----------------------------------------------------------------------
    async def _new_enquiry(self, turn: TurnContext, person: Person,
                           data: dict[str, Any]) -> Card:
        form = parse(forms.NewEnquiry, data)
        if form.linked_reference:
            return await self._linked_form(person, form.linked_reference, form.for_member)
        return enquiry_form(self._view(), self._acting(person, form.for_member))

    async def _link(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.CaseView, data)
        return await self._linked_form(person, form.reference, form.for_member)

    async def _linked_form(self, person: Person, reference: str, for_member: str | None) -> Card:
        """A new enquiry following up a closed one (the protocol: raise a new, linked case)."""
        acting, old = await self._acting_for_case(person, reference, for_member)
        return enquiry_form(self._view(), acting, values=values_for_follow_up(old),
                            linked_reference=reference)

    def _form_again(self, person: Person, data: dict[str, Any], problems: dict[str, str],
                    *, banner: Banner | None = None) -> Card:
        """The form as the member sent it, each problem beside its field; nothing stored."""
        view = self._view()
        try:
            acting = self._acting(person, forms.lenient_text(data.get("for_member")) or None)
        except NotActingFor:
            acting = self._acting(person)
            problems = {**problems, "for_member": NOT_FOR_THEM}
        return enquiry_form(view, acting, values=data, errors=errors_by_input(problems),
                            draft_id=forms.lenient_id(data.get("draft_id")),
                            linked_reference=forms.lenient_reference(data.get("linked_reference")),
                            banner=banner)

    async def _edit_enquiry(self, turn: TurnContext, person: Person,
                            data: dict[str, Any]) -> Card:
        return self._form_again(person, data, {})

    async def _checked_form(self, person: Person, data: dict[str, Any]
                            ) -> tuple[forms.EnquiryForm, Acting]:
        form = parse(forms.EnquiryForm, data)
        try:
            acting = self._acting(person, form.for_member)
        except NotActingFor:
            raise FormError({"for_member": NOT_FOR_THEM}) from None
        if form.linked_reference:
            try:
                await self._acting_for_case(person, form.linked_reference, form.for_member)
            except (NotPermitted, CaseNotFound):
                raise FormError({"_card": f"{NOT_YOURS} ({form.linked_reference})"}) from None
        return form, acting

    async def _submit(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        view = self._view()
        try:
            form, acting = await self._checked_form(person, data)
            details = form.details()
            outcome = await self.casework.submit(
                details, member_id=acting.member.id, actor=self._actor(acting), now=view.now,
                idempotency_key=f"nonce:{form.nonce}", draft_id=form.draft_id,
                linked_reference=form.linked_reference)
        except FormError as exc:
            return self._form_again(person, data, exc.problems)
        except InvalidSubmission as exc:
            if set(exc.problems) == {"special_category"}:
                found = special_categories(details.description, details.ask, details.location)
                return special_category_card(view, data, found, draft_id=form.draft_id,
                                             linked_reference=form.linked_reference)
            return self._form_again(person, data, exc.problems)
        except DomainError as exc:
            sentence = NOT_YOUR_DRAFT if isinstance(exc, NotPermitted | CaseNotFound) and \
                form.draft_id else member_sentence(exc, today=view.today)
            return self._form_again(person, data, {"_card": sentence})
        case = outcome.case
        log.info("enquiry %s submitted by %s for %s%s", case.reference, person.id,
                 case.member_id, " (again: no change)" if outcome.duplicate else "")
        if not outcome.duplicate and form.after is not After.STAY:
            follow = enquiry_form(view, acting) if form.after is After.NEW else \
                await self._list_page(view, acting, ListFilters())
            await turn.send_activity(card_activity(follow))
        return acknowledgement_card(view, case, duplicate=outcome.duplicate)

    async def _save_draft(self, turn: TurnContext, person: Person,
                          data: dict[str, Any]) -> Card:
        view = self._view()
        try:
            form, acting = await self._checked_form(person, data)
        except FormError as exc:
            return self._form_again(person, data, exc.problems)
        try:  # a second click of the same button returns the draft saved the first time
            draft = await self.casework.save_draft(
                form.details(), member_id=acting.member.id, actor=self._actor(acting),
                now=view.now, draft_id=form.draft_id, idempotency_key=f"nonce:{form.nonce}")
        except InvalidSubmission as exc:
            return self._form_again(person, data, exc.problems)
        except (NotPermitted, CaseNotFound):
            return self._form_again(person, data, {"_card": NOT_YOUR_DRAFT})
        draft_id = draft.id
        log.info("draft #%s saved by %s", draft_id, person.id)
        values = {**data, "draft_id": draft_id}
        return self._form_again(person, values, {}, banner=Banner(
            "Draft saved. Type **drafts** to come back to it."))

    # -- drafts ---------------------------------------------------------------------------------
    async def _drafts_card(self, view: MemberView, acting: Acting,
                           banner: Banner | None = None) -> Card:
        drafts = await self.casework.drafts(actor=self._actor(acting))
        return drafts_card(view, drafts, acting, banner=banner)

    async def _drafts(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.Navigation, data)
        return await self._drafts_card(self._view(), self._acting(person, form.for_member))

    async def _own_draft(self, person: Person, draft_id: int) -> tuple[Acting, Case]:
        acting = self._acting(person)
        for candidate in [acting] if not acting.members else [
                self._acting(person, m.id) for m in acting.members]:
            try:
                return candidate, await self.casework.get_draft(
                    draft_id, actor=self._actor(candidate))
            except NotPermitted:
                continue
        raise NotPermitted(person.id, "use the draft", f"#{draft_id}")

    async def _open_draft(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.DraftOpen, data)
        acting, draft = await self._own_draft(person, form.draft_id)
        values = {**values_of_case(draft), "for_member": acting.for_member}
        return enquiry_form(self._view(), acting, values=values, draft_id=draft.id,
                            linked_reference=draft.linked_reference)

    async def _discard_draft(self, turn: TurnContext, person: Person,
                             data: dict[str, Any]) -> Card:
        form = parse(forms.DraftChoice, data)
        view = self._view()
        try:
            acting, _ = await self._own_draft(person, form.draft_id)
            await self.casework.discard_draft(form.draft_id, actor=self._actor(acting))
            banner = Banner("Draft discarded.")
        except (NotPermitted, CaseNotFound):
            acting, banner = self._acting(person), Banner(NOT_YOUR_DRAFT, good=False)
        return await self._drafts_card(view, acting, banner)

    # -- my cases -------------------------------------------------------------------------------
    async def _list(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.ListCases, data)
        view = self._view()
        acting = self._acting(person, form.for_member)
        filters = ListFilters(page=form.page, status=form.status, service=form.service,
                              ward=form.ward, text=form.text.strip())
        if (form.service and form.service not in {s.id for s in view.config.services}) or \
                (form.ward and form.ward not in {w.id for w in view.config.wards}):
            return await self._list_page(view, acting, ListFilters(), Banner(
                "Choose a service and a ward from the lists.", good=False))
        return await self._list_page(view, acting, filters)

    async def _list_page(self, view: MemberView, acting: Acting, filters: ListFilters,
                         banner: Banner | None = None) -> Card:
        flt = filters.case_filter()
        actor = self._actor(acting)
        page = await self.casework.list_for_member(actor=actor, flt=flt,
                                                   offset=filters.page * PAGE_SIZE,
                                                   limit=PAGE_SIZE)
        if page.total and not page.cases:  # past the end (an old card): show the last page
            last = (page.total - 1) // PAGE_SIZE
            filters = replace(filters, page=last)
            page = await self.casework.list_for_member(actor=actor, flt=flt,
                                                       offset=last * PAGE_SIZE, limit=PAGE_SIZE)
        return case_list_card(view, page, filters, acting, banner=banner)

    # -- one case -------------------------------------------------------------------------------
    async def _detail(self, view: MemberView, acting: Acting, reference: str,
                      banner: Banner | None = None) -> Card:
        actor = self._actor(acting)
        case = await self.casework.view(reference, actor=actor, now=view.now)
        events = [stored.event for stored in await self.casework.timeline(case)]
        files = await self.casework.attachments(reference, actor=actor, now=view.now)
        can_act = acts_for_member(self.ctx.directory, actor, case.member_id)
        return case_detail_card(view, case, events, files, acting, can_act=can_act,
                                banner=banner)

    async def _open_case(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        data = {"reference": data.get("ref"), **data}  # the scheduler's cards say "ref"
        form = parse(forms.CaseView, data)
        acting, _ = await self._acting_for_case(person, form.reference, form.for_member)
        return await self._detail(self._view(), acting, form.reference)

    async def _case_action(self, turn: TurnContext, person: Person,
                           data: dict[str, Any]) -> Card:
        """One of the member's actions on a case; the case detail comes back, with a banner."""
        verb = data["_verb"]
        try:
            form = parse(forms.CASE_ACTIONS[verb], data)
        except FormError as exc:
            reference = forms.lenient_reference(data.get("reference"))
            if reference is None or "nonce" in exc.problems:
                raise
            acting, _ = await self._acting_for_case(person, reference, None)
            return await self._detail(self._view(), acting, reference,
                                      Banner(next(iter(exc.problems.values())), good=False))
        acting, _ = await self._acting_for_case(person, form.reference, form.for_member)
        actor = self._actor(acting)
        use_case = getattr(self.casework, form.use_case)
        try:
            outcome: Outcome = await use_case(
                form.reference, actor=actor, now=self.ctx.clock(),
                idempotency_key=f"nonce:{form.nonce}", **form.arguments())
        except (NotPermitted, CaseNotFound):
            raise
        except DomainError as exc:
            view = self._view()
            case = await self.casework.view(form.reference, actor=actor, now=view.now)
            sentence = member_sentence(
                exc, today=view.today, case_state=case.state, escalation=case.escalation_state,
                responded=case.first_response_at is not None)
            return await self._detail(view, acting, form.reference, Banner(sentence, good=False))
        log.info("%s on %s by %s%s", verb, form.reference, person.id,
                 " (again: no change)" if outcome.duplicate else "")
        view = self._view()
        return await self._detail(view, acting, form.reference,
                                  Banner(done_sentence(verb, view, outcome.case)))

    # -- files ----------------------------------------------------------------------------------
    async def _receive_files(self, turn: TurnContext, person: Person, text: str,
                             files: list[IncomingFile]) -> Card:
        view = self._view()
        reference = member_commands.find_reference(text)
        if reference is None:
            acting = self._acting(person)
            page = await self.casework.list_for_member(
                actor=self._actor(acting), flt=CaseFilter(states=tuple(sorted(ACTIVE_STATES))),
                limit=10)
            token = await self.pending.put(person.id, files, view.now)
            return choose_case_for_files_card(view, page.cases, [f.name for f in files], token,
                                              acting)
        acting, _ = await self._acting_for_case(person, reference, None)
        return await self._store_files(turn, view, acting, reference, files,
                                       f"activity:{turn.activity.id}")

    async def _attach_chosen(self, turn: TurnContext, person: Person,
                             data: dict[str, Any]) -> Card:
        form = parse(forms.AttachFiles, data)
        view = self._view()
        files = await self.pending.get(form.token, person.id, view.now)
        if files is None:
            return message_card(FILE_GONE, good=False, actions=HOME)
        acting, _ = await self._acting_for_case(person, form.reference, form.for_member)
        return await self._store_files(turn, view, acting, form.reference, files,
                                       f"nonce:{form.nonce}")

    async def _store_files(self, turn: TurnContext, view: MemberView, acting: Acting,
                           reference: str, files: Sequence[IncomingFile], key: str) -> Card:
        results: list[FileResult] = []
        limits = self.ctx.config.attachments
        for i, incoming in enumerate(files):
            try:
                if incoming.content_type not in limits.allowed_types and \
                        not incoming.content_type.startswith("image/"):
                    raise AttachmentRejected(incoming.name, "this type of file is not accepted")
                content = await download(incoming.url, limits.max_bytes,
                                         await credentials_for(turn, incoming.url),
                                         timeout_s=self.download_timeout_s)
                ctype = sniffed_type(content, incoming.content_type)
                name = with_extension(incoming.name, ctype)
                outcome = await self.casework.add_attachment(
                    reference, actor=self._actor(acting), now=view.now, filename=name,
                    content_type=ctype, content=content,
                    idempotency_key=key if i == 0 else f"{key}:{i}")
                log.info("file added to %s by %s (attachment %s)", reference,
                         acting.person.id, outcome.attachment_id)
                results.append(FileResult(name, True))
            except (NotPermitted, CaseNotFound):
                raise
            except DomainError as exc:
                results.append(FileResult(incoming.name, False,
                                          member_sentence(exc, today=view.today)))
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                log.warning("could not download a file for %s: %s", reference,
                            type(exc).__name__)
                results.append(FileResult(incoming.name, False,
                                          f"{incoming.name} was not added: {NO_DOWNLOAD}"))
        return files_added_card(view, reference, results, acting.for_member)


