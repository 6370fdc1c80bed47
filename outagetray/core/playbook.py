"""What the window's cockpit shows, built once from the log, the settings and the clock.

The window's tabs (Now, Incident, History, Reach) only lay out the values made here
and in core/playbook_history.py (the History tab and the shared time words):
every sentence, every local time, every count and every link is decided in this
module, with no Qt, so each rule is tested with hand-made records and a fixed ``now``,
and the command line or an export can say the same words. The only thing the UI
computes itself is the live count while the user types, and it asks :func:`count_line`.

Times come in as aware UTC datetimes; local wall time exists only in the strings made
here, in the zone the caller passes (the computer's zone in the app, a fixed one in tests).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from outagetray.core import limits
from outagetray.core.catalog import builtin_platforms
from outagetray.core.checklist import Checklist, by_phase, items_for, progress
from outagetray.core.composer import composer_url, server_address
from outagetray.core.downdetector import page_url, site_for
from outagetray.core.drafts import (
    FORMS,
    PHASES,
    ChannelLink,
    DraftLibrary,
    Template,
    facts_for,
    form_for,
    render,
)
from outagetray.core.judge import PlatformStatus
from outagetray.core.model import Platform
from outagetray.core.playbook_history import (
    ChangeLine,
    Fact,
    change_lines,
    duration_text,
    facts,
    incident_title,
    join_names,
    local_time,
)
from outagetray.core.profile import Channel, Profile, profile_done
from outagetray.core.reach import channels_line, reach_by_owner
from outagetray.core.records import Incident

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.settings import Settings

# -- the playbook's context: who the user is and what they have ------------------------------


@dataclass(frozen=True)
class Playbook:
    """What the Incident and Reach tabs draw on besides the incident: settings, drafts, checklist."""

    profile: Profile = field(default_factory=Profile)
    channels: tuple[Channel, ...] = ()
    platforms: Mapping[str, Platform] = field(default_factory=dict)
    watch: tuple[str, ...] = ()
    library: DraftLibrary | None = None
    checklist: Checklist | None = None
    #: The user's country code for Downdetector ("DE"), None for the international site.
    country: str | None = None


def playbook_from(
    settings: Settings, library: DraftLibrary | None, checklist: Checklist | None, country: str | None = None
) -> Playbook:
    """The context from the app's current settings (read again each time the settings change)."""
    if country is None:
        from outagetray.core.downdetector import country_from_locale

        country = country_from_locale()
    return Playbook(
        settings.profile,
        tuple(settings.channels),
        settings.platforms(),
        tuple(settings.watch),
        library,
        checklist,
        country,
    )


# -- drafts --------------------------------------------------------------------------------------

#: The phase selector's words, in the playbook's order.
PHASE_LABELS: Mapping[str, str] = {
    "notice": "We're aware",
    "opportunity": "Make an opportunity",
    "welcome_back": "Welcome back",
    "catch_up": "Catch up",
}
#: When the user has set up no channels: one entry per form, with these names.
FORM_LABELS: Mapping[str, str] = {
    "short": "Short post",
    "long": "Long post",
    "email": "Email",
    "blog": "Blog",
}
#: How a form is counted when no channel says where it goes: a short post that fits X's
#: 280 fits everywhere; the others have no practical limit.
_FORM_COUNT = {"short": "x", "long": "blog", "email": "email", "blog": "blog"}
#: Channel names as people say them, for channels the user left unnamed.
_TYPE_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "facebook_page": "Facebook page",
    "email": "Email list",
    "wordpress": "WordPress blog",
    "ghost": "Ghost blog",
    "blog": "Blog",
    "website": "Website",
}


@dataclass(frozen=True)
class CountLine:
    """The live count under a draft: "212 of 280", or "317 of 280: 37 over" in red."""

    text: str
    over: bool
    problems: tuple[str, ...] = ()


def count_type(channel_type: str) -> str:
    """The type the length counter knows for a channel (an Instagram caption is counted as plain text)."""
    return channel_type if channel_type in limits.CHANNEL_TYPES else "blog"


