"""Runs a fire drill: the real monitor, judge, alert policy and incident log against a played scenario.

A drill is a rehearsal, so nothing on the path from a failing server to a notification
is replaced: the monitor's own loop polls the player's loopback servers round after
round, its judge decides, the user's alert policy (with the default notification
settings: a drill must show what a new user would see) turns changes into pop-ups, and
every round is filed in an incident log. Only time is different: the ScenarioClock
keeps the usual 60-second rounds in *scenario* time while ``speed`` times less passes for
real, so confirmation still takes three scenario minutes.

What keeps a drill apart from real life:

- Its notifications are marked copies whose titles begin "Fire drill: ", so nobody reads
  a rehearsal as an outage (the policy itself is not changed).
- Its incidents are filed with ``drill=True`` in a log of their own (``drills.sqlite3``
  beside the real incident log), never in the real history a claim is made from.
- Its judge numbers its events from far above anything the drill log has seen (drills
  replay the same scenario moments again and again, so numbers counted from 1 would file
  a second run under the first). Incidents a run leaves open (it was stopped, or the
  scenario ends mid-outage) are ended when it ends, with an uncertain end, and so are any a
  killed drill left behind, when the next one starts: an open drill incident would take in
  the next drill's outages of the same owner, whatever their dates.
- One drill at a time writes the drill log (a lock file beside it): two drills of one
  owner at once would be filed as one outage. A second drill meanwhile keeps its log in a
  temporary file and says where.

No Qt here: the tray shows the same things through its own bridge.
"""

from __future__ import annotations

import itertools
import logging
import random
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from outagetray.core.drills.clock import DEFAULT_SPEED, ScenarioClock
from outagetray.core.drills.scenario import Scenario

if TYPE_CHECKING:
    from outagetray.core.alerts import AlertPolicy, Notification
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.model import SourceSpec
    from outagetray.core.monitor import RoundReport
    from outagetray.core.probes import DnsConfig, ProbeResult
    from outagetray.core.records import Incident

log = logging.getLogger(__name__)

#: What every drill notification's title begins with.
MARK = "Fire drill: "
#: The drill log's file, beside the real incident log.
DRILL_LOG_NAME = "drills.sqlite3"
#: Seconds for one page or status document: the player is on this computer and answers at once.
HTTP_TIMEOUT = 3.0
#: The monitor's usual interval, in scenario seconds.
INTERVAL = 60.0
#: Real seconds the runner looks at ``stop`` while the monitor works.
_TICK = 0.05

OnProgress = Callable[[str], None]
OnNotification = Callable[["Notification"], None]


@dataclass(frozen=True)
class DrillNotification:
    """One notification the drill showed, at its scenario moment (UTC)."""

    at: datetime
    note: Notification


@dataclass
class DrillResult:
    """What happened in a drill, for the report (core/drills/report.py) and for tests."""

    scenario: Scenario
    speed: float
    log_path: Path
    interval: float
    confirm_rounds: int
    jitter: float
    #: Every round's snapshot, in order (scenario times).
    rounds: list[RoundReport] = field(default_factory=list)
    notifications: list[DrillNotification] = field(default_factory=list)
    #: The incidents this drill opened in the drill log, oldest first, as they stood at the end.
    incidents: list[Incident] = field(default_factory=list)
    #: The scenario moment the drill ended (its end, or earlier when stopped).
    ended_at: datetime | None = None
    stopped: bool = False
    #: Real seconds the drill took.
    real_seconds: float = 0.0

    def report(self) -> object:
        """The drill's report (a ``report.DrillReport``)."""
        from outagetray.core.drills.report import DrillReport

        return DrillReport.of(self)


def default_drill_log_path() -> Path:
    """``drills.sqlite3`` beside the real incident log: apart from real history, found with it."""
    from outagetray.core.records import default_log_path

    return default_log_path().parent / DRILL_LOG_NAME


