"""Tests for the Statuspage history feed reader (STATUS-SOURCES.md §3.4, §3.5).

Feeds are the XML attack surface of the app (bombs, external entities) and the
place where a look-alike format (Instatus) could be misread, so both get as much
attention as the happy path.
"""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outagetray.core import sources
from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources.statuspage_feed import parse

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "statuspage_feed"
ATOM_NS = "http://www.w3.org/2005/Atom"


def read(name: str) -> Reading:
    return parse((FIXTURES / name).read_bytes(), {"Content-Type": "application/atom+xml"}, {})


def text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def entry(state: str, *, title: str = "Incident with Git Operations", num: int = 1, lead: str = "") -> str:
    """One Statuspage-shaped Atom entry whose newest update has ``state``."""
    trail = (
        f"{lead}<p><small>Jun <var data-var='date'>24</var>, <var data-var='time'>07:42</var> UTC</small>"
        f"<br><strong>{state}</strong> - Something happened.</p>"
        "<p><small>Jun <var data-var='date'>24</var>, <var data-var='time'>07:05</var> UTC</small>"
        "<br><strong>Investigating</strong> - We are currently investigating this issue.</p>"
    )
    return (
        f"<entry><id>tag:www.githubstatus.com,2005:Incident/{num}</id>"
        "<published>2024-06-24T07:05:44Z</published><updated>2024-06-24T07:42:46Z</updated>"
        f'<link rel="alternate" type="text/html" href="https://www.githubstatus.com/incidents/c{num}"/>'
        f"<title>{html.escape(title, quote=False)}</title>"
        f'<content type="html">{html.escape(trail, quote=False)}</content></entry>'
    )


def atom(*entries: str, title: str = "GitHub Status - Incident History") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><feed xml:lang="en-US" xmlns="{ATOM_NS}">'
        f"<title>{title}</title>{''.join(entries)}</feed>"
    ).encode()


def run(*entries: str) -> Reading:
    return parse(atom(*entries), {}, {})


# --------------------------------------------------------------------------- real shapes


def test_githubstatus_feed_with_open_incidents() -> None:
    reading = read("githubstatus_history_open.atom")
    assert reading.verdict is Verdict.DEGRADED
    assert reading.summary == "Ongoing: Disruption with some GitHub services (+1 more)"
    assert reading.affected == ()
    assert reading.detail == 'Atom feed "GitHub Status - Incident History": 5 entries, 2 open incidents'
    assert reading.incidents == (
        IncidentNote(
            title="Disruption with some GitHub services",
            verdict=Verdict.DEGRADED,
            status="Update",
            url="https://www.githubstatus.com/incidents/nzc328r69wrv",
            started_at="2024-06-24T07:05:44Z",
        ),
        IncidentNote(
            title="Incident with Pages",
            verdict=Verdict.DEGRADED,
            status="Monitoring",
            url="https://www.githubstatus.com/incidents/7k2b0v9xqw1h",
            started_at="2024-06-24T06:50:10Z",
        ),
    )


def test_githubstatus_feed_with_everything_closed_is_operational() -> None:
    reading = read("githubstatus_history_all_closed.atom")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "No open incidents"
    assert reading.incidents == ()
    assert reading.detail == 'Atom feed "GitHub Status - Incident History": 3 entries, 0 open incidents'


def test_rss_feed_with_a_maintenance_in_progress() -> None:
    reading = parse(
        (FIXTURES / "govuk_history_maintenance_in_progress.rss").read_bytes(),
        {},
        {},
        now=at("2024-01-09T18:30:00Z"),
    )
    assert reading.verdict is Verdict.MAINTENANCE
    assert reading.summary == "Maintenance in progress: Router database migration"
    assert reading.incidents == (
        IncidentNote(
            title="Router database migration",
            verdict=Verdict.MAINTENANCE,
            status="In progress",
            url="https://status.publishing.service.gov.uk/incidents/w4mf0d8kq2zr",
            started_at="Tue, 09 Jan 2024 18:00:00 +0000",
        ),
    )
    assert reading.detail == (
        'RSS feed "GOV.UK Status - Incident History": 3 entries, 0 open incidents, 1 maintenance in progress'
    )


