"""Google incidents.json: open versus history, the product filter, impact words, links and junk.

``workspace.json`` is a Workspace feed with Gmail down (``end`` missing), Drive slow (``end``
null), a Calendar notice (``end`` "") and closed history for Gmail, Meet and Chat.
``workspace_gmail_recovered.json`` is the same feed after Gmail recovered. ``cloud_history.json``
is a Cloud feed with history only, one incident modelled on a real 2023 BigQuery one.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outagetray.core import sources
from outagetray.core.model import Reading, Verdict
from outagetray.core.sources import google_incidents

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "google_incidents"
WORKSPACE = (FIXTURES / "workspace.json").read_bytes()
RECOVERED = (FIXTURES / "workspace_gmail_recovered.json").read_bytes()
CLOUD = (FIXTURES / "cloud_history.json").read_bytes()
DASHBOARD = "https://www.google.com/appsstatus/dashboard/"
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)

UNCLEAR = "Status unclear: Google's status page says something OutageTray does not recognise"
GMAIL_TITLE = "Gmail users are unable to send or receive email"
DRIVE_TITLE = "Some users are experiencing slow uploads to Google Drive"
CALENDAR_TITLE = "Changes to how Calendar invitations from external senders are shown"


def read(body: bytes, **options: str) -> Reading:
    return google_incidents.parse(body, {"Content-Type": "application/json"}, options)


def feed() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(WORKSPACE)
    return copy.deepcopy(data)


def dump(incidents: list[Any]) -> bytes:
    return json.dumps(incidents).encode()


def incident(product: str = "Gmail", **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "aaaaaaaaaaaaaaaaaaaa",
        "number": "1234567890",
        "begin": "2025-05-01T10:00:00+00:00",
        "created": "2025-05-01T10:05:00+00:00",
        "modified": "2025-05-01T10:30:00+00:00",
        "external_desc": f"{product} users may see errors",
        "updates": [],
        "most_recent_update": {
            "created": "2025-05-01T10:30:00+00:00",
            "modified": "2025-05-01T10:30:00+00:00",
            "when": "2025-05-01T10:30:00+00:00",
            "text": "We are investigating.",
            "status": "SERVICE_DISRUPTION",
            "affected_locations": [],
        },
        "status_impact": "SERVICE_DISRUPTION",
        "severity": "medium",
        "service_key": f"{product.lower()}-key",
        "service_name": product,
        "affected_products": [{"title": product, "id": f"{product.lower()}-key"}],
        "uri": "incidents/aaaaaaaaaaaaaaaaaaaa",
        "currently_affected_locations": [],
        "previously_affected_locations": [],
    }
    base.update(overrides)
    return base


def closed(product: str = "Gmail") -> dict[str, Any]:
    return incident(product, end="2025-04-01T12:00:00+00:00", status_impact="SERVICE_OUTAGE")


def assert_unreadable(reading: Reading, fragment: str) -> None:
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert fragment in reading.detail
    assert reading.affected == ()
    assert reading.incidents == ()


# --- the real-shaped feeds ----------------------------------------------------------------------


def test_whole_feed_without_product_counts_every_open_incident() -> None:
    reading = read(WORKSPACE)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Gmail", "Google Drive")
    assert reading.summary == f"Outage: Gmail, Google Drive — {GMAIL_TITLE} (+1 more)"
    assert [(n.title, n.verdict) for n in reading.incidents] == [
        (GMAIL_TITLE, Verdict.MAJOR_OUTAGE),
        (DRIVE_TITLE, Verdict.PARTIAL_OUTAGE),
        (CALENDAR_TITLE, Verdict.OPERATIONAL),
    ]
    assert "5 incident(s)" in reading.detail


def test_gmail_outage_is_reported_for_gmail() -> None:
    reading = read(WORKSPACE, product="Gmail")
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Gmail",)
    assert reading.summary == f"Outage: Gmail — {GMAIL_TITLE}"
    (note,) = reading.incidents
    assert note.title == GMAIL_TITLE
    assert note.status == "Service outage"
    assert note.started_at == "2025-03-11T13:05:00+00:00"
    assert note.url == "incidents/fBr5Kq2XhPz8TwLm3eVd"


def test_open_drive_incident_does_not_affect_gmail() -> None:
    reading = read(RECOVERED, product="gmail")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "No problems reported for Gmail"
    assert reading.affected == ()
    assert reading.incidents == ()


def test_the_drive_incident_is_reported_for_drive() -> None:
    reading = read(RECOVERED, product="Google Drive")
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Google Drive",)
    assert reading.summary == f"Partial outage: Google Drive — {DRIVE_TITLE}"


def test_product_matches_by_id_and_service_name_too() -> None:
    assert read(WORKSPACE, product="NNnDkY9VjB1pZBuhVgBL").verdict is Verdict.MAJOR_OUTAGE
    only_service = incident(affected_products=[])
    reading = read(dump([only_service, closed("Google Drive")]), product="GMAIL")
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Gmail",)


def test_product_match_is_exact_not_a_substring() -> None:
    reading = read(dump([incident("Google Chat"), closed("Gmail")]), product="Chat")
    assert reading.verdict is Verdict.OPERATIONAL
    assert "ever mentions 'Chat'" in reading.detail


def test_information_notice_is_operational_but_listed() -> None:
    reading = read(WORKSPACE, product="Google Calendar")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == f"No problems reported for Google Calendar (notice: {CALENDAR_TITLE})"
    assert reading.affected == ()
    (note,) = reading.incidents
    assert note.verdict is Verdict.OPERATIONAL
    assert note.status == "Information"


def test_history_only_feed_is_operational() -> None:
    reading = read(CLOUD)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All systems operational"
    assert reading.incidents == ()
    assert reading.detail.startswith("Google's feed lists 2 incident(s)")


def test_resolved_history_for_the_product_is_ignored() -> None:
    reading = read(CLOUD, product="Google BigQuery")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "No problems reported for Google BigQuery"
    assert "never mentions" not in reading.detail


def test_a_product_never_seen_is_flagged_in_the_detail() -> None:
    reading = read(CLOUD, product="Gmial")
    assert reading.verdict is Verdict.OPERATIONAL
    assert "No incident in the feed ever mentions 'Gmial'" in reading.detail


def test_registry_reads_google_the_same_way() -> None:
    assert sources.parse("google_incidents", WORKSPACE, {}, {"product": "Gmail"}) == read(
        WORKSPACE, product="Gmail"
    )


# --- open versus closed -------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["missing", None, "", "   "])
def test_end_missing_null_or_empty_means_open(end: object) -> None:
    open_one = incident(status_impact="SERVICE_OUTAGE")
    if end != "missing":
        open_one["end"] = end
    reading = read(dump([open_one, closed()]), product="Gmail")
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Gmail",)


def test_an_end_time_means_closed_whatever_the_impact() -> None:
    reading = read(dump([closed(), closed("Google Drive")]))
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.incidents == ()


@pytest.mark.parametrize("end", [0, 1714564800, True, ["2025-05-01"], {"at": "x"}])
def test_an_unreadable_end_is_unknown_for_that_incident(end: object) -> None:
    reading = read(dump([incident(end=end), closed()]), product="Gmail")
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "end time" in reading.detail


def test_an_unreadable_end_for_another_product_does_not_matter() -> None:
    reading = read(dump([incident("Google Drive", end=5), closed()]), product="Gmail")
    assert reading.verdict is Verdict.OPERATIONAL


# --- impact mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        ("SERVICE_OUTAGE", Verdict.MAJOR_OUTAGE),
        ("SERVICE_DISRUPTION", Verdict.PARTIAL_OUTAGE),
        ("SERVICE_INFORMATION", Verdict.OPERATIONAL),
        ("AVAILABLE", Verdict.OPERATIONAL),
        ("service_outage", Verdict.MAJOR_OUTAGE),
    ],
)
def test_status_impact_mapping(impact: str, expected: Verdict) -> None:
    reading = read(dump([incident(status_impact=impact), closed()]), product="Gmail")
    assert reading.verdict is expected
    assert reading.incidents[0].verdict is expected
    assert reading.affected == (("Gmail",) if expected.is_problem else ())


@pytest.mark.parametrize("absent", ["missing", None, ""])
def test_latest_update_status_is_used_when_status_impact_is_absent(absent: object) -> None:
    item = incident()
    item["most_recent_update"]["status"] = "SERVICE_OUTAGE"
    if absent == "missing":
        del item["status_impact"]
    else:
        item["status_impact"] = absent
    reading = read(dump([item, closed()]), product="Gmail")
    assert reading.verdict is Verdict.MAJOR_OUTAGE


def test_status_impact_wins_over_the_latest_update() -> None:
    item = incident(status_impact="SERVICE_INFORMATION")
    item["most_recent_update"]["status"] = "SERVICE_OUTAGE"
    assert read(dump([item, closed()]), product="Gmail").verdict is Verdict.OPERATIONAL


@pytest.mark.parametrize("impact", ["SERVICE_DEGRADED", "low", 3, ["SERVICE_OUTAGE"]])
def test_unknown_impact_is_unknown_for_that_incident(impact: object) -> None:
    reading = read(dump([incident(status_impact=impact), closed()]), product="Gmail")
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "has impact" in reading.detail
    assert reading.incidents[0].verdict is Verdict.UNKNOWN


def test_no_impact_anywhere_is_unknown() -> None:
    item = incident()
    del item["status_impact"]
    del item["most_recent_update"]
    assert read(dump([item, closed()]), product="Gmail").verdict is Verdict.UNKNOWN


def test_unknown_impact_does_not_hide_a_known_outage() -> None:
    data = [
        incident("Google Drive", status_impact="WEIRD"),
        incident("Gmail", status_impact="SERVICE_OUTAGE"),
    ]
    reading = read(dump(data))
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Gmail",)


def test_unknown_impact_for_another_product_does_not_matter() -> None:
    data = [incident("Google Drive", status_impact="WEIRD"), closed("Gmail")]
    assert read(dump(data), product="Gmail").verdict is Verdict.OPERATIONAL


def test_affected_lists_every_product_of_a_counted_incident_worst_first() -> None:
    shared = incident(
        status_impact="SERVICE_DISRUPTION",
        affected_products=[{"title": "Google Meet", "id": "meet"}, {"title": "Google Chat", "id": "chat"}],
    )
    gmail = incident("Gmail", status_impact="SERVICE_OUTAGE", external_desc="Gmail is down")
    reading = read(dump([shared, gmail]))
    assert reading.affected == ("Gmail", "Google Meet", "Google Chat")
    assert reading.summary == "Outage: Gmail, Google Meet, Google Chat — Gmail is down (+1 more)"
    assert read(dump([shared, gmail]), product="google chat").affected == ("Google Meet", "Google Chat")


# --- titles and links ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("desc", "title"),
    [
        ("**Summary**\nGmail is down\n\nmore", "Gmail is down"),
        ("Gmail is down\n**Description** long text", "Gmail is down"),
        ("# Gmail is **down**", "Gmail is down"),
        ("Summary: Gmail is down", "Gmail is down"),
        ("\n\n  \nGmail is down", "Gmail is down"),
    ],
)
def test_title_is_the_first_meaningful_line(desc: str, title: str) -> None:
    reading = read(dump([incident(external_desc=desc), closed()]), product="Gmail")
    assert reading.incidents[0].title == title


def test_title_falls_back_to_the_update_then_the_service() -> None:
    item = incident(external_desc=None)
    item["most_recent_update"]["text"] = "**Summary:** Delays in Gmail\n**Description:** more"
    assert read(dump([item, closed()]), product="Gmail").incidents[0].title == "Delays in Gmail"
    bare = incident(external_desc="", most_recent_update=None)
    assert read(dump([bare, closed()]), product="Gmail").incidents[0].title == "Gmail"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "incidents/fBr5Kq2XhPz8TwLm3eVd"),
        ({"base_url": DASHBOARD}, DASHBOARD + "incidents/fBr5Kq2XhPz8TwLm3eVd"),
        ({"base_url": DASHBOARD.rstrip("/")}, DASHBOARD + "incidents/fBr5Kq2XhPz8TwLm3eVd"),
        ({"url": DASHBOARD + "incidents.json"}, DASHBOARD + "incidents/fBr5Kq2XhPz8TwLm3eVd"),
        (
            {"url": "https://status.cloud.google.com/incidents.json"},
            "https://status.cloud.google.com/incidents/fBr5Kq2XhPz8TwLm3eVd",
        ),
        ({"base_url": "javascript:alert(1)//"}, "incidents/fBr5Kq2XhPz8TwLm3eVd"),
    ],
)
def test_relative_links_are_joined_to_the_dashboard(options: dict[str, str], expected: str) -> None:
    reading = read(WORKSPACE, product="Gmail", **options)
    assert reading.incidents[0].url == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("https://status.cloud.google.com/incidents/x", "https://status.cloud.google.com/incidents/x"),
        ("javascript:alert(1)", ""),
        ("//evil.example/incidents/x", ""),
        ("file:///etc/passwd", ""),
        (42, DASHBOARD + "42"),
        (None, ""),
    ],
)
def test_links_are_only_ever_web_links(uri: object, expected: str) -> None:
    reading = read(dump([incident(uri=uri), closed()]), product="Gmail", base_url=DASHBOARD)
    assert reading.incidents[0].url == expected


# --- wrong-typed fields -------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["x", 1, None, [], True])
def test_an_entry_that_is_not_an_incident_is_unknown(entry: object) -> None:
    reading = read(dump([entry, closed()]), product="Gmail")
    assert reading.verdict is Verdict.UNKNOWN
    assert "instead of an incident" in reading.detail


def test_an_open_incident_naming_no_product_is_unknown_when_filtering() -> None:
    anonymous = incident(affected_products="Gmail", service_name=None)
    reading = read(dump([anonymous, closed()]), product="Gmail")
    assert reading.verdict is Verdict.UNKNOWN
    assert "names no product" in reading.detail


def test_wrong_typed_product_entries_are_skipped() -> None:
    item = incident(affected_products=["Gmail", None, {"title": 7, "id": None}, {"title": "Gmail"}])
    reading = read(dump([item, closed()]), product="Gmail")
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("7", "Gmail")


def test_network_text_is_cleaned() -> None:
    item = incident(external_desc="Gmail\u202e is\x00 down" + "!" * 500, status_impact="SERVICE_OUTAGE")
    reading = read(dump([item, closed()]), product="Gmail")
    assert reading.incidents[0].title.startswith("Gmail is down!!!")
    assert len(reading.incidents[0].title) <= 300
    assert len(reading.summary) <= 120 and reading.summary.startswith("Outage: Gmail — Gmail is down!!!")


# --- unreadable bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (
            b"<!doctype html><html><head><title>Google Workspace Status Dashboard</title></head></html>",
            "HTML",
        ),
        (WORKSPACE[: len(WORKSPACE) // 3], "not valid JSON"),
        (b"{}", "not Google's list of incidents"),
        (b'{"incidents": []}', "not Google's list of incidents"),
        (b'"[]"', "not Google's list of incidents"),
        (b"null", "not Google's list of incidents"),
        (b"[]", "no incidents at all"),
        (b'[{"external_desc": "caf\xe9"}]', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=[
        "empty",
        "newlines",
        "html",
        "truncated",
        "object-root",
        "wrapped-list",
        "string-root",
        "null-root",
        "empty-list",
        "latin1",
        "deep",
    ],
)
def test_unreadable_bodies_are_unknown(body: bytes, fragment: str) -> None:
    assert_unreadable(read(body, product="Gmail"), fragment)


def test_utf8_bom_is_accepted() -> None:
    assert read(b"\xef\xbb\xbf" + WORKSPACE, product="Gmail") == read(WORKSPACE, product="Gmail")


# --- properties ---------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
_words = st.sampled_from(
    ["SERVICE_OUTAGE", "SERVICE_DISRUPTION", "SERVICE_INFORMATION", "AVAILABLE", "Gmail", "", "incidents/a"]
)
_keys = st.sampled_from(
    [
        "end",
        "begin",
        "status_impact",
        "most_recent_update",
        "status",
        "text",
        "external_desc",
        "affected_products",
        "title",
        "id",
        "service_name",
        "uri",
    ]
)
_shaped = st.lists(
    st.recursive(
        st.none() | st.integers() | _words | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=8),
        max_leaves=30,
    ),
    max_size=5,
)


def _check(reading: Reading) -> None:
    assert isinstance(reading, Reading)
    assert isinstance(reading.verdict, Verdict)
    assert reading.summary and "\n" not in reading.summary
    assert len(reading.summary) <= 120
    for note in reading.incidents:
        # Relative links may stay relative, but never point at another host or a non-web scheme.
        web = note.url.startswith(("https://", "http://"))
        assert web or not (_SCHEME.match(note.url) or note.url.startswith(("//", "\\")))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_nor_read_operational(body: bytes) -> None:
    reading = read(body, product="Gmail")
    _check(reading)
    assert reading.verdict is not Verdict.OPERATIONAL


@settings(max_examples=300, deadline=None)
@given(_json, st.sampled_from(["", "Gmail", "x"]))
def test_arbitrary_json_never_raises(value: object, product: str) -> None:
    _check(read(json.dumps(value).encode(), product=product))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shaped, st.sampled_from(["", "Gmail"]))
def test_google_shaped_json_counts_only_open_problems(value: list[Any], product: str) -> None:
    reading = read(json.dumps(value).encode(), product=product, base_url=DASHBOARD)
    _check(reading)
    if reading.verdict.is_problem:
        # Something must have been open: an entry whose end is missing, null or blank.
        assert any(
            isinstance(entry, dict) and (entry.get("end") is None or str(entry.get("end")).strip() == "")
            for entry in value
        )
    for note in reading.incidents:
        assert note.url == "" or note.url.startswith("https://")
