"""Test-wide guard: no test may reach the internet, or even ask a name server.

Every peer a test talks to runs on loopback, bound to 127.0.0.1 (never to the name
"localhost": on a machine without ``/etc/hosts`` that name goes to the DNS server). This
guard makes a slip loud instead of silently slow or flaky: resolving a public name or
connecting to a non-loopback address from the test process raises at once. The loopback
names themselves are answered here, without the system resolver, and so are reverse
look-ups of loopback addresses (``http.server`` asks for one each time a server starts), so
a missing hosts file or an unreachable name server cannot fail or stall a test. (Tests that
start the real ``outagetray`` command give it a config that only names loopback addresses.)
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
_real_bind = socket.socket.bind

#: Names that mean this machine, answered by the guard itself (RFC 6761 §6.3 and the usual
#: hosts-file aliases). The value says which loopback addresses each one stands for.
LOCAL_NAMES: dict[str, tuple[str, ...]] = {
    "localhost": ("127.0.0.1", "::1"),
    "localhost.localdomain": ("127.0.0.1", "::1"),
    "ip6-localhost": ("::1",),
    "ip6-loopback": ("::1",),
}


class InternetForbidden(OSError):
    pass


def _host_text(host: object) -> str | None:
    if isinstance(host, bytes | bytearray):
        try:
            return bytes(host).decode("ascii")
        except UnicodeDecodeError:
            return None
    return host if isinstance(host, str) else None


def _local_name(host: object) -> tuple[str, ...] | None:
    """The loopback addresses a name such as "localhost" stands for, or None if it is not one."""
    text = _host_text(host)
    if text is None:
        return None
    name = text.strip().lower()
    return LOCAL_NAMES.get(name[:-1] if name.endswith(".") else name)


def _loopback_ip(host: object) -> bool:
    text = _host_text(host)
    if text is None:
        return False
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0]).is_loopback
    except ValueError:
        return False


def _numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return False
    return True


def _is_loopback(host: object) -> bool:
    return _local_name(host) is not None or _loopback_ip(host)


def _as_numeric(family: int, address: Any) -> Any:
    """``address`` with a loopback name replaced by the matching loopback address.

    Without this, ``connect(("localhost", port))`` and ``bind(...)`` would resolve the name
    inside C code, through the system resolver, bypassing ``_getaddrinfo``.
    """
    if not (isinstance(address, tuple) and address):
        return address
    addresses = _local_name(address[0])
    if addresses is None:
        return address
    wanted = "::1" if family == socket.AF_INET6 else "127.0.0.1"
    return (wanted, *address[1:])


def _guard_address(address: Any) -> None:
    if isinstance(address, tuple) and address and not _is_loopback(address[0]):
        raise InternetForbidden(f"tests may not connect to {address[0]!r}: use a loopback peer")


def _getaddrinfo(host: Any, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0) -> Any:
    if host is None:
        return _real_getaddrinfo(host, port, family, type, proto, flags)
    addresses = _local_name(host)
    if addresses is not None:
        return _answer_locally(addresses, port, family, type, proto, flags)
    if _loopback_ip(host):
        # A numeric host must never turn into a query, whatever the caller's flags.
        return _real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
    # Reserved names (RFC 6761) fail the way a missing name does, without asking anyone.
    raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host!r}")


def _answer_locally(
    addresses: tuple[str, ...], port: Any, family: int, type: int, proto: int, flags: int
) -> Any:
    """getaddrinfo's answer for a loopback name, built from numeric look-ups only.

    127.0.0.1 comes first because every test server listens there.
    """
    found: list[Any] = []
    for address in addresses:
        if family not in (socket.AF_UNSPEC, socket.AF_INET6 if ":" in address else socket.AF_INET):
            continue
        try:
            found.extend(_real_getaddrinfo(address, port, family, type, proto, flags | socket.AI_NUMERICHOST))
        except socket.gaierror:
            continue  # e.g. no IPv6 on this machine
    if not found:
        raise socket.gaierror(socket.EAI_NONAME, "no loopback address of that family")
    return found


def _gethostbyname(host: Any) -> str:
    addresses = _local_name(host)
    if addresses is not None:
        return "127.0.0.1" if "127.0.0.1" in addresses else addresses[0]
    text = _host_text(host)
    if text is not None and _numeric(text) and ":" not in text:
        return text
    raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host!r}")


def _gethostbyname_ex(host: Any) -> tuple[str, list[str], list[str]]:
    return (str(host), [], [_gethostbyname(host)])


def _gethostbyaddr(address: Any) -> tuple[str, list[str], list[str]]:
    """Reverse look-ups of this machine are answered here; any other would ask DNS, so it fails."""
    if _is_loopback(address):
        text = _host_text(address) or ""
        ip = text if _loopback_ip(text) else _gethostbyname(text)
        return ("localhost", [], [ip])
    raise socket.herror(1, f"tests may not look up {address!r}")


def _connect(self: socket.socket, address: Any) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard_address(address)
        address = _as_numeric(self.family, address)
    _real_connect(self, address)


def _connect_ex(self: socket.socket, address: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard_address(address)
        address = _as_numeric(self.family, address)
    return _real_connect_ex(self, address)


def _sendto(self: socket.socket, data: Any, *args: Any) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        _guard_address(args[-1])
        args = (*args[:-1], _as_numeric(self.family, args[-1]))
    return _real_sendto(self, data, *args)


def _bind(self: socket.socket, address: Any) -> None:
    """Any local address may be bound; a name other than a loopback one would need DNS."""
    if self.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple) and address:
        host = _host_text(address[0])
        if host is not None and host not in ("", "<broadcast>") and not _numeric(host):
            if _local_name(host) is None:
                raise socket.gaierror(socket.EAI_NONAME, f"tests may not resolve {host!r}")
            address = _as_numeric(self.family, address)
    _real_bind(self, address)


def pytest_configure() -> None:
    socket.getaddrinfo = _getaddrinfo
    socket.gethostbyname = _gethostbyname
    socket.gethostbyname_ex = _gethostbyname_ex
    socket.gethostbyaddr = _gethostbyaddr
    socket.socket.connect = _connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign,assignment]
    socket.socket.sendto = _sendto  # type: ignore[method-assign,assignment]
    socket.socket.bind = _bind  # type: ignore[method-assign,assignment]


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver's own fixture listens on "localhost", a name only the hosts file knows."""
    return ("127.0.0.1", 0)


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


@pytest.fixture(autouse=True)
def _own_user_folders(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own settings, data, state and cache folders (and the programs it starts too).

    The app and ``outagetray watch`` keep an incident log, event numbers and state under
    platformdirs' folders: a test must neither read the developer's own nor leave files in
    them, and one test's log must not be another's.
    """
    home = tmp_path_factory.mktemp("user")
    for name, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ):
        monkeypatch.setenv(name, str(home / sub))
