"""The drafts library: shipped wording, safe filling, and the user's edits across upgrades."""

from __future__ import annotations

import errno
import re
import tomllib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from outagetray.core import drafts
from outagetray.core.drafts import (
    FORMS,
    PHASES,
    PLACEHOLDERS,
    TONES,
    ChannelLink,
    DraftLibrary,
    DraftSaveError,
    Facts,
    Template,
    duration_words,
    facts_for,
    form_for,
    join_names,
    load_defaults,
    render,
    time_words,
)
from outagetray.core.model import Verdict
from outagetray.core.records import Incident

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
FIXED_CLOCK = datetime(2026, 12, 2, 10, 30, 15, tzinfo=UTC)
#: Realistic and long: a 30-character brand, three channels with addresses, a signature.
BRAND = "Acme Bakery & Coffee Roasters!"
ALTERNATIVES = (
    ("Bluesky", "https://bsky.app/profile/acme-bakery.example"),
    ("our newsletter", "https://acme-bakery.example/newsletter"),
    ("Mastodon", "https://mastodon.social/@acmebakery"),
)
#: What a user writes in place of {offer}: a realistic offer of 40 characters.
OFFER = "10% off all cakes today with code QUIET10"


def facts(**changes: object) -> Facts:
    base = Facts(
        brand=BRAND,
        platforms=("Facebook", "Instagram", "WhatsApp"),
        owner="Meta",
        since=NOW - timedelta(hours=26, minutes=50),  # yesterday: the longest {since}
        ended=None,
        now=NOW,
        alternatives=ALTERNATIVES,
        blog_url="https://acme-bakery.example/blog",
        signature="Maria from the Acme team",
        tz=BERLIN,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def template(body: str, title: str = "", **changes: object) -> Template:
    base = Template("t", "notice", "long", "friendly", title, body, "Test")
    return replace(base, **changes)  # type: ignore[arg-type]


# -- the shipped templates ----------------------------------------------------------


def shipped() -> tuple[Template, ...]:
    found, problems = load_defaults()
    assert problems == ()
    return found


def test_every_phase_form_and_tone_has_its_templates() -> None:
    found = shipped()
    assert len({t.id for t in found}) == len(found)
    for phase in PHASES:
        for form in FORMS:
            for tone in TONES:
                ids = sorted(t.id for t in found if (t.phase, t.form, t.tone) == (phase, form, tone))
                stem = f"{phase}.{form}.{tone}"
                if phase == "opportunity":
                    assert ids == [f"{stem}.fun", f"{stem}.offer"]
                else:
                    assert ids == [stem]
    assert len(found) == 40
    for t in found:
        assert t.builtin and not t.edited and t.name and t.body.strip()
        # Email has a subject, a blog post a title; posts and messages have neither.
        assert bool(t.title) == (t.form in ("email", "blog")), t.id


def test_shipped_templates_use_only_known_placeholders() -> None:
    for t in shipped():
        rendered = render(t, facts())
        expected = ("{offer}",) if t.id.endswith(".offer") else ()
        assert rendered.unknown == expected, t.id
        assert "{" not in rendered.body.replace("{offer}", ""), t.id


def x_weight(text: str) -> int:
    """A conservative stand-in for X's counter: every address 23, wide characters 2."""
    text = re.sub(r"https?://\S+", "x" * 23, text)
    return sum(2 if ord(c) > 0x10FF else 1 for c in text)


@pytest.mark.parametrize("ended", [None, NOW - timedelta(minutes=5)])
def test_short_forms_fit_a_post_on_x_with_realistic_values(ended: datetime | None) -> None:
    for t in shipped():
        if t.form != "short":
            continue
        text = render(t, facts(ended=ended)).body.replace("{offer}", OFFER)
        assert x_weight(text) <= 280, (t.id, x_weight(text), text)


@pytest.mark.parametrize("ended", [None, NOW - timedelta(minutes=5)])
def test_short_forms_fit_every_short_network_by_its_exact_count(ended: datetime | None) -> None:
    limits = pytest.importorskip("outagetray.core.limits")
    for t in shipped():
        if t.form != "short":
            continue
        text = render(t, facts(ended=ended)).body.replace("{offer}", OFFER)
        for network in ("x", "bluesky", "threads", "mastodon"):
            counted = limits.count(network, text)
            assert counted.fits, (t.id, network, counted)


def test_the_length_check_can_fail() -> None:
    long_body = template("x" * 250 + " {alternatives}")
    assert x_weight(render(long_body, facts()).body) > 280


#: Boilerplate, blame and promises a good community manager leaves out.
FORBIDDEN = (
    "inconvenience",
    "apologi",
    "we promise",
    "guarantee",
    "asap",
    "fault",
    "blame",
    "shortly",
    "within",
    "!!",
    "{owner}",
)


def test_shipped_wording_is_calm_and_blames_no_one() -> None:
    for t in shipped():
        text = f"{t.title}\n{t.body}".lower()
        for phrase in FORBIDDEN:
            assert phrase not in text, (t.id, phrase)
        # Short stays short: sentences a reader takes in at a glance.
        longest = max(len(s) for s in re.split(r"(?<=[.!?:])\s+|\n", t.body))
        assert longest <= 180, (t.id, longest)


def test_drafts_that_list_platforms_read_well_for_one_and_for_three() -> None:
    """No "is"/"are" after {platforms}: the same sentence must fit "X" and "A, B and C"."""
    for t in shipped():
        text = f"{t.title}\n{t.body}"
        assert not re.search(r"(?<!on )\{platforms\} (is|are|has|have|was|were|takes)\b", text), t.id


# -- form_for ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "form"),
    [
        *[(c, "short") for c in ("x", "bluesky", "threads", "mastodon")],
        *[
            (c, "long")
            for c in ("facebook_page", "linkedin", "telegram", "discord", "slack", "matrix", "apprise")
        ],
        *[(c, "long") for c in ("instagram", "whatsapp", "youtube", "tiktok")],
        ("email", "email"),
        *[(c, "blog") for c in ("blog", "wordpress", "ghost", "website")],
        ("X", "short"),
        ("something-new", "short"),
    ],
)
def test_a_channel_gets_the_form_of_its_kind(channel: str, form: str) -> None:
    assert form_for(channel) == form


