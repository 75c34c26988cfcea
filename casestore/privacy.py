"""Personal data use cases (UK GDPR): the retention sweep, erasure on request, subject access.

* Retention: `remove_expired` removes the constituent's details from every case closed at least
  the council's `[retention] redact_after_months` months ago (`casestore.redaction` says which
  details), in batches, each an indexed query and a constant handful of writes. Run it as often
  as you like: a case whose details are gone is not found again, unless it is reopened.
* Erasure: `erase` removes them from named cases at once, recorded as an event with member
  support's reason. A case still being worked on is refused unless `force` (its officers would be
  left with nothing to work on); a case already erased is left as it is.
* Subject access: `subject_access` finds everything held about a constituent by name and contact
  (`Subject` says how they are matched) and what only partly matches, for a person to check.

None of them logs a name, a contact or any typed text: references and counts only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from casestore.config import CouncilConfig
from casestore.directory import Directory
from casestore.errors import InvalidRequest, NotPermitted, StillActive
from casestore.intake import MAX_TEXT
from casestore.model import SYSTEM, Actor, Case
from casestore.permissions import is_member_support
from casestore.ports import Store
from casestore.records import HeldCase
from casestore.redaction import Removal, months_before, remove_details

BATCH = 200  # cases a retention transaction removes details from


@dataclass(frozen=True)
class Subject:
    """Who a subject access request or an erasure is about. Names match whatever their case
    and the spaces around and between words; contacts whatever their case and spaces (so
    "07700 900123" is "07700900123", and e-mail addresses match in any case)."""

    name: str
    contact: str = ""

    @property
    def name_key(self) -> str:
        return " ".join(self.name.split()).lower()

    @property
    def contact_key(self) -> str:
        return "".join(self.contact.split()).lower()

    def why_partly(self, case: Case) -> str | None:
        """Why a case that is not wholly theirs may still be about them (None: it is not)."""
        name = " ".join(case.constituent_name.split()).lower()
        contact = "".join(case.constituent_contact.split()).lower()
        if self.name_key and name == self.name_key:
            return "the name matches but the contact differs" if self.contact_key else \
                "the name matches; no contact was given to check the case's against"
        if self.contact_key and contact == self.contact_key:
            return "the contact matches but the name differs"
        typed = " ".join((case.location, case.description, case.ask)).lower()
        if self.name_key and self.name_key in " ".join(typed.split()):
            return "the name appears in the enquiry's text"
        return None

    def holds(self, case: Case) -> bool:
        """The case's constituent is this person: the name matches and so does the contact, or
        one of the two is not recorded on the case. (With no contact given, a case recording
        one is only a partial match: it may be another person of the same name.)"""
        name = " ".join(case.constituent_name.split()).lower()
        contact = "".join(case.constituent_contact.split()).lower()
        contact_ok = bool(self.contact_key) and contact == self.contact_key
        if name == self.name_key:
            return contact_ok or not contact
        return contact_ok and not name


@dataclass(frozen=True)
class PartMatch:
    reference: str
    why: str


@dataclass(frozen=True)
class SubjectAccess:
    held: list[HeldCase] = field(default_factory=list)
    to_check: list[PartMatch] = field(default_factory=list)


class Privacy:
    def __init__(self, store: Store, config: CouncilConfig, directory: Directory) -> None:
        self.store = store
        self.config = config
        self.directory = directory

    async def remove_expired(self, *, now: datetime) -> list[str]:
        """The retention sweep: remove the details of every case due, oldest closing first.
        Returns the references done."""
        months = self.config.retention.redact_after_months
        closed_before = months_before(now, months)
        done: list[str] = []
        while True:
            async with self.store.transaction() as uow:
                due = await uow.privacy.due_for_removal(closed_before=closed_before, limit=BATCH)
                for case in due:
                    remove_details(case, SYSTEM, now, why=Removal.RETENTION, months=months)
                await uow.privacy.remove_personal_data(due)
            done += [c.reference or f"#{c.id}" for c in due]
            if len(due) < BATCH:
                return done

    def _support(self, actor: Actor) -> None:
        person = self.directory.find(actor.person_id)
        if person is None or not is_member_support(person):
            raise NotPermitted(actor.person_id, "erase the constituent's details on", None)

    async def erase(self, references: list[str], *, actor: Actor, now: datetime, reason: str,
                    force: bool = False) -> list[str]:
        """Remove the constituent's details from these cases now (member support only), in one
        transaction: all or none. Returns the references erased (not those already erased)."""
        self._support(actor)
        reason = reason.strip()
        if not reason:
            raise InvalidRequest("reason", "say why the details are erased (not who asked)")
        if len(reason) > MAX_TEXT:
            raise InvalidRequest("reason", f"keep this to {MAX_TEXT} characters")
        if not references:
            raise InvalidRequest("reference", "name at least one case")
        async with self.store.transaction() as uow:
            found = [await uow.cases.get(r, for_update=True) for r in dict.fromkeys(references)]
            active = [c.reference or "" for c in found if c.is_active]
            if active and not force:
                raise StillActive(active)
            todo = [c for c in found if c.redacted_at is None]
            for case in todo:
                remove_details(case, actor, now, why=Removal.ERASURE, reason=reason)
            await uow.privacy.remove_personal_data(todo)
        return [c.reference or f"#{c.id}" for c in todo]

    async def subject_access(self, subject: Subject) -> SubjectAccess:
        """Everything held about the subject, and the cases a person should check by hand."""
        if not subject.name_key:
            raise InvalidRequest("name", "give the constituent's name")
        async with self.store.read() as uow:
            candidates = await uow.privacy.naming(name=subject.name_key,
                                                  contact=subject.contact_key)
            theirs = [c.id for c in candidates if c.id is not None and subject.holds(c)]
            held = await uow.privacy.held(theirs)
        partly = [PartMatch(c.reference or f"draft #{c.id}", why)
                  for c in candidates if c.id not in theirs
                  and (why := subject.why_partly(c)) is not None]
        return SubjectAccess(held, partly)
