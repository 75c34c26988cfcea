"""What a new enquiry must contain, checked in the domain whatever the form said.

The card layer validates types and lengths with pydantic first; this module repeats the rules
that need the council's data (services, types, wards, colleagues) so no edge can skip them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from casestore.config import CouncilConfig, EnquiryType
from casestore.directory import Directory
from casestore.errors import DomainError
from casestore.model import ActorKind, Urgency

MAX_LOCATION = 300
MAX_DESCRIPTION = 4000
MAX_ASK = 2000
MAX_SEARCH_TERM = 100
MAX_CONSTITUENT = 200
MAX_CC = 5
MAX_TEXT = 4000  # replies, notes, reasons


class InvalidSubmission(DomainError):
    """One or more fields are wrong; `problems` maps each field to a sentence for the member."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


@dataclass
class EnquiryDetails:
    service_id: str = ""
    enquiry_type: str = ""
    ward_id: str = ""
    location: str = ""
    constituent_name: str = ""
    constituent_contact: str = ""
    consent_given: bool = False
    description: str = ""
    ask: str = ""
    search_term: str = ""
    urgency: Urgency = Urgency.NORMAL
    cc_member_ids: list[str] = field(default_factory=list)
    special_category_confirmed: bool = False


_SPECIAL = {
    "health": r"\b(diagnos\w*|dementia|cancer|disab\w+|mental health|depress\w*|anxiety|"
              r"pregnan\w*|hiv|diabet\w*|autis\w*|illness|medical condition|medication|"
              r"hospital\w*|wheelchair|terminal\w*)\b",
    "racial or ethnic origin": r"\b(ethnic\w*|race|racial|asylum seeker|traveller community|"
                               r"roma|gypsy)\b",
    "religious or philosophical beliefs": r"\b(muslim|christian|jewish|hindu|sikh|buddhist|"
                                          r"atheist|religio\w*|mosque|synagogue|church-goer)\b",
    "political opinions": r"\b(votes? (for|labour|tory|conservative|reform)|party member|"
                          r"political views?|supports? (labour|the conservatives|reform))\b",
    "sexual orientation": r"\b(gay|lesbian|bisexual|homosexual|transgender|sexual orientation)\b",
}
_SPECIAL_RE = {k: re.compile(v, re.IGNORECASE) for k, v in _SPECIAL.items()}


def special_categories(*texts: str) -> list[str]:
    """The kinds of special category data (UK GDPR art. 9) the text appears to contain."""
    joined = "\n".join(texts)
    return [kind for kind, pattern in _SPECIAL_RE.items() if pattern.search(joined)]


class SpecialCategoryUnconfirmed(DomainError):
    """Text added to a case looks like special category data and the member has not confirmed
    it is needed; nothing was stored. `categories` names the kinds found."""

    def __init__(self, categories: list[str]) -> None:
        self.categories = tuple(categories)
        super().__init__("may include special category data: " + ", ".join(self.categories))


def require_confirmed_if_special(*texts: str, confirmed: bool) -> list[str]:
    """The intake rule for what is added later (information, answers to the service's
    questions, files' names and the message sent with them): text that looks like special
    category data needs the member's confirmation. Returns the kinds found (confirmed)."""
    found = special_categories(*texts)
    if found and not confirmed:
        raise SpecialCategoryUnconfirmed(found)
    return found


def check_enquiry(
    details: EnquiryDetails, *, member_id: str, config: CouncilConfig, directory: Directory,
    complete: bool = True,
) -> None:
    """Raise InvalidSubmission naming every field that is wrong. `complete=False` is for drafts:
    only what has been filled in is checked."""
    problems: dict[str, str] = {}
    _check_choices(details, config, complete, problems)
    for name, value, limit, required in (
        ("location", details.location, MAX_LOCATION, False),
        ("description", details.description, MAX_DESCRIPTION, True),
        ("ask", details.ask, MAX_ASK, True),
        ("search_term", details.search_term, MAX_SEARCH_TERM, False),
        ("constituent_name", details.constituent_name, MAX_CONSTITUENT, False),
        ("constituent_contact", details.constituent_contact, MAX_CONSTITUENT, False),
    ):
        if len(value) > limit:
            problems[name] = f"Keep this to {limit} characters (it has {len(value)})."
        elif complete and required and not value.strip():
            problems[name] = _REQUIRED[name]
    if (details.constituent_name.strip() or details.constituent_contact.strip()) \
            and not details.consent_given:
        problems["consent_given"] = (
            "Confirm the constituent has agreed to you sharing their details, or remove them."
        )
    _check_cc(details, member_id, directory, problems)
    if complete and not details.special_category_confirmed:
        found = special_categories(details.description, details.ask, details.location)
        if found:
            problems["special_category"] = (
                "This looks like it may include special category data ("
                + ", ".join(found)
                + "). Remove it, or confirm it is needed and the constituent agreed."
            )
    if problems:
        raise InvalidSubmission(problems)


def _check_choices(
    details: EnquiryDetails, config: CouncilConfig, complete: bool, problems: dict[str, str]
) -> None:
    services = {s.id: s for s in config.services}
    service = services.get(details.service_id)
    if details.service_id and service is None:
        problems["service_id"] = "Choose a service area from the list."
    elif complete and not details.service_id:
        problems["service_id"] = "Choose the service area this enquiry is for."
    if details.enquiry_type and details.enquiry_type not in set(EnquiryType):
        problems["enquiry_type"] = "Choose a type of enquiry from the list."
    elif service is not None and details.enquiry_type and \
            details.enquiry_type not in service.enquiry_types:
        problems["enquiry_type"] = f"{service.name} does not take that type of enquiry."
    elif complete and not details.enquiry_type:
        problems["enquiry_type"] = "Choose the type of enquiry."
    wards = {w.id for w in config.wards}
    if details.ward_id and details.ward_id not in wards:
        problems["ward_id"] = "Choose a ward from the list."
    elif complete and not details.ward_id:
        problems["ward_id"] = "Choose the ward."


_REQUIRED = {
    "description": "Describe the enquiry.",
    "ask": "Say what outcome you would like (the ask).",
}


def _check_cc(
    details: EnquiryDetails, member_id: str, directory: Directory, problems: dict[str, str]
) -> None:
    if len(details.cc_member_ids) > MAX_CC:
        problems["cc_member_ids"] = f"You can copy in up to {MAX_CC} colleagues."
        return
    for cc in details.cc_member_ids:
        person = directory.find(cc)
        if person is None or person.kind is not ActorKind.MEMBER:
            problems["cc_member_ids"] = "Copy in only fellow councillors from the list."
            return
        if cc == member_id:
            problems["cc_member_ids"] = "You do not need to copy yourself in."
            return
        if details.ward_id and person.ward_id != details.ward_id:
            problems["cc_member_ids"] = f"{person.display_name} is not a councillor for this ward."
            return