def count_line(channel_type: str, text: str, *, limit: int | None = None) -> CountLine:
    """What the count label says for ``text`` on this channel type; the editor calls it on each edit.

    ``limit`` is a Mastodon server's own limit once it is known (see :func:`instance_limit`);
    until then, and for every other channel, the counter's own limit holds.
    """
    counted = limits.count(count_type(channel_type), text, limit=limit)
    if counted.limit is None:
        unit = "character" if counted.length == 1 else "characters"
        return CountLine(f"{counted.length:,} {unit}", False, counted.problems)
    words = f"{counted.length:,} of {counted.limit:,}"
    if counted.length > counted.limit:
        return CountLine(f"{words}: {counted.length - counted.limit:,} over", True, counted.problems)
    return CountLine(words, not counted.fits and bool(counted.bytes), counted.problems)


def instance_server(channel_type: str, base_url: str) -> str:
    """The Mastodon server whose own post limit a channel's count uses ("https://host"), else "".

    Servers set their own limit (500 is only the default), so the editor asks the user's
    server once; the address is cut to scheme and host, the same server the composer opens,
    so a profile address and the server's root share one answer.
    """
    if channel_type != "mastodon":
        return ""
    return server_address(base_url) or ""


def instance_limit(client: HttpClient, server: str) -> int | None:
    """The server's own post limit, or None when it cannot tell: the count then uses 500.

    Never raises for a server that is down, slow or odd: the user is writing a post, and
    a count against the default is worth more to them than a message about a server.
    """
    from outagetray.core.http import FetchError

    try:
        return limits.mastodon_instance_limit(client, server)
    except (FetchError, ValueError):
        return None


@dataclass(frozen=True)
class DraftEntry:
    """One draft for one channel (or one form, for a user with no channels yet), ready to show."""

    #: The ``action_taken`` subject: "<template id>@<channel id>", or the template id alone.
    key: str
    phase: str
    label: str
    channel_type: str  # "" for a form entry: nothing to open, only to copy
    #: The type the live count measures with (see :func:`count_line`).
    count_as: str
    template_id: str
    title: str  # the email subject or blog title; "" for posts
    text: str
    count: CountLine
    #: What to look at before sending, in plain words (a placeholder OutageTray does not know...).
    notes: tuple[str, ...]
    #: For "Open composer": the channel's server (Mastodon) and the link to share (Facebook).
    base_url: str = ""
    link: str = ""
    #: Whether the channel has a composer that can be opened with a text; "Copy" only otherwise.
    composable: bool = False
    #: The Mastodon server whose own limit the live count uses (:func:`instance_server`), else "".
    server: str = ""

    def composer(self, text: str) -> str | None:
        """The composer's address for ``text`` (the user's edit, not the template's)."""
        if not self.channel_type:
            return None
        return composer_url(self.channel_type, text, base_url=self.base_url, link=self.link)


def _template(library: DraftLibrary, phase: str, form: str, tone: str) -> Template | None:
    for wanted in (tone, *(t for t in ("friendly", "formal") if t != tone)):
        found = library.templates(phase, form, wanted)
        if found:
            return found[0]
    return None


def _targets(playbook: Playbook) -> list[tuple[str, str, str, str, str, str]]:
    """(key suffix, label, channel type, form, base url, link) per entry in the drafts panel."""
    if not playbook.channels:
        return [("", FORM_LABELS[f], "", f, "", "") for f in FORMS]
    out = []
    for channel in playbook.channels:
        label = channel.name or _TYPE_NAMES.get(channel.type, channel.type)
        link = playbook.profile.blog_url if channel.type == "facebook_page" else ""
        out.append((f"@{channel.id}", label, channel.type, form_for(channel.type), channel.url, link))
    return out


