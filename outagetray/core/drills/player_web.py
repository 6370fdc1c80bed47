"""What the drill's web server says: platform pages and status documents, in their real formats.

The drill runs the real probes and the real status parsers, so every answer here has the
shape the live service gives (STATUS-SOURCES.md §2-3; the fixtures under tests/fixtures/
were the models): a Statuspage ``summary.json`` whose component status and overall
indicator agree, Meta Status's ``orgs.json``, an events feed that is empty or holds one
open event, Google's ``incidents.json`` (never empty: the real one keeps history, and the
parser rightly refuses ``[]``), Slack's current status, a StatusIQ feed. When the scenario
says nothing, every document says all clear.

Failing pages look like the real ones, because the probes judge them by their looks: a
plain 5xx page; Cloudflare's own error page (``server: cloudflare``, a ray id, its
``cf-error-details`` markup) for an edge failure; Cloudflare's bot challenge (403 with
``cf-mitigated: challenge``), which is never an outage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from http import HTTPStatus
from xml.sax.saxutils import escape as xml_escape

from outagetray.core.model import Platform, SourceSpec

#: Statuspage component words the scenario may use, and the overall indicator each implies.
INDICATORS = {
    "operational": "none",
    "degraded_performance": "minor",
    "partial_outage": "major",
    "major_outage": "critical",
    "under_maintenance": "maintenance",
}
_DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}
#: The same words as a StatusIQ feed and Google's dashboard spell them.
_STATUSIQ = {
    "operational": "Operational",
    "degraded_performance": "Degraded Performance",
    "partial_outage": "Partial Outage",
    "major_outage": "Major Outage",
    "under_maintenance": "Under Maintenance",
}
_GOOGLE = {
    "degraded_performance": "SERVICE_DISRUPTION",
    "partial_outage": "SERVICE_DISRUPTION",
    "major_outage": "SERVICE_OUTAGE",
    "under_maintenance": "SERVICE_INFORMATION",
}
_SLACK = {"degraded_performance": "incident", "partial_outage": "incident", "major_outage": "outage"}

#: Meta Status's orgs and their services, as orgs.json listed them (tests/fixtures/meta_orgs).
META_ORGS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ads-manager", "Ads Manager", ("Ads Manager", "Ads Reporting", "Billing & Payments")),
    ("marketing-api", "Marketing API", ("Marketing API", "Conversions API", "Ads Insights API")),
    ("fbs", "Meta Business Suite", ("Business Suite", "Business Manager", "Inbox")),
    ("graph-api", "Graph API", ("Platform Status",)),
    ("catalog", "Catalog", ("Catalog Manager", "Data Feeds", "Catalog Batch API")),
    ("fb-ig-shops", "Facebook & Instagram Shops", ("Shops", "Checkout", "Commerce Manager")),
    ("audience-network", "Audience Network", ("Ad Delivery", "Reporting", "Bidding")),
    (
        "facebook-login",
        "Facebook Login",
        ("Facebook Login", "Limited Login", "Access Tokens", "Login Dialog"),
    ),
    ("ctx", "Click-to-Message Ads", ("Click to WhatsApp Ads", "Click to Messenger Ads")),
    (
        "whatsapp-business-api",
        "WhatsApp Business Platform",
        ("Cloud API", "Cloud API Calling", "Flows", "WhatsApp Business Account Management"),
    ),
    ("ig-boost", "Instagram Boost", ("Boost Post", "Boost Billing")),
)
#: Meta's words for "nothing wrong": a hint saying these opens no event in the feed.
_QUIET_WORDS = ("no known issues", "resolved")


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, headers, body."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


def _iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")


def _page(title: str, text: str) -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title></head>"
        f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    ).encode()


def login_page(host: str) -> Answer:
    """Where a healthy platform's front page sends a visitor who is not signed in."""
    return Answer(200, _page("Log in", f"Log in to {host} to continue."), {"content-type": "text/html"})


def healthy(host: str) -> Answer:
    """A working front page: a redirect to its own login page, as Facebook's does."""
    return Answer(302, b"", {"location": "/login", "content-type": "text/html"})


