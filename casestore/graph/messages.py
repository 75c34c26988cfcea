"""A Graph `chatMessage` of a case thread, as the case needs it: who, when, what (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "blockquote", "pre"})


@dataclass(frozen=True)
class ThreadMessage:
    id: str
    created_at: datetime
    author_aad_id: str | None
    text: str
    skip: str | None = None  # why it is not an officer's message: "deleted", "application"...


class _Text(HTMLParser):
    """The text of a Teams message body, without the @mentions of applications (the bot)."""

    def __init__(self, hidden_mentions: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = hidden_mentions
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "at" and (self._skipping or values.get("id") in self.hidden):
            self._skipping += 1
        elif tag == "emoji" and values.get("alt"):
            self.parts.append(values["alt"] or "")
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "at" and self._skipping:
            self._skipping -= 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _clean(text: str) -> str:
    lines = [re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def message_text(item: Mapping[str, Any]) -> str:
    body = item.get("body") or {}
    content = str(body.get("content") or "")
    if str(body.get("contentType", "text")).lower() != "html":
        return _clean(content)
    hidden = frozenset(
        str(m.get("id")) for m in item.get("mentions") or []
        if isinstance(m, dict) and (m.get("mentioned") or {}).get("application")
    )
    parser = _Text(hidden)
    parser.feed(content)
    parser.close()
    return _clean("".join(parser.parts))


def _when(value: object) -> datetime:
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def thread_message(item: Mapping[str, Any]) -> ThreadMessage:
    sender = item.get("from") or {}
    user = sender.get("user") or {}
    author = str(user.get("id")).lower() if user.get("id") else None
    skip = None
    if item.get("deletedDateTime"):
        skip = "deleted"
    elif item.get("messageType", "message") != "message":
        skip = "not a message"
    elif sender.get("application") or not author:
        skip = "from an application"
    text = message_text(item) if skip is None else ""
    if skip is None and not text:
        skip = "no text"
    return ThreadMessage(id=str(item.get("id", "")), created_at=_when(item.get("createdDateTime")),
                         author_aad_id=author, text=text, skip=skip)


def split_internal(text: str, prefix: str) -> tuple[bool, str]:
    """('internal: check the budget', 'internal:') -> (True, 'check the budget').

    The prefix is matched without regard to case; the officer flow must split the same way."""
    if prefix and text[:len(prefix)].lower() == prefix.lower():
        return True, text[len(prefix):].strip()
    return False, text
