"""Google status dashboards' ``incidents.json`` (Workspace, Cloud and Ads share the schema).

The root is an array of every incident of the last years, so the work here is mostly *not*
counting: an incident is open only while its ``end`` is missing, null or empty, and with the
``product`` option only incidents naming that product count. Both rules exist because the
feed's history is large and shared: without them a Drive outage from last spring, or one open
right now, would turn Gmail red.

Options:

``product``
    Case-insensitive product to watch (``Gmail``), matched exactly against
    ``affected_products[].title``, ``affected_products[].id`` and ``service_name``. Exact rather
    than substring so that "Chat" does not also match "Google Chat API". Without it every open
    incident counts.
``base_url``
    Where the feed's relative ``uri`` values (``incidents/abc``) live, e.g.
    ``https://www.google.com/appsstatus/dashboard/``. A ``url`` option (the feed's own address)
    works too: relative links resolve against it the way a browser would. With neither, the link
    is kept relative as the feed gives it, so the caller can still resolve it; the registry does
    not pass either key today.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urljoin

from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources._common import (
    SUMMARY_LIMIT,
    URL_LIMIT,
    ParseError,
    add_affected,
    as_list,
    clean,
    describe_json,
    enum_word,
    load_json,
    problem_line,
    safe_url,
    unknown,
    worst_first,
)

log = logging.getLogger(__name__)

#: Impact words. SERVICE_INFORMATION is Google telling people about something (often a change
#: or a known limitation), not reporting damage, so it is shown but counts as operational.
#: AVAILABLE appears in update statuses once a service has recovered.
_IMPACTS = {
    "SERVICE_OUTAGE": (Verdict.MAJOR_OUTAGE, "Service outage"),
    "SERVICE_DISRUPTION": (Verdict.PARTIAL_OUTAGE, "Service disruption"),
    "SERVICE_INFORMATION": (Verdict.OPERATIONAL, "Information"),
    "AVAILABLE": (Verdict.OPERATIONAL, "Available"),
}

_UNCLEAR = "Status unclear: Google's status page says something OutageTray does not recognise"
_MARKUP = re.compile(r"\*\*|__|`|^\s*#+\s*|^\s*[-*]\s+")
_LABEL = re.compile(r"^(summary|description|title)\s*:?\s*", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read a Google incidents feed; never raises, never guesses "operational"."""
    try:
        return _read(load_json(body), options)
    except ParseError as exc:
        return unknown(str(exc))


def _read(data: object, options: Mapping[str, str]) -> Reading:
    """Count the open incidents that concern the watched product; history never counts.

    A valid, non-empty feed is itself the "operational" signal: Google writes nothing for a quiet
    day, so silence in a feed that does list past incidents is good news. An *empty* array is
    refused instead, because the real feeds keep years of history and "[]" proves nothing.
    """
    if not isinstance(data, list):
        raise ParseError("the answer is not Google's list of incidents")
    if not data:
        raise ParseError("the answer lists no incidents at all, not even past ones")

    product = _wanted(options.get("product"))
    base = _base(options)
    signals: list[Verdict] = [Verdict.OPERATIONAL]
    unclear: list[str] = []
    notes: list[IncidentNote] = []
    affected: dict[str, int] = {}
    product_title = ""
    seen = False

    for item in data:
        if not isinstance(item, dict):
            signals.append(Verdict.UNKNOWN)
            unclear.append(f"an entry is {describe_json(item)} instead of an incident")
            continue
        names, titles = _products(item)
        if product is not None and product in names:
            seen = True
            product_title = product_title or next((t for t in titles if t.casefold() == product), "")
        state = _open_state(item.get("end"))
        if state == "closed":
            continue
        if product is not None and not names:
            signals.append(Verdict.UNKNOWN)
            unclear.append(f"incident {_title(item)!r} may be open but names no product")
            continue
        if product is not None and product not in names:
            continue
        if state == "unreadable":
            signals.append(Verdict.UNKNOWN)
            unclear.append(f"incident {_title(item)!r} has an end time of {describe_json(item.get('end'))}")
            continue
        note, problem = _note(item, base)
        notes.append(note)
        if problem:
            unclear.append(problem)
        if note.verdict.is_problem:
            for title in titles:
                add_affected(affected, title, note.verdict)

    verdict = worst([*signals, *(note.verdict for note in notes)])
    # Worst-hit products first, so an outage's products lead the summary.
    ordered = worst_first(affected)
    subject = product_title or (clean(options.get("product"), 60) if product is not None else "")
    if unclear:
        log.info("Google incidents: %s", "; ".join(unclear))
    return Reading(
        verdict=verdict,
        summary=_summary(verdict, subject, ordered, notes),
        affected=tuple(ordered),
        detail=_detail(len(data), subject, product is not None and not seen, notes, unclear),
        incidents=tuple(notes),
    )


