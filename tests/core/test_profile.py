"""The user's profile and own channels: read from the file, written back without losing a line."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from outagetray.core import settings as s
from outagetray.core.catalog import builtin_platforms
from outagetray.core.profile import (
    CHANNEL_TYPES,
    Channel,
    Profile,
    Reach,
    channel_platforms,
    draft_facts,
    followers_by_owner,
    followers_by_platform,
    needs_welcome,
    profile_done,
    remember_skip,
    skip_marker_path,
    watch_from_answers,
    welcome_skipped,
)

COMMENTED = """\
# My settings, written by hand.
version = 1

[monitor]
watch = ["facebook"]  # only what we use

# Who we are.
[profile]
brand = "Acme Bakery"   # the shop's name
signature = "Jo at Acme"
tone = "formal"
blog_url = "https://blog.acme.example/"
audience = [{ platform = "facebook", followers = 1200 }, { platform = "instagram", followers = 300 }]

# The newsletter, sent from the shop's mail account.
[[channels]]
id = "newsletter"
type = "email"
name = "Acme news"
host = "smtp.acme.example"  # the sending work will use this

# Our own site.
[[channels]]
id = "site"
type = "website"
name = "Acme"
url = "https://acme.example/"

[app]
start_at_login = true  # keep
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_without_a_profile_gives_an_empty_one_and_writes_none(tmp_path: Path) -> None:
    settings = s.load(write(tmp_path, "[monitor]\nwatch = ['x']\n")).settings
    assert settings.profile == Profile() and settings.channels == ()
    assert settings.profile.tone == "friendly"
    data = s.to_toml_data(settings)
    assert "profile" not in data and "channels" not in data


def test_the_profile_and_channels_are_read(tmp_path: Path) -> None:
    result = s.load(write(tmp_path, COMMENTED))
    assert result.ok, result.problems
    profile = result.settings.profile
    assert profile == Profile(
        "Acme Bakery",
        "Jo at Acme",
        "formal",
        "https://blog.acme.example/",
        (Reach("facebook", 1200), Reach("instagram", 300)),
    )
    news, site = result.settings.channels
    assert (news.id, news.type, news.name, news.platform, news.url) == (
        "newsletter",
        "email",
        "Acme news",
        "",
        "",
    )
    assert news.extra == {"host": "smtp.acme.example"}
    assert site.url == "https://acme.example/"
    # a key of the channel's type is read without a warning
    assert result.warnings == []


def test_a_mistyped_key_and_a_secret_in_the_file_are_warned_about(tmp_path: Path) -> None:
    result = s.load(
        write(
            tmp_path,
            '[[channels]]\nid = "news"\ntype = "email"\nhots = "smtp.acme.example"\n'
            '[[channels]]\nid = "team"\ntype = "discord"\nwebhook_url = "https://discord.example/api/webhooks/1/x"\n',
        )
    )
    assert result.ok
    assert result.warnings[0] == (
        "Line 4, channels[1].hots: not used by this version of OutageTray; "
        'it is kept as written (did you mean "host"?)'
    )
    assert "a settings file is no place for it" in result.warnings[1]
    assert "keyring set OutageTray team" in result.warnings[1]
    assert "discord.example" not in " ".join(result.warnings)


def test_the_type_keys_are_those_each_channel_module_reads() -> None:
    from outagetray.core.channels import registry
    from outagetray.core.profile import TYPE_KEYS

    assert set(TYPE_KEYS) == set(registry.MODULES)
    for kind in registry.MODULES:
        fields, _secret = registry.fields(kind)
        assert TYPE_KEYS[kind] == tuple(f.key for f in fields), kind


def test_every_listed_channel_type_is_accepted(tmp_path: Path) -> None:
    blocks = "".join(f'[[channels]]\nid = "c{i}"\ntype = "{kind}"\n' for i, kind in enumerate(CHANNEL_TYPES))
    result = s.load(write(tmp_path, blocks))
    assert result.ok and result.warnings == []
    assert [c.type for c in result.settings.channels] == list(CHANNEL_TYPES)
    for kind in ("email", "wordpress", "ghost", "mastodon", "matrix", "apprise", "blog", "whatsapp"):
        assert kind in CHANNEL_TYPES


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[profile]\ntone = "casual"',
            'Line 2, profile.tone: must be "friendly" or "formal" (found "casual")',
        ),
        (
            '[profile]\naudience = [{ platform = "instagarm", followers = 5 }]',
            'Line 2, profile.audience: item 1: "instagarm" is not a platform OutageTray knows. '
            'Did you mean "instagram"?',
        ),
        (
            '[profile]\naudience = [{ platform = "x", followers = -5 }]',
            "Line 2, profile.audience: item 1: followers must be a whole number from 0 (not sure) upwards",
        ),
        (
            '[profile]\naudience = [{ platform = "x" }, { platform = "x", followers = 2 }]',
            'Line 2, profile.audience: item 2: "x" is listed twice',
        ),
        ("[profile]\nbrand = 5", "Line 2, profile.brand: must be a text of at most 2000 characters"),
        (
            '[profile]\nblog_url = "blog.example.com"',
            "Line 2, profile.blog_url: Start the address with https://",
        ),
        ('[[channels]]\nid = "a"\ntype = "wordpres"', 'Line 3, channels[1].type: "wordpres" is not a kind'),
        ('[[channels]]\nid = "My List"\ntype = "email"', "Line 2, channels[1].id: id must be lower-case"),
        (
            '[[channels]]\nid = "a"\ntype = "email"\n[[channels]]\nid = "a"\ntype = "blog"',
            'Line 5, channels[2].id: channel "a" is defined twice',
        ),
        (
            '[[channels]]\nid = "a"\ntype = "blog"\nurl = "https://my blog.example/"',
            "Line 4, channels[1].url: A web address cannot contain spaces",
        ),
        ('channels = "none"', "Line 1, channels: must be written as [[channels]] sections"),
    ],
)
def test_a_mistake_is_named_with_its_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    result = s.load(write(tmp_path, text + "\n"))
    assert not result.ok
    assert result.problems[0].startswith(expected), result.problems


