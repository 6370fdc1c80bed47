"""The cockpit's values: built from hand-made incidents, settings and a fixed clock, no Qt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pytest_httpserver import HTTPServer

from outagetray.core.catalog import builtin_platforms
from outagetray.core.checklist import load_checklist
from outagetray.core.drafts import DraftLibrary, Template
from outagetray.core.http import HttpClient
from outagetray.core.judge import PlatformStatus
from outagetray.core.model import Verdict
from outagetray.core.playbook import (
    REACH_EMPTY,
    SETUP_HINT,
    Playbook,
    count_line,
    incident_page,
    instance_limit,
    instance_server,
    playbook_from,
    reach_page,
)
from outagetray.core.playbook_history import (
    duration_text,
    export_file_name,
    history_page,
    local_time,
    open_line,
)
from outagetray.core.profile import Channel, Profile, Reach
from outagetray.core.records import Action, ActionKind, Incident, StateChange
from outagetray.core.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
DOWN = Verdict.MAJOR_OUTAGE


def meta_incident(**extra: object) -> Incident:
    values: dict[str, object] = {
        "id": 7,
        "owner": "Meta",
        "platforms": ("facebook", "instagram"),
        "worst": DOWN,
        "started_at": NOW - timedelta(hours=2),
        "confirmed_at": NOW - timedelta(hours=1, minutes=50),
        "evidence": "DNS SERVFAIL for facebook.com",
        "changes": (
            StateChange(
                NOW - timedelta(hours=1, minutes=50),
                "facebook",
                Verdict.OPERATIONAL,
                DOWN,
                "3 of 3 checks failed",
                ("https://metastatus.com/",),
            ),
        ),
    }
    values.update(extra)
    return Incident(**values)  # type: ignore[arg-type]


def settings(**extra: object) -> Settings:
    profile = Profile(
        "Bakery Bob",
        "Bob",
        "friendly",
        "https://bob.example/blog",
        (Reach("facebook", 1000), Reach("instagram", 3000), Reach("x", 500)),
    )
    values: dict[str, object] = {
        "profile": profile,
        "channels": (
            Channel("x", "x", "@bob", "x"),
            Channel("news", "email", "Newsletter", "email"),
            Channel("ig", "instagram", "Bob on Instagram", "instagram"),
        ),
    }
    values.update(extra)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def library(tmp_path: Path) -> DraftLibrary:
    return DraftLibrary(tmp_path / "drafts.toml")


def playbook(library: DraftLibrary, **extra: object) -> Playbook:
    return playbook_from(settings(**extra), library, load_checklist(), "DE")


def test_time_words_are_local_with_the_day_and_durations_are_short() -> None:
    assert local_time(NOW, BERLIN, now=NOW) == "Wed 2 Dec 16:00"
    assert local_time(NOW, BERLIN, now=NOW + timedelta(days=40)) == "Wed 2 Dec 2026 16:00"
    assert [duration_text(s) for s in (20, 60 * 45, 3600 * 2 + 300, 86400 * 3 + 3600 * 4)] == [
        "under a minute",
        "45 min",
        "2 h 5 min",
        "3 days 4 h",
    ]


def test_the_incident_page_holds_the_evidence_a_claim_needs(library: DraftLibrary) -> None:
    page = incident_page(meta_incident(), playbook(library), [], now=NOW, tz=BERLIN)
    assert page.title == "Facebook and Instagram: major outage"
    assert page.status == "Going on since Wed 2 Dec 14:00"
    facts = {f.label: f.text for f in page.facts}
    assert facts["Started"] == "Wed 2 Dec 14:00"
    assert facts["Confirmed"] == "Wed 2 Dec 14:10"
    assert facts["Back"] == "not yet"
    assert facts["So far"] == "2 h"
    assert facts["Why"] == "DNS SERVFAIL for facebook.com"
    [change] = page.changes
    assert change.text == "Facebook went from operational to major outage"
    assert change.sources == ("https://metastatus.com/",)
    assert page.phase == "notice" and page.is_open and not page.acknowledged


def test_an_ended_incident_says_how_long_it_lasted_and_opens_on_welcome_back(library: DraftLibrary) -> None:
    ended = meta_incident(ended_at=NOW - timedelta(minutes=25), acknowledged_at=NOW - timedelta(hours=1))
    page = incident_page(ended, playbook(library), [], now=NOW, tz=BERLIN)
    assert page.status == "Over: it lasted 1 h 35 min"
    facts = {f.label: f.text for f in page.facts}
    assert facts["Back"] == "Wed 2 Dec 15:35" and facts["Lasted"] == "1 h 35 min"
    assert facts["You were on it"] == "Wed 2 Dec 15:00"
    assert page.phase == "welcome_back" and page.acknowledged


def test_downdetector_links_go_to_the_users_country_site(library: DraftLibrary) -> None:
    page = incident_page(meta_incident(), playbook(library), [], now=NOW, tz=BERLIN)
    labels = [label for label, _ in page.downdetector]
    assert labels == ["Facebook on allestörungen.de", "Instagram on allestörungen.de"]
    assert all(url.startswith("https://xn--allestrungen") for _, url in page.downdetector)


def test_drafts_come_per_channel_and_phase_with_their_counts_and_composers(library: DraftLibrary) -> None:
    page = incident_page(meta_incident(), playbook(library), [], now=NOW, tz=BERLIN)
    assert list(page.drafts) == ["notice", "opportunity", "welcome_back", "catch_up"]
    x, email, instagram = page.drafts["notice"]
    assert (x.label, x.key, x.channel_type) == ("@bob", "notice.short.friendly@x", "x")
    assert "Facebook and Instagram" in x.text  # names as people know them, never ids
    assert x.count.text == f"{len(x.text)} of 280" and not x.count.over
    assert x.composable
    composer = x.composer("hello & bye")
    assert composer is not None and composer.startswith("https://x.com/intent/tweet?text=hello%20%26%20bye")
    assert email.label == "Newsletter" and email.title  # the email's subject
    assert email.count.text.endswith("characters")
    assert not email.composable and email.composer("hi") is None
    assert not instagram.composable  # no page takes a ready text: copy only


def test_a_placeholder_outagetray_does_not_know_is_named_in_plain_words(library: DraftLibrary) -> None:
    page = incident_page(meta_incident(), playbook(library), [], now=NOW, tz=BERLIN)
    offer = page.drafts["opportunity"][0]
    assert "{offer}" in offer.text
    assert any("does not know {offer}" in note for note in offer.notes)


def test_without_channels_there_is_one_draft_per_form(library: DraftLibrary) -> None:
    page = incident_page(meta_incident(), playbook(library, channels=()), [], now=NOW, tz=BERLIN)
    assert [e.label for e in page.drafts["notice"]] == ["Short post", "Long post", "Email", "Blog"]
    short = page.drafts["notice"][0]
    assert short.channel_type == "" and not short.composable
    assert short.count.text.endswith("of 280")  # a short post that fits X fits everywhere


def test_an_edited_template_is_the_one_rendered(tmp_path: Path) -> None:
    library = DraftLibrary(tmp_path / "drafts.toml")
    original = library.get("notice.short.friendly")
    assert isinstance(original, Template)
    from dataclasses import replace

    library.save(replace(original, body="{brand}: {platforms} is down. Back soon!"))
    page = incident_page(meta_incident(), playbook(library), [], now=NOW, tz=BERLIN)
    assert page.drafts["notice"][0].text == "Bakery Bob: Facebook and Instagram is down. Back soon!"


def test_the_count_says_how_far_over(library: DraftLibrary) -> None:
    assert count_line("x", "a" * 212) == count_line("x", "a" * 212)
    assert count_line("x", "a" * 212).text == "212 of 280"
    over = count_line("x", "a" * 317)
    assert over.text == "317 of 280: 37 over" and over.over
    assert count_line("email", "hello").text == "5 characters"
    assert count_line("instagram", "hi").text == "2 characters"  # a type the counter does not know


def test_a_mastodon_count_takes_the_servers_own_limit_when_given() -> None:
    assert count_line("mastodon", "a" * 600).text == "600 of 500: 100 over"
    line = count_line("mastodon", "a" * 600, limit=1000)
    assert line.text == "600 of 1,000" and not line.over and not line.problems


def test_a_mastodon_draft_names_its_server_and_no_other_draft_does(library: DraftLibrary) -> None:
    channels = (
        Channel("m", "mastodon", "Bob on Mastodon", "mastodon", url="https://Social.Example/@bob"),
        Channel("x", "x", "@bob", "x", url="https://x.com/bob"),
        Channel("m2", "mastodon", "No server yet"),
    )
    page = incident_page(meta_incident(), playbook(library, channels=channels), [], now=NOW, tz=BERLIN)
    mastodon, x, unknown = page.drafts["notice"]
    assert mastodon.server == "https://social.example"  # the server's root: one answer per server
    assert x.server == "" and unknown.server == ""
    assert mastodon.count.text.endswith("of 500")  # until the server has told its own
    assert instance_server("mastodon", "social.example") == "https://social.example"
    assert instance_server("x", "https://social.example") == ""


def test_the_servers_own_limit_comes_from_its_instance_api(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(
        {"configuration": {"statuses": {"max_characters": 1000}}}
    )
    assert instance_limit(HttpClient(), httpserver.url_for("").rstrip("/")) == 1000


@pytest.mark.parametrize("answer", [("down", 503), ('{"configuration": {}}', 200), ("<html>", 200)])
def test_a_server_that_cannot_tell_its_limit_gives_none_not_an_error(
    httpserver: HTTPServer, answer: tuple[str, int]
) -> None:
    body, status = answer
    httpserver.expect_request("/api/v2/instance").respond_with_data(
        body, status=status, content_type="application/json"
    )
    assert instance_limit(HttpClient(), httpserver.url_for("").rstrip("/")) is None


def test_the_checklist_carries_ticks_and_progress(library: DraftLibrary) -> None:
    incident = meta_incident(
        actions=(
            Action(NOW, ActionKind.TICKED, "report.downdetector"),
            Action(NOW, ActionKind.TICKED, "nope.not-an-item"),
        )
    )
    page = incident_page(incident, playbook(library), [], now=NOW, tz=BERLIN)
    rows = [row for group in page.checklist for row in group.rows]
    assert page.progress == f"1 of {len(rows)} done"
    done = [row.id for row in rows if row.done]
    assert done == ["report.downdetector"]
    assert page.checklist[0].title == "While it's down"


def test_until_the_profile_is_done_the_page_says_how_to_fix_the_drafts(library: DraftLibrary) -> None:
    page = incident_page(meta_incident(), playbook(library, profile=Profile()), [], now=NOW, tz=BERLIN)
    assert page.setup_hint == SETUP_HINT
    assert incident_page(meta_incident(), playbook(library), [], now=NOW, tz=BERLIN).setup_hint == ""


def test_a_page_without_settings_still_shows_the_facts() -> None:
    page = incident_page(meta_incident(), None, [], now=NOW, tz=BERLIN)
    assert page.title == "Facebook and Instagram: major outage"
    assert all(entries == () for entries in page.drafts.values())
    assert page.checklist == () and page.progress == ""


def test_alternatives_name_the_channels_that_are_up() -> None:
    platforms = builtin_platforms()
    statuses = [
        PlatformStatus(platforms["facebook"], DOWN, NOW, "down"),
        PlatformStatus(platforms["x"], Verdict.OPERATIONAL, None, "fine"),
    ]
    page = incident_page(meta_incident(), None, statuses, now=NOW, tz=BERLIN)
    assert page.alternatives == "Facebook is having problems. Reach your audience on: X (Twitter)."


def test_history_rows_place_the_outage_and_say_it(library: DraftLibrary) -> None:
    watched = settings().watched()
    page = history_page([meta_incident()], watched, "24 hours", now=NOW, tz=BERLIN)
    facebook = next(r for r in page.rows if r.platform == "facebook")
    ok, down = facebook.stretches
    assert ok.verdict is Verdict.OPERATIONAL and down.verdict is DOWN
    assert down.start == pytest.approx(22 / 24) and down.end == 1.0
    assert facebook.describe(down) == "Facebook: major outage, Wed 2 Dec 14:00 to 16:00 (2 h)"
    assert facebook.describe(ok) == "Facebook: working, Tue 1 Dec 16:00 to Wed 2 Dec 14:00 (22 h)"
    assert facebook.problem_lines() == [facebook.describe(down)]
    assert facebook.summary == "91.7% fine; 1 problem, 2 h in all"
    x = next(r for r in page.rows if r.platform == "x")
    assert x.summary == "100% fine; no problems"
    assert ("12:00", pytest.approx(20 / 24)) in [(label, share) for share, label in page.ticks]
    [row] = page.incidents
    assert (row.id, row.started, row.duration) == (7, "Wed 2 Dec 14:00", "2 h so far")


def test_history_lists_incidents_newest_first_and_leaves_out_older_ones() -> None:
    old = meta_incident(id=1, started_at=NOW - timedelta(days=40), ended_at=NOW - timedelta(days=39))
    week = meta_incident(
        id=2, started_at=NOW - timedelta(days=7), ended_at=NOW - timedelta(days=7) + timedelta(hours=1)
    )
    page = history_page([old, week, meta_incident()], [], "30 days", now=NOW, tz=BERLIN)
    assert [r.id for r in page.incidents] == [7, 2]
    assert page.incidents[1].duration == "1 h"
    assert page.range_text == "the last 30 days (Mon 2 Nov 16:00 to Wed 2 Dec 16:00)"


def test_reach_shows_shares_by_owner_and_the_advice(library: DraftLibrary) -> None:
    page = reach_page(playbook(library))
    assert [b.owner for b in page.bars] == ["Meta", "X Corp"]
    assert page.bars[0].text == "89% · 4,000 followers on Facebook and Instagram"
    assert "Meta" in page.advice and not page.empty
    empty = reach_page(playbook(library, profile=Profile()))
    assert empty.empty and empty.advice == REACH_EMPTY and empty.bars == ()


def test_the_now_line_and_export_names() -> None:
    assert open_line([], NOW, BERLIN) == ""
    # Before any round or settings arrived, the catalog still names the platforms.
    assert open_line([meta_incident()], NOW, BERLIN).startswith("Facebook and Instagram: major outage")
    line = open_line([meta_incident(), meta_incident(id=8)], NOW, BERLIN, builtin_platforms())
    assert line == "Facebook and Instagram: major outage, since Wed 2 Dec 14:00. And 1 more going on."
    assert export_file_name("csv", 7, None, None, tz=BERLIN) == "outage-7.csv"
    name = export_file_name("html", None, NOW - timedelta(days=30), NOW, tz=BERLIN)
    assert name == "outages-2026-11-02-to-2026-12-02.html"
