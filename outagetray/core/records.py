"""What the incident log holds, as plain values.

The log (core/incidents.py) writes and reads these; the exports, the command line and
the window only read them. Keeping them apart from the storage lets every reader be
tested with hand-made records, and keeps the storage free to change.

Every time is an aware datetime in UTC; local time exists only on screen and in the
"local" columns of an export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from outagetray.core.model import Verdict

#: The incident log's file, in the data folder.
LOG_FILE_NAME = "incidents.sqlite3"


def default_log_path() -> Path:
    """Where the incident log lives; here rather than in the store so that asking whether
    there is a log at all does not load SQLite (most days there is nothing to read)."""
    from platformdirs import user_data_path

    return user_data_path("OutageTray", appauthor=False) / LOG_FILE_NAME


class ActionKind(StrEnum):
    """What the user did about an incident (the part of the log that shows they acted)."""

    ACKNOWLEDGED = "acknowledged"  # "I'm on it"
    DRAFT_COPIED = "draft_copied"
    COMPOSER_OPENED = "composer_opened"
    DRAFT_SENT = "draft_sent"  # written by the send issue's outbox
    TICKED = "ticked"  # a checklist item done
    UNTICKED = "unticked"  # a checklist item undone
    NOTE = "note"


@dataclass(frozen=True)
class StateChange:
    """One reported change of one platform inside an incident, with what showed it."""

    at: datetime
    platform: str  # platform id
    old: Verdict
    new: Verdict
    evidence: str
    #: Status pages and probe addresses that spoke, as the user can open them.
    sources: tuple[str, ...] = ()
    #: The judge's event number of this change (stable across restarts, see core/eventids.py).
    event: int = 0


@dataclass(frozen=True)
class Action:
    """One thing the user did. ``subject`` names what: a draft ("notice/short"), a checklist item id."""

    at: datetime
    kind: ActionKind
    subject: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Incident:
    """One outage as the log knows it: platforms of one owner failing together count once.

    ``started_at`` is the first round that saw the failure (what a claim needs);
    ``confirmed_at`` is when OutageTray was sure and told the user; ``ended_at`` is the
    first clean round of the recovery, None while the incident is open.

    ``last_seen_down`` is the last time OutageTray saw it failing (None in logs written
    before it was kept). When OutageTray did not check for a while before ``ended_at``
    (the computer asleep or offline, OutageTray closed), ``end_uncertain`` is true: the
    outage ended somewhere between the two, and every reader must say so. The duration
    (``duration_s``) still runs to ``ended_at``, the first check that found it working.
    """

    id: int
    owner: str
    platforms: tuple[str, ...]
    worst: Verdict
    started_at: datetime
    confirmed_at: datetime
    ended_at: datetime | None = None
    #: A one-line summary of why: the evidence of the change that opened it.
    evidence: str = ""
    acknowledged_at: datetime | None = None
    drill: bool = False
    changes: tuple[StateChange, ...] = ()
    actions: tuple[Action, ...] = field(default=())
    #: Display names of ``platforms`` (same order), so readers need no catalog.
    names: tuple[str, ...] = ()
    last_seen_down: datetime | None = None
    end_uncertain: bool = False

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def duration_s(self, now: datetime) -> float:
        """Seconds from the start to the end, or to ``now`` while it is still open."""
        return ((self.ended_at or now) - self.started_at).total_seconds()

    def ticked(self) -> frozenset[str]:
        """Checklist item ids done now: the last tick or untick of each wins."""
        done: set[str] = set()
        for action in self.actions:
            if action.kind is ActionKind.TICKED:
                done.add(action.subject)
            elif action.kind is ActionKind.UNTICKED:
                done.discard(action.subject)
        return frozenset(done)
