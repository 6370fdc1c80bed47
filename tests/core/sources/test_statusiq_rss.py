"""StatusIQ snapshot feed: one item per component, titled "{component} - {status}".

The fixtures are an automatticstatus.com-like feed of 34 components, all operational and with
a Partial Outage on Tumblr Dashboard, which must not touch a WordPress.com-filtered reading.
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
from outagetray.core.sources import statusiq_rss

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statusiq_rss"
ALL_OPERATIONAL = (FIXTURES / "automattic_all_operational.rss").read_bytes()
TUMBLR_PARTIAL = (FIXTURES / "automattic_tumblr_partial_outage.rss").read_bytes()

WORDPRESS_COM = [
    "WordPress.com",
    "WordPress.com API",
    "WordPress.com Login",
    "WordPress.com Reader",
    "WordPress.com Notifications",
    "WordPress.com Stats",
    "WordPress.com Media Uploads",
    "WordPress.com Domains",
    "WordPress.com Email",
]

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
<rss version="2.0"><channel><item><title>WordPress.com - &lol9;</title></item></channel></rss>
"""
XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>Automattic Status</title>
<item><title>WordPress.com - Operational</title><description>&xxe;</description></item>
</channel></rss>
"""
STATUSIQ_HTML = (
    b"<!DOCTYPE html>\n<html><head><title>Automattic Status</title>"
    b'<script>statuspages.globals.rssurl = spUrl + "/rss";</script></head><body></body></html>'
)


def read(body: bytes, prefix: str | None = None) -> Reading:
    options = {} if prefix is None else {"component_prefix": prefix}
    return statusiq_rss.parse(body, {"Content-Type": "application/rss+xml"}, options)


def feed(*titles: str, link: str = "https://automatticstatus.com") -> bytes:
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link>"
        f"<pubDate>Tue, 05 Mar 2024 15:42:07 GMT</pubDate></item>"
        for t in titles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Automattic Status</title>{items}</channel></rss>"
    ).encode()


def assert_unreadable(reading: Reading, fragment: str) -> None:
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert fragment in reading.detail
    assert reading.affected == () and reading.incidents == ()


# --- the real feeds -----------------------------------------------------------------------------


def test_all_operational() -> None:
    reading = read(ALL_OPERATIONAL)
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All 34 components are operational"
    assert reading.detail == "RSS snapshot: 34 components"
    assert reading.affected == () and reading.incidents == ()


def test_tumblr_partial_outage_unfiltered() -> None:
    reading = read(TUMBLR_PARTIAL)
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.summary == "Partial outage on Tumblr Dashboard"
    assert reading.affected == ("Tumblr Dashboard",)
    assert reading.incidents == (
        IncidentNote(
            title="Tumblr Dashboard - Partial Outage",
            verdict=Verdict.PARTIAL_OUTAGE,
            status="Partial Outage",
            url="https://automatticstatus.com",
            started_at="Tue, 05 Mar 2024 15:42:07 GMT",
        ),
    )


def test_wordpress_com_filter_is_unaffected_by_the_tumblr_outage() -> None:
    reading = read(TUMBLR_PARTIAL, "WordPress.com")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All 9 WordPress.com components are operational"
    assert reading.detail == "RSS snapshot: 34 components, 9 starting with 'WordPress.com'"
    assert reading.affected == ()


def test_tumblr_filter_sees_the_outage_case_insensitively() -> None:
    reading = read(TUMBLR_PARTIAL, "tumblr")
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Tumblr Dashboard",)
    assert reading.detail == "RSS snapshot: 34 components, 3 starting with 'tumblr'"


def test_single_component_filter() -> None:
    reading = read(TUMBLR_PARTIAL, "WooCommerce Pay API")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "WooCommerce Pay API is operational"


def test_fixture_component_names() -> None:
    reading = read(ALL_OPERATIONAL, "wordpress.com")
    assert reading.detail.endswith("9 starting with 'wordpress.com'")
    assert b"<title>WordPress.org - Operational</title>" in ALL_OPERATIONAL
    assert all(f"<title>{name} - Operational</title>".encode() in ALL_OPERATIONAL for name in WORDPRESS_COM)


def test_registered_in_the_format_table() -> None:
    assert sources.FORMATS["statusiq_rss"].options == ("component_prefix",)
    reading = sources.parse("statusiq_rss", TUMBLR_PARTIAL, {}, {"component_prefix": "Tumblr"})
    assert reading.verdict is Verdict.PARTIAL_OUTAGE


# --- the status vocabulary ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "verdict", "summary"),
    [
        ("Operational", Verdict.OPERATIONAL, "All 2 components are operational"),
        ("OPERATIONAL", Verdict.OPERATIONAL, "All 2 components are operational"),
        ("Degraded Performance", Verdict.DEGRADED, "Degraded performance on Jetpack"),
        ("degraded performance", Verdict.DEGRADED, "Degraded performance on Jetpack"),
        ("Partial Outage", Verdict.PARTIAL_OUTAGE, "Partial outage on Jetpack"),
        ("Major Outage", Verdict.MAJOR_OUTAGE, "Major outage on Jetpack"),
        ("MAJOR outage", Verdict.MAJOR_OUTAGE, "Major outage on Jetpack"),
        ("Under Maintenance", Verdict.MAINTENANCE, "Maintenance under way on Jetpack"),
    ],
)
def test_status_mapping(status: str, verdict: Verdict, summary: str) -> None:
    reading = read(feed("Gravatar - Operational", f"Jetpack - {status}"))
    assert reading.verdict is verdict
    assert reading.summary == summary
    assert reading.affected == (() if verdict is Verdict.OPERATIONAL else ("Jetpack",))


def test_informational_is_operational_but_noted() -> None:
    reading = read(feed("Day One - Informational", "Gravatar - Operational"))
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "All 2 components are operational (1 informational notice)"
    assert reading.detail == "RSS snapshot: 2 components; informational notice on Day One"
    assert reading.affected == ()
    assert [(n.title, n.verdict) for n in reading.incidents] == [
        ("Day One - Informational", Verdict.OPERATIONAL)
    ]


@pytest.mark.parametrize(
    "status", ["Investigating", "Down", "Unknown", "Maintenance", "Operational!", "Outage"]
)
def test_unknown_status_is_unknown_not_operational(status: str) -> None:
    reading = read(feed("Gravatar - Operational", f"Akismet - {status}"))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "The status page shows a component state OutageTray does not understand"
    assert f"not understood: Akismet = {status!r}" in reading.detail
    assert reading.affected == ()


def test_unknown_status_does_not_hide_a_known_problem() -> None:
    reading = read(feed("Akismet - Investigating", "Gravatar - Degraded Performance"))
    assert reading.verdict is Verdict.DEGRADED
    assert reading.affected == ("Gravatar",)


def test_several_problems_worst_first() -> None:
    reading = read(
        feed(
            "Jetpack - Degraded Performance",
            "Tumblr API - Major Outage",
            "Gravatar - Under Maintenance",
            "Tumblr Sites - Partial Outage",
            "Akismet - Operational",
        )
    )
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Tumblr API", "Tumblr Sites", "Jetpack", "Gravatar")
    assert reading.summary == "Major outage on Tumblr API and 3 more components"
    assert [n.verdict for n in reading.incidents] == [
        Verdict.MAJOR_OUTAGE,
        Verdict.PARTIAL_OUTAGE,
        Verdict.DEGRADED,
        Verdict.MAINTENANCE,
    ]


def test_two_problems_say_one_more_component() -> None:
    reading = read(feed("Jetpack - Major Outage", "Gravatar - Major Outage"))
    assert reading.summary == "Major outage on Jetpack and 1 more component"


# --- titles -------------------------------------------------------------------------------------


def test_split_on_the_last_separator() -> None:
    reading = read(feed("Akismet - Anti-spam API - Major Outage", "WooCommerce - Pay API - Operational"))
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert reading.affected == ("Akismet - Anti-spam API",)
    assert (
        read(feed("WooCommerce - Pay API - Operational"), "WooCommerce - Pay").verdict is Verdict.OPERATIONAL
    )


@pytest.mark.parametrize(
    "title", ["WordPress.com", "WordPress.com Operational", "WordPress.com -", "", " - Operational"]
)
def test_title_without_a_status_is_unknown(title: str) -> None:
    reading = read(feed(title, "Gravatar - Operational"))
    assert reading.verdict is Verdict.UNKNOWN
    assert "not understood" in reading.detail


def test_unreadable_title_of_a_matching_component_makes_the_filtered_reading_unknown() -> None:
    body = feed("WordPress.com - Operational", "WordPress.com Reader")
    reading = read(body, "WordPress.com")
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.detail == (
        "RSS snapshot: 2 components, 2 starting with 'WordPress.com'; "
        "not understood: WordPress.com Reader (no status in its title)"
    )


def test_unreadable_title_of_another_product_is_ignored_by_the_filter() -> None:
    body = feed("WordPress.com - Operational", "Tumblr Dashboard", "Tumblr API - Eh")
    reading = read(body, "WordPress.com")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "WordPress.com is operational"


def test_whitespace_in_titles_is_tidied() -> None:
    reading = read(feed("  Jetpack \t-   Partial   Outage\n"))
    assert reading.verdict is Verdict.PARTIAL_OUTAGE
    assert reading.affected == ("Jetpack",)


def test_network_text_is_cleaned_and_the_summary_is_short() -> None:
    reading = read(feed("Jet\x7fpack\u202e " + "x" * 500 + " - Major Outage"))
    assert reading.verdict is Verdict.MAJOR_OUTAGE
    assert len(reading.summary) <= 120
    assert reading.summary.startswith("Major outage on Jetpack xxx")
    assert "\x7f" not in reading.affected[0] and "\u202e" not in reading.affected[0]


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        ("https://automatticstatus.com/", "https://automatticstatus.com/"),
        ("javascript:alert(1)", ""),
        ("", ""),
    ],
)
def test_only_plain_web_links_are_kept(link: str, kept: str) -> None:
    (note,) = read(feed("Jetpack - Major Outage", link=link)).incidents
    assert note.url == kept


# --- filters and empty snapshots ----------------------------------------------------------------


def test_prefix_matching_nothing_is_unknown_with_a_clear_reason() -> None:
    reading = read(TUMBLR_PARTIAL, "Blogger")
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "The status page no longer lists Blogger"
    assert reading.detail == "no component name starts with 'Blogger' among the 34 listed"


def test_blank_prefix_means_every_component() -> None:
    assert read(TUMBLR_PARTIAL, "   ").verdict is Verdict.PARTIAL_OUTAGE


def test_feed_with_no_items_is_unknown() -> None:
    assert_unreadable(read(feed()), "lists no components")
    assert_unreadable(read(feed(), "WordPress.com"), "lists no components")


def test_items_outside_the_channel_are_not_components() -> None:
    body = b"<rss><channel><title>S</title></channel><item><title>Jetpack - Operational</title></item></rss>"
    assert_unreadable(read(body), "lists no components")


# --- unreadable bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (STATUSIQ_HTML, "web page (HTML)"),
        (TUMBLR_PARTIAL[: len(TUMBLR_PARTIAL) // 2], "not valid XML"),
        (TUMBLR_PARTIAL.replace(b"</channel>", b""), "not valid XML"),
        (b"<rss version='2.0'/>", "no <channel>"),
        (
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>A - Operational</title></entry></feed>',
            "<feed>",
        ),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "root is <html>"),
        (b'{"components": []}', "not valid XML"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid XML"),
        (b"<rss><channel><item><title>A - Operational\xff</title></item></channel></rss>", "not valid XML"),
        (BILLION_LAUGHS, "refused for safety"),
        (XXE, "refused for safety"),
    ],
)
def test_unreadable_bodies_are_unknown(body: bytes, fragment: str) -> None:
    assert_unreadable(read(body), fragment)
    assert_unreadable(read(body, "WordPress.com"), fragment)


def test_xxe_is_not_expanded() -> None:
    reading = read(XXE)
    assert reading.verdict is Verdict.UNKNOWN
    assert "root:" not in repr(reading)


def test_utf8_bom_is_accepted() -> None:
    reading = read(b"\xef\xbb\xbf" + TUMBLR_PARTIAL, "Tumblr")
    assert reading.verdict is Verdict.PARTIAL_OUTAGE


def test_deeply_nested_xml_in_a_title_does_not_crash() -> None:
    title = b"<a>" * 100_000 + b"Jetpack - Major Outage" + b"</a>" * 100_000
    reading = read(b"<rss><channel><item><title>" + title + b"</title></item></channel></rss>")
    assert reading.verdict is Verdict.MAJOR_OUTAGE


# --- properties ---------------------------------------------------------------------------------

STATUSES = {
    "Operational": Verdict.OPERATIONAL,
    "Informational": Verdict.OPERATIONAL,
    "Degraded Performance": Verdict.DEGRADED,
    "Partial Outage": Verdict.PARTIAL_OUTAGE,
    "Major Outage": Verdict.MAJOR_OUTAGE,
    "Under Maintenance": Verdict.MAINTENANCE,
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=40,
)
names = st.from_regex(r"[A-Za-z][A-Za-z0-9.]{0,8}( [A-Za-z0-9.]{1,8}){0,2}", fullmatch=True)
statuses = st.sampled_from(sorted(STATUSES)) | st.from_regex(
    r"[A-Za-z]{1,12}( [A-Za-z]{1,12})?", fullmatch=True
)


@settings(max_examples=300, deadline=None)
@given(body=st.binary(max_size=2048), prefix=st.sampled_from([None, "WordPress.com", "Tumblr"]))
def test_arbitrary_bytes_never_raise_and_are_never_operational(body: bytes, prefix: str | None) -> None:
    reading = read(body, prefix)
    assert reading.verdict is not Verdict.OPERATIONAL
    assert len(reading.summary) <= 120


@settings(max_examples=200, deadline=None)
@given(value=json_values)
def test_arbitrary_json_never_raises_and_is_unknown(value: Any) -> None:
    assert read(json.dumps(value).encode()).verdict is Verdict.UNKNOWN


@settings(max_examples=300, deadline=None)
@given(components=st.lists(st.tuples(names, statuses), max_size=8))
def test_verdict_is_the_documented_combination(components: list[tuple[str, str]]) -> None:
    """Operational only when every component says so; unknown beats nothing but operational."""
    reading = read(feed(*(f"{name} - {status}" for name, status in components)))
    mapped = [{k.lower(): v for k, v in STATUSES.items()}.get(status.lower()) for _, status in components]
    known = [v for v in mapped if v is not None]
    if not known:
        expected = Verdict.UNKNOWN
    else:
        worst_known = max(known, key=lambda v: v.severity)
        expected = Verdict.UNKNOWN if None in mapped and worst_known is Verdict.OPERATIONAL else worst_known
    assert reading.verdict is expected
    assert set(reading.affected) == {
        name
        for (name, _), v in zip(components, mapped, strict=True)
        if v is not None and v is not Verdict.OPERATIONAL
    }
