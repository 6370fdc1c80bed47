"""Atlassian Statuspage public API v2: summary, status, components, incidents, maintenances.

The rules are STATUS-SOURCES.md §2.3. The point of every branch here is that a
status page which cannot be understood must read as "unknown", never as "all
clear": a missing or oddly typed key, an enum value Statuspage did not have when
this was written, or a body that is not JSON at all all end in ``unknown`` for
the item (combined with :func:`~outagetray.core.model.worst`) or for the whole
document. The document kind is recognised from its content, not its URL, so the
same parser serves every ``/api/v2/*.json`` endpoint a platform may be set up with.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from outagetray.core.model import IncidentNote, Reading, Verdict, worst
from outagetray.core.sources._common import (
    SUMMARY_LIMIT,
    ParseError,
    as_list,
    clean,
    first_few,
    load_json_object,
    safe_url,
    titled_line,
    unknown,
)

log = logging.getLogger(__name__)

#: Longest link kept from a Statuspage document or history feed; a longer one is dropped.
LINK_LIMIT = 500

_INDICATOR = {
    "none": Verdict.OPERATIONAL,
    "minor": Verdict.DEGRADED,
    "major": Verdict.PARTIAL_OUTAGE,
    "critical": Verdict.MAJOR_OUTAGE,
    "maintenance": Verdict.MAINTENANCE,
}

_COMPONENT = {
    "operational": Verdict.OPERATIONAL,
    "degraded_performance": Verdict.DEGRADED,
    "partial_outage": Verdict.PARTIAL_OUTAGE,
    "major_outage": Verdict.MAJOR_OUTAGE,
    "under_maintenance": Verdict.MAINTENANCE,
}

# An open incident always means something is wrong, even when the page calls its
# impact "none" (Discord, 2019-06-24, "Global Unavailability"): at least degraded.
_IMPACT = {
    "none": Verdict.DEGRADED,
    "minor": Verdict.DEGRADED,
    "major": Verdict.PARTIAL_OUTAGE,
    "critical": Verdict.MAJOR_OUTAGE,
    "maintenance": Verdict.MAINTENANCE,
}

_INCIDENT_OPEN = frozenset({"investigating", "identified", "monitoring"})
_INCIDENT_CLOSED = frozenset({"resolved", "postmortem", "completed"})
_MAINTENANCE_ACTIVE = frozenset({"in_progress", "verifying"})
_MAINTENANCE_IDLE = frozenset({"scheduled", "completed"})

_SYSTEM_METADATA = "_system_metadata:"

# Words a non-engineer reads in front of an incident title.
_PHRASES = {
    "investigating": "Investigating",
    "identified": "Cause found",
    "update": "Ongoing",
    "monitoring": "Fix applied, monitoring",
    "in_progress": "Maintenance in progress",
    "in progress": "Maintenance in progress",
    "verifying": "Maintenance ending, verifying",
}

_PROBLEM_LABELS = {
    Verdict.MAINTENANCE: "Under maintenance",
    Verdict.DEGRADED: "Degraded service",
    Verdict.PARTIAL_OUTAGE: "Partial outage",
    Verdict.MAJOR_OUTAGE: "Major outage",
}


def open_phrase(status: str) -> str:
    """Plain words for an open incident's state, e.g. ``"Investigating"``.

    Shared with the history-feed reader so both say the same thing for the same
    state; an unexpected state reads as a neutral "Ongoing" rather than jargon.
    """
    return _PHRASES.get(status.strip().lower(), "Ongoing")


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read one Statuspage v2 JSON document; never raises, never guesses "operational"."""
    try:
        data = load_json_object(body)
        return _read(data)
    except ParseError as exc:
        return unknown(str(exc))


# --------------------------------------------------------------------------- reading


@dataclass
class _Tally:
    """Everything one document said, gathered before the verdict is decided.

    Collected first and judged once, so the verdict, the affected list and the
    summary are all derived from the same facts.
    """

    signals: list[Verdict] = field(default_factory=list)
    affected: list[str] = field(default_factory=list)
    incidents: list[IncidentNote] = field(default_factory=list)
    maintenances: list[IncidentNote] = field(default_factory=list)
    not_understood: list[str] = field(default_factory=list)
    component_count: int = 0
    upcoming: int = 0

    def odd(self, what: str) -> None:
        """Record an item that could not be understood: it counts as unknown."""
        self.signals.append(Verdict.UNKNOWN)
        self.not_understood.append(what)

    def affect(self, name: str) -> None:
        if name and name not in self.affected:
            self.affected.append(name)


