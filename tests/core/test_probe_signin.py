"""Network sign-in pages (captive portals) seen by probes and by connection checks (issue 13 item 6).

Pages are served by real loopback servers; the probes and the connection checks must agree
on what a hotel Wi-Fi page looks like, and must not mistake a platform's own login page
(facebook.com answers 200 with a login form) for one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer

from outagetray.core import connectivity, signin
from outagetray.core.http import HttpClient
from outagetray.core.model import SourceSpec
from outagetray.core.probes import BLOCK_PAGE_MAX_SIZE, ProbeResult, http_probe
from outagetray.core.settings import ControlCheck

HOTEL = """<!doctype html><html><head><title>Hotel WiFi</title></head><body>
<h1>Welcome to the Grand Hotel</h1><p>Sign in to continue.</p>
<form method="post" action="/login"><input name="room" placeholder="Room number">
<input name="surname"><button>Connect</button></form></body></html>"""

PORTALS = [
    HOTEL,
    """<html><head><title>Guest Wi-Fi</title></head><body><form action="/auth">
    <input type="text" name="user"><input type="password" name="pass">
    <input type="submit" value="Log in"></form></body></html>""",
    """<html><body><h2>Free WiFi</h2><p>Please accept the terms and conditions to access the internet.</p>
    <form><input type="checkbox" name="agree"> I agree <button>Go online</button></form></body></html>""",
    """<html><head><title>Login</title></head><body><p>Login to access the Internet</p>
    <form><input type="password" name="code"></form></body></html>""",
    """<html><head><title>Welcome</title></head><body>Airport hotspot: log in to continue.
    <form><input type="password" name="voucher"></form></body></html>""",
    """<html><body>This captive portal requires you to register.</body></html>""",
]

#: A platform's own login page: a form, a password field, "Log in", and no word about the network.
FACEBOOK_LIKE = """<!DOCTYPE html><html lang="en"><head><title>Facebook – log in or sign up</title>
<meta name="description" content="Log in to Facebook to start sharing and connecting with your friends,
family, and people you know."></head><body><div><h2>Connect with friends and the world around you on
Facebook.</h2><form id="login_form" action="/login/device-based/regular/login/" method="post">
<input type="text" name="email" placeholder="Email address or phone number">
<input type="password" name="pass" placeholder="Password"><button name="login">Log in</button>
<a href="/recover/initiate/">Forgotten password?</a></form><p>Create a Page for a celebrity, brand or
business.</p><p>By clicking Sign Up, you agree to our Terms, Privacy Policy and Cookies Policy.</p></div>
</body></html>"""

LINKEDIN_LIKE = """<html><head><title>LinkedIn Login, Sign in | LinkedIn</title></head><body>
<h1>Sign in</h1><p>Stay updated on your professional world</p><form action="/checkpoint/lg/login-submit">
<input type="text" name="session_key"><input type="password" name="session_password">
<button>Sign in</button></form><p>New to LinkedIn? Join now. Sign in to continue to your network.</p>
<p>By clicking Continue, you agree to LinkedIn's User Agreement, Privacy Policy and Cookie Policy.</p>
</body></html>"""


@pytest.fixture(autouse=True)
def _no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)


def probe(url: str) -> ProbeResult:
    return http_probe(SourceSpec("http_probe", url), timeout=5.0)


# -- probes ---------------------------------------------------------------------------------------


def test_a_200_hotel_wifi_sign_in_page_is_a_captive_portal_not_healthy(web: HTTPServer) -> None:
    web.expect_request("/").respond_with_data(HOTEL, content_type="text/html")
    result = probe(web.url_for("/"))
    assert (result.outcome, result.kind) == ("ambiguous", "captive_portal"), result.detail
    assert "sign-in page (“Hotel WiFi”)" in result.detail
    assert "this network wants you to sign in first" in result.detail


@pytest.mark.parametrize("page", PORTALS)
def test_sign_in_pages_of_networks_are_captive_portals(web: HTTPServer, page: str) -> None:
    web.expect_request("/").respond_with_data(page, content_type="text/html")
    result = probe(web.url_for("/"))
    assert (result.outcome, result.kind) == ("ambiguous", "captive_portal"), result.detail


@pytest.mark.parametrize("page", [FACEBOOK_LIKE, LINKEDIN_LIKE])
def test_a_platforms_own_login_page_is_healthy(web: HTTPServer, page: str) -> None:
    web.expect_request("/").respond_with_data(page, content_type="text/html")
    result = probe(web.url_for("/"))
    assert (result.outcome, result.kind) == ("healthy", "ok"), result.detail


def test_a_large_page_is_never_searched_for_sign_in_signs(web: HTTPServer) -> None:
    page = HOTEL.replace("</body>", "<script>" + "x" * BLOCK_PAGE_MAX_SIZE + "</script></body>")
    web.expect_request("/").respond_with_data(page, content_type="text/html")
    assert probe(web.url_for("/")).outcome == "healthy"


# -- the shared signs -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", PORTALS)
def test_the_signs_find_each_portal_page(page: str) -> None:
    assert signin.signin_page_sign(page.encode())


@pytest.mark.parametrize(
    "page",
    [
        FACEBOOK_LIKE,
        LINKEDIN_LIKE,
        "<html><title>Settings</title><p>Your password was changed. Log in to continue.</p></html>",
        '<html><form><input type="password"></form><p>Terms and conditions apply.</p></html>',
        "",
    ],
)
def test_the_signs_leave_ordinary_pages_alone(page: str) -> None:
    assert signin.signin_page_sign(page.encode()) == ""


def test_the_evidence_is_one_short_line() -> None:
    sign = signin.signin_page_sign(PORTALS[1].encode())
    assert sign == "Guest Wi-Fi"


# -- connection checks ----------------------------------------------------------------------------


@pytest.fixture
def client() -> Iterator[HttpClient]:
    yield HttpClient()


def test_a_control_answered_by_a_sign_in_page_says_so(web: HTTPServer, client: HttpClient) -> None:
    web.expect_request("/connecttest.txt").respond_with_data(HOTEL, content_type="text/html")
    control = ControlCheck(web.url_for("/connecttest.txt"), expect_body="Microsoft Connect Test")
    result = connectivity.check_control(client, control)
    assert result.outcome is connectivity.Connectivity.CAPTIVE_PORTAL
    assert "your network shows a sign-in page" in result.detail
    assert "hotel wifi" in result.detail.lower()


def test_a_204_control_answered_by_a_sign_in_page_says_so(web: HTTPServer, client: HttpClient) -> None:
    web.expect_request("/generate_204").respond_with_data(PORTALS[1], content_type="text/html")
    control = ControlCheck(web.url_for("/generate_204"), expect_status=204)
    result = connectivity.check_control(client, control)
    assert result.outcome is connectivity.Connectivity.CAPTIVE_PORTAL
    assert "your network shows a sign-in page" in result.detail


def test_a_control_with_another_unexpected_page_keeps_the_plain_reason(
    web: HTTPServer, client: HttpClient
) -> None:
    web.expect_request("/connecttest.txt").respond_with_data("something else", content_type="text/plain")
    control = ControlCheck(web.url_for("/connecttest.txt"), expect_body="Microsoft Connect Test")
    result = connectivity.check_control(client, control)
    assert result.outcome is connectivity.Connectivity.CAPTIVE_PORTAL
    assert result.detail.endswith("answered with a different page than usual")


def test_a_control_answering_as_expected_is_online(web: HTTPServer, client: HttpClient) -> None:
    web.expect_request("/connecttest.txt").respond_with_data("Microsoft Connect Test")
    control = ControlCheck(web.url_for("/connecttest.txt"), expect_body="Microsoft Connect Test")
    assert connectivity.check_control(client, control).outcome is connectivity.Connectivity.ONLINE