def test_rss_feed_with_only_a_scheduled_maintenance_is_operational() -> None:
    # The entry opens with a "THIS IS A SCHEDULED EVENT" banner before its first state.
    assert "THIS IS A SCHEDULED EVENT" in html.unescape(text("govuk_history_scheduled_only.rss"))
    reading = read("govuk_history_scheduled_only.rss")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "No open incidents"
    assert reading.incidents == ()


def test_a_scheduled_maintenance_whose_window_has_come_is_maintenance() -> None:
    # Still "Scheduled" (the owner has not posted "In progress"), but its window is now.
    body = (FIXTURES / "govuk_history_scheduled_only.rss").read_bytes()
    running = parse(body, {}, {}, now=at("2024-01-16T13:00:00Z"))
    assert running.verdict is Verdict.MAINTENANCE
    assert (
        running.summary == "Maintenance in progress: GOV.UK Publishing maintenance Tue 16 Jan 12:00-16:00 GMT"
    )
    assert parse(body, {}, {}, now=at("2024-01-16T16:00:00Z")).verdict is Verdict.OPERATIONAL
    assert parse(body, {}, {}, now=at("2024-01-08T17:43:10Z")).verdict is Verdict.OPERATIONAL


# --------------------------------------------------------------------------- scheduled maintenance

CLOUDFLARE = "cloudflarestatus_history_maintenances.rss"
REDDIT = "redditstatus_history_maintenance_and_incident.atom"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def read_at(name: str, now: str) -> Reading:
    return parse((FIXTURES / name).read_bytes(), {"Content-Type": "application/rss+xml"}, {}, now=at(now))


def titles(reading: Reading) -> list[tuple[str, Verdict, str]]:
    return [(note.title, note.verdict, note.status) for note in reading.incidents]


def test_maintenances_planned_for_later_are_not_an_incident_even_with_update_lines() -> None:
    """The false alarm of issue 13: next week's maintenances, each with an "Update" line, read degraded."""
    feed = html.unescape(text(CLOUDFLARE))
    assert feed.count("THIS IS A SCHEDULED EVENT") == 4
    assert feed.count("<strong>Update</strong>") == 2
    reading = read_at(CLOUDFLARE, "2026-03-16T07:27:49Z")  # when the feed was fetched
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.summary == "No open incidents"
    assert reading.incidents == ()
    assert reading.detail == 'RSS feed "Cloudflare Status - Incident History": 5 entries, 0 open incidents'


def test_maintenance_entries_are_never_read_as_incidents_whatever_the_time() -> None:
    for name in (CLOUDFLARE, "govuk_history_scheduled_only.rss"):
        reading = parse((FIXTURES / name).read_bytes(), {}, {})  # the real clock
        assert reading.verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE)
        assert all(note.verdict is Verdict.MAINTENANCE for note in reading.incidents)


def test_a_maintenance_whose_window_is_now_is_maintenance_and_its_update_line_keeps_it_so() -> None:
    reading = read_at(CLOUDFLARE, "2026-04-07T14:00:00Z")
    assert reading.verdict is Verdict.MAINTENANCE
    assert reading.summary == "Maintenance in progress: PDX (Portland) on 2026-04-07"
    assert titles(reading) == [("PDX (Portland) on 2026-04-07", Verdict.MAINTENANCE, "In progress")]
    assert reading.detail.endswith("0 open incidents, 1 maintenance in progress")


