"""Issue 14, "One truth": the core keeps UTC, and its state survives a settings save."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.judge import Change, Judge, JudgeConfig, Round
from outagetray.core.model import Platform, SourceSpec, Verdict
from outagetray.core.probes import ProbeResult

ONLINE = ConnectivityReport(Connectivity.ONLINE, "2 of 2 connection checks passed")
OFFLINE = ConnectivityReport(Connectivity.OFFLINE, "your connection appears down")
T0 = datetime(2026, 11, 25, 16, 2, tzinfo=UTC)
PROBES = (SourceSpec("dns_probe", "facebook.com"), SourceSpec("http_probe", "https://www.facebook.com/"))
FACEBOOK = Platform("facebook", "Facebook", "Meta", probes=PROBES)


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's zone is Berlin (UTC+1 in November) for this test."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def failing(platform: Platform) -> dict[str, list[ProbeResult]]:
    return {
        platform.id: [ProbeResult(s, "unhealthy", "servfail", "DNS SERVFAIL", 0.01) for s in platform.probes]
    }


def healthy(platform: Platform) -> dict[str, list[ProbeResult]]:
    return {platform.id: [ProbeResult(s, "healthy", "ok", "ok", 0.01) for s in platform.probes]}


def feed(
    judge: Judge, n: int, probes: dict[str, list[ProbeResult]], link: ConnectivityReport = ONLINE
) -> list[Change]:
    out = judge.observe(Round(T0 + timedelta(minutes=n), 60.0 * n, link, {}, probes))
    return [c for c in out if isinstance(c, Change)]


def test_evidence_times_are_utc_whatever_the_computers_zone(berlin: None) -> None:
    judge = Judge([FACEBOOK], JudgeConfig())
    feed(judge, 0, healthy(FACEBOOK))
    for n in (1, 2, 3):
        changes = feed(judge, n, failing(FACEBOOK))
    assert [c.new for c in changes] == [Verdict.MAJOR_OUTAGE]
    # The first failure was at 16:03 UTC (17:03 in Berlin): the text says UTC and means it.
    assert "failed since 16:03 UTC" in changes[0].evidence
    assert "17:03" not in changes[0].evidence
    # The moment itself is data, in UTC, for the UI to show in local time.
    (status,) = judge.statuses()
    assert status.since == T0 + timedelta(minutes=1)
    assert status.since.utcoffset() == timedelta(0)
