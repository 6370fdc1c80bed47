"""Fixes from the review of issue 13's detection core.

One mistyped source address used to fail every monitoring round; a job failing after its
round vanished; a late host could be reported as never asked; "within 0 s"; Python class
names and secret tokens reached people and logs; two different "same site" rules shared a
name. Every test here failed on the code before the fixes. No test leaves the machine:
the bad addresses fail before any lookup, and every server listens on loopback.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import types
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3.exceptions
from pytest_httpserver import HTTPServer

from outagetray.core import catalog, http, monitor, probes
from outagetray.core import settings as s
from outagetray.core.connectivity import Connectivity
from outagetray.core.http import FetchError, HttpClient
from outagetray.core.judge import Change
from outagetray.core.model import Platform, SourceSpec, Verdict
from outagetray.core.monitor import Monitor, MonitorConfig
from outagetray.core.poller import poll_url
from outagetray.core.probes import DnsConfig, ProbeResult, answers, transport
from outagetray.core.settings import ControlCheck
from outagetray.core.sources import make_spec
from tests.support.controls import ControlServer
from tests.support.rawserver import raw_server
from tests.support.stuckhost import silent, stuck_host

MAJOR = {
    "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
    "status": {"indicator": "critical", "description": "Major System Outage"},
    "components": [{"id": "api", "name": "API", "status": "major_outage", "group": False}],
    "incidents": [],
    "scheduled_maintenances": [],
}

BAD_HOSTS = [
    "https://status..example.com/api/v2/summary.json",
    "https://exa mple.com/summary.json",
    "https://.example.com/summary.json",
    "https:///summary.json",
    "https://" + "a" * 64 + ".example.com/summary.json",
    "https://status\u3002\u3002example.com/summary.json",
    "https://status.example.com\t/summary.json",
    "https://status.example.com:99999/summary.json",
]
GOOD_HOSTS = [
    "https://status.example.com/api/v2/summary.json",
    "https://status.example.com./api/v2/summary.json",
    "https://m\u00fcnchen.example/summary.json",
    "http://127.0.0.1:8080/summary.json",
    "https://[::1]:8443/summary.json",
    "http://localhost/summary.json",
]


@pytest.fixture(autouse=True)
def _no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


@pytest.fixture
def controls() -> Iterator[ControlServer]:
    with ControlServer() as server:
        yield server


def source_platform(pid: str, url: str) -> Platform:
    return Platform(pid, pid.title(), f"{pid} Inc", sources=(SourceSpec("statuspage", url),))


def serve_major(httpserver: HTTPServer) -> str:
    httpserver.expect_request("/discord.json").respond_with_data(
        json.dumps(MAJOR), content_type="application/json"
    )
    return httpserver.url_for("/discord.json")


# -- 1a: the HTTP client turns every address error into FetchError("invalid_url") ------------------


@pytest.mark.parametrize("url", BAD_HOSTS[:3])
def test_a_host_with_an_empty_label_or_a_space_is_an_invalid_url_not_an_exception(url: str) -> None:
    client = HttpClient(total_timeout=1.0, read_timeout=1.0)
    for call in (client.fetch, client.probe):
        with pytest.raises(FetchError) as caught:
            call(url)
        assert caught.value.kind == "invalid_url"
        assert "is not a web address OutageTray can check" in caught.value.message
        assert "Error" not in caught.value.message and "URL" not in caught.value.message


class _Raising:
    """A requests session stand-in whose every GET raises ``error``: what requests lets escape."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        urllib3.exceptions.LocationParseError("status..example.com"),
        urllib3.exceptions.LocationValueError("no host"),
        UnicodeError("label empty or too long"),
        ValueError("odd address"),
        requests.exceptions.InvalidURL("Failed to parse"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_address_errors_from_requests_are_told_apart_by_type(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    client = HttpClient(total_timeout=1.0)
    monkeypatch.setattr(client, "session", lambda: _Raising(error))
    for call in (client.fetch, client.probe):
        with pytest.raises(FetchError) as caught:
            call("https://status.example.test/summary.json")
        assert (caught.value.kind, caught.value.message) == (
            "invalid_url",
            "“status.example.test” is not a web address OutageTray can check",
        )


def test_an_unforeseen_urllib3_error_is_a_fetch_error_in_plain_words(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = HttpClient(total_timeout=1.0)
    monkeypatch.setattr(client, "session", lambda: _Raising(urllib3.exceptions.ProtocolError("odd")))
    with caplog.at_level(logging.WARNING), pytest.raises(FetchError) as caught:
        client.fetch("https://status.example.test/summary.json")
    assert "ProtocolError" not in caught.value.message


def test_poll_url_reads_a_bad_address_as_unknown() -> None:
    url = BAD_HOSTS[0]
    (result,) = poll_url(HttpClient(total_timeout=1.0), url, [SourceSpec("statuspage", url)])
    assert result.reading.verdict is Verdict.UNKNOWN
    assert result.error is not None and result.error.kind == "invalid_url"
    assert result.reading.detail == "“status..example.com” is not a web address OutageTray can check"


# -- 1b: the settings refuse such an address where it is typed --------------------------------------


@pytest.mark.parametrize("url", BAD_HOSTS)
def test_make_spec_refuses_an_address_whose_host_cannot_be_checked(url: str) -> None:
    with pytest.raises(ValueError, match="cannot be checked") as caught:
        make_spec({"type": "statuspage", "url": url})
    assert "\t" not in str(caught.value)  # an invisible character is shown, not printed


@pytest.mark.parametrize("url", GOOD_HOSTS)
def test_make_spec_accepts_every_ordinary_address(url: str) -> None:
    assert make_spec({"type": "statuspage", "url": url}).url == url


def test_the_reason_for_a_refused_address_is_plain() -> None:
    with pytest.raises(ValueError) as caught:
        make_spec({"type": "statuspage", "url": BAD_HOSTS[0]})
    assert str(caught.value) == (
        "the url of a statuspage source cannot be checked: the site name “status..example.com” "
        "has an empty part (two dots in a row, or a dot at the start)"
    )
    with pytest.raises(ValueError, match="contains a space"):
        make_spec({"type": "statuspage", "url": BAD_HOSTS[1]})


@pytest.mark.parametrize("url", BAD_HOSTS)
def test_make_probe_refuses_the_same_addresses(url: str) -> None:
    with pytest.raises(ValueError, match="cannot be checked"):
        catalog.make_probe({"type": "http_probe", "url": url})


@pytest.mark.parametrize("url", GOOD_HOSTS)
def test_make_probe_accepts_every_ordinary_address(url: str) -> None:
    assert catalog.make_probe({"type": "http_probe", "url": url}).url == url


@pytest.mark.parametrize("host", ["a..example.com", ".example.com", "a" * 64 + ".example.com"])
def test_make_probe_refuses_a_dns_probe_host_with_an_empty_or_overlong_label(host: str) -> None:
    with pytest.raises(ValueError, match="cannot be looked up"):
        catalog.make_probe({"type": "dns_probe", "host": host})
    assert catalog.make_probe({"type": "dns_probe", "host": "example.com."}).url == "example.com"


def test_a_control_check_with_a_bad_host_is_a_settings_problem(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[connectivity]\ncontrols = [{ url = "http://connectivity..example.com/generate_204" }]\n'
    )
    result = s.load(path)
    assert len(result.problems) == 1
    assert "connectivity.controls: item 1: the url cannot be checked" in result.problems[0]
    assert "“connectivity..example.com” has an empty part" in result.problems[0]
    assert all(".." not in c.url for c in result.settings.controls)  # the defaults stay in use


def test_a_source_with_a_bad_host_in_the_settings_file_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[platforms]]\nid = "acme"\nname = "Acme"\n'
        'sources = [{ type = "statuspage", url = "https://status..acme.example/api/v2/summary.json" }]\n'
    )
    result = s.load(path)
    assert any("empty part" in problem for problem in result.problems), result.problems


# -- 1c: one bad source never fails the round -------------------------------------------------------


def test_a_round_with_a_mistyped_source_still_reports_the_good_verdict(
    httpserver: HTTPServer, controls: ControlServer
) -> None:
    """The reviewer's repro (/tmp/review1/dots.py), with a good source beside the bad one."""
    platforms = [
        source_platform("discord", serve_major(httpserver)),
        source_platform("acme", BAD_HOSTS[0]),  # built directly: an old settings file, say
    ]
    config = MonitorConfig(controls=controls.controls, round_deadline=3.0)
    watcher = Monitor(platforms, config, lambda c: None)
    try:
        changes = watcher.run_round()
    finally:
        watcher.stop()
    assert watcher.last_round is not None
    statuses = {status.platform.id: status for status in watcher.last_round.statuses}
    assert statuses["discord"].verdict is Verdict.MAJOR_OUTAGE
    assert [c.platform.id for c in changes if isinstance(c, Change)] == ["discord"]
    (acme,) = statuses["acme"].official
    assert acme.reading.verdict is Verdict.UNKNOWN
    assert "is not a web address OutageTray can check" in acme.reading.detail


class _BuggyClient(HttpClient):
    """An HTTP client with a bug for one host: every fetch or probe there raises."""

    def fetch(self, url: str, *args: Any, **kwargs: Any) -> Any:
        if "buggy" in url:
            raise RuntimeError("a bug in fetch")
        return super().fetch(url, *args, **kwargs)

    def probe(self, url: str, *args: Any, **kwargs: Any) -> Any:
        if "buggy" in url:
            raise RuntimeError("a bug in probe")
        return super().probe(url, *args, **kwargs)


def test_a_job_that_raises_makes_only_its_own_item_unknown(
    httpserver: HTTPServer, controls: ControlServer, caplog: pytest.LogCaptureFixture
) -> None:
    def probe(spec: SourceSpec, dns: DnsConfig, deadline: float | None = None) -> ProbeResult:
        if "buggy" in spec.url:
            raise RuntimeError("a bug in a probe")
        return ProbeResult(spec, "healthy", "ok", "answered", 0.01, status=200)

    platforms = [
        source_platform("discord", serve_major(httpserver)),
        Platform(
            "acme",
            "Acme",
            "Acme Inc",
            sources=(SourceSpec("statuspage", "http://buggy.example/summary.json"),),
            probes=(
                SourceSpec("http_probe", "http://buggy.example/"),  # same host, after the source
                SourceSpec("http_probe", "http://fine.example/"),
            ),
        ),
    ]
    config = MonitorConfig(
        controls=(*controls.controls, ControlCheck("http://buggy.example/generate_204", 204)),
        round_deadline=3.0,
    )
    watcher = Monitor(platforms, config, lambda c: None, client=_BuggyClient(), probe=probe)
    try:
        with caplog.at_level(logging.ERROR, logger="outagetray.core.monitor"):
            changes = watcher.run_round()
    finally:
        watcher.stop()
    assert watcher.last_round is not None and watcher.rounds == 1
    assert changes is not None
    rnd = watcher.last_round
    assert rnd.connectivity.state is Connectivity.ONLINE  # the good controls still count
    buggy_control = [c for c in rnd.connectivity.controls if "buggy" in c.url]
    assert [(c.outcome, c.detail) for c in buggy_control] == [(Connectivity.OFFLINE, monitor.INTERNAL_ERROR)]
    statuses = {status.platform.id: status for status in rnd.statuses}
    assert statuses["discord"].verdict is Verdict.MAJOR_OUTAGE
    assert statuses["acme"].verdict is not Verdict.MAJOR_OUTAGE
    failed = [r for r in caplog.records if r.exc_info is not None]
    assert len(failed) == 3  # the control, the source and the probe, each with its traceback
    assert all("failed inside OutageTray" in r.getMessage() for r in failed)
    assert {str(r.exc_info[1]) for r in failed if r.exc_info} == {
        "a bug in fetch",
        "a bug in probe",
        "a bug in a probe",
    }


def test_the_failed_items_read_unknown_ambiguous_and_offline(controls: ControlServer) -> None:
    def probe(spec: SourceSpec, dns: DnsConfig, deadline: float | None = None) -> ProbeResult:
        raise RuntimeError("a bug in a probe")

    platform = Platform(
        "acme",
        "Acme",
        "Acme Inc",
        sources=(SourceSpec("statuspage", "http://buggy.example/summary.json"),),
        probes=(SourceSpec("http_probe", "http://other.example/"),),
    )
    watcher = Monitor(
        [platform],
        MonitorConfig(controls=controls.controls, round_deadline=3.0),
        lambda c: None,
        client=_BuggyClient(),
        probe=probe,
    )
    try:
        rnd = watcher.collect()
    finally:
        watcher.stop()
    assert rnd is not None
    (source,) = rnd.official["acme"]
    assert (source.reading.verdict, source.reading.detail) == (Verdict.UNKNOWN, monitor.INTERNAL_ERROR)
    (result,) = rnd.probes["acme"]
    assert (result.outcome, result.kind, result.detail) == (
        "ambiguous",
        "internal_error",
        monitor.INTERNAL_ERROR,
    )


class _Crash(BaseException):
    """Not an Exception: gets past every ``except Exception`` inside a job, as SystemExit would."""


def test_a_job_crashing_past_except_exception_does_not_fail_the_round(
    controls: ControlServer, caplog: pytest.LogCaptureFixture
) -> None:
    def probe(spec: SourceSpec, dns: DnsConfig, deadline: float | None = None) -> ProbeResult:
        if "crash" in spec.url:
            raise _Crash("a crash in a probe")
        return ProbeResult(spec, "healthy", "ok", "answered", 0.01, status=200)

    platform = Platform(
        "acme",
        "Acme",
        "Acme Inc",
        probes=(
            SourceSpec("http_probe", "http://crash.example/"),
            SourceSpec("http_probe", "http://ok.example/"),
        ),
    )
    watcher = Monitor(
        [platform], MonitorConfig(controls=controls.controls, round_deadline=3.0), lambda c: None, probe=probe
    )
    try:
        with caplog.at_level(logging.ERROR, logger="outagetray.core.monitor"):
            rnd = watcher.collect()
    finally:
        watcher.stop()
    assert rnd is not None
    crashed, fine = rnd.probes["acme"]
    assert (crashed.outcome, crashed.kind) == ("ambiguous", "internal_error")
    assert fine.outcome == "healthy"
    assert any(r.exc_info is not None and isinstance(r.exc_info[1], _Crash) for r in caplog.records)


# -- 2: a job failing after its round is logged -----------------------------------------------------


@pytest.mark.parametrize(
    "error", [RuntimeError("late bug"), _Crash("late crash")], ids=["Exception", "BaseException"]
)
def test_a_job_failing_after_the_round_deadline_is_logged_with_its_traceback(
    controls: ControlServer, caplog: pytest.LogCaptureFixture, error: BaseException
) -> None:
    release = threading.Event()

    def probe(spec: SourceSpec, dns: DnsConfig, deadline: float | None = None) -> ProbeResult:
        release.wait(5)
        raise error

    watcher = Monitor(
        [Platform("acme", "Acme", "Acme Inc", probes=(SourceSpec("http_probe", "http://late.example/"),))],
        MonitorConfig(controls=controls.controls, round_deadline=0.3),
        lambda c: None,
        probe=probe,
    )
    try:
        with caplog.at_level(logging.ERROR, logger="outagetray.core.monitor"):
            rnd = watcher.collect()
            assert rnd is not None and rnd.probes["acme"][0].kind == "too_slow"
            assert not [r for r in caplog.records if r.exc_info]
            release.set()
            until = time.monotonic() + 3.0
            while not [r for r in caplog.records if r.exc_info] and time.monotonic() < until:
                time.sleep(0.02)
    finally:
        release.set()
        watcher.stop()
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1, [r.getMessage() for r in caplog.records]
    assert logged[0].exc_info is not None and logged[0].exc_info[1] is error
    assert logged[0].levelno >= logging.ERROR


# -- 3: a job finishing while the round ends is not mislabelled -------------------------------------


def test_a_job_finishing_as_the_round_ends_is_not_reported_as_never_asked(
    controls: ControlServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job finishes exactly when the monitor first asks its future whether it is done.

    A race made deterministic: the monitor's futures are replaced by ones that, on the
    first ``done()`` after the round, let the job finish and wait for it. Read in the old
    order (copy of the answers first, state second), the host read "not checked: other
    sites were too slow", though it had answered.
    """
    gate = threading.Event()

    class RacingFuture(Future):  # type: ignore[type-arg]
        def done(self) -> bool:
            if not gate.is_set():
                gate.set()
                until = time.monotonic() + 3.0
                while not super().done() and time.monotonic() < until:
                    time.sleep(0.005)
            return super().done()

    monkeypatch.setattr(monitor, "Future", RacingFuture)

    def probe(spec: SourceSpec, dns: DnsConfig, deadline: float | None = None) -> ProbeResult:
        gate.wait(5)
        return ProbeResult(spec, "healthy", "ok", "race.example answered", 0.01, status=200)

    watcher = Monitor(
        [Platform("acme", "Acme", "Acme Inc", probes=(SourceSpec("http_probe", "http://race.example/"),))],
        MonitorConfig(round_deadline=0.3),
        lambda c: None,
        probe=probe,
    )
    try:
        rnd = watcher.collect()
    finally:
        gate.set()
        watcher.stop()
    assert rnd is not None
    (result,) = rnd.probes["acme"]
    assert (result.outcome, result.detail) == ("healthy", "race.example answered")


# -- 4: no "within 0 s" -----------------------------------------------------------------------------


def test_a_short_round_deadline_is_shown_with_a_decimal() -> None:
    with stuck_host(silent) as base:
        client = HttpClient(total_timeout=5.0)
        with pytest.raises(FetchError) as caught:
            client.fetch(f"{base}/summary.json", deadline=client.monotonic() + 0.4)
    assert caught.value.kind == "timeout"
    assert "within 0 s" not in caught.value.message
    assert caught.value.message.endswith("(no complete answer within 0.4 s)")


def test_durations_under_ten_seconds_keep_one_decimal() -> None:
    assert [http._duration(x) for x in (0.4, 2.0, 2.46, 9.9, 12.4, 120.0)] == [
        "0.4 s",
        "2 s",
        "2.5 s",
        "9.9 s",
        "12 s",
        "2 min",
    ]
    assert http._too_slow("https://a.example/", 0.01).message == "a.example is answering too slowly"


# -- 5: no Python class names in what people read ---------------------------------------------------


def test_an_unforeseen_request_error_is_told_in_plain_words_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    client = HttpClient(total_timeout=1.0)
    monkeypatch.setattr(client, "session", lambda: _Raising(requests.exceptions.RequestException("odd")))
    with caplog.at_level(logging.WARNING, logger="outagetray.core.http"), pytest.raises(FetchError) as caught:
        client.fetch("https://status.example.test/summary.json")
    assert caught.value.message == (
        "the check of status.example.test failed in an unexpected way; the details are in OutageTray's log"
    )
    assert any(r.exc_info is not None for r in caplog.records)


def test_an_answer_that_is_not_http_is_named_without_a_class_name() -> None:
    def garbage(conn: socket.socket) -> None:
        conn.sendall(b"HELLO THERE\r\n\r\n")

    with raw_server(garbage) as base:
        result = probes.http_probe(SourceSpec("http_probe", f"{base}/"), timeout=2.0)
    assert (result.outcome, result.kind) == ("unhealthy", "bad_response")
    assert result.detail == "127.0.0.1 answered something that is not HTTP"


class _NoReasonSocket:
    """A socket whose connect fails with an OSError that carries no words of its own."""

    def __init__(self, *args: Any) -> None:
        pass

    def settimeout(self, value: float) -> None:
        pass

    def connect(self, address: Any) -> None:
        raise OSError("odd")

    def close(self) -> None:
        pass


def test_a_connect_failure_without_words_is_plain_and_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = types.SimpleNamespace(**{name: getattr(socket, name) for name in dir(socket) if name.isupper()})
    fake.socket = _NoReasonSocket
    monkeypatch.setattr(transport, "socket", fake)
    with caplog.at_level(logging.WARNING, logger="outagetray.core.probes"):
        result = probes.http_probe(SourceSpec("http_probe", "http://127.0.0.1:9/"), timeout=1.0)
    assert result.kind == "connect"
    assert "OSError" not in result.detail
    assert "failed in an unexpected way; the details are in OutageTray's log" in result.detail
    assert any(r.exc_info is not None for r in caplog.records)


class _BrokenContext:
    def wrap_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("check_hostname requires server_hostname")


def test_a_tls_setup_failure_is_plain_and_logged(
    httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"https://127.0.0.1:{httpserver.port}/"
    with caplog.at_level(logging.WARNING, logger="outagetray.core.probes"):
        result = probes.http_probe(
            SourceSpec("http_probe", url),
            timeout=2.0,
            ssl_context=_BrokenContext(),  # type: ignore[arg-type]
        )
    assert (result.outcome, result.kind) == ("ambiguous", "tls_setup")
    assert "check_hostname" not in result.detail
    assert "the details are in OutageTray's log" in result.detail
    assert any(r.exc_info is not None for r in caplog.records)


# -- 7: a probe's internal error never logs a token -------------------------------------------------


def test_a_probe_failing_inside_outagetray_logs_its_address_masked(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> ProbeResult:
        raise RuntimeError("a bug")

    monkeypatch.setattr(transport, "_http_stages", broken)
    with caplog.at_level(logging.ERROR, logger="outagetray.core.probes"):
        for url in ("https://a.example/?token=SECRET1", "https://user:SECRET2@a.example/"):
            result = probes.run_probe(SourceSpec("http_probe", url))
            assert result.kind == "internal_error"
    assert len(caplog.records) == 2
    assert "SECRET" not in caplog.text
    assert "a.example" in caplog.text


# -- 8: two "same site" rules, two names ------------------------------------------------------------


def test_the_two_same_site_rules_have_names_that_say_which_is_which() -> None:
    assert not hasattr(http, "_same_site") and not hasattr(answers, "_same_site")
    # The status source rule pins to the host; the probe rule accepts the registrable domain.
    assert not http._within_source_site("status.example.com", "login.example.com")
    assert answers._same_registrable_domain("status.example.com", "login.example.com")
    assert http._within_source_site("www.redditstatus.com", "redditstatus.com")
