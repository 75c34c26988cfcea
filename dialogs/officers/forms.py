"""Officer card submits, validated: every field typed, bounded and checked before a use case runs.

A card submit is client data. Each verb has a pydantic model (`dialogs.forms.Form`);
`dialogs.forms.parse` turns a failure into `FormError` carrying a plain sentence per input id
(worded here, in `FIELD_MESSAGES`) and the values as typed, so the form can be shown again with
what the officer wrote. Domain refusals become sentences in `dialogs.refusals`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, Field, model_validator

from casestore.config import EnquiryType
from casestore.intake import (
    MAX_ASK,
    MAX_CONSTITUENT,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_SEARCH_TERM,
    MAX_TEXT,
)
from dialogs.forms import Form, Reference

Nonce = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[0-9a-fA-F-]+$")]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
QuestionId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
OptionalText = Annotated[str, Field(max_length=MAX_TEXT)]


class _Form(Form):
    """An officer's card submit: text trimmed; problems worded in `FIELD_MESSAGES`."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, frozen=True)

    blank_is_none: ClassVar[frozenset[str]] = frozenset(
        {"svc", "member", "log_ward", "lt_expected_on", "nonce"})
    whole_card: ClassVar[str] = "form"

    @classmethod
    def problem(cls, field: str, error: Mapping[str, Any]) -> str:
        return FIELD_MESSAGES.get(field, "Check this value.")


class CaseRef(_Form):
    """Open or refresh a case: needs no nonce (it changes nothing)."""

    reference: Reference
    svc: Id | None = None


class CaseAction(_Form):
    """What every case card button carries: the case, the card's nonce, the thread's service."""

    reference: Reference
    nonce: Nonce | None = None  # cards from elsewhere may lack one: the invoke's id guards them
    svc: Id | None = None


class AssignForm(CaseAction):
    assign_officer: Id


class AskMemberForm(CaseAction):
    ask_question: Text


class AskOfficerForm(CaseAction):
    question_to: Annotated[str, Field(pattern=r"^(officer|service):[a-z0-9][a-z0-9_-]{0,63}$")]
    question_text: Text


def _per_question(data: Any, prefix: str, field: str) -> Any:
    """A question's input is `<prefix>_<question id>` (one card may hold several questions):
    read it as `field`."""
    if isinstance(data, dict) and field not in data:
        key = f"{prefix}_{data.get('question_id')}"
        if key in data:
            return {**data, field: data[key]}
    return data


class QuestionRef(_Form):
    """Show one question (from the responder's list): changes nothing, needs no nonce."""

    reference: Reference
    question_id: QuestionId


class AnswerQuestionForm(CaseAction):
    question_id: QuestionId
    answer: Text

    @model_validator(mode="before")
    @classmethod
    def _answer_input(cls, data: Any) -> Any:
        return _per_question(data, "answer", "answer")


class WithdrawQuestionForm(CaseAction):
    question_id: QuestionId
    reason: Text

    @model_validator(mode="before")
    @classmethod
    def _reason_input(cls, data: Any) -> Any:
        return _per_question(data, "withdraw", "reason")


class RedirectForm(CaseAction):
    redirect_service: Id
    redirect_reason: Text


class AddServiceForm(CaseAction):
    add_service: Id


class ConvertTypeForm(CaseAction):
    convert_type: EnquiryType


class LongTermForm(CaseAction):
    lt_expected_on: date
    lt_reason: Text


class FinalResponseForm(CaseAction):
    final_text: Text
    final_close: bool = False


class CloseForm(CaseAction):
    close_reason: OptionalText = ""


class ReopenForm(CaseAction):
    reopen_reason: Text


class EscalationAnswerForm(CaseAction):
    escalation_answer: Text


class QueuePage(_Form):
    offset: int = Field(default=0, ge=0, le=100_000)


class LogFormRequest(_Form):
    svc: Id | None = None
    member: Id | None = None


class LogForm(_Form):
    nonce: Nonce
    log_member: Id
    log_service: Id
    log_type: EnquiryType
    log_ward: Id | None = None
    log_location: Annotated[str, Field(max_length=MAX_LOCATION)] = ""
    log_description: Annotated[str, Field(min_length=1, max_length=MAX_DESCRIPTION)]
    log_ask: Annotated[str, Field(min_length=1, max_length=MAX_ASK)]
    log_search_term: Annotated[str, Field(max_length=MAX_SEARCH_TERM)] = ""
    log_constituent_name: Annotated[str, Field(max_length=MAX_CONSTITUENT)] = ""
    log_constituent_contact: Annotated[str, Field(max_length=MAX_CONSTITUENT)] = ""
    log_consent: bool = False
    log_urgent: bool = False
    log_special: bool = False


# verb -> the form its card submits
CASE_VERBS: dict[str, type[CaseAction]] = {
    "officer.acknowledge": CaseAction,
    "officer.claim": CaseAction,
    "officer.assign": AssignForm,
    "officer.ask_member": AskMemberForm,
    "officer.ask_officer": AskOfficerForm,
    "officer.answer_question": AnswerQuestionForm,
    "officer.withdraw_question": WithdrawQuestionForm,
    "officer.redirect": RedirectForm,
    "officer.add_service": AddServiceForm,
    "officer.convert_type": ConvertTypeForm,
    "officer.mark_long_term": LongTermForm,
    "officer.final_response": FinalResponseForm,
    "officer.close": CloseForm,
    "officer.reopen": ReopenForm,
    "officer.answer_escalation": EscalationAnswerForm,
}


