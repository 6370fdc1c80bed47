"""Downdetector links: every platform's page, on the user's own country's site."""

from __future__ import annotations

import pytest

from outagetray.core.catalog import PlatformError, builtin_platforms, platform_from_table
from outagetray.core.downdetector import (
    SITES,
    country_from_locale,
    page_url,
    search_name,
    site_for,
)
from outagetray.core.model import Platform

#: Slugs checked against public links to downdetector.com/status/<slug>/.
CONFIRMED = {
    "facebook": "facebook",
    "instagram": "instagram",
    "whatsapp": "whatsapp",
    "messenger": "facebook-messenger",
    "threads": "threads",
    "x": "twitter",
    "youtube": "youtube",
    "tiktok": "tiktok",
    "linkedin": "linkedin",
    "pinterest": "pinterest",
    "snapchat": "snapchat",
    "reddit": "reddit",
    "discord": "discord",
    "telegram": "telegram",
    "slack": "slack",
    "twitch": "twitch",
    "shopify": "shopify",
    "gmail": "gmail",
}


def test_the_catalog_carries_each_confirmed_page() -> None:
    catalog = builtin_platforms()
    assert {pid: catalog[pid].downdetector for pid in CONFIRMED} == CONFIRMED


def test_every_platform_has_a_page_or_a_search() -> None:
    for platform in builtin_platforms().values():
        url = page_url(platform, None)
        if platform.downdetector:
            assert url == f"https://downdetector.com/status/{platform.downdetector}/"
        else:
            assert url.startswith("https://downdetector.com/search/?q=")


def test_a_platform_without_a_page_gets_a_search_for_its_name() -> None:
    bluesky = builtin_platforms()["bluesky"]
    assert page_url(bluesky, None) == "https://downdetector.com/search/?q=Bluesky"
    shop = Platform("acme", "Acme Shop & Co", "Acme")
    assert page_url(shop, "GB") == "https://downdetector.co.uk/search/?q=Acme+Shop+%26+Co"
    assert search_name("X (Twitter)") == "X"
    assert search_name("(odd)") == "(odd)"


@pytest.mark.parametrize(
    ("country", "url"),
    [
        ("US", "https://downdetector.com/status/facebook/"),
        ("GB", "https://downdetector.co.uk/status/facebook/"),
        ("uk", "https://downdetector.co.uk/status/facebook/"),
        ("CA", "https://downdetector.ca/status/facebook/"),
        ("AU", "https://downdetector.com.au/status/facebook/"),
        ("IE", "https://downdetector.ie/status/facebook/"),
        ("IN", "https://downdetector.in/status/facebook/"),
        ("DE", "https://xn--allestrungen-9ib.de/stoerung/facebook/"),
        ("AT", "https://xn--allestrungen-9ib.at/stoerung/facebook/"),
        ("CH", "https://xn--allestrungen-9ib.ch/stoerung/facebook/"),
        ("NL", "https://allestoringen.nl/storing/facebook/"),
        ("BE", "https://allestoringen.be/storing/facebook/"),
        ("FR", "https://downdetector.fr/statut/facebook/"),
        ("ES", "https://downdetector.es/problemas/facebook/"),
        ("MX", "https://downdetector.mx/problemas/facebook/"),
        ("IT", "https://downdetector.it/problemi/facebook/"),
        ("BR", "https://downdetector.com.br/status/facebook/"),
        ("JP", "https://downdetector.jp/shougai/facebook/"),
        ("KE", "https://downdetector.com/status/facebook/"),
        (None, "https://downdetector.com/status/facebook/"),
        ("", "https://downdetector.com/status/facebook/"),
    ],
)
def test_the_page_is_on_the_countrys_own_site(country: str | None, url: str) -> None:
    assert page_url(builtin_platforms()["facebook"], country) == url


def test_site_names_read_as_people_know_them() -> None:
    assert site_for("DE").host == "allestörungen.de"
    assert site_for("zz").host == "downdetector.com"
    for site in SITES.values():
        assert site.ascii_host.isascii()
        assert site.path and "/" not in site.path


@pytest.mark.parametrize(
    ("environ", "country"),
    [
        ({"LANG": "de_DE.UTF-8"}, "DE"),
        ({"LANG": "en_GB"}, "GB"),
        ({"LANG": "sr_RS@latin"}, "RS"),
        ({"LANG": "fr-CA"}, "CA"),
        ({"LC_ALL": "nl_BE.UTF-8", "LANG": "en_US.UTF-8"}, "BE"),
        ({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "JP"),
        # The first variable that is set decides, even when it names no country.
        ({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, None),
        ({"LANG": "C"}, None),
        ({"LANG": "POSIX"}, None),
        ({"LANG": "de"}, None),
        ({"LC_ALL": "", "LANG": "it_IT"}, "IT"),
        ({}, None),
    ],
)
def test_the_country_comes_from_the_locale(environ: dict[str, str], country: str | None) -> None:
    assert country_from_locale(environ) == country


def test_without_locale_variables_the_locale_module_is_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    import locale

    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setattr(locale, "getlocale", lambda *a: ("pt_BR", "UTF-8"))
    assert country_from_locale() == "BR"
    monkeypatch.setattr(locale, "getlocale", lambda *a: (None, None))
    assert country_from_locale() is None
    monkeypatch.setenv("LANG", "es_MX.UTF-8")
    assert country_from_locale() == "MX"


def test_a_users_platform_may_name_or_clear_its_page() -> None:
    own = platform_from_table(
        {
            "id": "acme",
            "name": "Acme",
            "downdetector": "acme-bank",
            "probes": [{"type": "dns_probe", "host": "acme.example"}],
        }
    )
    assert own.downdetector == "acme-bank"
    cleared = platform_from_table({"id": "facebook", "downdetector": ""}, builtin_platforms()["facebook"])
    assert cleared.downdetector == ""
    assert page_url(cleared, None) == "https://downdetector.com/search/?q=Facebook"
    kept = platform_from_table({"id": "facebook", "name": "Facebook (work)"}, builtin_platforms()["facebook"])
    assert kept.downdetector == "facebook"


@pytest.mark.parametrize("bad", ["https://downdetector.com/status/acme/", "Acme Bank", 3, "a/b"])
def test_a_bad_page_name_says_what_is_wanted(bad: object) -> None:
    with pytest.raises(PlatformError) as info:
        platform_from_table({"id": "facebook", "downdetector": bad}, builtin_platforms()["facebook"])
    assert info.value.key == "downdetector"
    assert "https://downdetector.com/status/facebook/" in str(info.value)
