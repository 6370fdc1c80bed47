"""One look at every watched platform: what ``outagetray check`` prints.

This is a single round with no memory, so it can only combine what the sources
say right now. The live monitor adds confirmation over time on top of the same
pieces.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from outagetray.core import connectivity
from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.http import HttpClient
from outagetray.core.model import Platform, Verdict, worst
from outagetray.core.poller import SourceResult, poll_sources
from outagetray.core.settings import ControlCheck

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3


@dataclass(frozen=True)
class PlatformReport:
    platform: Platform
    verdict: Verdict
    summary: str
    affected: tuple[str, ...]
    sources: tuple[SourceResult, ...]


@dataclass(frozen=True)
class CheckReport:
    checked_at: datetime
    connectivity: ConnectivityReport
    platforms: tuple[PlatformReport, ...]

    @property
    def exit_code(self) -> int:
        """0 all fine (or maintenance), 1 anything degraded or worse, 3 nothing down but something unknown."""
        verdicts = [p.verdict for p in self.platforms]
        if any(v.is_problem for v in verdicts):
            return EXIT_PROBLEM
        if any(v is Verdict.UNKNOWN for v in verdicts):
            return EXIT_UNKNOWN
        return EXIT_OK

    def to_json(self) -> dict[str, Any]:
        return {
            "checked_at": self.checked_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "connectivity": {"state": self.connectivity.state.value, "detail": self.connectivity.detail},
            "platforms": [
                {
                    "id": p.platform.id,
                    "name": p.platform.name,
                    "owner": p.platform.owner,
                    "verdict": p.verdict.value,
                    "summary": p.summary,
                    "affected": list(p.affected),
                    "sources": [
                        {
                            "type": s.spec.type,
                            "url": s.spec.url,
                            "verdict": s.reading.verdict.value,
                            "detail": s.reading.detail or s.reading.summary,
                        }
                        for s in p.sources
                    ],
                }
                for p in self.platforms
            ],
        }


def assess(platform: Platform, results: Sequence[SourceResult], link: ConnectivityReport) -> PlatformReport:
    """Combine one platform's source readings into one verdict, with the user's connection in mind.

    A source we could not read says nothing about the platform: it neither hides
    a problem another source reports nor makes an all-clear. Only when no source
    could be read is the platform unknown. While the user is offline or behind a
    sign-in page, nothing is reported down: every platform is unknown.
    """
    results = tuple(results)
    if link.state is not Connectivity.ONLINE:
        if link.state is Connectivity.CAPTIVE_PORTAL:
            reason = "Not checked: your network shows a sign-in page"
        else:
            reason = "Not checked: your connection appears down"
        return PlatformReport(platform, Verdict.UNKNOWN, reason, (), results)
    if not results:
        summary = platform.note or "This platform publishes no status of its own."
        return PlatformReport(platform, Verdict.UNKNOWN, summary, (), results)
    readable = [r for r in results if r.reading.verdict is not Verdict.UNKNOWN]
    if not readable:
        return PlatformReport(
            platform,
            Verdict.UNKNOWN,
            f"Status could not be read: {results[0].reading.detail or results[0].reading.summary}",
            (),
            results,
        )
    verdict = worst(r.reading.verdict for r in readable)
    leading = next(r for r in readable if r.reading.verdict is verdict)
    affected: list[str] = []
    for result in readable:
        for name in result.reading.affected:
            if name not in affected:
                affected.append(name)
    summary = leading.reading.summary
    unreadable = len(results) - len(readable)
    if unreadable:
        summary += f" ({unreadable} of {len(results)} sources could not be read)"
    return PlatformReport(platform, verdict, summary, tuple(affected), results)


def run_check(
    client: HttpClient,
    platforms: Sequence[Platform],
    controls: Sequence[ControlCheck],
    now: datetime | None = None,
) -> CheckReport:
    """Check the connection and every platform's sources at the same time."""
    checked_at = now or datetime.now(UTC)
    specs = [spec for platform in platforms for spec in platform.sources]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="controls") as pool:
        link_future = pool.submit(connectivity.check, client, controls)
        results = poll_sources(client, specs)
        link = link_future.result()
    reports = []
    index = 0
    for platform in platforms:
        count = len(platform.sources)
        reports.append(assess(platform, results[index : index + count], link))
        index += count
    return CheckReport(checked_at, link, tuple(reports))
