"""Instatus public pages' ``/summary.json``.

The page-level word (UP, HASISSUES, UNDERMAINTENANCE) is Instatus's own rollup; the active
incidents say how bad "has issues" is. Both are read and the worst wins, because either can lag
the other while a page is being edited. ``activeIncidents`` and ``activeMaintenances`` are left
out or null on quiet pages, so absence means "none", while a value of the wrong type means the
document is not what it claims and is read as unknown.

The summary names no components, so readings from this format have no ``affected`` names: the
incident titles carry that information instead.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources._common import ParseError, clean, load_json_object, unknown

log = logging.getLogger(__name__)

#: HASISSUES is at least degraded on its own: Instatus says something is wrong even when the
#: incidents it lists are marked OPERATIONAL or are missing.
_PAGE = {
    "UP": Verdict.OPERATIONAL,
    "UNDERMAINTENANCE": Verdict.MAINTENANCE,
    "HASISSUES": Verdict.DEGRADED,
}

#: Instatus ranks MINOROUTAGE above PARTIALOUTAGE in its own rollup, but a "minor" outage reads
#: as a nuisance to a person, so it maps to degraded, as DEGRADEDPERFORMANCE does.
_IMPACT = {
    "OPERATIONAL": Verdict.OPERATIONAL,
    "UNDERMAINTENANCE": Verdict.MAINTENANCE,
    "DEGRADEDPERFORMANCE": Verdict.DEGRADED,
    "MINOROUTAGE": Verdict.DEGRADED,
    "PARTIALOUTAGE": Verdict.PARTIAL_OUTAGE,
    "MAJOROUTAGE": Verdict.MAJOR_OUTAGE,
}

_INCIDENT_OPEN = frozenset({"INVESTIGATING", "IDENTIFIED", "MONITORING"})
_INCIDENT_CLOSED = frozenset({"RESOLVED"})
_MAINTENANCE_NOW = frozenset({"INPROGRESS"})
_MAINTENANCE_NOT_NOW = frozenset({"NOTSTARTEDYET", "COMPLETED"})

_SUMMARY_LIMIT = 120
_URL_LIMIT = 2048
_UNCLEAR = "Status unclear: the status page says something OutageTray does not recognise"


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read an Instatus summary; never raises, never guesses "operational"."""
    try:
        return _read(load_json_object(body))
    except ParseError as exc:
        return unknown(str(exc))


def _read(data: dict[str, Any]) -> Reading:
    page = data.get("page")
    if not isinstance(page, dict) and "activeIncidents" not in data and "activeMaintenances" not in data:
        raise ParseError("the answer is not an Instatus summary (it has no page status)")

    signals: list[Verdict] = []
    unclear: list[str] = []
    raw_status = page.get("status") if isinstance(page, dict) else None
    page_verdict = _PAGE.get(_word(raw_status) or "", Verdict.UNKNOWN)
    signals.append(page_verdict)
    if page_verdict is Verdict.UNKNOWN:
        unclear.append(f"the page status is {_shown(raw_status)}")

    notes: list[IncidentNote] = []
    ignored = 0
    incidents, problem = _list(data, "activeIncidents")
    maintenances, problem2 = _list(data, "activeMaintenances")
    for problem_text in (problem, problem2):
        if problem_text:
            signals.append(Verdict.UNKNOWN)
            unclear.append(problem_text)

    for item in incidents:
        note, problem_text = _incident(item)
        if note is None:
            ignored += 1
            continue
        notes.append(note)
        if problem_text:
            unclear.append(problem_text)
    for item in maintenances:
        note, problem_text = _maintenance(item)
        if note is None:
            ignored += 1
            continue
        notes.append(note)
        if problem_text:
            unclear.append(problem_text)

    verdict = worst([*signals, *(note.verdict for note in notes)])
    if unclear:
        log.info("Instatus summary: %s", "; ".join(unclear))
    name = clean(page.get("name"), 80) if isinstance(page, dict) else ""
    return Reading(
        verdict=verdict,
        summary=_summary(verdict, notes),
        detail=_detail(name, raw_status, notes, ignored, unclear),
        incidents=tuple(notes),
    )


def _list(data: dict[str, Any], key: str) -> tuple[list[Any], str]:
    """A list that quiet pages leave out or set to null; any other type is a warning sign."""
    value = data.get(key)
    if value is None:
        return [], ""
    if isinstance(value, list):
        return value, ""
    return [], f"{key} is {_shown(value)} instead of a list"


def _incident(item: object) -> tuple[IncidentNote | None, str]:
    """An active incident; ``None`` when it is resolved and so no longer counts."""
    if not isinstance(item, dict):
        return IncidentNote(
            "Unreadable incident entry", Verdict.UNKNOWN
        ), "an incident entry is not an object"
    status = _word(item.get("status"))
    if status in _INCIDENT_CLOSED:
        return None, ""
    title = clean(item.get("name")) or "Untitled incident"
    problem = ""
    if status not in _INCIDENT_OPEN:
        verdict = Verdict.UNKNOWN
        problem = f"incident {title!r} has status {_shown(item.get('status'))}"
    else:
        verdict = _IMPACT.get(_word(item.get("impact")) or "", Verdict.UNKNOWN)
        if verdict is Verdict.UNKNOWN:
            problem = f"incident {title!r} has impact {_shown(item.get('impact'))}"
    note = IncidentNote(
        title=title,
        verdict=verdict,
        status=clean(item.get("status"), 40).capitalize(),
        url=_safe_url(item.get("url")),
        started_at=clean(item.get("started"), 60),
    )
    return note, problem


