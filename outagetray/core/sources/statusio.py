"""status.io public status API: ``https://api.status.io/1.0/status/{page_id}``.

status.io speaks in numeric codes on every level: the page (``status_overall``), each component
and each of the component's containers (its regions or hosting providers). Each level is read
and the worst wins, because a page owner can update one level and forget another.

An incident listed in ``incidents`` is open (status.io drops an incident from this document
when it is resolved). Its severity is the worst of the components and containers it names and
of the status code on its latest message, never below degraded. The message code counts because
it is the owner's newest word on this incident: a page whose components still say 300 while the
latest message says 500 is describing an outage that got worse, and reading only the components
would under-report it (STATUS-SOURCES.md §3.6). "Latest" is by the message's own datetime, since
nothing promises the list is in order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources._common import (
    ParseError,
    add_affected,
    as_list,
    clean,
    describe_json,
    load_json_object,
    optional_list,
    problem_line,
    unknown,
    worst_first,
)

log = logging.getLogger(__name__)

#: 600 is a "security event": something is wrong and users should know, but it says nothing
#: about availability, so it counts as degraded.
_CODES = {
    100: Verdict.OPERATIONAL,
    200: Verdict.MAINTENANCE,
    300: Verdict.DEGRADED,
    400: Verdict.PARTIAL_OUTAGE,
    500: Verdict.MAJOR_OUTAGE,
    600: Verdict.DEGRADED,
}
_CODE_WORDS = {
    100: "Operational",
    200: "Planned maintenance",
    300: "Degraded performance",
    400: "Partial service disruption",
    500: "Service disruption",
    600: "Security event",
}

_UNCLEAR = "Status unclear: the status page says something OutageTray does not recognise"


@dataclass
class _Component:
    """A component as read, kept so that incidents can be weighed by what they name."""

    name: str
    verdict: Verdict
    containers: dict[str, Verdict] = field(default_factory=dict)


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read a status.io status document; never raises, never guesses "operational"."""
    try:
        return _read(load_json_object(body))
    except ParseError as exc:
        return unknown(str(exc))


def _read(data: dict[str, Any]) -> Reading:
    result = data.get("result")
    if not isinstance(result, dict):
        raise ParseError("the answer is not a status.io status (it has no result)")
    overall = result.get("status_overall")
    if not isinstance(overall, dict) and not isinstance(result.get("status"), list):
        raise ParseError("the answer has neither an overall status nor a list of components")

    signals: list[Verdict] = []
    unclear: list[str] = []
    affected: dict[str, int] = {}

    if "status_overall" in result:
        code = overall.get("status_code") if isinstance(overall, dict) else None
        signals.append(_verdict(code))
        if signals[-1] is Verdict.UNKNOWN:
            unclear.append(f"the overall status code is {describe_json(code)}")

    by_id: dict[str, _Component] = {}
    by_name: dict[str, _Component] = {}
    components: list[_Component] = []
    raw_components, problem = optional_list(result, "status")
    if problem:
        signals.append(Verdict.UNKNOWN)
        unclear.append(problem)
    for raw in raw_components:
        component = _component(raw, signals, unclear, affected)
        if component is None:
            continue
        components.append(component)
        ident = clean(raw.get("id"), 80)
        if ident:
            by_id.setdefault(ident, component)
        by_name.setdefault(component.name.casefold(), component)

    notes: list[IncidentNote] = []
    raw_incidents, problem = optional_list(result, "incidents")
    if problem:
        signals.append(Verdict.UNKNOWN)
        unclear.append(problem)
    for raw in raw_incidents:
        notes.append(_incident(raw, by_id, by_name, signals, unclear, affected))

    upcoming = 0
    maintenance = result.get("maintenance")
    if isinstance(maintenance, dict):
        raw_active, problem = optional_list(maintenance, "active")
        if problem:
            signals.append(Verdict.UNKNOWN)
            unclear.append(f"maintenance {problem}")
        notes.extend(_maintenance(raw, unclear, affected) for raw in raw_active)
        upcoming = len(as_list(maintenance.get("upcoming")))
    elif maintenance is not None:
        signals.append(Verdict.UNKNOWN)
        unclear.append(f"the maintenance section is {describe_json(maintenance)} instead of an object")

    verdict = worst([*signals, *(note.verdict for note in notes)])
    # Worst-hit first, so the summary names what is broken before what is being maintained;
    # "Messaging" is dropped when "Messaging › Google Cloud" already says more.
    names = [
        name
        for name in worst_first(affected)
        if not any(other.startswith(f"{name} › ") for other in affected)
    ]
    if unclear:
        log.info("status.io status: %s", "; ".join(unclear))
    return Reading(
        verdict=verdict,
        summary=_summary(verdict, names, notes),
        affected=tuple(names),
        detail=_detail(overall, components, notes, upcoming, unclear),
        incidents=tuple(notes),
    )