def test_two_windows_at_once_one_of_them_over_midnight() -> None:
    # BRU runs Mar 19 23:00 - Mar 20 03:00, LAX Mar 20 01:00 - 06:00.
    assert [t for t, _, _ in titles(read_at(CLOUDFLARE, "2026-03-19T23:30:00Z"))] == [
        "BRU (Brussels) on 2026-03-19"
    ]
    both = read_at(CLOUDFLARE, "2026-03-20T02:00:00Z")
    assert both.verdict is Verdict.MAINTENANCE
    assert [t for t, _, _ in titles(both)] == [
        "LAX (Los Angeles) on 2026-03-20",
        "BRU (Brussels) on 2026-03-19",
    ]
    assert [t for t, _, _ in titles(read_at(CLOUDFLARE, "2026-03-20T03:00:00Z"))] == [
        "LAX (Los Angeles) on 2026-03-20"
    ]


def test_finished_maintenances_are_operational() -> None:
    reading = read_at(CLOUDFLARE, "2026-04-07T17:00:00Z")
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.incidents == ()


def test_a_maintenance_followed_by_an_open_incident_is_degraded() -> None:
    reading = read_at(REDDIT, "2024-06-18T05:03:00Z")
    assert reading.verdict is Verdict.DEGRADED
    assert reading.summary == "Ongoing: Comments fail to load for some users (+1 more)"
    assert titles(reading) == [
        ("Comments fail to load for some users", Verdict.DEGRADED, "Update"),
        ("Scheduled database maintenance", Verdict.MAINTENANCE, "In progress"),
    ]
    assert reading.detail == (
        'Atom feed "Reddit Status - Incident History": 3 entries, 1 open incident, 1 maintenance in progress'
    )


def test_an_update_after_the_window_leaves_only_the_real_incident() -> None:
    reading = read_at(REDDIT, "2024-06-18T06:30:00Z")
    assert reading.verdict is Verdict.DEGRADED
    assert titles(reading) == [("Comments fail to load for some users", Verdict.DEGRADED, "Update")]


def planned(window: str, *states: str, published: str = "2024-06-11T18:09:31Z", num: int = 1) -> str:
    """A Statuspage maintenance entry: the banner with ``window``, then ``states`` newest first."""
    trail = f"<p><strong>THIS IS A SCHEDULED EVENT {window}</strong></p>" + "".join(
        f"<p><small>Jun <var data-var='date'>11</var>, <var data-var='time'>18:09</var> UTC</small>"
        f"<br><strong>{state}</strong> - We will upgrade the main database.</p>"
        for state in states
    )
    return (
        f"<entry><id>tag:www.redditstatus.com,2005:Incident/{num}</id>"
        f"<published>{published}</published><updated>{published}</updated>"
        f'<link rel="alternate" type="text/html" href="https://www.redditstatus.com/incidents/m{num}"/>'
        "<title>Planned database upgrade</title>"
        f'<content type="html">{html.escape(trail, quote=False)}</content></entry>'
    )


def verdict_at(now: str, *entries: str) -> Verdict:
    return parse(atom(*entries), {}, {}, now=at(now)).verdict


_JUN18 = (
    "Jun <var data-var='date'>18</var>, <var data-var='time'>04:00</var>"
    " - <var data-var='time'>06:00</var> UTC"
)


