"""Instatus summary.json: page words, incident impacts, maintenances, and junk.

Fixtures: ``up.json`` (empty lists), ``up_minimal.json`` (the lists left out, as quiet pages
serve them), ``hasissues.json`` (a major outage, a minor one being monitored, a resolved one and
a maintenance not yet started) and ``maintenance.json`` (``activeIncidents`` null, one
maintenance in progress with a numeric duration, one completed).
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
from outagetray.core.sources import instatus

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "instatus"
UP = (FIXTURES / "up.json").read_bytes()
UP_MINIMAL = (FIXTURES / "up_minimal.json").read_bytes()
HAS_ISSUES = (FIXTURES / "hasissues.json").read_bytes()
MAINTENANCE = (FIXTURES / "maintenance.json").read_bytes()

UNCLEAR = "Status unclear: the status page says something OutageTray does not recognise"
PAGE = {"name": "Fediverse Social", "url": "https://status.fedi.example", "status": "UP"}


def read(body: bytes) -> Reading:
    return instatus.parse(body, {"Content-Type": "application/json"}, {})


def doc(status: object = "HASISSUES", **fields: Any) -> bytes:
    return json.dumps({"page": dict(PAGE, status=status), **fields}).encode()


def incident(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "cm80aa11bb22cc33dd44ee55f",
        "name": "Timelines are not loading",
        "started": "2025-04-10T12:00:00.000Z",
        "status": "INVESTIGATING",
        "impact": "MAJOROUTAGE",
        "url": "https://status.fedi.example/incident/cm80aa11bb22cc33dd44ee55f",
        "updatedAt": "2025-04-10T12:05:00.000Z",
    }
    base.update(overrides)
    return base


def maintenance(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "cm80ff66ee55dd44cc33bb22a",
        "name": "Database upgrade",
        "start": "2025-04-10T02:00:00.000Z",
        "status": "INPROGRESS",
        "duration": "60",
        "url": "https://status.fedi.example/maintenance/cm80ff66ee55dd44cc33bb22a",
        "updatedAt": "2025-04-10T02:00:10.000Z",
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


@pytest.mark.parametrize("body", [UP, UP_MINIMAL], ids=["empty-lists", "lists-left-out"])
def test_up_is_operational(body: bytes) -> None:
    reading = read(body)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All systems operational"
    assert reading.incidents == ()
    assert reading.detail.startswith("Instatus page 'Fediverse Social' says 'UP'")


def test_has_issues_takes_the_worst_active_incident() -> None:
    reading = read(HAS_ISSUES)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.summary == "Outage reported — Media uploads and timelines are failing (+1 more)"
    assert reading.affected == ()
    first, second = reading.incidents
    assert (first.title, first.verdict, first.status) == (
        "Media uploads and timelines are failing",
        Verdict.MAJOR_OUTAGE,
        "Investigating",
    )
    assert first.url == "https://status.fedi.example/incident/cm7q2x9lk00a1mf0fz3w8v2pd"
    assert first.started_at == "2025-04-02T09:14:22.000Z"
    assert (second.title, second.verdict, second.status) == (
        "Push notifications are delayed",
        Verdict.DEGRADED,
        "Monitoring",
    )
    # The resolved incident and the maintenance not started yet are ignored.
    assert "2 resolved, planned or finished item(s) ignored" in reading.detail


def test_under_maintenance_with_one_in_progress() -> None:
    reading = read(MAINTENANCE)
    assert reading.verdict is Verdict.MAINTENANCE
    assert reading.summary == "Maintenance in progress — Moving media storage to a new provider"
    (note,) = reading.incidents
    assert note.verdict is Verdict.MAINTENANCE
    assert note.status == "In progress (2 hours planned)"
    assert note.started_at == "2025-04-06T02:00:00.000Z"


def test_registry_reads_instatus_the_same_way() -> None:
    assert sources.parse("instatus", HAS_ISSUES, {}, {}) == read(HAS_ISSUES)


# --- page words ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected", "summary"),
    [
        ("UP", Verdict.OPERATIONAL, "All systems operational"),
        ("UNDERMAINTENANCE", Verdict.MAINTENANCE, "Maintenance in progress"),
        ("HASISSUES", Verdict.DEGRADED, "Problems reported"),
        ("hasissues", Verdict.DEGRADED, "Problems reported"),
    ],
)
def test_page_status_alone(status: str, expected: Verdict, summary: str) -> None:
    reading = read(doc(status, activeIncidents=[], activeMaintenances=[]))
    assert reading.verdict is expected
    assert reading.summary == summary


@pytest.mark.parametrize("status", ["DOWN", "HAS_ISSUES", "OPERATIONAL", "", None, 1, ["UP"]])
def test_unknown_page_status_is_unknown(status: object) -> None:
    reading = read(doc(status, activeIncidents=[], activeMaintenances=[]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "page status" in reading.detail


def test_unknown_page_status_does_not_hide_an_outage() -> None:
    assert read(doc("DOWN", activeIncidents=[incident()])).verdict is Verdict.MAJOR_OUTAGE


# --- incident impacts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        ("DEGRADEDPERFORMANCE", Verdict.DEGRADED),
        ("MINOROUTAGE", Verdict.DEGRADED),
        ("PARTIALOUTAGE", Verdict.PARTIAL_OUTAGE),
        ("MAJOROUTAGE", Verdict.MAJOR_OUTAGE),
        ("UNDERMAINTENANCE", Verdict.DEGRADED),
        ("OPERATIONAL", Verdict.DEGRADED),
        ("partialoutage", Verdict.PARTIAL_OUTAGE),
    ],
)
def test_has_issues_with_one_incident(impact: str, expected: Verdict) -> None:
    """HASISSUES is at least degraded, even when the incident itself claims less."""
    reading = read(doc("HASISSUES", activeIncidents=[incident(impact=impact)]))
    assert reading.verdict is expected


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        ("OPERATIONAL", Verdict.OPERATIONAL),
        ("UNDERMAINTENANCE", Verdict.MAINTENANCE),
        ("DEGRADEDPERFORMANCE", Verdict.DEGRADED),
        ("MAJOROUTAGE", Verdict.MAJOR_OUTAGE),
    ],
)
def test_incident_impact_counts_even_when_the_page_says_up(impact: str, expected: Verdict) -> None:
    reading = read(doc("UP", activeIncidents=[incident(impact=impact)]))
    assert reading.verdict is expected
    assert reading.incidents[0].verdict is expected


def test_operational_incident_title_explains_has_issues() -> None:
    reading = read(doc("HASISSUES", activeIncidents=[incident(impact="OPERATIONAL", name="Slow search")]))
    assert reading.summary == "Problems reported — Slow search"


@pytest.mark.parametrize("status", ["INVESTIGATING", "IDENTIFIED", "MONITORING", "identified"])
def test_open_incident_statuses_count(status: str) -> None:
    reading = read(doc("UP", activeIncidents=[incident(status=status, impact="PARTIALOUTAGE")]))
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.summary == "Partial outage reported — Timelines are not loading"


def test_resolved_incidents_do_not_count() -> None:
    reading = read(doc("UP", activeIncidents=[incident(status="RESOLVED")]))
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.incidents == ()


@pytest.mark.parametrize("impact", ["CRITICAL", "minor", "", None, 3])
def test_unknown_impact_is_unknown_for_that_incident(impact: object) -> None:
    reading = read(doc("UP", activeIncidents=[incident(impact=impact)]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "has impact" in reading.detail
    # A page that HASISSUES is still at least degraded.
    assert read(doc("HASISSUES", activeIncidents=[incident(impact=impact)])).verdict is Verdict.DEGRADED


@pytest.mark.parametrize("status", ["POSTMORTEM", "", None, 2])
def test_unknown_incident_status_is_unknown(status: object) -> None:
    reading = read(doc("UP", activeIncidents=[incident(status=status)]))
    assert reading.verdict is Verdict.UNKNOWN
    assert "has status" in reading.detail


def test_unknown_items_do_not_hide_a_known_outage() -> None:
    body = doc(
        "UP", activeIncidents=[incident(impact="CRITICAL"), incident(name="Down", impact="MAJOROUTAGE")]
    )
    reading = read(body)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.summary == "Outage reported — Down"


# --- maintenances -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "status"),
    [
        ("60", "In progress (60 min planned)"),
        (90, "In progress (90 min planned)"),
        (180.0, "In progress (3 hours planned)"),
        (" 45 ", "In progress (45 min planned)"),
        ("soon", "In progress"),
        (None, "In progress"),
        (True, "In progress"),
        (-5, "In progress"),
        ("NaN", "In progress"),
        ("1e400", "In progress"),
        ([60], "In progress"),
    ],
)
def test_maintenance_in_progress_with_any_duration(duration: object, status: str) -> None:
    reading = read(doc("UP", activeMaintenances=[maintenance(duration=duration)]))
    assert reading.verdict is Verdict.MAINTENANCE
    assert reading.summary == "Maintenance in progress — Database upgrade"
    assert reading.incidents[0].status == status


@pytest.mark.parametrize("status", ["NOTSTARTEDYET", "COMPLETED", "completed"])
def test_maintenance_not_in_progress_does_not_count(status: str) -> None:
    reading = read(doc("UP", activeMaintenances=[maintenance(status=status)]))
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.incidents == ()


@pytest.mark.parametrize("status", ["SCHEDULED", "", None])
def test_unknown_maintenance_status_is_unknown(status: object) -> None:
    reading = read(doc("UP", activeMaintenances=[maintenance(status=status)]))
    assert reading.verdict is Verdict.UNKNOWN
    assert "maintenance 'Database upgrade' has status" in reading.detail


def test_maintenance_and_outage_together_report_the_outage() -> None:
    body = doc("HASISSUES", activeIncidents=[incident()], activeMaintenances=[maintenance()])
    reading = read(body)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.summary == "Outage reported — Timelines are not loading (+1 more)"


# --- missing and wrong-typed fields -------------------------------------------------------------


@pytest.mark.parametrize("key", ["activeIncidents", "activeMaintenances"])
def test_null_lists_read_as_empty(key: str) -> None:
    data = json.loads(UP)
    data[key] = None
    assert read(json.dumps(data).encode()).verdict is Verdict.OPERATIONAL


@pytest.mark.parametrize("key", ["activeIncidents", "activeMaintenances"])
@pytest.mark.parametrize("value", ["x", {}, 1, True])
def test_lists_of_the_wrong_type_are_unknown(key: str, value: object) -> None:
    data = json.loads(UP)
    data[key] = value
    reading = read(json.dumps(data).encode())
    assert reading.verdict is Verdict.UNKNOWN
    assert f"{key} is" in reading.detail


@pytest.mark.parametrize("entry", ["x", 1, None, []])
def test_entries_that_are_not_objects_are_unknown(entry: object) -> None:
    assert read(doc("UP", activeIncidents=[entry])).verdict is Verdict.UNKNOWN
    assert read(doc("UP", activeMaintenances=[entry])).verdict is Verdict.UNKNOWN


def test_page_missing_but_incidents_listed_still_reports_them() -> None:
    reading = read(json.dumps({"activeIncidents": [incident()]}).encode())
    assert reading.verdict is Verdict.MAJOR_OUTAGE


def test_page_missing_with_empty_lists_is_unknown() -> None:
    reading = read(b'{"activeIncidents": [], "activeMaintenances": []}')
    assert reading.verdict is Verdict.UNKNOWN
    assert "page status is missing" in reading.detail


def test_wrong_typed_item_fields_are_tolerated() -> None:
    reading = read(
        doc("HASISSUES", activeIncidents=[incident(name=None, url="data:text/html,hi", started=5)])
    )
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    note = reading.incidents[0]
    assert (note.title, note.url, note.started_at) == ("Untitled incident", "", "5")


def test_network_text_is_cleaned() -> None:
    long_name = "Timelines\u202e\nare\x00 down " + "x" * 500
    reading = read(doc("HASISSUES", activeIncidents=[incident(name=long_name)]))
    assert reading.incidents[0].title.startswith("Timelines are down xxx")
    assert len(reading.incidents[0].title) <= 300
    assert len(reading.summary) <= 120 and "\n" not in reading.summary


# --- unreadable bodies --------------------------------------------------------------------------

UNCLAIMED = (
    b"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Instatus</title></head>"
    b"<body><h1>This status page does not exist</h1></body></html>"
)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (UNCLAIMED, "HTML"),
        (HAS_ISSUES[:100], "not valid JSON"),
        (b"[]", "expected a JSON object"),
        (b"true", "expected a JSON object"),
        (b"{}", "no page status"),
        (b'{"page": "UP"}', "no page status"),
        (b'{"name": "Fediverse Social", "status": "UP"}', "no page status"),
        (b'{"page": {"status": "UP\xc3"}}', "not valid UTF-8"),
        (b'{"page":' * 100_000 + b"{}" + b"}" * 100_000, "nested too deeply"),
    ],
    ids=[
        "empty",
        "spaces",
        "unclaimed-page",
        "truncated",
        "list-root",
        "bool-root",
        "empty-object",
        "page-string",
        "flat-object",
        "invalid-utf8",
        "deep",
    ],
)
def test_unreadable_bodies_are_unknown(body: bytes, fragment: str) -> None:
    assert_unreadable(read(body), fragment)


def test_utf8_bom_is_accepted() -> None:
    assert read(b"\xef\xbb\xbf" + HAS_ISSUES) == read(HAS_ISSUES)
    assert read(b"\xef\xbb\xbf" + UP).verdict is Verdict.OPERATIONAL


def test_fixture_covers_every_kind_of_incident_state() -> None:
    data = json.loads(HAS_ISSUES)
    assert [i["status"] for i in data["activeIncidents"]] == ["INVESTIGATING", "MONITORING", "RESOLVED"]
    assert [m["status"] for m in data["activeMaintenances"]] == ["NOTSTARTEDYET"]


# --- properties ---------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
_words = st.sampled_from(
    [
        "UP",
        "HASISSUES",
        "UNDERMAINTENANCE",
        "OPERATIONAL",
        "MAJOROUTAGE",
        "MINOROUTAGE",
        "INVESTIGATING",
        "RESOLVED",
        "INPROGRESS",
        "NOTSTARTEDYET",
        "60",
    ]
)
_keys = st.sampled_from(
    [
        "page",
        "status",
        "activeIncidents",
        "activeMaintenances",
        "impact",
        "name",
        "url",
        "duration",
        "started",
    ]
)
_shaped = st.recursive(
    st.none() | st.integers() | st.floats() | _words | st.text(max_size=10),
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
def test_instatus_shaped_json_is_operational_only_when_instatus_says_so(value: object) -> None:
    reading = read(json.dumps(value).encode())
    _check(reading)
    if reading.verdict is Verdict.OPERATIONAL:
        assert isinstance(value, dict)
        page = value["page"]
        assert isinstance(page, dict) and str(page["status"]).strip().upper() == "UP"
