"""A fire drill's report: what OutageTray told the user, held against what really happened.

The scenario's ``[[truth]]`` says when each platform really failed and came back; the
drill's notifications (what a person saw) say when OutageTray noticed. The report puts
the two side by side for each platform, counts the outage incidents the drill opened and
the false alarms, and checks the scenario's ``[expect]``.

The rules, exactly:

- A notification *names* the platforms in its ``platforms``. Its kind says what it told:
  "down" and "degraded" tell of a problem, "recovered" that the platform is back (a
  digest tells of each kind in its ``news``).
- ``detected_at``: the first problem notification naming the platform at or after its
  truth's ``down`` (any problem notification when the scenario gives it no truth).
  ``recovered_at``: the first "back" notification after that. ``alerts``: how many
  notifications named it, of any kind.
- ``incidents``: the incidents the drill opened in the drill log whose worst verdict was
  a partial or major outage. A "degraded" heads-up alone opens no outage incident (as
  resources/drills/README.md defines it).
- A false alarm is one platform named by one notification where:
  1. the user's own connection was not working at that moment (the scenario's connection
     "down" or "captive"): nothing can be known about any platform then, so any alert is
     wrong, a "back" included;
  2. or it told of a problem outside the platform's truth window: with no truth at all,
     before the truth's ``down``, or later than its ``up`` (the drill's end when it has
     none) plus the confirmation delay (``confirm_rounds`` + 1 rounds, jitter included),
     since a failure seen in the last rounds before ``up`` is confirmed just after it;
  3. or it called an outage ("down") what the truth calls "degraded": a login problem or
     rate limits are a heads-up, never an outage alarm.
  A "back" told while the connection works is never a false alarm: it can only follow a
  problem the user was told of.
- ``expect_met`` has one entry per key the scenario's ``[expect]`` gives: ``incidents``
  and ``false_alarms`` equal, ``alerts`` whether any notification named a platform.
- ``previews`` and ``channel_checks`` stay empty until drills send to a preview outbox.

Times are the scenario's own (its clock and dates), in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from outagetray.core.model import Verdict

if TYPE_CHECKING:
    from outagetray.core.drills.runner import DrillNotification, DrillResult
    from outagetray.core.drills.scenario import Scenario, Truth

_PROBLEM_KINDS = ("down", "degraded")
_OUTAGES = (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)


@dataclass(frozen=True)
class Detection:
    """One platform: when it really failed and came back, and when OutageTray told the user."""

    platform: str
    name: str
    truth_down_at: datetime | None
    truth_up_at: datetime | None
    truth_verdict: str | None
    detected_at: datetime | None
    #: What the first problem notification said: "down" or "degraded" ("" when none came).
    detected_as: str
    recovered_at: datetime | None
    alerts: int


@dataclass(frozen=True)
class FalseAlarm:
    """One platform named by one notification that should not have named it (see the rules above)."""

    platform: str
    at: datetime
    title: str
    why: str


@dataclass(frozen=True)
class OpenedIncident:
    """An incident the drill opened in the drill log."""

    id: int
    owner: str
    platforms: tuple[str, ...]
    worst: str
    started_at: datetime
    confirmed_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class DrillReport:
    """The report of one drill; ``to_json()`` for scripts, ``describe()`` for people."""

    scenario: str
    title: str
    speed: float
    start: datetime
    end: datetime
    ended_at: datetime
    stopped: bool
    detections: tuple[Detection, ...]
    incidents: int
    opened: tuple[OpenedIncident, ...]
    false_alarms: tuple[FalseAlarm, ...]
    notifications: int
    previews: tuple[Any, ...]
    channel_checks: tuple[Any, ...]
    expect_met: dict[str, bool]

    @classmethod
    def of(cls, result: DrillResult) -> DrillReport:
        scenario = result.scenario
        notes = result.notifications
        grace = timedelta(seconds=result.interval * (result.confirm_rounds + 1) * (1 + result.jitter))
        names = _names(result)
        detections = tuple(_detect(pid, names.get(pid, pid), scenario, notes) for pid in _platforms(result))
        false_alarms = tuple(_false_alarms(scenario, notes, grace))
        opened = tuple(
            OpenedIncident(
                i.id, i.owner, i.platforms, i.worst.value, i.started_at, i.confirmed_at, i.ended_at
            )
            for i in result.incidents
        )
        outages = sum(1 for i in result.incidents if i.worst in _OUTAGES)
        told = any(n.note.platforms for n in notes)
        expect = scenario.expect
        met: dict[str, bool] = {}
        if expect.incidents is not None:
            met["incidents"] = outages == expect.incidents
        if expect.false_alarms is not None:
            met["false_alarms"] = len(false_alarms) == expect.false_alarms
        if expect.alerts is not None:
            met["alerts"] = told == expect.alerts
        return cls(
            scenario=scenario.id,
            title=scenario.title,
            speed=result.speed,
            start=scenario.start,
            end=scenario.end,
            ended_at=result.ended_at or scenario.start,
            stopped=result.stopped,
            detections=detections,
            incidents=outages,
            opened=opened,
            false_alarms=false_alarms,
            notifications=len(notes),
            previews=(),
            channel_checks=(),
            expect_met=met,
        )

    @property
    def all_met(self) -> bool:
        """Whether every expectation the scenario gives was met (True when it gives none)."""
        return all(self.expect_met.values())

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON values; times ISO 8601 in UTC ("Z") on the scenario's clock."""
        return {
            "scenario": self.scenario,
            "title": self.title,
            "speed": self.speed,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "ended_at": _iso(self.ended_at),
            "stopped": self.stopped,
            "detections": [
                {
                    "platform": d.platform,
                    "truth_down_at": _iso(d.truth_down_at),
                    "truth_up_at": _iso(d.truth_up_at),
                    "truth_verdict": d.truth_verdict,
                    "detected_at": _iso(d.detected_at),
                    "detected_as": d.detected_as or None,
                    "recovered_at": _iso(d.recovered_at),
                    "alerts": d.alerts,
                }
                for d in self.detections
            ],
            "incidents": self.incidents,
            "opened_incidents": [
                {
                    "id": i.id,
                    "owner": i.owner,
                    "platforms": list(i.platforms),
                    "worst": i.worst,
                    "started_at": _iso(i.started_at),
                    "confirmed_at": _iso(i.confirmed_at),
                    "ended_at": _iso(i.ended_at),
                }
                for i in self.opened
            ],
            "false_alarms": len(self.false_alarms),
            "false_alarm_details": [
                {"platform": a.platform, "at": _iso(a.at), "title": a.title, "why": a.why}
                for a in self.false_alarms
            ],
            "notifications": self.notifications,
            "previews": list(self.previews),
            "channel_checks": list(self.channel_checks),
            "expect_met": dict(self.expect_met),
        }

    def describe(self) -> str:
        """The report in plain words, for the person who ran the drill."""
        day = f"{self.start:%d %B %Y}".lstrip("0")
        lines = [f"Fire drill report: {self.title}", f"Times are UTC, on the drill's own clock ({day})."]
        if self.stopped:
            lines.append(f"The drill was stopped at {self._clock(self.ended_at)}, before its end.")
        lines.append("")
        for d in self.detections:
            lines.append(self._detection_words(d))
        if not self.detections:
            lines.append("No platform had trouble in this drill, and OutageTray told you of none.")
        lines.append("")
        lines.append(
            _count(self.incidents, "outage incident") + " opened (in the drill log, not your real history)."
        )
        if self.false_alarms:
            lines.append(_count(len(self.false_alarms), "false alarm") + ":")
            lines += [f"  {self._clock(a.at)} {a.title}: {a.why}" for a in self.false_alarms]
        else:
            lines.append("No false alarms.")
        if self.stopped and self.expect_met:
            lines.append("The drill did not run to its end, so what it expects was not checked.")
        elif self.expect_met:
            missed = [key for key, ok in self.expect_met.items() if not ok]
            if missed:
                lines.append("Not as the drill expects: " + ", ".join(_EXPECT_WORDS[k] for k in missed) + ".")
            else:
                lines.append("Everything went as the drill expects.")
        return "\n".join(lines)

    def _detection_words(self, d: Detection) -> str:
        if d.truth_down_at is None:
            truth = "had no trouble in this drill"
        else:
            truth = f"really had trouble from {self._clock(d.truth_down_at)}"
            truth += f" to {self._clock(d.truth_up_at)}" if d.truth_up_at is not None else " to the end"
            if d.truth_verdict == "degraded":
                truth += " (not an outage)"
        if d.detected_at is None:
            told = "OutageTray did not tell you of it"
        else:
            what = "an outage" if d.detected_as == "down" else "a problem (heads-up)"
            told = f"OutageTray told you of {what} at {self._clock(d.detected_at)}"
            if d.truth_down_at is not None:
                told += f", {_minutes(d.detected_at - d.truth_down_at)} after it began"
            if d.recovered_at is not None:
                told += f", and that it was back at {self._clock(d.recovered_at)}"
        return f"{d.name}: {truth}; {told}. ({_count(d.alerts, 'notification')})"

    def _clock(self, moment: datetime | None) -> str:
        if moment is None:
            return "?"
        moment = moment.astimezone(UTC)
        return f"{moment:%H:%M}" if moment.date() == self.start.date() else f"{moment:%d %b %H:%M}"


