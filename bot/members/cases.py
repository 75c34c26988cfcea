"""One case for a member: its detail card, and the member's actions on it.

Each case button's form maps to its use case through `USE_CASES`, an explicit registry; the case
detail comes back with a banner saying what was done, or why it could not be.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from microsoft_agents.hosting.core import TurnContext

from bot.members.acting import Members
from bot.teams import Card
from casestore.casework import Casework
from casestore.directory import Person
from casestore.errors import CaseNotFound, DomainError, NotPermitted
from casestore.intake import SpecialCategoryUnconfirmed
from casestore.keys import nonce_key
from casestore.permissions import acts_for_member
from casestore.services import Outcome
from dialogs.forms import FormError, lenient_reference, parse
from dialogs.members import forms, special
from dialogs.members.cards import Acting, Banner, MemberView
from dialogs.members.case import case_detail_card, done_sentence
from dialogs.refusals import Audience, sentence_for

log = logging.getLogger(__name__)

UseCase = Callable[..., Awaitable[Outcome]]

# Each case form -> the `Casework` method it calls (reference, actor, now, key, arguments()).
USE_CASES: dict[type[forms.CaseSubmit], Callable[[Casework], UseCase]] = {
    forms.RequestUpdate: lambda cw: cw.request_update,
    forms.AddInformation: lambda cw: cw.add_information,
    forms.CloseCase: lambda cw: cw.close,
    forms.ReopenCase: lambda cw: cw.reopen,
    forms.RateResponse: lambda cw: cw.rate,
    forms.ExtendAutoClose: lambda cw: cw.extend_auto_close,
    forms.Escalate: lambda cw: cw.escalate,
}


class CaseDetail:
    def __init__(self, members: Members) -> None:
        self.m = members

    async def detail(self, view: MemberView, acting: Acting, reference: str,
                     banner: Banner | None = None) -> Card:
        actor = self.m.actor(acting)
        casework = self.m.casework
        case = await casework.view(reference, actor=actor, now=view.now)
        events = [stored.event for stored in await casework.timeline(case)]
        files = await casework.attachments(reference, actor=actor, now=view.now)
        can_act = acts_for_member(self.m.ctx.directory, actor, case.member_id)
        return case_detail_card(view, case, events, files, acting, can_act=can_act,
                                banner=banner)

    async def open(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        form = parse(forms.CaseView, data)  # the scheduler's older cards say "ref": read too
        acting, _ = await self.m.acting_for_case(person, form.reference, form.for_member)
        return await self.detail(self.m.view(), acting, form.reference)

    async def act(self, turn: TurnContext, person: Person, data: dict[str, Any]) -> Card:
        """One of the member's actions on a case; the case detail comes back, with a banner."""
        verb = data["_verb"]
        try:
            form = parse(forms.CASE_ACTIONS[verb], data)
        except FormError as exc:
            reference = lenient_reference(data.get("reference"))
            if reference is None or "nonce" in exc.problems:
                raise
            acting, _ = await self.m.acting_for_case(person, reference, None)
            return await self.detail(self.m.view(), acting, reference,
                                     Banner(next(iter(exc.problems.values())), good=False))
        acting, _ = await self.m.acting_for_case(person, form.reference, form.for_member)
        actor = self.m.actor(acting)
        use_case = USE_CASES[type(form)](self.m.casework)
        try:
            outcome = await use_case(
                form.reference, actor=actor, now=self.m.ctx.clock(),
                idempotency_key=nonce_key(form.nonce), **form.arguments())
        except (NotPermitted, CaseNotFound):
            raise
        except DomainError as exc:
            if isinstance(exc, SpecialCategoryUnconfirmed) and \
                    isinstance(form, forms.AddInformation):
                log.info("%s on %s by %s: special category data to confirm", verb,
                         form.reference, person.id)
                return special.information_card(form.reference, form.information,
                                                exc.categories, for_member=form.for_member)
            view = self.m.view()
            sentence = sentence_for(exc, Audience.MEMBER, today=view.today)
            return await self.detail(view, acting, form.reference, Banner(sentence, good=False))
        log.info("%s on %s by %s%s", verb, form.reference, person.id,
                 " (again: no change)" if outcome.duplicate else "", extra={"case": form.reference})
        view = self.m.view()
        return await self.detail(view, acting, form.reference,
                                 Banner(done_sentence(verb, view, outcome.case)))