@pytest.mark.parametrize(
    ("window", "now", "expected"),
    [
        (_JUN18, "2024-06-18T03:59:59Z", Verdict.OPERATIONAL),
        (_JUN18, "2024-06-18T04:00:00Z", Verdict.MAINTENANCE),
        (_JUN18, "2024-06-18T05:59:59Z", Verdict.MAINTENANCE),
        (_JUN18, "2024-06-18T06:00:00Z", Verdict.OPERATIONAL),
        (_JUN18, "2024-06-25T05:00:00Z", Verdict.OPERATIONAL),
        # The page's own zone: 04:00-06:00 PDT is 11:00-13:00 UTC.
        ("Jun 18, 04:00 - 06:00 PDT", "2024-06-18T05:00:00Z", Verdict.OPERATIONAL),
        ("Jun 18, 04:00 - 06:00 PDT", "2024-06-18T11:30:00Z", Verdict.MAINTENANCE),
        ("Jun 18, 10:00 - 11:00 +05:30", "2024-06-18T04:45:00Z", Verdict.MAINTENANCE),
        ("Jun 18, 10:00 - 11:00 +05:30", "2024-06-18T10:30:00Z", Verdict.OPERATIONAL),
        ("Jun 18, 4:00 PM - 6:00 PM UTC", "2024-06-18T17:00:00Z", Verdict.MAINTENANCE),
        ("Jun 18, 4:00 PM - 6:00 PM UTC", "2024-06-18T05:00:00Z", Verdict.OPERATIONAL),
        # Over midnight, with and without the end day written out.
        ("Jun 18, 23:00 - 02:00 UTC", "2024-06-19T01:00:00Z", Verdict.MAINTENANCE),
        ("Jun 18, 23:00 - 02:00 UTC", "2024-06-18T01:00:00Z", Verdict.OPERATIONAL),
        ("Jun 18, 22:00 - Jun 20, 06:00 UTC", "2024-06-19T12:00:00Z", Verdict.MAINTENANCE),
        ("Jun 18, 22:00 - Jun 20, 06:00 UTC", "2024-06-20T06:00:00Z", Verdict.OPERATIONAL),
    ],
)
def test_the_banner_window_decides_a_scheduled_maintenance(window: str, now: str, expected: Verdict) -> None:
    assert verdict_at(now, planned(window, "Scheduled")) is expected
    # An "Update" line changes nothing: it updates the maintenance, it is not an incident.
    assert verdict_at(now, planned(window, "Update", "Scheduled")) is expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2024-12-31T22:59:00Z", Verdict.OPERATIONAL),
        ("2024-12-31T23:30:00Z", Verdict.MAINTENANCE),
        ("2025-01-01T01:59:00Z", Verdict.MAINTENANCE),
        ("2025-01-01T02:00:00Z", Verdict.OPERATIONAL),
        ("2024-01-01T01:00:00Z", Verdict.OPERATIONAL),
    ],
)
def test_a_window_over_the_year_end(now: str, expected: Verdict) -> None:
    entry_ = planned("Dec 31, 23:00 - Jan 1, 02:00 UTC", "Scheduled", published="2024-12-20T10:00:00Z")
    assert verdict_at(now, entry_) is expected


def test_the_year_comes_from_the_entry_date() -> None:
    # Announced on 2024-12-20 for "Jan 5": that is January 2025, not January 2024.
    january = planned("Jan 5, 10:00 - 12:00 UTC", "Update", "Scheduled", published="2024-12-20T10:00:00Z")
    assert verdict_at("2025-01-05T11:00:00Z", january) is Verdict.MAINTENANCE
    assert verdict_at("2024-01-05T11:00:00Z", january) is Verdict.OPERATIONAL


@pytest.mark.parametrize(
    ("states", "now", "expected"),
    [
        # The owner's own words about the present beat the plan.
        (("Completed", "In progress", "Scheduled"), "2024-06-18T05:00:00Z", Verdict.OPERATIONAL),
        (("In progress", "Scheduled"), "2024-06-18T03:30:00Z", Verdict.MAINTENANCE),
        (("Verifying", "In progress"), "2024-06-18T06:30:00Z", Verdict.MAINTENANCE),
        # "Update" and "Scheduled" leave it to the window.
        (("Update", "In progress", "Scheduled"), "2024-06-18T05:00:00Z", Verdict.MAINTENANCE),
        (("Update", "In progress", "Scheduled"), "2024-06-18T07:00:00Z", Verdict.OPERATIONAL),
        ((), "2024-06-18T05:00:00Z", Verdict.MAINTENANCE),
        ((), "2024-06-18T07:00:00Z", Verdict.OPERATIONAL),
    ],
)
def test_state_words_next_to_a_readable_window(states: tuple[str, ...], now: str, expected: Verdict) -> None:
    assert verdict_at(now, planned(_JUN18, *states)) is expected


