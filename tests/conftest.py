"""Test-wide guard: no test may reach the internet.

Every peer a test talks to runs on loopback. This guard makes a slip loud instead of
silently slow or flaky: resolving a public name or connecting to a non-loopback address
from the test process raises at once. (Tests that start the real ``outagetray`` command
give it a config that only names loopback peers.)
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_sendto = socket.socket.sendto

LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class InternetForbidden(OSError):
    pass


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    host = host.strip("[]").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _guard_address(address: Any) -> None:
    if isinstance(address, tuple) and address and not _is_loopback(address[0]):
        raise InternetForbidden(f"tests may not connect to {address[0]!r}: use a loopback peer")


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if host is None or _is_loopback(host if isinstance(host, str) else str(host)):
        return _real_getaddrinfo(host, *args, **kwargs)
    # Reserved names (RFC 6761) fail the way a missing name does, without asking anyone.
    raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host!r}")


def _connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard_address(address)
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard_address(address)
    return _real_connect_ex(self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard_address(args[-1])
    return _real_sendto(self, data, *args)


def pytest_configure() -> None:
    socket.getaddrinfo = _getaddrinfo
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]


@pytest.fixture(scope="module")
def _plain_server() -> Iterator[HTTPServer]:
    """One threaded loopback web server per test module (pytest-httpserver's own is single-threaded)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def web(_plain_server: HTTPServer) -> Iterator[HTTPServer]:
    """That server with no expectations left over from another test."""
    _plain_server.clear()
    yield _plain_server
    _plain_server.clear()
