"""Issue 15's bench bar: the cockpit window, ``outagetray incidents --json`` and a year's export,
against a log of 10,000 incidents (eight years of history).

The log is built through the real ``IncidentLog.record`` from judge ``Change`` values of
built-in platforms, in big batches, then given the user's actions (acknowledgements,
ticks, copied drafts) through the log's own methods. It is put where the app and the
commands look for it: every child runs with its home and XDG folders inside one temp
folder (tests/support/installed.py), so platformdirs finds it as it would a user's.

Each figure comes from real code paths in processes of their own:

- opening the window: in a child on Qt's offscreen platform, with a QApplication
  already made (the bare app's cost) and the modules a running tray already holds
  imported, from just before the log is read (read-only, open incidents and the last
  30 days, as app_playbook.py reads them) to the window painted: StatusWindow built and
  handed what the app hands it, shown, and events processed until its first paint.
  Then, each timed on its own, switching to the History tab, to its 30-days view, and
  to the Incident tab on the newest incident. Medians of 5 children. Goal < 200 ms.
- ``outagetray incidents --json``, the installed command: wall time, median of 5; the
  output must parse and list every incident. Goal < 1 s.
- ``outagetray export --format html`` of the busiest full calendar year, median of 3,
  with that year's incident count and the file size. Goal < 2 s. CSV the same, no goal.

The memory part of the bar (load the new views only when first opened) is
bench/ui_memory.py's.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.installed import command, home_env

if TYPE_CHECKING:
    from outagetray.core.checklist import Checklist
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change
    from outagetray.core.model import Platform, Verdict
    from outagetray.core.records import Incident

COUNT = 10_000
YEARS = 8
#: The newest few incidents are still going on.
OPEN = 3
#: Changes per ``record()`` call: one transaction each, so the build takes seconds.
BATCH = 5_000
WINDOW_RUNS = 5
JSON_RUNS = 5
EXPORT_RUNS = 3
GOAL_WINDOW_MS = 200.0
GOAL_JSON_S = 1.0
GOAL_HTML_S = 2.0
#: As app_playbook.RECENT: the History tab's longest view.
RECENT = timedelta(days=30)
#: The app's defaults (settings.py): rounds a minute apart, 3 to confirm, 2 to recover.
CONFIRM = timedelta(minutes=3)
RECOVER = timedelta(minutes=2)

#: How often each platform is the one that fails; the rest count 1.
WEIGHTS = {
    "facebook": 10.0,
    "instagram": 9.0,
    "whatsapp": 7.0,
    "x": 8.0,
    "messenger": 3.0,
    "threads": 2.0,
    "youtube": 4.0,
    "tiktok": 4.0,
    "linkedin": 3.0,
    "gmail": 2.0,
}
TITLES = (
    "Some people may have trouble loading their feed",
    "Increased error rates when uploading photos and videos",
    "Messages are delayed for some users",
    "Some users cannot log in",
    "Degraded performance in Europe",
    "We're investigating reports of problems posting",
    "Ads Manager is slow to load",
    "Notifications are delayed",
    "Some people may not be able to send or receive messages",
    "Elevated API error rates",
)
PAGE_STATES = ("Investigating", "Identified", "Monitoring", "Update")
PROBE_FAILURES = (
    "HTTPS to {host} timed out after 10 s in {n} of 5 checks",
    "HTTPS to {host} answered 503 Service Unavailable in {n} of 5 checks",
    "HTTPS to {host} answered 502 Bad Gateway; DNS answered normally",
    "the TLS handshake with {host} failed (connection reset by peer) {n} times",
    "DNS for {host} did not answer (SERVFAIL) {n} times in a row",
)
DRAFTS = (
    "notice.short.friendly@x",
    "notice.short.formal@linkedin",
    "notice.email.friendly@newsletter",
    "notice.blog.friendly@blog",
    "welcome_back.short.friendly@instagram",
    "catch_up.short.friendly@facebook",
)


# -- building the log ----------------------------------------------------------------------------


@dataclass
class _Planned:
    """One outage as the judge would report it, before it is filed."""

    owner: str
    start: datetime
    end: datetime | None  # None: still going on
    changes: list[Change] = field(default_factory=list)


@dataclass(frozen=True)
class BuiltLog:
    path: Path
    incidents: int
    open: int
    changes: int
    actions: int
    multi_platform: int
    seconds: float
    first: datetime
    now: datetime
    by_year: dict[int, int]

    def busiest_full_year(self) -> int | None:
        """The calendar year (UTC) with the most incidents among those the log covers whole."""
        full = [
            y
            for y in self.by_year
            if datetime(y, 1, 1, tzinfo=UTC) >= self.first and datetime(y + 1, 1, 1, tzinfo=UTC) <= self.now
        ]
        return max(full, key=lambda y: (self.by_year[y], y)) if full else None


def child_env(folder: Path) -> dict[str, str]:
    """The environment of every child: ``home_env(folder)``, and Python's bytecode cache on.

    Installed, OutageTray runs from compiled bytecode; a checkout run with
    PYTHONDONTWRITEBYTECODE would compile every module again in every child and time
    that instead. The cache goes under ``folder``, so the checkout is not written to; the
    first run of each measurement (untimed) fills it.
    """
    env = home_env(folder)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
    return env


def log_path(folder: Path) -> Path:
    """Where platformdirs puts the log for a child run with ``home_env(folder)`` (XDG_DATA_HOME)."""
    return folder / ".local/share/OutageTray/incidents.sqlite3"


def _evidence(platform: Platform, verdict: Verdict, rng: random.Random) -> str:
    """Words like the judge's: what the status page said and what OutageTray's own checks saw."""
    from outagetray.core.model import Verdict

    hosts = [spec.url for spec in platform.probes if spec.url] or [platform.homepage or platform.id]
    host = rng.choice(hosts).removeprefix("https://").removeprefix("http://").split("/")[0]
    if verdict is Verdict.UNKNOWN:
        return (
            f"Your internet connection is down (none of the control sites answered), so {platform.name} "
            "could not be checked. The last thing OutageTray knew stands until it can check again."
        )
    if not verdict.is_problem:
        return (
            f"{platform.name} works again: its status page says all systems are operational and "
            f"OutageTray's own checks of {host} passed {rng.randint(2, 4)} rounds in a row."
        )
    probe = rng.choice(PROBE_FAILURES).format(host=host, n=rng.randint(3, 5))
    if platform.sources and rng.random() < 0.7:
        return (
            f'{platform.name}\'s status page says "{rng.choice(TITLES)}" ({rng.choice(PAGE_STATES)}, '
            f"{verdict.label}). OutageTray's own checks: {probe}."
        )
    page = "its status page says nothing yet" if platform.sources else "it publishes no status page"
    return f"{platform.name}: {page}, but OutageTray's own checks: {probe} ({verdict.label})."


class _Judge:
    """Numbers events as the judge does (one counter, never reused) and writes Change values."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.event = 0

    def next(self) -> int:
        self.event += 1
        return self.event

    def change(
        self,
        at: datetime,
        platform: Platform,
        old: Verdict,
        new: Verdict,
        *,
        event: int,
        incident: int,
        alert: bool,
        began: datetime | None,
        together: tuple[str, ...] = (),
    ) -> Change:
        from outagetray.core.judge import Change

        return Change(
            at=at,
            platform=platform,
            old=old,
            new=new,
            evidence=_evidence(platform, new, self.rng),
            alert=alert,
            event=event,
            together=together,
            incident=incident,
            began=began,
        )