def failing(web: str | int, host: str, ray: str) -> Answer:
    """The answer for a failing ``web`` state that has one (not "reset" or "timeout")."""
    if web == "cloudflare":
        body = (
            '<!DOCTYPE html><html class="no-js"><head><title>'
            f"{escape(host)} | 500: Internal server error</title></head><body>"
            '<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">'
            '<h1><span class="cf-error-type">Error</span> <span class="cf-error-code">500</span></h1>'
            "<h2>Internal server error</h2></div>"
            f'<p>Cloudflare Ray ID: <strong class="font-semibold">{ray}</strong></p>'
            "</div></body></html>"
        ).encode()
        headers = {"server": "cloudflare", "cf-ray": f"{ray}-FRA", "content-type": "text/html; charset=UTF-8"}
        return Answer(500, body, headers)
    if web == "challenge":
        body = (
            b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
            b"<noscript>Enable JavaScript and cookies to continue</noscript>"
            b"<script>window._cf_chl_opt={cType: 'managed'};</script>"
            b'<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script>'
            b"</body></html>"
        )
        headers = {
            "server": "cloudflare",
            "cf-mitigated": "challenge",
            "cf-ray": f"{ray}-FRA",
            "content-type": "text/html; charset=UTF-8",
        }
        return Answer(403, body, headers)
    code = int(web)
    try:
        phrase = HTTPStatus(code).phrase
    except ValueError:
        phrase = "Error"
    if code == 429:
        body = json.dumps({"errors": [{"code": 88, "message": "Rate limit exceeded"}]}).encode()
        return Answer(429, body, {"content-type": "application/json; charset=utf-8"})
    return Answer(
        code, _page(f"{code} {phrase}", "Sorry, something went wrong."), {"content-type": "text/html"}
    )


# -- status documents --------------------------------------------------------------------------


def source(
    spec: SourceSpec, platform: Platform, status: str | None, hints: Mapping[str, str], now: datetime
) -> Answer:
    """The status document ``spec`` (the catalog's source, before re-pointing) serves at ``now``."""
    word = status if status in INDICATORS else "operational"
    if spec.type == "statuspage":
        return _json(_statuspage(platform, word, now))
    if spec.type == "meta_orgs":
        return _json(_meta_orgs(hints))
    if spec.type == "rss_events":
        return _xml(_rss_events(spec.url, hints, now))
    if spec.type == "google_incidents":
        return _json(_google(spec.options.get("product") or platform.name, word, now))
    if spec.type == "slack":
        return _json(_slack(platform, word, now))
    if spec.type == "statusiq_rss":
        return _xml(_statusiq(spec.options.get("component_prefix") or platform.name, word, now))
    # A format the drill cannot play yet: "not found" reads as unknown, never as all clear.
    return Answer(404, _page("404 Not Found", "No such page."), {"content-type": "text/html"})


def _json(data: object) -> Answer:
    return Answer(200, json.dumps(data).encode(), {"content-type": "application/json; charset=utf-8"})


def _xml(text: str) -> Answer:
    return Answer(200, text.encode(), {"content-type": "application/rss+xml; charset=utf-8"})


def _statuspage(platform: Platform, word: str, now: datetime) -> dict[str, object]:
    indicator = INDICATORS[word]
    ident = re.sub(r"[^a-z0-9]", "", platform.id)[:12] or "drill"
    stamp = _iso(now)
    incidents: list[dict[str, object]] = []
    if indicator in ("minor", "major", "critical"):
        incidents.append(
            {
                "id": f"{ident}inc1",
                "name": f"{platform.name} is not working for some people",
                "status": "investigating",
                "impact": indicator,
                "created_at": stamp,
                "updated_at": stamp,
                "shortlink": "",
                "components": [{"id": f"{ident}web", "name": platform.name, "status": word}],
                "incident_updates": [],
            }
        )
    return {
        "page": {
            "id": ident,
            "name": platform.name,
            "url": "",
            "time_zone": "Etc/UTC",
            "updated_at": stamp,
        },
        "components": [
            {
                "id": f"{ident}web",
                "name": platform.name,
                "status": word,
                "created_at": stamp,
                "updated_at": stamp,
                "position": 1,
                "description": None,
                "group_id": None,
                "group": False,
                "only_show_if_degraded": False,
            }
        ],
        "incidents": incidents,
        "scheduled_maintenances": [],
        "status": {"indicator": indicator, "description": _DESCRIPTIONS[indicator]},
    }