@pytest.mark.parametrize(
    "window",
    [
        "Jun 18, 04:00 - 06:00 CST",  # Central US or China: hours apart, so not guessed
        "Jun 18, 04:00 - 06:00",  # no zone
        "sometime next week",
        "Jun 31, 04:00 - 06:00 UTC",
        "Jun 18, 25:00 - 06:00 UTC",
        "Jun 18, 04:00 - Oct 18, 06:00 UTC",  # four months: misread, not believed
    ],
)
@pytest.mark.parametrize(
    ("states", "expected"),
    [
        (("Scheduled",), Verdict.OPERATIONAL),
        (("In progress", "Scheduled"), Verdict.MAINTENANCE),
        (("Verifying", "In progress"), Verdict.MAINTENANCE),
        (("Completed", "In progress"), Verdict.OPERATIONAL),
        (("Update", "In progress", "Scheduled"), Verdict.MAINTENANCE),
        (("Update", "Scheduled"), Verdict.OPERATIONAL),
        (("Update",), Verdict.UNKNOWN),
        ((), Verdict.UNKNOWN),
        (("Investigating",), Verdict.UNKNOWN),
    ],
)
def test_without_a_readable_window_the_state_words_decide(
    window: str, states: tuple[str, ...], expected: Verdict
) -> None:
    assert verdict_at("2024-06-18T05:00:00Z", planned(window, *states)) is expected


def test_a_maintenance_that_cannot_be_read_says_why() -> None:
    reading = parse(atom(planned("sometime next week", "Update")), {}, {}, now=at("2024-06-18T05:00:00Z"))
    assert reading.verdict is Verdict.UNKNOWN
    assert 'entry "Planned database upgrade" is a maintenance whose window and state cannot be read' in (
        reading.detail
    )
    odd = parse(atom(planned(_JUN18, "Investigating")), {}, {}, now=at("2024-06-18T05:00:00Z"))
    assert 'is a maintenance with state "Investigating"' in odd.detail


def test_without_a_given_time_the_current_time_is_used() -> None:
    now = datetime.now(UTC)
    published = f"{now:%Y-%m-%dT%H:%M:%SZ}"

    def window(start: datetime, end: datetime) -> str:
        return f"{start:%b %d, %H:%M} - {end:%b %d, %H:%M} UTC"

    running = planned(
        window(now - timedelta(hours=1), now + timedelta(hours=1)), "Scheduled", published=published
    )
    assert parse(atom(running), {}, {}).verdict is Verdict.MAINTENANCE
    next_week = window(now + timedelta(days=7), now + timedelta(days=7, hours=2))
    assert (
        parse(atom(planned(next_week, "Scheduled", published=published)), {}, {}).verdict
        is Verdict.OPERATIONAL
    )


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("Investigating", Verdict.DEGRADED),
        ("Identified", Verdict.DEGRADED),
        ("Update", Verdict.DEGRADED),
        ("Monitoring", Verdict.DEGRADED),
        ("MONITORING", Verdict.DEGRADED),
        ("In progress", Verdict.MAINTENANCE),
        ("In  Progress", Verdict.MAINTENANCE),
        ("Verifying", Verdict.MAINTENANCE),
        ("Scheduled", Verdict.OPERATIONAL),
        ("Resolved", Verdict.OPERATIONAL),
        ("Postmortem", Verdict.OPERATIONAL),
        ("Completed", Verdict.OPERATIONAL),
        ("Exploding", Verdict.UNKNOWN),
        ("", Verdict.UNKNOWN),
    ],
)
def test_first_strong_state_mapping(state: str, expected: Verdict) -> None:
    assert run(entry(state)).verdict is expected


