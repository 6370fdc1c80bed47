"""One deadline covers a probe's whole exchange (issue 13 item 7), against real loopback servers.

A server that sends its answer one byte at a time resets a per-read socket timeout with
every byte; these servers do exactly that, and each test checks that the probe ends by
its deadline and says what happened in plain words.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pytest
import trustme
from pytest_httpserver import HTTPServer

from outagetray.core import connectivity
from outagetray.core.http import Response
from outagetray.core.model import SourceSpec
from outagetray.core.probes import ProbeResult, dns_probe, http_probe, run_probe
from outagetray.core.settings import ControlCheck
from tests.support import rawserver
from tests.support.dnsserver import LoopbackDns


def dribble(data: bytes, pause: float, stop: threading.Event) -> rawserver.Behaviour:
    """A server behaviour that sends ``data`` one byte every ``pause`` seconds."""

    def behaviour(conn: socket.socket) -> None:
        for index in range(len(data)):
            if stop.is_set():
                return
            conn.sendall(data[index : index + 1])
            time.sleep(pause)

    return behaviour


@contextmanager
def dribbling_server(head: bytes, data: bytes, pause: float) -> Iterator[str]:
    """Sends ``head`` at once, then ``data`` a byte at a time; stops dribbling when the test ends."""
    stop = threading.Event()
    slow = dribble(data, pause, stop)

    def behaviour(conn: socket.socket) -> None:
        conn.sendall(head)
        slow(conn)

    with rawserver.raw_server(behaviour) as base:
        try:
            yield base
        finally:
            stop.set()


def assert_result(result: ProbeResult, outcome: str, kind: str, phrase: str) -> None:
    assert (result.outcome, result.kind) == (outcome, kind), result.detail
    assert phrase in result.detail, result.detail


def probe(url: str, **kw: object) -> ProbeResult:
    return http_probe(SourceSpec("http_probe", url), **kw)  # type: ignore[arg-type]


# -- status line and headers ----------------------------------------------------------------------


def test_a_status_line_sent_a_byte_at_a_time_ends_at_the_deadline() -> None:
    """Before the fix this took 7.6 s (38 bytes, 0.2 s apart) and then said "healthy"."""
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    with dribbling_server(b"", answer, 0.2) as base:
        started = time.monotonic()
        result = probe(base + "/", timeout=1.0)
    assert time.monotonic() - started < 1.6
    assert_result(result, "unhealthy", "timeout", "began to answer but did not finish within 1 s")
    assert result.status is None


def test_headers_sent_a_byte_at_a_time_end_at_the_deadline_and_the_status_still_counts() -> None:
    """The status line came at once: the server answered 503, and that is judged; the headers are cut."""
    headers = b"Content-Type: text/html\r\nX-Padding: " + b"a" * 120 + b"\r\n\r\n"
    with dribbling_server(b"HTTP/1.1 503 Service Unavailable\r\n", headers, 0.05) as base:
        started = time.monotonic()
        result = probe(base + "/", timeout=1.0)
    assert time.monotonic() - started < 1.6
    assert_result(result, "unhealthy", "http_5xx", "answered HTTP 503")
    assert "arrived too slowly" in result.detail
    assert result.status == 503


def test_a_200_with_endless_slow_headers_is_still_judged_by_its_status_on_time() -> None:
    headers = b"X-Padding: " + b"a" * 200 + b"\r\n\r\n"
    with dribbling_server(b"HTTP/1.1 200 OK\r\n", headers, 0.05) as base:
        result = probe(base + "/", timeout=0.8)
    assert_result(result, "healthy", "ok", "HTTP 200")
    assert result.elapsed < 1.3


def test_a_silent_server_is_still_a_plain_timeout() -> None:
    with rawserver.raw_server(rawserver.never_answers) as base:
        result = probe(base + "/", timeout=0.5)
    assert_result(result, "unhealthy", "timeout", "did not answer within 0.5 s")
    assert result.elapsed < 1.0


def test_a_body_sent_a_byte_at_a_time_ends_at_the_deadline_and_the_status_counts() -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 400\r\n\r\n"
    with dribbling_server(head, b"<html>" + b"x" * 394, 0.05) as base:
        result = probe(base + "/", timeout=0.8)
    assert_result(result, "healthy", "ok", "too slowly")
    assert result.elapsed < 1.3


# -- TLS handshake --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(ca: trustme.CA) -> Iterator[HTTPServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.start()
    server.expect_request("/").respond_with_data("ok")
    yield server
    server.stop()


@contextmanager
def dribbling_proxy(upstream_port: int, pause: float) -> Iterator[int]:
    """Forwards to ``upstream_port``; what the upstream sends reaches the client a byte at a time."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def pump(source: socket.socket, sink: socket.socket, slow: bool) -> None:
        with suppress(OSError):
            while not stop.is_set():
                data = source.recv(4096)
                if not data:
                    return
                if not slow:
                    sink.sendall(data)
                    continue
                for index in range(len(data)):
                    if stop.is_set():
                        return
                    sink.sendall(data[index : index + 1])
                    time.sleep(pause)

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            upstream = socket.create_connection(("127.0.0.1", upstream_port), timeout=5)
            threading.Thread(target=pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client, True), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def test_a_tls_handshake_sent_a_byte_at_a_time_ends_at_the_deadline(
    ca: trustme.CA, tls_server: HTTPServer
) -> None:
    client = ssl.create_default_context()
    ca.configure_trust(client)
    with dribbling_proxy(tls_server.port, 0.01) as port:
        started = time.monotonic()
        result = probe(f"https://127.0.0.1:{port}/", timeout=1.0, ssl_context=client)
    assert time.monotonic() - started < 1.6
    assert_result(result, "unhealthy", "timeout", "secure handshake")


