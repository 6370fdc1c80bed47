"""The one HTTP client against real servers on 127.0.0.1, with faults injected for real."""

from __future__ import annotations

import gzip
import json
import socket
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core.http import FetchError, HttpClient, parse_retry_after
from tests.support import rawserver, slowserver

SUMMARY = json.dumps({"page": {"id": "x"}, "status": {"indicator": "none", "description": "ok"}}).encode()


class Clock:
    """A monotonic clock tests move by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def fetch_error(client: HttpClient, url: str, expect: str = "json") -> FetchError:
    with pytest.raises(FetchError) as info:
        client.fetch(url, expect)  # type: ignore[arg-type]
    return info.value


def test_fetch_returns_body_headers_and_sends_a_descriptive_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/summary.json").respond_with_data(
        SUMMARY, content_type="application/json"
    )
    url = httpserver.url_for("/api/v2/summary.json")
    response = HttpClient().fetch(url, "json")
    assert response.body == SUMMARY
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.final_host == urlsplit(url).hostname
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"].startswith("OutageTray/")
    assert "gzip" in request.headers["Accept-Encoding"]


def test_gzip_body_is_decoded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s").respond_with_response(
        Response(
            gzip.compress(SUMMARY), headers={"Content-Encoding": "gzip"}, content_type="application/json"
        )
    )
    assert HttpClient().fetch(httpserver.url_for("/s"), "json").body == SUMMARY


def test_gzip_bomb_is_stopped_at_the_cap_after_decompression(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b" " * (20 * 1024 * 1024))
    assert len(bomb) < 100_000
    httpserver.expect_request("/bomb").respond_with_response(
        Response(bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json")
    )
    error = fetch_error(HttpClient(max_body=1024 * 1024), httpserver.url_for("/bomb"))
    assert error.kind == "too_large"


def test_declared_oversize_body_is_refused_before_reading(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"{" + b" " * (6 * 1024 * 1024) + b"}")
    error = fetch_error(HttpClient(), httpserver.url_for("/big"))
    assert error.kind == "too_large"
    assert "more data than a status page" in error.message


def test_streamed_oversize_body_without_length_is_cut_off(httpserver: HTTPServer) -> None:
    sent = {"chunks": 0}

    def stream() -> Iterator[bytes]:
        for _ in range(200):  # 200 × 64 KiB = 12.5 MiB if read whole
            sent["chunks"] += 1
            yield b" " * 65536

    httpserver.expect_request("/stream").respond_with_response(
        Response(stream(), content_type="application/json", direct_passthrough=True)
    )
    error = fetch_error(HttpClient(max_body=1024 * 1024), httpserver.url_for("/stream"))
    assert error.kind == "too_large"


@pytest.mark.parametrize("content_type", ["application/json", "text/html; charset=utf-8"])
def test_html_served_with_200_is_an_error_even_when_labelled_json(
    httpserver: HTTPServer, content_type: str
) -> None:
    page = b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body></body></html>"
    httpserver.expect_request("/s").respond_with_data(page, content_type=content_type)
    error = fetch_error(HttpClient(), httpserver.url_for("/s"))
    assert error.kind == "content_type"
    assert error.status == 200
    assert "web page" in error.message


def test_xml_expected_but_json_sent_is_an_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(SUMMARY, content_type="application/json")
    assert fetch_error(HttpClient(), httpserver.url_for("/feed"), "xml").kind == "content_type"


def test_conditional_get_sends_validators_and_a_304_keeps_the_last_body(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(
            SUMMARY,
            content_type="application/json",
            headers={"ETag": '"v1"', "Last-Modified": "Wed, 25 Nov 2026 01:00:00 GMT"},
        )

    httpserver.expect_request("/s").respond_with_handler(handler)
    client = HttpClient()
    first = client.fetch(httpserver.url_for("/s"), "json")
    second = client.fetch(httpserver.url_for("/s"), "json")
    assert not first.not_modified
    assert second.not_modified
    assert second.body == SUMMARY
    request, response = httpserver.log[1]
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == "Wed, 25 Nov 2026 01:00:00 GMT"
    assert response.status_code == 304


def test_forget_drops_the_validators(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s").respond_with_data(
        SUMMARY, content_type="application/json", headers={"ETag": "x"}
    )
    client = HttpClient()
    client.fetch(httpserver.url_for("/s"), "json")
    client.forget(httpserver.url_for("/s"))
    client.fetch(httpserver.url_for("/s"), "json")
    assert "If-None-Match" not in httpserver.log[1][0].headers


def test_429parse_retry_after_seconds_is_respected_without_asking_again(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s").respond_with_data("slow down", status=429, headers={"Retry-After": "120"})
    clock = Clock()
    client = HttpClient(monotonic=clock)
    error = fetch_error(client, httpserver.url_for("/s"))
    assert (error.kind, error.status, error.retry_after) == ("rate_limited", 429, 120.0)
    assert "wait 2 min" in error.message

    clock.now += 60
    waiting = fetch_error(client, httpserver.url_for("/s"))
    assert waiting.kind == "backoff"
    assert waiting.retry_after == pytest.approx(60)
    assert len(httpserver.log) == 1  # the backoff did not touch the server

    clock.now += 61
    fetch_error(client, httpserver.url_for("/s"))
    assert len(httpserver.log) == 2


def test_503parse_retry_after_http_date_is_respected(httpserver: HTTPServer) -> None:
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=UTC)
    when = format_datetime(now + timedelta(minutes=5), usegmt=True)
    httpserver.expect_request("/s").respond_with_data("busy", status=503, headers={"Retry-After": when})
    client = HttpClient(wall=lambda: now.timestamp())
    error = fetch_error(client, httpserver.url_for("/s"))
    assert error.kind == "http_status"
    assert error.status == 503
    assert error.retry_after == pytest.approx(300)


def testparse_retry_after_parsing_bounds() -> None:
    assert parse_retry_after("", 0) is None
    assert parse_retry_after("soon", 0) is None
    assert parse_retry_after("99999999", 0) == 6 * 3600
    past = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert parse_retry_after(past, time.time()) == 0


def test_server_error_is_reported_with_its_status(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/s").respond_with_data("oops", status=500)
    error = fetch_error(HttpClient(), httpserver.url_for("/s"))
    assert (error.kind, error.status) == ("http_status", 500)
    assert "HTTP 500" in error.message


def test_redirects_are_followed_and_the_final_host_recorded(httpserver: HTTPServer) -> None:
    target = f"http://{urlsplit(httpserver.url_for('/')).hostname}:{httpserver.port}/final"
    httpserver.expect_request("/start").respond_with_data("", status=302, headers={"Location": target})
    httpserver.expect_request("/final").respond_with_data(SUMMARY, content_type="application/json")
    response = HttpClient().fetch(httpserver.url_for("/start"), "json")
    assert response.body == SUMMARY
    assert response.final_host == urlsplit(target).hostname
    assert response.url == target


def test_redirect_loops_stop_at_the_limit(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop").respond_with_data(
        "", status=302, headers={"Location": httpserver.url_for("/loop")}
    )
    error = fetch_error(HttpClient(max_redirects=3), httpserver.url_for("/loop"))
    assert error.kind == "too_many_redirects"
    assert len(httpserver.log) == 4


def test_a_server_that_never_answers_times_out() -> None:
    with rawserver.raw_server(rawserver.never_answers) as base:
        started = time.monotonic()
        error = fetch_error(HttpClient(read_timeout=0.5), base + "/s")
        assert error.kind == "timeout"
        assert time.monotonic() - started < 3


def test_a_body_dripping_forever_hits_the_total_timeout() -> None:
    with rawserver.raw_server(rawserver.drip) as base:
        started = time.monotonic()
        error = fetch_error(HttpClient(read_timeout=2, total_timeout=1), base + "/s")
        assert error.kind == "timeout"
        assert time.monotonic() - started < 4


def test_reset_mid_body_is_reported() -> None:
    with rawserver.raw_server(rawserver.reset_after_headers) as base:
        error = fetch_error(HttpClient(), base + "/s")
    assert error.kind in ("reset", "truncated")


def test_reset_before_any_answer_is_reported() -> None:
    with rawserver.raw_server(rawserver.reset_immediately) as base:
        error = fetch_error(HttpClient(), base + "/s")
    assert error.kind == "reset"
    assert "reset" in error.message


def test_truncated_body_is_an_error_not_a_short_document() -> None:
    with rawserver.raw_server(rawserver.truncated_body) as base:
        error = fetch_error(HttpClient(), base + "/s")
    assert error.kind == "truncated"


def free_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def test_connection_refused_is_reported() -> None:
    error = fetch_error(HttpClient(), f"http://127.0.0.1:{free_port()}/s")
    assert error.kind == "connect"


def test_errors_are_told_apart_by_their_type_not_by_words_in_the_message() -> None:
    """The address appears in the error text; a word in it must not change what the error is."""
    error = fetch_error(HttpClient(), f"http://127.0.0.1:{free_port()}/password-reset/status.json")
    assert (error.kind, error.message) == ("connect", "could not connect to 127.0.0.1")


def test_a_refused_connection_is_not_a_timeout_though_urllib3_files_it_under_one() -> None:
    """urllib3's NewConnectionError subclasses ConnectTimeoutError; a refusal is still no timeout."""
    import requests
    import urllib3

    from outagetray.core.http import _transport_error

    refused = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    refused.__cause__ = ConnectionRefusedError(111, "refused")
    wrapped = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", refused))  # type: ignore[arg-type]
    assert _transport_error("http://h.example/", wrapped).kind == "connect"