def test_a_channel_type_typo_gets_a_suggestion(tmp_path: Path) -> None:
    result = s.load(write(tmp_path, '[[channels]]\nid = "a"\ntype = "wordpres"\n'))
    assert result.problems == [
        'Line 3, channels[1].type: "wordpres" is not a kind of channel OutageTray knows. '
        'Did you mean "wordpress"?'
    ]


def test_a_channel_platform_typo_is_a_warning_with_a_guess_and_own_places_are_fine(tmp_path: Path) -> None:
    text = """
[[channels]]
id = "ig"
type = "instagram"
platform = "instagarm"

[[channels]]
id = "news"
type = "email"
platform = "email"

[[channels]]
id = "blog"
type = "blog"
platform = ""
"""
    result = s.load(write(tmp_path, text))
    assert result.ok
    assert result.warnings == [
        'Line 5, channels[1].platform: "instagarm" is not a platform OutageTray knows. '
        'Did you mean "instagram"?'
    ]
    assert [c.platform for c in result.settings.channels] == ["instagarm", "email", ""]


def test_a_profile_and_channels_round_trip_through_to_toml_data(tmp_path: Path) -> None:
    settings = s.load(write(tmp_path, COMMENTED)).settings
    fresh = tmp_path / "fresh" / "config.toml"
    s.save(settings, fresh)  # no file yet: written whole
    again = s.load(fresh)
    assert again.ok and again.settings == settings
    assert tomllib.loads(fresh.read_text())["channels"][0]["host"] == "smtp.acme.example"


