"""status.io: every code, components and containers, open incidents, maintenance, and junk.

Fixtures are complete ``/1.0/status/{page_id}`` documents for a five-component page
(Website, API, Messaging, Login, Media uploads) hosted on two containers (AWS, Google Cloud):
all clear with an upcoming maintenance, a partial outage in one container, a major outage,
a security event, maintenance next to an open incident, maintenance alone, and an incident
whose latest message says more than its components (listed newest first).
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
from outagetray.core.sources import statusio

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statusio"
OPERATIONAL = (FIXTURES / "operational.json").read_bytes()
PARTIAL = (FIXTURES / "partial.json").read_bytes()
MAJOR = (FIXTURES / "major.json").read_bytes()
SECURITY = (FIXTURES / "security.json").read_bytes()
MAINTENANCE = (FIXTURES / "maintenance.json").read_bytes()
MAINTENANCE_ONLY = (FIXTURES / "maintenance_only.json").read_bytes()
ESCALATED = (FIXTURES / "escalated.json").read_bytes()

UNCLEAR = "Status unclear: the status page says something OutageTray does not recognise"
MESSAGING_ID = "60a1b2c3d4e5f60017a8b9c2"
GCP_ID = "5f1e0c4b8a6c3d0013b4d5e6"


def read(body: bytes) -> Reading:
    return statusio.parse(body, {"Content-Type": "application/json"}, {})


def load(body: bytes = OPERATIONAL) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(body)
    return data


def dump(data: object) -> bytes:
    return json.dumps(data).encode()


def page(
    overall: object = 100,
    components: list[Any] | None = None,
    incidents: object = (),
    active: object = (),
    upcoming: object = (),
) -> bytes:
    result: dict[str, Any] = {
        "status_overall": {"updated": "2024-06-18T10:42:19.207Z", "status": "x", "status_code": overall},
        "status": components if components is not None else [component()],
        "incidents": list(incidents) if isinstance(incidents, tuple) else incidents,
        "maintenance": {
            "active": list(active) if isinstance(active, tuple) else active,
            "upcoming": list(upcoming) if isinstance(upcoming, tuple) else upcoming,
        },
    }
    return dump({"result": result})


def component(name: str = "Messaging", code: object = 100, *containers: tuple[str, object]) -> dict[str, Any]:
    return {
        "id": f"id-{name}",
        "name": name,
        "updated": "2024-06-18T10:42:19.207Z",
        "status": "x",
        "status_code": code,
        "containers": [
            {"id": f"c-{where}", "name": where, "updated": "2024-06-18T10:41:57.866Z", "status_code": ccode}
            for where, ccode in containers
        ],
    }


def incident(
    name: str = "Messages are late", *components: str, containers: tuple[str, ...] = ()
) -> dict[str, Any]:
    return {
        "name": name,
        "_id": "6671a9e0c4b2d80021e3f4a5",
        "datetime_open": "2024-06-18T10:41:57.701Z",
        "messages": [
            {"details": "Investigating.", "state": 100, "status": 300, "datetime": "2024-06-18T10:41:57.741Z"}
        ],
        "containers_affected": [{"name": c, "_id": f"c-{c}"} for c in containers],
        "components_affected": [{"name": c, "_id": f"id-{c}"} for c in (components or ("Messaging",))],
    }


def maint(name: str = "Database upgrade", *components: str) -> dict[str, Any]:
    return {
        "name": name,
        "_id": "666e9b7f2250a004bc3453da",
        "datetime_open": "2024-06-16T17:57:19.597Z",
        "datetime_planned_start": "2024-06-18T08:00:00.000Z",
        "datetime_planned_end": "2024-06-18T12:00:00.000Z",
        "messages": [],
        "containers_affected": [],
        "components_affected": [{"name": c, "_id": f"id-{c}"} for c in components],
    }


def assert_unreadable(reading: Reading, fragment: str) -> None:
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert fragment in reading.detail
    assert reading.affected == ()
    assert reading.incidents == ()


# --- the real-shaped documents ------------------------------------------------------------------


def test_all_clear_ignores_upcoming_maintenance() -> None:
    reading = read(OPERATIONAL)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All systems operational"
    assert reading.affected == ()
    assert reading.incidents == ()
    assert "1 upcoming maintenance(s) ignored" in reading.detail
    assert "'Operational' (code 100)" in reading.detail


def test_partial_outage_in_one_container() -> None:
    reading = read(PARTIAL)
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Messaging",)
    assert reading.summary == "Partial outage: Messaging — Messages are delivered late for some users"
    (note,) = reading.incidents
    assert note.verdict is Verdict.PARTIAL_OUTAGE
    assert note.status == "Partial service disruption"
    assert note.started_at == "2024-06-18T10:41:57.701Z"
    assert note.url == ""


def test_major_outage() -> None:
    reading = read(MAJOR)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.summary == "Outage: Messaging — Messaging is down"
    assert reading.incidents[0].verdict is Verdict.MAJOR_OUTAGE


def test_security_event_is_degraded() -> None:
    reading = read(SECURITY)
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("API", "Login")
    assert reading.summary == "Problems: API, Login — Sessions were invalidated as a precaution"
    assert reading.incidents[0].status == "Security event"


def test_open_incident_outranks_maintenance_and_names_its_component() -> None:
    """The incident's component says 100, but its latest message (the owner's newest word) says 400."""
    reading = read(MAINTENANCE)
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Website", "Media uploads")
    assert (
        reading.summary
        == "Partial outage: Website, Media uploads — Error 500 when saving profile settings (+1 more)"
    )
    assert [(n.title, n.verdict) for n in reading.incidents] == [
        ("Error 500 when saving profile settings", Verdict.PARTIAL_OUTAGE),
        ("Maintenance on media uploads", Verdict.MAINTENANCE),
    ]


def test_maintenance_alone() -> None:
    reading = read(MAINTENANCE_ONLY)
    assert reading.verdict is Verdict.MAINTENANCE
    assert reading.affected == ("Media uploads",)
    assert reading.summary == "Maintenance: Media uploads — Maintenance on media uploads"
    (note,) = reading.incidents
    assert (note.status, note.started_at) == ("In progress", "2024-06-18T08:00:00.000Z")


def test_registry_reads_statusio_the_same_way() -> None:
    assert sources.parse("statusio", PARTIAL, {}, {}) == read(PARTIAL)


# --- codes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (100, Verdict.OPERATIONAL),
        (200, Verdict.MAINTENANCE),
        (300, Verdict.DEGRADED),
        (400, Verdict.PARTIAL_OUTAGE),
        (500, Verdict.MAJOR_OUTAGE),
        (600, Verdict.DEGRADED),
        (400.0, Verdict.PARTIAL_OUTAGE),
        ("500", Verdict.MAJOR_OUTAGE),
        (" 300 ", Verdict.DEGRADED),
    ],
)
def test_each_code_on_the_overall_status(code: object, expected: Verdict) -> None:
    reading = read(page(overall=code))
    assert reading.verdict is expected


@pytest.mark.parametrize(
    ("code", "expected", "summary"),
    [
        (200, Verdict.MAINTENANCE, "Maintenance: Messaging"),
        (300, Verdict.DEGRADED, "Problems: Messaging"),
        (400, Verdict.PARTIAL_OUTAGE, "Partial outage: Messaging"),
        (500, Verdict.MAJOR_OUTAGE, "Outage: Messaging"),
        (600, Verdict.DEGRADED, "Problems: Messaging"),
    ],
)
def test_each_code_on_a_component(code: int, expected: Verdict, summary: str) -> None:
    reading = read(page(components=[component("Website"), component("Messaging", code)]))
    assert reading.verdict is expected
    assert reading.affected == ("Messaging",)
    assert reading.summary == summary


@pytest.mark.parametrize("code", [0, 101, 700, -100, "four hundred", "٤٠٠", "", None, True, 400.5, [400]])
def test_unknown_codes_are_unknown(code: object) -> None:
    reading = read(page(overall=code))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == UNCLEAR
    assert "overall status code" in reading.detail


def test_unknown_component_code_is_unknown_but_never_hides_an_outage() -> None:
    unknown_only = read(page(components=[component("Website", 700)]))
    assert unknown_only.verdict is Verdict.UNKNOWN
    assert "component 'Website' has status code the number 700" in unknown_only.detail
    with_outage = read(page(components=[component("Website", 700), component("Messaging", 500)]))
    assert with_outage.verdict is Verdict.MAJOR_OUTAGE
    assert with_outage.affected == ("Messaging",)


# --- containers ---------------------------------------------------------------------------------


def test_a_bad_container_counts_even_when_its_component_says_operational() -> None:
    reading = read(page(components=[component("Messaging", 100, ("AWS", 100), ("Google Cloud", 500))]))
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Messaging › Google Cloud",)


def test_containers_without_codes_add_nothing() -> None:
    data = load()
    for comp in data["result"]["status"]:
        for container in comp["containers"]:
            del container["status_code"]
    assert read(dump(data)).verdict is Verdict.OPERATIONAL


def test_unknown_container_code_is_unknown() -> None:
    reading = read(page(components=[component("Messaging", 100, ("AWS", 999))]))
    assert reading.verdict is Verdict.UNKNOWN
    assert "Messaging › AWS has status code" in reading.detail


# --- incidents ----------------------------------------------------------------------------------


def test_an_open_incident_on_operational_components_is_at_least_degraded() -> None:
    reading = read(page(components=[component("Messaging")], incidents=[incident()]))
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("Messaging",)
    assert reading.summary == "Problems: Messaging — Messages are late"


def test_incident_takes_the_severity_of_the_container_it_names() -> None:
    comps = [component("Messaging", 100, ("AWS", 100), ("GCP", 500))]
    reading = read(
        page(overall=100, components=comps, incidents=[incident("Down in GCP", containers=("GCP",))])
    )
    assert reading.incidents[0].verdict is Verdict.MAJOR_OUTAGE
    assert reading.verdict is Verdict.MAJOR_OUTAGE


def test_incident_naming_an_unlisted_component_is_degraded() -> None:
    reading = read(page(components=[component("Website")], incidents=[incident("Chat broken", "Chat")]))
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("Chat",)


def test_incident_matches_components_by_name_when_ids_differ() -> None:
    item = incident("Late", "Messaging")
    item["components_affected"][0]["_id"] = "something-else"
    reading = read(page(components=[component("Messaging", 400)], incidents=[item]))
    assert reading.incidents[0].verdict is Verdict.PARTIAL_OUTAGE


def test_real_fixture_incident_links_by_id() -> None:
    data = load(PARTIAL)
    assert data["result"]["incidents"][0]["components_affected"][0]["_id"] == MESSAGING_ID
    assert data["result"]["incidents"][0]["containers_affected"][0]["_id"] == GCP_ID
    # Drop the component's own code to 100: the Google Cloud container's 400 still carries it.
    data["result"]["status"][2]["status_code"] = 100
    data["result"]["status_overall"]["status_code"] = 100
    reading = read(dump(data))
    assert reading.incidents[0].verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Messaging › Google Cloud",)
    assert reading.summary == (
        "Partial outage: Messaging › Google Cloud — Messages are delivered late for some users"
    )


@pytest.mark.parametrize("value", ["x", {}, 3])
def test_incidents_of_the_wrong_type_are_unknown(value: object) -> None:
    reading = read(page(incidents=value))
    assert reading.verdict is Verdict.UNKNOWN
    assert "incidents is" in reading.detail


def test_null_incidents_read_as_none() -> None:
    assert read(page(incidents=None)).verdict is Verdict.OPERATIONAL


@pytest.mark.parametrize("entry", ["x", 1, None, []])
def test_incident_entries_that_are_not_objects_are_unknown(entry: object) -> None:
    reading = read(page(incidents=[entry]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.incidents[0].title == "Unreadable incident entry"


def test_wrong_typed_incident_fields_are_tolerated() -> None:
    item = {"name": None, "components_affected": "Messaging", "messages": "x", "datetime_open": 5}
    reading = read(page(incidents=[item]))
    assert reading.verdict is Verdict.DEGRADED
    note = reading.incidents[0]
    assert (note.title, note.status, note.started_at) == ("Untitled incident", "", "5")
    assert reading.summary == "Problems reported — Untitled incident"


# --- the latest incident message -----------------------------------------------------------------


def message(status: object, when: object, details: str = "Update.") -> dict[str, Any]:
    return {"details": details, "state": 200, "status": status, "datetime": when}


def with_messages(*messages: object, code: object = 100) -> Reading:
    item = incident("Messages are late", "Messaging")
    item["messages"] = list(messages)
    return read(page(components=[component("Messaging", code)], incidents=[item]))


def test_an_escalation_in_the_latest_message_counts_even_when_the_list_is_newest_first() -> None:
    data = load(ESCALATED)
    messages = data["result"]["incidents"][0]["messages"]
    # The fixture lists the newest message first: the last item is the oldest.
    assert [m["status"] for m in messages] == [500, 300]
    assert data["result"]["status"][2]["status_code"] == 300
    reading = read(ESCALATED)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Messaging",)
    assert reading.summary == "Outage: Messaging — Messages are not being delivered"
    (note,) = reading.incidents
    assert (note.verdict, note.status) == (Verdict.MAJOR_OUTAGE, "Service disruption")


@pytest.mark.parametrize(
    ("code", "expected", "word"),
    [
        (300, Verdict.DEGRADED, "Degraded performance"),
        (400, Verdict.PARTIAL_OUTAGE, "Partial service disruption"),
        (500, Verdict.MAJOR_OUTAGE, "Service disruption"),
        (600, Verdict.DEGRADED, "Security event"),
        ("500", Verdict.MAJOR_OUTAGE, "Service disruption"),
        # An open incident is never less than degraded, whatever its message says.
        (100, Verdict.DEGRADED, "Operational"),
        (200, Verdict.DEGRADED, "Planned maintenance"),
    ],
)
def test_each_code_on_the_latest_message(code: object, expected: Verdict, word: str) -> None:
    reading = with_messages(message(code, "2024-06-18T10:41:57.741Z"))
    assert reading.verdict is expected
    assert reading.incidents[0].verdict is expected
    assert reading.incidents[0].status == word
    assert reading.affected == ("Messaging",)


def test_latest_is_by_datetime_not_by_list_order() -> None:
    older_worse = [message(500, "2024-06-18T10:00:00.000Z"), message(300, "2024-06-18T11:00:00.000Z")]
    assert with_messages(*older_worse).verdict is Verdict.DEGRADED
    assert with_messages(*reversed(older_worse)).verdict is Verdict.DEGRADED
    newer_worse = [message(400, "2024-06-18T11:00:00Z"), message(300, "2024-06-18T10:00:00Z")]
    assert with_messages(*newer_worse).verdict is Verdict.PARTIAL_OUTAGE
    assert with_messages(*reversed(newer_worse)).verdict is Verdict.PARTIAL_OUTAGE


def test_datetimes_are_compared_as_times_not_as_text() -> None:
    # 10:30 in UTC-05:00 is 15:30 UTC: later than 12:00Z, though it sorts first as text.
    messages = [message(300, "2024-06-18T12:00:00Z"), message(500, "2024-06-18T10:30:00-05:00")]
    assert with_messages(*messages).verdict is Verdict.MAJOR_OUTAGE


def test_the_latest_message_never_lowers_what_the_components_say() -> None:
    reading = with_messages(message(300, "2024-06-18T11:00:00Z"), code=500)
    assert reading.verdict is Verdict.MAJOR_OUTAGE


@pytest.mark.parametrize("code", [700, 0, "four hundred", True, [400]])
def test_an_unknown_code_on_the_latest_message_is_unknown_for_that_item(code: object) -> None:
    # The older message said 500, but the owner has spoken since: it is not used instead.
    reading = with_messages(message(500, "2024-06-18T10:00:00Z"), message(code, "2024-06-18T11:00:00Z"))
    assert reading.verdict is Verdict.DEGRADED
    assert reading.incidents[0].status == ""
    assert "incident 'Messages are late': its latest message has status code" in reading.detail


def test_messages_without_readable_dates() -> None:
    lone = with_messages(message(400, None))
    assert lone.verdict is Verdict.PARTIAL_OUTAGE
    some_dated = with_messages(message(500, "yesterday"), message(400, "2024-06-18T11:00:00Z"))
    assert some_dated.verdict is Verdict.PARTIAL_OUTAGE
    none_dated = with_messages(message(500, "yesterday"), message(300, 1718700000))
    assert none_dated.verdict is Verdict.DEGRADED
    assert "latest status is not known" in none_dated.detail


def test_messages_posted_at_the_same_time_keep_the_worse_code() -> None:
    same = "2024-06-18T11:00:00Z"
    assert with_messages(message(300, same), message(500, same)).verdict is Verdict.MAJOR_OUTAGE
    assert with_messages(message(500, same), message(300, same)).verdict is Verdict.MAJOR_OUTAGE


def test_a_message_without_a_status_adds_nothing() -> None:
    item = message(None, "2024-06-18T11:00:00Z")
    del item["status"]
    reading = with_messages(item)
    assert reading.verdict is Verdict.DEGRADED
    assert "Not understood" not in reading.detail


# --- maintenance --------------------------------------------------------------------------------


def test_active_maintenance_is_maintenance() -> None:
    reading = read(page(active=[maint("Upgrade", "Messaging")]))
    assert reading.verdict is Verdict.MAINTENANCE
    assert reading.affected == ("Messaging",)
    assert reading.summary == "Maintenance: Messaging — Upgrade"


def test_upcoming_maintenance_does_not_count() -> None:
    reading = read(page(upcoming=[maint("Later", "Messaging")]))
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.incidents == ()


@pytest.mark.parametrize("value", ["x", [], 1])
def test_maintenance_section_of_the_wrong_type_is_unknown(value: object) -> None:
    data = load()
    data["result"]["maintenance"] = value
    reading = read(dump(data))
    assert reading.verdict is Verdict.UNKNOWN
    assert "maintenance section" in reading.detail


@pytest.mark.parametrize("value", ["x", {}, 2])
def test_active_maintenance_of_the_wrong_type_is_unknown(value: object) -> None:
    reading = read(page(active=value))
    assert reading.verdict is Verdict.UNKNOWN
    assert "maintenance active is" in reading.detail


def test_missing_or_null_maintenance_is_fine() -> None:
    data = load()
    data["result"]["maintenance"] = None
    assert read(dump(data)).verdict is Verdict.OPERATIONAL
    del data["result"]["maintenance"]
    assert read(dump(data)).verdict is Verdict.OPERATIONAL


def test_non_object_active_maintenance_is_unknown() -> None:
    reading = read(page(active=["x"]))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.incidents[0].title == "Unreadable maintenance entry"


# --- missing and wrong-typed structure ----------------------------------------------------------


def test_overall_status_alone_is_enough() -> None:
    body = b'{"result": {"status_overall": {"status": "Operational", "status_code": 100}}}'
    assert read(body).verdict is Verdict.OPERATIONAL


def test_components_alone_are_enough() -> None:
    data = load(PARTIAL)
    del data["result"]["status_overall"]
    reading = read(dump(data))
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert "overall status missing" in reading.detail


@pytest.mark.parametrize("value", [None, "x", 100, []])
def test_overall_status_of_the_wrong_type_is_unknown(value: object) -> None:
    data = load()
    data["result"]["status_overall"] = value
    reading = read(dump(data))
    assert reading.verdict is Verdict.UNKNOWN
    assert "overall status code is missing" in reading.detail


@pytest.mark.parametrize("value", ["x", {}, 5])
def test_component_list_of_the_wrong_type_is_unknown(value: object) -> None:
    data = load()
    data["result"]["status"] = value
    reading = read(dump(data))
    assert reading.verdict is Verdict.UNKNOWN
    assert "status is" in reading.detail


@pytest.mark.parametrize("entry", ["x", None, 3, []])
def test_component_entries_that_are_not_objects_are_unknown(entry: object) -> None:
    reading = read(page(components=[component("Website"), entry]))
    assert reading.verdict is Verdict.UNKNOWN
    assert "a component is" in reading.detail


def test_unnamed_component_uses_its_id() -> None:
    comp = component("Messaging", 500)
    comp["name"] = None
    assert read(page(components=[comp])).affected == ("id-Messaging",)


def test_network_text_is_cleaned() -> None:
    comp = component("Mess\u200baging\n" + "x" * 200, 500)
    reading = read(page(components=[comp], incidents=[incident("Down\x00\u202e now " + "!" * 400)]))
    assert reading.affected[0].startswith("Messaging x")
    assert len(reading.affected[0]) <= 80
    assert len(reading.summary) <= 120 and "\n" not in reading.summary


# --- unreadable bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"\t", "empty"),
        (b"<html><head><title>404 Not Found</title></head><body>nginx</body></html>", "HTML"),
        (PARTIAL[:-40], "not valid JSON"),
        (b"[]", "expected a JSON object"),
        (b"1.5", "expected a JSON object"),
        (b"{}", "no result"),
        (b'{"result": []}', "no result"),
        (b'{"result": "ok"}', "no result"),
        (b'{"result": {}}', "neither an overall status nor a list of components"),
        (b'{"result": {"status_overall": "ok", "status": {}}}', "neither an overall status"),
        (b'{"result": {"status_overall": {"status_code": 100, "status": "\xe9"}}}', "not valid UTF-8"),
        (b'{"result":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    ],
    ids=[
        "empty",
        "tab",
        "html",
        "truncated",
        "list-root",
        "number-root",
        "empty-object",
        "result-list",
        "result-string",
        "empty-result",
        "wrong-types",
        "invalid-utf8",
        "deep",
    ],
)
def test_unreadable_bodies_are_unknown(body: bytes, fragment: str) -> None:
    assert_unreadable(read(body), fragment)


def test_utf8_bom_is_accepted() -> None:
    assert read(b"\xef\xbb\xbf" + PARTIAL) == read(PARTIAL)
    assert read(b"\xef\xbb\xbf" + OPERATIONAL).verdict is Verdict.OPERATIONAL


# --- properties ---------------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)
_codes = st.sampled_from([100, 200, 300, 400, 500, 600, 700, "400", 400.0, 1e308])
_keys = st.sampled_from(
    [
        "result",
        "status_overall",
        "status",
        "status_code",
        "containers",
        "incidents",
        "components_affected",
        "containers_affected",
        "maintenance",
        "active",
        "upcoming",
        "name",
        "id",
        "_id",
        "messages",
        "datetime",
    ]
)
_shaped = st.recursive(
    st.none() | st.integers() | st.floats() | _codes | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=6),
    max_leaves=40,
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
def test_statusio_shaped_json_never_raises_and_needs_a_result(value: object) -> None:
    reading = read(json.dumps(value).encode())
    _check(reading)
    if reading.verdict is Verdict.UNKNOWN:
        return
    assert isinstance(value, dict)
    result = value["result"]
    assert isinstance(result, dict)
    if reading.verdict is Verdict.OPERATIONAL:
        # An open incident is at least degraded, so "operational" means none was listed.
        assert not result.get("incidents")