def _plan(count: int, years: float, now: datetime, rng: random.Random, open_count: int) -> list[_Planned]:
    """The outages, oldest first: more of them in later years, no owner in two at once."""
    from outagetray.core.catalog import builtin_platforms

    platforms = list(builtin_platforms().values())
    weights = [WEIGHTS.get(p.id, 1.0) for p in platforms]
    first = now - timedelta(days=365.25 * years)
    span = (now - timedelta(hours=6) - first).total_seconds()
    segments = max(1, math.ceil(years))
    year_weights = [0.6 + 0.12 * k + rng.uniform(0, 0.25) for k in range(segments)]
    starts = sorted(
        first
        + timedelta(seconds=span * (rng.choices(range(segments), year_weights)[0] + rng.random()) / segments)
        for _ in range(count - open_count)
    )
    starts += [now - timedelta(minutes=m) for m in (190, 65, 12)[-open_count:]] if open_count else []
    judge = _Judge(rng)
    busy: dict[str, datetime] = {}  # owner -> when its last outage's "back" was confirmed
    planned: list[_Planned] = []
    for index, start in enumerate(starts):
        still_open = index >= len(starts) - open_count
        free = [i for i, p in enumerate(platforms) if busy.get(p.owner, first) < start]
        pick = platforms[rng.choices(free, [weights[i] for i in free])[0]]
        if still_open:
            end = None
        else:
            minutes = min(20 * 60.0, max(5.0, math.exp(rng.gauss(math.log(40), 1.0))))
            end = min(start + timedelta(minutes=minutes), now - RECOVER - timedelta(minutes=1))
        outage = _Planned(pick.owner, start, end)
        busy[pick.owner] = (end + RECOVER) if end is not None else now + timedelta(days=1)
        planned.append(outage)
        outage.changes = _changes(outage, pick, platforms, judge)
    return planned