_EXPECT_WORDS = {
    "incidents": "the number of outage incidents",
    "false_alarms": "the number of false alarms",
    "alerts": "whether OutageTray should alert at all",
}


def _platforms(result: DrillResult) -> list[str]:
    """Each platform with a truth, then each other platform a notification named, in order."""
    found = [t.platform for t in result.scenario.truth]
    for n in result.notifications:
        found += [p for p in n.note.platforms if p not in found]
    return found


def _names(result: DrillResult) -> dict[str, str]:
    names: dict[str, str] = {}
    for report in result.rounds[:1]:
        names.update({s.platform.id: s.platform.name for s in report.statuses})
    if len(names) < len(result.scenario.platforms):
        from outagetray.core.catalog import builtin_platforms

        catalog = builtin_platforms()
        names.update(
            {p: catalog[p].name for p in result.scenario.platforms if p in catalog and p not in names}
        )
    return names


def _kinds(note: DrillNotification) -> tuple[str, ...]:
    return tuple(note.note.news) if note.note.kind == "digest" else (note.note.kind,)


def _detect(pid: str, name: str, scenario: Scenario, notes: list[DrillNotification]) -> Detection:
    truth = scenario.truth_for(pid)
    mine = [n for n in notes if pid in n.note.platforms]
    problems = [
        n
        for n in mine
        if any(k in _PROBLEM_KINDS for k in _kinds(n)) and (truth is None or n.at >= truth.down)
    ]
    first = problems[0] if problems else None
    detected_as = ""
    if first is not None:
        detected_as = next(k for k in _kinds(first) if k in _PROBLEM_KINDS)
    recovered = next(
        (n.at for n in mine if first is not None and n.at > first.at and "recovered" in _kinds(n)), None
    )
    return Detection(
        platform=pid,
        name=name,
        truth_down_at=truth.down if truth else None,
        truth_up_at=truth.up if truth else None,
        truth_verdict=truth.verdict if truth else None,
        detected_at=first.at if first else None,
        detected_as=detected_as,
        recovered_at=recovered,
        alerts=len(mine),
    )


