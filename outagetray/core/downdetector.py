"""Where a platform's Downdetector page is, on the user's own country's site.

The playbook's first step is "check the reports": other people's reports tell the user
it is not just them. Downdetector runs one site per country, each with its own counts
and its own address, and a user in Germany reads allestörungen.de, not downdetector.com.
So the link is built from the platform's slug (the same on every site, see the
``downdetector`` key in resources/platforms.toml) and the user's country.

The country comes from the environment's locale (no Qt here, and no network); a country
without a site of its own, or no country at all, gets downdetector.com. A platform
without a known page gets the site's search for its name, which still lands the user on
the right reports in one more click.

The sites and their paths were checked against public links to them (Dec 2026). Each site
long used a path in its own language (/stoerung/ in Germany, /statut/ in France,
/shougai/ in Japan); since Downdetector's 2025 rebuild some sites (Brazil's, at least)
answer at /status/ too, and the old paths are what years of links point to. The table
keeps, per site, the path found in the most recent links to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote_plus

from outagetray.core.model import Platform


@dataclass(frozen=True)
class Site:
    """One country's Downdetector site: its host as people read it, and the path of a page."""

    host: str
    path: str = "status"

    @property
    def ascii_host(self) -> str:
        """The host as it goes into an address (allestörungen.de is xn--allestrungen-9ib.de)."""
        return self.host.encode("idna").decode("ascii")


DEFAULT_SITE = Site("downdetector.com")

#: ISO 3166 country code to its site. Countries not listed use downdetector.com.
SITES: Mapping[str, Site] = {
    "US": DEFAULT_SITE,
    "GB": Site("downdetector.co.uk"),
    "IE": Site("downdetector.ie"),
    "CA": Site("downdetector.ca"),
    "AU": Site("downdetector.com.au"),
    "NZ": Site("downdetector.co.nz"),
    "IN": Site("downdetector.in"),
    "HK": Site("downdetector.hk"),
    "SG": Site("downdetector.sg"),
    "ZA": Site("downdetector.co.za"),
    "DE": Site("allestörungen.de", "stoerung"),
    "AT": Site("allestörungen.at", "stoerung"),
    "CH": Site("allestörungen.ch", "stoerung"),
    "NL": Site("allestoringen.nl", "storing"),
    "BE": Site("allestoringen.be", "storing"),
    "FR": Site("downdetector.fr", "statut"),
    "ES": Site("downdetector.es", "problemas"),
    "MX": Site("downdetector.mx", "problemas"),
    "AR": Site("downdetector.com.ar", "problemas"),
    "IT": Site("downdetector.it", "problemi"),
    "PT": Site("downdetector.pt", "fora-do-ar"),
    "BR": Site("downdetector.com.br", "status"),
    "PL": Site("downdetector.pl", "status"),
    "SE": Site("downdetector.se", "problem-storningar"),
    "NO": Site("downdetector.no", "feil-problem"),
    "DK": Site("downdetector.dk", "problem-fejl"),
    "JP": Site("downdetector.jp", "shougai"),
}

#: Names people and old locales use for a country, to its ISO code.
ALIASES = {"UK": "GB"}

#: The locale variables in the order the C library reads them for messages.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

# "de_DE", "de_DE.UTF-8", "sr_RS@latin", "en-GB": the country is the two letters after the separator.
_LOCALE = re.compile(r"^[A-Za-z]{2,3}[_-]([A-Za-z]{2})(?:[.@]|$)")


def _country_of(name: str | None) -> str | None:
    if not name:
        return None
    match = _LOCALE.match(name.strip())
    return match.group(1).upper() if match else None


def country_from_locale(environ: Mapping[str, str] | None = None) -> str | None:
    """The user's country as an ISO code ("DE"), from the locale, or None if it names none.

    The first locale variable that is set decides, as it does for the C library ("C" and
    "POSIX" name no country, and then so does the result). Only when none is set is the
    locale module asked, which on Windows and macOS knows the system's own setting.
    """
    env = os.environ if environ is None else environ
    for variable in LOCALE_VARIABLES:
        value = env.get(variable, "").strip()
        if value:
            return _country_of(value)
    if environ is not None:
        return None
    import locale

    try:
        name = locale.getlocale()[0]
    except ValueError:
        return None
    return _country_of(name)


def site_for(country: str | None) -> Site:
    """The Downdetector site for a country code; downdetector.com for an unknown one."""
    if not country:
        return DEFAULT_SITE
    code = country.strip().upper()
    return SITES.get(ALIASES.get(code, code), DEFAULT_SITE)


def page_url(platform: Platform, country: str | None) -> str:
    """The platform's reports on the country's site, or a search for its name there."""
    site = site_for(country)
    base = f"https://{site.ascii_host}"
    if platform.downdetector:
        return f"{base}/{site.path}/{quote_plus(platform.downdetector)}/"
    return f"{base}/search/?q={quote_plus(search_name(platform.name))}"


def search_name(name: str) -> str:
    """What to search for: "X (Twitter)" is searched as "X", which is what the platform is called now."""
    plain = name.split("(")[0].strip()
    return plain or name.strip()