def _changes(outage: _Planned, primary: Platform, platforms: list[Platform], judge: _Judge) -> list[Change]:
    """2 to 6 changes: each platform's onset and recovery, and worse, better or offline between."""
    from outagetray.core.model import Verdict

    rng = judge.rng
    problems = (Verdict.DEGRADED, Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)
    start, end = outage.start, outage.end
    length = (end - start) if end is not None else timedelta(minutes=10)
    members = [primary]
    joins = [start]
    if primary.owner == "Meta" and rng.random() < 0.35:
        others = [p for p in platforms if p.owner == "Meta" and p is not primary]
        for extra in rng.sample(others, rng.randint(1, min(2, len(others)))):
            members.append(extra)
            late = length > timedelta(minutes=20) and rng.random() < 0.4
            joins.append(start + timedelta(minutes=rng.uniform(2, 10)) if late else start)
    out: list[Change] = []
    opening: dict[datetime, int] = {}
    state: dict[str, Verdict] = {}
    for platform, join in zip(members, joins, strict=True):
        event = opening.get(join) or opening.setdefault(join, judge.next())
        together = tuple(m.id for m, j in zip(members, joins, strict=True) if j == join)
        first_verdict = rng.choices(problems, (45, 35, 20))[0]
        state[platform.id] = first_verdict
        out.append(
            judge.change(
                join + CONFIRM,
                platform,
                Verdict.OPERATIONAL,
                first_verdict,
                event=event,
                incident=event,
                alert=True,
                began=join,
                together=together if len(together) > 1 else (),
            )
        )
    numbers = {c.platform.id: c.incident for c in out}
    budget = max(0, rng.randint(2, 6) - 2 * len(members))
    first_at = start + CONFIRM
    last_at = (end if end is not None else start + length) - timedelta(minutes=1)
    moments = sorted(first_at + (last_at - first_at) * rng.random() for _ in range(budget))
    while moments:
        at = moments.pop(0)
        old = state[primary.id]
        if len(moments) >= 1 and rng.random() < 0.3:
            # The user's connection dropped: unknown, then the same outage again (no alerts).
            back = moments.pop(0)
            for when, new in ((at, Verdict.UNKNOWN), (back, old)):
                out.append(
                    judge.change(
                        when,
                        primary,
                        state[primary.id],
                        new,
                        event=judge.next(),
                        incident=numbers[primary.id],
                        alert=False,
                        began=None,
                    )
                )
                state[primary.id] = new
            continue
        new = rng.choice([v for v in problems if v is not old])
        out.append(
            judge.change(
                at,
                primary,
                old,
                new,
                event=judge.next(),
                incident=numbers[primary.id],
                alert=new.severity > old.severity,
                began=None,
            )
        )
        state[primary.id] = new
    if end is not None:
        for platform, join in zip(members, joins, strict=True):
            back = end if platform is primary else join + CONFIRM + (end - join - CONFIRM) * rng.random()
            fine = Verdict.MAINTENANCE if rng.random() < 0.05 else Verdict.OPERATIONAL
            out.append(
                judge.change(
                    back + RECOVER,
                    platform,
                    state[platform.id],
                    fine,
                    event=judge.next(),
                    incident=numbers[platform.id],
                    alert=True,
                    began=back,
                )
            )
    return out