def run_drill(
    scenario: Scenario,
    *,
    speed: float = DEFAULT_SPEED,
    log_path: Path | None = None,
    on_progress: OnProgress | None = None,
    on_notification: OnNotification | None = None,
    stop: threading.Event | None = None,
) -> DrillResult:
    """Play ``scenario`` through the real monitor, alerts and incident log until its end or ``stop``.

    ``on_progress`` gets plain lines for people (scenario time "HH:MM", UTC, as on the day);
    ``on_notification`` each marked notification. Both are called on the monitor's thread.
    Returns when the drill is over; the servers and threads it started are gone by then.
    """
    from outagetray.core.incident_recorder import acquire_recording_lock

    path = log_path if log_path is not None else default_drill_log_path()
    stop = stop if stop is not None else threading.Event()
    say = on_progress or (lambda line: None)
    clock = ScenarioClock(scenario.start, speed)
    started = time.monotonic()
    lock = acquire_recording_lock(path.parent, "fire drill", name=f"{path.name}.lock")
    if lock is None:
        path = Path(tempfile.mkdtemp(prefix="outagetray-drill-")) / DRILL_LOG_NAME
        say(f"Another fire drill is running, so this one keeps its outage log apart, in {path}.")
    try:
        return _run(scenario, speed, path, clock, started, stop, say, on_notification)
    finally:
        if lock is not None:
            lock.release()


def _run(
    scenario: Scenario,
    speed: float,
    path: Path,
    clock: ScenarioClock,
    started: float,
    stop: threading.Event,
    say: OnProgress,
    on_notification: OnNotification | None,
) -> DrillResult:
    from outagetray.core.alerts import AlertPolicy
    from outagetray.core.catalog import builtin_platforms
    from outagetray.core.drills.player import Player
    from outagetray.core.http import HttpClient
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.ledger import Ledger
    from outagetray.core.monitor import Monitor
    from outagetray.core.settings import Notifications

    drill_log = IncidentLog.open(path)
    try:
        if drill_log.notice:
            say(drill_log.notice)
        _end_abandoned(drill_log)
        first_event, newest_before = _numbering(drill_log)
        ledger = Ledger()
        policy = AlertPolicy(Notifications(), UTC, ledger=ledger)
        with Player(scenario, clock) as player:
            config = player.monitor_config(INTERVAL)
            result = DrillResult(scenario, speed, path, config.interval, config.confirm_rounds, config.jitter)
            rounds = _Rounds(scenario, result, policy, drill_log, say, on_notification)
            monitor = Monitor(
                player.platforms(builtin_platforms()),
                config,
                lambda changes: None,
                clock=clock,
                client=HttpClient(
                    connect_timeout=HTTP_TIMEOUT,
                    read_timeout=HTTP_TIMEOUT,
                    total_timeout=HTTP_TIMEOUT + 1.0,
                    monotonic=clock.monotonic,
                ),
                # Seeded: the same drill replays the same rounds (jitter included), run after run.
                rng=random.Random(scenario.id),
                probe=_quick_probe,
                on_round=rounds,
                events=itertools.count(first_event),
                ledger=ledger,
            )
            say(f"{_hhmm(scenario.start)} Fire drill begins: {scenario.title} (times are UTC, as on the day)")
            monitor.start()
            try:
                while not rounds.finished.wait(_TICK):
                    if stop.is_set():
                        result.stopped = True
                        break
            finally:
                monitor.stop()
        result.ended_at = min(rounds.last_at or scenario.start, scenario.end)
        opened = sorted(i for i in rounds.touched if i > newest_before)
        result.incidents = _close_left_open(drill_log, opened, result.ended_at)
        if rounds.failure is not None:
            raise rounds.failure
        word = "stopped" if result.stopped else "is over"
        say(f"{_hhmm(result.ended_at)} The fire drill {word}.")
    finally:
        drill_log.close()
    result.real_seconds = time.monotonic() - started
    return result