def _note(item: dict[str, Any], base: str) -> tuple[IncidentNote, str]:
    """One open incident as a note, plus what was not understood about it."""
    raw = item.get("status_impact")
    if raw is None or raw == "":
        latest = item.get("most_recent_update")
        raw = latest.get("status") if isinstance(latest, dict) else None
    word = enum_word(raw, upper=True)
    verdict, label = _IMPACTS.get(word or "", (Verdict.UNKNOWN, ""))
    title = _title(item)
    problem = "" if label else f"incident {title!r} has impact {describe_json(raw)}"
    note = IncidentNote(
        title=title,
        verdict=verdict,
        status=label or clean(raw, 40),
        url=_link(item.get("uri"), base),
        started_at=clean(item.get("begin"), 40),
    )
    return note, problem


def _open_state(end: object) -> str:
    """ "open", "closed" or "unreadable": all three empty spellings of ``end`` occur in the wild."""
    if end is None or (isinstance(end, str) and not end.strip()):
        return "open"
    return "closed" if isinstance(end, str) else "unreadable"


def _products(item: dict[str, Any]) -> tuple[set[str], list[str]]:
    """Names to match the ``product`` option against, and titles to show as affected."""
    names: set[str] = set()
    titles: list[str] = []
    for product in as_list(item.get("affected_products")):
        if not isinstance(product, dict):
            continue
        title = clean(product.get("title"), 80)
        ident = clean(product.get("id"), 80)
        names.update(n.casefold() for n in (title, ident) if n)
        if title and title not in titles:
            titles.append(title)
    service = clean(item.get("service_name"), 80)
    if service:
        names.add(service.casefold())
        if not titles:
            titles.append(service)
    return names, titles


def _title(item: dict[str, Any]) -> str:
    """The first line of the description: the rest is Markdown-ish detail for a web page."""
    latest = item.get("most_recent_update")
    return (
        _first_line(item.get("external_desc"))
        or _first_line(latest.get("text") if isinstance(latest, dict) else None)
        or clean(item.get("service_name"), 80)
        or "Untitled incident"
    )


def _first_line(value: object) -> str:
    """First meaningful line, without Markdown markers or a bare "Summary:" heading."""
    if not isinstance(value, str):
        return ""
    for line in value.splitlines():
        text = clean(_LABEL.sub("", clean(_MARKUP.sub("", line))))
        if text:
            return text
    return ""


def _wanted(value: object) -> str | None:
    text = clean(value, 200)
    return text.casefold() if text else None


def _base(options: Mapping[str, str]) -> str:
    """Where relative links resolve: ``base_url`` names a folder, ``url`` the feed document."""
    base_url = safe_url(options.get("base_url"))
    if base_url:
        path = base_url.split("?", 1)[0].rsplit("/", 1)[-1]
        return base_url if base_url.endswith("/") or "." in path else base_url + "/"
    return safe_url(options.get("url"))


def _link(uri: object, base: str) -> str:
    """An absolute http(s) link when it can be made, the relative path as given otherwise.

    Scheme-relative (``//host``) and non-web schemes are dropped: joining them onto the base
    would let the feed point the user at any host or at ``javascript:``.
    """
    text = clean(uri, URL_LIMIT + 1)
    if not text or len(text) > URL_LIMIT or " " in text:
        return ""
    if text.lower().startswith(("https://", "http://")):
        return safe_url(text)
    if _SCHEME.match(text) or text.startswith(("//", "\\")):
        return ""
    return safe_url(urljoin(base, text)) if base else text


def _summary(verdict: Verdict, subject: str, affected: Sequence[str], notes: Sequence[IncidentNote]) -> str:
    if verdict is Verdict.UNKNOWN:
        return _UNCLEAR
    if verdict is Verdict.OPERATIONAL:
        line = f"No problems reported for {subject}" if subject else "All systems operational"
        info = [n.title for n in notes if n.verdict is Verdict.OPERATIONAL]
        if len(info) == 1:
            room = SUMMARY_LIMIT - len(line) - len(" (notice: )")
            if room >= 16:
                return f"{line} (notice: {clean(info[0], room)})"
        elif info:
            return clean(f"{line} ({len(info)} notices)", SUMMARY_LIMIT)
        return clean(line, SUMMARY_LIMIT)
    ranked = sorted((n for n in notes if n.verdict.is_problem), key=lambda n: -n.verdict.severity)
    return problem_line(verdict, affected, [n.title for n in ranked])


def _detail(
    total: int, subject: str, never_seen: bool, notes: Sequence[IncidentNote], unclear: Sequence[str]
) -> str:
    scope = f" concerning {subject}" if subject else ""
    problems = sum(1 for n in notes if n.verdict.is_problem)
    info = sum(1 for n in notes if n.verdict is Verdict.OPERATIONAL)
    text = (
        f"Google's feed lists {total} incident(s), open and past; "
        f"{problems} open problem(s){scope} and {info} open notice(s) counted."
    )
    if never_seen:
        text += f" No incident in the feed ever mentions {subject!r}; check the product name."
    if unclear:
        text += " Not understood: " + "; ".join(unclear) + "."
    return text
