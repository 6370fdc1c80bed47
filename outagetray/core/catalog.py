"""The built-in platforms, read from ``resources/platforms.toml``.

The catalog and the user's own ``[[platforms]]`` entries are the same kind of
table, so both are read by :func:`platform_from_table`; a user entry whose id
matches a built-in one overrides just the keys it names.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import replace
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from outagetray.assets import read_text
from outagetray.core.model import Platform, SourceSpec
from outagetray.core.sources import make_spec
from outagetray.core.webaddress import host_problem

#: The four platforms of the playbook, watched when the user has chosen nothing.
DEFAULT_WATCH = ("facebook", "instagram", "whatsapp", "x")

PLATFORM_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
PROBE_TYPES = ("dns_probe", "http_probe")
KINDS = ("social", "messaging", "video", "email", "blog", "shop", "community", "other")
_KEYS = ("id", "name", "owner", "kind", "homepage", "note", "downdetector", "sources", "probes")
#: A Downdetector slug as the site writes them: "facebook", "facebook-messenger".
DOWNDETECTOR_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


#: What people call some platforms, for hints and the command line's --platform.
ALIASES = {
    "twitter": "x",
    "x.com": "x",
    "fb": "facebook",
    "ig": "instagram",
    "insta": "instagram",
    "wa": "whatsapp",
    "yt": "youtube",
    "bsky": "bluesky",
    "wordpress": "wordpress-com",
    "wordpress.com": "wordpress-com",
    "wp": "wordpress-com",
    "google-mail": "gmail",
    "fb-messenger": "messenger",
}


def _plain(text: str) -> str:
    """A name as people type it, without case, spaces or punctuation: "Insta gram" and "X (Twitter)"."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _names(known: Collection[str] | Mapping[str, Platform]) -> dict[str, str]:
    """Every way of naming a known platform (id, display name, words of the name, alias), to its id.

    People type what they see ("Twitter", from "X (Twitter)") or what they remember,
    not our ids, so a near miss must be measured against all of these.
    """
    builtin = builtin_platforms()
    names: dict[str, str] = {}

    def add(text: str, pid: str) -> None:
        names.setdefault(_plain(text), pid)

    for pid in sorted(known):
        add(pid, pid)
    for pid in sorted(known):
        platform = known[pid] if isinstance(known, Mapping) else builtin.get(pid)
        if isinstance(platform, Platform):
            add(platform.name, pid)
            for word in re.split(r"[()\[\],/]+", platform.name):
                if word.strip():
                    add(word, pid)
    for alias, pid in ALIASES.items():
        if pid in known:
            add(alias, pid)
    names.pop("", None)
    return names


def canonical_id(text: str, known: Collection[str] | Mapping[str, Platform]) -> str | None:
    """The platform id ``text`` names exactly: an id in any case, a common name or a display name.

    Only these are taken as meant; a near spelling is offered (guess_id), never acted on.
    """
    wanted = " ".join(text.split()).lower()
    if wanted in known:
        return wanted
    alias = ALIASES.get(wanted)
    if alias is not None and alias in known:
        return alias
    for pid in known:
        platform = known[pid] if isinstance(known, Mapping) else builtin_platforms().get(pid)
        if isinstance(platform, Platform) and " ".join(platform.name.split()).lower() == wanted:
            return pid
    return None


#: How alike a typed name must be to one we know before it is offered (difflib's ratio).
#: "tweeter" is 0.71 like "twitter"; unrelated words stay well below.
GUESS_CUTOFF = 0.6


def guess_id(text: str, known: Collection[str] | Mapping[str, Platform]) -> str | None:
    """The platform id someone most likely meant, or None when nothing is near enough.

    Compared with every name of every known platform (see _names), not just the ids:
    "twiter" is one letter from "twitter", which is X, not Twitch. Names of one or two
    letters ("x", "fb") count only when typed exactly, since anything short is "near" them.
    """
    import difflib

    exact = canonical_id(text, known)
    if exact is not None:
        return exact
    wanted = _plain(text)
    names = _names(known)
    if wanted in names:
        return names[wanted]
    if len(wanted) < 3:
        return None
    close = difflib.get_close_matches(wanted, [n for n in names if len(n) >= 3], n=1, cutoff=GUESS_CUTOFF)
    return names[close[0]] if close else None


