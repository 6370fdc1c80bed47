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
from outagetray.core.sources._common import (
    ParseError,
    clean,
    describe_json,
    enum_word,
    load_json_object,
    optional_list,
    problem_line,
    safe_url,
    unknown,
)

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
    page_verdict = _PAGE.get(enum_word(raw_status, upper=True) or "", Verdict.UNKNOWN)
    signals.append(page_verdict)
    if page_verdict is Verdict.UNKNOWN:
        unclear.append(f"the page status is {describe_json(raw_status)}")

    notes: list[IncidentNote] = []
    ignored = 0
    incidents, problem = optional_list(data, "activeIncidents")
    maintenances, problem2 = optional_list(data, "activeMaintenances")
    for problem_text in (problem, problem2):
        if problem_text:
            signals.append(Verdict.UNKNOWN)
            unclear.append(problem_text)

    for items, read_item in ((incidents, _incident), (maintenances, _maintenance)):
        for item in items:
            note, problem_text = read_item(item)
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


def _incident(item: object) -> tuple[IncidentNote | None, str]:
    """An active incident; ``None`` when it is resolved and so no longer counts."""
    if not isinstance(item, dict):
        return IncidentNote(
            "Unreadable incident entry", Verdict.UNKNOWN
        ), "an incident entry is not an object"
    status = enum_word(item.get("status"), upper=True)
    if status in _INCIDENT_CLOSED:
        return None, ""
    title = clean(item.get("name")) or "Untitled incident"
    problem = ""
    if status not in _INCIDENT_OPEN:
        verdict = Verdict.UNKNOWN
        problem = f"incident {title!r} has status {describe_json(item.get('status'))}"
    else:
        verdict = _IMPACT.get(enum_word(item.get("impact"), upper=True) or "", Verdict.UNKNOWN)
        if verdict is Verdict.UNKNOWN:
            problem = f"incident {title!r} has impact {describe_json(item.get('impact'))}"
    note = IncidentNote(
        title=title,
        verdict=verdict,
        status=clean(item.get("status"), 40).capitalize(),
        url=safe_url(item.get("url")),
        started_at=clean(item.get("started"), 60),
    )
    return note, problem


def _maintenance(item: object) -> tuple[IncidentNote | None, str]:
    """A maintenance; only one in progress counts, a planned or finished one is not news."""
    if not isinstance(item, dict):
        return IncidentNote(
            "Unreadable maintenance entry", Verdict.UNKNOWN
        ), "a maintenance entry is not an object"
    status = enum_word(item.get("status"), upper=True)
    if status in _MAINTENANCE_NOT_NOW:
        return None, ""
    title = clean(item.get("name")) or "Untitled maintenance"
    if status in _MAINTENANCE_NOW:
        verdict, problem = Verdict.MAINTENANCE, ""
        planned = _duration(item.get("duration"))
        label = f"In progress ({planned} planned)" if planned else "In progress"
    else:
        verdict = Verdict.UNKNOWN
        problem = f"maintenance {title!r} has status {describe_json(item.get('status'))}"
        label = clean(item.get("status"), 40).capitalize()
    note = IncidentNote(
        title=title,
        verdict=verdict,
        status=label,
        url=safe_url(item.get("url")),
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
    return problem_line(verdict, (), [n.title for n in ranked])


def _detail(
    name: str, status: object, notes: Sequence[IncidentNote], ignored: int, unclear: Sequence[str]
) -> str:
    page = f"Instatus page {name!r}" if name else "The Instatus page"
    incidents = sum(
        1 for n in notes if n.verdict is not Verdict.UNKNOWN and n.verdict is not Verdict.MAINTENANCE
    )
    maintenances = sum(1 for n in notes if n.verdict is Verdict.MAINTENANCE)
    text = (
        f"{page} says {describe_json(status)}; {incidents} active incident(s) and "
        f"{maintenances} maintenance(s) in progress counted"
    )
    if ignored:
        text += f"; {ignored} resolved, planned or finished item(s) ignored"
    text += "."
    if unclear:
        text += " Not understood: " + "; ".join(unclear) + "."
    return text
