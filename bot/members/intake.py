"""The enquiry form: new, linked to a closed case, edited, submitted, saved and reopened as a
draft. A refused submit shows the form again as the member sent it, each problem beside its
field; nothing half-written is stored."""

from __future__ import annotations

import logging
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.members.acting import NOT_FOR_THEM, Members, NotActingFor
from bot.members.lists import CaseLists
from bot.teams import Card, card_activity
from casestore.directory import Person
from casestore.errors import CaseNotFound, DomainError, NotPermitted
from casestore.intake import InvalidSubmission, special_categories
from casestore.keys import nonce_key
from casestore.model import Case
from dialogs.forms import FormError, lenient_id, lenient_reference, lenient_text, parse
from dialogs.members import forms
from dialogs.members.cards import Acting, Banner, MemberView, acknowledgement_card
from dialogs.members.form import (
    enquiry_form,
    errors_by_input,
    special_category_card,
    values_for_follow_up,
    values_of_case,
)
from dialogs.members.forms import After
from dialogs.members.lists import ListFilters, drafts_card
from dialogs.refusals import NOT_YOUR_DRAFT, NOT_YOURS, Audience, sentence_for

log = logging.getLogger(__name__)


class Intake:
    def __init__(self, members: Members, lists: CaseLists) -> None:
        self.m = members
        self.lists = lists

    @staticmethod
    def new_form(view: MemberView, acting: Acting) -> Card:
        return enquiry_form(view, acting)

    async def new_enquiry(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.NewEnquiry, data)
        if form.linked_reference:
            return await self._linked_form(person, form.linked_reference, form.for_member)
        return enquiry_form(self.m.view(), self.m.acting(person, form.for_member))

    async def link(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.CaseView, data)
        return await self._linked_form(person, form.reference, form.for_member)

    async def _linked_form(self, person: Person, reference: str, for_member: str | None) -> Card:
        """A new enquiry following up a closed one (the protocol: raise a new, linked case)."""
        acting, old = await self.m.acting_for_case(person, reference, for_member)
        return enquiry_form(self.m.view(), acting, values=values_for_follow_up(old),
                            linked_reference=reference)

    def form_again(self, person: Person, data: dict[str, Any], problems: dict[str, str],
                   *, banner: Banner | None = None) -> Card:
        """The form as the member sent it, each problem beside its field; nothing stored."""
        view = self.m.view()
        try:
            acting = self.m.acting(person, lenient_text(data.get("for_member")) or None)
        except NotActingFor:
            acting = self.m.acting(person)
            problems = {**problems, "for_member": NOT_FOR_THEM}
        return enquiry_form(view, acting, values=data, errors=errors_by_input(problems),
                            draft_id=lenient_id(data.get("draft_id")),
                            linked_reference=lenient_reference(data.get("linked_reference")),
                            banner=banner)

    async def edit(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        return self.form_again(person, data, {})

    async def _checked_form(self, person: Person, data: dict[str, Any]
                            ) -> tuple[forms.EnquiryForm, Acting]:
        form = parse(forms.EnquiryForm, data)
        try:
            acting = self.m.acting(person, form.for_member)
        except NotActingFor:
            raise FormError({"for_member": NOT_FOR_THEM}) from None
        if form.linked_reference:
            try:
                await self.m.acting_for_case(person, form.linked_reference, form.for_member)
            except (NotPermitted, CaseNotFound):
                raise FormError({"_card": f"{NOT_YOURS} ({form.linked_reference})"}) from None
        return form, acting

    async def submit(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        view = self.m.view()
        try:
            form, acting = await self._checked_form(person, data)
            details = form.details()
            outcome = await self.m.casework.submit(
                details, member_id=acting.member.id, actor=self.m.actor(acting), now=view.now,
                idempotency_key=nonce_key(form.nonce), draft_id=form.draft_id,
                linked_reference=form.linked_reference)
        except FormError as exc:
            return self.form_again(person, data, exc.problems)
        except InvalidSubmission as exc:
            if set(exc.problems) == {"special_category"}:
                found = special_categories(details.description, details.ask, details.location)
                return special_category_card(view, data, found, draft_id=form.draft_id,
                                             linked_reference=form.linked_reference)
            return self.form_again(person, data, exc.problems)
        except DomainError as exc:
            sentence = NOT_YOUR_DRAFT if isinstance(exc, NotPermitted | CaseNotFound) and \
                form.draft_id else sentence_for(exc, Audience.MEMBER, today=view.today)
            return self.form_again(person, data, {"_card": sentence})
        case = outcome.case
        log.info("enquiry %s submitted by %s for %s%s", case.reference, person.id,
                 case.member_id, " (again: no change)" if outcome.duplicate else "",
                 extra={"case": case.reference})
        if not outcome.duplicate and form.after is not After.STAY:
            follow = enquiry_form(view, acting) if form.after is After.NEW else \
                await self.lists.page(view, acting, ListFilters())
            await turn.send_activity(card_activity(follow))
        return acknowledgement_card(view, case, duplicate=outcome.duplicate)

    async def save_draft(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        view = self.m.view()
        try:
            form, acting = await self._checked_form(person, data)
        except FormError as exc:
            return self.form_again(person, data, exc.problems)
        try:  # a second click of the same button returns the draft saved the first time
            draft = await self.m.casework.save_draft(
                form.details(), member_id=acting.member.id, actor=self.m.actor(acting),
                now=view.now, draft_id=form.draft_id, idempotency_key=nonce_key(form.nonce))
        except InvalidSubmission as exc:
            return self.form_again(person, data, exc.problems)
        except (NotPermitted, CaseNotFound):
            return self.form_again(person, data, {"_card": NOT_YOUR_DRAFT})
        draft_id = draft.id
        log.info("draft #%s saved by %s", draft_id, person.id)
        values = {**data, "draft_id": draft_id}
        return self.form_again(person, values, {}, banner=Banner(
            "Draft saved. Type **drafts** to come back to it."))

    # -- drafts ---------------------------------------------------------------------------------
    async def drafts_card(self, view: MemberView, acting: Acting,
                          banner: Banner | None = None) -> Card:
        drafts = await self.m.casework.drafts(actor=self.m.actor(acting), now=view.now)
        return drafts_card(view, drafts, acting, banner=banner)

    async def drafts(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.Navigation, data)
        return await self.drafts_card(self.m.view(), self.m.acting(person, form.for_member))

    async def _own_draft(self, person: Person, draft_id: int) -> tuple[Acting, Case]:
        for candidate in self.m.candidates(person):
            try:
                return candidate, await self.m.casework.get_draft(
                    draft_id, actor=self.m.actor(candidate), now=self.m.ctx.clock())
            except NotPermitted:
                continue
        raise NotPermitted(person.id, "use the draft", f"#{draft_id}")

    async def open_draft(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.DraftOpen, data)
        acting, draft = await self._own_draft(person, form.draft_id)
        values = {**values_of_case(draft), "for_member": acting.for_member}
        return enquiry_form(self.m.view(), acting, values=values, draft_id=draft.id,
                            linked_reference=draft.linked_reference)

    async def discard_draft(self, turn: TurnContext, person: Person,
                            data: dict[str, Any]) -> Card:
        form = parse(forms.DraftChoice, data)
        view = self.m.view()
        try:
            acting, _ = await self._own_draft(person, form.draft_id)
            await self.m.casework.discard_draft(form.draft_id, actor=self.m.actor(acting),
                                               now=view.now)
            banner = Banner("Draft discarded.")
        except (NotPermitted, CaseNotFound):
            acting, banner = self.m.acting(person), Banner(NOT_YOUR_DRAFT, good=False)
        return await self.drafts_card(view, acting, banner)
