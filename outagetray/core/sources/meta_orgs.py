"""Meta Status ``/data/orgs.json``: Meta's business products and the state of their services.

The document is undocumented and known only from third-party monitors (STATUS-SOURCES.md §3.3),
so nothing in it is believed until its type has been checked. Anything unexpected becomes
"unknown" for that one item and is combined with ``worst()``: a status string Meta adds
tomorrow must never read as "no known issues".

It is also a weak, lagging signal about business APIs, not the consumer apps; the parser
reports what Meta says and leaves the weighting to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from outagetray.core.model import Reading, Verdict, worst
from outagetray.core.sources._common import SUMMARY_LIMIT, ParseError, clean, first_few, load_json, unknown

#: How many unreadable items the detail names before it only counts them.
_MAX_NAMED_PROBLEMS = 5

#: Meta's wording, lower-cased with single spaces. Both the singular and plural forms have been
#: seen ("High disruption(s)"), so both are listed rather than matched loosely: a loose match
#: such as "contains 'disruption'" would guess at words Meta has never used.
_STATUSES: dict[str, Verdict] = {
    "no known issues": Verdict.OPERATIONAL,
    "resolved": Verdict.OPERATIONAL,
    "low disruption": Verdict.DEGRADED,
    "low disruptions": Verdict.DEGRADED,
    "medium disruption": Verdict.PARTIAL_OUTAGE,
    "medium disruptions": Verdict.PARTIAL_OUTAGE,
    "high disruption": Verdict.MAJOR_OUTAGE,
    "high disruptions": Verdict.MAJOR_OUTAGE,
    # Reported for the Facebook Login page on 2024-03-05 (Reuters); "major" is unambiguous,
    # and reading it as unknown would hide the very outage this source exists to show.
    "major disruption": Verdict.MAJOR_OUTAGE,
    "major disruptions": Verdict.MAJOR_OUTAGE,
}

#: How a problem verdict reads in a sentence ("Meta reports a major outage: …").
_PHRASES: dict[Verdict, str] = {
    Verdict.MAINTENANCE: "maintenance",
    Verdict.DEGRADED: "minor disruptions",
    Verdict.PARTIAL_OUTAGE: "a partial outage",
    Verdict.MAJOR_OUTAGE: "a major outage",
}


@dataclass(frozen=True)
class _Item:
    """One service's verdict, with the words needed to explain it."""

    where: str
    verdict: Verdict
    raw_status: str


def parse(body: bytes, headers: Mapping[str, str], options: Mapping[str, str]) -> Reading:
    """Read orgs.json; ``options["org"]`` narrows the reading to one org id (case-insensitive)."""
    try:
        root = load_json(body)
    except ParseError as exc:
        return unknown(str(exc))
    if not isinstance(root, list):
        kind = "a JSON object" if isinstance(root, dict) else "a single value"
        return unknown(f"expected a list of Meta Status orgs, got {kind}")
    if not root:
        return unknown("Meta Status listed no orgs at all")

    wanted = clean(options.get("org", "")).lower()
    if wanted:
        selected = [entry for entry in root if isinstance(entry, dict) and _org_id(entry) == wanted]
        if not selected:
            message = f"Meta Status no longer lists org {clean(wanted, 60)}"
            return Reading(
                Verdict.UNKNOWN,
                clean(message, SUMMARY_LIMIT),
                detail=f"{message} (orgs.json has {len(root)} entries)",
            )
    else:
        selected = list(root)

    items: list[_Item] = []
    empty_orgs: list[str] = []
    for position, entry in enumerate(selected, 1):
        if not isinstance(entry, dict):
            items.append(_Item(f"entry {position}", Verdict.UNKNOWN, "not an org object"))
            continue
        org_items = _org_items(entry)
        if org_items is None:
            empty_orgs.append(_org_name(entry))
        else:
            items.extend(org_items)

    services = f"{len(items)} service{'' if len(items) == 1 else 's'}"
    what_was_read = f"orgs.json: {len(root)} org{'' if len(root) == 1 else 's'}, " + (
        f"org {clean(wanted, 60)}: {services}" if wanted else services
    )
    if empty_orgs:
        what_was_read += f"; no services listed for {', '.join(empty_orgs[:_MAX_NAMED_PROBLEMS])}"

    if not items:
        # Every selected org listed zero services: that proves nothing about their health.
        name = _scope_name(selected, wanted, len(root)) if wanted else "any org"
        return Reading(
            Verdict.UNKNOWN,
            clean(f"Meta Status lists no services for {name}", SUMMARY_LIMIT),
            detail=what_was_read,
        )

    verdict = worst(item.verdict for item in items)
    unreadable = [item for item in items if item.verdict is Verdict.UNKNOWN]
    if unreadable:
        named = first_few(
            (f"{item.where} = {item.raw_status}" for item in unreadable), _MAX_NAMED_PROBLEMS, "; "
        )
        what_was_read += f"; not understood: {named}"

    problems = sorted(
        (item for item in items if item.verdict.severity > Verdict.OPERATIONAL.severity),
        key=lambda item: -item.verdict.severity,
    )
    affected = tuple(item.where for item in problems)
    summary = _summary(verdict, affected, _scope_name(selected, wanted, len(root)))
    return Reading(verdict, clean(summary, SUMMARY_LIMIT), affected=affected, detail=what_was_read)


def _org_items(org: dict[str, Any]) -> list[_Item] | None:
    """The verdict of each service of one org; ``None`` when the org lists no services.

    A missing or wrong-typed ``services`` field is a broken document (one unknown item), while
    an empty list is a readable statement that simply carries no evidence either way.
    """
    name = _org_name(org)
    services = org.get("services")
    if not isinstance(services, list):
        return [_Item(name, Verdict.UNKNOWN, "its services list is missing or malformed")]
    if not services:
        return None
    items: list[_Item] = []
    for position, service in enumerate(services, 1):
        if not isinstance(service, dict):
            items.append(_Item(f"{name} › service {position}", Verdict.UNKNOWN, "not a service object"))
            continue
        service_name = clean(service.get("name")) or clean(service.get("id")) or f"service {position}"
        where = f"{name} › {service_name}"
        status = service.get("status")
        if not isinstance(status, str):
            items.append(_Item(where, Verdict.UNKNOWN, "no status text"))
            continue
        shown = clean(status, 60)
        verdict = _STATUSES.get(shown.lower(), Verdict.UNKNOWN)
        items.append(_Item(where, verdict, repr(shown)))
    return items


def _org_id(org: dict[str, Any]) -> str:
    return clean(org.get("id")).lower()


def _org_name(org: dict[str, Any]) -> str:
    """The org as people know it; the id when Meta gives no name."""
    return clean(org.get("name"), 80) or clean(org.get("id"), 80) or "an unnamed org"


def _scope_name(selected: list[Any], wanted: str, total: int) -> str:
    """What the reading is about, for the summary: one org's name or "N business products"."""
    if wanted:
        first = selected[0]
        return _org_name(first) if isinstance(first, dict) else clean(wanted, 60)
    return f"{total} business product{'' if total == 1 else 's'}"


def _summary(verdict: Verdict, affected: tuple[str, ...], scope: str) -> str:
    if verdict is Verdict.OPERATIONAL:
        return f"Meta reports no known issues for {scope}"
    if verdict is Verdict.UNKNOWN:
        return f"Meta Status shows something OutageTray does not understand for {scope}"
    phrase = _PHRASES.get(verdict, verdict.label)
    first = affected[0] if affected else scope
    more = len(affected) - 1
    return f"Meta reports {phrase}: {first}" + (f" and {more} more" if more > 0 else "")
