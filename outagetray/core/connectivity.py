"""Is it me? Control checks that tell the user's own connection apart from an outage.

Each control is a well-known address run by a different company that answers in
a fixed way. When none of them answers as expected, the user is offline or behind
a captive portal (hotel Wi-Fi), and no platform may be reported down.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from outagetray.core import signin
from outagetray.core.http import FetchError, HttpClient
from outagetray.core.settings import ControlCheck


class Connectivity(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    CAPTIVE_PORTAL = "captive_portal"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ControlResult:
    """One control check: did it answer as expected, and if not, how."""

    url: str
    outcome: Connectivity
    detail: str
    #: Seconds the check took; the judge compares platforms' slowness with the user's own.
    elapsed: float = 0.0


@dataclass(frozen=True)
class ConnectivityReport:
    """The state of the user's own connection; ``detail`` is the evidence, ``headline`` the plain sentence."""

    state: Connectivity
    detail: str
    controls: tuple[ControlResult, ...] = ()

    @property
    def headline(self) -> str:
        return _HEADLINES[self.state]

    @property
    def sentence(self) -> str:
        """The headline and its evidence as one sentence, e.g. for ``outagetray check``.

        The detail is joined with a colon, not put in brackets: it may hold brackets of
        its own ("… (a sign-in page?)"), and "(…(…))" is what users saw before.
        """
        detail = self.detail.rstrip(".")
        return f"{self.headline}: {detail}." if detail else f"{self.headline}."


_HEADLINES = {
    Connectivity.ONLINE: "Your connection is fine",
    #: One wording for one state, in the tray, the window and ``check`` alike.
    Connectivity.OFFLINE: "Your internet connection seems to be down",
    Connectivity.CAPTIVE_PORTAL: "Your network shows a sign-in page instead of the internet",
    Connectivity.UNKNOWN: "Your connection could not be checked",
}

#: Who runs the usual control addresses, by the end of the host name: users know
#: "Google" and "Microsoft", not connectivitycheck.gstatic.com.
_COMPANIES = (
    ("gstatic.com", "Google"),
    ("google.com", "Google"),
    ("msftconnecttest.com", "Microsoft"),
    ("msftncsi.com", "Microsoft"),
    ("microsoft.com", "Microsoft"),
    ("apple.com", "Apple"),
    ("cloudflare.com", "Cloudflare"),
    ("firefox.com", "Mozilla"),
    ("mozilla.org", "Mozilla"),
)


def control_owner(url: str) -> str:
    """The company behind a control address, or its host name when it is not a well-known one."""
    host = (urlsplit(url).hostname or url).lower().rstrip(".")
    for suffix, company in _COMPANIES:
        if host == suffix or host.endswith("." + suffix):
            return company
    return host


def _none_answered(results: Sequence[ControlResult]) -> str:
    """Name every failed control by its owner: "neither Google's nor Microsoft's check answered".

    Only who did not answer, never why: the reasons (a name that could not be looked
    up, a refused connection, a timeout) are technical and each control may differ;
    they stay in ``controls``, for the details pane and ``--json``.
    """
    owners = list(dict.fromkeys(f"{control_owner(r.url)}'s" for r in results))
    if len(results) == 1:
        return f"{owners[0]} check did not answer"
    if len(owners) == 1:
        if len(results) == 2:
            return f"neither of {owners[0]} two checks answered"
        return f"none of {owners[0]} {len(results)} checks answered"
    if len(owners) == 2 and len(results) == 2:
        return f"neither {owners[0]} nor {owners[1]} check answered"
    return f"none of {', '.join(owners[:-1])} or {owners[-1]} checks answered"


def check_control(client: HttpClient, control: ControlCheck, deadline: float | None = None) -> ControlResult:
    """Run one control. A redirect or an unexpected answer means a captive portal, not "online".

    An unexpected page that looks like a network sign-in page (outagetray.core.signin,
    the same signs the probes use) is named as such, so the user learns what to do.
    ``deadline`` (an instant on the client's ``monotonic`` clock) is handed to the
    client, so that a control cannot outlast the round that asked for it.
    """
    host = urlsplit(control.url).hostname or control.url
    # The client's clock, not the system's: tests and drills move time by injecting one.
    started = client.monotonic()
    try:
        response = client.probe(control.url, max_body=16 * 1024, deadline=deadline)
    except FetchError as exc:
        return ControlResult(control.url, Connectivity.OFFLINE, exc.message)
    if 300 <= response.status < 400:
        target = urlsplit(response.headers.get("location", "")).hostname or "another page"
        return ControlResult(
            control.url, Connectivity.CAPTIVE_PORTAL, f"{host} was redirected to {target} (a sign-in page?)"
        )
    expected_status = control.expect_status or 200
    unexpected = response.status != expected_status or (
        control.expect_body is not None
        and control.expect_body.strip() not in response.body.decode("utf-8", "replace")
    )
    if unexpected or (control.expect_body is None and expected_status == 204 and response.body.strip()):
        sign = signin.signin_page_sign(response.body)
        if sign:
            return ControlResult(
                control.url,
                Connectivity.CAPTIVE_PORTAL,
                f"your network shows a sign-in page: {host} answered with a page that says “{sign}”",
            )
    if response.status != expected_status:
        return ControlResult(
            control.url,
            Connectivity.CAPTIVE_PORTAL,
            f"{host} answered HTTP {response.status} instead of {expected_status}",
        )
    if control.expect_body is not None:
        text = response.body.decode("utf-8", "replace")
        if control.expect_body.strip() not in text:
            return ControlResult(
                control.url, Connectivity.CAPTIVE_PORTAL, f"{host} answered with a different page than usual"
            )
    elif expected_status == 204 and response.body.strip():
        return ControlResult(
            control.url, Connectivity.CAPTIVE_PORTAL, f"{host} answered with a page instead of nothing"
        )
    elapsed = client.monotonic() - started
    return ControlResult(control.url, Connectivity.ONLINE, f"{host} answered as expected", elapsed)


def summarize(results: Sequence[ControlResult]) -> ConnectivityReport:
    """Combine control results: one good answer proves the connection works."""
    if not results:
        return ConnectivityReport(Connectivity.UNKNOWN, "no connection checks are configured")
    good = [r for r in results if r.outcome is Connectivity.ONLINE]
    captive = [r for r in results if r.outcome is Connectivity.CAPTIVE_PORTAL]
    total = len(results)
    if good:
        return ConnectivityReport(
            Connectivity.ONLINE, f"{len(good)} of {total} connection checks passed", tuple(results)
        )
    if captive:
        return ConnectivityReport(Connectivity.CAPTIVE_PORTAL, captive[0].detail, tuple(results))
    return ConnectivityReport(Connectivity.OFFLINE, _none_answered(results), tuple(results))


def check(
    client: HttpClient, controls: Sequence[ControlCheck], deadline: float | None = None
) -> ConnectivityReport:
    """Run every control at once and combine them; ``deadline`` is passed to each (see check_control)."""
    if not controls:
        return summarize([])
    with ThreadPoolExecutor(max_workers=len(controls), thread_name_prefix="control") as pool:
        results = list(pool.map(lambda c: check_control(client, c, deadline), controls))
    return summarize(results)