def _component(
    raw: object, signals: list[Verdict], unclear: list[str], affected: dict[str, int]
) -> _Component | None:
    """One component and its containers, each adding its own signal.

    A container that carries no ``status_code`` adds nothing (older pages list containers by
    name only); one that carries an unknown code counts as unknown, like any other item.
    """
    if not isinstance(raw, dict):
        signals.append(Verdict.UNKNOWN)
        unclear.append(f"a component is {describe_json(raw)} instead of an object")
        return None
    name = clean(raw.get("name"), 80) or clean(raw.get("id"), 80) or "Unnamed component"
    component = _Component(name, _verdict(raw.get("status_code")))
    signals.append(component.verdict)
    if component.verdict is Verdict.UNKNOWN:
        unclear.append(f"component {name!r} has status code {describe_json(raw.get('status_code'))}")
    bad_containers: list[tuple[str, Verdict]] = []
    for container in as_list(raw.get("containers")):
        if not isinstance(container, dict) or "status_code" not in container:
            continue
        where = clean(container.get("name"), 80) or clean(container.get("id"), 80) or "unnamed location"
        verdict = _verdict(container.get("status_code"))
        signals.append(verdict)
        ident = clean(container.get("id"), 80)
        if ident:
            component.containers[ident] = verdict
        if verdict is Verdict.UNKNOWN:
            unclear.append(f"{name} › {where} has status code {describe_json(container.get('status_code'))}")
        elif verdict is not Verdict.OPERATIONAL:
            bad_containers.append((f"{name} › {where}", verdict))
    if component.verdict.severity > Verdict.OPERATIONAL.severity:
        add_affected(affected, name, component.verdict)
    else:
        for label, verdict in bad_containers:
            add_affected(affected, label, verdict)
    return component


def _incident(
    raw: object,
    by_id: Mapping[str, _Component],
    by_name: Mapping[str, _Component],
    signals: list[Verdict],
    unclear: list[str],
    affected: dict[str, int],
) -> IncidentNote:
    """An open incident, as bad as the worst thing it names or its latest message says.

    Never less than degraded: the incident is open, whatever its codes. A latest message
    with a code status.io does not document is one unknown item (logged and shown in the
    detail); it cannot lower the incident, and an older message is not used instead, because
    the owner has since said something else.
    """
    if not isinstance(raw, dict):
        unclear.append(f"an incident is {describe_json(raw)} instead of an object")
        return IncidentNote("Unreadable incident entry", Verdict.UNKNOWN)
    title = clean(raw.get("name")) or "Untitled incident"
    containers = {
        clean(c.get("_id"), 80) for c in as_list(raw.get("containers_affected")) if isinstance(c, dict)
    }
    found: list[Verdict] = []
    labels: list[str] = []
    for ref in as_list(raw.get("components_affected")):
        if not isinstance(ref, dict):
            continue
        component = by_id.get(clean(ref.get("_id"), 80)) or by_name.get(clean(ref.get("name"), 80).casefold())
        label = component.name if component else clean(ref.get("name"), 80)
        if label:
            labels.append(label)
        if component is not None:
            found.append(component.verdict)
            found.extend(v for ident, v in component.containers.items() if ident in containers)
    latest, problem = _latest_message(raw.get("messages"))
    if problem:
        signals.append(Verdict.UNKNOWN)
        unclear.append(f"incident {title!r}: {problem}")
    word = ""
    if latest is not None and latest.get("status") is not None:
        code = _code(latest.get("status"))
        said = _CODES.get(code, Verdict.UNKNOWN) if code is not None else Verdict.UNKNOWN
        if said is Verdict.UNKNOWN:
            signals.append(Verdict.UNKNOWN)
            shown = describe_json(latest.get("status"))
            unclear.append(f"incident {title!r}: its latest message has status code {shown}")
        else:
            found.append(said)
            word = _CODE_WORDS.get(code, "") if code is not None else ""
    verdict = worst([Verdict.DEGRADED, *found])
    for label in labels:
        add_affected(affected, label, verdict)
    return IncidentNote(
        title=title,
        verdict=verdict,
        status=word,
        started_at=clean(raw.get("datetime_open"), 40),
    )


