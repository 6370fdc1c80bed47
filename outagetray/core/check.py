"""One look at every watched platform: what ``outagetray check`` prints.

A check is a single round with no memory. Official status pages speak at once, as
in the live monitor. OutageTray's own probes cannot confirm an outage in one round
(the monitor needs three failed rounds in a row), so a probe failure here makes a
platform ``unknown`` with the failure named, never "down". A hint (a source with
``role = "hint"``, about a neighbouring product such as Facebook Login) is named but
makes a platform at most "degraded", as in the monitor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.http import HttpClient
from outagetray.core.model import Platform, Verdict, worst_known
from outagetray.core.poller import SourceResult
from outagetray.core.probes import DnsConfig, ProbeResult
from outagetray.core.settings import ControlCheck

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_UNKNOWN = 3


@dataclass(frozen=True)
class PlatformReport:
    platform: Platform
    verdict: Verdict
    summary: str
    affected: tuple[str, ...]
    sources: tuple[SourceResult, ...]
    probes: tuple[ProbeResult, ...] = ()


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
            "connectivity": {
                "state": self.connectivity.state.value,
                "detail": self.connectivity.detail,
                # Each control's own reason (a timeout, a refused connection, a failed
                # look-up) is kept here for whoever digs; the sentence only says who failed.
                "controls": [
                    {"url": c.url, "outcome": c.outcome.value, "detail": c.detail}
                    for c in self.connectivity.controls
                ],
            },
            "platforms": [
                {
                    "id": p.platform.id,
                    "name": p.platform.name,
                    "owner": p.platform.owner,
                    "verdict": p.verdict.value,
                    "summary": p.summary,
                    "affected": list(p.affected),
                    "sources": [_source_json(s) for s in p.sources] + [_probe_json(r) for r in p.probes],
                }
                for p in self.platforms
            ],
        }


def _source_json(result: SourceResult) -> dict[str, str]:
    reading = result.reading
    return {
        "type": result.spec.type,
        "url": result.spec.url,
        # A hint speaks about a neighbouring product: shown, never believed as an outage alone.
        "role": result.spec.role,
        "verdict": reading.verdict.value,
        "detail": reading.detail or reading.summary,
    }


def _probe_json(result: ProbeResult) -> dict[str, str]:
    # One probe cannot confirm an outage, so its verdict is only ever operational or unknown;
    # "outcome" says what it saw.
    verdict = Verdict.OPERATIONAL if result.outcome == "healthy" else Verdict.UNKNOWN
    return {
        "type": result.spec.type,
        "url": result.spec.url,
        "verdict": verdict.value,
        "outcome": result.outcome,
        "detail": result.detail,
    }


def assess(
    platform: Platform,
    results: Sequence[SourceResult],
    link: ConnectivityReport,
    probes: Sequence[ProbeResult] = (),
) -> PlatformReport:
    """Combine one platform's readings from one round into one verdict.

    A source we could not read says nothing about the platform: it neither hides a
    problem another source reports nor makes an all-clear. Probes can show that a
    platform answers; their failures are named but not confirmed. A hint that reports a
    problem makes the platform "degraded" at most, in words that say where it comes
    from, because a business product's page is not the consumer app's voice. While the
    user is offline or behind a sign-in page, nothing is reported down: every platform
    is unknown.
    """
    from outagetray.core.judge import hint_words

    results, probes = tuple(results), tuple(probes)

    def report(verdict: Verdict, summary: str, affected: tuple[str, ...] = ()) -> PlatformReport:
        return PlatformReport(platform, verdict, summary, affected, results, probes)

    if link.state is not Connectivity.ONLINE:
        return report(Verdict.UNKNOWN, _seen_while_cut_off(platform, link, results, probes))
    official = [r for r in results if not r.spec.is_hint]
    hints = [r for r in results if r.spec.is_hint and r.reading.verdict is not Verdict.UNKNOWN]
    readable = [r for r in official if r.reading.verdict is not Verdict.UNKNOWN]
    hint_problems = [r for r in hints if r.reading.verdict.severity >= Verdict.DEGRADED.severity]
    hint_note = ""
    if hint_problems:
        worst_hint = max(hint_problems, key=lambda r: r.reading.verdict.severity)
        hint_note = hint_words(worst_hint)
    failing = [p for p in probes if p.outcome == "unhealthy"]
    passing = [p for p in probes if p.outcome == "healthy"]
    probe_note = ""
    if failing:
        probe_note = (
            f"{len(failing)} of OutageTray's {len(probes)} own checks failed just now: {failing[0].detail}. "
            "One look cannot confirm an outage; the tray app and outagetray watch "
            "confirm it over a few minutes of checks"
        )
    believed = worst_known(r.reading.verdict for r in readable)
    if readable and not (hint_note and believed.severity < Verdict.DEGRADED.severity):
        verdict = believed
        leading = next(r for r in readable if r.reading.verdict is verdict)
        affected = tuple(dict.fromkeys(a for r in readable for a in r.reading.affected))
        summary = leading.reading.summary
        if len(readable) < len(official):
            summary += f" ({len(official) - len(readable)} of {len(official)} sources could not be read)"
        if hint_note:
            summary += f"; {hint_note}"
        if probe_note:
            summary += f". {probe_note}"
        return report(verdict, summary, affected)
    if hint_note:
        # Heard, not believed: a neighbouring product's trouble is a heads-up about this platform.
        affected = tuple(dict.fromkeys(a for r in hint_problems for a in r.reading.affected))
        if failing:
            tail = f". {probe_note}"
        elif passing:
            tail = f"; {platform.name}'s own pages still load"
        else:
            tail = ""
        return report(Verdict.DEGRADED, hint_note + tail, affected)
    readable = readable or hints  # a hint's all-clear is a weak all-clear, used when nothing else speaks
    if readable and not probes:
        verdict = worst_known(r.reading.verdict for r in readable)
        leading = next(r for r in readable if r.reading.verdict is verdict)
        return report(verdict, leading.reading.summary)
    if failing:
        return report(Verdict.UNKNOWN, probe_note)
    if passing:
        return report(Verdict.OPERATIONAL, f"OutageTray's own checks pass ({len(passing)} of {len(probes)})")
    if probes:
        return report(Verdict.UNKNOWN, f"OutageTray's checks got no usable answer: {probes[0].detail}")
    if results:
        first = results[0].reading
        return report(Verdict.UNKNOWN, f"Status could not be read: {first.detail or first.summary}")
    return report(Verdict.UNKNOWN, platform.note or "This platform publishes no status of its own.")


def _seen_while_cut_off(
    platform: Platform,
    link: ConnectivityReport,
    results: Sequence[SourceResult],
    probes: Sequence[ProbeResult],
) -> str:
    """Why a platform is not judged while the user's own connection failed, and what was seen anyway.

    The sources were asked in the same round as the connection checks (as the monitor
    does, so a check takes one wait, not two), and the JSON lists what each said; the
    table says so too, so the two agree. Nothing is believed as an outage, because a
    broken platform cannot be told from a broken connection. When something answered
    although every connection check failed, the connection works and something blocks
    only the checks (a firewall, a filter), which is the useful thing to say.
    """
    answered = [r for r in results if r.reading.verdict is not Verdict.UNKNOWN]
    passing = [p for p in probes if p.outcome == "healthy"]
    seen = ""
    if answered:
        leading = max(answered, key=lambda r: r.reading.verdict.severity)
        where = (
            "its status page"
            if len(results) == 1
            else f"{len(answered)} of its {len(results)} status sources"
        )
        seen = f'{where} answered "{leading.reading.summary}"'
    elif passing:
        seen = f"{len(passing)} of OutageTray's {len(probes)} own checks of {platform.name} passed"
    if link.state is Connectivity.OFFLINE:
        if seen:
            return (
                f"Not checked: OutageTray's connection checks failed, though {seen} "
                "(a firewall may be blocking the checks)"
            )
        asked = []
        if results:
            asked.append("its status page" if len(results) == 1 else f"its {len(results)} status sources")
        if probes:
            asked.append("OutageTray's own checks")
        tail = f" ({' and '.join(asked)} did not answer either)" if asked else ""
        return f"Not checked: your internet connection seems to be down{tail}"
    why = (
        "your network shows a sign-in page"
        if link.state is Connectivity.CAPTIVE_PORTAL
        else "OutageTray could not check your connection"
    )
    return f"Not checked: {why}, though {seen}" if seen else f"Not checked: {why}"


def run_check(
    client: HttpClient,
    platforms: Sequence[Platform],
    controls: Sequence[ControlCheck],
    dns: DnsConfig | None = None,
    now: datetime | None = None,
) -> CheckReport:
    """Check the connection, every status source and every probe once, all at the same time."""
    from outagetray.core.monitor import Monitor, MonitorConfig

    monitor = Monitor(
        platforms,
        MonitorConfig(controls=tuple(controls), dns=dns or DnsConfig()),
        lambda changes: None,
        client=client,
    )
    try:
        rnd = monitor.collect()
    finally:
        monitor.stop()
    assert rnd is not None  # nothing stopped this monitor while it collected
    reports = tuple(
        assess(p, rnd.official.get(p.id, ()), rnd.connectivity, rnd.probes.get(p.id, ())) for p in platforms
    )
    return CheckReport(now or rnd.at, rnd.connectivity, reports)
