"""Test doubles shared by the HTTP-level tests, and a guard that keeps them on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


class ExternalNetworkBlocked(OSError):
    """A test tried to reach something other than this machine."""


def _is_loopback(host: object) -> bool:
    if host is None or host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


@contextmanager
def loopback_only() -> Iterator[list[str]]:
    """Refuse DNS look-ups and connections beyond loopback; yields the list of refused attempts.

    A refusal raises `ExternalNetworkBlocked` (an `OSError`, so `requests` reports a connection
    error), and the list lets a test assert afterwards that nothing even tried.
    """
    refused: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(address: Any) -> None:
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            refused.append(str(address[0]))
            raise ExternalNetworkBlocked(f"test tried to reach {address[0]}")

    def connect(sock: socket.socket, address: Any) -> None:
        check(address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if not _is_loopback(name):
            refused.append(str(name))
            raise ExternalNetworkBlocked(f"test tried to look up {name}")
        return real_getaddrinfo(host, *args, **kwargs)

    with (
        mock.patch.object(socket.socket, "connect", connect),
        mock.patch.object(socket.socket, "connect_ex", connect_ex),
        mock.patch.object(socket, "getaddrinfo", getaddrinfo),
    ):
        yield refused