def drafts_for(
    incident: Incident,
    playbook: Playbook,
    statuses: Sequence[PlatformStatus],
    *,
    now: datetime,
    tz: tzinfo | None,
) -> dict[str, tuple[DraftEntry, ...]]:
    """Every phase's drafts for this incident, filled with its facts and the user's channels."""
    library = playbook.library
    if library is None:
        return {phase: () for phase in PHASES}
    platforms = playbook.platforms
    down = [s.platform.id for s in statuses if s.verdict.is_problem]
    failing = [s.platform.owner for s in statuses if s.verdict.is_problem]
    links = [
        ChannelLink(c.name or _TYPE_NAMES.get(c.type, c.type), c.url, c.platform) for c in playbook.channels
    ]
    facts = facts_for(
        incident,
        brand=playbook.profile.brand,
        now=now,
        channels=links,
        down_platforms=down,
        failing_owners=failing,
        owner_of=lambda pid: platforms[pid].owner,
        blog_url=playbook.profile.blog_url,
        signature=playbook.profile.signature,
        tz=tz,
    )
    out: dict[str, tuple[DraftEntry, ...]] = {}
    for phase in PHASES:
        entries = []
        for suffix, label, kind, form, base_url, link in _targets(playbook):
            template = _template(library, phase, form, playbook.profile.tone)
            counted_as = kind or _FORM_COUNT[form]
            if template is None:
                note = f"There is no {FORM_LABELS[form].lower()} draft for this step yet."
                entries.append(
                    DraftEntry(
                        f"{phase}.{form}{suffix}",
                        phase,
                        label,
                        kind,
                        counted_as,
                        "",
                        "",
                        "",
                        count_line(counted_as, ""),
                        (note,),
                        server=instance_server(kind, base_url),
                    )
                )
                continue
            rendered = render(template, facts)
            notes = list(rendered.problems)
            if rendered.title and (warning := limits.subject_warning(rendered.title)) and form == "email":
                notes.append(warning)
            entry = DraftEntry(
                key=f"{template.id}{suffix}",
                phase=phase,
                label=label,
                channel_type=kind,
                count_as=counted_as,
                template_id=template.id,
                title=rendered.title,
                text=rendered.body,
                count=count_line(counted_as, rendered.body),
                notes=tuple(notes),
                base_url=base_url,
                link=link,
                composable=bool(kind) and composer_url(kind, "-", base_url=base_url, link=link) is not None,
                server=instance_server(kind, base_url),
            )
            entries.append(entry)
        out[phase] = tuple(entries)
    return out


# -- checklist ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistRow:
    id: str
    text: str
    detail: str
    #: (words, address) of each link, opened in one click.
    links: tuple[tuple[str, str], ...]
    done: bool


@dataclass(frozen=True)
class ChecklistGroup:
    title: str  # "While it's down"
    rows: tuple[ChecklistRow, ...]


def checklist_for(incident: Incident, playbook: Playbook) -> tuple[tuple[ChecklistGroup, ...], str]:
    """The steps by phase with their ticks, and the progress line ("3 of 9 done")."""
    checklist = playbook.checklist
    if checklist is None:
        return (), ""
    items = items_for(checklist, incident, playbook.platforms, playbook.country)
    ticked = incident.ticked()
    groups = tuple(
        ChecklistGroup(
            phase.title,
            tuple(
                ChecklistRow(
                    i.id, i.text, i.detail, tuple((lk.label, lk.url) for lk in i.links), i.id in ticked
                )
                for i in group
            ),
        )
        for phase, group in by_phase(checklist, items)
    )
    done, total = progress(items, ticked)
    return groups, f"{done} of {total} done"


# -- the Incident tab -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentPage:
    """Everything the Incident tab shows for one incident."""

    incident_id: int
    title: str
    status: str  # "Going on since Tue 1 Dec 16:02" / "Over: lasted 2 h 5 min"
    is_open: bool
    acknowledged: bool
    facts: tuple[Fact, ...]
    changes: tuple[ChangeLine, ...]
    #: Where to reach people now, in one sentence (the playbook's "try other platforms").
    alternatives: str
    #: (words, address) of each affected platform's Downdetector page.
    downdetector: tuple[tuple[str, str], ...]
    #: The phase the drafts panel opens on: the notice while it lasts, the welcome back after.
    phase: str
    drafts: Mapping[str, tuple[DraftEntry, ...]]
    checklist: tuple[ChecklistGroup, ...]
    progress: str
    #: Until the profile is done: why the drafts say "{brand}" and where to fix it.
    setup_hint: str = ""
    drill: bool = False


