"""Checks over rendered Adaptive Cards: does any text make markup that a person typed?

`live_links_in(card)` lists every piece of a card's text (TextBlock and TextRun text, Fact
titles and values, action titles, placeholders, choices) that Teams would turn into a link, an
image, a mention or an HTML tag: a Markdown link or image, a bare web address, `www.`, or
`<at>`, `<a>` or `<img>`. Links the bot makes itself to Teams (the digest's deep links) are not
counted: pass `allowed` to change which targets count as the bot's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

OWN_LINKS = ("https://teams.microsoft.com/",)
TEXT_KEYS = ("text", "title", "value", "placeholder", "label", "fallbackText", "summary")

_LINK = re.compile(r"(?<!\\)(!?)(?<!\\)\[((?:[^\]\\]|\\.)*)(?<!\\)\]\(([^)\s]*)\)")
_SCHEME = re.compile(r"(?i)\b(?:https?|ftp|file|mailto|tel|sip|msteams|data|javascript):(?=\S)")
_WWW = re.compile(r"(?i)\bwww\.")
_TAG = re.compile(r"(?i)(?<!\\)<\s*/?\s*(?:at|a|img|script|iframe)\b")


def texts_of(node: Any) -> Iterator[str]:
    """Every string a person reads in a card (its inputs' ids and action data excluded)."""
    if isinstance(node, dict):
        is_input = str(node.get("type", "")).startswith("Input.")
        for key, value in node.items():
            if key in ("data", "id", "verb", "url", "$schema", "msteams", "iconUrl"):
                continue
            if is_input and key in ("value", "placeholder"):
                continue  # an input's value and placeholder are plain text, not Markdown
            if key in TEXT_KEYS and isinstance(value, str):
                yield value
            else:
                yield from texts_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from texts_of(item)


def live_links_in(card: Any, allowed: tuple[str, ...] = OWN_LINKS) -> list[str]:
    """The markup in `card`'s text that would be live in Teams, as found."""
    found: list[str] = []
    mentions = [str(e.get("text", "")) for e in _entities(card)]
    for text in texts_of(card):
        rest = text
        for mention in mentions:  # the bot's own mentions, declared in msteams.entities
            rest = rest.replace(mention, " ")
        for match in _LINK.finditer(text):
            if match.group(1) or not match.group(3).startswith(allowed):
                found.append(match.group(0))
            rest = rest.replace(match.group(0), " ")
        found += [m.group(0) for m in _SCHEME.finditer(rest)]
        found += [m.group(0) for m in _WWW.finditer(rest)]
        found += [m.group(0) for m in _TAG.finditer(rest)]
    return found


def _entities(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        for entity in node.get("msteams", {}).get("entities", []) or []:
            if isinstance(entity, dict) and entity.get("type") == "mention":
                yield entity
        for value in node.values():
            yield from _entities(value)
    elif isinstance(node, list):
        for item in node:
            yield from _entities(item)


def unescaped(card: Any, fragment: str) -> list[str]:
    """Texts in which `fragment` (say `**URGENT**`) appears with its Markdown still live."""
    return [t for t in texts_of(card) if fragment in t]