def test_an_untrusted_certificate_is_a_tls_error() -> None:
    import ssl

    import trustme

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)

    def behaviour(conn: socket.socket, stop: object) -> None:
        with suppress(OSError, ssl.SSLError):
            context.wrap_socket(conn, server_side=True).close()

    with slowserver.serve_raw(behaviour) as port:
        error = fetch_error(HttpClient(), f"https://127.0.0.1:{port}/s")
    assert error.kind == "tls"


def test_dns_failure_is_reported_as_dns() -> None:
    # .invalid is reserved (RFC 6761): no such name exists anywhere.
    error = fetch_error(HttpClient(connect_timeout=3), "http://status.outagetray.invalid/api")
    assert error.kind == "dns"
    assert "status.outagetray.invalid" in error.message


@pytest.mark.parametrize("url", ["ftp://example.org/x", "not a url", "http:///nohost"])
def test_invalid_urls_are_refused_plainly(url: str) -> None:
    assert fetch_error(HttpClient(), url).kind == "invalid_url"


def test_probe_does_not_follow_redirects_and_caps_the_body(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/login").respond_with_data(
        "", status=302, headers={"Location": "https://portal.hotel.example/"}
    )
    httpserver.expect_request("/big").respond_with_data(b"x" * 200_000, content_type="text/html")
    client = HttpClient()
    redirect = client.probe(httpserver.url_for("/login"))
    assert redirect.status == 302
    assert redirect.headers["location"] == "https://portal.hotel.example/"
    big = client.probe(httpserver.url_for("/big"), max_body=1000)
    assert big.status == 200
    assert len(big.body) == 1000