def _meta_orgs(hints: Mapping[str, str]) -> list[dict[str, object]]:
    orgs = [(ident, name, services) for ident, name, services in META_ORGS]
    known = {ident for ident, _, _ in orgs}
    orgs += [(ident, ident, (ident,)) for ident in hints if ident not in known]
    return [
        {
            "id": ident,
            "name": name,
            "rss_file_paths": [f"outage-events-feed-{ident}.rss"],
            "services": [
                {"id": n, "name": service, "status": hints.get(ident, "No known issues")}
                for n, service in enumerate(services, start=1)
            ],
        }
        for ident, name, services in orgs
    ]


def _rss_events(url: str, hints: Mapping[str, str], now: datetime) -> str:
    match = re.search(r"outage-events-feed-([a-z0-9-]+)\.rss", url)
    org = match.group(1) if match else ""
    title = dict((ident, name) for ident, name, _ in META_ORGS).get(org, org or "Meta")
    words = hints.get(org, "")
    item = ""
    if words and words.strip().lower() not in _QUIET_WORDS:
        item = (
            f"<item><title>{xml_escape(title)}: {xml_escape(words)}</title>"
            "<link>https://metastatus.com/</link>"
            f"<description>We are aware of an issue affecting {xml_escape(title)}.</description>"
            f"<pubDate>{format_datetime(now, usegmt=True)}</pubDate>"
            f'<guid isPermaLink="false">{xml_escape(org or "meta")}-outage-event-drill</guid></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{xml_escape(title)} Status</title><link>https://metastatus.com/</link>"
        f"<description>Open outage events for {xml_escape(title)}</description>"
        f"<lastBuildDate>{format_datetime(now, usegmt=True)}</lastBuildDate>{item}</channel></rss>"
    )


def _google(product: str, word: str, now: datetime) -> list[dict[str, object]]:
    past = now - timedelta(days=30)
    old: dict[str, object] = {
        "id": "drillpast1",
        "number": "1",
        "begin": _iso(past),
        "created": _iso(past),
        "end": _iso(past + timedelta(hours=1)),
        "modified": _iso(past + timedelta(hours=1)),
        "external_desc": f"**Summary**\n{product} was slow for some users",
        "updates": [],
        "most_recent_update": {"status": "AVAILABLE", "text": "Resolved", "when": _iso(past)},
        "status_impact": "SERVICE_DISRUPTION",
        "severity": "medium",
        "service_name": product,
        "affected_products": [{"title": product, "id": product.lower()}],
        "uri": "incidents/drillpast1",
    }
    feed: list[dict[str, object]] = [old]
    impact = _GOOGLE.get(word)
    if impact is not None:
        feed.insert(
            0,
            {
                "id": "drillopen1",
                "number": "2",
                "begin": _iso(now),
                "created": _iso(now),
                "end": None,
                "modified": _iso(now),
                "external_desc": f"**Summary**\n{product} users are affected by an ongoing issue",
                "updates": [],
                "most_recent_update": {"status": impact, "text": "We are investigating.", "when": _iso(now)},
                "status_impact": impact,
                "severity": "high",
                "service_name": product,
                "affected_products": [{"title": product, "id": product.lower()}],
                "uri": "incidents/drillopen1",
            },
        )
    return feed


def _slack(platform: Platform, word: str, now: datetime) -> dict[str, object]:
    kind = _SLACK.get(word)
    incidents: list[dict[str, object]] = []
    if kind is not None:
        incidents.append(
            {
                "id": 1,
                "date_created": _iso(now),
                "date_updated": _iso(now),
                "title": f"{platform.name} is not working for some people",
                "type": kind,
                "status": "active",
                "url": "",
                "services": ["Messaging", "Login/SSO"],
                "notes": [],
            }
        )
    return {
        "status": "active" if incidents else "ok",
        "date_created": _iso(now),
        "date_updated": _iso(now),
        "active_incidents": incidents,
    }


def _statusiq(prefix: str, word: str, now: datetime) -> str:
    shown = _STATUSIQ[word]
    items = "".join(
        f"<item><title>{xml_escape(prefix + part)} - {state}</title><link>https://status.example/</link>"
        f"<description>{xml_escape(prefix + part)} is {state.lower()}.</description>"
        f"<pubDate>{format_datetime(now, usegmt=True)}</pubDate>"
        f'<guid isPermaLink="false">drill-component-{n}</guid></item>'
        for n, (part, state) in enumerate((("", shown), (" API", shown)), start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>Status</title><link>https://status.example/</link>"
        f"<description>Current status</description><lastBuildDate>{format_datetime(now, usegmt=True)}"
        f"</lastBuildDate>{items}</channel></rss>"
    )
