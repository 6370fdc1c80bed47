"""One trial look at a single source, for the Settings window's "Test" button.

Someone adding their own platform wants to know, before saving, whether the
address they typed is one OutageTray can read. Polling uses exactly the code the
monitor uses (:func:`~outagetray.core.poller.poll_url` for official status
documents, :func:`~outagetray.core.probes.run_probe` for OutageTray's own
checks), so a trial that reads well means the live monitor will read it too.
The answer is one sentence in plain words for a non-engineer, never a traceback.

This module does network I/O and blocks: callers on a UI thread must run it on a
worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass

from outagetray.core.catalog import PROBE_TYPES
from outagetray.core.http import FetchError, HttpClient
from outagetray.core.model import SourceSpec, Verdict
from outagetray.core.poller import poll_url
from outagetray.core.probes import DnsConfig, ProbeResult, run_probe
from outagetray.core.sources import FORMATS
from outagetray.core.sources._common import clean

#: Longest message kept: it is shown in one label under the source it describes.
MESSAGE_LIMIT = 400


@dataclass(frozen=True)
class TrialResult:
    """What one trial found.

    ``ok`` is True when an official source could be read (whatever it says,
    even "major outage": the point is that OutageTray understands it) or when a
    probe found the service answering. ``verdict`` is what an official source
    says; for a probe it is ``operational`` when healthy and None otherwise,
    because one failed probe is never an outage (the monitor needs several
    rounds). It is None too when nothing could be read. ``message`` is plain
    words, safe to show as plain text.
    """

    ok: bool
    verdict: Verdict | None
    message: str


def try_source(spec: SourceSpec, client: HttpClient, dns: DnsConfig) -> TrialResult:
    """Poll ``spec`` once and say in plain words what was read; never raises.

    A bug anywhere below must cost one "the test itself failed" message, not a
    crashed worker thread the Settings window would wait on forever.
    """
    try:
        if spec.type in PROBE_TYPES:
            return _from_probe(run_probe(spec, dns))
        if spec.type not in FORMATS:
            return _result(False, None, f"“{spec.type}” is not a kind of source OutageTray knows.")
        return _from_source(spec, client)
    except Exception as exc:  # noqa: BLE001 - a trial reports, it never raises
        return TrialResult(
            False,
            None,
            f"The test itself failed ({type(exc).__name__}); this says nothing about the service.",
        )


def _from_source(spec: SourceSpec, client: HttpClient) -> TrialResult:
    (result,) = poll_url(client, spec.url, [spec])
    reading = result.reading
    if result.error is not None:
        return _result(False, None, f"Could not read it: {result.error.message}{_fetch_hint(result.error)}")
    if reading.verdict is Verdict.UNKNOWN:
        why = reading.detail or reading.summary
        return _result(False, None, f"Could not read it: {why}")
    message = f"Read {FORMATS[spec.type].title}: {reading.summary}"
    if reading.detail:
        message += f" — {reading.detail}"
    return _result(True, reading.verdict, message)


def _from_probe(probe: ProbeResult) -> TrialResult:
    detail = probe.detail
    if probe.outcome == "healthy":
        if probe.status is None:
            return _result(True, Verdict.OPERATIONAL, f"The name works: {detail}")
        return _result(
            True,
            Verdict.OPERATIONAL,
            f"Answered HTTP {probe.status}{_status_hint(probe.status)}: the service is up — {detail}",
        )
    if probe.outcome == "unhealthy":
        return _result(
            False,
            None,
            f"No proper answer: {detail}. One failed check is not an outage; "
            "OutageTray checks several times before it tells you.",
        )
    return _result(False, None, f"Could not tell whether it works: {detail}")


def _fetch_hint(error: FetchError) -> str:
    """The usual cause of a failed fetch when someone has just typed the address."""
    if error.kind == "content_type":
        return (
            ". Use the address of the status data (for a Statuspage: …/api/v2/summary.json), "
            "not the page people read"
        )
    if error.status == 404:
        return ". Check the address: there is nothing there"
    if error.kind in ("dns", "invalid_url"):
        return ". Check the spelling of the address"
    if error.kind == "redirect_refused":
        return (
            ". OutageTray only follows a status page within its own site and never to an "
            "unprotected (http) address; if the page has moved, enter its new address instead"
        )
    if error.kind == "timeout":
        return ". Try again later; if it stays this slow, OutageTray will show it as unknown"
    return ""


def _status_hint(status: int) -> str:
    """What an HTTP status means to a person who has never seen one."""
    if 300 <= status <= 399:
        return " (a redirect, e.g. to a login page)"
    if 400 <= status <= 499:
        return " (the site refused this page, but it did answer)"
    return ""


def _result(ok: bool, verdict: Verdict | None, message: str) -> TrialResult:
    # Details may carry text from the network: one line, no control characters, bounded.
    return TrialResult(ok, verdict, clean(message, MESSAGE_LIMIT))
