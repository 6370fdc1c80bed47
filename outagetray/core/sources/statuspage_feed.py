"""Statuspage incident history feeds: ``/history.atom`` and ``/history.rss`` (STATUS-SOURCES.md §3.4).

A history feed has no impact levels and no components, only each incident's
update trail as escaped HTML, newest first; the first ``<strong>`` names the
incident's current state. That makes it a fallback source: an open entry can
say "something is wrong" (degraded) or "maintenance is running", nothing finer.

Instatus publishes a feed at the same path that looks alike but is not (§3.5):
its entries open with ``<strong>Type:</strong>`` and its updates are not reliably
newest first, so reading it with the Statuspage rule would guess. It is refused
as unknown instead.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources._common import (
    ParseError,
    atom_link,
    children,
    clean,
    first_child,
    first_few,
    load_xml,
    local_name,
    raw_child_text,
    safe_url,
    titled_line,
    unknown,
)
from outagetray.core.sources.statuspage import LINK_LIMIT, open_phrase

log = logging.getLogger(__name__)

_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"

#: How much of an entry's HTML is searched for its state. The state sits at the
#: very start; bounding the search keeps a hostile multi-megabyte entry cheap.
_SCAN_LIMIT = 64_000

_STRONG_OPEN = re.compile(r"<strong\b[^<>]*>", re.IGNORECASE)
_STRONG_CLOSE = re.compile(r"</strong\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")

# A scheduled maintenance entry starts with a banner before its update trail:
# <p><strong>THIS IS A SCHEDULED EVENT Jan 16, 12:00 - 16:00 GMT</strong></p>
_BANNER = "this is a scheduled event"

_OPEN = frozenset({"investigating", "identified", "update", "monitoring"})
_MAINTENANCE_ACTIVE = frozenset({"in progress", "verifying"})
# Closed, or a maintenance announced for later: neither means anything is wrong now.
_NOT_NOW = frozenset({"resolved", "postmortem", "completed", "scheduled"})

_INSTATUS_TYPE = re.compile(r"^\s*type:\s*(incident|maintenance)\b", re.IGNORECASE)
# Instatus entry ids: "tag:status.example.com,2005:Maintenance/<id>"; Statuspage's say "Incident/".
_INSTATUS_ID = re.compile(r",\d{4}:Maintenance/")
_INSTATUS_REFUSAL = (
    "this is an Instatus incident history feed, not a Statuspage one; it is not read "
    "because its entries cannot be told apart safely (use the Instatus summary.json instead)"
)


class _InstatusFeed(ParseError):
    """The feed has Instatus's shape, which must be refused rather than guessed at."""


@dataclass(frozen=True)
class _Entry:
    """One feed entry, reduced to what decides the verdict and what is shown."""

    key: str
    title: str
    url: str
    started_at: str
    html: str
    plain: str


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read one Statuspage history feed; never raises, never guesses "operational"."""
    try:
        root = load_xml(body)
        return _read(root)
    except ParseError as exc:
        return unknown(str(exc))


def _read(root: Element) -> Reading:
    if root.tag == _ATOM_FEED:
        kind = "Atom feed"
        title = raw_child_text(root, "title")
        entries = [_atom_entry(child) for child in children(root, "entry")]
    elif local_name(root.tag) == "rss":
        channel = first_child(root, "channel")
        if channel is None:
            raise ParseError("the RSS feed has no channel")
        kind = "RSS feed"
        title = raw_child_text(channel, "title")
        entries = [_rss_item(child) for child in children(channel, "item")]
    elif local_name(root.tag) == "feed":
        raise ParseError("the answer looks like a feed but is not in the Atom namespace")
    else:
        name = clean(local_name(root.tag), 40) or "?"
        raise ParseError(f"the answer is XML but not an Atom or RSS feed (its root is <{name}>)")

    feed_title = clean(title, 120)
    # Statuspage titles its feed "<Page> - Incident History"; Instatus writes "history".
    if feed_title.endswith("- Incident history"):
        raise _InstatusFeed(_INSTATUS_REFUSAL)

    signals: list[Verdict] = [Verdict.OPERATIONAL]
    notes: list[IncidentNote] = []
    not_understood: list[str] = []
    seen: set[str] = set()
    counted = 0
    for entry in entries:
        if entry.key:
            if entry.key in seen:
                continue
            seen.add(entry.key)
        counted += 1
        if _INSTATUS_TYPE.match(entry.plain) or _INSTATUS_ID.search(entry.key):
            raise _InstatusFeed(_INSTATUS_REFUSAL)
        label = _first_state(entry.html)
        if label is not None and label.lower().rstrip().endswith("type:"):
            raise _InstatusFeed(_INSTATUS_REFUSAL)
        verdict = _state_verdict(label)
        if verdict is None:
            continue  # closed, or a maintenance that has not started
        signals.append(verdict)
        if verdict is Verdict.UNKNOWN:
            shown = f'state "{clean(label, 40)}"' if label else "no state"
            not_understood.append(f'entry "{entry.title}" has {shown}')
            continue
        notes.append(
            IncidentNote(
                title=entry.title,
                verdict=verdict,
                status=clean(label, 40),
                url=entry.url,
                started_at=entry.started_at,
            )
        )

    verdict = worst(signals)
    if not_understood:
        log.info("%s %r: not understood: %s", kind, feed_title, "; ".join(not_understood))
    return Reading(
        verdict=verdict,
        summary=_summary(verdict, notes),
        detail=_detail(kind, feed_title, counted, notes, not_understood),
        incidents=tuple(notes),
    )


def _state_verdict(label: str | None) -> Verdict | None:
    """What one entry's current state means; None when it says nothing is wrong now."""
    if label is None:
        return Verdict.UNKNOWN
    word = " ".join(label.lower().split()).rstrip(":")
    if word in _OPEN:
        return Verdict.DEGRADED
    if word in _MAINTENANCE_ACTIVE:
        return Verdict.MAINTENANCE
    if word in _NOT_NOW:
        return None
    return Verdict.UNKNOWN


