"""The hosts files may be fetched from: the council's list (`[attachments] download_hosts`) and
how a host is matched against it. Pure: the fetching is in bot/members/downloads.py."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated

from pydantic import AfterValidator

_HOST = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")


def _download_host(value: str) -> str:
    """A host name, or "*." and a domain of at least two labels ("*.sharepoint.com"; never
    "*.com", an address, a scheme or a port)."""
    name = value.removeprefix("*.")
    if len(value) > 253 or not _HOST.fullmatch(name):
        raise ValueError(f"must be a host name such as files.example.com or *.sharepoint.com, "
                         f"in lower case, without https:// or a port (got {value!r})")
    return value


DownloadHost = Annotated[str, AfterValidator(_download_host)]


def host_listed(host: str, patterns: Iterable[str]) -> bool:
    """Whether `host` is one of `patterns`, or a name under a "*." one (at any depth, never the
    domain itself). Case and a trailing dot are ignored."""
    host = host.lower().rstrip(".")
    for pattern in patterns:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False