@pytest.mark.parametrize(
    ("state", "summary"),
    [
        ("Investigating", "Investigating: Incident with Git Operations"),
        ("Identified", "Cause found: Incident with Git Operations"),
        ("Update", "Ongoing: Incident with Git Operations"),
        ("Monitoring", "Fix applied, monitoring: Incident with Git Operations"),
        ("Verifying", "Maintenance ending, verifying: Incident with Git Operations"),
    ],
)
def test_summaries_use_plain_words(state: str, summary: str) -> None:
    assert run(entry(state)).summary == summary


def test_the_worst_open_entry_wins_and_maintenance_ranks_below_incidents() -> None:
    reading = run(entry("In progress", title="Planned upgrade", num=1), entry("Identified", num=2))
    assert reading.verdict is Verdict.DEGRADED
    assert reading.summary == "Cause found: Incident with Git Operations (+1 more)"
    assert [note.verdict for note in reading.incidents] == [Verdict.MAINTENANCE, Verdict.DEGRADED]


def test_an_unknown_state_next_to_an_open_incident_keeps_the_incident() -> None:
    reading = run(entry("Exploding", num=1), entry("Investigating", num=2))
    assert reading.verdict is Verdict.DEGRADED
    assert 'entry "Incident with Git Operations" has state "Exploding"' in reading.detail


def test_an_unknown_state_among_closed_entries_is_unknown() -> None:
    reading = run(entry("Exploding", num=1), entry("Resolved", num=2))
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert reading.incidents == ()


def test_an_entry_without_any_state_is_unknown() -> None:
    bare = (
        "<entry><id>tag:x,2005:Incident/9</id><title>Quiet</title>"
        '<content type="html">&lt;p&gt;No label here.&lt;/p&gt;</content></entry>'
    )
    reading = run(bare)
    assert reading.verdict is Verdict.UNKNOWN
    assert 'entry "Quiet" has no state' in reading.detail


def test_the_banner_is_skipped_but_only_the_banner() -> None:
    banner = "<p><strong>THIS IS A SCHEDULED EVENT Jun 30, 09:00 - 10:30 UTC</strong></p>"
    assert run(entry("In progress", lead=banner)).verdict is Verdict.MAINTENANCE
    assert run(entry("Scheduled", lead=banner)).verdict is Verdict.OPERATIONAL
    other = "<p><strong>Heads up</strong></p>"
    assert run(entry("Resolved", lead=other)).verdict is Verdict.UNKNOWN


@pytest.mark.parametrize(
    "body",
    [
        atom(),
        b'<?xml version="1.0"?><rss version="2.0"><channel>'
        b"<title>X - Incident History</title></channel></rss>",
    ],
)
def test_a_feed_without_entries_is_operational(body: bytes) -> None:
    reading = parse(body, {}, {})
    assert reading.verdict is Verdict.OPERATIONAL
    assert reading.incidents == ()


def test_escaped_html_inside_cdata_is_read() -> None:
    escaped = html.escape("<p><small>Jun 24</small><br><strong>Identified</strong> - Fix coming.</p>")
    body = (
        f'<feed xmlns="{ATOM_NS}"><title>X - Incident History</title><entry><id>tag:x,2005:Incident/1</id>'
        f'<title>Broken</title><content type="html"><![CDATA[{escaped}]]></content></entry></feed>'
    ).encode()
    reading = parse(body, {}, {})
    assert reading.verdict is Verdict.DEGRADED
    assert reading.incidents[0].status == "Identified"


def test_a_strong_with_attributes_and_nested_markup_is_read() -> None:
    lead = ""
    state = '<span class="x">In</span> progress'
    reading = run(entry(state, lead=lead).replace("&lt;strong&gt;", '&lt;strong class="s"&gt;', 1))
    assert reading.verdict is Verdict.MAINTENANCE
    assert reading.incidents[0].status == "In progress"


def test_duplicate_entries_are_counted_once() -> None:
    reading = run(entry("Investigating", num=7), entry("Investigating", num=7))
    assert len(reading.incidents) == 1
    assert reading.summary == "Investigating: Incident with Git Operations"


