"""Exports a claim is built on: the CSV read back, the HTML parsed and checked for its facts.

Hand-made incidents, a fixed ``now`` (the injectable clock) and named zones, so every
time in the output is known in advance. Evidence and sources are written the way a
hostile status page could write them.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from outagetray.core.export import (
    CHANGE_COLUMNS,
    CSV_COLUMNS,
    duration_words,
    overlapping,
    svg_timeline,
    to_csv,
    to_csv_changes,
    to_html,
)
from outagetray.core.model import Verdict
from outagetray.core.playbook_history import facts
from outagetray.core.records import Action, ActionKind, Incident, StateChange

BERLIN = ZoneInfo("Europe/Berlin")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
START = datetime(2026, 3, 10, 13, 2, 30, tzinfo=UTC)
NOW = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> \'quoted\' & javascript:alert(1) <a href="https://evil.example/">x</a>'
GOOD_SOURCE = 'https://metastatus.com/status?a=1&b="x"'
BAD_SOURCES = (
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "https://ok.example/ spaced",
)


def closed_incident(evidence: str = "Meta Status: Facebook major outage") -> Incident:
    confirmed = START + timedelta(minutes=3)
    return Incident(
        id=42,
        owner="Meta",
        platforms=("facebook", "instagram"),
        names=("Facebook", "Instagram"),
        worst=Verdict.MAJOR_OUTAGE,
        started_at=START,
        confirmed_at=confirmed,
        ended_at=START + timedelta(hours=3, minutes=12),
        evidence=evidence,
        acknowledged_at=START + timedelta(minutes=5),
        changes=(
            StateChange(
                confirmed,
                "facebook",
                Verdict.OPERATIONAL,
                Verdict.MAJOR_OUTAGE,
                evidence,
                (GOOD_SOURCE, *BAD_SOURCES),
                event=7,
            ),
            StateChange(
                START + timedelta(minutes=40),
                "instagram",
                Verdict.OPERATIONAL,
                Verdict.PARTIAL_OUTAGE,
                "Instagram: the sign-in page did not answer",
                ("https://www.instagram.com/",),
                event=8,
            ),
        ),
        actions=(
            Action(START + timedelta(minutes=5), ActionKind.ACKNOWLEDGED),
            Action(START + timedelta(minutes=6), ActionKind.DRAFT_COPIED, "notice/short"),
            Action(START + timedelta(minutes=9), ActionKind.TICKED, "report.downdetector"),
            Action(
                START + timedelta(minutes=15), ActionKind.DRAFT_SENT, "notice/long", "email to 40 clients"
            ),
        ),
    )


def open_incident() -> Incident:
    began = NOW - timedelta(minutes=50)
    return Incident(
        id=43,
        owner="X Corp",
        platforms=("x",),
        names=("X",),
        worst=Verdict.DEGRADED,
        started_at=began,
        confirmed_at=began + timedelta(minutes=2),
        evidence="X: slow answers",
        drill=True,
        changes=(
            StateChange(began + timedelta(minutes=2), "x", Verdict.OPERATIONAL, Verdict.DEGRADED, "slow"),
        ),
    )


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


# -- CSV ------------------------------------------------------------------------------------


def test_csv_reads_back_with_exact_times_in_utc_and_local() -> None:
    text = to_csv([closed_incident(), open_incident()], tz=KATHMANDU, now=NOW)
    header = next(csv.reader(io.StringIO(text, newline="")))
    assert tuple(header) == CSV_COLUMNS
    first, second = rows(text)
    assert (first["id"], second["id"]) == ("42", "43")
    assert first["platforms"] == "Facebook, Instagram"
    assert first["owner"] == "Meta"
    assert first["worst"] == "major outage"
    assert first["started_at_utc"] == "2026-03-10 13:02:30"
    assert first["started_at_local"] == "2026-03-10 18:47:30+05:45"
    assert datetime.fromisoformat(first["started_at_local"]) == START
    assert first["confirmed_at_utc"] == "2026-03-10 13:05:30"
    assert first["ended_at_utc"] == "2026-03-10 16:14:30"
    assert first["ended_at_local"] == "2026-03-10 21:59:30+05:45"
    assert first["duration_s"] == str(3 * 3600 + 12 * 60)
    assert first["duration"] == "3 h 12 min"
    assert first["acknowledged_at_utc"] == "2026-03-10 13:07:30"
    assert first["sources"].split(" ")[0] == GOOD_SOURCE
    assert "https://www.instagram.com/" in first["sources"].split(" ")
    assert first["actions"] == (
        "18:52 said they were on it; 18:53 copied notice/short; 18:56 ticked report.downdetector; "
        "19:02 sent notice/long (email to 40 clients)"
    )
    assert first["drill"] == "no"
    assert first["time_zone"] == "Asia/Kathmandu"


def test_csv_open_incident_runs_to_now_and_says_so() -> None:
    (row,) = rows(to_csv([open_incident()], tz=BERLIN, now=NOW))
    assert row["ended_at_utc"] == "" and row["ended_at_local"] == ""
    assert row["duration_s"] == "3000"
    assert row["duration"] == "50 min so far"
    assert row["drill"] == "yes"
    assert row["started_at_local"] == "2026-03-11 09:10:00+01:00"


def test_csv_uses_crlf_and_quotes_every_cell() -> None:
    text = to_csv([closed_incident()], tz=BERLIN, now=NOW)
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 3
    assert lines[0].startswith('"id","platforms"')
    assert lines[1].startswith('"42","Facebook, Instagram"')


@pytest.mark.parametrize(
    "evidence",
    ['=HYPERLINK("https://evil.example/","click")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1"],
)
def test_csv_defuses_cells_a_spreadsheet_would_run(evidence: str) -> None:
    (row,) = rows(to_csv([closed_incident(evidence)], tz=BERLIN, now=NOW))
    assert row["evidence"] == "'" + evidence
    (change,) = [
        r for r in rows(to_csv_changes([closed_incident(evidence)], tz=BERLIN, now=NOW)) if r["event"] == "7"
    ]
    assert change["evidence"] == "'" + evidence


def test_csv_keeps_ordinary_text_and_line_breaks_as_they_are() -> None:
    evidence = 'Meta Status says:\n"Facebook" is down, 3 regions; ok=no'
    (row,) = rows(to_csv([closed_incident(evidence)], tz=BERLIN, now=NOW))
    assert row["evidence"] == evidence


def test_csv_changes_has_one_row_per_change() -> None:
    text = to_csv_changes([closed_incident(), open_incident()], tz=BERLIN, now=NOW)
    assert tuple(next(csv.reader(io.StringIO(text, newline="")))) == CHANGE_COLUMNS
    first, second, third = rows(text)
    assert (first["incident"], first["platform"], first["platform_name"]) == ("42", "facebook", "Facebook")
    assert (first["old"], first["new"]) == ("operational", "major outage")
    assert first["at_utc"] == "2026-03-10 13:05:30"
    assert first["at_local"] == "2026-03-10 14:05:30+01:00"
    assert second["platform_name"] == "Instagram" and second["new"] == "partial outage"
    assert third["incident"] == "43"


def test_duration_words() -> None:
    assert duration_words(45) == "45 s"
    assert duration_words(3 * 3600 + 12 * 60 + 29) == "3 h 12 min"
    assert duration_words(600) == "10 min"
    assert duration_words(26 * 3600 + 5 * 60) == "1 d 2 h 5 min"
    assert duration_words(-5) == "0 s"


# -- HTML -----------------------------------------------------------------------------------


class Page(HTMLParser):
    """Collects what a reader (and a browser) would see: text, tags, links, attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[str] = []
        self.links: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.text.append(" ")  # cells and lines read apart, as on screen
        self.attributes += attrs
        self._in_style = tag == "style"
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style:
            self.text.append(data)

    @property
    def words(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def test_html_holds_the_facts_of_each_incident() -> None:
    page = parse(to_html([closed_incident(), open_incident()], tz=KATHMANDU, now=NOW))
    words = page.words
    assert "Incident 42: Facebook, Instagram (major outage)" in words
    assert "Meta" in words
    assert "2026-03-10 13:02:30 UTC" in words  # started, UTC
    assert "2026-03-10 18:47:30 (Asia/Kathmandu, UTC+05:45)" in words  # started, local with zone
    assert "2026-03-10 13:05:30 UTC" in words  # confirmed
    assert "2026-03-10 16:14:30 UTC" in words  # ended
    assert "3 h 12 min" in words
    assert "Meta Status: Facebook major outage" in words
    assert "operational \u2192 major outage" in words
    assert "Instagram: the sign-in page did not answer" in words
    assert "copied notice/short" in words and "ticked report.downdetector" in words
    assert "sent notice/long (email to 40 clients)" in words
    # the open one, a fire drill, says so
    assert "still going when this report was made" in words
    assert "50 min so far" in words
    assert "Fire drill" in words
    # honest wording at the top
    assert "record kept by OutageTray on this computer" in words
    assert "case by case" in words and "does not promise" in words
    assert words.index("record kept by OutageTray") < words.index("Incident 42")


def test_html_summary_counts_real_incidents_and_outage_time_per_platform() -> None:
    page = parse(to_html([closed_incident(), open_incident()], tz=BERLIN, now=NOW))
    words = page.words
    assert "1 incident (and 1 fire drill, not counted) in this period." in words
    # Facebook: major from the onset to the end; Instagram: from its own change (it joined later).
    assert "Facebook 1 3 h 12 min 3 h 12 min" in words
    assert "Instagram 1 2 h 32 min 3 h 12 min" in words
    assert "X 1" not in words


def test_html_escapes_hostile_text_and_links_only_http_sources() -> None:
    incident = closed_incident(HOSTILE)
    text = to_html([incident], tz=BERLIN, now=NOW, title="Report <script>x</script>")
    page = parse(text)
    assert "script" not in page.tags
    assert page.tags.count("a") == len(page.links)
    assert sorted(set(page.links)) == sorted({GOOD_SOURCE, "https://www.instagram.com/"})
    assert not any(name.startswith("on") for name, _ in page.attributes)
    assert not any((value or "").lower().startswith(("javascript:", "data:")) for _, value in page.attributes)
    # the hostile text is shown, as text, exactly
    assert HOSTILE in "".join(page.text)
    for bad in BAD_SOURCES:
        assert bad in "".join(page.text)
    assert "<script>" not in text and '<a href="https://evil.example/">' not in text


def test_html_is_self_contained_and_forbids_scripts() -> None:
    text = to_html([closed_incident()], tz=BERLIN, now=NOW)
    page = parse(text)
    assert text.startswith("<!DOCTYPE html>")
    assert not {"script", "link", "img", "iframe", "object"} & set(page.tags)
    csp = [v for k, v in page.attributes if k == "content" and v and "default-src" in v]
    assert csp and "'none'" in csp[0]
    assert "@media print" in text


def test_html_embeds_one_svg_timeline_per_incident_and_it_parses_as_xml() -> None:
    text = to_html([closed_incident(HOSTILE), open_incident()], tz=BERLIN, now=NOW)
    svgs = re.findall(r"<svg\b.*?</svg>", text, flags=re.S)
    assert len(svgs) == 3  # the period (real incidents only) and each incident
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_html_date_range_counts_only_the_time_inside_it() -> None:
    incidents = [closed_incident(), open_incident()]
    start, end = START + timedelta(hours=1), START + timedelta(hours=2)
    chosen = overlapping(incidents, start, end, now=NOW)
    assert [i.id for i in chosen] == [42]
    page = parse(to_html(chosen, tz=BERLIN, now=NOW, start=start, end=end))
    assert "Facebook 1 1 h 0 min 3 h 12 min" in page.words
    assert "Period: 2026-03-10 14:02:30 UTC to 2026-03-10 15:02:30 UTC" in page.words
    assert [i.id for i in overlapping(incidents, NOW - timedelta(minutes=1), NOW, now=NOW)] == [43]


def test_html_of_no_incidents_says_so() -> None:
    words = parse(to_html([], tz=BERLIN, now=NOW)).words
    assert "0 incidents in this period." in words
    assert "No outages recorded in this period." in words


# -- SVG ------------------------------------------------------------------------------------

SVG = "{http://www.w3.org/2000/svg}"


def test_svg_timeline_draws_each_platform_with_local_time_marks() -> None:
    incident = closed_incident()
    names = list(incident.names)
    hostile = Incident(**{**incident.__dict__, "names": ('Face<book> & "co"', names[1])})
    root = ET.fromstring(svg_timeline(hostile, tz=BERLIN, now=NOW))
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert 'Face<book> & "co"' in texts and "Instagram" in texts
    marks = [t for t in texts if re.fullmatch(r"\d\d:\d\d", t)]
    assert "15:00" in marks  # Berlin local hours (the incident runs 14:02-17:14 local)
    titles = [t.text or "" for t in root.iter(f"{SVG}title")]
    assert any(t.startswith("major outage: 2026-03-10 14:02 to 2026-03-10 17:14") for t in titles)
    assert any(t.startswith("partial outage: 2026-03-10 14:42 to 2026-03-10 17:14") for t in titles)
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert len(fills) == 3  # operational margins, partial, major


def test_svg_timeline_of_a_short_incident_marks_minutes() -> None:
    short = Incident(
        id=1,
        owner="Meta",
        platforms=("facebook",),
        worst=Verdict.DEGRADED,
        started_at=START,
        confirmed_at=START,
        ended_at=START + timedelta(minutes=20),
    )
    root = ET.fromstring(svg_timeline(short, tz=KATHMANDU, now=NOW))
    marks = [t.text for t in root.iter(f"{SVG}text") if t.text and re.fullmatch(r"\d\d:\d\d", t.text)]
    assert len(marks) >= 3
    assert all(int(m[3:]) % 5 == 0 for m in marks)
    assert "facebook" in [t.text for t in root.iter(f"{SVG}text")]


# -- an end OutageTray did not see closely ------------------------------------------------------


def unwatched_incident() -> Incident:
    """Last seen failing 4 minutes in; the next check, 15 hours later (a laptop asleep), found it fine."""
    return dataclasses.replace(
        closed_incident(),
        ended_at=START + timedelta(hours=15, minutes=5),
        last_seen_down=START + timedelta(minutes=4),
        end_uncertain=True,
    )


def test_csv_says_when_the_outage_was_last_seen_and_that_its_end_is_uncertain() -> None:
    unwatched, watched = rows(to_csv([unwatched_incident(), closed_incident()], tz=BERLIN, now=NOW))
    assert unwatched["last_seen_down_utc"] == "2026-03-10 13:06:30"
    assert unwatched["end_uncertain"] == "yes"
    assert unwatched["ended_at_utc"] == "2026-03-11 04:07:30"
    assert unwatched["duration_s"] == str(15 * 3600 + 5 * 60)  # to the first clean check, as before
    assert watched["end_uncertain"] == "no" and watched["last_seen_down_utc"] == ""


def test_html_says_between_which_checks_an_unwatched_outage_ended() -> None:
    words = parse(to_html([unwatched_incident()], tz=BERLIN, now=NOW)).words
    assert "Somewhere between the last check that found it down, 2026-03-10 13:06:30 UTC" in words
    assert "and the first check that found it working again, 2026-03-11 04:07:30 UTC" in words
    assert "OutageTray did not check in between" in words and "the exact end is not known" in words
    assert "15 h 5 min, counted to the first check that found it working again" in words
    assert "OutageTray saw it down for 4 min, to its last failed check" in words
    assert "1 incident's end is not known closely" in words


def test_html_of_an_outage_watched_to_its_end_says_nothing_of_gaps() -> None:
    words = parse(to_html([closed_incident()], tz=BERLIN, now=NOW)).words
    assert "did not check" not in words and "not known closely" not in words


def test_the_window_says_between_which_checks_an_unwatched_outage_ended() -> None:
    told = {f.label: f.text for f in facts(unwatched_incident(), NOW, BERLIN)}
    assert (
        told["Back"] == "between Tue 10 Mar 14:06 and Wed 11 Mar 05:07 (OutageTray did not check in between)"
    )
    assert told["Lasted"] == "15 h 5 min to the first check that found it back; seen down for 4 min"
    watched = {f.label: f.text for f in facts(closed_incident(), NOW, BERLIN)}
    assert watched["Back"] == "Tue 10 Mar 17:14" and watched["Lasted"] == "3 h 12 min"
