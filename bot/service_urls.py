"""Where the bot may send its replies when no token says so: the service URL allowlist.

Every activity names the `serviceUrl` its replies go to, and the bot stores it for proactive
messages. With authentication on, the Bot Connector's token vouches for that URL (its
`serviceurl` claim; `bot.auth`). With authentication off (local development, the Agents
Playground) nothing does, so only URLs on the allowlist are accepted (`ALLOWED_SERVICE_URLS`,
default `loopback`); any other request is refused with 403 before its turn, and nothing is
stored.

An entry is `loopback` (http or https to localhost, 127.0.0.0/8 or ::1, any port) or a URL
prefix such as `https://smba.trafficmanager.net/uk/`: a service URL matches when its scheme,
host and port are the entry's and its path starts with the entry's path.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from yarl import URL

LOOPBACK = "loopback"


class BadAllowlistEntry(ValueError):
    def __init__(self, entry: str, reason: str) -> None:
        self.entry = entry
        self.reason = reason
        super().__init__(f"{entry!r}: {reason}")


@dataclass(frozen=True)
class _Prefix:
    scheme: str
    host: str
    port: int | None
    path: str


class ServiceUrlAllowlist:
    def __init__(self, entries: Iterable[str] = (LOOPBACK,)) -> None:
        self.entries = tuple(entries)
        self.loopback = LOOPBACK in self.entries
        self._prefixes = tuple(_prefix(e) for e in self.entries if e != LOOPBACK)

    def allows(self, service_url: str) -> bool:
        try:
            url = URL(service_url)
        except (ValueError, TypeError):
            return False
        if url.scheme not in ("http", "https") or not url.host or url.user is not None:
            return False
        if self.loopback and is_loopback(url.host):
            return True
        path = _dir(url.path)
        return any(url.scheme == p.scheme and url.host.lower() == p.host and url.port == p.port
                   and path.startswith(p.path) for p in self._prefixes)


def parse_allowlist(text: str) -> tuple[str, ...]:
    """The entries of `ALLOWED_SERVICE_URLS` (comma or space separated), each checked."""
    entries = tuple(e for e in text.replace(",", " ").split() if e)
    for entry in entries:
        if entry != LOOPBACK:
            _prefix(entry)
    return entries


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _prefix(entry: str) -> _Prefix:
    try:
        url = URL(entry)
    except (ValueError, TypeError):
        raise BadAllowlistEntry(entry, "is not a URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise BadAllowlistEntry(entry, "must be an http(s) URL with a host, or 'loopback'")
    if url.user is not None or url.query_string or url.fragment:
        raise BadAllowlistEntry(entry, "must name only scheme, host, port and path")
    return _Prefix(url.scheme, url.host.lower(), url.port, _dir(url.path))


def _dir(path: str) -> str:
    return path if path.endswith("/") else path + "/"
