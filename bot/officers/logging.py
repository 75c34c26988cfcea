"""Logging an enquiry on a councillor's behalf (over half of one council's cases start this way).

The form comes from "log for <councillor>" in a service channel or chat, or the help card's
button; the service is preset to the channel's. The submit is validated (pydantic, then the
domain's intake rules) and goes to `Casework.submit` with the officer as the actor, which records
it as raised by the officer for the member and queues `logged-for-member` to tell them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from casestore.casework import Casework
from casestore.directory import Person
from casestore.errors import DomainError, NotPermitted
from casestore.intake import EnquiryDetails, InvalidSubmission
from casestore.keys import nonce_key
from casestore.model import Actor, ActorKind, Urgency
from dialogs.forms import FormError, parse, typed_values
from dialogs.officers import forms
from dialogs.officers.cards import message_card, new_nonce
from dialogs.officers.chat import find_members, log_form, logged_card
from dialogs.officers.view import CardEnv
from dialogs.refusals import Audience, sentence_for

log = logging.getLogger(__name__)

Card = dict[str, Any]
OFFICERS_ONLY = "Only council officers can log an enquiry on a councillor's behalf."


class LogFlow:
    def __init__(self, casework: Casework, env: Callable[[], CardEnv]) -> None:
        self.cw = casework
        self.env = env

    def form(self, person: Person, data: dict[str, Any], *, who: str = "") -> Card:
        """The empty form; `who` (typed after "log for") preselects the councillor it names."""
        if person.kind is not ActorKind.OFFICER:
            return message_card(OFFICERS_ONLY)
        env = self.env()
        try:
            request = parse(forms.LogFormRequest, data)
        except FormError:
            request = forms.LogFormRequest()
        service_id = request.svc if request.svc in {s.id for s in env.config.services} else (
            person.services[0] if person.services else None)
        values: dict[str, str] = {"log_member": request.member} if request.member else {}
        notice = ""
        if who:
            found = find_members(env.directory, who)
            if len(found) == 1:
                values["log_member"] = found[0].id
            else:
                notice = (f"Several councillors match \u201c{who}\u201d: choose from the list."
                          if found else f"I couldn't find a councillor called \u201c{who}\u201d: "
                          "choose from the list.")
        return log_form(env, nonce=new_nonce(), service_id=service_id, values=values,
                        notice=notice)

    async def submit(self, person: Person, data: dict[str, Any]) -> Card:
        if person.kind is not ActorKind.OFFICER:
            return message_card(OFFICERS_ONLY)
        env = self.env()
        service_id = data.get("svc") if isinstance(data.get("svc"), str) else None
        values = typed_values(data)
        try:
            form = parse(forms.LogForm, data)
        except FormError as bad:
            return self._again(env, service_id, values, bad.problems)
        member = env.directory.find(form.log_member)
        if member is None or member.kind is not ActorKind.MEMBER:
            return self._again(env, service_id, values,
                               {"log_member": forms.FIELD_MESSAGES["log_member"]})
        details = EnquiryDetails(
            service_id=form.log_service, enquiry_type=form.log_type.value,
            ward_id=form.log_ward or member.ward_id or "", location=form.log_location,
            constituent_name=form.log_constituent_name,
            constituent_contact=form.log_constituent_contact, consent_given=form.log_consent,
            description=form.log_description, ask=form.log_ask,
            search_term=form.log_search_term,
            urgency=Urgency.URGENT if form.log_urgent else Urgency.NORMAL,
            special_category_confirmed=form.log_special,
        )
        try:
            outcome = await self.cw.submit(
                details, member_id=member.id, actor=Actor(person.id, ActorKind.OFFICER),
                now=env.now, idempotency_key=nonce_key(form.nonce))
        except InvalidSubmission as exc:
            problems = {forms.LOG_FIELDS.get(k, "log_description"): v
                        for k, v in exc.problems.items()}
            return self._again(env, service_id, values, problems)
        except NotPermitted:
            log.info("log for member refused for %s (service %s)", person.id, form.log_service)
            return self._again(env, service_id, values, {}, notice=(
                f"Only officers of {env.service(form.log_service)} or the member support team "
                "can log an enquiry for it."))
        except DomainError as exc:
            return self._again(env, service_id, values, {}, notice=sentence_for(
                exc, Audience.OFFICER, today=env.today))
        log.info("%s logged %s for a member", person.id, outcome.case.reference,
                 extra={"case": outcome.case.reference})
        return logged_card(outcome.case, env)

    def _again(self, env: CardEnv, service_id: str | None, values: dict[str, str],
               problems: dict[str, str], *, notice: str = "") -> Card:
        return log_form(env, nonce=new_nonce(), service_id=service_id, values=values,
                        problems=problems,
                        notice=notice or "Please check the form: nothing has been logged yet.")
