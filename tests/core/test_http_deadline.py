"""One deadline covers a whole exchange: servers that drip their answer a byte at a time.

Each read from these servers is quick, so no per-read timeout fires; before the
deadline existed a server that dripped its headers held a check for minutes.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from outagetray.core.connectivity import Connectivity, check_control
from outagetray.core.http import FetchError, HttpClient
from outagetray.core.settings import ControlCheck
from tests.support import slowserver

DEADLINE = 1.5
MARGIN = 1.0


def fetch_error(client: HttpClient, url: str, **kwargs: float) -> tuple[FetchError, float]:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        client.fetch(url, "json", **kwargs)
    return info.value, time.monotonic() - started


def probe_error(client: HttpClient, url: str, deadline: float | None = None) -> tuple[FetchError, float]:
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        client.probe(url, deadline=deadline)
    return info.value, time.monotonic() - started


@pytest.fixture
def slow_headers() -> Iterator[str]:
    with slowserver.serve(slowserver.drip_headers(0.25)) as port:
        yield f"http://127.0.0.1:{port}/api/v2/summary.json"


def test_a_status_fetch_whose_headers_drip_ends_at_its_total_timeout(slow_headers: str) -> None:
    error, elapsed = fetch_error(HttpClient(read_timeout=5, total_timeout=DEADLINE), slow_headers)
    assert elapsed < DEADLINE + MARGIN
    # The cut looks like a hang-up to http.client; the kind comes from the deadline, not from that.
    assert error.kind == "timeout"
    assert error.message == "127.0.0.1 is answering too slowly (no complete answer within 1.5 s)"


def test_a_status_fetch_ends_at_the_callers_deadline(slow_headers: str) -> None:
    client = HttpClient(read_timeout=5)
    error, elapsed = fetch_error(client, slow_headers, deadline=client.monotonic() + DEADLINE)
    assert error.kind == "timeout"
    assert elapsed < DEADLINE + MARGIN


def test_the_callers_deadline_is_read_on_the_clients_own_clock(slow_headers: str) -> None:
    """The monitor's clock may be a test clock; only the time left is carried to real time."""
    frozen = 5000.0
    client = HttpClient(read_timeout=5, monotonic=lambda: frozen)
    error, elapsed = fetch_error(client, slow_headers, deadline=frozen + DEADLINE)
    assert error.kind == "timeout"
    assert elapsed < DEADLINE + MARGIN


def test_a_deadline_already_passed_asks_nobody() -> None:
    with slowserver.serve(slowserver.drip(b"HTTP/1.1 200 OK\r\n\r\n{}", 0.0)) as port:
        client = HttpClient()
        error, elapsed = fetch_error(client, f"http://127.0.0.1:{port}/s", deadline=client.monotonic() - 1)
    assert error.kind == "timeout"
    assert elapsed < 0.5


def test_a_probe_whose_headers_drip_ends_within_one_read_timeout(slow_headers: str) -> None:
    error, elapsed = probe_error(HttpClient(read_timeout=DEADLINE), slow_headers)
    assert error.kind == "timeout"
    assert elapsed < DEADLINE + MARGIN


def test_a_probe_ends_at_the_callers_deadline(slow_headers: str) -> None:
    client = HttpClient()
    error, elapsed = probe_error(client, slow_headers, deadline=client.monotonic() + DEADLINE)
    assert error.kind == "timeout"
    assert elapsed < DEADLINE + MARGIN


def test_a_control_check_against_a_dripping_host_ends_within_the_probe_deadline(
    slow_headers: str,
) -> None:
    started = time.monotonic()
    result = check_control(HttpClient(read_timeout=DEADLINE), ControlCheck(slow_headers, expect_status=204))
    assert time.monotonic() - started < DEADLINE + MARGIN
    assert result.outcome is Connectivity.OFFLINE
    assert "answering too slowly" in result.detail


def test_a_body_with_long_gaps_ends_at_the_deadline_not_after_the_next_byte() -> None:
    """Each gap (3 s) is under the read timeout: the old after-each-chunk check waited it out."""
    with slowserver.serve(slowserver.stall_in_body(3.0)) as port:
        url = f"http://127.0.0.1:{port}/s"
        error, elapsed = fetch_error(HttpClient(read_timeout=5, total_timeout=DEADLINE), url)
        assert error.kind == "timeout"
        assert elapsed < DEADLINE + MARGIN
        error, elapsed = probe_error(HttpClient(read_timeout=DEADLINE), url)
        assert error.kind == "timeout"
        assert elapsed < DEADLINE + MARGIN


