"""`memberportal subject-access` and `memberportal erase`: a constituent's rights under the UK
GDPR, run by the member support team (docs/security.md, "Personal data").

Both print to the operator, never to the log: the log gets references, counts and officer ids.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from casestore.errors import CaseNotFound, DomainError, NotPermitted, StillActive
from casestore.model import Actor, ActorKind
from casestore.privacy import Privacy, Subject, SubjectAccess
from casestore.records import HeldCase
from dialogs.format import person_name, service_name, type_label, ward_name
from memberportal.context import Context
from memberportal.running import with_context
from memberportal.settings import Settings

log = logging.getLogger("memberportal.privacy")
EXIT_REFUSED = 2
MATCHING = (
    "A case is included when its constituent's name matches the name given and its contact "
    "matches the contact given, or when one of the two is not recorded on the case. Names "
    "match whatever their upper or lower case and spaces; contacts whatever their case and "
    "spaces. Cases where only one of the two matches (or the name matches and no contact was "
    "given to compare), or whose enquiry text mentions the name, are listed to be checked by "
    "hand, not exported.")
NOT_SEARCHED = (
    "Messages already delivered in Microsoft Teams (service channels and personal chats) are "
    "held by Microsoft 365 under the council's Teams retention policy and are searched there.")


def add_arguments(sub: Any) -> None:
    access = sub.add_parser("subject-access", help="export everything held about a constituent")
    access.add_argument("--name", required=True, help="the constituent's name")
    access.add_argument("--contact", default="", help="their phone number or e-mail address")
    access.add_argument("--out", help="write the JSON here (default: standard output)")
    erase = sub.add_parser("erase", help="erase a constituent's details from cases now")
    erase.add_argument("--reference", action="append", default=[],
                       help="a case reference (repeat for several)")
    erase.add_argument("--name", default="", help="or: every closed case held about this name")
    erase.add_argument("--contact", default="", help="... and contact")
    erase.add_argument("--by", required=True, help="the member support officer doing it")
    erase.add_argument("--reason", required=True,
                       help="why (for the record; do not name the constituent)")
    erase.add_argument("--force", action="store_true",
                       help="erase even a case that is still open")


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _case(ctx: Context, held: HeldCase) -> dict[str, Any]:
    c, names = held.case, ctx.directory
    return {
        "reference": c.reference, "state": c.state.value, "type": type_label(c.enquiry_type),
        "member": person_name(names, c.member_id), "raised_by": person_name(names, c.raised_by_id),
        "services": [service_name(ctx.config, s) for s in c.services],
        "ward": ward_name(ctx.config, c.ward_id), "submitted_at": _when(c.submitted_at),
        "closed_at": _when(c.closed_at), "details_removed_at": _when(c.redacted_at),
        "constituent": {"name": c.constituent_name, "contact": c.constituent_contact,
                        "consent_given": c.consent_given},
        "location": c.location, "description": c.description, "ask": c.ask,
        "urgency": c.urgency.value, "special_category_confirmed": c.special_category_confirmed,
        "events": [{"at": _when(s.event.at), "what": s.event.kind.value,
                    "by": person_name(names, s.event.actor_id),
                    "for": person_name(names, s.event.on_behalf_of_id)
                    if s.event.on_behalf_of_id else None, "details": s.event.payload}
                   for s in held.events],
        "files": [{"name": f.filename, "size_bytes": f.size_bytes,
                   "added_at": _when(f.uploaded_at),
                   "added_by": person_name(names, f.uploaded_by_id)} for f in held.files],
        "messages": [{"kind": m.kind, "to": m.recipient, "status": m.status,
                      "queued_at": _when(m.created_at), "sent_at": _when(m.sent_at),
                      "details": m.payload} for m in held.messages],
    }


def export_document(ctx: Context, subject: Subject, found: SubjectAccess,
                    now: datetime) -> dict[str, Any]:
    return {
        "subject": {"name": subject.name, "contact": subject.contact},
        "council": ctx.config.council.name, "exported_at": now.isoformat(),
        "matching": MATCHING, "not_searched": NOT_SEARCHED,
        "cases": [_case(ctx, h) for h in found.held],
        "to_check_by_hand": [{"reference": p.reference, "why": p.why} for p in found.to_check],
    }


def _summary(found: SubjectAccess) -> list[str]:
    held = found.held
    events = sum(len(h.events) for h in held)
    files = sum(len(h.files) for h in held)
    messages = sum(len(h.messages) for h in held)
    lines = [f"{len(held)} case(s) held about the constituent ({events} events, {files} "
             f"file(s), {messages} message(s)): "
             + ", ".join(h.case.reference or "a draft" for h in held)
             if held else "No case holds that constituent's details."]
    if found.to_check:
        lines.append(f"{len(found.to_check)} more case(s) to check by hand before disclosing:")
        lines += [f"  {p.reference}: {p.why}" for p in found.to_check]
    return lines


def cmd_subject_access(args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate

    async def go(ctx: Context) -> int:
        await migrate.upgrade(ctx.store.engine)
        subject = Subject(args.name, args.contact)
        now = datetime.now(UTC)
        try:
            found = await Privacy(ctx.store, ctx.config, ctx.directory).subject_access(subject)
        except DomainError as exc:
            print(f"No export: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        text = json.dumps(export_document(ctx, subject, found, now), indent=2,
                          ensure_ascii=False, default=str) + "\n"
        summary = _summary(found)
        if args.out:
            out = Path(args.out)
            partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
            partial.write_text(text, encoding="utf-8")
            partial.replace(out)
            print(f"Wrote the subject access export to {out}.", *summary, sep="\n")
        else:
            sys.stdout.write(text)
            print(*summary, sep="\n", file=sys.stderr)
        log.info("subject access export: %d case(s) held, %d to check by hand",
                 len(found.held), len(found.to_check))
        return 0
    return with_context(go, settings)


def _refusal(exc: DomainError, by: str) -> str:
    if isinstance(exc, StillActive):
        return (f"Not erased: {', '.join(exc.references)} "
                f"{'is' if len(exc.references) == 1 else 'are'} still open, and erasing the "
                "constituent's details would leave its officers nothing to work on. Close it "
                "first, or pass --force to erase it anyway.")
    if isinstance(exc, NotPermitted):
        return f"Not erased: only the member support team may erase details (--by {by})."
    if isinstance(exc, CaseNotFound):
        return f"Not erased: there is no case {exc.reference}."
    return f"Not erased: {exc}"


async def _references(privacy: Privacy, args: argparse.Namespace) -> list[str]:
    """The cases named, or those wholly about the constituent named (drafts have none)."""
    if args.reference:
        return list(args.reference)
    found = await privacy.subject_access(Subject(args.name, args.contact))
    for p in found.to_check:
        print(f"Not erased, check by hand: {p.reference}: {p.why}")
    return [h.case.reference for h in found.held if h.case.reference]


def cmd_erase(args: argparse.Namespace, settings: Settings) -> int:
    from casestore.db import migrate

    if bool(args.reference) == bool(args.name):
        print("Say which cases: give --reference (one or more), or --name (and --contact).",
              file=sys.stderr)
        return EXIT_REFUSED

    async def go(ctx: Context) -> int:
        await migrate.upgrade(ctx.store.engine)
        privacy = Privacy(ctx.store, ctx.config, ctx.directory)
        actor = Actor(args.by, ActorKind.OFFICER)
        try:
            references = await _references(privacy, args)
            if not references:
                print("No case holds those details: nothing erased.")
                return 0
            done = await privacy.erase(references, actor=actor, now=datetime.now(UTC),
                                       reason=args.reason, force=args.force)
        except DomainError as exc:
            print(_refusal(exc, args.by), file=sys.stderr)
            return EXIT_REFUSED
        already = [r for r in references if r.upper() not in done]
        if done:
            print(f"Erased the constituent's details from {', '.join(done)}; the casework "
                  "record and its history stay, with the erasure on it.")
        if already:
            print(f"Already erased, left as they were: {', '.join(already)}.")
        log.info("erasure by %s: %s", args.by, ", ".join(done) or "nothing new")
        return 0
    return with_context(go, settings)
