"""One trial poll for the Settings window's Test button, against loopback servers only."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from outagetray.core.http import HttpClient
from outagetray.core.model import SourceSpec, Verdict
from outagetray.core.probes import DnsConfig
from outagetray.core.trial import TrialResult, try_source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
#: A DNS server nobody runs: no test may ask the system's resolvers.
NO_DNS = DnsConfig(nameservers=("127.0.0.1:9",), timeout=0.3)


def trial(source_type: str, url: str) -> TrialResult:
    return try_source(SourceSpec(source_type, url), HttpClient(connect_timeout=2, read_timeout=2), NO_DNS)


def test_a_real_statuspage_summary_is_read_and_described(web: HTTPServer) -> None:
    body = (FIXTURES / "statuspage" / "reddit_summary_operational.json").read_bytes()
    web.expect_request("/api/v2/summary.json").respond_with_data(body, content_type="application/json")
    result = trial("statuspage", web.url_for("/api/v2/summary.json"))
    assert result.ok
    assert result.verdict is Verdict.OPERATIONAL
    assert result.message.startswith("Read Atlassian Statuspage")
    assert "All systems operational" in result.message
    assert "12 components" in result.message


def test_a_page_reporting_an_outage_is_still_readable(web: HTTPServer) -> None:
    body = (FIXTURES / "statuspage" / "discord_summary_voice_partial.json").read_bytes()
    web.expect_request("/summary.json").respond_with_data(body, content_type="application/json")
    result = trial("statuspage", web.url_for("/summary.json"))
    assert result.ok  # OutageTray understands it, which is what the test is for
    assert result.verdict is Verdict.PARTIAL_OUTAGE
    assert "Partial outage" in result.message


def test_an_html_page_with_200_is_not_status_data(web: HTTPServer) -> None:
    web.expect_request("/status").respond_with_data(
        "<!doctype html><html><body>Our status page</body></html>", content_type="text/html"
    )
    result = trial("statuspage", web.url_for("/status"))
    assert not result.ok
    assert result.verdict is None
    assert result.message.startswith("Could not read it:")
    assert "web page" in result.message
    assert "summary.json" in result.message  # says what to use instead


def test_html_labelled_as_json_is_caught_too(web: HTTPServer) -> None:
    web.expect_request("/fake.json").respond_with_data(
        "<html><head><title>Sign in</title></head></html>", content_type="application/json"
    )
    result = trial("statuspage", web.url_for("/fake.json"))
    assert not result.ok
    assert "web page" in result.message


def test_json_of_another_shape_says_what_is_missing(web: HTTPServer) -> None:
    web.expect_request("/other.json").respond_with_json({"hello": "world"})
    result = trial("statuspage", web.url_for("/other.json"))
    assert not result.ok
    assert result.verdict is None
    assert "no status indicator" in result.message


def test_a_missing_page_says_to_check_the_address(web: HTTPServer) -> None:
    web.expect_request("/nothing").respond_with_data("not here", status=404)
    result = trial("statuspage", web.url_for("/nothing"))
    assert not result.ok
    assert "HTTP 404" in result.message
    assert "Check the address" in result.message


def test_nobody_listening_is_reported_in_plain_words() -> None:
    result = trial("statuspage", "http://127.0.0.1:9/api/v2/summary.json")
    assert not result.ok
    assert "could not connect to 127.0.0.1" in result.message


def test_a_302_probe_means_the_service_is_up(web: HTTPServer) -> None:
    web.expect_request("/").respond_with_data("", status=302, headers={"Location": "/login"})
    result = trial("http_probe", web.url_for("/"))
    assert result.ok
    assert result.verdict is Verdict.OPERATIONAL
    assert result.message.startswith("Answered HTTP 302")
    assert "login page" in result.message
    assert "the service is up" in result.message


def test_a_5xx_probe_is_not_healthy_but_not_called_an_outage(web: HTTPServer) -> None:
    web.expect_request("/").respond_with_data("oops", status=502)
    result = trial("http_probe", web.url_for("/"))
    assert not result.ok
    assert result.verdict is None  # one failed probe is never a verdict
    assert "HTTP 502" in result.message
    assert "not an outage" in result.message


def test_a_dns_probe_without_an_answer_is_plain_words() -> None:
    result = trial("dns_probe", "shop.example.com")
    assert not result.ok
    assert result.verdict is None
    assert "shop.example.com" in result.message


def test_an_unknown_type_is_refused_not_raised() -> None:
    result = trial("carrier_pigeon", "http://127.0.0.1:9/")
    assert not result.ok
    assert "carrier_pigeon" in result.message


def test_a_bug_below_becomes_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object, **_kwargs: object) -> object:
        raise ZeroDivisionError

    monkeypatch.setattr("outagetray.core.trial.poll_url", broken)
    result = trial("statuspage", "http://127.0.0.1:9/")
    assert not result.ok
    assert "test itself failed" in result.message


def test_network_text_is_one_clean_bounded_line(web: HTTPServer) -> None:
    web.expect_request("/s.json").respond_with_json(
        {
            "page": {"name": "Acme\x07\nPage" + "x" * 2000},
            "status": {"indicator": "none", "description": "ok"},
            "components": [],
        }
    )
    result = trial("statuspage", web.url_for("/s.json"))
    assert "\n" not in result.message and "\x07" not in result.message
    assert len(result.message) <= 400
