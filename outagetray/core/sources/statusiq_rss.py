"""Zoho Site24x7 StatusIQ's RSS feed: a snapshot with one item per component.

Automattic's shared page (automatticstatus.com/rss, STATUS-SOURCES.md §3.4) is the known user.
The feed is not a log: each item's title is the component's *current* state,
``"{component} - {status}"``, and ``pubDate`` is its last change. The page mixes ~34
products (WordPress.com next to Tumblr and WooCommerce), so the ``component_prefix`` option
narrows the reading to the product the user cares about; without that filter a Tumblr outage
would be reported as a WordPress.com problem.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources._common import (
    SUMMARY_LIMIT,
    ParseError,
    child_text,
    children,
    clean,
    first_child,
    first_few,
    load_xml,
    local_name,
    raw_child_text,
    safe_url,
    unknown,
)

#: How many components the detail names per list before it only counts them.
_MAX_NAMED = 5

#: The separator between component and status. Component names may contain it themselves,
#: so the title is split on its *last* occurrence.
_SEPARATOR = " - "

#: StatusIQ's six states as its feed titles spell them, lower-cased. "Informational" is a notice
#: on a working component, hence operational (and mentioned to the user).
_STATUSES: dict[str, Verdict] = {
    "operational": Verdict.OPERATIONAL,
    "informational": Verdict.OPERATIONAL,
    "degraded performance": Verdict.DEGRADED,
    "partial outage": Verdict.PARTIAL_OUTAGE,
    "major outage": Verdict.MAJOR_OUTAGE,
    "under maintenance": Verdict.MAINTENANCE,
}

#: How a problem verdict opens the summary ("Partial outage on Tumblr Dashboard").
_PHRASES: dict[Verdict, str] = {
    Verdict.MAINTENANCE: "Maintenance under way",
    Verdict.DEGRADED: "Degraded performance",
    Verdict.PARTIAL_OUTAGE: "Partial outage",
    Verdict.MAJOR_OUTAGE: "Major outage",
}


@dataclass(frozen=True)
class _Component:
    """One feed item read as a component state."""

    name: str
    status: str
    verdict: Verdict
    url: str
    changed_at: str

    @property
    def informational(self) -> bool:
        return self.status.lower() == "informational"


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read the snapshot; ``options["component_prefix"]`` keeps only components whose name starts so."""
    try:
        items = _items(load_xml(body))
    except ParseError as exc:
        return unknown(str(exc))
    if not items:
        return unknown("the status feed lists no components, which says nothing about their health")

    prefix = clean(options.get("component_prefix", ""), 80)
    components = [_component(item) for item in items]
    if prefix:
        components = [c for c in components if c.name.lower().startswith(prefix.lower())]
        if not components:
            message = f"The status page no longer lists {prefix}"
            return Reading(
                Verdict.UNKNOWN,
                clean(message, SUMMARY_LIMIT),
                detail=f"no component name starts with '{prefix}' among the {len(items)} listed",
            )

    verdict = worst(c.verdict for c in components)
    problems = sorted(
        (c for c in components if c.verdict.severity > Verdict.OPERATIONAL.severity),
        key=lambda c: -c.verdict.severity,
    )
    notices = [c for c in components if c.informational]
    unreadable = [c for c in components if c.verdict is Verdict.UNKNOWN]

    detail = f"RSS snapshot: {len(items)} component{'' if len(items) == 1 else 's'}"
    if prefix:
        detail += f", {len(components)} starting with '{prefix}'"
    if unreadable:
        odd = (
            f"{c.name} = {c.status!r}" if c.status else f"{c.name} (no status in its title)"
            for c in unreadable
        )
        detail += "; not understood: " + first_few(odd, _MAX_NAMED)
    if notices:
        detail += "; informational notice on " + first_few((c.name for c in notices), _MAX_NAMED)

    incidents = tuple(
        IncidentNote(
            title=f"{c.name} - {c.status}",
            verdict=c.verdict,
            status=c.status,
            url=c.url,
            started_at=c.changed_at,
        )
        for c in [*problems, *notices]
    )
    summary = _summary(verdict, components, problems, notices, prefix)
    return Reading(
        verdict,
        clean(summary, SUMMARY_LIMIT),
        affected=tuple(c.name for c in problems),
        detail=detail,
        incidents=incidents,
    )


def _items(root: Element) -> list[Element]:
    """The channel's items; ParseError unless this is an RSS document with a channel."""
    if local_name(root.tag) != "rss":
        raise ParseError(
            f"the answer is XML but not an RSS feed (its root is <{clean(local_name(root.tag), 40)}>)"
        )
    channel = first_child(root, "channel")
    if channel is None:
        raise ParseError("the RSS feed has no <channel>, so it cannot be read")
    return children(channel, "item")


def _component(item: Element) -> _Component:
    """One item as a component; a title that does not split into name and status is unknown."""
    title = _full_title(item)
    url = safe_url(child_text(item, "link"))
    changed_at = child_text(item, "pubDate")
    cut = title.rfind(_SEPARATOR)
    name = clean(title[:cut]) if cut > 0 else ""
    status = clean(title[cut + len(_SEPARATOR) :], 60) if cut > 0 else ""
    if not name or not status:
        # The whole title stands in for the name, so that a prefix filter can still tell whether
        # this unreadable item belongs to the product being watched.
        return _Component(clean(title) or "an untitled item", "", Verdict.UNKNOWN, url, changed_at)
    return _Component(name, status, _STATUSES.get(status.lower(), Verdict.UNKNOWN), url, changed_at)


def _full_title(item: Element) -> str:
    """The item's title tidied but not shortened: the status sits at its very end.

    ``child_text`` caps text at ``MAX_TEXT``, which would cut the status off an overlong title and
    turn a real outage into "unknown"; the parts are shortened only after the split.
    """
    text = raw_child_text(item, "title")
    return clean(text, len(text) + 1)


def _summary(
    verdict: Verdict,
    components: list[_Component],
    problems: list[_Component],
    notices: list[_Component],
    prefix: str,
) -> str:
    if verdict is Verdict.OPERATIONAL:
        if len(components) == 1:
            line = f"{components[0].name} is operational"
        else:
            line = f"All {len(components)} {prefix + ' ' if prefix else ''}components are operational"
        if notices:
            line += f" ({len(notices)} informational notice{'s' if len(notices) > 1 else ''})"
        return line
    if verdict is Verdict.UNKNOWN:
        return "The status page shows a component state OutageTray does not understand"
    phrase = _PHRASES.get(verdict, verdict.label.capitalize())
    more = len(problems) - 1
    line = f"{phrase} on {problems[0].name}"
    return line + (f" and {more} more component{'s' if more > 1 else ''}" if more > 0 else "")