class _Rounds:
    """Each round's report, on the monitor's thread: alerts, the drill log, progress lines."""

    def __init__(
        self,
        scenario: Scenario,
        result: DrillResult,
        policy: AlertPolicy,
        drill_log: IncidentLog,
        say: OnProgress,
        on_notification: OnNotification | None,
    ) -> None:
        self.scenario = scenario
        self.result = result
        self.policy = policy
        self.log = drill_log
        self.say = say
        self.on_notification = on_notification
        self.finished = threading.Event()
        self.last_at: datetime | None = None
        self.failure: BaseException | None = None
        self._link: object = None
        #: Every drill-log incident a round filed a change under (older ones a first round ended too).
        self.touched: set[int] = set()

    def __call__(self, report: RoundReport) -> None:
        if self.finished.is_set():
            return
        if report.at > self.scenario.end:
            self.finished.set()
            return
        try:
            self._take(report)
        except Exception as exc:  # the drill cannot go on without its log: end it and say why
            log.exception("a fire drill round could not be recorded")
            self.failure = exc
            self.finished.set()
            return
        # The next round would fall after the end: the drill is over now, not an interval later.
        if report.at + timedelta(seconds=self.result.interval) > self.scenario.end:
            self.finished.set()

    def _take(self, report: RoundReport) -> None:
        self.last_at = report.at
        self.result.rounds.append(report)
        link = report.connectivity.state
        if self._link is not None and link != self._link:
            self.say(f"{_hhmm(report.at)} Your connection: {_link_words(link.value)} (fire drill)")
        self._link = link
        notes = self.policy.decide(report.changes, report.at) + self.policy.catch_up(
            report.at, report.statuses
        )
        self.touched.update(self.log.record(report.changes, report.statuses, drill=True))
        for note in notes:
            marked = replace(note, title=MARK + note.title)
            self.result.notifications.append(DrillNotification(report.at, marked))
            self.say(f"{_hhmm(report.at)} {note.title} (fire drill)")
            if self.on_notification is not None:
                self.on_notification(marked)


def _quick_probe(spec: SourceSpec, dns: DnsConfig, *, deadline: float | None = None) -> ProbeResult:
    """The real probe with a short timeout: the player answers from this computer."""
    from outagetray.core.probes import run_probe

    return run_probe(spec, dns, timeout=HTTP_TIMEOUT, deadline=deadline)


def _numbering(drill_log: IncidentLog) -> tuple[int, int]:
    """The first event number for this drill's judge, and the newest incident id before it.

    Above every number the drill log has filed and above a floor from the clock
    (microseconds), so two drills, even of the same scenario, never share a number.
    """
    conn = drill_log.connection
    highest = conn.execute("SELECT MAX(judge_incident) FROM judge_incidents").fetchone()[0] or 0
    newest = conn.execute("SELECT MAX(id) FROM incidents").fetchone()[0] or 0
    return max(int(highest) + 1, time.time_ns() // 1000), int(newest)


def _close_left_open(drill_log: IncidentLog, opened: list[int], at: datetime) -> list[Incident]:
    """End what this drill opened and left open, at its last moment, with an uncertain end.

    The drill did not see these outages end, so their end is "somewhere after" the last
    round, which ``end_uncertain`` says; left open, the next drill of the owner would join
    them. Returns the drill's incidents as they now stand, oldest first.
    """
    from outagetray.core.incident_store import utc_text

    conn = drill_log.connection
    moment = utc_text(at)
    marks = ", ".join("?" * len(opened))
    if opened:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                f"UPDATE incident_platforms SET ended_at = ?"
                f" WHERE incident_id IN ({marks}) AND ended_at IS NULL",
                (moment, *opened),
            )
            conn.execute(
                f"UPDATE incidents SET ended_at = ?, end_uncertain = 1"
                f" WHERE id IN ({marks}) AND ended_at IS NULL",
                (moment, *opened),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    found = [drill_log.incident(number) for number in opened]
    return [incident for incident in found if incident is not None]


def _end_abandoned(drill_log: IncidentLog) -> None:
    """End incidents a killed drill left open, at their last change, with an uncertain end.

    This drill holds the drill log's lock, so no other drill is running: anything open was
    abandoned, and left open it would take in this drill's outages of the same owner.
    """
    conn = drill_log.connection
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "UPDATE incidents SET end_uncertain = 1, ended_at = COALESCE("
            "(SELECT MAX(c.at) FROM changes c WHERE c.incident_id = incidents.id), started_at)"
            " WHERE drill = 1 AND ended_at IS NULL"
        )
        conn.execute(
            "UPDATE incident_platforms SET ended_at ="
            " (SELECT i.ended_at FROM incidents i WHERE i.id = incident_platforms.incident_id)"
            " WHERE ended_at IS NULL"
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _hhmm(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M}"


def _link_words(state: str) -> str:
    return {
        "online": "working again",
        "offline": "offline (OutageTray checks nothing until it is back)",
        "captive_portal": "a Wi-Fi sign-in page",
    }.get(state, state.replace("_", " "))