def _act(
    incident_log: IncidentLog, incident: Incident, rng: random.Random, checklist: Checklist, now: datetime
) -> int:
    """What a user did about one incident: "I'm on it" for most, ticks, copied drafts. Returns the count."""
    from outagetray.core.records import Action, ActionKind

    if incident.is_open and rng.random() < 0.6:
        return 0  # the newest ones still wait for the user: flagged in the tray
    done = 0
    until = incident.ended_at or now
    at = min(incident.confirmed_at + timedelta(minutes=rng.uniform(1, 15)), until)
    if rng.random() < 0.7:
        incident_log.acknowledge(incident.id, at)
        done += 1
    items = [
        i.id
        for i in checklist.items
        if (not i.owners or incident.owner in i.owners) and incident.owner not in i.skip_owners
    ]
    for item in rng.sample(items, rng.randint(0, 4)):
        at += timedelta(minutes=rng.uniform(0.5, 20))
        incident_log.tick(incident.id, item, True, at)
        done += 1
        if rng.random() < 0.05:
            incident_log.tick(incident.id, item, False, at + timedelta(seconds=30))
            done += 1
    for subject in rng.sample(DRAFTS, rng.randint(0, 2)):
        kind = ActionKind.DRAFT_COPIED if rng.random() < 0.8 else ActionKind.COMPOSER_OPENED
        incident_log.add_action(
            incident.id, Action(at + timedelta(minutes=rng.uniform(1, 30)), kind, subject)
        )
        done += 1
    return done


def build_log(
    path: Path,
    count: int = COUNT,
    *,
    years: float = YEARS,
    open_count: int = OPEN,
    now: datetime | None = None,
    seed: int = 15,
) -> BuiltLog:
    """Write a log of ``count`` incidents over ``years`` years up to ``now``, the newest ``open_count`` open.

    Through the real ``IncidentLog.record``, ``BATCH`` changes per call, then the actions
    through ``acknowledge``/``tick``/``add_action``. Same seed, same log (relative to ``now``).
    """
    from outagetray.core.checklist import load_checklist
    from outagetray.core.incidents import IncidentLog

    started = time.perf_counter()
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    planned = _plan(count, years, now, rng, open_count)
    changes = sorted((c for p in planned for c in p.changes), key=lambda c: c.at)
    if path.exists():
        raise FileExistsError(f"{path} exists: the bench builds its log afresh")
    incident_log = IncidentLog.open(path, clock=lambda: now)
    try:
        # A fixture, not a user's log: no fsync per transaction (the file is the same).
        incident_log._conn.execute("PRAGMA synchronous=OFF")
        for first in range(0, len(changes), BATCH):
            incident_log.record(changes[first : first + BATCH])
        incidents = incident_log.incidents(drill=None, details=False)
        checklist = load_checklist()
        actions = sum(_act(incident_log, i, rng, checklist, now) for i in incidents)
    finally:
        incident_log.close()  # checkpoints the WAL into the file: readers open a clean log
    by_year = Counter(i.started_at.astimezone(UTC).year for i in incidents)
    return BuiltLog(
        path=path,
        incidents=len(incidents),
        open=sum(1 for i in incidents if i.is_open),
        changes=len(changes),
        actions=actions,
        multi_platform=sum(1 for i in incidents if len(i.platforms) > 1),
        seconds=time.perf_counter() - started,
        first=min((i.started_at for i in incidents), default=now),
        now=now,
        by_year=dict(sorted(by_year.items())),
    )


# -- opening the window (child process) ------------------------------------------------------------


