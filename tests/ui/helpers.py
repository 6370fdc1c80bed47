"""Building RoundReports for widget tests, the way the monitor hands them over."""

from __future__ import annotations

from datetime import UTC, datetime

from outagetray.core.catalog import builtin_platforms
from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.judge import PlatformStatus
from outagetray.core.model import Reading, SourceSpec, Verdict
from outagetray.core.monitor import RoundReport
from outagetray.core.poller import SourceResult

ONLINE = ConnectivityReport(Connectivity.ONLINE, "2 of 2 connection checks passed")
OFFLINE = ConnectivityReport(Connectivity.OFFLINE, "could not connect to connectivitycheck.gstatic.com")
AT = datetime(2026, 11, 25, 16, 2, tzinfo=UTC)


def status(pid: str, verdict: Verdict, evidence: str = "", **extra: object) -> PlatformStatus:
    return PlatformStatus(
        builtin_platforms()[pid],
        verdict,
        AT if verdict.is_problem else None,
        evidence or verdict.label,
        **extra,
    )  # type: ignore[arg-type]


def report(*statuses: PlatformStatus, link: ConnectivityReport = ONLINE) -> RoundReport:
    return RoundReport(AT, link, tuple(statuses), ())


def official(url: str, verdict: Verdict, summary: str) -> SourceResult:
    return SourceResult(SourceSpec("statuspage", url), Reading(verdict, summary))