def _maintenance(item: object) -> tuple[IncidentNote | None, str]:
    """A maintenance; only one in progress counts, a planned or finished one is not news."""
    if not isinstance(item, dict):
        return IncidentNote(
            "Unreadable maintenance entry", Verdict.UNKNOWN
        ), "a maintenance entry is not an object"
    status = _word(item.get("status"))
    if status in _MAINTENANCE_NOT_NOW:
        return None, ""
    title = clean(item.get("name")) or "Untitled maintenance"
    if status in _MAINTENANCE_NOW:
        verdict, problem = Verdict.MAINTENANCE, ""
        planned = _duration(item.get("duration"))
        label = f"In progress ({planned} planned)" if planned else "In progress"
    else:
        verdict = Verdict.UNKNOWN
        problem = f"maintenance {title!r} has status {_shown(item.get('status'))}"
        label = clean(item.get("status"), 40).capitalize()
    note = IncidentNote(
        title=title,
        verdict=verdict,
        status=label,
        url=_safe_url(item.get("url")),
        started_at=clean(item.get("start"), 60),
    )
    return note, problem


def _duration(value: object) -> str:
    """Planned length in minutes, which Instatus sends as a string or a number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return ""
    try:
        minutes = float(value.strip()) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):
        return ""
    if not math.isfinite(minutes) or not 0 < minutes <= 525_600:
        return ""
    whole = round(minutes)
    if whole >= 120 and whole % 60 == 0:
        return f"{whole // 60} hours"
    return f"{whole} min"


def _summary(verdict: Verdict, notes: Sequence[IncidentNote]) -> str:
    if verdict is Verdict.OPERATIONAL:
        return "All systems operational"
    if verdict is Verdict.UNKNOWN:
        return _UNCLEAR
    # Every understood item may explain the verdict, even an OPERATIONAL-impact incident on a
    # page that HASISSUES: its title is the only words Instatus gives about the problem.
    ranked = sorted((n for n in notes if n.verdict is not Verdict.UNKNOWN), key=lambda n: -n.verdict.severity)
    return _problem_line(verdict, (), [n.title for n in ranked])


def _detail(
    name: str, status: object, notes: Sequence[IncidentNote], ignored: int, unclear: Sequence[str]
) -> str:
    page = f"Instatus page {name!r}" if name else "The Instatus page"
    incidents = sum(
        1 for n in notes if n.verdict is not Verdict.UNKNOWN and n.verdict is not Verdict.MAINTENANCE
    )
    maintenances = sum(1 for n in notes if n.verdict is Verdict.MAINTENANCE)
    text = (
        f"{page} says {_shown(status)}; {incidents} active incident(s) and "
        f"{maintenances} maintenance(s) in progress counted"
    )
    if ignored:
        text += f"; {ignored} resolved, planned or finished item(s) ignored"
    text += "."
    if unclear:
        text += " Not understood: " + "; ".join(unclear) + "."
    return text


# Private helpers. The summary wording below is shared in spirit by every status format;
# it lives here privately because this module may not add to ``_common``.

_PREFIXES = {
    Verdict.MAJOR_OUTAGE: ("Outage", "Outage reported"),
    Verdict.PARTIAL_OUTAGE: ("Partial outage", "Partial outage reported"),
    Verdict.DEGRADED: ("Problems", "Problems reported"),
    Verdict.MAINTENANCE: ("Maintenance", "Maintenance in progress"),
}


def _problem_line(verdict: Verdict, affected: Sequence[str], titles: Sequence[str]) -> str:
    """Damage first, the vendor's words second, so that truncation only ever eats the latter."""
    with_names, alone = _PREFIXES.get(verdict, ("Status", "Status unclear"))
    if affected:
        names = ", ".join(affected[:3])
        if len(affected) > 3:
            names += f" and {len(affected) - 3} more"
        head = f"{with_names}: {names}"
    else:
        head = alone
    head = clean(head, _SUMMARY_LIMIT)
    if not titles:
        return head
    tail = f" (+{len(titles) - 1} more)" if len(titles) > 1 else ""
    room = _SUMMARY_LIMIT - len(head) - len(" — ") - len(tail)
    if room < 16:
        return head
    return f"{head} — {clean(titles[0], room)}{tail}"


def _word(value: object) -> str | None:
    """An enum value compared without regard to case or stray spaces; None when not a string."""
    return value.strip().upper() if isinstance(value, str) else None


def _shown(value: object) -> str:
    """A network value described safely for a sentence in the detail text."""
    if isinstance(value, str):
        return repr(clean(value, 40))
    if value is None:
        return "missing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {clean(value, 40)}"
    return "a list" if isinstance(value, list) else "an object"


def _safe_url(value: object) -> str:
    """A link the UI may open: http(s) only, whole, or nothing at all."""
    text = clean(value, _URL_LIMIT + 1)
    if len(text) > _URL_LIMIT or " " in text:
        return ""
    return text if text.lower().startswith(("https://", "http://")) else ""
