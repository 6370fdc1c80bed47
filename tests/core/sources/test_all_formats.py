"""Rules every status format must keep, checked across the whole registry at once."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outagetray.core import sources
from outagetray.core.model import Reading, Verdict

TYPES = sorted(sources.FORMATS)
OPTIONS = {"google_incidents": {"product": "Gmail"}, "meta_orgs": {"org": "facebook-login"}}

HOSTILE = {
    "empty": b"",
    "whitespace": b"  \n\t ",
    "html": b"<!DOCTYPE html><html><body>All Systems Operational</body></html>",
    "deep json": b"[" * 100_000 + b"]" * 100_000,
    "deep object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "not utf-8": b'{"status": {"indicator": "none"}, "x": "\xff\xfe"}',
    "truncated": b'{"status": {"indicator": "no',
    "null": b"null",
    "number": b"42",
    "string": b'"operational"',
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b"<rss><channel><title>&lol3;</title></channel></rss>"
    ),
    "xxe": (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title><item><title>&x;</title></item></channel></rss>'
    ),
    "deep xml": b"<a>" * 50_000 + b"</a>" * 50_000,
}


def parse(source_type: str, body: bytes) -> Reading:
    # Call the format module itself: the registry's safety net must not hide a crash here.
    return sources.get_parser(source_type)(body, {}, OPTIONS.get(source_type, {}))


def test_every_registered_format_has_a_parser() -> None:
    assert set(TYPES) == {
        "google_incidents",
        "instatus",
        "meta_orgs",
        "rss_events",
        "slack",
        "statusio",
        "statuspage",
        "statuspage_feed",
        "statusiq_rss",
    }
    for source_type in TYPES:
        assert callable(sources.get_parser(source_type))


@pytest.mark.parametrize("source_type", TYPES)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bodies_are_unknown_never_a_crash(source_type: str, name: str) -> None:
    reading = parse(source_type, HOSTILE[name])
    assert reading.verdict is Verdict.UNKNOWN, (source_type, name, reading)
    assert "root:" not in reading.summary + reading.detail  # /etc/passwd never leaks in


@pytest.mark.parametrize("source_type", TYPES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=2048))
def test_random_bytes_never_raise_and_never_read_operational(source_type: str, body: bytes) -> None:
    reading = parse(source_type, body)
    assert isinstance(reading, Reading)
    assert reading.verdict is not Verdict.OPERATIONAL


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=40,
)


@pytest.mark.parametrize("source_type", TYPES)
@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_arbitrary_json_never_raises(source_type: str, value: object) -> None:
    reading = parse(source_type, json.dumps(value).encode())
    assert isinstance(reading, Reading)
    assert isinstance(reading.summary, str) and "\n" not in reading.summary


def test_the_registry_turns_a_parser_crash_into_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(body: bytes, headers: object, options: object) -> Reading:
        raise RuntimeError("bug")

    monkeypatch.setattr(sources, "get_parser", lambda source_type: explode)
    reading = sources.parse("statuspage", b"{}", {}, {})
    assert reading.verdict is Verdict.UNKNOWN
    assert sources.parse.__module__ == "outagetray.core.sources"