def test_links_that_are_not_http_are_dropped() -> None:
    hostile = entry("Investigating").replace(
        "https://www.githubstatus.com/incidents/c1", "javascript:alert(document.cookie)"
    )
    assert run(hostile).incidents[0].url == ""


def test_an_entry_without_a_title_is_named_by_its_id() -> None:
    untitled = entry("Investigating").replace("<title>Incident with Git Operations</title>", "")
    reading = run(untitled)
    assert reading.summary == "Investigating: entry tag:www.githubstatus.com,2005:Incident/1"


def test_entry_titles_are_one_plain_line() -> None:
    reading = run(entry("Investigating", title="Git\n\tpushes\u202e   fail"))
    assert reading.incidents[0].title == "Git pushes fail"
    assert reading.summary == "Investigating: Git pushes fail"


# --------------------------------------------------------------------------- Instatus refusal


@pytest.mark.parametrize("name", ["instatus_history.atom", "instatus_history.rss"])
def test_instatus_history_feeds_are_refused(name: str) -> None:
    reading = read(name)
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert "Instatus" in reading.detail
    assert reading.incidents == ()


def test_instatus_is_refused_by_its_title_alone() -> None:
    body = atom(entry("Investigating"), title="Kagi Status - Incident history")
    assert "Instatus" in parse(body, {}, {}).detail


def test_instatus_is_refused_by_its_type_paragraph_alone() -> None:
    lead = "<p><strong>Type:</strong> Incident</p><p><strong>Duration:</strong> 5 minutes</p>"
    reading = run(entry("Resolved", num=1), entry("Identified", lead=lead, num=2))
    assert reading.verdict is Verdict.UNKNOWN
    assert "Instatus" in reading.detail


def test_instatus_is_refused_by_its_maintenance_id_alone() -> None:
    body = entry("Identified").replace("2005:Incident/1", "2005:Maintenance/cmrbr5ynx05vc0kp9eoawdsbu")
    reading = run(body)
    assert reading.verdict is Verdict.UNKNOWN
    assert "Instatus" in reading.detail


def test_instatus_rss_is_refused_by_its_plain_description_alone() -> None:
    body = (
        text("instatus_history.rss")
        .replace("Northflank Status - Incident history", "Northflank Status - Incident History")
        .replace("<strong>Type:</strong>", "<b>Kind</b>")
    )
    reading = parse(body.encode(), {}, {})
    assert reading.verdict is Verdict.UNKNOWN
    assert "Instatus" in reading.detail