# -- rendering ---------------------------------------------------------------------


def test_render_fills_every_fact() -> None:
    body = " | ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    rendered = render(
        template(body, title="{brand} and {platform}"), facts(since=NOW - timedelta(minutes=45))
    )
    assert rendered.title == f"{BRAND} and Facebook"
    assert rendered.body == (
        f"{BRAND} | Facebook | Facebook, Instagram and WhatsApp | Meta | 18:15 (CET) | 45 minutes | "
        "Bluesky https://bsky.app/profile/acme-bakery.example, "
        "our newsletter https://acme-bakery.example/newsletter and "
        "Mastodon https://mastodon.social/@acmebakery | https://acme-bakery.example/blog | "
        "Maria from the Acme team"
    )
    assert rendered.unknown == () and rendered.problems == ()


def test_double_braces_are_literal_braces() -> None:
    rendered = render(template("{{brand}} is {brand}; a set: {{1, 2}}"), facts(brand="Acme"))
    assert rendered.body == "{brand} is Acme; a set: {1, 2}"
    assert rendered.unknown == ()


@pytest.mark.parametrize(
    "token",
    [
        "{promo_code}",
        "{brand.__class__}",
        "{brand.__class__.__mro__}",
        "{brand[0]}",
        "{0}",
        "{}",
        "{ brand }",
        "{brand!r}",
        "{brand:>40}",
        "{__import__('os').system('true')}",
    ],
)
def test_anything_but_a_known_name_is_shown_as_written_and_reported(token: str) -> None:
    rendered = render(template(f"Hello {token} from {{brand}}"), facts(brand="Acme"))
    assert rendered.body == f"Hello {token} from Acme"
    assert rendered.unknown == (token,)
    assert any(token in p and "replace it" in p for p in rendered.problems)


def test_unknown_placeholders_are_listed_once_in_order() -> None:
    rendered = render(template("{b} {a} {b}", title="{c}"), facts())
    assert rendered.unknown == ("{c}", "{b}", "{a}")


def test_values_are_never_filled_in_again() -> None:
    """A brand written with braces stays as the user wrote it, whatever it looks like."""
    rendered = render(template("{brand} / {signature}"), facts(brand="{platforms} & {{x}}", signature="{0}"))
    assert rendered.body == "{platforms} & {{x}} / {0}"
    assert rendered.unknown == ()