def test_the_tls_server_answers_normally_without_the_dribbling_proxy(
    ca: trustme.CA, tls_server: HTTPServer
) -> None:
    """The handshake test above fails for its slowness alone, not for a broken server."""
    client = ssl.create_default_context()
    ca.configure_trust(client)
    result = probe(f"https://127.0.0.1:{tls_server.port}/", timeout=2.0, ssl_context=client)
    assert_result(result, "healthy", "ok", "HTTP 200")


# -- a caller's deadline --------------------------------------------------------------------------


def test_a_callers_deadline_ends_an_http_probe_before_its_own_timeout() -> None:
    with rawserver.raw_server(rawserver.never_answers) as base:
        started = time.monotonic()
        result = probe(base + "/", timeout=10.0, deadline=started + 0.5)
    assert time.monotonic() - started < 1.0
    assert_result(result, "unhealthy", "timeout", "did not answer within 0.5 s")


def test_the_probes_own_timeout_holds_when_the_callers_deadline_is_later() -> None:
    with rawserver.raw_server(rawserver.never_answers) as base:
        started = time.monotonic()
        result = probe(base + "/", timeout=0.4, deadline=started + 30)
    assert time.monotonic() - started < 1.0
    assert_result(result, "unhealthy", "timeout", "within 0.4 s")


def test_run_probe_passes_the_deadline_to_both_kinds_of_probe() -> None:
    with LoopbackDns() as dns, rawserver.raw_server(rawserver.never_answers) as base:
        dns.drop("slow.platform.test")
        started = time.monotonic()
        result = run_probe(
            SourceSpec("dns_probe", "slow.platform.test"), dns.config(timeout=5.0), deadline=started + 0.4
        )
        assert time.monotonic() - started < 1.0
        assert_result(result, "unhealthy", "dns_timeout", "no answer within 0.4 s")
        started = time.monotonic()
        result = run_probe(SourceSpec("http_probe", base + "/"), timeout=10.0, deadline=started + 0.4)
        assert time.monotonic() - started < 1.0
        assert_result(result, "unhealthy", "timeout", "did not answer")


