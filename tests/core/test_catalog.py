"""The built-in catalog: every platform the foundation promises, each with honest sources."""

from __future__ import annotations

import pytest

from outagetray.core.catalog import DEFAULT_WATCH, PlatformError, builtin_platforms, platform_from_table
from outagetray.core.sources import FORMATS

REQUIRED = {
    "facebook": "Meta",
    "instagram": "Meta",
    "whatsapp": "Meta",
    "messenger": "Meta",
    "threads": "Meta",
    "x": "X Corp",
    "youtube": "Google",
    "tiktok": "ByteDance",
    "linkedin": "Microsoft",
    "pinterest": "Pinterest",
    "snapchat": "Snap",
    "reddit": "Reddit",
    "discord": "Discord",
    "telegram": "Telegram",
    "slack": "Salesforce",
    "twitch": "Amazon",
    "bluesky": "Bluesky Social",
    "mailchimp": "Intuit",
    "substack": "Substack",
    "wordpress-com": "Automattic",
    "medium": "Medium",
    "squarespace": "Squarespace",
    "shopify": "Shopify",
    "gmail": "Google",
}


def test_every_required_platform_is_there_with_its_owner() -> None:
    catalog = builtin_platforms()
    assert {pid: catalog[pid].owner for pid in REQUIRED} == REQUIRED


def test_default_watch_list_is_the_playbooks_four() -> None:
    assert DEFAULT_WATCH == ("facebook", "instagram", "whatsapp", "x")


@pytest.mark.parametrize("pid", sorted(REQUIRED))
def test_each_platform_has_probe_targets_and_valid_sources(pid: str) -> None:
    platform = builtin_platforms()[pid]
    assert any(p.type == "dns_probe" for p in platform.probes)
    assert any(p.type == "http_probe" and p.url.startswith("https://") for p in platform.probes)
    for source in platform.sources:
        assert source.type in FORMATS
        assert source.url.startswith("https://")


def test_official_sources_follow_the_research() -> None:
    catalog = builtin_platforms()
    assert catalog["discord"].sources[0].url == "https://discordstatus.com/api/v2/summary.json"
    assert catalog["slack"].sources[0].type == "slack"
    gmail = catalog["gmail"].sources[0]
    assert (gmail.type, gmail.options["product"]) == ("google_incidents", "Gmail")
    wordpress = catalog["wordpress-com"].sources[0]
    assert (wordpress.type, wordpress.options["component_prefix"]) == ("statusiq_rss", "WordPress.com")
    assert catalog["whatsapp"].sources[0].options["org"] == "whatsapp-business-api"
    # Platforms with no machine-readable status must not pretend to have one.
    for pid in ("x", "youtube", "tiktok", "telegram", "instagram", "mailchimp", "substack", "bluesky"):
        assert catalog[pid].sources == ()


def test_override_keeps_what_it_does_not_name() -> None:
    base = builtin_platforms()["discord"]
    changed = platform_from_table({"id": "discord", "name": "Discord (work)"}, base)
    assert changed.name == "Discord (work)"
    assert changed.sources == base.sources
    assert changed.owner == "Discord"


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ({"id": "Bad Id", "sources": []}, "id", "lower-case"),
        ({"id": "acme", "colour": "red"}, "colour", "not a platform setting"),
        (
            {"id": "acme", "sources": [{"type": "nope", "url": "https://a"}]},
            "sources",
            "not one OutageTray knows",
        ),
        ({"id": "acme", "sources": [{"type": "statuspage", "url": "ftp://a"}]}, "sources", "https://"),
        (
            {"id": "acme", "sources": [{"type": "statuspage", "url": "https://a", "org": "x"}]},
            "sources",
            "not an option",
        ),
        ({"id": "acme", "name": "Acme"}, "sources", "at least one source"),
        ({"id": "acme", "probes": [{"type": "dns_probe", "host": "not a host"}]}, "probes", "host name"),
    ],
)
def test_bad_platform_tables_say_what_is_wrong(table: dict[str, object], key: str, words: str) -> None:
    with pytest.raises(PlatformError) as info:
        platform_from_table(table)
    assert info.value.key == key
    assert words in str(info.value)
