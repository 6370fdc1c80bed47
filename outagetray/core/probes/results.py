"""What every probe returns, and the plain words its stages share.

The bottom of the probes package: the DNS stage, the transport and the reading
of answers all build their verdicts from here, so a kind, a detail and an
elapsed time mean the same wherever a probe ended. Nothing here touches the
network.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from outagetray.core.model import SourceSpec
from outagetray.core.redact import mask_url

ProbeOutcome = Literal["healthy", "unhealthy", "ambiguous"]

#: A monotonic clock in seconds: ``time.monotonic`` unless a test or the monitor passes its own.
MonotonicClock = Callable[[], float]

#: One logger for the whole package (not one per module), so that log filters and the
#: records people search for kept the name they had before probes was split by job.
_log = logging.getLogger("outagetray.core.probes")


@dataclass(frozen=True)
class ProbeResult:
    """One probe observation.

    ``kind`` is a short machine word (``"ok"``, ``"servfail"``, ``"http_5xx"``,
    ``"bot_challenge"`` …) for the judge and for tests; ``detail`` is plain words
    for a non-engineer, e.g. "www.facebook.com answered HTTP 502". ``status`` is
    the HTTP status when a server answered one.
    """

    spec: SourceSpec
    outcome: ProbeOutcome
    kind: str
    detail: str
    elapsed: float
    status: int | None = None
    #: Seconds the host asked us to wait (Retry-After on 429/503); the monitor honours it.
    retry_after: float | None = None


def _result(
    spec: SourceSpec,
    outcome: ProbeOutcome,
    kind: str,
    detail: str,
    started: float,
    status: int | None = None,
    retry_after: float | None = None,
    *,
    clock: MonotonicClock,
) -> ProbeResult:
    """The result, timed on ``clock``: the one ``started`` was read from, so elapsed is never mixed."""
    return ProbeResult(spec, outcome, kind, detail, clock() - started, status, retry_after)


def _internal_error(spec: SourceSpec, exc: Exception, started: float, clock: MonotonicClock) -> ProbeResult:
    """A bug or an unforeseen failure: logged with its traceback, then read as "ambiguous".

    The traceback goes to the log (for whoever fixes it), never into the detail,
    which people read: they get plain words and the certainty that it is not
    the platform's fault.
    """
    _log.error("the %s check of %s failed inside OutageTray", spec.type, mask_url(spec.url), exc_info=exc)
    return _result(
        spec,
        "ambiguous",
        "internal_error",
        "the check itself failed in an unexpected way (the details are in OutageTray's log); "
        "this says nothing about the platform",
        started,
        clock=clock,
    )


def _reason(exc: OSError, what: str) -> str:
    """The system's own words for ``exc`` ("Connection refused"), never a Python class name.

    An error without them is unexpected: its type and traceback go to the log, and the
    person reading the detail gets plain words that say where to look.
    """
    if isinstance(exc.strerror, str) and exc.strerror:
        return exc.strerror
    _log.warning("%s failed in an unexpected way", what, exc_info=exc)
    return "it failed in an unexpected way; the details are in OutageTray's log"


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 1 else f"{value:.1f} s"
