"""Slack Status API v2: each type and status, the "active but nothing listed" call, and junk.

Fixtures are complete ``/api/v2.0.0/current`` documents in Slack's own shape (compact JSON,
escaped slashes, numeric or string ids).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outagetray.core import sources
from outagetray.core.model import Reading, Verdict
from outagetray.core.sources import slack

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
OK = (FIXTURES / "ok.json").read_bytes()
INCIDENT = (FIXTURES / "incident.json").read_bytes()
OUTAGE = (FIXTURES / "outage.json").read_bytes()
NOTICE = (FIXTURES / "notice.json").read_bytes()
SCHEDULED_ONLY = (FIXTURES / "scheduled_only.json").read_bytes()

UNCLEAR = "Status unclear: Slack's status page says something OutageTray does not recognise"
ACTIVE_BUT_NOTHING = "Status unclear: Slack reports an active issue but lists nothing ongoing"


def read(body: bytes) -> Reading:
    return slack.parse(body, {"Content-Type": "application/json"}, {})


def doc(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def item(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 3001,
        "date_created": "2025-01-08T09:00:00-08:00",
        "date_updated": "2025-01-08T09:10:00-08:00",
        "title": "Messages may fail to send",
        "type": "incident",
        "status": "active",
        "url": "https://slack-status.com/2025-01/aa11bb22cc33dd44",
        "services": ["Messaging"],
        "notes": [{"date_created": "2025-01-08T09:00:00-08:00", "body": "We're investigating."}],
    }
    base.update(overrides)
    return base


def assert_unreadable(reading: Reading, fragment: str) -> None:
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert fragment in reading.detail
    assert reading.affected == ()
    assert reading.incidents == ()


# --- the real-shaped documents ------------------------------------------------------------------


def test_ok_with_no_incidents_is_operational() -> None:
    reading = read(OK)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All systems operational"
    assert reading.affected == ()
    assert reading.incidents == ()
    assert reading.detail == "Slack's overall status is 'ok'; 0 ongoing item(s) counted."


def test_two_incidents_are_degraded_and_name_every_service() -> None:
    reading = read(INCIDENT)
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("Notifications", "Apps/Integrations/APIs", "Workflows")
    assert reading.summary.startswith(
        "Problems: Notifications, Apps/Integrations/APIs, Workflows — Some users may see delays"
    )
    assert reading.summary.endswith("… (+1 more)")
    assert len(reading.summary) <= 120
    first, second = reading.incidents
    assert first.title == "Some users may see delays when receiving notifications"
    assert first.verdict is Verdict.DEGRADED
    assert first.status == "Active"
    assert first.url == "https://slack-status.com/2024-03/0c5e2b91a7d4f310"
    assert first.started_at == "2024-03-14T06:02:51-07:00"
    assert second.title == "Some API calls are returning errors"


def test_outage_wins_and_ignores_scheduled_and_resolved_items() -> None:
    reading = read(OUTAGE)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    # The outage's services lead; the notice adds Files; Huddles (scheduled) and Search
    # (resolved) are not affected.
    assert reading.affected == ("Messaging", "Login/SSO", "Connectivity", "Files")
    assert reading.summary.startswith(
        "Outage: Messaging, Login/SSO, Connectivity and 1 more — Users may have trouble loading Slack"
    )
    assert reading.summary.endswith("(+1 more)")
    assert [n.title for n in reading.incidents] == [
        "Users may have trouble loading Slack, sending messages or signing in",
        "File previews may be slow to load",
    ]
    assert [n.verdict for n in reading.incidents] == [Verdict.MAJOR_OUTAGE, Verdict.DEGRADED]
    assert "2 planned, finished or cancelled item(s) ignored" in reading.detail


def test_a_notice_alone_is_degraded_not_an_outage() -> None:
    reading = read(NOTICE)
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("Workflows",)
    assert (
        reading.summary
        == "Problems: Workflows — Workflow Builder steps from some legacy apps are being retired"
    )


def test_active_page_with_only_scheduled_maintenance_is_unknown() -> None:
    reading = read(SCHEDULED_ONLY)
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == ACTIVE_BUT_NOTHING
    assert reading.affected == ()
    assert reading.incidents == ()
    assert "no listed item is ongoing" in reading.detail


def test_registry_reads_slack_the_same_way() -> None:
    assert sources.parse("slack", OUTAGE, {}, {}) == read(OUTAGE)


# --- each mapping -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("outage", Verdict.MAJOR_OUTAGE),
        ("incident", Verdict.DEGRADED),
        ("notice", Verdict.DEGRADED),
        ("Outage", Verdict.MAJOR_OUTAGE),
        (" INCIDENT ", Verdict.DEGRADED),
    ],
)
def test_active_item_type_mapping(kind: str, expected: Verdict) -> None:
    reading = read(doc(status="active", active_incidents=[item(type=kind)]))
    assert reading.verdict is expected
    assert reading.affected == ("Messaging",)
    assert reading.incidents[0].verdict is expected


@pytest.mark.parametrize(
    "status", ["scheduled", "completed", "cancelled", "canceled", "resolved", "Resolved"]
)
def test_items_not_happening_now_do_not_count(status: str) -> None:
    reading = read(doc(status="ok", active_incidents=[item(type="outage", status=status)]))
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All systems operational"
    assert reading.affected == ()
    assert reading.incidents == ()


def test_ok_top_level_does_not_hide_an_active_outage() -> None:
    reading = read(doc(status="ok", active_incidents=[item(type="outage")]))
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.summary == "Outage: Messaging — Messages may fail to send"


def test_active_top_level_with_empty_list_is_unknown() -> None:
    reading = read(doc(status="active", active_incidents=[]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == ACTIVE_BUT_NOTHING


def test_services_of_several_incidents_are_merged_without_repeats() -> None:
    body = doc(
        status="active",
        active_incidents=[
            item(type="notice", services=["Files", "Messaging"]),
            item(id=3002, type="outage", services=["Messaging", "Login/SSO"], title="Slack is down"),
        ],
    )
    reading = read(body)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Messaging", "Login/SSO", "Files")
    assert reading.summary == "Outage: Messaging, Login/SSO, Files — Slack is down (+1 more)"


# --- unknown enum values ------------------------------------------------------------------------


def test_unknown_type_alone_is_unknown_not_operational() -> None:
    reading = read(doc(status="ok", active_incidents=[item(type="degradation")]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "type 'degradation'" in reading.detail
    assert reading.affected == ()
    assert reading.incidents[0].verdict is Verdict.UNKNOWN


def test_unknown_type_does_not_hide_a_known_outage() -> None:
    body = doc(status="active", active_incidents=[item(type="degradation"), item(id=2, type="outage")])
    reading = read(body)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Messaging",)
    assert "type 'degradation'" in reading.detail


@pytest.mark.parametrize("status", ["investigating", "", None, 3])
def test_unknown_item_status_is_unknown(status: object) -> None:
    reading = read(doc(status="ok", active_incidents=[item(type="outage", status=status)]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert reading.affected == ()


@pytest.mark.parametrize("top", ["maintenance", "OK!", "", 1, None, ["ok"]])
def test_unknown_top_level_status_is_unknown_when_nothing_is_wrong(top: object) -> None:
    reading = read(doc(status=top, active_incidents=[]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "overall status" in reading.detail


def test_unknown_top_level_status_does_not_hide_an_outage() -> None:
    reading = read(doc(status="degraded", active_incidents=[item(type="outage")]))
    assert reading.verdict is Verdict.MAJOR_OUTAGE


# --- missing and wrong-typed fields -------------------------------------------------------------


def test_missing_status_and_list_is_unreadable() -> None:
    assert_unreadable(read(doc(date_created="2025-01-08T09:00:00-08:00")), "neither a Slack status")


def test_health_endpoint_answer_is_not_operational() -> None:
    """``{"status": "ok"}`` is what many unrelated endpoints say; it proves nothing about Slack."""
    reading = read(b'{"status": "ok"}')
    assert reading.verdict is Verdict.UNKNOWN
    assert "the list of incidents is missing" in reading.detail


def test_missing_status_with_empty_list_is_unknown() -> None:
    reading = read(doc(active_incidents=[]))
    assert reading.verdict is Verdict.UNKNOWN
    assert "overall status missing" in reading.detail


def test_missing_status_with_an_active_outage_still_reports_it() -> None:
    assert read(doc(active_incidents=[item(type="outage")])).verdict is Verdict.MAJOR_OUTAGE


@pytest.mark.parametrize("value", ["x", None, {}, 5, True])
def test_active_incidents_of_the_wrong_type_is_unknown(value: object) -> None:
    reading = read(doc(status="ok", active_incidents=value))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "instead of a list" in reading.detail


@pytest.mark.parametrize("entry", ["x", 1, None, ["outage"]])
def test_an_entry_that_is_not_an_object_is_unknown(entry: object) -> None:
    reading = read(doc(status="ok", active_incidents=[entry]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.incidents[0].title == "Unreadable incident entry"


def test_wrong_typed_item_fields_are_tolerated() -> None:
    body = doc(
        status="active",
        active_incidents=[item(title=None, services="Messaging", url="javascript:alert(1)", date_created=7)],
    )
    reading = read(body)
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ()
    note = reading.incidents[0]
    assert note.title == "Untitled incident"
    assert note.url == ""
    assert note.started_at == "7"
    assert reading.summary == "Problems reported — Untitled incident"


def test_network_text_is_cleaned() -> None:
    title = "Messages\u202e fail\n\tto send\x00" + "!" * 400
    body = doc(status="active", active_incidents=[item(title=title, services=["Mess\u200baging", 5, ""])])
    reading = read(body)
    assert reading.affected == ("Messaging", "5")
    assert reading.incidents[0].title.startswith("Messages fail to send!!!")
    assert len(reading.incidents[0].title) <= 300
    assert "\n" not in reading.summary and len(reading.summary) <= 120


def test_many_services_are_shortened_in_the_summary() -> None:
    services = ["Login/SSO", "Messaging", "Notifications", "Search", "Files", "Huddles"]
    reading = read(doc(status="active", active_incidents=[item(type="outage", services=services)]))
    assert reading.affected == tuple(services)
    assert (
        reading.summary
        == "Outage: Login/SSO, Messaging, Notifications and 3 more — Messages may fail to send"
    )


# --- unreadable bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b" \r\n\t ", "empty"),
        (b"<!DOCTYPE html><html><head><title>Slack System Status</title></head><body></body></html>", "HTML"),
        (b"\n  <html><body>502 Bad Gateway</body></html>", "HTML"),
        (OUTAGE[: len(OUTAGE) // 2], "not valid JSON"),
        (b"[]", "expected a JSON object"),
        (b'"ok"', "expected a JSON object"),
        (b"null", "expected a JSON object"),
        (b"42", "expected a JSON object"),
        (b'{"status": "ok", "active_incidents": [], "note": "\xff\xfe"}', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
        (b"{'status': 'ok', 'active_incidents': []}", "not valid JSON"),
    ],
    ids=[
        "empty",
        "whitespace",
        "html",
        "html-error-page",
        "truncated",
        "list-root",
        "string-root",
        "null-root",
        "number-root",
        "invalid-utf8",
        "deep-list",
        "deep-object",
        "python-repr",
    ],
)
def test_unreadable_bodies_are_unknown(body: bytes, fragment: str) -> None:
    assert_unreadable(read(body), fragment)


def test_html_is_unknown_even_when_labelled_json() -> None:
    html = b"<html><head><title>Just a moment...</title></head><body></body></html>"
    reading = slack.parse(html, {"content-type": "application/json; charset=utf-8"}, {})
    assert_unreadable(reading, "HTML")


def test_utf8_bom_is_accepted() -> None:
    assert read(b"\xef\xbb\xbf" + OUTAGE) == read(OUTAGE)
    assert read(b"\xef\xbb\xbf" + OK).verdict is Verdict.OPERATIONAL


def test_duplicate_keys_keep_the_last_value() -> None:
    reading = read(b'{"status": "active", "status": "ok", "active_incidents": []}')
    assert reading.verdict is Verdict.OPERATIONAL


# --- properties ---------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
_words = st.sampled_from(
    ["ok", "active", "outage", "incident", "notice", "scheduled", "completed", "cancelled", "resolved", "x"]
)
_keys = st.sampled_from(
    ["status", "active_incidents", "type", "title", "services", "url", "date_created", "id", "notes"]
)
_shaped = st.recursive(
    st.none() | st.integers() | _words | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=6),
    max_leaves=30,
)


def _check(reading: Reading) -> None:
    assert isinstance(reading, Reading)
    assert isinstance(reading.verdict, Verdict)
    assert reading.summary and "\n" not in reading.summary
    assert len(reading.summary) <= 120


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_nor_read_operational(body: bytes) -> None:
    reading = read(body)
    _check(reading)
    assert reading.verdict is not Verdict.OPERATIONAL


@settings(max_examples=300, deadline=None)
@given(_json)
def test_arbitrary_json_never_raises(value: object) -> None:
    _check(read(json.dumps(value).encode()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_shaped)
def test_slack_shaped_json_is_operational_only_when_slack_says_so(value: object) -> None:
    reading = read(json.dumps(value).encode())
    _check(reading)
    if reading.verdict is Verdict.OPERATIONAL:
        assert isinstance(value, dict)
        assert isinstance(value["status"], str) and value["status"].strip().lower() == "ok"
        assert isinstance(value["active_incidents"], list)
        assert reading.affected == ()
