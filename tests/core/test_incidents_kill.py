"""Nothing committed is lost when the process is killed at any moment (issue 15 item 2).

A child process writes to the log as the recorder would: outages open, go unknown,
close, platforms come back after a "restart", checklist items are ticked and unticked,
incidents acknowledged. After each write returns it prints what it wrote. The parent
kills it with SIGKILL after a random delay, about thirty times over one file, and
after each kill reopens the log and checks that everything printed is there, whole,
and that the file and its incidents are consistent.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from outagetray.core.incidents import IncidentLog
from outagetray.core.model import Verdict

ROOT = Path(__file__).resolve().parents[2]
RUNS = 30

WRITER = textwrap.dedent(
    """
    import random, sys
    from datetime import UTC, datetime, timedelta
    from pathlib import Path

    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change
    from outagetray.core.model import Platform, SourceSpec, Verdict

    path, run = Path(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(run)
    platforms = [
        Platform(pid, pid.title(), owner, sources=(SourceSpec("statuspage", f"https://{pid}.example/"),))
        for pid, owner in (("facebook", "Meta"), ("instagram", "Meta"), ("x", "X"), ("discord", "Discord"))
    ]
    log = IncidentLog.open(path)
    print("ready", flush=True)
    down: dict[str, int] = {}  # platform id -> the judge's number of its outage, this run
    number = run * 1_000_000
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=run)
    known = [i.id for i in log.incidents(limit=5, details=False)]
    for step in range(1, 100_000):
        at = start + timedelta(seconds=step)
        roll = rng.random()
        if roll < 0.55:
            p = rng.choice(platforms)
            number += 1
            if p.id not in down:
                together = [q for q in platforms if q.owner == p.owner and q.id not in down]
                if len(together) > 1 and rng.random() < 0.5:
                    group = together  # a correlated event: one write, several changes
                else:
                    group = [p]
                new = rng.choice([Verdict.DEGRADED, Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE])
                ids = tuple(q.id for q in group) if len(group) > 1 else ()
                changes = [
                    Change(at, q, Verdict.OPERATIONAL, new, "down", True, number, ids, number) for q in group
                ]
                for q in group:
                    down[q.id] = number
            elif rng.random() < 0.3:
                old, new = Verdict.MAJOR_OUTAGE, Verdict.UNKNOWN
                changes = [Change(at, p, old, new, "offline", False, number, (), down[p.id])]
            else:
                old, new = Verdict.MAJOR_OUTAGE, Verdict.OPERATIONAL
                changes = [Change(at, p, old, new, "back", True, number, (), down.pop(p.id))]
            touched = log.record(changes)
            known.extend(touched)
            if touched:
                print(f"C {number} {len(changes)}", flush=True)
        elif roll < 0.65:
            p = rng.choice(platforms)
            if p.id in down:
                continue
            number += 1
            # After a restart the judge starts afresh: "operational" with no number ends
            # whatever the log left open for the platform.
            change = Change(at, p, Verdict.UNKNOWN, Verdict.OPERATIONAL, "fine", False, number, (), 0)
            if log.record([change]):
                print(f"C {number} 1", flush=True)
        elif known:
            incident = rng.choice(known[-10:])
            if rng.random() < 0.15:
                action = log.acknowledge(incident, at)
            else:
                action = log.tick(incident, f"item-{rng.randrange(6)}", rng.random() < 0.7, at)
            print(f"A {action} {incident}", flush=True)
    """
)


def _consistent(path: Path) -> list[str]:
    """What is wrong with the file or its incidents, in words; empty when all is well."""
    conn = sqlite3.connect(path)
    problems = []
    if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        problems.append("integrity_check failed")
    if conn.execute("PRAGMA foreign_key_check").fetchall():
        problems.append("rows point at incidents that do not exist")
    severity = {v.value: v.severity for v in Verdict}
    members: dict[int, list[tuple[str, str | None]]] = {}
    for incident, platform, end in conn.execute(
        "SELECT incident_id, platform, ended_at FROM incident_platforms"
    ):
        members.setdefault(incident, []).append((platform, end))
    news: dict[int, list[str]] = {}
    for incident, new in conn.execute("SELECT incident_id, new FROM changes"):
        news.setdefault(incident, []).append(new)
    for incident, ended, worst in conn.execute("SELECT id, ended_at, worst FROM incidents"):
        if not members.get(incident) or not news.get(incident):
            problems.append(f"incident {incident} has no platforms or no changes")
            continue
        still = [p for p, end in members[incident] if end is None]
        if (ended is None) != bool(still):
            problems.append(f"incident {incident}: ended_at {ended} but platforms still failing {still}")
        if severity[worst] != max(severity[n] for n in news[incident]):
            problems.append(f"incident {incident}: worst {worst} is not the worst of its changes")
    mapped = conn.execute(
        "SELECT COUNT(*) FROM judge_incidents WHERE incident_id NOT IN (SELECT id FROM incidents)"
    ).fetchone()[0]
    if mapped:
        problems.append("judge numbers mapped to missing incidents")
    conn.close()
    return problems


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_killing_the_writer_at_random_moments_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    rng = random.Random(15_2)
    changes: dict[int, int] = {}  # event -> changes written with it
    actions: dict[int, int] = {}  # action id -> incident
    killed_while_writing = 0
    began = time.monotonic()
    for run in range(1, RUNS + 1):
        child = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(run)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdout is not None
        if run % 6 == 0:
            time.sleep(rng.uniform(0.0, 0.4))  # now and then while it starts, opens or migrates
        else:
            assert child.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.01, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        out = child.stdout.read()
        child.stdout.close()
        lines = out.splitlines()
        if out and not out.endswith("\n"):
            lines = lines[:-1]  # a line cut by the kill was not promised
        for line in lines:
            kind, *fields = line.split()
            if kind == "C":
                changes[int(fields[0])] = int(fields[1])
            elif kind == "A":
                actions[int(fields[0])] = int(fields[1])
        killed_while_writing += bool(lines)

        log = IncidentLog.open(path)
        assert log.notice == ""  # not taken for a damaged file
        conn = log._conn
        kept = dict(conn.execute("SELECT event, COUNT(*) FROM changes GROUP BY event").fetchall())
        lost = {
            event: (kept.get(event, 0), count) for event, count in changes.items() if kept.get(event) != count
        }
        assert lost == {}, f"run {run}: events whose changes (kept, written) differ"
        kept_actions = dict(conn.execute("SELECT id, incident_id FROM actions").fetchall())
        assert {a: i for a, i in actions.items() if kept_actions.get(a) != i} == {}, (
            f"run {run}: actions lost"
        )
        log.close()
        assert _consistent(path) == [], f"run {run}"
    assert killed_while_writing >= RUNS // 2  # most kills landed among writes, not before them
    assert len(changes) > 100 and len(actions) > 20
    assert time.monotonic() - began < 60
