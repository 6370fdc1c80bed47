"""Synthetic probes: OutageTray's own look at whether a platform answers.

Official status pages lag and under-report (STATUS-SOURCES.md §4), so OutageTray
also asks the platform itself, the way §5.1 describes: resolve its names (DNS),
then connect, shake hands over TLS and send one GET. Each stage fails for
different reasons, and only some failures say anything about the platform:

* ``healthy``: the platform's own servers answered (any ordinary answer, even
  a 404 or a login redirect, proves the app layer is up);
* ``unhealthy``: something the platform controls failed (NXDOMAIN, SERVFAIL,
  refused or reset connections, TLS handshake failures, timeouts, 5xx);
* ``ambiguous``: the answer says more about *this network* or *this prober*
  than about the platform (rate limits, bot challenges, LinkedIn's 999, a
  corporate 403, captive portals, DNS blocking, TLS interception). An
  ambiguous result must never count towards an outage (§5.3).

One probe result is one observation. Deciding "down" needs several rounds,
several hosts and healthy control checks; that is the judge's job, not this
module's. Every function here returns a ``ProbeResult`` and never raises, so a
bug or an odd network can at worst produce "ambiguous", never a crash or an
alarm.

Heavy imports (dnspython, ssl, http.client, urllib.request) happen on first use:
the tray must appear at once and most start-ups run no probe in the first second.

The package is split by job, each module below the ones that use it:

* :mod:`~outagetray.core.probes.results`: ProbeResult and the words every stage shares;
* :mod:`~outagetray.core.probes.dns`: DnsConfig and the DNS lookups (dns_probe);
* :mod:`~outagetray.core.probes.answers`: the pure reading of an HTTP answer
  (challenges, portals, block pages, redirects);
* :mod:`~outagetray.core.probes.transport`: socket, TLS and the HTTP exchange (http_probe).

This module keeps the public names where callers have always found them, and
dispatches a SourceSpec to its probe (run_probe).
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import TYPE_CHECKING

from outagetray.core.http import DEFAULT_READ_TIMEOUT
from outagetray.core.model import SourceSpec
from outagetray.core.probes.answers import BLOCK_PAGE_MAX_SIZE, classify_response
from outagetray.core.probes.dns import DNS_TRY_TIMEOUT, DnsConfig, dns_probe, parse_nameserver
from outagetray.core.probes.results import (
    MonotonicClock,
    ProbeOutcome,
    ProbeResult,
    _internal_error,
    _result,
)
from outagetray.core.probes.transport import MAX_CONNECT_ATTEMPTS, PROBE_MAX_BODY, http_probe

if TYPE_CHECKING:
    import ssl

__all__ = [
    "BLOCK_PAGE_MAX_SIZE",
    "DNS_TRY_TIMEOUT",
    "MAX_CONNECT_ATTEMPTS",
    "PROBE_MAX_BODY",
    "DnsConfig",
    "MonotonicClock",
    "ProbeOutcome",
    "ProbeResult",
    "classify_response",
    "dns_probe",
    "http_probe",
    "parse_nameserver",
    "run_probe",
]


def run_probe(
    spec: SourceSpec,
    dns: DnsConfig = DnsConfig(),  # noqa: B008 - frozen, so one shared default is safe
    *,
    timeout: float = DEFAULT_READ_TIMEOUT,
    max_body: int = PROBE_MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
    related_hosts: Collection[str] = (),
    deadline: float | None = None,
    clock: MonotonicClock = time.monotonic,
) -> ProbeResult:
    """Run the probe ``spec.type`` names; never raises. HTTP-only options are ignored for DNS.

    An unknown probe type is ambiguous: a configuration mistake is never an outage.
    ``deadline`` (an instant on ``clock``) ends the probe early when the round
    must end first; the probe's own timeout still applies. ``clock`` is handed
    to the probe, so its ``elapsed`` and its deadline are read on the caller's clock.
    """
    started = clock()
    try:
        if spec.type == "dns_probe":
            return dns_probe(spec, dns, deadline=deadline, clock=clock)
        if spec.type == "http_probe":
            return http_probe(
                spec,
                dns,
                timeout=timeout,
                max_body=max_body,
                ssl_context=ssl_context,
                related_hosts=related_hosts,
                deadline=deadline,
                clock=clock,
            )
        return _result(
            spec,
            "ambiguous",
            "unsupported",
            f"“{spec.type}” is not a probe OutageTray knows",
            started,
            clock=clock,
        )
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started, clock)
