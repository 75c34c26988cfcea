"""The officers' actions on a case card: each form's inputs, and which buttons a case shows.

Every button is an `Action.Execute` with verb `officer.<action>` and data `{ref, nonce, svc}`
(the case, this card's nonce, the service whose thread shows the card). Input ids are prefixed
per form, so the inputs of one card never collide. A form's inputs are built with the values the
officer typed, so a refused submit can show the form again as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from casestore.intake import MAX_TEXT
from casestore.lifecycle import ACKNOWLEDGEABLE, LONG_TERMABLE, OFFICER_WORKING
from casestore.model import Case, CaseState, EscalationState
from dialogs.format import execute, text_block, type_label
from dialogs.officers.view import CardEnv, Element

Values = dict[str, str]


def text_input(input_id: str, label: str, values: Values, *, multiline: bool = True,
               required: bool = True, max_length: int = MAX_TEXT,
               placeholder: str = "") -> Element:
    element: Element = {
        "type": "Input.Text", "id": input_id, "label": label, "isMultiline": multiline,
        "maxLength": max_length, "isRequired": required, "value": values.get(input_id, ""),
    }
    if required:
        element["errorMessage"] = "This is needed."
    if placeholder:
        element["placeholder"] = placeholder
    return element


def choice_input(input_id: str, label: str, choices: list[tuple[str, str]], values: Values, *,
                 required: bool = True, default: str = "") -> Element:
    element: Element = {
        "type": "Input.ChoiceSet", "id": input_id, "label": label, "isRequired": required,
        "style": "filtered" if len(choices) > 8 else "compact",
        "choices": [{"title": t, "value": v} for t, v in choices],
        "value": values.get(input_id, default),
    }
    if required:
        element["errorMessage"] = "Choose one."
    return element


def toggle_input(input_id: str, title: str, values: Values) -> Element:
    return {"type": "Input.Toggle", "id": input_id, "title": title, "valueOn": "true",
            "valueOff": "false", "value": values.get(input_id, "false")}


def date_input(input_id: str, label: str, values: Values, *, earliest: str = "") -> Element:
    element: Element = {"type": "Input.Date", "id": input_id, "label": label, "isRequired": True,
                        "errorMessage": "Give a date.", "value": values.get(input_id, "")}
    if earliest:
        element["min"] = earliest
    return element


# -- the forms --------------------------------------------------------------------------------
def _officer_choices(case: Case, env: CardEnv) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for service_id in case.services:
        for officer in env.directory.service_officers(service_id):
            if officer.id in seen:
                continue
            label = f"{officer.name} ({env.service(service_id)})"
            cover = env.directory.delegate_for(officer.id, env.today)
            if cover:
                label += f", on leave: covered by {env.name(cover)}"
            seen[officer.id] = label
    return [(label, pid) for pid, label in seen.items()]


def _assign(case: Case, env: CardEnv, v: Values) -> list[Element]:
    return [choice_input("assign_officer", "Assign to", _officer_choices(case, env), v)]


def _ask_member(case: Case, env: CardEnv, v: Values) -> list[Element]:
    return [
        text_block(f"{env.name(case.member_id)} gets your question in their chat. The clock "
                   "stops until they answer.", isSubtle=True),
        text_input("ask_question", "What do you need to know?", v),
    ]


def _ask_officer(case: Case, env: CardEnv, v: Values) -> list[Element]:
    services = [(f"Service: {s.name}", f"service:{s.id}") for s in env.config.services]
    officers = [(f"{o.name}, {', '.join(env.service(s) for s in o.services) or o.job_title}",
                 f"officer:{o.id}") for o in env.directory.officers() if o.services]
    return [
        text_block("Internal: the officer gets it in their chat (a service area in its thread "
                   "or its coordinators' chats) with a form to answer, and the answer comes back "
                   "to this thread. Never sent to the member; the clock does not stop.",
                   isSubtle=True),
        choice_input("question_to", "Ask", services + officers, v),
        text_input("question_text", "Question", v),
    ]


def _redirect(case: Case, env: CardEnv, v: Values) -> list[Element]:
    choices = [(s.name, s.id) for s in env.config.services if s.id != case.lead_service]
    return [
        text_block("The enquiry moves to that service's channel with its history; it is "
                   "recorded as misdirected.", isSubtle=True),
        choice_input("redirect_service", "Redirect to", choices, v),
        text_input("redirect_reason", "Why does it belong there?", v),
    ]


def _add_service(case: Case, env: CardEnv, v: Values) -> list[Element]:
    choices = [(s.name, s.id) for s in env.config.services if s.id not in case.services]
    return [
        text_block(f"For a joint response: that service gets a thread too, and "
                   f"{env.service(case.lead_service)} stays the lead.", isSubtle=True),
        choice_input("add_service", "Add service area", choices, v),
    ]


def _convert_type(case: Case, env: CardEnv, v: Values) -> list[Element]:
    types = env.config.service(case.lead_service).enquiry_types
    choices = [(type_label(t.value), t.value) for t in types if t.value != case.enquiry_type]
    return [choice_input("convert_type", f"Change from {type_label(case.enquiry_type)} to",
                         choices, v)]


def _long_term(case: Case, env: CardEnv, v: Values) -> list[Element]:
    tomorrow = (env.today + timedelta(days=1)).isoformat()
    return [
        date_input("lt_expected_on", "Works expected by", v, earliest=tomorrow),
        text_input("lt_reason", "What is it waiting for?", v),
    ]


def _final_response(case: Case, env: CardEnv, v: Values) -> list[Element]:
    days = env.config.sla.auto_close_days
    return [
        text_input("final_text", f"Final response to {env.name(case.member_id)}", v),
        toggle_input("final_close", "Close the enquiry now (otherwise it closes itself after "
                     f"{days} working days unless the member asks for more)", v),
    ]


def _close(case: Case, env: CardEnv, v: Values) -> list[Element]:
    return [
        text_block("Closing sends no answer: give the final response for that.", isSubtle=True),
        text_input("close_reason", "Reason (optional)", v, required=False),
    ]


def _reopen(case: Case, env: CardEnv, v: Values) -> list[Element]:
    return [text_input("reopen_reason", "Why reopen it?", v)]


def _answer_escalation(case: Case, env: CardEnv, v: Values) -> list[Element]:
    return [text_input("escalation_answer", f"Your answer to {env.name(case.member_id)}", v)]


@dataclass(frozen=True)
class FormSpec:
    verb: str
    title: str  # the button that opens the form
    submit: str  # the button that sends it
    inputs: Callable[[Case, CardEnv, Values], list[Element]]


FORMS: dict[str, FormSpec] = {f.verb: f for f in (
    FormSpec("officer.final_response", "Final response", "Send final response", _final_response),
    FormSpec("officer.ask_member", "Ask the member", "Send question", _ask_member),
    FormSpec("officer.assign", "Assign", "Assign", _assign),
    FormSpec("officer.ask_officer", "Ask an officer", "Send question", _ask_officer),
    FormSpec("officer.redirect", "Redirect", "Redirect", _redirect),
    FormSpec("officer.add_service", "Add a service", "Add service", _add_service),
    FormSpec("officer.convert_type", "Change type", "Change type", _convert_type),
    FormSpec("officer.mark_long_term", "Long-term", "Mark long-term", _long_term),
    FormSpec("officer.close", "Close", "Close enquiry", _close),
    FormSpec("officer.reopen", "Reopen", "Reopen", _reopen),
    FormSpec("officer.answer_escalation", "Answer escalation", "Send answer",
             _answer_escalation),
)}


def submit_action(spec: FormSpec, data: dict[str, Any]) -> Element:
    return execute(spec.submit, spec.verb, data, style="positive")


def show_form(spec: FormSpec, case: Case, env: CardEnv, data: dict[str, Any],
              values: Values | None = None) -> Element:
    """The form as an Action.ShowCard: each officer opens it on their own screen."""
    return {"type": "Action.ShowCard", "title": spec.title, "card": {
        "type": "AdaptiveCard", "body": spec.inputs(case, env, values or {}),
        "actions": [submit_action(spec, data)]}}


def _forms_for(case: Case) -> tuple[list[str], list[str]]:
    """(primary, secondary) form verbs the case's state allows."""
    if case.state is CaseState.CLOSED:
        return ["officer.reopen"], []
    if case.state not in OFFICER_WORKING:
        return [], []
    primary = ["officer.final_response", "officer.assign"]
    if not case.is_paused:
        primary.insert(1, "officer.ask_member")
    secondary = ["officer.ask_officer", "officer.redirect", "officer.add_service",
                 "officer.convert_type"]
    if case.state in LONG_TERMABLE:
        secondary.append("officer.mark_long_term")
    secondary.append("officer.close")
    if case.escalation_state is EscalationState.ESCALATED:
        secondary.insert(0, "officer.answer_escalation")
    return primary, secondary


def case_actions(case: Case, env: CardEnv, data: dict[str, Any]) -> list[Element]:
    """At most five buttons; the rarer actions sit under "More"."""
    primary, secondary = _forms_for(case)
    actions: list[Element] = []
    if case.state in ACKNOWLEDGEABLE:
        actions.append(execute("Acknowledge and claim", "officer.acknowledge", data,
                               style="positive"))
    elif case.state in OFFICER_WORKING:
        actions.append(execute("Assign to me", "officer.claim", data))
    actions += [show_form(FORMS[verb], case, env, data) for verb in primary]
    more = [show_form(FORMS[verb], case, env, data) for verb in secondary]
    more.append(execute("Refresh", "officer.refresh", data))
    if secondary:  # rows of four: hosts show at most five actions in a set
        rows = [{"type": "ActionSet", "actions": more[i:i + 4]} for i in range(0, len(more), 4)]
        actions.append({"type": "Action.ShowCard", "title": "More", "card": {
            "type": "AdaptiveCard", "body": rows}})
    return actions
