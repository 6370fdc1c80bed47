"""The playbook checklist: its steps in order, per owner, with the incident's links filled in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from outagetray.core.catalog import builtin_platforms
from outagetray.core.checklist import (
    ChecklistError,
    Link,
    ResolvedItem,
    by_phase,
    hashtag_words,
    items_for,
    load_checklist,
    parse_checklist,
    progress,
)
from outagetray.core.model import Verdict
from outagetray.core.records import Action, ActionKind, Incident

T0 = datetime(2021, 10, 4, 15, 40, tzinfo=UTC)

#: Ids are how ticks are found again: changing one loses every user's ticks on it.
STABLE_IDS = {
    "report.downdetector",
    "tell.audience",
    "opportunity.post",
    "online.welcome",
    "catchup.messages",
    "catchup.hashtag",
    "regroup.ads.meta",
    "regroup.ads.google",
    "regroup.ads",
    "regroup.pause",
    "regroup.evidence",
    "prevent.diversify",
}


def incident(
    owner: str, *platforms: str, actions: tuple[Action, ...] = (), names: tuple[str, ...] = ()
) -> Incident:
    return Incident(
        id=7,
        owner=owner,
        platforms=platforms,
        worst=Verdict.MAJOR_OUTAGE,
        started_at=T0,
        confirmed_at=T0 + timedelta(minutes=3),
        actions=actions,
        names=names,
    )


META = incident("Meta", "facebook", "instagram", "whatsapp")


def ids(items: list[ResolvedItem]) -> list[str]:
    return [item.id for item in items]


def test_the_builtin_checklist_keeps_every_id_it_ever_had() -> None:
    checklist = load_checklist()
    assert {item.id for item in checklist.items} >= STABLE_IDS


def test_the_phases_run_during_then_after_then_prevent() -> None:
    checklist = load_checklist()
    assert [p.id for p in checklist.phases] == ["during", "after", "prevent"]
    order = [p.id for p in checklist.phases]
    phases = [item.phase for item in checklist.items]
    assert phases == sorted(phases, key=order.index)
    steps = ids(items_for(checklist, META, builtin_platforms(), None))
    assert steps[:3] == ["report.downdetector", "tell.audience", "opportunity.post"]
    assert steps[3:6] == ["online.welcome", "catchup.messages", "catchup.hashtag"]
    assert steps[-1] == "prevent.diversify"


def test_a_meta_outage_links_each_platforms_reports_on_the_users_site() -> None:
    steps = items_for(load_checklist(), META, builtin_platforms(), "DE")
    reports = steps[0]
    assert reports.links == (
        Link("Facebook on allestörungen.de", "https://xn--allestrungen-9ib.de/stoerung/facebook/"),
        Link("Instagram on allestörungen.de", "https://xn--allestrungen-9ib.de/stoerung/instagram/"),
        Link("WhatsApp on allestörungen.de", "https://xn--allestrungen-9ib.de/stoerung/whatsapp/"),
    )
    assert reports.link == "https://xn--allestrungen-9ib.de/stoerung/facebook/"
    assert "Facebook, Instagram and WhatsApp" in reports.detail


def test_ads_steps_follow_the_owner() -> None:
    checklist = load_checklist()
    meta = items_for(checklist, META, builtin_platforms(), None)
    ads = [item for item in meta if item.id.startswith("regroup.ads")]
    assert [a.id for a in ads] == ["regroup.ads.meta"]
    assert ads[0].links == (Link("Open Meta Ads Manager", "https://adsmanager.facebook.com/"),)

    google = items_for(checklist, incident("Google", "youtube"), builtin_platforms(), None)
    ads = [item for item in google if item.id.startswith("regroup.ads")]
    assert [(a.id, a.link) for a in ads] == [("regroup.ads.google", "https://ads.google.com/")]

    x = items_for(checklist, incident("X Corp", "x"), builtin_platforms(), None)
    ads = [item for item in x if item.id.startswith("regroup.ads")]
    assert [(a.id, a.link) for a in ads] == [("regroup.ads", "")]
    assert "X (Twitter)" in ads[0].detail


def test_owner_names_match_without_case() -> None:
    steps = ids(items_for(load_checklist(), incident("meta", "facebook"), builtin_platforms(), None))
    assert "regroup.ads.meta" in steps and "regroup.ads" not in steps


def test_the_hashtag_is_built_from_the_platform_names() -> None:
    assert hashtag_words("Facebook") == ["#FacebookDown"]
    assert hashtag_words("X (Twitter)") == ["#XDown", "#TwitterDown"]
    assert hashtag_words("WordPress.com") == ["#WordPressDown"]
    assert hashtag_words("YouTube") == ["#YouTubeDown"]
    assert hashtag_words("my shop") == ["#MyShopDown"]
    steps = items_for(load_checklist(), META, builtin_platforms(), None)
    tag = next(item for item in steps if item.id == "catchup.hashtag")
    assert tag.text == "Join the conversation: #FacebookDown, #InstagramDown and #WhatsAppDown"
    x = items_for(load_checklist(), incident("X Corp", "x"), builtin_platforms(), None)
    assert "#XDown and #TwitterDown" in next(i.text for i in x if i.id == "catchup.hashtag")


def test_every_placeholder_is_filled() -> None:
    for case in (
        META,
        incident("X Corp", "x"),
        incident("Acme", "acme", names=("Acme Shop",)),
        incident(
            "",
        ),
    ):
        for item in items_for(load_checklist(), case, builtin_platforms(), "FR"):
            assert not re.search(r"\{[a-z_]+\}", item.text + item.detail), item.id
            assert all(link.url.startswith("https://") for link in item.links)


def test_a_platform_the_catalog_no_longer_has_gets_a_search_under_the_logged_name() -> None:
    gone = incident("Acme", "acme", names=("Acme Shop",))
    reports = items_for(load_checklist(), gone, builtin_platforms(), None)[0]
    assert reports.links == (
        Link("Acme Shop on downdetector.com", "https://downdetector.com/search/?q=Acme+Shop"),
    )
    unnamed = items_for(load_checklist(), incident("Acme", "acme"), builtin_platforms(), None)[0]
    assert unnamed.links[0].url == "https://downdetector.com/search/?q=acme"


def test_progress_counts_only_the_steps_shown() -> None:
    at = T0 + timedelta(hours=1)
    actions = (
        Action(at, ActionKind.TICKED, "report.downdetector"),
        Action(at, ActionKind.TICKED, "tell.audience"),
        Action(at, ActionKind.UNTICKED, "tell.audience"),
        Action(at, ActionKind.TICKED, "regroup.ads.google"),  # not a Meta step: kept, not counted
        Action(at, ActionKind.TICKED, "retired.step"),  # an id no longer in the list
        Action(at, ActionKind.TICKED, "catchup.hashtag"),
    )
    done = incident("Meta", "facebook", actions=actions)
    steps = items_for(load_checklist(), done, builtin_platforms(), None)
    assert done.ticked() >= {"retired.step", "regroup.ads.google"}
    assert progress(steps, done.ticked()) == (2, len(steps))
    assert progress([], done.ticked()) == (0, 0)


def test_steps_group_under_their_phase_titles() -> None:
    checklist = load_checklist()
    groups = by_phase(checklist, items_for(checklist, META, builtin_platforms(), None))
    assert [phase.title for phase, _ in groups] == [
        "While it's down",
        "When it's back",
        "Before the next one",
    ]
    assert sum(len(items) for _, items in groups) == len(
        items_for(checklist, META, builtin_platforms(), None)
    )


def test_the_evidence_step_is_honest() -> None:
    steps = items_for(load_checklist(), META, builtin_platforms(), None)
    evidence = next(item for item in steps if item.id == "regroup.evidence").detail
    assert "case by case" in evidence
    assert "delivered less" in evidence
    assert "don't count on a refund" in evidence
    for item in steps:
        assert "guarantee" not in (item.text + item.detail).lower()


def test_pausing_is_only_for_what_is_broken() -> None:
    steps = items_for(load_checklist(), META, builtin_platforms(), None)
    pause = next(item for item in steps if item.id == "regroup.pause")
    assert "only" in pause.text and "broken" in pause.text


GOOD = """
[[phase]]
id = "during"
title = "While it's down"

