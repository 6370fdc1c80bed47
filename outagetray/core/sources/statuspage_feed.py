"""Statuspage incident history feeds: ``/history.atom`` and ``/history.rss`` (STATUS-SOURCES.md §3.4).

A history feed has no impact levels and no components, only each incident's
update trail as escaped HTML, newest first; the first ``<strong>`` names the
incident's current state. That makes it a fallback source: an open entry can
say "something is wrong" (degraded) or "maintenance is running", nothing finer.

An entry that opens with the banner "THIS IS A SCHEDULED EVENT <window>" is a planned
maintenance, and every line of its trail (including "Update") is about that maintenance, not
an incident. It counts as maintenance only while it is running: a feed whose newest entries
are next week's maintenances must not read as a problem today. The banner's window decides,
read against the current time, which ``parse`` takes as a parameter so that tests can fix it.
The owner's own words about the present beat the plan: "In progress" or "Verifying" (started
early, or running late) is maintenance and "Completed" (finished early) is done, as in the
JSON reader. When the window cannot be read, the latest state word decides alone.

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
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
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

#: How many ``<strong>`` labels of one entry are read: the newest few are all that matter (an
#: "Update" on a maintenance is read through to the state before it), and the bound keeps a
#: hostile entry cheap.
_LABEL_LIMIT = 40

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
# The states a maintenance's trail uses; "Update" keeps the state it had.
_MAINTENANCE_WORDS = frozenset({"scheduled", "in progress", "verifying", "completed", "update"})

# "THIS IS A SCHEDULED EVENT Jun 18, 04:00 - 06:00 UTC", or with an end on another day:
# "… Dec 31, 23:00 - Jan 1, 02:00 UTC". The text arrives with its <var> tags turned into spaces.
_WINDOW = re.compile(
    r"""this\s+is\s+a\s+scheduled\s+event\s+
    (?P<m1>[a-z]{3,9})\.?\s*(?P<d1>\d{1,2})\s*,?\s*(?P<t1>\d{1,2}:\d{2})\s*(?P<p1>[ap]\.?m\.?)?\s*
    (?:-|–|—|to)\s*
    (?:(?P<m2>[a-z]{3,9})\.?\s*(?P<d2>\d{1,2})\s*,?\s*)?(?P<t2>\d{1,2}:\d{2})\s*(?P<p2>[ap]\.?m\.?)?\s*
    (?P<zone>[a-z]{1,5}|[+-]\d{2}(?::?\d{2})?)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
#: Zone abbreviations a status page prints, in hours from UTC. Ambiguous ones (CST, IST, AST:
#: each names zones hours apart) are left out on purpose: a window in an unknown zone is
#: unreadable, and the state word decides instead of a guess.
_ZONES = {
    "utc": 0, "gmt": 0, "ut": 0, "z": 0, "wet": 0, "west": 1, "bst": 1, "cet": 1, "cest": 2,
    "eet": 2, "eest": 3, "msk": 3, "est": -5, "edt": -4, "cdt": -5, "mst": -7, "mdt": -6,
    "pst": -8, "pdt": -7, "akst": -9, "akdt": -8, "hst": -10, "sast": 2, "jst": 9, "kst": 9,
    "hkt": 8, "sgt": 8, "awst": 8, "acst": 9.5, "acdt": 10.5, "aest": 10, "aedt": 11,
    "nzst": 12, "nzdt": 13,
}  # fmt: skip
#: A banner that reads as a window longer than this is taken as misread, not believed.
_LONGEST_WINDOW = timedelta(days=62)

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
    #: When the feed dates the entry (published, else updated; pubDate in RSS), for the year a
    #: maintenance banner leaves out.
    dated: datetime | None = None


@dataclass(frozen=True)
class _Judged:
    """What one entry means now: None when nothing is going on, the label shown, and why not read."""

    verdict: Verdict | None
    status: str = ""
    odd: str = ""


