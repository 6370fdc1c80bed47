"""The offline sentence in a user's words, and the connection checks on the client's clock.

Issue 14, item 12: the table said "Your connection appears to be down (the name
connectivitycheck.gstatic.com could not be found (DNS))." — a doubled bracket, a name
lookup blamed, and only one of the two failed checks named.
"""

from __future__ import annotations

import socket

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core import connectivity
from outagetray.core.connectivity import Connectivity, ConnectivityReport, ControlResult, summarize
from outagetray.core.http import HttpClient
from outagetray.core.settings import ControlCheck

GOOGLE = "http://connectivitycheck.gstatic.com/generate_204"
MICROSOFT = "http://www.msftconnecttest.com/connecttest.txt"
APPLE = "http://captive.apple.com/hotspot-detect.html"


def failed(url: str, detail: str) -> ControlResult:
    return ControlResult(url, Connectivity.OFFLINE, detail)


def test_both_failed_checks_are_named_by_company_without_technical_words() -> None:
    results = [
        failed(GOOGLE, "the name connectivitycheck.gstatic.com could not be looked up (DNS)"),
        failed(MICROSOFT, "could not connect to www.msftconnecttest.com"),
    ]
    report = summarize(results)
    assert report.state is Connectivity.OFFLINE
    assert report.sentence == (
        "Your internet connection seems to be down: neither Google's nor Microsoft's check answered."
    )
    assert "DNS" not in report.sentence and "))" not in report.sentence
    # The reasons stay available for the details pane and --json.
    assert [c.detail for c in report.controls] == [r.detail for r in results]


def test_three_checks_and_an_unknown_host() -> None:
    from outagetray.core.connectivity import control_owner

    three = summarize([failed(GOOGLE, "x"), failed(MICROSOFT, "y"), failed(APPLE, "z")])
    assert three.detail == "none of Google's, Microsoft's or Apple's checks answered"
    one = summarize([failed("https://check.example.net/ok", "x")])
    assert one.detail == "check.example.net's check did not answer"
    mixed = summarize([failed("https://check.example.net/ok", "x"), failed(APPLE, "y")])
    assert mixed.detail == "neither check.example.net's nor Apple's check answered"
    assert control_owner(GOOGLE) == "Google" and control_owner(APPLE) == "Apple"


def test_a_sign_in_page_detail_with_brackets_is_not_bracketed_again() -> None:
    portal = ControlResult(GOOGLE, Connectivity.CAPTIVE_PORTAL, "x was redirected to y (a sign-in page?)")
    sentence = summarize([portal]).sentence
    assert "))" not in sentence
    assert sentence.endswith(": x was redirected to y (a sign-in page?).")


def test_a_control_measures_its_time_on_the_clients_clock(web: HTTPServer) -> None:
    now = [1000.0]

    def answer(request: Request) -> Response:
        now[0] += 7.0  # the control took seven seconds by the injected clock
        return Response("", status=204)

    web.expect_request("/generate_204").respond_with_handler(answer)
    client = HttpClient(monotonic=lambda: now[0])
    result = connectivity.check_control(client, ControlCheck(web.url_for("/generate_204"), expect_status=204))
    assert result.outcome is Connectivity.ONLINE
    assert result.elapsed == 7.0


def test_an_unreachable_name_server_is_not_called_a_missing_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the DNS server out of reach the name may well exist: the detail must not say it was not found."""

    def no_server(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", no_server)
    client = HttpClient(connect_timeout=0.5, read_timeout=0.5, total_timeout=1.0)
    results = [connectivity.check_control(client, ControlCheck(url)) for url in (GOOGLE, MICROSOFT)]
    assert [r.outcome for r in results] == [Connectivity.OFFLINE, Connectivity.OFFLINE]
    assert results[0].detail == "the name connectivitycheck.gstatic.com could not be looked up (DNS)"
    for result in results:
        assert "could not be found" not in result.detail
        assert "Temporary failure" not in result.detail and "-3" not in result.detail
    assert summarize(results).sentence == (
        "Your internet connection seems to be down: neither Google's nor Microsoft's check answered."
    )


@pytest.mark.parametrize("state", list(Connectivity))
def test_one_wording_for_one_state_in_the_tray_the_window_and_check(state: Connectivity) -> None:
    """The tray shows ``headline``; the window and ``check`` show ``sentence``: the same words."""
    report = ConnectivityReport(state, "neither Google's nor Microsoft's check answered")
    assert report.sentence == f"{report.headline}: neither Google's nor Microsoft's check answered."
    if state is Connectivity.OFFLINE:
        assert report.headline == "Your internet connection seems to be down"