[[item]]
id = "a.one"
phase = "during"
text = "One"
"""


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('[[item]]\nid = "a.one"\nphase = "during"\ntext = "Again"\n', "used twice"),
        ('[[item]]\nid = "Bad Id"\nphase = "during"\ntext = "x"\n', "dotted lower-case"),
        ('[[item]]\nid = "b"\nphase = "later"\ntext = "x"\n', "phase must be one of during"),
        ('[[item]]\nid = "b"\nphase = "during"\ntext = ""\n', "text must be a text"),
        ('[[item]]\nid = "b"\nphase = "during"\ntext = "x"\nlink = "http://a"\n', "https://"),
        ('[[item]]\nid = "b"\nphase = "during"\ntext = "x {brand}"\n', "{brand} is not something"),
        (
            '[[item]]\nid = "b"\nphase = "during"\ntext = "x"\ncolour = "red"\n',
            "'colour' is not an item setting",
        ),
        ('[[item]]\nid = "b"\nphase = "during"\ntext = "x"\nowners = "Meta"\n', "list of names"),
        ('[[phase]]\nid = "during"\ntitle = "Twice"\n', "phase id is used twice"),
        ("[extra]\n", "'extra' is not a checklist section"),
        ("[[item\n", "not valid TOML"),
    ],
)
def test_a_broken_checklist_says_what_is_wrong(extra: str, words: str) -> None:
    assert [item.id for item in parse_checklist(GOOD).items] == ["a.one"]
    with pytest.raises(ChecklistError, match=re.escape(words)):
        parse_checklist(GOOD + extra)


def test_a_checklist_needs_a_phase() -> None:
    with pytest.raises(ChecklistError, match="at least one"):
        parse_checklist('[[item]]\nid = "a"\nphase = "during"\ntext = "x"\n')