def parse(
    body: bytes,
    headers: Mapping[str, str],
    options: Mapping[str, str],
    *,
    now: datetime | None = None,
) -> Reading:
    """Read one Statuspage history feed; never raises, never guesses "operational".

    ``now`` (aware, default the current time) is the moment a maintenance window is judged
    against; tests pass a fixed one.
    """
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    try:
        root = load_xml(body)
        return _read(root, moment)
    except ParseError as exc:
        return unknown(str(exc))


def _read(root: Element, now: datetime) -> Reading:
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
        banner, labels = _labels(entry.html)
        label = labels[0] if labels else None
        if label is not None and label.lower().rstrip().endswith("type:"):
            raise _InstatusFeed(_INSTATUS_REFUSAL)
        judged = _maintenance(banner, labels, entry.dated, now) if banner else _incident(label)
        if judged.verdict is None:
            continue  # closed, or a maintenance that is not running now
        signals.append(judged.verdict)
        if judged.verdict is Verdict.UNKNOWN:
            not_understood.append(f'entry "{entry.title}" {judged.odd}')
            continue
        notes.append(
            IncidentNote(
                title=entry.title,
                verdict=judged.verdict,
                status=judged.status,
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


def _word(label: str) -> str:
    return " ".join(label.lower().split()).rstrip(":")


def _incident(label: str | None) -> _Judged:
    """What an incident entry's current state means."""
    if label is None:
        return _Judged(Verdict.UNKNOWN, odd="has no state")
    word = _word(label)
    if word in _OPEN:
        return _Judged(Verdict.DEGRADED, clean(label, 40))
    if word in _MAINTENANCE_ACTIVE:
        return _Judged(Verdict.MAINTENANCE, clean(label, 40))
    if word in _NOT_NOW:
        return _Judged(None)
    return _Judged(Verdict.UNKNOWN, odd=f'has state "{clean(label, 40)}"')


def _maintenance(banner: str, labels: list[str], dated: datetime | None, now: datetime) -> _Judged:
    """What a scheduled-maintenance entry means at ``now``: maintenance only while it runs.

    Its lines never make it an incident, so the worst it can be is maintenance (or unknown,
    for a state no maintenance has).
    """
    word = _word(labels[0]) if labels else None
    if word is not None and word not in _MAINTENANCE_WORDS:
        return _Judged(Verdict.UNKNOWN, odd=f'is a maintenance with state "{clean(labels[0], 40)}"')
    if word == "completed":
        return _Judged(None)
    if word in _MAINTENANCE_ACTIVE:
        return _Judged(Verdict.MAINTENANCE, clean(labels[0], 40))
    window = _window(banner, dated or now)
    if window is not None:
        start, end = window
        return _Judged(Verdict.MAINTENANCE, "In progress") if start <= now < end else _Judged(None)
    # No readable window: the newest state word decides; an "Update" keeps the state before it.
    for label in labels:
        word = _word(label)
        if word == "update":
            continue
        if word in _MAINTENANCE_ACTIVE:
            return _Judged(Verdict.MAINTENANCE, clean(label, 40))
        if word in _MAINTENANCE_WORDS:
            return _Judged(None)
        return _Judged(Verdict.UNKNOWN, odd=f'is a maintenance with state "{clean(label, 40)}"')
    return _Judged(Verdict.UNKNOWN, odd="is a maintenance whose window and state cannot be read")


def _window(banner: str, near: datetime) -> tuple[datetime, datetime] | None:
    """The maintenance window a banner names, in UTC, or None when it cannot be read for sure.

    The banner has no year: the start is put in whichever year brings it closest to ``near``
    (the entry's own date), so a maintenance announced in December for January lands in the
    next year. An end earlier than its start crosses midnight, or the year end.
    """
    match = _WINDOW.fullmatch(banner.strip())
    if match is None:
        return None
    zone = _zone(match["zone"])
    first = _clock(match["t1"], match["p1"])
    last = _clock(match["t2"], match["p2"])
    month = _MONTHS.get(match["m1"][:3].lower())
    if zone is None or first is None or last is None or month is None:
        return None
    day = int(match["d1"])
    starts = [
        s for year in (near.year - 1, near.year, near.year + 1) if (s := _at(year, month, day, first, zone))
    ]
    if not starts:
        return None
    start = min(starts, key=lambda candidate: abs(candidate - near))
    if match["m2"]:
        end_month = _MONTHS.get(match["m2"][:3].lower())
        if end_month is None:
            return None
        local_year = start.astimezone(zone).year
        end = _at(local_year, end_month, int(match["d2"]), last, zone)
        if end is not None and end <= start:
            end = _at(local_year + 1, end_month, int(match["d2"]), last, zone)
    else:
        local = start.astimezone(zone)
        end = _at(local.year, local.month, local.day, last, zone)
        if end is not None and end <= start:
            end += timedelta(days=1)  # "23:00 - 02:00": over midnight
    if end is None or not timedelta(0) < end - start <= _LONGEST_WINDOW:
        return None
    return start, end


def _clock(text: str, half: str | None) -> tuple[int, int] | None:
    """Hours and minutes of "16:00" or "4:00 PM"; None for a time that does not exist."""
    hours, minutes = (int(part) for part in text.split(":"))
    if half:
        if not 1 <= hours <= 12:
            return None
        hours = hours % 12 + (12 if half.lower().startswith("p") else 0)
    if hours > 23 or minutes > 59:
        return None
    return hours, minutes


def _at(year: int, month: int, day: int, clock: tuple[int, int], zone: timezone) -> datetime | None:
    try:
        return datetime(year, month, day, *clock, tzinfo=zone).astimezone(UTC)
    except ValueError:
        return None  # Feb 30, or Feb 29 in a year without one


def _zone(text: str) -> timezone | None:
    """A zone as a status page prints it: "UTC", "PDT", or an offset such as "+05:30"."""
    if text[0] in "+-":
        digits = text[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 14 or minutes > 59:
            return None
        sign = -1 if text[0] == "-" else 1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    hours_off = _ZONES.get(text.lower())
    return None if hours_off is None else timezone(timedelta(hours=hours_off))


def _labels(markup: str) -> tuple[str, list[str]]:
    """The entry's maintenance banner ("" if none) and its state labels, newest first.

    The banner counts only as the entry's first ``<strong>``. Searched with plain scanning
    over a bounded prefix, so a hostile entry (unclosed tags, megabytes of markup) costs
    linear time, not a regex blow-up.
    """
    text = markup[:_SCAN_LIMIT]
    if "<strong" not in text.lower() and "&lt;strong" in text.lower():
        text = html.unescape(text)  # escaped twice, e.g. escaped HTML inside CDATA
    banner = ""
    labels: list[str] = []
    position = 0
    while len(labels) < _LABEL_LIMIT:
        opening = _STRONG_OPEN.search(text, position)
        if opening is None:
            break
        closing = _STRONG_CLOSE.search(text, opening.end())
        if closing is None:
            break
        inner = clean(html.unescape(_TAG.sub(" ", text[opening.end() : closing.start()])), 200)
        position = closing.end()
        if inner.lower().startswith(_BANNER):
            if not banner and not labels:
                banner = inner
            continue  # a repeated banner is not a state either
        labels.append(clean(inner, 80))
    return banner, labels


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
        dated=_iso(raw_child_text(entry, "published")) or _iso(raw_child_text(entry, "updated")),
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
        dated=_rfc822(raw_child_text(item, "pubDate")),
    )


def _iso(text: str) -> datetime | None:
    """An Atom date (RFC 3339) in UTC; None when missing or unreadable."""
    value = text.strip()
    if not value or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _rfc822(text: str) -> datetime | None:
    """An RSS date ("Tue, 16 Jan 2024 12:00:00 +0000") in UTC; None when missing or unreadable."""
    value = text.strip()
    if not value or len(value) > 60:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


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