class PlatformError(ValueError):
    """A platform table is wrong; ``key`` names the offending key for the message."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def make_probe(table: object) -> SourceSpec:
    """A probe target from ``{ type = "dns_probe", host = … }`` or ``{ type = "http_probe", url = … }``."""
    if not isinstance(table, dict):
        raise ValueError('each probe must be a table like { type = "http_probe", url = "https://…" }')
    probe_type = table.get("type")
    if probe_type == "dns_probe":
        host = table.get("host")
        if not isinstance(host, str) or not re.fullmatch(r"[A-Za-z0-9.-]{1,253}", host) or "." not in host:
            raise ValueError(f"a dns_probe needs a host name such as example.com (found {host!r})")
        problem = host_problem(f"https://{host}/")
        if problem is not None:
            raise ValueError(f"the host of a dns_probe cannot be looked up: {problem}")
        extra = set(table) - {"type", "host"}
        if extra:
            raise ValueError(f"{sorted(extra)[0]!r} is not an option of a dns_probe")
        return SourceSpec("dns_probe", host.lower().rstrip("."))
    if probe_type == "http_probe":
        url = table.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ValueError(f"an http_probe needs a url starting with https:// or http:// (found {url!r})")
        problem = host_problem(url)
        if problem is not None:
            raise ValueError(f"the url of an http_probe cannot be checked: {problem}")
        extra = set(table) - {"type", "url"}
        if extra:
            raise ValueError(f"{sorted(extra)[0]!r} is not an option of an http_probe")
        return SourceSpec("http_probe", url)
    raise ValueError(f"probe type {probe_type!r} is not one OutageTray knows (known: dns_probe, http_probe)")


def platform_from_table(table: dict[str, Any], base: Platform | None = None) -> Platform:
    """Build a Platform from a TOML table, on top of ``base`` when it overrides a built-in one."""
    unknown_keys = [k for k in table if k not in _KEYS]
    if unknown_keys:
        raise PlatformError(unknown_keys[0], f"{unknown_keys[0]!r} is not a platform setting")
    platform_id = table.get("id")
    if not isinstance(platform_id, str) or not PLATFORM_ID.match(platform_id):
        raise PlatformError(
            "id", f"id must be lower-case letters, digits, '-' or '_', e.g. \"acme\" (found {platform_id!r})"
        )
    fields: dict[str, Any] = {}
    for key in ("name", "owner", "homepage", "note"):
        if key in table:
            value = table[key]
            if not isinstance(value, str) or (key in ("name", "owner") and not value.strip()):
                raise PlatformError(key, f"{key} must be a text")
            fields[key] = value.strip()
    if "downdetector" in table:
        slug = table["downdetector"]
        # Empty is allowed: it turns a built-in page off, and the search page is used.
        if not isinstance(slug, str) or (slug.strip() and not DOWNDETECTOR_SLUG.match(slug.strip())):
            raise PlatformError(
                "downdetector",
                'downdetector must be the name in the page\'s address, e.g. "facebook" for '
                "https://downdetector.com/status/facebook/",
            )
        fields["downdetector"] = slug.strip()
    if "kind" in table:
        if table["kind"] not in KINDS:
            raise PlatformError("kind", f"kind must be one of {', '.join(KINDS)}")
        fields["kind"] = table["kind"]
    official: list[SourceSpec] = []
    probes: list[SourceSpec] = []
    for key in ("sources", "probes"):
        if key not in table:
            continue
        items = table[key]
        if not isinstance(items, list):
            raise PlatformError(key, f"{key} must be a list of tables")
        for index, item in enumerate(items, start=1):
            # Probes are source types too: a user may list them under either key.
            is_probe = key == "probes" or (isinstance(item, dict) and item.get("type") in PROBE_TYPES)
            try:
                (probes if is_probe else official).append(make_probe(item) if is_probe else make_spec(item))
            except ValueError as exc:
                raise PlatformError(key, f"{key} item {index}: {exc}") from None
    if "sources" in table:
        fields["sources"] = tuple(official)
    if "probes" in table or probes:
        fields["probes"] = tuple(probes)
    if base is not None:
        return replace(base, **fields)
    fields.setdefault("name", platform_id)
    fields.setdefault("owner", fields["name"])
    platform = Platform(id=platform_id, **fields)
    if not platform.sources and not platform.probes:
        raise PlatformError("sources", f"platform {platform_id!r} needs at least one source or probe")
    return platform


@lru_cache(maxsize=1)
def builtin_platforms() -> MappingProxyType[str, Platform]:
    """The built-in catalog, keyed by id, in file order. Read once per process."""
    data = tomllib.loads(read_text("platforms.toml"))
    platforms: dict[str, Platform] = {}
    for table in data.get("platform", []):
        platform = platform_from_table(table)
        if platform.id in platforms:
            raise ValueError(f"platforms.toml lists {platform.id!r} twice")
        platforms[platform.id] = platform
    return MappingProxyType(platforms)