def test_a_line_break_in_a_value_does_not_split_the_line() -> None:
    rendered = render(template("Hi from {brand}."), facts(brand="Acme\nBakery  \t Ltd"))
    assert rendered.body == "Hi from Acme Bakery Ltd."


def test_a_line_whose_optional_fact_is_empty_is_left_out_and_reported() -> None:
    body = (
        "Trouble on {platform}.\n\nFind us here: {alternatives}\nUpdates: {blog_url}\n\nThanks.\n{signature}"
    )
    rendered = render(template(body), facts(alternatives=(), blog_url=""))
    assert rendered.body == "Trouble on Facebook.\n\nThanks.\nMaria from the Acme team"
    assert len(rendered.problems) == 2
    assert any("no other channel to point people to" in p for p in rendered.problems)
    assert any("blog address is not set" in p for p in rendered.problems)
    assert rendered.unknown == ()


def test_the_brand_signs_when_there_is_no_signature() -> None:
    rendered = render(template("Thanks.\n{signature}"), facts(signature=""))
    assert rendered.body == f"Thanks.\n{BRAND}"
    assert rendered.problems == ()
    nobody = render(template("Thanks.\n{signature}"), facts(signature="", brand=""))
    assert nobody.body == "Thanks."
    assert nobody.problems


def test_a_missing_fact_the_sentence_needs_stays_visible_and_is_reported() -> None:
    rendered = render(
        template("News from {brand}: it began at {since}, {duration} ago."), facts(brand="", since=None)
    )
    assert rendered.body == "News from {brand}: it began at {since}, {duration} ago."
    assert rendered.unknown == ()
    assert len(rendered.problems) == 3
    assert any("brand name is not set" in p for p in rendered.problems)


def test_lone_braces_stay_as_they_are() -> None:
    rendered = render(template("a { b } c {"), facts())
    assert rendered.body == "a { b } c {"