def _read(data: dict[str, Any]) -> Reading:
    has_status = "status" in data
    status = data.get("status")
    indicator = status.get("indicator") if isinstance(status, dict) else None
    components = data.get("components")
    has_indicator = isinstance(indicator, str)
    has_components = isinstance(components, list)

    tally = _Tally()
    page_name, page_url = _page(data.get("page"))

    if has_indicator or has_components:
        if has_indicator and has_components:
            kind = "summary.json"
        elif has_indicator:
            kind = "status.json"
        else:
            kind = "components.json"
        if isinstance(indicator, str):
            _read_indicator(indicator, tally)
        elif has_status:
            tally.odd("the overall status has no indicator")
        groups: dict[str, str] = {}
        if isinstance(components, list):
            groups = _group_names(components)
            _read_components(components, groups, tally)
            if not components and not has_indicator:
                # A real page always has components; an empty list proves nothing.
                tally.odd("the page lists no components and no overall status")
        elif "components" in data:
            tally.odd("the component list is not a list")
        _read_optional_incidents(data, groups, page_url, tally)
        _read_optional_maintenances(data, page_url, tally)
    elif "incidents" in data:
        kind = "incident list"
        incidents = data["incidents"]
        if not isinstance(incidents, list):
            raise ParseError("the incident list is not a list")
        tally.signals.append(Verdict.OPERATIONAL)
        _note_unreadable_page_keys(data, tally)
        _read_incidents(incidents, {}, page_url, tally)
        if "scheduled_maintenances" in data:
            _read_optional_maintenances(data, page_url, tally)
    elif "scheduled_maintenances" in data:
        kind = "maintenance list"
        maintenances = data["scheduled_maintenances"]
        if not isinstance(maintenances, list):
            raise ParseError("the maintenance list is not a list")
        tally.signals.append(Verdict.OPERATIONAL)
        _note_unreadable_page_keys(data, tally)
        _read_maintenances(maintenances, page_url, tally)
    else:
        raise ParseError("the answer has no status indicator, components, incidents or maintenances")

    verdict = worst(tally.signals)
    if tally.not_understood:
        log.info("%s of %s: not understood: %s", kind, page_name, "; ".join(tally.not_understood))
    return Reading(
        verdict=verdict,
        summary=_summary(verdict, kind, tally),
        affected=tuple(tally.affected),
        detail=_detail(kind, page_name, indicator if has_indicator else None, has_components, tally),
        incidents=tuple(tally.incidents + tally.maintenances),
    )


def _note_unreadable_page_keys(data: dict[str, Any], tally: _Tally) -> None:
    """A list document that also carries an unreadable status or component list has drifted."""
    if "status" in data:
        tally.odd("the overall status has no indicator")
    if "components" in data:
        tally.odd("the component list is not a list")


def _page(page: object) -> tuple[str, str]:
    """The page's display name and base URL ('' when unusable)."""
    if not isinstance(page, dict):
        return "this status page", ""
    name = clean(page.get("name"), 80) or "this status page"
    return name, safe_url(page.get("url"), LINK_LIMIT).rstrip("/")


def _read_indicator(indicator: str, tally: _Tally) -> None:
    verdict = _INDICATOR.get(indicator)
    if verdict is None:
        tally.odd(f'overall indicator "{clean(indicator, 40)}"')
    else:
        tally.signals.append(verdict)


def _group_names(components: list[Any]) -> dict[str, str]:
    """Group container id → display name, so children can be named "Group › Child"."""
    groups: dict[str, str] = {}
    for item in components:
        if isinstance(item, dict) and item.get("group") is True:
            group_id = clean(item.get("id"), 40)
            if group_id:
                groups[group_id] = clean(item.get("name"), 80) or group_id
    return groups


def _component_name(item: dict[str, Any], groups: Mapping[str, str]) -> str:
    """A component's name as people read it; the id when the page gave no name."""
    name = clean(item.get("name"), 80) or clean(item.get("id"), 40) or "unnamed component"
    group = groups.get(clean(item.get("group_id"), 40)) if item.get("group_id") else None
    return f"{group} › {name}" if group else name