# What to say when a field is wrong, by input id (pydantic's own words are not for officers).
FIELD_MESSAGES: dict[str, str] = {
    "reference": "This card does not name a valid enquiry. Type the reference in chat instead.",
    "nonce": "This card is out of date. Open the enquiry again and retry.",
    "svc": "This card names an unknown service area.",
    "assign_officer": "Choose an officer from the list.",
    "ask_question": f"Write your question for the member (up to {MAX_TEXT} characters).",
    "question_to": "Choose the officer or service area to ask.",
    "question_text": f"Write the question (up to {MAX_TEXT} characters).",
    "question_id": "This card names no question. Open the enquiry again and retry.",
    "answer": f"Write your answer (up to {MAX_TEXT} characters).",
    "reason": f"Say why the question is withdrawn (up to {MAX_TEXT} characters).",
    "redirect_service": "Choose the service area to redirect the enquiry to.",
    "redirect_reason": f"Say why the enquiry is being redirected (up to {MAX_TEXT} characters).",
    "add_service": "Choose the service area to add.",
    "convert_type": "Choose the new type of enquiry from the list.",
    "lt_expected_on": "Give the date the works are expected, such as 2027-03-31.",
    "lt_reason": f"Say what the works are waiting for (up to {MAX_TEXT} characters).",
    "final_text": f"Write the final response (up to {MAX_TEXT} characters).",
    "final_close": "Choose whether to close the enquiry now.",
    "close_reason": f"Keep the reason to {MAX_TEXT} characters.",
    "reopen_reason": f"Say why the enquiry is being reopened (up to {MAX_TEXT} characters).",
    "escalation_answer": f"Write your answer to the escalation (up to {MAX_TEXT} characters).",
    "offset": "That page does not exist.",
    "member": "Choose a councillor from the list.",
    "log_member": "Choose the councillor this enquiry is for.",
    "log_service": "Choose the service area.",
    "log_type": "Choose the type of enquiry.",
    "log_ward": "Choose a ward from the list, or leave it blank for the councillor's ward.",
    "log_location": f"Keep the location to {MAX_LOCATION} characters.",
    "log_description": f"Describe the enquiry (up to {MAX_DESCRIPTION} characters).",
    "log_ask": f"Say what outcome the councillor wants (up to {MAX_ASK} characters).",
    "log_search_term": f"Keep the search term to {MAX_SEARCH_TERM} characters.",
    "log_constituent_name": f"Keep the name to {MAX_CONSTITUENT} characters.",
    "log_constituent_contact": f"Keep the contact details to {MAX_CONSTITUENT} characters.",
    "log_consent": "Choose whether the constituent agreed to share their details.",
    "log_urgent": "Choose whether the enquiry is urgent.",
    "log_special": "Choose whether to confirm the special category data.",
}

# The domain's field names (InvalidSubmission, InvalidRequest) -> the log form's input ids.
LOG_FIELDS = {
    "service_id": "log_service", "enquiry_type": "log_type", "ward_id": "log_ward",
    "location": "log_location", "description": "log_description", "ask": "log_ask",
    "search_term": "log_search_term", "constituent_name": "log_constituent_name",
    "constituent_contact": "log_constituent_contact", "consent_given": "log_consent",
    "special_category": "log_special", "member_id": "log_member", "cc_member_ids": "log_member",
}

# -- typed messages -----------------------------------------------------------------------------
AT_TAG = re.compile(r"<at\b[^>]*>(.*?)</at>", re.IGNORECASE | re.DOTALL)
REFERENCE = re.compile(r"\bENQ-\d{4}-\d{6}\b", re.IGNORECASE)
LOG_COMMAND = re.compile(
    r"^log\b(?:\s+an?)?(?:\s+(?:enquiry|case))?(?:\s+for\s+(?P<who>.+?))?\s*[.!]?$",
    re.IGNORECASE | re.DOTALL)
QUEUE_WORDS = frozenset({"queue", "my queue", "my cases", "cases", "my enquiries", "enquiries",
                         "list"})
QUESTION_WORDS = frozenset({"questions", "my questions", "questions for me", "answers"})
HELP_WORDS = frozenset({"", "help", "hi", "hello", "start", "menu", "?"})


def strip_mentions(text: str, bot_mentions: Iterable[str]) -> str:
    """The message without the bot's @mention; other people's `<at>` tags keep their names."""
    for tag in bot_mentions:
        if tag:
            text = text.replace(tag, " ")
    text = AT_TAG.sub(lambda m: m.group(1), text)
    text = re.sub(r"[ \t\u00a0]+", " ", text.replace("&nbsp;", " "))
    return "\n".join(line.strip() for line in text.strip().splitlines()).strip()


def split_internal(text: str, prefix: str) -> tuple[bool, str]:
    """(is it internal, the text without the prefix): the prefix matches in any case."""
    if text[: len(prefix)].lower() == prefix.lower():
        return True, text[len(prefix):].strip()
    return False, text


@dataclass(frozen=True)
class ChatCommand:
    kind: str  # help, queue, questions, open, log, unknown
    argument: str = ""


def parse_command(text: str) -> ChatCommand:
    """What an officer typed to the bot outside a case thread."""
    words = " ".join(text.lower().split()).strip(" .!")
    log = LOG_COMMAND.match(text.strip())
    if log:
        return ChatCommand("log", (log.group("who") or "").strip())
    ref = REFERENCE.search(text)
    if ref:
        return ChatCommand("open", ref.group(0).upper())
    if words in QUEUE_WORDS:
        return ChatCommand("queue")
    if words in QUESTION_WORDS:
        return ChatCommand("questions")
    return ChatCommand("help" if words in HELP_WORDS else "unknown")