def test_dns_probe_takes_a_deadline() -> None:
    with LoopbackDns() as dns:
        dns.drop("slow.platform.test")
        started = time.monotonic()
        result = dns_probe(
            SourceSpec("dns_probe", "slow.platform.test"), dns.config(timeout=5.0), deadline=started + 0.3
        )
    assert time.monotonic() - started < 1.0
    assert result.kind == "dns_timeout"


# -- the caller's clock (issue 14 item 3) ----------------------------------------------------------


class _JumpingClock:
    """Says ``first`` once, then ``then`` for ever, so a probe timed on it took exactly ``then - first``."""

    def __init__(self, first: float, then: float) -> None:
        self.first, self.then, self.calls = first, then, 0

    def __call__(self) -> float:
        self.calls += 1
        return self.first if self.calls == 1 else self.then


def _moves_when_asked(asked: Callable[[], int]) -> Callable[[], float]:
    """A clock at 100 s until a server has been asked once more than now, then at 142.5 s."""
    before = asked()
    return lambda: 100.0 if asked() == before else 142.5


def test_every_probe_times_itself_on_the_callers_clock(httpserver: HTTPServer) -> None:
    """A monitor with a test clock must see elapsed times on that clock, not on the computer's."""
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    with LoopbackDns() as dns:
        dns.answer("www.platform.test", "157.240.1.35")
        name = SourceSpec("dns_probe", "www.platform.test")
        page = SourceSpec("http_probe", url)

        def dns_asked() -> int:
            return len(dns.queries)

        def web_asked() -> int:
            return len(httpserver.log)

        results = [
            dns_probe(name, dns.config(), clock=_moves_when_asked(dns_asked)),
            http_probe(page, timeout=60.0, clock=_moves_when_asked(web_asked)),
            run_probe(name, dns.config(), clock=_moves_when_asked(dns_asked)),
            run_probe(page, timeout=60.0, clock=_moves_when_asked(web_asked)),
            run_probe(SourceSpec("ping", "www.platform.test"), clock=_JumpingClock(100, 142.5)),
        ]
    assert [(r.outcome, r.kind) for r in results] == [("healthy", "ok")] * 4 + [("ambiguous", "unsupported")]
    assert [r.elapsed for r in results] == [42.5] * 5


def test_an_http_probe_reads_its_deadline_on_the_callers_clock(httpserver: HTTPServer) -> None:
    """On a clock that has already passed the deadline, the probe stops before it connects."""
    httpserver.expect_request("/").respond_with_data("ok")
    url = httpserver.url_for("/")
    assert_result(http_probe(SourceSpec("http_probe", url), timeout=5.0), "healthy", "ok", "HTTP 200")
    late = http_probe(SourceSpec("http_probe", url), timeout=5.0, clock=_JumpingClock(0, 1000))
    assert_result(late, "unhealthy", "timeout", "could not be reached within 5 s")
    assert late.elapsed == 1000


# -- connection checks pass the deadline on -------------------------------------------------------


class _ClientWithDeadline:
    def __init__(self) -> None:
        self.deadlines: list[float | None] = []

    def monotonic(self) -> float:
        """The clock check_control times a control on (HttpClient has one)."""
        return time.monotonic()

    def probe(self, url: str, max_body: int = 64 * 1024, deadline: float | None = None) -> Response:
        self.deadlines.append(deadline)
        return Response(url=url, status=204, body=b"", headers={}, final_host="127.0.0.1", elapsed=0.0)


def test_check_control_hands_its_deadline_to_a_client_that_takes_one() -> None:
    client = _ClientWithDeadline()
    control = ControlCheck("http://127.0.0.1:9/generate_204", expect_status=204)
    deadline = time.monotonic() + 3
    result = connectivity.check_control(client, control, deadline=deadline)  # type: ignore[arg-type]
    assert result.outcome is connectivity.Connectivity.ONLINE
    assert client.deadlines == [deadline]
    report = connectivity.check(client, [control, control], deadline=deadline)  # type: ignore[arg-type]
    assert report.state is connectivity.Connectivity.ONLINE
    assert client.deadlines == [deadline] * 3
