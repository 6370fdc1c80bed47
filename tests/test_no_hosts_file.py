"""The suite must run on a machine without ``/etc/hosts`` and without a reachable name server.

Without a hosts file the system resolver sends "localhost" to the DNS server: test servers
bound to that name fail to start (41 tests did), and every look-up is a query leaving the
machine. So test servers bind 127.0.0.1, and the guard in ``tests/conftest.py`` answers the
loopback names (and reverse look-ups of loopback addresses) itself. The last test runs a few
server-based tests in a child pytest whose system resolver cannot answer anything at all,
which is what a machine without a hosts file and without DNS looks like.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

ROOT = Path(__file__).resolve().parents[1]


def _guard_module() -> ModuleType:
    """The conftest module that installed the guard (its import name depends on pytest's rootdir)."""
    module = sys.modules.get(socket.getaddrinfo.__module__)
    assert module is not None and hasattr(module, "_real_getaddrinfo"), "the test guard is not installed"
    return module


@pytest.fixture
def resolver_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Replace the real system resolver under the guard by one that records and refuses every call."""
    calls: list[object] = []

    def refuse(host: object, *args: Any, **kwargs: Any) -> Any:
        calls.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "no hosts file and no name server on this machine")

    guard = _guard_module()
    # Numeric look-ups are allowed through: they never leave the process.
    real = guard._real_getaddrinfo

    def numeric_only(
        host: object, port: Any, family: int = 0, type: int = 0, proto: int = 0, flags: int = 0
    ) -> Any:
        if flags & socket.AI_NUMERICHOST or host is None:
            return real(host, port, family, type, proto, flags)
        return refuse(host)

    monkeypatch.setattr(guard, "_real_getaddrinfo", numeric_only)
    yield calls


@pytest.mark.parametrize(
    "name", ["localhost", "LOCALHOST", "localhost.", "localhost.localdomain", b"localhost"]
)
def test_loopback_names_are_answered_without_the_system_resolver(
    name: object, resolver_calls: list[object]
) -> None:
    answer = socket.getaddrinfo(name, 80, socket.AF_INET, socket.SOCK_STREAM)  # type: ignore[arg-type]
    assert {entry[4] for entry in answer} == {("127.0.0.1", 80)}
    assert resolver_calls == []


def test_localhost_of_any_family_is_loopback_and_ipv4_comes_first(resolver_calls: list[object]) -> None:
    answer = socket.getaddrinfo("localhost", 443, 0, socket.SOCK_STREAM)
    assert answer[0][4] == ("127.0.0.1", 443)
    assert {entry[4][0] for entry in answer} <= {"127.0.0.1", "::1"}
    assert resolver_calls == []


def test_other_names_are_refused_without_asking_anyone(resolver_calls: list[object]) -> None:
    for name in ("example.com", "status.platform.test", "localhost.example.com"):
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo(name, 443)
    assert resolver_calls == []


def test_a_socket_connects_to_localhost_by_name_without_a_look_up(
    resolver_calls: list[object], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/ping").respond_with_data("pong")
    # connect() and bind() resolve names in C, out of getaddrinfo's reach: the guard rewrites them.
    with socket.create_connection(("localhost", httpserver.port), timeout=5) as conn:
        conn.sendall(b"GET /ping HTTP/1.0\r\nHost: x\r\n\r\n")
        reply = b""
        while chunk := conn.recv(4096):
            reply += chunk
        assert reply.endswith(b"pong")
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with raw:
        raw.settimeout(5)
        raw.connect(("localhost", httpserver.port))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with listener:
        listener.bind(("localhost", 0))
        assert listener.getsockname()[0] == "127.0.0.1"
    assert resolver_calls == []


def test_reverse_and_old_style_look_ups_stay_on_the_machine() -> None:
    # The system's versions would ask the name server; the guard must have replaced them
    # (checked first, so that a missing guard fails here instead of sending a query).
    guard = _guard_module().__name__
    for function in (socket.gethostbyaddr, socket.gethostbyname, socket.gethostbyname_ex, socket.socket.bind):
        assert function.__module__ == guard, f"{function.__name__} is not guarded"
    # http.server asks getfqdn() for its own address each time a server starts.
    assert socket.gethostbyaddr("127.0.0.1")[0] == "localhost"
    assert socket.getfqdn("127.0.0.1") == "localhost"
    assert socket.gethostbyname("localhost") == "127.0.0.1"
    with pytest.raises(OSError):
        socket.gethostbyaddr("8.8.8.8")
    with pytest.raises(OSError):
        socket.gethostbyname("example.com")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with listener, pytest.raises(OSError):
        listener.bind(("example.com", 0))


def test_the_pytest_httpserver_fixture_listens_on_127_0_0_1(httpserver: HTTPServer) -> None:
    assert httpserver.host == "127.0.0.1"
    assert httpserver.url_for("/x").startswith("http://127.0.0.1:")


_NO_RESOLVER_PLUGIN = """
import socket

_real = socket.getaddrinfo


def _no_hosts_file(host, port, family=0, type=0, proto=0, flags=0):
    # Like a machine without /etc/hosts and without a name server: only numbers resolve.
    if host is None or flags & socket.AI_NUMERICHOST:
        return _real(host, port, family, type, proto, flags)
    try:
        return _real(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)
    except socket.gaierror:
        raise socket.gaierror(socket.EAI_AGAIN, "no hosts file, no name server") from None


def _no_reverse(address):
    raise socket.herror(2, "no hosts file, no name server")


socket.getaddrinfo = _no_hosts_file
socket.gethostbyaddr = _no_reverse
socket.gethostbyname = lambda host: _no_hosts_file(host, 0, socket.AF_INET)[0][4][0]
"""

#: Tests that start pytest-httpserver's server and the shared threaded one, and one that starts
#: the real `outagetray check` against it. All 40 of their kind failed on a machine without a hosts file.
_SAMPLE = [
    "tests/core/test_http.py::test_gzip_body_is_decoded",
    "tests/core/test_http.py::test_redirect_loops_stop_at_the_limit",
    "tests/test_check_cli.py::test_all_operational_exits_zero",
    "tests/test_check_cli.py::test_probe_only_platform_is_operational_when_its_checks_pass",
    "tests/core/test_monitor.py::test_poke_runs_a_fresh_round_now",
]


def test_server_tests_pass_when_the_system_resolver_answers_nothing(tmp_path: Path) -> None:
    """The plugin is loaded with -p, before conftest.py, so the guard wraps a resolver that knows no names."""
    (tmp_path / "no_resolver_plugin.py").write_text(textwrap.dedent(_NO_RESOLVER_PLUGIN), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(ROOT), env.get("PYTHONPATH", "")])
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.pop("PYTEST_HTTPSERVER_HOST", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no_resolver_plugin",
            *_SAMPLE,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert f"{len(_SAMPLE)} passed" in done.stdout
