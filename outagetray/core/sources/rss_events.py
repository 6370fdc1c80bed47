"""A feed (RSS 2.0 or Atom) that lists only the events open right now.

Meta's ``outage-events-feed-{org}.rss`` is such a feed (STATUS-SOURCES.md §3.3): it is empty
while all is well and carries one item per open event, with no severity vocabulary. So here,
unlike a history feed, an empty feed is a real "all clear" and any item means "degraded".
That makes it essential to tell an empty *feed* from something that merely is not a feed
(metastatus.com answers unknown paths with its HTML app shell and status 200): only a
well-formed ``<rss><channel>`` or Atom ``<feed>`` may ever read as operational.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element

from outagetray.core.model import IncidentNote, Reading, Verdict
from outagetray.core.sources._common import (
    SUMMARY_LIMIT,
    ParseError,
    atom_link,
    child_text,
    children,
    clean,
    first_child,
    load_xml,
    local_name,
    safe_url,
    unknown,
    url_host,
)

#: Notes kept per reading. The count in the summary stays exact; this only bounds what a
#: runaway feed can make the app hold and show.
MAX_NOTES = 50

#: Feed fields that may carry when an event started, best first (RSS, then Atom, then Dublin Core).
_DATE_FIELDS = ("pubDate", "published", "updated", "date")


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read a feed of open events: no items is operational, each item is a degraded event."""
    try:
        root = load_xml(body)
        kind, container, entries = _feed_parts(root)
    except ParseError as exc:
        return unknown(str(exc))

    publisher = _publisher(container)
    feed_title = child_text(container, "title")
    notes = [_note(entry, kind) for entry in entries[:MAX_NOTES]]
    count = len(entries)
    named = f" '{clean(feed_title, 80)}'" if feed_title else ""
    detail = f"{kind} feed{named}: {count} open event{'' if count == 1 else 's'}"

    if count == 0:
        return Reading(
            Verdict.OPERATIONAL, clean(f"{publisher} reports no open issues", SUMMARY_LIMIT), detail=detail
        )
    first = notes[0].title
    if count == 1:
        summary = f"{publisher} reports an open issue: {first}"
    else:
        summary = f"{publisher} reports {count} open issues, including: {first}"
    return Reading(Verdict.DEGRADED, clean(summary, SUMMARY_LIMIT), detail=detail, incidents=tuple(notes))


def _feed_parts(root: Element) -> tuple[str, Element, list[Element]]:
    """The feed kind, the element holding its metadata, and its entries; ParseError if not a feed."""
    name = local_name(root.tag)
    if name == "rss":
        channel = first_child(root, "channel")
        if channel is None:
            raise ParseError("the RSS feed has no <channel>, so it cannot be read")
        return "RSS", channel, children(channel, "item")
    if name == "feed":
        return "Atom", root, children(root, "entry")
    raise ParseError(f"the answer is XML but not a feed (its root is <{clean(name, 40) or '?'}>)")


def _note(entry: Element, kind: str) -> IncidentNote:
    title = child_text(entry, "title") or "an event without a title"
    # Atom puts the entry's page in an ``href`` attribute of a ``rel="alternate"`` link.
    link = child_text(entry, "link") if kind == "RSS" else clean(atom_link(entry))
    started = next((text for field in _DATE_FIELDS if (text := child_text(entry, field))), "")
    return IncidentNote(
        title=title, verdict=Verdict.DEGRADED, status="open", url=safe_url(link), started_at=started
    )


def _publisher(container: Element) -> str:
    """Who to credit in the summary: "Meta" only when the feed itself points at metastatus.com.

    The format is generic, so a feed from anyone else is credited to "The status page" rather
    than to a company it does not come from.
    """
    for child in children(container, "link"):
        for url in (clean("".join(child.itertext())), clean(child.get("href"))):
            host = url_host(url)
            if host == "metastatus.com" or host.endswith(".metastatus.com"):
                return "Meta"
    return "The status page"