# --------------------------------------------------------------------------- not a feed, unsafe XML

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
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
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol9;</title></feed>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>X - Incident History</title>
<entry><id>tag:x,2005:Incident/1</id><title>&xxe;</title>
<content type="html">&lt;strong&gt;Resolved&lt;/strong&gt;</content></entry></feed>
"""

XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>X - Incident History</title></feed>
"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, XXE_PARAMETER])
def test_unsafe_xml_is_refused_without_expanding_it(body: bytes) -> None:
    started = time.perf_counter()
    reading = parse(body, {}, {})
    assert time.perf_counter() - started < 1
    assert reading.verdict is Verdict.UNKNOWN
    assert "refused for safety" in reading.detail
    assert "lollol" not in reading.detail
    assert "root:" not in reading.detail
    assert reading.incidents == ()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"\n \t", "empty"),
        (b"<!DOCTYPE html><html><body><h1>Status</h1></body></html>", "web page (HTML)"),
        (b'{"status": {"indicator": "none"}}', "not valid XML"),
        (atom(entry("Resolved"))[:-20], "not valid XML"),
        (b'<?xml version="1.0" encoding="UTF-8"?><feed xmlns="' + ATOM_NS.encode() + b'">\xff</feed>', "XML"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>', "not an Atom or RSS feed"),
        (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>', "its root is <urlset>"),
        (b"<feed><title>X - Incident History</title></feed>", "not in the Atom namespace"),
        (b'<rss version="2.0"><title>No channel</title></rss>', "no channel"),
        (
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><item/></rdf:RDF>',
            "not an Atom or RSS feed",
        ),
        (b"<a>" * 100_000 + b"</a>" * 100_000, "not an Atom or RSS feed"),
    ],
)
def test_documents_that_are_not_feeds_are_unknown(body: bytes, reason: str) -> None:
    reading = parse(body, {}, {})
    assert reading.verdict is Verdict.UNKNOWN
    assert reading.summary == "Status could not be read"
    assert reason in reading.detail


def test_a_utf8_bom_is_accepted() -> None:
    reading = parse(b"\xef\xbb\xbf" + (FIXTURES / "githubstatus_history_open.atom").read_bytes(), {}, {})
    assert reading.verdict is Verdict.DEGRADED


def test_hostile_markup_inside_an_entry_is_cheap_and_unknown() -> None:
    payloads = ["<strong" * 300_000, "<strong>" + "x" * 2_000_000, "<" * 2_000_000]
    for payload in payloads:
        hostile = (
            "<entry><id>tag:x,2005:Incident/1</id><title>Hostile</title>"
            f'<content type="html">{html.escape(payload)}</content></entry>'
        )
        started = time.perf_counter()
        reading = run(hostile)
        assert time.perf_counter() - started < 2
        assert reading.verdict is Verdict.UNKNOWN


def test_the_registry_finds_this_parser() -> None:
    body = (FIXTURES / "githubstatus_history_open.atom").read_bytes()
    assert sources.parse("statuspage_feed", body, {}, {}) == parse(body, {}, {})


# --------------------------------------------------------------------------- properties

_STATES: dict[str, Verdict | None] = {
    "Investigating": Verdict.DEGRADED,
    "Identified": Verdict.DEGRADED,
    "Update": Verdict.DEGRADED,
    "monitoring": Verdict.DEGRADED,
    "In progress": Verdict.MAINTENANCE,
    "VERIFYING": Verdict.MAINTENANCE,
    "Scheduled": None,
    "Resolved": None,
    "Postmortem": None,
    "Completed": None,
    "Exploded": Verdict.UNKNOWN,
    "Investigated": Verdict.UNKNOWN,
    "Type": Verdict.UNKNOWN,
}

_titles = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"),
    max_size=30,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_raise_and_are_never_operational(body: bytes) -> None:
    reading = parse(body, {}, {})
    assert isinstance(reading, Reading)
    assert reading.verdict is not Verdict.OPERATIONAL


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_random_text_never_raises_and_is_never_operational(body: str) -> None:
    reading = parse(body.encode("utf-8", "surrogatepass"), {}, {})
    assert reading.verdict is not Verdict.OPERATIONAL


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from([*sorted(_STATES), "Update"]), max_size=4),
    st.sampled_from([_JUN18, "Dec 31, 23:00 - Jan 1, 02:00 UTC", "Jun 18, 23:00 - 02:00 PDT", "unreadable"]),
    st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)),
)
def test_a_maintenance_entry_is_never_an_incident(states: list[str], window: str, now: datetime) -> None:
    reading = parse(atom(planned(window, *states)), {}, {}, now=now)
    assert reading.verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE, Verdict.UNKNOWN)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(sorted(_STATES)), _titles), max_size=6))
def test_feed_verdict_is_the_worst_entry_state(items: list[tuple[str, str]]) -> None:
    entries = [entry(state, title=title, num=index) for index, (state, title) in enumerate(items)]
    reading = run(*entries)
    expected = worst([Verdict.OPERATIONAL, *(v for s, _ in items if (v := _STATES[s]) is not None)])
    assert reading.verdict is expected
    assert len(reading.summary) <= 120
    assert "\n" not in reading.summary
    open_states = [s for s, _ in items if _STATES[s] in (Verdict.DEGRADED, Verdict.MAINTENANCE)]
    assert len(reading.incidents) == len(open_states)