def test_render_never_calls_format(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library has no str.format of template text to begin with; this keeps it that way."""
    source = Path(drafts.__file__).read_text(encoding="utf-8")
    assert ".format(" not in source and "format_map" not in source and "eval(" not in source
    assert "string.Template" not in source


# -- facts in words ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (-5, "less than a minute"),
        (20, "less than a minute"),
        (60, "1 minute"),
        (45 * 60, "45 minutes"),
        (59 * 60 + 20, "59 minutes"),
        (59 * 60 + 40, "about an hour"),
        (70 * 60, "about an hour"),
        (95 * 60, "about an hour and a half"),
        (3 * 3600 + 10 * 60, "about 3 hours"),
        (6 * 3600 + 20 * 60, "about 6 and a half hours"),
        (47 * 3600, "about 47 hours"),
        (3 * 86400, "about 3 days"),
    ],
)
def test_durations_read_as_people_say_them(seconds: float, words: str) -> None:
    assert duration_words(seconds) == words


def test_times_show_the_audience_zone_and_the_day_when_not_today() -> None:
    assert time_words(datetime(2026, 12, 2, 13, 5, tzinfo=UTC), NOW, BERLIN) == "14:05 (CET)"
    assert time_words(datetime(2026, 12, 1, 13, 5, tzinfo=UTC), NOW, BERLIN) == "14:05 (CET) on 1 December"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert time_words(summer, summer, BERLIN) == "14:00 (CEST)"
    assert (
        time_words(datetime(2025, 12, 31, 22, 0, tzinfo=UTC), NOW, BERLIN)
        == "23:00 (CET) on 31 December 2025"
    )
    # Past midnight in Berlin is another day there, whatever the date in UTC.
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert time_words(datetime(2026, 12, 2, 22, 0, tzinfo=UTC), late, BERLIN) == "23:00 (CET) on 2 December"


def test_times_default_to_this_computers_zone() -> None:
    at = datetime(2026, 12, 2, 13, 5, tzinfo=UTC)
    assert time_words(at, NOW).startswith(at.astimezone().strftime("%H:%M"))


def test_names_are_listed_as_a_sentence_lists_them() -> None:
    assert join_names([]) == ""
    assert join_names(["Facebook"]) == "Facebook"
    assert join_names(["Facebook", "Instagram"]) == "Facebook and Instagram"
    assert join_names(["Facebook", "", "Instagram", "WhatsApp"]) == "Facebook, Instagram and WhatsApp"


# -- facts of an incident -------------------------------------------------------------

OWNERS = {"facebook": "Meta", "instagram": "Meta", "whatsapp": "Meta", "threads": "Meta", "x": "X Corp"}
CHANNELS = (
    ChannelLink("Instagram", "https://instagram.com/acme", "instagram"),
    ChannelLink("Threads", "https://threads.com/@acme", "threads"),
    ChannelLink("X", "https://x.com/acme", "x"),
    ChannelLink("Bluesky", "https://bsky.app/profile/acme", "bluesky"),
    ChannelLink("our newsletter", "https://acme.example/news"),
    ChannelLink("our newsletter", "https://acme.example/news"),
    ChannelLink("Telegram", "https://t.me/acme", "telegram"),
    ChannelLink("", "https://acme.example/shop", "shop"),
    ChannelLink("", "", "website"),
)


def incident(ended: datetime | None = None) -> Incident:
    start = NOW - timedelta(hours=2)
    return Incident(
        id=7,
        owner="Meta",
        platforms=("facebook", "instagram"),
        worst=Verdict.MAJOR_OUTAGE,
        started_at=start,
        confirmed_at=start + timedelta(minutes=3),
        ended_at=ended,
        names=("Facebook", "Instagram"),
    )


def test_alternatives_never_include_a_channel_that_is_down_or_shares_the_failing_owner() -> None:
    got = facts_for(
        incident(),
        brand="Acme",
        now=NOW,
        channels=CHANNELS,
        down_platforms={"telegram"},
        owner_of=lambda pid: OWNERS[pid],  # raises KeyError for bluesky and telegram: no owner known
        blog_url="https://acme.example/blog",
        tz=BERLIN,
    )
    assert got.alternatives == (
        ("X", "https://x.com/acme"),
        ("Bluesky", "https://bsky.app/profile/acme"),
        ("our newsletter", "https://acme.example/news"),
        ("https://acme.example/shop", "https://acme.example/shop"),
    )
    assert got.platforms == ("Facebook", "Instagram")
    assert (got.owner, got.since, got.ended, got.blog_url, got.tz) == (
        "Meta",
        incident().started_at,
        None,
        "https://acme.example/blog",
        BERLIN,
    )


def test_another_failing_owner_is_left_out_too() -> None:
    got = facts_for(
        incident(),
        brand="Acme",
        now=NOW,
        channels=CHANNELS,
        failing_owners={"X Corp"},
        owner_of=OWNERS.get,  # type: ignore[arg-type]
    )
    assert [name for name, _ in got.alternatives][:3] == ["Bluesky", "our newsletter", "Telegram"]


def test_after_the_recovery_the_platform_counts_again() -> None:
    got = facts_for(incident(ended=NOW), brand="Acme", now=NOW, channels=CHANNELS, owner_of=OWNERS.get)  # type: ignore[arg-type]
    assert [name for name, _ in got.alternatives][:2] == ["Instagram", "Threads"]
    assert render(template("{duration}"), got).body == "about 2 hours"


# -- the library ---------------------------------------------------------------------


def lib(path: Path, defaults: list[Template] | None = None) -> DraftLibrary:
    return DraftLibrary(path, defaults=defaults, clock=lambda: FIXED_CLOCK)


def test_the_library_finds_the_shipped_templates(tmp_path: Path) -> None:
    library = DraftLibrary(tmp_path / "drafts.toml")
    assert library.problems == ()
    [notice] = library.templates("notice", "short", "friendly")
    assert notice.id == "notice.short.friendly" and notice.builtin
    assert [t.id for t in library.templates("opportunity", "email", "formal")] == [
        "opportunity.email.formal.offer",
        "opportunity.email.formal.fun",
    ]
    assert library.get("nope") is None
    assert not (tmp_path / "drafts.toml").exists()  # reading writes nothing


def test_an_edit_stores_only_what_changed_and_survives_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    v1 = [template("Old body", title="Old title", id="notice.email.friendly", form="email", builtin=True)]
    library = lib(path, v1)
    saved = library.save(replace(library.templates("notice", "email", "friendly")[0], body="My body"))
    assert saved.edited and saved.body == "My body" and saved.title == "Old title"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data == {"drafts": {"notice.email.friendly": {"body": "My body"}}}
    # A new version ships a better title: the user's body stays, the new title arrives.
    v2 = [replace(v1[0], title="New title", body="New body")]
    upgraded = lib(path, v2).get("notice.email.friendly")
    assert upgraded is not None
    assert (upgraded.title, upgraded.body, upgraded.edited) == ("New title", "My body", True)


def test_editing_back_to_the_shipped_wording_removes_the_override(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    library = lib(path)
    shipped_one = library.get("notice.short.formal")
    assert shipped_one is not None
    library.save(replace(shipped_one, body="Mine"))
    back = library.save(replace(shipped_one, body=shipped_one.body))
    assert back == shipped_one and not back.edited
    assert tomllib.loads(path.read_text(encoding="utf-8")).get("drafts", {}) == {}


def test_added_templates_get_their_own_ids_and_reset_deletes_them(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    library = lib(path)
    new = Template("", "notice", "short", "friendly", "", "Back soon, {brand}!", "Mine")
    first = library.save(new)
    second = library.save(replace(new, id="notice.short.friendly.custom", name=""))
    assert (first.id, second.id) == ("user.notice.short.friendly.1", "user.notice.short.friendly.2")
    assert second.name == second.id and not first.builtin
    assert [t.id for t in library.templates("notice", "short", "friendly")] == [
        "notice.short.friendly",
        first.id,
        second.id,
    ]
    edited = library.save(replace(first, body="Changed"))
    assert edited.id == first.id
    again = lib(path)
    assert again.get(first.id) == edited
    assert again.reset(first.id) is None
    assert again.get(first.id) is None
    assert lib(path).get(first.id) is None
    assert lib(path).get(second.id) == second


def test_reset_brings_the_shipped_wording_back(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    library = lib(path)
    shipped_one = library.get("catch_up.long.formal")
    assert shipped_one is not None
    library.save(replace(shipped_one, name="My reply", body="Mine"))
    assert library.reset("catch_up.long.formal") == shipped_one
    assert lib(path).get("catch_up.long.formal") == shipped_one
    assert library.reset("catch_up.long.formal") == shipped_one  # nothing to undo: still fine
    assert library.reset("no.such.id") is None


def test_the_user_file_stays_readable_and_keeps_the_users_own_lines(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    path.write_text(
        '# my notes about drafts\n[drafts."notice.short.friendly"]\nname = "Mine" # short one\n',
        encoding="utf-8",
    )
    library = lib(path)
    assert library.get("notice.short.friendly").name == "Mine"  # type: ignore[union-attr]
    shipped_one = library.get("welcome_back.email.formal")
    assert shipped_one is not None
    library.save(replace(shipped_one, body='Line one\nLine two with "quotes" and a \\ backslash'))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my notes about drafts\n")
    assert 'name = "Mine" # short one' in text
    assert 'body = """Line one\nLine two' in text  # a multi-line text, not "\n" escapes
    reread = lib(path).get("welcome_back.email.formal")
    assert reread is not None and reread.body == 'Line one\nLine two with "quotes" and a \\ backslash'


@pytest.mark.parametrize("content", [b"[drafts\nbroken = ", b"\xff\xfe not text", b"drafts = 3\n"])
def test_a_broken_user_file_is_kept_aside_and_the_shipped_drafts_are_used(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "drafts.toml"
    path.write_bytes(content)
    library = lib(path)
    aside = tmp_path / "drafts.toml.broken-20261202T103015Z"
    assert aside.read_bytes() == content
    assert not path.exists()
    [problem] = library.problems
    assert "drafts.toml.broken-20261202T103015Z" in problem and "built-in drafts" in problem
    assert library.get("notice.short.friendly") == lib(tmp_path / "other.toml").get("notice.short.friendly")
    saved = library.save(Template("", "notice", "long", "formal", "", "Mine", "Mine"))
    assert lib(path).get(saved.id) == saved


def test_a_file_broken_while_the_app_runs_is_kept_aside_at_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    library = lib(path)
    kept = library.save(Template("", "notice", "long", "formal", "", "Kept", "Kept"))
    path.write_text("[[[ not toml", encoding="utf-8")
    library.save(Template("", "notice", "long", "formal", "", "New", "New"))
    assert (tmp_path / "drafts.toml.broken-20261202T103015Z").read_text(encoding="utf-8") == "[[[ not toml"
    assert lib(path).get(kept.id) == kept  # what the library held is written back
    assert any("had a mistake" in p for p in library.problems)


def test_a_bad_entry_is_reported_and_left_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    path.write_text(
        '[drafts."user.x"]\nphase = "panic"\nform = "short"\ntone = "friendly"\nbody = "Hi"\n'
        '[drafts."notice.short.friendly"]\nbody = 5\n',
        encoding="utf-8",
    )
    library = lib(path)
    assert len(library.problems) == 2
    assert all("is not shown" in p for p in library.problems)
    library.save(Template("", "notice", "blog", "formal", "T", "B", "N"))
    assert 'phase = "panic"' in path.read_text(encoding="utf-8")


def test_an_unreadable_file_is_never_written_over(tmp_path: Path) -> None:
    path = tmp_path / "drafts.toml"
    path.mkdir()
    library = lib(path)
    [problem] = library.problems
    assert "could not be read (a folder)" in problem
    with pytest.raises(DraftSaveError, match="did not write over it"):
        library.save(Template("", "notice", "blog", "formal", "T", "B", "N"))
    assert path.is_dir()


def test_a_failed_write_says_so_in_plain_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(path: Path, data: bytes, mode: int | None = None) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    library = lib(tmp_path / "drafts.toml")
    monkeypatch.setattr(drafts, "write_atomic", full_disk)
    with pytest.raises(DraftSaveError, match="could not be saved \\(No space left on device\\)"):
        library.save(Template("", "notice", "blog", "formal", "T", "B", "N"))
    assert library.templates("notice", "blog", "formal")[-1].builtin  # nothing half-added


def test_save_refuses_an_unknown_phase(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="phase"):
        lib(tmp_path / "d.toml").save(Template("", "panic", "short", "friendly", "", "B", "N"))


def test_broken_shipped_files_are_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def missing(name: str) -> str:
        raise FileNotFoundError(f"OutageTray resource missing: {name}")

    monkeypatch.setattr(drafts, "read_text", missing)
    library = DraftLibrary(tmp_path / "drafts.toml")
    assert len(library.problems) == 4
    assert "Reinstalling OutageTray" in library.problems[0]
    assert library.templates("notice", "short", "friendly") == []


def test_the_default_file_lives_in_the_users_config_folder() -> None:
    path = drafts.default_path()
    assert path.name == "drafts.toml" and path.parent.name == "OutageTray"


def test_the_profiles_channels_can_be_handed_in_as_they_are() -> None:
    profile = pytest.importorskip("outagetray.core.profile")
    channels = [
        profile.Channel(
            id="ig", type="instagram", name="Instagram", platform="instagram", url="https://instagram.com/a"
        ),
        profile.Channel(
            id="bs", type="bluesky", name="Bluesky", platform="bluesky", url="https://bsky.app/profile/a"
        ),
    ]
    got = facts_for(incident(), brand="Acme", now=NOW, channels=channels, owner_of=OWNERS.get)  # type: ignore[arg-type]
    assert got.alternatives == (("Bluesky", "https://bsky.app/profile/a"),)


def test_edits_saved_from_two_threads_at_once_are_all_kept(tmp_path: Path) -> None:
    """The app writes edits on a worker while the window reads: none may be lost or half-seen."""
    import threading

    library = DraftLibrary(tmp_path / "drafts.toml")
    ids = [t.id for t in library.templates("notice", "short", "friendly")]
    ids += [t.id for t in library.templates("notice", "long", "friendly")]
    ids += [t.id for t in library.templates("catch_up", "short", "formal")]
    start = threading.Barrier(len(ids))

    def edit(template_id: str) -> None:
        template = library.get(template_id)
        assert template is not None
        start.wait()
        library.save(replace(template, body=f"edited {template_id}"))

    threads = [threading.Thread(target=edit, args=(tid,)) for tid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    again = DraftLibrary(tmp_path / "drafts.toml")
    assert [again.get(tid).body for tid in ids] == [f"edited {tid}" for tid in ids]  # type: ignore[union-attr]
