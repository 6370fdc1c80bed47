"""Feeds of open events: an empty feed is all clear, any item is degraded, a non-feed is unknown.

The fixtures are Meta's WhatsApp Business Platform feed as verified empty (2026-07-31) and as it
would look with one open event, plus a generic Atom feed of open events.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outagetray.core import sources
from outagetray.core.model import IncidentNote, Reading, Verdict
from outagetray.core.sources import rss_events

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rss_events"
WABA_EMPTY = (FIXTURES / "whatsapp_business_api_empty.rss").read_bytes()
WABA_OPEN = (FIXTURES / "whatsapp_business_api_open.rss").read_bytes()
ATOM_TWO = (FIXTURES / "open_events_two_entries.atom").read_bytes()

WABA_TITLE = "Cloud API: Some businesses may experience delays sending and receiving messages"

METASTATUS_SHELL = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Meta Status</title>'
    b'<script src="/static/js/main.4f1c2a.js"></script></head><body><div id="root"></div></body></html>'
)
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>
"""
XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>Status</title>
<item><title>&xxe;</title><link>https://metastatus.com/</link></item>
</channel></rss>
"""
XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]>
<rss version="2.0"><channel><title>Status</title></channel></rss>
"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE rss SYSTEM "http://attacker.invalid/evil.dtd">
<rss version="2.0"><channel><title>Status</title></channel></rss>
"""


def read(body: bytes) -> Reading:
    return rss_events.parse(body, {"Content-Type": "application/rss+xml"}, {})


def rss(*items: str, channel_link: str = "https://metastatus.com/graph-api") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Graph API Status</title><link>{channel_link}</link>{''.join(items)}</channel></rss>"
    ).encode()


def item(title: str | None = "Event", link: str = "", date: str = "") -> str:
    parts = [f"<title>{escape(title)}</title>" if title is not None else ""]
    parts += [f"<link>{escape(link)}</link>" if link else "", f"<pubDate>{date}</pubDate>" if date else ""]
    return f"<item>{''.join(parts)}</item>"


def assert_unreadable(reading: Reading, fragment: str) -> None:
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert fragment in reading.detail
    assert reading.incidents == ()


# --- the real feeds -----------------------------------------------------------------------------


def test_empty_whatsapp_feed_is_operational() -> None:
    reading = read(WABA_EMPTY)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "Meta reports no open issues"
    assert reading.detail == "RSS feed 'WhatsApp Business Platform Status': 0 open events"
    assert reading.incidents == ()
    assert reading.affected == ()


def test_one_open_event_is_degraded_with_a_note() -> None:
    reading = read(WABA_OPEN)
    assert reading.verdict is Verdict.DEGRADED
    assert reading.summary == f"Meta reports an open issue: {WABA_TITLE}"
    assert reading.detail == "RSS feed 'WhatsApp Business Platform Status': 1 open event"
    assert reading.incidents == (
        IncidentNote(
            title=WABA_TITLE,
            verdict=Verdict.DEGRADED,
            status="open",
            url="https://metastatus.com/whatsapp-business-api",
            started_at="Tue, 05 Mar 2024 15:28:00 GMT",
        ),
    )


def test_atom_feed_with_two_open_entries() -> None:
    reading = read(ATOM_TWO)
    assert reading.verdict is Verdict.DEGRADED
    assert (
        reading.summary
        == "The status page reports 2 open issues, including: Elevated error rates on the web app"
    )
    assert reading.detail == "Atom feed 'Example Platform open events': 2 open events"
    assert [(n.title, n.url, n.started_at) for n in reading.incidents] == [
        (
            "Elevated error rates on the web app",
            "https://status.example.net/events/9001",
            "2025-11-18T11:31:00Z",
        ),
        ("Delayed push notifications", "https://status.example.net/events/9000", "2025-11-18T11:20:00Z"),
    ]
    assert all(n.verdict is Verdict.DEGRADED for n in reading.incidents)