def _read_components(components: list[Any], groups: Mapping[str, str], tally: _Tally) -> None:
    for item in components:
        if not isinstance(item, dict):
            tally.odd("a component that is not an object")
            continue
        if item.get("group") is True:
            continue  # a container restates its worst child; counting it would double up
        tally.component_count += 1
        name = _component_name(item, groups)
        status = item.get("status")
        verdict = _COMPONENT.get(status) if isinstance(status, str) else None
        if verdict is None:
            shown = f'"{clean(status, 40)}"' if isinstance(status, str) else "missing"
            tally.odd(f'component "{name}" status {shown}')
            continue
        tally.signals.append(verdict)
        if verdict is not Verdict.OPERATIONAL:
            tally.affect(name)


def _read_optional_incidents(
    data: dict[str, Any], groups: Mapping[str, str], page_url: str, tally: _Tally
) -> None:
    """Incidents inside a summary are optional; present but not a list is shape drift."""
    if "incidents" not in data:
        return
    incidents = data["incidents"]
    if isinstance(incidents, list):
        _read_incidents(incidents, groups, page_url, tally)
    else:
        tally.odd("the incident list is not a list")


def _read_optional_maintenances(data: dict[str, Any], page_url: str, tally: _Tally) -> None:
    if "scheduled_maintenances" not in data:
        return
    maintenances = data["scheduled_maintenances"]
    if isinstance(maintenances, list):
        _read_maintenances(maintenances, page_url, tally)
    else:
        tally.odd("the maintenance list is not a list")


def _unique(items: Iterable[Any], tally: _Tally, what: str) -> Iterable[dict[str, Any]]:
    """Objects from a list, first occurrence per id, skipping Statuspage's own bookkeeping."""
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            tally.odd(f"{what} that is not an object")
            continue
        name = item.get("name")
        if isinstance(name, str) and name.startswith(_SYSTEM_METADATA):
            continue
        item_id = clean(item.get("id"), 40)
        if item_id:
            if item_id in seen:
                continue
            seen.add(item_id)
        yield item


def _resolved(item: dict[str, Any], tally: _Tally, what: str) -> bool | None:
    """Whether ``resolved_at`` is set; None (and an unknown signal) when it is junk.

    A junk timestamp must not close an incident: that would turn a shape change
    into a silent "all clear".
    """
    value = item.get("resolved_at")
    if value is None or value == "":
        return False
    if isinstance(value, str):
        return True
    tally.odd(f'{what} has an unreadable "resolved_at"')
    return None


def _read_incidents(incidents: list[Any], groups: Mapping[str, str], page_url: str, tally: _Tally) -> None:
    for item in _unique(incidents, tally, "an incident"):
        title = _title(item, "incident")
        resolved = _resolved(item, tally, f'incident "{title}"')
        status = item.get("status")
        if not isinstance(status, str) or status not in _INCIDENT_OPEN | _INCIDENT_CLOSED:
            shown = f'"{clean(status, 40)}"' if isinstance(status, str) else "missing"
            if resolved is False:
                tally.odd(f'incident "{title}" status {shown}')
            continue
        if status in _INCIDENT_CLOSED or resolved is not False:
            continue
        impact = item.get("impact")
        verdict = _IMPACT.get(impact) if isinstance(impact, str) else None
        if verdict is None:
            shown = f'"{clean(impact, 40)}"' if isinstance(impact, str) else "missing"
            tally.odd(f'incident "{title}" impact {shown}')
            verdict = Verdict.UNKNOWN
        else:
            tally.signals.append(verdict)
        for component in as_list(item.get("components")):
            if isinstance(component, dict) and component.get("group") is not True:
                tally.affect(_component_name(component, groups))
        tally.incidents.append(
            IncidentNote(
                title=title,
                verdict=verdict,
                status=status,
                url=_link(item, page_url),
                started_at=clean(item.get("started_at"), 40) or clean(item.get("created_at"), 40),
            )
        )