def test_a_close_delimited_body_cut_by_the_deadline_is_never_read_as_a_short_document() -> None:
    """Without a length, a cut body ends like a complete one; only the deadline says otherwise."""
    with slowserver.serve(slowserver.stall_in_body(0.4)) as port:
        client = HttpClient(read_timeout=5, total_timeout=DEADLINE)
        error, _ = fetch_error(client, f"http://127.0.0.1:{port}/s")
    assert error.kind == "timeout"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def trusting(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make requests trust the test CA, the way a user's own CA bundle setting would."""
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.mark.usefixtures("trusting")
def test_tls_headers_that_drip_end_at_the_deadline(ca: trustme.CA) -> None:
    with slowserver.serve(slowserver.drip_headers(0.25), tls=server_context(ca)) as port:
        error, elapsed = fetch_error(
            HttpClient(read_timeout=5, total_timeout=DEADLINE), f"https://127.0.0.1:{port}/s"
        )
    assert error.kind == "timeout"
    assert elapsed < DEADLINE + MARGIN


@pytest.mark.usefixtures("trusting")
def test_a_tls_handshake_that_drips_ends_at_the_deadline(ca: trustme.CA) -> None:
    answer = slowserver.drip(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 0.0)
    with (
        slowserver.serve(answer, tls=server_context(ca)) as tls_port,
        slowserver.slow_proxy(tls_port, step=0.1) as port,
    ):
        client = HttpClient(connect_timeout=3, read_timeout=3, total_timeout=DEADLINE)
        error, elapsed = fetch_error(client, f"https://127.0.0.1:{port}/s")
        assert error.kind == "timeout"
        assert elapsed < DEADLINE + MARGIN
        # The same relay at full speed is fine: the deadline, not the relay, ended it.
        assert HttpClient().fetch(f"https://127.0.0.1:{tls_port}/s", "json").body == b"{}"


def test_every_exchange_gives_back_its_watch_and_its_duplicate_sockets(slow_headers: str) -> None:
    from outagetray.core import deadline

    client = HttpClient(read_timeout=5, total_timeout=0.5)
    fds_before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    for _ in range(3):
        fetch_error(client, slow_headers)
    assert deadline.pending() == 0
    if fds_before is not None:
        assert len(os.listdir("/proc/self/fd")) <= fds_before + 2  # the session's pool may keep one


def test_a_kept_alive_connection_is_watched_again_when_reused() -> None:
    """The first answer is quick and keeps the connection open; the second drips on it."""
    answers = iter([b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"])

    def behaviour(conn: object, stop: object) -> None:
        import socket
        import threading

        assert isinstance(conn, socket.socket) and isinstance(stop, threading.Event)
        first = next(answers, None)
        if first is not None:
            conn.sendall(first)
            slowserver.read_request(conn)
        slowserver.drip_headers(0.25)(conn, stop)

    with slowserver.serve(behaviour) as port:
        client = HttpClient(read_timeout=5, total_timeout=DEADLINE)
        assert client.fetch(f"http://127.0.0.1:{port}/a", "json").body == b"{}"
        error, elapsed = fetch_error(client, f"http://127.0.0.1:{port}/b")
    assert error.kind == "timeout"
    assert elapsed < DEADLINE + MARGIN


def test_importing_the_client_starts_no_thread_and_loads_no_network_library() -> None:
    code = (
        "import sys, threading, outagetray.core.http, outagetray.core.poller\n"
        "print(sorted(m for m in ('requests', 'urllib3', 'ssl', 'http.client') if m in sys.modules),"
        " threading.active_count())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "1"]


def test_the_watchdog_sleeps_without_waking_when_no_exchange_is_running(slow_headers: str) -> None:
    """An idle app must wake only to poll: no periodic ticks once every exchange has ended."""
    fetch_error(HttpClient(read_timeout=5, total_timeout=0.3), slow_headers)
    (watchdog,) = [t for t in threading.enumerate() if t.name == "outagetray-deadline"]
    status = Path(f"/proc/self/task/{watchdog.native_id}/status")
    if not status.exists():
        pytest.skip("needs Linux /proc to count the thread's wake-ups")

    def switches() -> int:
        fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        return int(fields["voluntary_ctxt_switches"]) + int(fields["nonvoluntary_ctxt_switches"])

    time.sleep(0.1)  # let it settle after the exchange ended
    before = switches()
    time.sleep(1.0)
    assert switches() == before


@pytest.mark.usefixtures("trusting")
def test_the_deadline_holds_where_sockets_are_no_file_descriptors(
    ca: trustme.CA, slow_headers: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows' way (socket handles, no inodes) is run here by hiding the inode."""
    from outagetray.core import deadline

    monkeypatch.setattr(deadline, "_inode", lambda fd: None)
    error, elapsed = fetch_error(HttpClient(read_timeout=5, total_timeout=0.8), slow_headers)
    assert (error.kind, elapsed < 0.8 + MARGIN) == ("timeout", True)
    with slowserver.serve(slowserver.drip_headers(0.25), tls=server_context(ca)) as port:
        error, elapsed = fetch_error(
            HttpClient(read_timeout=5, total_timeout=0.8), f"https://127.0.0.1:{port}/s"
        )
    assert (error.kind, elapsed < 0.8 + MARGIN) == ("timeout", True)


def test_the_settings_test_button_gives_up_on_a_dripping_source_in_plain_words(slow_headers: str) -> None:
    from outagetray.core.model import SourceSpec
    from outagetray.core.probes import DnsConfig
    from outagetray.core.trial import try_source

    started = time.monotonic()
    result = try_source(
        SourceSpec(type="statuspage", url=slow_headers),
        HttpClient(read_timeout=5, total_timeout=DEADLINE),
        DnsConfig(),
    )
    assert time.monotonic() - started < DEADLINE + MARGIN
    assert not result.ok
    assert result.message.startswith("Could not read it: 127.0.0.1 is answering too slowly")
    assert "Try again later" in result.message