def child_window() -> dict[str, Any]:
    """Time the window's first opening and its first tab switches, as in a running tray app."""
    # What a running tray already holds (App and the playbook import these at start, and
    # playbook_history with the log's first reading), so the clock sees only what opening
    # the window costs: outagetray.ui.window and the cockpit are imported on first opening.
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QWidget

    import outagetray.app
    import outagetray.app_playbook
    import outagetray.core.checklist
    import outagetray.core.drafts
    import outagetray.core.followups
    import outagetray.core.incident_recorder
    import outagetray.core.incidents
    import outagetray.core.judge
    import outagetray.core.monitor
    import outagetray.core.playbook_history
    import outagetray.core.settings
    import outagetray.ui.notify
    import outagetray.ui.tray  # noqa: F401
    from outagetray.core.checklist import load_checklist
    from outagetray.core.drafts import DraftLibrary
    from outagetray.core.drafts import default_path as drafts_path
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.settings import Settings

    app = QApplication(sys.argv[:1])
    app.setApplicationName("OutageTray")
    app.setQuitOnLastWindowClosed(False)
    app.processEvents()
    # Loaded in the background when the playbook starts (app_playbook._load_playbook).
    library, checklist, settings = DraftLibrary(drafts_path()), load_checklist(), Settings()

    class Painted(QObject):
        """Waits for the first paint of a widget or anything inside it."""

        def __init__(self) -> None:
            super().__init__()
            self.target: QWidget | None = None
            self.seen = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            target = self.target
            if (
                not self.seen
                and target is not None
                and event.type() == QEvent.Type.Paint
                and isinstance(watched, QWidget)
                and (watched is target or target.isAncestorOf(watched))
            ):
                self.seen = True
            return False

        def wait(self, target: QWidget, limit: float = 20.0) -> None:
            self.target, self.seen = target, False
            deadline = time.perf_counter() + limit
            while not self.seen:
                app.processEvents()
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{type(target).__name__} was not painted in {limit:.0f} s")
            self.target = None

    painted = Painted()
    app.installEventFilter(painted)

    t0 = time.perf_counter()
    incident_log = IncidentLog.open(read_only=True)
    since = datetime.now(UTC) - RECENT
    open_, recent = incident_log.open_incidents(drill=False), incident_log.incidents(since=since, drill=False)
    incident_log.close()
    t_read = time.perf_counter()
    if not open_ and not recent:
        raise RuntimeError(f"no incidents in the log where the app looks, {incident_log.path}")
    from outagetray.ui.window import StatusWindow

    window = StatusWindow()
    # What Playbook.window_built hands a newly built window.
    window.set_playbook(settings, library, checklist)
    window.set_following(())
    window.set_log_notice("")
    window.show_incidents(open_, recent)
    t_built = time.perf_counter()
    window.show()
    painted.wait(window)
    t_shown = time.perf_counter()

    from outagetray.ui.cockpit.tabs import TABS

    t = time.perf_counter()
    window.tabs.setCurrentIndex(TABS.index("History"))
    painted.wait(window.cockpit.pages["History"])
    history_s = time.perf_counter() - t
    view = window.history_view
    assert view is not None
    t = time.perf_counter()
    view.span_buttons["30 days"].click()
    painted.wait(view)
    month_s = time.perf_counter() - t
    assert view.page is not None and view.page.span == "30 days"
    listed = len(view.page.incidents)

    newest = max((*open_, *recent), key=lambda i: (i.started_at, i.id))
    t = time.perf_counter()
    window.show_incident(newest.id)
    painted.wait(window.cockpit.pages["Incident"])
    incident_s = time.perf_counter() - t
    current = window.current_incident()
    assert current is not None and current.id == newest.id
    return {
        "open_ms": (t_shown - t0) * 1000,
        "read_ms": (t_read - t0) * 1000,
        "build_ms": (t_built - t_read) * 1000,
        "paint_ms": (t_shown - t_built) * 1000,
        "history_ms": history_s * 1000,
        "month_ms": month_s * 1000,
        "incident_ms": incident_s * 1000,
        "open": len(open_),
        "recent": len(recent),
        "month_listed": listed,
    }


def time_window(folder: Path, runs: int = WINDOW_RUNS) -> dict[str, Any]:
    """Medians over ``runs`` children of child_window's figures (each child a fresh process),
    after one untimed child that fills the bytecode cache (see child_env)."""
    results = []
    for _ in range(runs + 1):
        out = subprocess.run(
            [sys.executable, "-m", "bench.playbook", "--child", "window"],
            env=child_env(folder),
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode != 0:
            raise RuntimeError(f"the window child failed:\n{out.stderr[-3000:]}")
        results.append(json.loads(out.stdout.splitlines()[-1]))
    timed = results[1:]
    return {key: statistics.median(r[key] for r in timed) for key in timed[0]}


# -- the commands ---------------------------------------------------------------------------------


def _timed(argv: list[str], folder: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = child_env(folder)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[1:])} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done


def time_json(folder: Path, expected: int, runs: int = JSON_RUNS) -> dict[str, Any]:
    """``outagetray incidents --json``: median wall time after an untimed run; it must list every incident."""
    times = []
    entries = 0
    for _ in range(runs + 1):
        seconds, done = _timed([command(), "incidents", "--json"], folder)
        entries = len(json.loads(done.stdout))
        if entries != expected:
            raise RuntimeError(f"incidents --json listed {entries} incidents, the log holds {expected}")
        times.append(seconds)
    return {"seconds": statistics.median(times[1:]), "entries": entries}


