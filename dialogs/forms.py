"""Card submits, validated: one base class and one parser for every audience.

Card data is client data. Each submit is a pydantic model (`Form`) stating the types, lengths,
allowed choices and the card's nonce; `parse(model, data)` returns the model or raises
`FormError`, which carries one plain sentence per input id (the form's own `problem` wording)
and the values as typed, so the card can be shown again with each error beside its field.

One name for the case reference: `reference`. Cards posted before the rename (already in Teams
chats and channels) sent `ref`; `parse` reads it as `reference`.

Control characters: what a person typed or a card carries is cleaned, not refused. `clean_text`
removes the C0 control characters except tab, line feed and carriage return (NUL among them,
which PostgreSQL cannot store and SQLite would keep), DEL, and lone surrogates (half of an
emoji, which no database or JSON encoder accepts). `parse` cleans every string of a card's data
before validating it, and the bot cleans message text and card data the same way as they arrive
(`bot.inbound`), so both engines store the same text. The identifiers Teams fills in (activity,
conversation and person ids, the service URL) are refused instead: `bot.inbound` answers 400.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from casestore.intake import MAX_TEXT

REFERENCE_PATTERN = r"^ENQ-\d{4}-\d{6}$"
# C0 controls but tab, LF and CR; DEL; and UTF-16 surrogates (only a lone half survives JSON).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
Reference = Annotated[str, Field(max_length=20, pattern=REFERENCE_PATTERN)]
# Keys older cards still send -> the name every card and form uses now.
LEGACY_KEYS: dict[str, str] = {"ref": "reference"}


class FormError(Exception):
    """A card submit that cannot be used: `problems` maps each input id to a sentence and
    `values` holds what was typed (strings, trimmed), to show the form again."""

    def __init__(self, problems: Mapping[str, str],
                 values: Mapping[str, str] | None = None) -> None:
        self.problems = dict(problems)
        self.values = dict(values or {})
        super().__init__(", ".join(sorted(self.problems)))  # ids only: never the typed text


def clean_text(text: str) -> str:
    """`text` without control characters or lone surrogates (see the module's docstring)."""
    return CONTROL_CHARACTERS.sub("", text)


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def clean_values(value: Any, *, depth: int = 0) -> Any:
    """A card's data with every string (keys too) cleaned, however deeply nested."""
    if isinstance(value, str):
        return clean_text(value)
    if depth > 32:  # deeper than any card sends: dropped rather than walked
        return None
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_values(v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_values(v, depth=depth + 1) for v in value]
    return value


# Sentences for a field's pattern when the default one would not say what to do.
_PATTERN_HELP = {
    "reference": "Use a reference like ENQ-2026-000123.",
    "linked_reference": "Use a reference like ENQ-2026-000123.",
    "nonce": "This card is out of date. Please start again from a new card.",
}


def plain_sentence(field: str, error: Mapping[str, Any]) -> str:
    """pydantic's error for `field` as a sentence for a member."""
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    given = error.get("input")
    if kind == "string_too_long":
        size = len(given) if isinstance(given, str) else ctx.get("max_length")
        return f"Keep this to {ctx['max_length']} characters (it has {size})."
    if kind == "too_long":
        return f"Choose no more than {ctx['max_length']}."
    if kind == "missing":
        return _PATTERN_HELP.get(field, "This is needed.")
    if kind == "value_error":
        return str(ctx.get("error") or "This isn't valid.")
    if kind == "string_pattern_mismatch":
        return _PATTERN_HELP.get(field, "Choose one of the options.")
    if kind in ("enum", "literal_error", "string_type", "list_type"):
        return "Choose one of the options."
    if kind == "bool_parsing" or kind == "bool_type":
        return "Choose yes or no."
    if kind.startswith(("int_", "greater_than", "less_than")):
        return "Choose a number from the list."
    return "This isn't valid."


class Form(BaseModel):
    """Every card submit. Action.Execute sends every input of the card: other forms' fields are
    ignored. Subclasses say which blank inputs mean "none" and how a problem is worded."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    blank_is_none: ClassVar[frozenset[str]] = frozenset()
    whole_card: ClassVar[str] = "_card"  # the key of a problem with no one field

    @classmethod
    def problem(cls, field: str, error: Mapping[str, Any]) -> str:
        """The sentence for pydantic's `error` on `field`."""
        return plain_sentence(field, error)


F = TypeVar("F", bound=Form)


def current_keys(data: Mapping[str, Any]) -> dict[str, Any]:
    """The card's data with any key an older card used under today's name."""
    found = dict(data)
    for old, new in LEGACY_KEYS.items():
        if old in found:
            value = found.pop(old)
            found.setdefault(new, value)
    return found


def typed_values(data: Mapping[str, Any]) -> dict[str, str]:
    """The submitted values that can go back into a form (strings only, trimmed to size)."""
    return {clean_text(str(k))[:64]: clean_text(str(v))[:MAX_TEXT] for k, v in data.items()
            if isinstance(v, str | int | float | bool)}


def parse(model: type[F], data: Mapping[str, Any]) -> F:
    """`model` from a card's data, or FormError naming every wrong input in a sentence."""
    data = current_keys(clean_values(dict(data)))
    cleaned = {k: (None if v == "" and k in model.blank_is_none else v) for k, v in data.items()}
    try:
        return model.model_validate(cleaned)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            loc = error.get("loc") or (model.whole_card,)
            field = str(loc[0])
            problems.setdefault(field, model.problem(field, error))
        raise FormError(problems, typed_values(data)) from None


# -- lenient readings, to show a refused card again as it was sent ----------------------------

def lenient_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def lenient_id(value: Any) -> int | None:
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= 2**62 else None


def lenient_reference(value: Any) -> str | None:
    text = lenient_text(value).upper()
    return text if text and re.fullmatch(REFERENCE_PATTERN, text) else None
