"""Reading an HTTP answer: the platform's own, or a challenge, a portal, a block page, a redirect.

Pure functions of a status, headers and a body: no socket, no clock. The
transport (:mod:`outagetray.core.probes.transport`) brings the answer; this
module says what it means, so other checks with their own transport can judge
answers the same way (:func:`classify_response` is public for that).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Mapping, Sequence
from urllib.parse import urljoin, urlsplit

from outagetray.core import signin
from outagetray.core.probes.results import ProbeOutcome

#: Block-page heuristics only look at pages smaller than this: block and portal pages are
#: small, and a platform's real home page (tens of KB of scripts) is then never searched.
BLOCK_PAGE_MAX_SIZE = 32 * 1024

#: Page-level signs of a bot check; safe on any status because a real page never has them.
_CHALLENGE_TITLES = (
    "<title>just a moment...</title>",
    "<title>just a moment…</title>",
    "<title>attention required! | cloudflare</title>",
    "checking your browser before accessing",
)
#: Looser signs, only trusted on the codes challenges use (403, 429, 503): normal pages can
#: embed Cloudflare's scripts, and a 500 during 2025-11-18 said "Please unblock
#: challenges.cloudflare.com" while it was a real edge outage.
_CHALLENGE_MARKERS = (
    *_CHALLENGE_TITLES,
    "just a moment...",
    "/cdn-cgi/challenge-platform/",
    "_cf_chl_opt",
    "cf-chl-",
    "cf_chl_",
    "challenges.cloudflare.com",
    "captcha-delivery.com",  # DataDome
    "px-captcha",  # HUMAN / PerimeterX
    "_incapsula_resource",  # Imperva
    "/_sec/cp_challenge/",  # Akamai Bot Manager
)
#: Signs that an HTML error page was written by Cloudflare's edge itself.
_CLOUDFLARE_ERROR_PAGE = ("cf-error-details", "cf-wrapper", "cloudflare ray id", "cf-error-code")
#: Phrases of ISP, state, school and corporate block pages (captive portals' sign-in pages are
#: recognised by outagetray.core.signin, shared with the connection checks). Only
#: searched in small HTML pages (BLOCK_PAGE_MAX_SIZE), so a platform's real page is never
#: mistaken for one; a page caught by mistake is only "ambiguous", never an outage.
_BLOCK_PAGE = re.compile(
    r"(?:web ?site|site|page|url|domain|resource|content)\s+(?:has\s+been|is|was)\s+"
    r"(?:blocked|restricted|filtered)"
    r"|access\s+to\s+(?:this|the\s+requested)\s+(?:web ?site|site|page|url|resource)\s+"
    r"(?:has\s+been|is)\s+(?:blocked|denied|restricted)"
    r"|blocked\s+(?:by|on)\s+(?:order|the\s+order|court|your\s+(?:network|administrator|organi[sz]ation|isp"
    r"|internet\s+service\s+provider|school))"
    r"|(?:by\s+order\s+of|pursuant\s+to)\s+(?:the\s+)?(?:court|government|ministry|authority|regulator)"
    r"|fortiguard|websense|bluecoat|blue\s+coat|netsweeper|lightspeed\s+systems|zscaler|opendns\.com/block",
    re.IGNORECASE,
)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_REFRESH_URL = re.compile(rb"url\s*=\s*[\"']?([^\"'\s>;]+)", re.IGNORECASE)
_REDIRECTS = (301, 302, 303, 307, 308)


def classify_response(
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    related_hosts: Collection[str] = (),
) -> tuple[ProbeOutcome, str, str]:
    """Judge one HTTP answer to a probe: ``(outcome, kind, detail)``.

    ``headers`` must have lower-case names. Public so that other checks with
    their own transport can judge answers the same way. The order matters:
    challenges and network-made answers (proxies, portals) are recognised
    before a status code is trusted as the platform's own.
    """
    host = (urlsplit(url).hostname or url).lower()
    server = headers.get("server", "").lower()
    cloudflare = "cloudflare" in server
    is_html = "html" in headers.get("content-type", "").lower() or body.lstrip()[:15].lower().startswith(
        (b"<!doctype", b"<html", b"<head", b"<body", b"<meta", b"<title")
    )
    text = body.decode("utf-8", "replace").lower() if is_html else ""
    said = f"{host} answered HTTP {status}"

    def challenge(markers: Sequence[str]) -> bool:
        return bool(text) and any(marker in text for marker in markers)

    if "challenge" in headers.get("cf-mitigated", "").lower():
        return "ambiguous", "bot_challenge", f"{said} with a bot check (not an outage)"
    if status == 511:
        return "ambiguous", "captive_portal", f"{said}: this network wants you to sign in first"
    if status == 407:
        return "ambiguous", "proxy", f"{said}: a proxy on this network wants a password"
    if "x-squid-error" in headers:
        return "ambiguous", "proxy_error", f"a proxy on this network answered for {host} (HTTP {status})"
    if status == 451:
        return "ambiguous", "blocked_451", f"{said}: not available here for legal reasons"
    if status == 999:
        return "ambiguous", "linkedin_999", f"{said}, LinkedIn's way of turning away automated checks"
    if status in (403, 429, 420, 503) and (
        challenge(_CHALLENGE_MARKERS)
        or (cloudflare and is_html and status != 503)
        or (cloudflare and is_html and status == 503 and not challenge(_CLOUDFLARE_ERROR_PAGE))
    ):
        return "ambiguous", "bot_challenge", f"{said} with a bot check (not an outage)"
    if status in (429, 420):
        return "ambiguous", "rate_limited", f"{said}: it is limiting how often we may ask (not an outage)"
    if status == 403:
        return (
            "ambiguous",
            "blocked_403",
            f"{said} (forbidden): probably blocked on this network or by a firewall",
        )
    if 500 <= status <= 599:
        ray = headers.get("cf-ray", "").strip()
        if cloudflare and ray:
            return "unhealthy", "cdn_5xx", f"{said} from Cloudflare's edge (ray {ray})"
        return "unhealthy", "http_5xx", said
    if status in _REDIRECTS or (300 <= status <= 399 and headers.get("location")):
        return _judge_redirect(url, host, status, headers.get("location", ""), related_hosts)
    if not 200 <= status <= 499:
        return "ambiguous", "odd_status", f"{said}, which is not a standard answer"
    if challenge(_CHALLENGE_TITLES):
        return "ambiguous", "bot_challenge", f"{said} with a bot check (not an outage)"
    if text and len(body) < BLOCK_PAGE_MAX_SIZE:
        refresh = _meta_refresh_host(url, body)
        if refresh and not _same_registrable_domain(host, refresh, related_hosts):
            return (
                "ambiguous",
                "foreign_redirect",
                f"{host} sent a page that forwards to {refresh}: probably a sign-in page of this network",
            )
        sign = signin.signin_page_sign(body)
        if sign:
            return (
                "ambiguous",
                "captive_portal",
                f"{said} with a Wi-Fi or network sign-in page (“{sign}”), not the real site: "
                "this network wants you to sign in first",
            )
        match = _BLOCK_PAGE.search(text)
        if match:
            return (
                "ambiguous",
                "block_page",
                f"{said} with a page that looks like a block or sign-in page "
                f"(“{match.group(0)}”), not the real site",
            )
    if 200 <= status <= 299:
        return "healthy", "ok", said
    if 300 <= status <= 399:
        return "healthy", "redirect", f"{said} (a redirect without a target)"
    return "healthy", "http_4xx", f"{said}: the app itself answered, so it is up"


def _judge_redirect(
    url: str, host: str, status: int, location: str, related_hosts: Collection[str]
) -> tuple[ProbeOutcome, str, str]:
    """Same-site redirects (login, consent, locale) are normal; a foreign one is a portal or block."""
    if not location.strip():
        return "healthy", "redirect", f"{host} answered HTTP {status} (a redirect without a target)"
    try:
        target_host = (urlsplit(urljoin(url, location.strip())).hostname or "").lower()
    except ValueError:
        target_host = ""
    if not target_host:
        return (
            "ambiguous",
            "foreign_redirect",
            f"{host} redirected to an unreadable address: probably not the real site",
        )
    if _same_registrable_domain(host, target_host, related_hosts):
        return "healthy", "redirect", f"{host} redirected within its own site (to {target_host})"
    return (
        "ambiguous",
        "foreign_redirect",
        f"{host} redirected to {target_host}, another site: probably a sign-in or block page of this network",
    )


def _meta_refresh_host(url: str, body: bytes) -> str:
    """Host a ``<meta http-equiv="refresh" content="0; url=…">`` page forwards to, or ""."""
    for tag in _META_TAG.findall(body):
        if b"refresh" not in tag.lower():
            continue
        match = _REFRESH_URL.search(tag)
        if match:
            try:
                return (
                    urlsplit(urljoin(url, match.group(1).decode("ascii", "replace"))).hostname or ""
                ).lower()
            except ValueError:
                return ""
    return ""


def _same_registrable_domain(host: str, other: str, related_hosts: Collection[str] = ()) -> bool:
    """Whether ``other`` belongs to the same site as ``host``, or to a related host.

    The loose rule for judging a probe's redirect (a login page on a sibling host is
    normal), not the strict one that pins a status source's redirects to its own host
    (``http._within_source_site``): the two must not be swapped.

    "Same site" is the same registrable domain, found without the Public Suffix
    List (which would be a dependency and a download): the last two labels, or
    the last three when the name ends in a two-letter country code preceded by
    a generic label such as ``co``/``com``/``org`` (``shop.co.uk``). Subdomains
    of shared hosting (``a.substack.com`` vs ``b.substack.com``) therefore count
    as one site; good enough for telling a login redirect from a captive portal.
    IP addresses match only themselves. ``related_hosts`` entries match the host
    itself and its subdomains (``"fb.com"`` matches ``www.fb.com``).
    """
    host, other = host.lower().rstrip("."), other.lower().rstrip(".")
    if host == other:
        return True
    for related in related_hosts:
        related = related.lower().strip().rstrip(".")
        if related and (other == related or other.endswith("." + related)):
            return True
    if _is_ip(host) or _is_ip(other):
        return False
    return _registrable_domain(host) == _registrable_domain(other)


_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "nic"})


def _registrable_domain(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