def _read_maintenances(maintenances: list[Any], page_url: str, tally: _Tally) -> None:
    for item in _unique(maintenances, tally, "a maintenance"):
        title = _title(item, "maintenance")
        resolved = _resolved(item, tally, f'maintenance "{title}"')
        status = item.get("status")
        if not isinstance(status, str) or status not in _MAINTENANCE_ACTIVE | _MAINTENANCE_IDLE:
            shown = f'"{clean(status, 40)}"' if isinstance(status, str) else "missing"
            if resolved is False:
                tally.odd(f'maintenance "{title}" status {shown}')
            continue
        # A window announced for later does not mean anything is down now.
        if status in _MAINTENANCE_IDLE or resolved is not False:
            if status == "scheduled" and resolved is False:
                tally.upcoming += 1
            continue
        tally.signals.append(Verdict.MAINTENANCE)
        started = (
            clean(item.get("scheduled_for"), 40)
            or clean(item.get("started_at"), 40)
            or clean(item.get("created_at"), 40)
        )
        tally.maintenances.append(
            IncidentNote(
                title=title,
                verdict=Verdict.MAINTENANCE,
                status=status,
                url=_link(item, page_url),
                started_at=started,
            )
        )


def _title(item: dict[str, Any], what: str) -> str:
    title = clean(item.get("name"), 200)
    if title:
        return title
    item_id = clean(item.get("id"), 40)
    return f"{what} {item_id}" if item_id else f"unnamed {what}"


def _link(item: dict[str, Any], page_url: str) -> str:
    shortlink = safe_url(item.get("shortlink"), LINK_LIMIT)
    if shortlink:
        return shortlink
    item_id = clean(item.get("id"), 40)
    if page_url and item_id and item_id.isalnum():
        return f"{page_url}/incidents/{item_id}"
    return ""


# --------------------------------------------------------------------------- words


def _summary(verdict: Verdict, kind: str, tally: _Tally) -> str:
    if verdict is Verdict.UNKNOWN:
        return "Status could not be read"
    if verdict is Verdict.OPERATIONAL:
        # A list of incidents or maintenances says nothing about the components.
        if kind == "incident list":
            return "No open incidents"
        if kind == "maintenance list":
            return "No maintenance in progress"
        return "All systems operational"
    if verdict is Verdict.MAINTENANCE:
        if tally.maintenances:
            first = tally.maintenances[0]
            return titled_line("Maintenance in progress", first.title, len(tally.maintenances) - 1)
        return _listed(_PROBLEM_LABELS[verdict], tally.affected)
    if tally.incidents:
        known = [note for note in tally.incidents if note.verdict is not Verdict.UNKNOWN]
        first = (known or tally.incidents)[0]
        return titled_line(open_phrase(first.status), first.title, len(tally.incidents) - 1)
    return _listed(_PROBLEM_LABELS[verdict], tally.affected)


def _listed(label: str, names: list[str]) -> str:
    """``"<label>: A, B and 3 more"`` within the summary limit."""
    if not names:
        return label
    shown: list[str] = []
    for index, name in enumerate(names):
        rest = len(names) - index - 1
        candidate = ", ".join([*shown, name])
        tail = f" and {rest} more" if rest else ""
        if shown and len(label) + 2 + len(candidate) + len(tail) > SUMMARY_LIMIT:
            break
        shown.append(name)
    rest = len(names) - len(shown)
    text = f"{label}: {', '.join(shown)}" + (f" and {rest} more" if rest else "")
    return clean(text, SUMMARY_LIMIT)


def _count(number: int, singular: str, plural: str) -> str:
    return f"{number} {singular if number == 1 else plural}"


def _detail(kind: str, page_name: str, indicator: object, has_components: bool, tally: _Tally) -> str:
    parts: list[str] = []
    if kind == "status.json" and isinstance(indicator, str):
        parts.append(f'overall indicator "{clean(indicator, 40)}"')
    if has_components:
        parts.append(_count(tally.component_count, "component", "components"))
    if kind != "status.json" and kind != "components.json":
        if kind != "maintenance list":
            parts.append(_count(len(tally.incidents), "open incident", "open incidents"))
        if tally.maintenances or kind == "maintenance list":
            parts.append(
                _count(len(tally.maintenances), "maintenance in progress", "maintenances in progress")
            )
        if tally.upcoming:
            parts.append(_count(tally.upcoming, "maintenance scheduled", "maintenances scheduled"))
    text = f"{kind} of {page_name}"
    if parts:
        text += ": " + ", ".join(parts)
    if tally.not_understood:
        text += "; not understood: " + first_few(tally.not_understood, 5, "; ", brackets=False)
    return clean(text, 600)
