"""A status source is believed only from its own site (STATUS-SOURCES §2.4), hop by hop.

Servers listen on 127.0.0.1; "localhost" names the same machine under another host
name, which is exactly what a redirect to a different site looks like to the client.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core.http import FetchError, HttpClient
from outagetray.core.model import SourceSpec, Verdict
from outagetray.core.poller import poll_url
from outagetray.core.probes import DnsConfig
from outagetray.core.trial import try_source

SUMMARY = json.dumps({"page": {"id": "x"}, "status": {"indicator": "none", "description": "ok"}}).encode()
MAJOR = {
    "page": {"id": "x", "name": "Example", "url": "https://status.example.com"},
    "status": {"indicator": "major", "description": "Major outage"},
    "components": [{"id": "a", "name": "API", "status": "major_outage", "group": False, "group_id": None}],
    "incidents": [],
    "scheduled_maintenances": [],
}


def other_host(web: HTTPServer, path: str) -> str:
    return f"http://localhost:{web.port}{path}"


def own(web: HTTPServer, path: str) -> str:
    return f"http://127.0.0.1:{web.port}{path}"


def fetch_error(client: HttpClient, url: str) -> FetchError:
    with pytest.raises(FetchError) as info:
        client.fetch(url, "json")
    return info.value


def paths(web: HTTPServer) -> list[str]:
    return [request.path for request, _ in web.log]


def test_a_redirect_to_another_site_is_refused_with_the_reason(web: HTTPServer) -> None:
    web.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": other_host(web, "/x")}
    )
    web.expect_request("/x").respond_with_json(MAJOR)
    error = fetch_error(HttpClient(), own(web, "/start"))
    assert error.kind == "redirect_refused"
    assert (
        error.message
        == "127.0.0.1 sent OutageTray on to localhost, a different site, so its answer is not used"
    )
    assert paths(web) == ["/start"]  # the other site was never asked


def test_every_hop_is_checked_not_only_the_last(web: HTTPServer) -> None:
    """Out to another site and back home: the final host looks right, the answer is not."""
    web.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": other_host(web, "/out")}
    )
    web.expect_request("/out").respond_with_data("", status=302, headers={"Location": own(web, "/home")})
    web.expect_request("/home").respond_with_json(MAJOR)
    error = fetch_error(HttpClient(), own(web, "/start"))
    assert error.kind == "redirect_refused"
    assert paths(web) == ["/start"]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_web(ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HTTPServer]:
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context, threaded=True)
    server.start()
    yield server
    server.stop()


def test_https_down_to_plain_http_is_refused_even_on_the_same_host(
    tls_web: HTTPServer, web: HTTPServer
) -> None:
    tls_web.expect_request("/start").respond_with_data(
        "", status=301, headers={"Location": own(web, "/plain")}
    )
    web.expect_request("/plain").respond_with_json(MAJOR)
    error = fetch_error(HttpClient(), f"https://127.0.0.1:{tls_web.port}/start")
    assert error.kind == "redirect_refused"
    assert "unprotected (http) address" in error.message
    assert paths(web) == []


def test_https_to_https_on_the_same_host_is_followed(tls_web: HTTPServer) -> None:
    tls_web.expect_request("/start").respond_with_data(
        "", status=302, headers={"Location": "/v2/summary.json"}
    )
    tls_web.expect_request("/v2/summary.json").respond_with_data(SUMMARY, content_type="application/json")
    response = HttpClient().fetch(f"https://127.0.0.1:{tls_web.port}/start", "json")
    assert response.body == SUMMARY
    assert response.url == f"https://127.0.0.1:{tls_web.port}/v2/summary.json"


def test_same_host_redirects_still_work_with_conditional_get(web: HTTPServer) -> None:
    def final(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(SUMMARY, content_type="application/json", headers={"ETag": '"v1"'})

    web.expect_request("/start").respond_with_data("", status=301, headers={"Location": "/final"})
    web.expect_request("/final").respond_with_handler(final)
    client = HttpClient()
    first = client.fetch(own(web, "/start"), "json")
    second = client.fetch(own(web, "/start"), "json")
    assert (first.final_host, first.url) == ("127.0.0.1", own(web, "/final"))
    assert second.not_modified and second.body == SUMMARY


def test_retry_after_behind_a_same_host_redirect_is_still_honoured(web: HTTPServer) -> None:
    web.expect_request("/start").respond_with_data("", status=302, headers={"Location": "/busy"})
    web.expect_request("/busy").respond_with_data("slow down", status=429, headers={"Retry-After": "120"})
    client = HttpClient()
    error = fetch_error(client, own(web, "/start"))
    assert (error.kind, error.retry_after) == ("rate_limited", 120.0)
    assert fetch_error(client, own(web, "/start")).kind == "backoff"
    assert paths(web) == ["/start", "/busy"]


def test_a_refused_redirect_is_an_unknown_reading_with_the_reason(web: HTTPServer) -> None:
    web.expect_request("/s").respond_with_data("", status=302, headers={"Location": other_host(web, "/s2")})
    web.expect_request("/s2").respond_with_json(MAJOR)
    spec = SourceSpec(type="statuspage", url=own(web, "/s"))
    (result,) = poll_url(HttpClient(), spec.url, [spec])
    assert result.reading.verdict is Verdict.UNKNOWN
    assert result.error is not None and result.error.kind == "redirect_refused"
    assert "a different site" in result.reading.summary + (result.reading.detail or "")


def test_the_settings_test_button_explains_a_refused_redirect(web: HTTPServer) -> None:
    web.expect_request("/s").respond_with_data("", status=302, headers={"Location": other_host(web, "/s2")})
    spec = SourceSpec(type="statuspage", url=own(web, "/s"))
    result = try_source(spec, HttpClient(), DnsConfig())
    assert not result.ok
    assert "a different site" in result.message
    assert "enter its new address" in result.message


@pytest.mark.parametrize(
    ("origin", "target", "allowed"),
    [
        ("https://status.example.com/a", "https://status.example.com/b", True),
        ("https://status.example.com/a", "https://eu.status.example.com/b", True),
        ("https://status.example.com/a", "https://STATUS.example.com./b", True),
        ("http://status.example.com/a", "https://status.example.com/b", True),
        ("https://status.example.com/a", "https://example.com/b", False),
        ("https://status.example.com/a", "https://evilstatus.example.com/b", False),
        ("https://status.example.com/a", "https://status.example.com.evil.net/b", False),
        ("https://status.example.com/a", "http://status.example.com/b", False),
        ("https://status.example.com/a", "ftp://status.example.com/b", False),
        ("https://127.0.0.1/a", "https://127.0.0.1/b", True),
        ("https://127.0.0.1/a", "https://x.127.0.0.1/b", False),
        ("https://status.twitch.tv/a", "https://status.twitch.com/b", False),
        # www. is the same host to a site's owners; nothing wider than dropping it.
        ("https://www.redditstatus.com/a", "https://redditstatus.com/b", True),
        ("https://www.redditstatus.com/a", "https://eu.redditstatus.com/b", True),
        ("https://www.redditstatus.com/a", "https://evilredditstatus.com/b", False),
        ("https://www.com/a", "https://com/b", False),
    ],
)
def test_which_redirects_stay_on_the_sources_own_site(origin: str, target: str, allowed: bool) -> None:
    from outagetray.core.http import redirect_refusal

    assert (redirect_refusal(origin, origin, target) is None) is allowed


def test_a_downgrade_later_in_the_chain_is_refused_too() -> None:
    from outagetray.core.http import redirect_refusal

    assert redirect_refusal("https://s.example.com/", "https://s.example.com/b", "http://s.example.com/c")
    assert redirect_refusal("http://s.example.com/", "https://s.example.com/b", "http://s.example.com/c")