def _false_alarms(scenario: Scenario, notes: list[DrillNotification], grace: timedelta) -> list[FalseAlarm]:
    found: list[FalseAlarm] = []
    for n in notes:
        kinds = _kinds(n)
        for pid in n.note.platforms:
            why = _why_false(scenario, n.at, pid, kinds, grace)
            if why:
                found.append(FalseAlarm(pid, n.at, n.note.title, why))
    return found


def _why_false(scenario: Scenario, at: datetime, pid: str, kinds: tuple[str, ...], grace: timedelta) -> str:
    connection = scenario.connection_at(at)
    if connection != "ok":
        state = "offline" if connection == "down" else "on a Wi-Fi sign-in page"
        return f"your own connection was {state}, so nothing could be known about any platform"
    if not any(k in _PROBLEM_KINDS for k in kinds):
        return ""
    truth: Truth | None = scenario.truth_for(pid)
    if truth is None:
        return "it had no trouble in this drill"
    if at < truth.down:
        return "its trouble had not begun yet"
    if at > (truth.up or scenario.end) + grace:
        return "its trouble was over"
    if "down" in kinds and truth.verdict == "degraded":
        return "it was a problem, not an outage: a heads-up was enough"
    return ""


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def _count(n: int, word: str) -> str:
    return f"{'No' if n == 0 else n} {word}{'' if n == 1 else 's'}"


def _minutes(delta: timedelta) -> str:
    minutes = round(delta.total_seconds() / 60)
    return "under a minute" if minutes < 1 else _count(minutes, "minute").replace("No ", "0 ")