SETUP_HINT = "Set up your profile so these drafts carry your brand name and point to your other channels."


def _platform(incident: Incident, index: int, platforms: Mapping[str, Platform]) -> Platform:
    pid = incident.platforms[index]
    if pid in platforms:
        return platforms[pid]
    names = incident.names
    name = names[index] if index < len(names) and names[index] else pid
    return Platform(id=pid, name=name, owner=incident.owner)


def incident_page(
    incident: Incident,
    playbook: Playbook | None,
    statuses: Sequence[PlatformStatus],
    *,
    now: datetime,
    tz: tzinfo | None,
) -> IncidentPage:
    """The Incident tab for one incident, from the log's record and the app's current view."""
    playbook = playbook or Playbook()
    # Before the settings arrive, the catalog still names the platforms ("Facebook", not "facebook").
    platforms = dict(playbook.platforms or builtin_platforms())
    platforms.update((s.platform.id, s.platform) for s in statuses)
    affected = [_platform(incident, i, platforms) for i in range(len(incident.platforms))]
    if len(incident.names) != len(incident.platforms):
        # The drafts name platforms as people know them ("Facebook"), never by id.
        incident = replace(incident, names=tuple(p.name for p in affected))
    host = site_for(playbook.country).host
    if incident.is_open:
        status = f"Going on since {local_time(incident.started_at, tz, now=now)}"
    else:
        status = f"Over: it lasted {duration_text(incident.duration_s(now))}"
        if incident.end_uncertain:
            status += " (its end was not watched: see What happened)"
    groups, done = checklist_for(incident, playbook)
    context = replace(playbook, platforms=platforms)
    return IncidentPage(
        incident_id=incident.id,
        title=incident_title(incident, platforms),
        status=status,
        is_open=incident.is_open,
        acknowledged=incident.acknowledged,
        facts=facts(incident, now, tz),
        changes=change_lines(incident, now, tz, platforms),
        alternatives=channels_line(statuses) if statuses else "",
        downdetector=tuple((f"{p.name} on {host}", page_url(p, playbook.country)) for p in affected),
        phase="notice" if incident.is_open else "welcome_back",
        drafts=drafts_for(incident, context, statuses, now=now, tz=tz),
        checklist=groups,
        progress=done,
        setup_hint="" if profile_done(playbook.profile) else SETUP_HINT,
        drill=incident.drill,
    )


# -- Reach ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReachBar:
    owner: str
    share: float
    #: "62% · 12,400 followers on Facebook, Instagram and WhatsApp"
    text: str


@dataclass(frozen=True)
class ReachPage:
    bars: tuple[ReachBar, ...]
    advice: str
    #: True when there is nothing to draw: the tab offers "Set up your profile".
    empty: bool


REACH_EMPTY = (
    "Tell OutageTray roughly how many followers you have on each platform, and it shows how much "
    "of your audience one company's outage would cut off."
)


def reach_page(playbook: Playbook | None) -> ReachPage:
    """How the audience is spread over the companies behind the platforms, and the advice."""
    playbook = playbook or Playbook()
    audience = [(r.platform, r.followers) for r in playbook.profile.audience]
    if not audience:
        return ReachPage((), REACH_EMPTY, True)
    report = reach_by_owner(audience, playbook.platforms)
    bars = tuple(
        ReachBar(
            o.owner,
            o.share,
            f"{round(o.share * 100)}% · {o.followers:,} followers on {join_names(o.platform_names)}",
        )
        for o in report.owners
    )
    advice = (
        report.advice
        or report.hint
        or ("Your audience is spread over several companies: one outage cannot cut you off from all of it.")
    )
    return ReachPage(bars, advice, report.total == 0)
