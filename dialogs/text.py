"""What a person typed, made safe to show in a card: text, never markup.

Teams renders a TextBlock's and a Fact's text as a subset of Markdown, auto-links bare web
addresses, and turns `<at>…</at>` into mentions. Anything a member, an officer or a constituent
typed (a location, a description, a reply, a file's name) goes through `shown` before it is put
into such text, so it cannot make a link, an image, emphasis, a heading, a list, a mention or a
tag. The bot's own words keep their Markdown (bold commands, the digest's links).

- Markdown's punctuation is escaped with a backslash (CommonMark: any ASCII punctuation may be
  escaped, and the escaped character shows as itself), so `[Pay](https://x)` shows literally.
- A web address's `://` and a leading `www.` get an invisible word joiner (U+2060), so the
  address reads the same but Teams does not turn it into a link. `mailto:` and `tel:` likewise.
- `<` and `>` are escaped, so `<at>all</at>` and `<a href>` show as typed.
- Control characters other than tab and line breaks are dropped.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
# Punctuation that can start Markdown in Teams' renderers: emphasis, links and images (with
# the brackets escaped, a following "(" or a leading "!" is plain), code, strike-through and tags.
_SPECIAL = re.compile(r"([\\`*_\[\]<>~])")
# At a line's start: a heading.
_HASH = re.compile(r"(?m)^(\s*)(#)")
# A line that would become a list item or a heading: "1. ", "2) ", "- ", "+ ", "= ".
_LINE_START = re.compile(r"(?m)^(\s*)(\d+)([.)])(\s)|^(\s*)([-+=])(\s)")
_SCHEME = re.compile(r"(?i)\b(https?|ftp|file|mailto|tel|sip|msteams|data|javascript):(?=\S)")
_WWW = re.compile(r"(?i)\bwww\.")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def _line_start(match: re.Match[str]) -> str:
    if match.group(2) is not None:
        return f"{match.group(1)}{match.group(2)}\\{match.group(3)}{match.group(4)}"
    return f"{match.group(5)}\\{match.group(6)}{match.group(7)}"


def shown(text: object) -> str:
    """`text` as it was typed, safe inside a TextBlock's or a Fact's Markdown."""
    value = _CONTROL.sub("", str(text if text is not None else ""))
    value = _SPECIAL.sub(r"\\\1", value)
    value = _LINE_START.sub(_line_start, value)
    value = _HASH.sub(r"\1\\\2", value)
    value = _SCHEME.sub(lambda m: f"{m.group(1)}{WORD_JOINER}:", value)
    return _WWW.sub(lambda m: f"{m.group(0)[:3]}{WORD_JOINER}.", value)


def shown_excerpt(text: object, limit: int) -> str:
    """The first `limit` characters of what was typed (cut at a word), made safe."""
    value = str(text if text is not None else "").strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "\u2026"
    return shown(value)
