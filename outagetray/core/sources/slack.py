"""Slack Status API v2: ``https://slack-status.com/api/v2.0.0/current``.

Slack answers with a top-level ``status`` ("ok" or "active") and ``active_incidents``, a list
that holds incidents, outages, notices and planned maintenance alike. Neither half is trusted
alone: a bare ``{"status": "ok"}`` is what countless unrelated health endpoints return, so
"operational" needs the incident list too, and an "active" page whose list names nothing that is
going on right now is reported as unknown rather than guessed either way (see ``_read``).

Version 2 is used on purpose: version 1 shows only one incident and keeps resolved ones for an
hour, which would both hide and invent problems.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources._common import (
    ParseError,
    add_affected,
    as_list,
    clean,
    describe_json,
    enum_word,
    load_json_object,
    problem_line,
    safe_url,
    unknown,
    worst_first,
)

log = logging.getLogger(__name__)

#: What each kind of open item means. A notice is informational, so it never counts as more than
#: degraded: it must be visible, but it must not read as an outage.
_TYPE_VERDICTS = {
    "outage": Verdict.MAJOR_OUTAGE,
    "incident": Verdict.DEGRADED,
    "notice": Verdict.DEGRADED,
}

#: Item states that describe something not happening now: planned, finished or called off.
#: Slack's docs spell "cancelled"; at least one client spells it "canceled", so both are accepted.
_NOT_NOW = frozenset({"scheduled", "completed", "cancelled", "canceled", "resolved"})

_UNCLEAR = "Status unclear: Slack's status page says something OutageTray does not recognise"
_ACTIVE_BUT_NOTHING = "Status unclear: Slack reports an active issue but lists nothing ongoing"


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read Slack's current-status document; never raises, never guesses "operational"."""
    try:
        return _read(load_json_object(body))
    except ParseError as exc:
        return unknown(str(exc))


def _read(data: dict[str, Any]) -> Reading:
    """Combine the top-level word with every open item, the worst signal winning.

    Judgement call: ``status: "active"`` with nothing countable in the list (an empty list, or
    only planned or finished items) is *unknown*. Saying "operational" would contradict Slack's
    own word; saying "degraded" would raise an alarm about a problem nobody can name, and for a
    scheduled maintenance that could be a false alarm. Unknown tells the user to look for
    themselves without crying wolf.
    """
    if "status" not in data and "active_incidents" not in data:
        raise ParseError("the answer has neither a Slack status nor a list of incidents")

    signals: list[Verdict] = []
    unclear: list[str] = []

    top = enum_word(data.get("status"))
    if top == "ok":
        signals.append(Verdict.OPERATIONAL)
    elif top != "active":
        signals.append(Verdict.UNKNOWN)
        unclear.append(f"overall status {describe_json(data.get('status'))} is not one Slack documents")

    raw_items = data.get("active_incidents")
    if isinstance(raw_items, list):
        items: list[Any] = raw_items
    else:
        items = []
        signals.append(Verdict.UNKNOWN)
        unclear.append(
            "the list of incidents is missing"
            if "active_incidents" not in data
            else f"the list of incidents is {describe_json(raw_items)} instead of a list"
        )

    notes: list[IncidentNote] = []
    affected: dict[str, int] = {}
    not_now = 0
    for item in items:
        note, services, problem = _item(item)
        if note is None:
            not_now += 1
            continue
        notes.append(note)
        if problem:
            unclear.append(problem)
        if note.verdict.is_problem:
            for service in services:
                add_affected(affected, service, note.verdict)

    if top == "active" and not notes:
        signals.append(Verdict.UNKNOWN)
        unclear.append("the overall status is 'active' but no listed item is ongoing")

    verdict = worst([*signals, *(note.verdict for note in notes)])
    # Worst-hit services first, so an outage's services lead the summary, not a notice's.
    names = worst_first(affected)
    if unclear:
        log.info("Slack status: %s", "; ".join(unclear))
    return Reading(
        verdict=verdict,
        summary=_summary(verdict, names, notes, active_but_nothing=top == "active" and not notes),
        affected=tuple(names),
        detail=_detail(data.get("status"), notes, not_now, unclear),
        incidents=tuple(notes),
    )


def _item(item: object) -> tuple[IncidentNote | None, tuple[str, ...], str]:
    """One entry of ``active_incidents``: its note, its services, and what was unclear about it.

    ``None`` means the entry is planned, finished or cancelled and does not count. An entry whose
    type or status is not one Slack documents still counts, as unknown, so that it can keep the
    page from reading as operational but cannot by itself raise an alarm.
    """
    if not isinstance(item, dict):
        return (
            IncidentNote("Unreadable incident entry", Verdict.UNKNOWN),
            (),
            f"an incident entry is {describe_json(item)} instead of an object",
        )
    status = enum_word(item.get("status"))
    if status in _NOT_NOW:
        return None, (), ""
    title = clean(item.get("title")) or "Untitled incident"
    kind = enum_word(item.get("type"))
    problem = ""
    if status != "active":
        verdict = Verdict.UNKNOWN
        problem = f"incident {title!r} has status {describe_json(item.get('status'))}"
    elif kind not in _TYPE_VERDICTS:
        verdict = Verdict.UNKNOWN
        problem = f"incident {title!r} has type {describe_json(item.get('type'))}"
    else:
        verdict = _TYPE_VERDICTS[kind]
    services = tuple(name for name in (clean(s) for s in as_list(item.get("services"))) if name)
    note = IncidentNote(
        title=title,
        verdict=verdict,
        status=clean(item.get("status"), 40).capitalize(),
        url=safe_url(item.get("url")),
        started_at=clean(item.get("date_created"), 40),
    )
    return note, services, problem


def _summary(
    verdict: Verdict, affected: Sequence[str], notes: Sequence[IncidentNote], *, active_but_nothing: bool
) -> str:
    if verdict is Verdict.OPERATIONAL:
        return "All systems operational"
    if verdict is Verdict.UNKNOWN:
        return _ACTIVE_BUT_NOTHING if active_but_nothing else _UNCLEAR
    ranked = sorted((n for n in notes if n.verdict.is_problem), key=lambda n: -n.verdict.severity)
    return problem_line(verdict, affected, [n.title for n in ranked])


def _detail(top: object, notes: Sequence[IncidentNote], not_now: int, unclear: Sequence[str]) -> str:
    parts = [f"Slack's overall status is {describe_json(top)}"]
    counted = [n for n in notes if n.verdict is not Verdict.UNKNOWN]
    parts.append(f"{len(counted)} ongoing item(s) counted")
    if not_now:
        parts.append(f"{not_now} planned, finished or cancelled item(s) ignored")
    text = "; ".join(parts) + "."
    if unclear:
        text += " Not understood: " + "; ".join(unclear) + "."
    return text