def test_a_profile_save_keeps_the_users_comments(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    before = s.load(path).settings
    after = replace(
        before,
        profile=replace(before.profile, brand="Acme Bakes", tone="friendly"),
        channels=(replace(before.channels[0], name="Acme letters"), before.channels[1]),
    )
    s.save(after, path, before=before)
    text = path.read_text()
    for comment in (
        "# My settings, written by hand.",
        "# only what we use",
        "# Who we are.",
        "# the shop's name",
        "# The newsletter, sent from the shop's mail account.",
        "# the sending work will use this",
        "# Our own site.",
        "# keep",
    ):
        assert comment in text
    assert 'brand = "Acme Bakes"   # the shop\'s name' in text
    assert text.count("[[channels]]") == 2  # still tables, not turned into an inline list
    result = s.load(path)
    assert result.ok and result.settings == after
    assert result.settings.channels[0].extra == {"host": "smtp.acme.example"}


def test_adding_and_removing_channels_touches_only_those_blocks(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    before = s.load(path).settings
    shop = Channel("shop", "website", "Shop", "", "https://shop.acme.example/")
    after = replace(before, channels=(before.channels[0], shop))
    s.save(after, path, before=before)
    text = path.read_text()
    assert 'host = "smtp.acme.example"  # the sending work will use this' in text
    assert "https://acme.example/" not in text
    assert text.count("[[channels]]") == 2
    assert s.load(path).settings.channels == after.channels


def test_audience_changes_are_saved_as_an_inline_list(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    before = s.load(path).settings
    audience = (*before.profile.audience, Reach("tiktok", 40))
    after = replace(before, profile=replace(before.profile, audience=audience))
    s.save(after, path, before=before)
    text = path.read_text()
    assert "# Who we are." in text and "# the shop's name" in text
    assert tomllib.loads(text)["profile"]["audience"][2] == {"platform": "tiktok", "followers": 40}
    assert "[[profile.audience]]" not in text
    assert s.load(path).settings.profile.audience == audience


def test_a_new_profile_key_goes_above_the_comment_of_the_next_block(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED.replace('signature = "Jo at Acme"\n', ""))
    before = s.load(path).settings
    s.save(replace(before, profile=replace(before.profile, signature="Jo")), path, before=before)
    text = path.read_text()
    assert text.index('signature = "Jo"') < text.index("# The newsletter")


def test_a_profile_from_the_welcome_goes_into_a_file_without_one(tmp_path: Path) -> None:
    path = write(tmp_path, "# mine\n[monitor]\nwatch = ['x']  # only X\n")
    before = s.load(path).settings
    after = replace(before, profile=Profile("Acme", audience=(Reach("x", 10),)))
    s.save(after, path, before=before)
    text = path.read_text()
    assert text.startswith("# mine\n") and "# only X" in text and "[profile]" in text
    assert s.load(path).settings == after


def test_profile_done_needs_a_brand_and_an_audience() -> None:
    assert not profile_done(Profile())
    assert not profile_done(Profile(brand="Acme"))
    assert not profile_done(Profile(brand="  ", audience=(Reach("x"),)))
    assert profile_done(Profile(brand="Acme", audience=(Reach("x"),)))


def test_needs_welcome_until_done_or_skipped() -> None:
    assert needs_welcome(s.Settings(), skipped=False)
    assert not needs_welcome(s.Settings(), skipped=True)
    done = s.Settings(profile=Profile(brand="Acme", audience=(Reach("x"),)))
    assert not needs_welcome(done, skipped=False)


def test_the_skip_is_remembered_in_the_state_folder(tmp_path: Path) -> None:
    marker = skip_marker_path(tmp_path / "state")
    assert not welcome_skipped(marker)
    remember_skip(marker)
    assert welcome_skipped(marker)
    assert marker.parent == tmp_path / "state"


def test_watch_from_answers_adds_and_keeps() -> None:
    known = set(builtin_platforms())
    profile = Profile(audience=(Reach("instagram", 5), Reach("tiktok", 9)))
    channels = [
        Channel("news", "email"),
        Channel("page", "facebook_page", platform="facebook"),
        Channel("odd", "blog", platform="email"),
    ]
    watch = watch_from_answers(("x", "instagram"), profile, channels, known)
    assert watch == ("x", "instagram", "tiktok", "facebook")


def test_reach_inputs() -> None:
    profile = Profile(audience=(Reach("facebook", 1000), Reach("x", 500), Reach("instagram", 700)))
    assert followers_by_platform(profile) == {"facebook": 1000, "x": 500, "instagram": 700}
    assert followers_by_owner(profile, builtin_platforms()) == {"Meta": 1700, "X Corp": 500}
    assert channel_platforms(
        [Channel("a", "x", platform="x"), Channel("b", "email"), Channel("c", "x", platform="x")]
    ) == ("x",)


def test_draft_facts_come_from_profile_and_channels() -> None:
    profile = Profile("Acme", "Jo", "formal")
    channels = [
        Channel("n", "email", "Acme news"),
        Channel("b", "blog", url="https://blog.example/"),
        Channel("w", "website", url="https://acme.example/"),
    ]
    assert draft_facts(profile, channels) == {
        "brand": "Acme",
        "signature": "Jo",
        "tone": "formal",
        "blog_url": "https://blog.example/",
        "email_list": "Acme news",
        "website": "https://acme.example/",
    }


def test_a_comment_after_the_audience_line_stays_when_the_audience_changes(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[profile]\nbrand = "Acme"\naudience = [{ platform = "x", followers = 1 }]  # rough\n'
    )
    before = s.load(path).settings
    after = replace(before, profile=replace(before.profile, audience=(Reach("x", 2),)))
    s.save(after, path, before=before)
    assert path.read_text().endswith('{ platform = "x", followers = 2 }]  # rough\n')  # the spacing too


def test_comments_inside_a_multi_line_audience_stay(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[profile]\nbrand = "Acme"\naudience = [\n  { platform = "x", followers = 1 },  # old account\n]\n',
    )
    before = s.load(path).settings
    after = replace(before, profile=replace(before.profile, audience=(Reach("x", 2),)))
    s.save(after, path, before=before)
    assert "# old account" in path.read_text()


def test_a_longer_audience_list_keeps_its_comments_and_layout(tmp_path: Path) -> None:
    text = (
        '[profile]\nbrand = "Acme"\naudience = [\n'
        "  # the big one\n"
        '  { platform = "instagram", followers = 12000 },\n'
        '  { platform = "facebook", followers = 3000 },  # the old page\n'
        "]\n"
    )
    path = write(tmp_path, text)
    before = s.load(path).settings
    audience = (Reach("instagram", 12000), Reach("facebook", 5000), Reach("x", 40))
    s.save(replace(before, profile=replace(before.profile, audience=audience)), path, before=before)
    saved = path.read_text()
    assert "# the big one" in saved and "# the old page" in saved
    assert '{ platform = "instagram", followers = 12000 },' in saved  # untouched element, untouched line
    assert s.load(path).settings.profile.audience == audience
    shorter = (Reach("instagram", 12000),)
    s.save(
        replace(before, profile=replace(before.profile, audience=shorter)), path, before=s.load(path).settings
    )
    assert s.load(path).settings.profile.audience == shorter
    assert "# the big one" in path.read_text()
