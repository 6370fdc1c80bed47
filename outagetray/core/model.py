"""Values shared by every part of the core.

Verdicts are ordered by severity so that "the worst of several signals" is a
plain ``max``; ``unknown`` sits outside that order on purpose, because "we could
not tell" must never be mistaken for "all clear" nor for "down".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

#: How much a status source is believed (STATUS-SOURCES.md §1, "Source roles").
Role = Literal["official", "hint"]
ROLES: tuple[Role, ...] = ("official", "hint")


class Verdict(StrEnum):
    """What one source, or the combination of sources, says about a platform."""

    OPERATIONAL = "operational"
    MAINTENANCE = "maintenance"
    DEGRADED = "degraded"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        """Rank in the severity order; ``unknown`` ranks below everything."""
        return _SEVERITY[self]

    @property
    def is_problem(self) -> bool:
        """True for degraded and worse: the states a user is told about."""
        return self.severity >= _SEVERITY[Verdict.DEGRADED]

    @property
    def label(self) -> str:
        """Plain words for people, e.g. ``"partial outage"``."""
        return _LABELS[self]


_SEVERITY = {
    Verdict.UNKNOWN: -1,
    Verdict.OPERATIONAL: 0,
    Verdict.MAINTENANCE: 1,
    Verdict.DEGRADED: 2,
    Verdict.PARTIAL_OUTAGE: 3,
    Verdict.MAJOR_OUTAGE: 4,
}

_LABELS = {
    Verdict.UNKNOWN: "unknown",
    Verdict.OPERATIONAL: "operational",
    Verdict.MAINTENANCE: "maintenance",
    Verdict.DEGRADED: "degraded",
    Verdict.PARTIAL_OUTAGE: "partial outage",
    Verdict.MAJOR_OUTAGE: "major outage",
}


def worst(verdicts: Iterable[Verdict]) -> Verdict:
    """Combine item verdicts the way STATUS-SOURCES.md §2.3 rule 3 asks.

    The worst known verdict wins, except that when nothing known is worse than
    operational and any item was unknown, the result is unknown: an unreadable
    item must never be silently read as operational. No items at all is unknown
    too, because an empty answer proves nothing.
    """
    best_known: Verdict | None = None
    saw_unknown = False
    for verdict in verdicts:
        if verdict is Verdict.UNKNOWN:
            saw_unknown = True
        elif best_known is None or verdict.severity > best_known.severity:
            best_known = verdict
    if best_known is None:
        return Verdict.UNKNOWN
    if saw_unknown and best_known is Verdict.OPERATIONAL:
        return Verdict.UNKNOWN
    return best_known


def worst_known(verdicts: Iterable[Verdict]) -> Verdict:
    """The worst verdict among those that are known; unknown only when none is.

    For combining *independent* witnesses (an official page and our own probes):
    one witness that could not see must not silence another that could.
    """
    known = [v for v in verdicts if v is not Verdict.UNKNOWN]
    return max(known, key=lambda v: v.severity) if known else Verdict.UNKNOWN


@dataclass(frozen=True)
class IncidentNote:
    """One open incident or maintenance as a status source describes it.

    Kept as plain text: everything here came from the network and is shown to
    people as plain text only.
    """

    title: str
    verdict: Verdict
    status: str = ""
    url: str = ""
    started_at: str = ""


@dataclass(frozen=True)
class Reading:
    """What one status document says, reduced to what OutageTray needs.

    ``summary`` is one short line in plain words for the user; ``detail`` says
    why a reading is unknown or what exactly was read, for the curious.
    """

    verdict: Verdict
    summary: str
    affected: tuple[str, ...] = ()
    detail: str = ""
    incidents: tuple[IncidentNote, ...] = ()


@dataclass(frozen=True)
class SourceSpec:
    """Where to read a platform's status and in which format.

    ``options`` holds format-specific settings such as ``product`` for the
    Google incidents feed or ``org`` for Meta's orgs list.

    ``role`` says how far the source is believed. An ``official`` source is the
    platform's own voice about the product the user depends on, and is believed at
    once. A ``hint`` speaks about a neighbouring product (Meta Status for Facebook
    Login or the WhatsApp Business Platform, LinkedIn's API page): on 2024-03-05 such a
    page was the only sign of a real login outage, yet on the same day WhatsApp's
    business API trouble left the app itself fine. So a hint is shown and may hurry
    the probes, but on its own it never makes a platform worse than degraded.
    ``label`` names the product a hint is about, in the words people know it by
    ("Facebook Login"); empty means "use what the source itself calls it".
    """

    type: str
    url: str
    options: Mapping[str, str] = field(default_factory=dict)
    role: Role = "official"
    label: str = ""

    @property
    def is_hint(self) -> bool:
        return self.role == "hint"


@dataclass(frozen=True)
class Platform:
    """A service the user may depend on, and where to learn whether it works.

    ``sources`` are status documents (official ones, and hints about neighbouring
    products, see :class:`SourceSpec`); ``probes`` are OutageTray's own
    checks for platforms that publish nothing (or too late). ``kind`` says what
    the platform is to the user (social, messaging, email, blog, shop) so the
    app can suggest the channels that still work.
    """

    id: str
    name: str
    owner: str
    kind: str = "social"
    homepage: str = ""
    sources: tuple[SourceSpec, ...] = ()
    probes: tuple[SourceSpec, ...] = ()
    note: str = ""
    #: Its page on Downdetector, as the slug in ``https://downdetector.com/status/<slug>/``
    #: (the same slug on every country's site). Empty when Downdetector has no page for
    #: it: core/downdetector.py then links to a search for the name instead.
    downdetector: str = ""
