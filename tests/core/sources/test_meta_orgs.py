"""Meta Status orgs.json: each status string, the org filter, and every way the body can be junk.

The fixtures are complete orgs.json documents with the eleven org ids from STATUS-SOURCES.md
§3.3; one replays 2024-03-05, when Facebook Login showed high disruptions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from outagetray.core import sources
from outagetray.core.model import Reading, Verdict
from outagetray.core.sources import meta_orgs
from outagetray.core.sources._common import clean

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "meta_orgs"
ALL_CLEAR = (FIXTURES / "orgs_all_clear.json").read_bytes()
LOGIN_DOWN = (FIXTURES / "orgs_2024-03-05_facebook_login_high.json").read_bytes()

ORG_IDS = [
    "ads-manager",
    "marketing-api",
    "fbs",
    "graph-api",
    "catalog",
    "fb-ig-shops",
    "audience-network",
    "facebook-login",
    "ctx",
    "whatsapp-business-api",
    "ig-boost",
]

METASTATUS_SHELL = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Meta Status</title>'
    b'<script src="/static/js/main.4f1c2a.js"></script></head><body><div id="root"></div></body></html>'
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><lolz>&lol2;</lolz>'
)


def read(body: bytes, **options: str) -> Reading:
    return meta_orgs.parse(body, {"Content-Type": "application/json"}, options)


def doc(*orgs: dict[str, Any]) -> bytes:
    return json.dumps(list(orgs)).encode()


def org(org_id: str, name: str, *statuses: object) -> dict[str, Any]:
    services = [{"id": n, "name": f"Service {n}", "status": s} for n, s in enumerate(statuses, 1)]
    return {"id": org_id, "name": name, "services": services}


def assert_unreadable(reading: Reading, fragment: str) -> None:
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert fragment in reading.detail
    assert reading.affected == ()


# --- the real documents -------------------------------------------------------------------------


def test_fixture_has_the_documented_org_ids() -> None:
    assert [entry["id"] for entry in json.loads(ALL_CLEAR)] == ORG_IDS


def test_all_clear_without_org_is_operational() -> None:
    reading = read(ALL_CLEAR)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "Meta reports no known issues for 11 business products"
    assert reading.affected == ()
    assert reading.detail == "orgs.json: 11 orgs, 34 services"


def test_all_clear_for_one_org() -> None:
    reading = read(ALL_CLEAR, org="facebook-login")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "Meta reports no known issues for Facebook Login"
    assert reading.detail == "orgs.json: 11 orgs, org facebook-login: 4 services"


def test_2024_03_05_facebook_login_high_disruptions() -> None:
    reading = read(LOGIN_DOWN, org="facebook-login")
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Facebook Login › Facebook Login", "Facebook Login › Access Tokens")
    assert reading.summary == "Meta reports a major outage: Facebook Login › Facebook Login and 1 more"
    assert reading.detail == "orgs.json: 11 orgs, org facebook-login: 4 services"


def test_org_filter_is_case_insensitive_and_trimmed() -> None:
    assert read(LOGIN_DOWN, org="  Facebook-LOGIN ").verdict is Verdict.MAJOR_OUTAGE


def test_without_org_the_worst_of_all_orgs_wins_and_affected_is_worst_first() -> None:
    reading = read(LOGIN_DOWN)
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == (
        "Facebook Login › Facebook Login",
        "Facebook Login › Access Tokens",
        "WhatsApp Business Platform › Cloud API",
    )
    assert reading.summary == "Meta reports a major outage: Facebook Login › Facebook Login and 2 more"


def test_other_org_on_the_same_day_reads_its_own_state() -> None:
    reading = read(LOGIN_DOWN, org="whatsapp-business-api")
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("WhatsApp Business Platform › Cloud API",)
    assert reading.summary == "Meta reports minor disruptions: WhatsApp Business Platform › Cloud API"


def test_resolved_service_is_operational() -> None:
    reading = read(LOGIN_DOWN, org="graph-api")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "Meta reports no known issues for Graph API"


def test_registered_in_the_format_table() -> None:
    assert sources.FORMATS["meta_orgs"].options == ("org",)
    assert (
        sources.parse("meta_orgs", LOGIN_DOWN, {}, {"org": "facebook-login"}).verdict is Verdict.MAJOR_OUTAGE
    )


# --- the status vocabulary ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        ("No known issues", Verdict.OPERATIONAL),
        ("no known issues", Verdict.OPERATIONAL),
        ("  NO KNOWN  ISSUES \n", Verdict.OPERATIONAL),
        ("Resolved", Verdict.OPERATIONAL),
        ("RESOLVED", Verdict.OPERATIONAL),
        ("Low disruptions", Verdict.DEGRADED),
        ("Low disruption", Verdict.DEGRADED),
        ("low DISRUPTIONS", Verdict.DEGRADED),
        ("Medium disruptions", Verdict.PARTIAL_OUTAGE),
        ("Medium disruption", Verdict.PARTIAL_OUTAGE),
        ("High disruptions", Verdict.MAJOR_OUTAGE),
        ("High disruption", Verdict.MAJOR_OUTAGE),
        (" high\tdisruption ", Verdict.MAJOR_OUTAGE),
        ("Major disruptions", Verdict.MAJOR_OUTAGE),
    ],
)
def test_status_mapping(status: str, verdict: Verdict) -> None:
    reading = read(doc(org("ctx", "Click-to-Message Ads", status)), org="ctx")
    assert reading.verdict is verdict
    expected_affected = () if verdict is Verdict.OPERATIONAL else ("Click-to-Message Ads › Service 1",)
    assert reading.affected == expected_affected


@pytest.mark.parametrize(
    "status",
    ["Severe disruptions", "Investigating", "Operational", "", "No known issue", "Low", "disruptions"],
)
def test_unknown_status_string_is_unknown_not_operational(status: str) -> None:
    reading = read(doc(org("ctx", "Click-to-Message Ads", "No known issues", status)))
    assert reading.verdict is Verdict.UNKNOWN
    assert (
        reading.summary == "Meta Status shows something OutageTray does not understand for 1 business product"
    )
    assert f"not understood: Click-to-Message Ads › Service 2 = {status.strip()!r}" in reading.detail
    assert reading.affected == ()


def test_unknown_status_does_not_hide_a_known_problem() -> None:
    reading = read(doc(org("ctx", "Click-to-Message Ads", "Who knows", "Medium disruptions")))
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Click-to-Message Ads › Service 2",)
    assert "not understood: Click-to-Message Ads › Service 1 = 'Who knows'" in reading.detail


def test_a_broken_org_elsewhere_does_not_matter_when_filtering() -> None:
    body = doc(org("catalog", "Catalog", "No known issues"), {"id": "ctx", "services": "n/a"})
    assert read(body, org="catalog").verdict is Verdict.OPERATIONAL
    assert read(body).verdict is Verdict.UNKNOWN


# --- the org filter and empty orgs --------------------------------------------------------------


def test_org_missing_from_the_document_is_unknown_with_a_clear_reason() -> None:
    reading = read(ALL_CLEAR, org="workplace")
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Meta Status no longer lists org workplace"
    assert reading.detail == "Meta Status no longer lists org workplace (orgs.json has 11 entries)"


def test_empty_org_option_means_all_orgs() -> None:
    assert read(LOGIN_DOWN, org="   ").affected == read(LOGIN_DOWN).affected


def test_filtered_org_with_no_services_is_unknown() -> None:
    body = doc(org("ig-boost", "Instagram Boost"), org("catalog", "Catalog", "No known issues"))
    reading = read(body, org="ig-boost")
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Meta Status lists no services for Instagram Boost"
    assert "no services listed for Instagram Boost" in reading.detail


def test_empty_org_is_no_evidence_but_does_not_poison_the_others() -> None:
    body = doc(org("ig-boost", "Instagram Boost"), org("catalog", "Catalog", "No known issues"))
    reading = read(body)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.detail == "orgs.json: 2 orgs, 1 service; no services listed for Instagram Boost"


def test_all_orgs_empty_is_unknown() -> None:
    reading = read(doc(org("ig-boost", "Instagram Boost"), org("catalog", "Catalog")))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Meta Status lists no services for any org"


def test_empty_list_root_is_unknown() -> None:
    assert_unreadable(read(b"[]"), "listed no orgs")


def test_duplicate_org_ids_are_all_read() -> None:
    body = doc(org("ctx", "CTX A", "No known issues"), org("ctx", "CTX B", "High disruptions"))
    reading = read(body, org="ctx")
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("CTX B › Service 1",)


def test_duplicate_keys_keep_the_last_value() -> None:
    body = (
        b'[{"id": "ctx", "name": "CTX", "services": '
        b'[{"name": "A", "status": "No known issues", "status": "High disruptions"}]}]'
    )
    assert read(body).verdict is Verdict.MAJOR_OUTAGE


# --- wrong-typed fields -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"id": "ctx", "name": "CTX", "services": "none"}, "CTX = its services list is missing or malformed"),
        ({"id": "ctx", "name": "CTX", "services": None}, "CTX = its services list is missing or malformed"),
        ({"id": "ctx", "name": "CTX"}, "CTX = its services list is missing or malformed"),
        (
            {"id": "ctx", "name": "CTX", "services": {"a": 1}},
            "CTX = its services list is missing or malformed",
        ),
        ({"id": "ctx", "name": "CTX", "services": ["Login"]}, "CTX › service 1 = not a service object"),
        ({"id": "ctx", "name": "CTX", "services": [{"name": "A", "status": 1}]}, "CTX › A = no status text"),
        (
            {"id": "ctx", "name": "CTX", "services": [{"name": "A", "status": None}]},
            "CTX › A = no status text",
        ),
        ({"id": "ctx", "name": "CTX", "services": [{"name": "A"}]}, "CTX › A = no status text"),
        (
            {"id": "ctx", "name": "CTX", "services": [{"name": "A", "status": ["No known issues"]}]},
            "no status",
        ),
        ({"id": "ctx", "name": "CTX", "services": [{"name": "A", "status": {"text": "ok"}}]}, "no status"),
    ],
)
def test_wrong_typed_fields_are_unknown(entry: dict[str, Any], reason: str) -> None:
    for options in ({}, {"org": "ctx"}):
        reading = meta_orgs.parse(doc(entry), {}, options)
        assert reading.verdict is Verdict.UNKNOWN
        assert reason in reading.detail


def test_wrong_typed_entries_next_to_a_healthy_org_make_the_whole_unknown() -> None:
    body = json.dumps([org("catalog", "Catalog", "No known issues"), "ctx", 3, None, []]).encode()
    reading = read(body)
    assert reading.verdict is Verdict.UNKNOWN
    assert "entry 2 = not an org object" in reading.detail


def test_wrong_typed_entries_do_not_hide_a_known_problem() -> None:
    body = json.dumps([org("catalog", "Catalog", "High disruptions"), "ctx"]).encode()
    assert read(body).verdict is Verdict.MAJOR_OUTAGE


def test_missing_names_fall_back_to_ids() -> None:
    body = json.dumps(
        [{"id": "ctx", "services": [{"id": 7, "status": "Low disruptions"}, {"status": "High disruptions"}]}]
    ).encode()
    reading = read(body, org="ctx")
    assert reading.affected == ("ctx › service 2", "ctx › 7")


def test_wrong_typed_names_are_not_shown() -> None:
    body = json.dumps(
        [
            {
                "id": ["x"],
                "name": {"en": "CTX"},
                "services": [{"name": True, "id": None, "status": "Low disruptions"}],
            }
        ]
    ).encode()
    reading = read(body)
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("an unnamed org › service 1",)


def test_org_id_of_the_wrong_type_cannot_match() -> None:
    body = json.dumps([{"id": None, "name": "CTX", "services": [{"name": "A", "status": "No known issues"}]}])
    assert read(body.encode(), org="none").verdict is Verdict.UNKNOWN


def test_network_text_is_cleaned_and_summary_is_one_short_line() -> None:
    long_name = "Face\u202ebook\x00 Login\n" + "x" * 1000
    body = doc(
        {
            "id": "facebook-login",
            "name": long_name,
            "services": [{"name": "A\tB", "status": "High disruptions"}],
        }
    )
    reading = read(body, org="facebook-login")
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert len(reading.summary) <= 120
    assert "\n" not in reading.summary and "\u202e" not in reading.summary and "\x00" not in reading.summary
    assert reading.affected[0].startswith("Facebook Login xxx")
    assert reading.affected[0].endswith("› A B")


# --- unreadable bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"  \r\n\t ", "empty"),
        (METASTATUS_SHELL, "web page (HTML)"),
        (b"\xef\xbb\xbf<!doctype html><html></html>", "web page (HTML)"),
        (ALL_CLEAR[: len(ALL_CLEAR) // 2], "not valid JSON"),
        (ALL_CLEAR.rstrip()[:-1], "not valid JSON"),
        (b'{"orgs": []}', "got a JSON object"),
        (b'"No known issues"', "got a single value"),
        (b"42", "got a single value"),
        (b"null", "got a single value"),
        (b"true", "got a single value"),
        (b'[{"id": "ctx", "name": "\xff\xfe", "services": []}]', "not valid UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
        (BILLION_LAUGHS, "not valid JSON"),
        (b"NaN", "got a single value"),
    ],
)
def test_unreadable_bodies_are_unknown(body: bytes, fragment: str) -> None:
    for options in ({}, {"org": "facebook-login"}):
        assert_unreadable(meta_orgs.parse(body, {}, options), fragment)


def test_deeply_nested_services_do_not_crash() -> None:
    body = b'[{"id": "ctx", "name": "CTX", "services": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]"
    reading = read(body)
    assert reading.verdict is Verdict.UNKNOWN


def test_utf8_bom_is_accepted() -> None:
    reading = read(b"\xef\xbb\xbf" + LOGIN_DOWN, org="facebook-login")
    assert reading.verdict is Verdict.MAJOR_OUTAGE


def test_html_is_unknown_even_when_labelled_json() -> None:
    reading = meta_orgs.parse(
        METASTATUS_SHELL, {"Content-Type": "application/json"}, {"org": "facebook-login"}
    )
    assert_unreadable(reading, "HTML")


# --- properties ---------------------------------------------------------------------------------

KNOWN = {
    "no known issues": Verdict.OPERATIONAL,
    "resolved": Verdict.OPERATIONAL,
    "low disruptions": Verdict.DEGRADED,
    "medium disruptions": Verdict.PARTIAL_OUTAGE,
    "high disruptions": Verdict.MAJOR_OUTAGE,
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=40,
)
org_keys = st.sampled_from(["id", "name", "services", "status", "rss_file_paths"])
org_like = st.recursive(
    st.none()
    | st.integers()
    | st.text(max_size=20)
    | st.sampled_from(["No known issues", "facebook-login", "ctx"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(org_keys, children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_and_are_never_operational(body: bytes) -> None:
    reading = meta_orgs.parse(body, {}, {})
    assert reading.verdict is not Verdict.OPERATIONAL
    assert len(reading.summary) <= 120


@settings(max_examples=300, deadline=None)
@given(value=json_values | org_like, org_option=st.sampled_from(["", "ctx", "facebook-login"]))
def test_arbitrary_json_never_raises(value: Any, org_option: str) -> None:
    reading = meta_orgs.parse(json.dumps(value).encode(), {}, {"org": org_option})
    assert isinstance(reading.verdict, Verdict)
    assert len(reading.summary) <= 120


@settings(max_examples=200, deadline=None)
@given(
    statuses=st.lists(
        st.lists(st.sampled_from(sorted(KNOWN)) | st.text(max_size=20), max_size=4), min_size=1, max_size=4
    )
)
def test_verdict_is_the_documented_combination(statuses: list[list[str]]) -> None:
    """Operational only when every service says so; unknown beats nothing but operational."""
    orgs = [org(f"org-{n}", f"Org {n}", *org_statuses) for n, org_statuses in enumerate(statuses)]
    known = [KNOWN.get(clean(s).lower()) for org_statuses in statuses for s in org_statuses]
    assume(not any(clean(s).lower() in _ALIASES for group in statuses for s in group))
    reading = read(doc(*orgs))
    if not known:
        expected = Verdict.UNKNOWN
    elif any(v is None for v in known):
        worst_known = max((v for v in known if v is not None), key=lambda v: v.severity, default=None)
        expected = worst_known if worst_known and worst_known.is_problem else Verdict.UNKNOWN
    else:
        expected = max((v for v in known if v is not None), key=lambda v: v.severity)
    assert reading.verdict is expected


#: Spellings the parser accepts that the property's oracle does not list; generated text that
#: happens to hit one is skipped rather than mis-predicted.
_ALIASES = {"low disruption", "medium disruption", "high disruption", "major disruption", "major disruptions"}
