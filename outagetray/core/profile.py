"""Who the user is: their brand, where their audience is, and the channels they own.

The first-run welcome asks for these, the settings file keeps them (a ``[profile]``
table and ``[[channels]]`` tables), and they fill the drafts and the reach figures:
an outage matters in proportion to the followers it cuts off, and the channels the
user owns are where they can still reach people. So they live in core, with the rules
for reading them, and the settings loader only calls in here (it stays one page long).

The channel tables are shared with the sending work that comes next, which adds
credentials and type-specific keys (host, port, base_url, ...). A key this version
does not use is therefore kept as written, with a warning, never dropped: a user's
file must survive a round trip through a save by an older OutageTray.

The "skipped the welcome" marker is app state, not a setting: it is a small file next
to ``state.json`` in the state folder (see :mod:`outagetray.core.state`), so the user's
config file is not written just because they pressed "Skip for now".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from outagetray.core.catalog import PLATFORM_ID, guess_id
from outagetray.core.model import Platform

TONES = ("friendly", "formal")
#: The settings file's sections read here.
SECTIONS = ("profile", "channels")
#: Channels the sending work will post to through an API (or an email server).
SENDING_TYPES = (
    "email",
    "wordpress",
    "ghost",
    "mastodon",
    "bluesky",
    "matrix",
    "telegram",
    "discord",
    "slack",
    "facebook_page",
    "x",
    "apprise",
)
#: Places the user has a presence on but that nothing posts to (no open API): drafts are copied by hand.
PRESENCE_TYPES = ("blog", "website", "linkedin", "threads", "instagram", "tiktok", "youtube", "whatsapp")
CHANNEL_TYPES = SENDING_TYPES + PRESENCE_TYPES
#: The keys of a channel this version reads; any other key is kept as written.
CHANNEL_KEYS = ("id", "type", "name", "platform", "url")
#: The keys each sending type reads (its module's ``FIELDS``; a test keeps the two equal). Listed
#: here so reading the settings imports no channel module, yet warns about a mistyped key.
TYPE_KEYS: Mapping[str, tuple[str, ...]] = {
    "email": ("host", "security", "port", "username", "from", "to"),
    "wordpress": ("base_url", "username", "status", "categories"),
    "ghost": ("base_url", "status"),
    "mastodon": ("base_url", "visibility"),
    "bluesky": ("base_url", "handle", "langs"),
    "matrix": ("base_url", "room"),
    "telegram": ("chat", "api_url"),
    "discord": (),
    "slack": (),
    "facebook_page": ("page_id", "graph_url", "api_version"),
    "x": ("api_url",),
    "apprise": (),
}
#: Keys that hold a secret: never read from the file, and the user is told where it belongs.
SECRET_KEYS = frozenset(
    {
        "password",
        "token",
        "secret",
        "webhook_url",
        "webhook",
        "access_token",
        "app_password",
        "api_key",
        "url_secret",
    }
)
PROFILE_KEYS = ("brand", "signature", "tone", "blog_url", "audience")
AUDIENCE_KEYS = ("platform", "followers")
#: The catalog platform a channel of each type lives on, when there is one, for the welcome's choices.
TYPE_PLATFORMS = {
    "bluesky": "bluesky",
    "telegram": "telegram",
    "discord": "discord",
    "slack": "slack",
    "facebook_page": "facebook",
    "x": "x",
    "linkedin": "linkedin",
    "threads": "threads",
    "instagram": "instagram",
    "tiktok": "tiktok",
    "youtube": "youtube",
    "whatsapp": "whatsapp",
}
#: Platform values for channels that live on no catalog platform (an email list, an own blog).
OWN_PLACES = ("email", "blog", "website", "newsletter", "shop")
#: Catalog kinds the welcome offers as "where your audience is": social media in the wide sense
#: (YouTube and TikTok are "video", Reddit and Discord "community", and audiences live there too).
AUDIENCE_KINDS = ("social", "messaging", "video", "community")
#: "Roughly how many followers": anything past ten billion is a typing slip.
MAX_FOLLOWERS = 10_000_000_000
MAX_TEXT = 2_000

#: What OutageTray does for the user, in three lines: the welcome's first page and the window's offer.
PROMISE = (
    "Tells you when Facebook, Instagram, X and the others really fail, and when they are back.",
    "Has posts and emails ready for your audience, sent through the channels that still work.",
    "Keeps a record of every outage and a checklist for getting back on track.",
)


@dataclass(frozen=True)
class Reach:
    """Roughly how many followers the user has on one platform (0: "don't know")."""

    platform: str
    followers: int = 0


@dataclass(frozen=True)
class Profile:
    """Who the user is. Empty by default: nothing is assumed about a user who skipped the welcome."""

    brand: str = ""
    signature: str = ""
    tone: str = "friendly"
    blog_url: str = ""
    audience: tuple[Reach, ...] = ()


@dataclass(frozen=True)
class Channel:
    """A channel the user owns. ``extra`` holds keys this version does not use, kept for the next."""

    id: str
    type: str
    name: str = ""
    platform: str = ""
    url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


class Report(Protocol):
    """Where reading the file reports what it found (the settings loader's validator)."""

    def problem(self, path: tuple[str | int, ...], message: str) -> None: ...

    def warn(self, path: tuple[str | int, ...], message: str) -> None: ...

    def unknown_key(self, path: tuple[str | int, ...], known: tuple[str, ...]) -> None: ...


class HasProfile(Protocol):
    @property
    def profile(self) -> Profile: ...


UrlCheck = Callable[[str], "str | None"]


# -- what the answers mean ----------------------------------------------------------------


def profile_done(profile: Profile) -> bool:
    """Whether the welcome has what it needs: a brand name and at least one place the audience is."""
    return bool(profile.brand.strip()) and bool(profile.audience)


def needs_welcome(settings: HasProfile, *, skipped: bool) -> bool:
    """Whether to open the welcome by itself at start: the profile is not done and it was never skipped.

    A skipped welcome stays reachable from Settings and from the window's offer, but it
    does not open by itself again: asking at every start would be nagging.
    """
    return not profile_done(settings.profile) and not skipped


def watch_from_answers(
    watch: Iterable[str], profile: Profile, channels: Iterable[Channel], known: Collection[str]
) -> tuple[str, ...]:
    """The watch list after the welcome: what was watched, plus the audience's platforms, plus the
    catalog platforms the user's channels live on. Nothing is taken away: the user chose those."""
    wanted = [*watch, *(r.platform for r in profile.audience), *(c.platform for c in channels)]
    return tuple(pid for pid in dict.fromkeys(wanted) if pid in known)


def followers_by_platform(profile: Profile) -> dict[str, int]:
    """The audience as the reach figures read it: platform id to rough follower count."""
    return {r.platform: r.followers for r in profile.audience}


def followers_by_owner(profile: Profile, platforms: Mapping[str, Platform]) -> dict[str, int]:
    """Followers per company (Facebook, Instagram and WhatsApp are all Meta), largest first.

    The playbook's "diversify" step: one owner's outage takes all of its platforms at once.
    """
    owners: dict[str, int] = {}
    for reach in profile.audience:
        platform = platforms.get(reach.platform)
        owner = platform.owner if platform is not None else reach.platform
        owners[owner] = owners.get(owner, 0) + reach.followers
    return dict(sorted(owners.items(), key=lambda item: -item[1]))


def channel_platforms(channels: Iterable[Channel]) -> tuple[str, ...]:
    """The platforms the user's channels live on (empty ones, an email list or own blog, left out)."""
    return tuple(dict.fromkeys(c.platform for c in channels if c.platform))


def draft_facts(profile: Profile, channels: Iterable[Channel]) -> dict[str, str]:
    """What the profile and channels put into a draft's blanks ({brand}, {signature}, {blog_url}, ...)."""
    owned = list(channels)
    email = next((c for c in owned if c.type == "email"), None)
    website = next((c for c in owned if c.type == "website"), None)
    return {
        "brand": profile.brand,
        "signature": profile.signature,
        "tone": profile.tone,
        "blog_url": profile.blog_url or next((c.url for c in owned if c.type == "blog" and c.url), ""),
        "email_list": email.name if email is not None else "",
        "website": website.url if website is not None else "",
    }


def web_address(text: str) -> str:
    """An address as people type it ("acme.com") made whole ("https://acme.com"); "" stays "".

    The welcome asks small businesses for their site, and few of them type the https://.
    """
    address = text.strip()
    if address and "://" not in address and not address.startswith(("http:", "https:")):
        address = "https://" + address
    return address


def channel_id(wanted: str, taken: Collection[str]) -> str:
    """An id for a new channel: ``wanted`` made slug-like, with -2, -3, ... when already taken."""
    base = re.sub(r"[^a-z0-9_-]+", "-", wanted.lower()).strip("-_")[:36] or "channel"
    if not base[0].isalnum():
        base = "c" + base
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


# -- the skip marker ----------------------------------------------------------------------

SKIP_MARKER = "welcome-skipped"


def skip_marker_path(state_folder: Path | None = None) -> Path:
    """The marker file: in ``state_folder`` when given (tests), else beside the app's state.json."""
    if state_folder is None:
        from outagetray.core.state import default_path

        state_folder = default_path().parent
    return state_folder / SKIP_MARKER


def welcome_skipped(path: Path) -> bool:
    """Whether the user skipped the welcome before. Any doubt (an unreadable folder) reads as "no"."""
    try:
        return path.is_file()
    except OSError:
        return False


def remember_skip(path: Path) -> None:
    """Write the marker; off the UI thread (the state folder may be on a slow drive)."""
    from outagetray.core.atomic import write_atomic

    write_atomic(path, b"The user chose 'Skip for now' in the OutageTray welcome.\n")


# -- the file: writing --------------------------------------------------------------------


def profile_table(profile: Profile) -> dict[str, Any] | None:
    """The ``[profile]`` table, or None for an empty profile (no section is written for it)."""
    if profile == Profile():
        return None
    return {
        "brand": profile.brand,
        "signature": profile.signature,
        "tone": profile.tone,
        "blog_url": profile.blog_url,
        "audience": [{"platform": r.platform, "followers": r.followers} for r in profile.audience],
    }


def channel_tables(channels: Iterable[Channel]) -> list[dict[str, Any]]:
    """The ``[[channels]]`` tables, each with the keys this version does not use, as they were read."""
    tables = []
    for channel in channels:
        table: dict[str, Any] = {"id": channel.id, "type": channel.type, "name": channel.name}
        if channel.platform:
            table["platform"] = channel.platform
        if channel.url:
            table["url"] = channel.url
        table.update((k, v) for k, v in channel.extra.items() if k not in CHANNEL_KEYS)
        tables.append(table)
    return tables


# -- the file: reading --------------------------------------------------------------------


def read_profile(section: object, known: Collection[str], report: Report, url_problem: UrlCheck) -> Profile:
    """The ``[profile]`` table, every mistake reported (a wrong value falls back to its default)."""
    if not isinstance(section, dict):
        report.problem(("profile",), "must be a section written as [profile]")
        return Profile()
    for key in section:
        if key not in PROFILE_KEYS:
            report.unknown_key(("profile", key), PROFILE_KEYS)
    brand = _text(section, "brand", report)
    signature = _text(section, "signature", report)
    tone = section.get("tone", "friendly")
    if tone not in TONES:
        report.problem(("profile", "tone"), f'must be "friendly" or "formal" (found {_short(tone)})')
        tone = "friendly"
    blog_url = _text(section, "blog_url", report).strip()
    if blog_url and (problem := url_problem(blog_url)) is not None:
        report.problem(("profile", "blog_url"), problem)
        blog_url = ""
    return Profile(brand, signature, tone, blog_url, _audience(section.get("audience", []), known, report))


def _text(section: Mapping[str, Any], key: str, report: Report) -> str:
    value = section.get(key, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        report.problem(("profile", key), f"must be a text of at most {MAX_TEXT} characters")
        return ""
    return value


def _audience(value: object, known: Collection[str], report: Report) -> tuple[Reach, ...]:
    path: tuple[str | int, ...] = ("profile", "audience")
    example = 'a list like [{ platform = "facebook", followers = 1200 }]'
    if not isinstance(value, list):
        report.problem(path, f"must be {example}")
        return ()
    audience: dict[str, Reach] = {}
    for index, item in enumerate(value, start=1):
        if not isinstance(item, dict) or "platform" not in item:
            report.problem(
                path, f'item {index} must be a table like {{ platform = "facebook", followers = 1200 }}'
            )
            continue
        for key in item:
            if key not in AUDIENCE_KEYS:
                report.warn(path, f'item {index}: "{key}" is not something OutageTray knows; it is ignored')
        pid, followers = item["platform"], item.get("followers", 0)
        if not isinstance(pid, str) or pid not in known:
            report.problem(path, f"item {index}: {_unknown_platform(pid, known)}")
        elif pid in audience:
            report.problem(path, f'item {index}: "{pid}" is listed twice')
        elif (
            isinstance(followers, bool)
            or not isinstance(followers, int)
            or not 0 <= followers <= MAX_FOLLOWERS
        ):
            report.problem(path, f"item {index}: followers must be a whole number from 0 (not sure) upwards")
        else:
            audience[pid] = Reach(pid, followers)
    return tuple(audience.values())


def read_channels(
    value: object, known: Collection[str], report: Report, url_problem: UrlCheck
) -> tuple[Channel, ...]:
    """The ``[[channels]]`` tables. Keys this version does not use are warned about and kept."""
    if not isinstance(value, list):
        report.problem(("channels",), "must be written as [[channels]] sections")
        return ()
    channels: list[Channel] = []
    seen: set[str] = set()
    for index, table in enumerate(value):
        if not isinstance(table, dict):
            report.problem(("channels", index), "must be a [[channels]] section")
            continue
        channel = _channel(table, index, known, report, url_problem)
        if channel is None:
            continue
        if channel.id in seen:
            report.problem(("channels", index, "id"), f'channel "{channel.id}" is defined twice')
            continue
        seen.add(channel.id)
        channels.append(channel)
    return tuple(channels)


def _channel(
    table: dict[str, Any], index: int, known: Collection[str], report: Report, url_problem: UrlCheck
) -> Channel | None:
    def problem(key: str, message: str) -> None:
        report.problem(("channels", index, key), message)

    cid, kind = table.get("id"), table.get("type")
    if not isinstance(cid, str) or not PLATFORM_ID.match(cid):
        problem(
            "id",
            f'id must be lower-case letters, digits, "-" or "_", e.g. "newsletter" (found {_short(cid)})',
        )
        return None
    if kind not in CHANNEL_TYPES:
        close = difflib.get_close_matches(str(kind), CHANNEL_TYPES, n=1, cutoff=0.6)
        hint = f' Did you mean "{close[0]}"?' if close else f" Known types: {', '.join(CHANNEL_TYPES)}."
        problem("type", f"{_short(kind)} is not a kind of channel OutageTray knows.{hint}")
        return None
    texts: dict[str, str] = {}
    for key in ("name", "platform", "url"):
        text = table.get(key, "")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            problem(key, f"{key} must be a text")
            return None
        texts[key] = text.strip()
    platform, url = texts["platform"], texts["url"]
    if platform and not PLATFORM_ID.match(platform):
        problem("platform", f'platform must be a platform id such as "instagram" (found {_short(platform)})')
        return None
    if platform and platform not in known and platform not in OWN_PLACES and platform != kind:
        report.warn(("channels", index, "platform"), _unknown_platform(platform, known))
    if url and (bad := url_problem(url)) is not None:
        problem("url", bad)
        return None
    extra = {k: v for k, v in table.items() if k not in CHANNEL_KEYS}
    known_keys = CHANNEL_KEYS + TYPE_KEYS.get(kind, ())
    for key in extra:
        if key in known_keys:
            continue
        if key.lower() in SECRET_KEYS:
            report.warn(
                ("channels", index, key),
                "this is a secret, and a settings file is no place for it: OutageTray does not read it. "
                f"Save it in Settings > Channels (or run: keyring set OutageTray {cid}), "
                "then delete this line",
            )
            continue
        close = difflib.get_close_matches(key, known_keys, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        report.warn(
            ("channels", index, key), f"not used by this version of OutageTray; it is kept as written{hint}"
        )
    return Channel(cid, kind, texts["name"], platform, url, extra)


def _unknown_platform(pid: object, known: Collection[str]) -> str:
    guess = guess_id(pid, known) if isinstance(pid, str) else None
    hint = f' Did you mean "{guess}"?' if guess else ""
    return f"{_short(pid)} is not a platform OutageTray knows.{hint}"


def _short(value: object) -> str:
    """A value as a message may quote it: short, and never failing."""
    try:
        text = repr(value) if not isinstance(value, str) else f'"{value}"'
    except ValueError:
        return "a number far too long"
    return text if len(text) <= 60 else text[:57] + "…"