def time_export(folder: Path, fmt: str, year: int, runs: int = EXPORT_RUNS) -> dict[str, Any]:
    """``outagetray export`` of one calendar year: median wall time after an untimed run, incidents
    written, file size."""
    target = folder / f"export-{year}.{fmt}"
    argv = [command(), "export", "--format", fmt, "--since", f"{year}-01-01", "--until", f"{year}-12-31"]
    times = []
    written = 0
    for _ in range(runs + 1):
        seconds, done = _timed([*argv, "-o", str(target)], folder)
        found = re.search(r"Wrote (\d+) outage", done.stderr)
        written = int(found.group(1)) if found else 0
        times.append(seconds)
    return {"seconds": statistics.median(times[1:]), "incidents": written, "bytes": target.stat().st_size}


# -- all of it -------------------------------------------------------------------------------------


def run(count: int = COUNT, runs: int | None = None) -> dict[str, Any]:
    """Build the log in a temp home, then measure; ``runs`` overrides every median's run count."""
    with tempfile.TemporaryDirectory(prefix="outagetray-bench-") as tmp:
        folder = Path(tmp)
        home_env(folder)  # makes the runtime folder
        built = build_log(log_path(folder), count)
        year = built.busiest_full_year()
        assert year is not None, "the log covers no full year"
        return {
            "built": {
                "incidents": built.incidents,
                "open": built.open,
                "changes": built.changes,
                "actions": built.actions,
                "multi_platform": built.multi_platform,
                "seconds": built.seconds,
                "years": (built.now - built.first).days / 365.25,
            },
            "window": time_window(folder, runs or WINDOW_RUNS),
            "json": time_json(folder, built.incidents, runs or JSON_RUNS),
            "year": year,
            "html": time_export(folder, "html", year, runs or EXPORT_RUNS),
            "csv": time_export(folder, "csv", year, runs or EXPORT_RUNS),
        }


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _size(octets: int) -> str:
    return f"{octets / 1_000_000:.1f} MB" if octets >= 1_000_000 else f"{octets / 1000:.0f} kB"


def describe(r: dict[str, Any]) -> str:
    """The figures of ``run()``, each beside its goal."""
    b, w, j, html, csv = r["built"], r["window"], r["json"], r["html"], r["csv"]
    return (
        f"playbook, a log of {b['incidents']:,} incidents over {b['years']:.1f} years ({b['changes']:,} "
        f"changes, {b['actions']:,} actions, {b['multi_platform']:,} of several platforms, {b['open']} open; "
        f"built in {b['seconds']:.1f} s):\n"
        f"  opening the window (median of {WINDOW_RUNS}): {w['open_ms']:.0f} ms (reading the log "
        f"{w['read_ms']:.0f} ms for {w['open']:.0f} open and {w['recent']:.0f} recent, building "
        f"{w['build_ms']:.0f} ms, first paint {w['paint_ms']:.0f} ms); goal < {GOAL_WINDOW_MS:.0f} ms: "
        f"{_met(w['open_ms'] < GOAL_WINDOW_MS)}\n"
        f"  then History tab {w['history_ms']:.0f} ms, its 30 days view {w['month_ms']:.0f} ms "
        f"({w['month_listed']:.0f} incidents listed), Incident tab on the newest {w['incident_ms']:.0f} ms "
        f"(no goal)\n"
        f"  `outagetray incidents --json` (median of {JSON_RUNS}): {j['seconds']:.2f} s, {j['entries']:,} "
        f"entries; goal < {GOAL_JSON_S:.0f} s: {_met(j['seconds'] < GOAL_JSON_S)}\n"
        f"  `outagetray export` of {r['year']}, the busiest full year ({html['incidents']:,} incidents; "
        f"median of {EXPORT_RUNS}): HTML {html['seconds']:.2f} s, {_size(html['bytes'])}; "
        f"goal < {GOAL_HTML_S:.0f} s: {_met(html['seconds'] < GOAL_HTML_S)}. "
        f"CSV {csv['seconds']:.2f} s, {_size(csv['bytes'])} (no goal)"
    )


def report() -> str:
    return describe(run())


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child" and sys.argv[2] == "window":
        print(json.dumps(child_window()), flush=True)
        # Skip interpreter teardown: PySide6 can abort finalizing widgets that outlive their
        # QApplication in a script like this one, and the figures are already out.
        os._exit(0)
    else:
        print(report())
