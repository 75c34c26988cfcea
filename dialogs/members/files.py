"""Files a member sends in personal chat, read from the activity's attachments (as plain dicts).

Teams sends a file as `application/vnd.microsoft.teams.file.download.info` with a short-lived
`content.downloadUrl`; a pasted image arrives as an `image/*` attachment with a `contentUrl`. The
message's own HTML and cards are attachments too, and are not files.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

TEAMS_FILE = "application/vnd.microsoft.teams.file.download.info"
NOT_FILES = ("text/html", "application/vnd.microsoft.card.",
             "application/vnd.microsoft.teams.card.")
ATTACH_AGAIN = "Please attach the file itself with the paperclip in this chat."


class Unsafe(StrEnum):
    """Why a file's link was not fetched (bot.members.downloads refuses it before connecting)."""

    NOT_HTTPS = "not-https"
    HOST = "host"
    ADDRESS = "address"
    REDIRECT = "redirect"
    TOO_MANY_REDIRECTS = "too-many-redirects"


UNSAFE_SENTENCES: dict[Unsafe, str] = {
    Unsafe.NOT_HTTPS: "Its link is not a secure (https) address in Teams or SharePoint, so I "
                      f"did not fetch it. {ATTACH_AGAIN}",
    Unsafe.HOST: f"Its link is not in Teams, SharePoint or OneDrive, so I did not fetch it. "
                 f"{ATTACH_AGAIN}",
    Unsafe.ADDRESS: "Its link leads to a private network address rather than to Teams or "
                    f"SharePoint, so I did not fetch it. {ATTACH_AGAIN}",
    Unsafe.REDIRECT: "Its link sent me on to a site outside Teams and SharePoint, so I stopped. "
                     f"{ATTACH_AGAIN}",
    Unsafe.TOO_MANY_REDIRECTS: "Its link sent me on too many times, so I stopped. Please send "
                               "it again.",
}


def not_fetched(name: str, why: Unsafe) -> str:
    return f"{name} was not added: {UNSAFE_SENTENCES[why]}"


@dataclass(frozen=True)
class IncomingFile:
    name: str
    url: str
    content_type: str  # a guess from the name or Teams' file type; confirmed after download


def _guess(name: str, file_type: str = "") -> str:
    guessed, _ = mimetypes.guess_type(name or "")
    if guessed is None and file_type:
        guessed, _ = mimetypes.guess_type(f"file.{file_type}")
    return guessed or "application/octet-stream"


def same_host(url: str, service_url: str) -> bool:
    """Whether `url` is on the Bot Connector at `service_url` (same scheme, host and port)."""
    a, b = urlsplit(url or ""), urlsplit(service_url or "")
    return bool(a.netloc) and (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())


def incoming_files(attachments: Iterable[Mapping[str, Any]]) -> list[IncomingFile]:
    """The files among a message's attachments (in Bot Framework's camelCase JSON)."""
    files: list[IncomingFile] = []
    for att in attachments:
        kind = str(att.get("contentType") or "")
        name = str(att.get("name") or "").strip()[:255]
        raw = att.get("content")
        content: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        if kind == TEAMS_FILE:
            url = str(content.get("downloadUrl") or "")
            ctype = _guess(name, str(content.get("fileType") or ""))
            files.append(IncomingFile(name or "file", url, ctype))
        elif kind.startswith(NOT_FILES) or not att.get("contentUrl"):
            continue
        else:
            url = str(att["contentUrl"])
            ctype = kind if kind and "*" not in kind else _guess(name)
            if ctype == "application/octet-stream" and kind.startswith("image/"):
                ctype = kind  # Teams says "image/*" for a pasted image: the bytes will tell
            default = "image" if kind.startswith("image/") else "attachment"
            files.append(IncomingFile(name or default, url, ctype))
    return files


def with_extension(name: str, content_type: str) -> str:
    """'image' -> 'image.png' once the bytes say PNG; a name with an extension is kept."""
    if "." in name.rsplit("/", 1)[-1]:
        return name
    return name + (mimetypes.guess_extension(content_type) or "")

