"""What a member types in personal chat: the commands, and enquiry references in free text."""

from __future__ import annotations

import re

from casestore.intake import MAX_SEARCH_TERM

_PREFIXED = re.compile(r"\bENQ[-\s]?(20\d\d)[-/\s]?(\d{1,6})\b", re.IGNORECASE)
_BARE = re.compile(r"^\s*(?:case\s+)?(?:ENQ[-\s]?)?(20\d\d)[-/\s](\d{1,6})\s*$", re.IGNORECASE)


def _reference(match: re.Match[str] | None) -> str | None:
    return f"ENQ-{match.group(1)}-{int(match.group(2)):06d}" if match else None


def find_reference(text: str) -> str | None:
    """The first 'ENQ-2026-000012' (or 'enq 2026 12') anywhere in a message."""
    return _reference(_PREFIXED.search(text or ""))


def bare_reference(text: str) -> str | None:
    """A message that is only a reference: 'ENQ-2026-000012', 'case 2026-12', '2026-12'."""
    return _reference(_BARE.match(text or ""))


# -- text commands in personal chat ---------------------------------------------------------------

_WORDS = {
    "help": ("help", "?", "menu", "commands", "hi", "hello", "start"),
    "new": ("new enquiry", "new", "new case", "raise", "raise an enquiry", "raise enquiry",
            "new enquiries", "enquiry"),
    "cases": ("my cases", "cases", "my enquiries", "enquiries", "list", "my casework"),
    "drafts": ("drafts", "my drafts", "draft"),
}
_SEARCH = re.compile(r"^\s*(?:find|search)(?:\s+for)?\s+(?P<text>.+?)\s*$",
                     re.IGNORECASE | re.DOTALL)


def parse_command(text: str) -> tuple[str, str]:
    """('help'|'new'|'cases'|'drafts'|'find'|'case'|'unknown', argument) for a chat message."""
    words = " ".join((text or "").lower().split()).strip(" .!?")
    for name, phrases in _WORDS.items():
        if words in phrases:
            return name, ""
    search = _SEARCH.match(text or "")
    if search:
        return "find", search.group("text")[:MAX_SEARCH_TERM]
    reference = bare_reference(text)
    if reference:
        return "case", reference
    return "unknown", ""