def _maintenance(raw: object, unclear: list[str], affected: dict[str, int]) -> IncidentNote:
    """A maintenance listed as active: it is happening now, whatever its planned window says."""
    if not isinstance(raw, dict):
        unclear.append(f"an active maintenance is {describe_json(raw)} instead of an object")
        return IncidentNote("Unreadable maintenance entry", Verdict.UNKNOWN)
    for ref in as_list(raw.get("components_affected")):
        if isinstance(ref, dict) and clean(ref.get("name"), 80):
            add_affected(affected, clean(ref.get("name"), 80), Verdict.MAINTENANCE)
    return IncidentNote(
        title=clean(raw.get("name")) or "Untitled maintenance",
        verdict=Verdict.MAINTENANCE,
        status="In progress",
        started_at=clean(raw.get("datetime_planned_start") or raw.get("datetime_open"), 40),
    )


def _latest_message(messages: object) -> tuple[dict[str, Any] | None, str]:
    """The incident's newest message by its ``datetime``, and what stopped finding it, if anything.

    Messages whose date cannot be read are passed over while others have one. A lone message
    is the latest whatever its date says. Several messages of which none has a readable date
    leave the latest unknown rather than guessed from list order. Two messages posted at the
    same instant: the worse code wins, so a tie never hides an escalation.
    """
    found = [m for m in as_list(messages) if isinstance(m, dict)]
    if len(found) == 1:
        return found[0], ""
    dated = [(when, m) for m in found if (when := _when(m.get("datetime"))) is not None]
    if dated:
        newest = max(when for when, _ in dated)
        tied = [m for when, m in dated if when == newest]
        return max(tied, key=lambda m: _verdict(m.get("status")).severity), ""
    if found:
        return None, "none of its messages has a date that can be read, so its latest status is not known"
    return None, ""


def _when(value: object) -> datetime | None:
    """An ISO 8601 time as an aware UTC datetime; a time without a zone is taken as UTC."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _code(value: object) -> int | None:
    """A status code as an int; codes written as ``400.0`` or ``"400"`` mean the same thing."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isascii() and text.isdecimal() and len(text) <= 6:
            return int(text)
    return None


def _verdict(value: object) -> Verdict:
    code = _code(value)
    return _CODES.get(code, Verdict.UNKNOWN) if code is not None else Verdict.UNKNOWN


def _summary(verdict: Verdict, affected: Sequence[str], notes: Sequence[IncidentNote]) -> str:
    if verdict is Verdict.OPERATIONAL:
        return "All systems operational"
    if verdict is Verdict.UNKNOWN:
        return _UNCLEAR
    ranked = sorted((n for n in notes if n.verdict is not Verdict.UNKNOWN), key=lambda n: -n.verdict.severity)
    return problem_line(verdict, affected, [n.title for n in ranked])


def _detail(
    overall: object,
    components: Sequence[_Component],
    notes: Sequence[IncidentNote],
    upcoming: int,
    unclear: Sequence[str],
) -> str:
    word = clean(overall.get("status"), 60) if isinstance(overall, dict) else ""
    code = _code(overall.get("status_code")) if isinstance(overall, dict) else None
    shown = f"{word!r} (code {code})" if word and code is not None else repr(word) if word else "missing"
    not_ok = sum(1 for c in components if c.verdict is not Verdict.OPERATIONAL)
    incidents = sum(1 for n in notes if n.verdict is not Verdict.MAINTENANCE)
    maintenances = len(notes) - incidents
    text = (
        f"status.io overall status {shown}; {len(components)} component(s), {not_ok} not operational; "
        f"{incidents} open incident(s); {maintenances} maintenance(s) in progress"
    )
    if upcoming:
        text += f"; {upcoming} upcoming maintenance(s) ignored"
    text += "."
    if unclear:
        text += " Not understood: " + "; ".join(unclear) + "."
    return text