def test_empty_atom_feed_is_operational() -> None:
    body = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>Open events</title></feed>'
    reading = read(body)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "The status page reports no open issues"
    assert reading.detail == "Atom feed 'Open events': 0 open events"


def test_atom_entry_uses_updated_when_there_is_no_published_date() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>Login errors</title>'
        b'<link rel="self" href="https://status.example.net/self"/>'
        b'<link href="https://status.example.net/e/1"/><updated>2024-03-05T15:17:00Z</updated></entry></feed>'
    )
    (note,) = read(body).incidents
    assert note.url == "https://status.example.net/e/1"
    assert note.started_at == "2024-03-05T15:17:00Z"


def test_registered_in_the_format_table() -> None:
    assert sources.FORMATS["rss_events"].options == ()
    assert sources.parse("rss_events", WABA_OPEN, {}, {}).verdict is Verdict.DEGRADED


# --- items --------------------------------------------------------------------------------------


def test_several_items_are_counted_and_the_first_is_named() -> None:
    reading = read(rss(item("Ads delivery delayed"), item("Insights missing"), item("Login errors")))
    assert reading.verdict is Verdict.DEGRADED
    assert reading.summary == "Meta reports 3 open issues, including: Ads delivery delayed"
    assert [n.title for n in reading.incidents] == [
        "Ads delivery delayed",
        "Insights missing",
        "Login errors",
    ]


def test_item_without_a_title_still_counts() -> None:
    reading = read(rss(item(None), item("   ")))
    assert reading.verdict is Verdict.DEGRADED
    assert [n.title for n in reading.incidents] == ["an event without a title"] * 2
    assert reading.summary == "Meta reports 2 open issues, including: an event without a title"


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://metastatus.com/graph-api", "https://metastatus.com/graph-api"),
        ("HTTP://metastatus.com/x", "HTTP://metastatus.com/x"),
        ("javascript:alert(1)", ""),
        ("file:///etc/passwd", ""),
        ("data:text/html,<b>x</b>", ""),
        ("https://", ""),
        ("http://[::1", ""),
        ("/relative/path", ""),
    ],
)
def test_only_plain_web_links_are_kept(link: str, kept: str) -> None:
    (note,) = read(rss(item("Event", link=link))).incidents
    assert note.url == kept


def test_network_text_is_cleaned_and_the_summary_is_short() -> None:
    title = "Login\x7f errors\u202e\n" + "very long " * 200
    reading = read(rss(item(title)))
    assert reading.verdict is Verdict.DEGRADED
    assert len(reading.summary) <= 120
    assert reading.summary.startswith("Meta reports an open issue: Login errors very long")
    assert reading.summary.endswith("…")
    assert "\x7f" not in reading.incidents[0].title and "\u202e" not in reading.incidents[0].title
    assert len(reading.incidents[0].title) <= 300


def test_nested_markup_in_a_title_is_read_as_text() -> None:
    (note,) = read(rss("<item><title>Cloud <b>API</b> errors</title></item>")).incidents
    assert note.title == "Cloud API errors"


def test_notes_are_bounded_but_the_count_is_exact() -> None:
    reading = read(rss(*(item(f"Event {n}") for n in range(200))))
    assert reading.verdict is Verdict.DEGRADED
    assert reading.summary == "Meta reports 200 open issues, including: Event 0"
    assert len(reading.incidents) == rss_events.MAX_NOTES


def test_a_feed_not_from_metastatus_is_not_credited_to_meta() -> None:
    reading = read(rss(item("Event"), channel_link="https://metastatus.com.attacker.invalid/"))
    assert reading.summary == "The status page reports an open issue: Event"
    assert read(rss(channel_link="https://www.metastatus.com/x")).summary == "Meta reports no open issues"


def test_items_outside_the_channel_are_not_events() -> None:
    body = b"<rss><channel><title>S</title></channel><item><title>stray</title></item></rss>"
    assert read(body).verdict is Verdict.OPERATIONAL