def _first_state(markup: str) -> str | None:
    """The text of the entry's first ``<strong>`` (after a maintenance banner), or None.

    Searched with plain string scanning over a bounded prefix, so a hostile entry
    (unclosed tags, megabytes of markup) costs linear time, not a regex blow-up.
    """
    text = markup[:_SCAN_LIMIT]
    if "<strong" not in text.lower() and "&lt;strong" in text.lower():
        text = html.unescape(text)  # escaped twice, e.g. escaped HTML inside CDATA
    position = 0
    for _ in range(3):
        opening = _STRONG_OPEN.search(text, position)
        if opening is None:
            return None
        closing = _STRONG_CLOSE.search(text, opening.end())
        if closing is None:
            return None
        inner = _TAG.sub(" ", text[opening.end() : closing.start()])
        label = clean(html.unescape(inner), 80)
        if not label.lower().startswith(_BANNER):
            return label
        position = closing.end()
    return None


def _atom_entry(entry: Element) -> _Entry:
    # Raw text throughout: the HTML must keep its tags until the state has been found in it.
    markup = raw_child_text(entry, "content") or raw_child_text(entry, "summary")
    key = clean(raw_child_text(entry, "id"), 200)
    return _Entry(
        key=key,
        title=_entry_title(raw_child_text(entry, "title"), key),
        url=safe_url(atom_link(entry), LINK_LIMIT),
        started_at=clean(raw_child_text(entry, "published"), 40)
        or clean(raw_child_text(entry, "updated"), 40),
        html=markup,
        plain="",
    )


def _rss_item(item: Element) -> _Entry:
    description = raw_child_text(item, "description")
    encoded = raw_child_text(item, "encoded")  # content:encoded, where feeds that have it put the HTML
    link = safe_url(raw_child_text(item, "link"), LINK_LIMIT)
    key = clean(raw_child_text(item, "guid"), 200) or link
    return _Entry(
        key=key,
        title=_entry_title(raw_child_text(item, "title"), key),
        url=link,
        started_at=clean(raw_child_text(item, "pubDate"), 40),
        html=encoded or description,
        plain=description,
    )


def _entry_title(raw: str, key: str) -> str:
    return clean(raw, 200) or (f"entry {clean(key, 60)}" if key else "untitled entry")


def _summary(verdict: Verdict, notes: list[IncidentNote]) -> str:
    if verdict is Verdict.UNKNOWN:
        return "Status could not be read"
    if verdict is Verdict.OPERATIONAL:
        return "No open incidents"
    relevant = [note for note in notes if note.verdict is verdict] or notes
    if not relevant:
        return verdict.label.capitalize()
    first = relevant[0]
    phrase = open_phrase(first.status)
    return titled_line(phrase, first.title, len(notes) - 1)


def _detail(kind: str, title: str, count: int, notes: list[IncidentNote], odd: list[str]) -> str:
    open_count = sum(1 for note in notes if note.verdict is not Verdict.MAINTENANCE)
    running = len(notes) - open_count
    name = f'"{title}"' if title else "without a title"
    text = f"{kind} {name}: {count} {'entry' if count == 1 else 'entries'}, "
    text += f"{open_count} open {'incident' if open_count == 1 else 'incidents'}"
    if running:
        text += f", {running} {'maintenance' if running == 1 else 'maintenances'} in progress"
    if odd:
        text += "; not understood: " + first_few(odd, 5, "; ", brackets=False)
    return clean(text, 600)