# --- unreadable bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b" \n\t", "empty"),
        (METASTATUS_SHELL, "web page (HTML)"),
        (b"<html><body>Not found</body></html>", "web page (HTML)"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "root is <html>"),
        (WABA_EMPTY[: len(WABA_EMPTY) // 2], "not valid XML"),
        (WABA_OPEN.replace(b"</rss>", b""), "not valid XML"),
        (b"<rss version='2.0'></rss>", "no <channel>"),
        (b"<rss version='2.0'><item><title>x</title></item></rss>", "no <channel>"),
        (b"<opml version='2.0'><body/></opml>", "root is <opml>"),
        (
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><channel/></rdf:RDF>',
            "root is <RDF>",
        ),
        (b'<?xml version="1.0"?><error><code>AccessDenied</code></error>', "root is <error>"),
        (b'{"items": []}', "not valid XML"),
        (b"[]", "not valid XML"),
        (b"OK", "not valid XML"),
        (
            b'<?xml version="1.0" encoding="UTF-8"?><rss><channel><title>\xff\xfe</title></channel></rss>',
            "XML",
        ),
        (BILLION_LAUGHS, "refused for safety"),
        (XXE, "refused for safety"),
        (XXE_PARAMETER, "refused for safety"),
        (EXTERNAL_DTD, "refused for safety"),
        (b"<rss><channel>" * 3 + b"junk", "not valid XML"),
    ],
)
def test_unreadable_bodies_are_unknown(body: bytes, fragment: str) -> None:
    assert_unreadable(read(body), fragment)


def test_xxe_is_not_expanded() -> None:
    reading = read(XXE)
    assert reading.verdict is Verdict.UNKNOWN
    assert "root:" not in repr(reading)


def test_utf8_bom_is_accepted() -> None:
    assert read(b"\xef\xbb\xbf" + WABA_OPEN).verdict is Verdict.DEGRADED
    assert read(b"\xef\xbb\xbf" + WABA_EMPTY).verdict is Verdict.OPERATIONAL


def test_html_is_unknown_even_when_labelled_as_a_feed() -> None:
    reading = rss_events.parse(METASTATUS_SHELL, {"Content-Type": "application/rss+xml"}, {})
    assert_unreadable(reading, "HTML")


def test_deeply_nested_json_is_unknown() -> None:
    assert_unreadable(read(b"[" * 100_000 + b"]" * 100_000), "not valid XML")


def test_deeply_nested_xml_does_not_crash() -> None:
    title = b"<a>" * 100_000 + b"deep" + b"</a>" * 100_000
    reading = read(b"<rss><channel><item><title>" + title + b"</title></item></channel></rss>")
    assert reading.verdict is Verdict.DEGRADED
    assert reading.incidents[0].title == "deep"
    assert read(b"<a>" * 100_000 + b"</a>" * 100_000).verdict is Verdict.UNKNOWN


# --- properties ---------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise_and_are_never_operational(body: bytes) -> None:
    reading = read(body)
    assert reading.verdict is not Verdict.OPERATIONAL
    assert len(reading.summary) <= 120


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_arbitrary_json_never_raises_and_is_unknown(value: Any) -> None:
    assert read(json.dumps(value).encode()).verdict is Verdict.UNKNOWN


@settings(max_examples=200, deadline=None)
@given(titles=st.lists(st.text(st.characters(codec="utf-8")), max_size=8))
def test_any_item_means_degraded_and_none_means_operational(titles: list[str]) -> None:
    # Characters XML cannot carry at all are dropped; everything else goes through verbatim.
    safe = [
        "".join(c for c in t if c in "\t\n\r" or (ord(c) >= 0x20 and not 0xFFFE <= ord(c) <= 0xFFFF))
        for t in titles
    ]
    reading = read(rss(*(item(t) for t in safe)))
    assert reading.verdict is (Verdict.DEGRADED if safe else Verdict.OPERATIONAL)
    assert len(reading.incidents) == len(safe)
    assert len(reading.summary) <= 120
