"""The playbook benchmark builds a log the real reader takes for a user's, and measures on it.

Its figures are only worth something if the log is what the issue describes (years of
incidents, correlated Meta ones, 2-6 changes each, actions, the newest still open) and
if the children find it where a user's app would. These checks run it small: no timing
is asserted, only that every measurement runs and reads what was built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import playbook
from outagetray.core.incidents import IncidentLog
from outagetray.core.model import Verdict
from outagetray.core.records import ActionKind
from tests.support.installed import home_env

SMALL = 300


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, playbook.BuiltLog]:
    folder = tmp_path_factory.mktemp("home")
    home_env(folder)
    return folder, playbook.build_log(playbook.log_path(folder), SMALL)


def test_the_log_reads_back_as_built(built: tuple[Path, playbook.BuiltLog]) -> None:
    _folder, log = built
    with IncidentLog.open(log.path, read_only=True) as reader:
        incidents = reader.incidents(drill=None)
        still_open = reader.open_incidents()
    # As many as planned: no two outages of one owner overlapped (the log would merge them).
    assert len(incidents) == log.incidents == SMALL
    assert len(still_open) == log.open == playbook.OPEN
    newest = sorted(incidents, key=lambda i: i.started_at)[-playbook.OPEN :]
    assert {i.id for i in still_open} == {i.id for i in newest}
    assert all(2 <= len(i.changes) <= 6 for i in incidents if not i.is_open)
    assert sum(len(i.changes) for i in incidents) == log.changes
    assert sum(len(i.actions) for i in incidents) == log.actions > 0
    assert any(i.acknowledged for i in incidents) and not all(i.acknowledged for i in incidents)
    assert any(a.kind is ActionKind.TICKED for i in incidents for a in i.actions)
    assert any(i.owner == "Meta" and len(i.platforms) > 1 for i in incidents)
    assert log.multi_platform == sum(1 for i in incidents if len(i.platforms) > 1) > 0
    assert all(i.worst.is_problem for i in incidents)
    assert all(c.sources for i in incidents for c in i.changes)
    assert {c.new for i in incidents for c in i.changes} >= {Verdict.UNKNOWN, Verdict.OPERATIONAL}
    # Years of history, up to now.
    assert (log.now - log.first).days > 365 * (playbook.YEARS - 1)
    assert log.busiest_full_year() in log.by_year
    assert sum(log.by_year.values()) == SMALL


def test_every_measurement_runs_on_the_log(built: tuple[Path, playbook.BuiltLog]) -> None:
    folder, log = built
    window = playbook.time_window(folder, runs=1)
    # The child found the log through XDG_DATA_HOME, as the app would.
    assert window["open"] == playbook.OPEN
    assert window["recent"] >= playbook.OPEN
    assert window["month_listed"] == window["recent"]
    assert all(window[key] > 0 for key in ("open_ms", "history_ms", "month_ms", "incident_ms"))
    # Timed as installed: from bytecode, cached outside the checkout by the untimed first run.
    assert "PYTHONDONTWRITEBYTECODE" not in playbook.child_env(folder)
    assert any((folder / "pycache").rglob("window*.pyc"))
    listed = playbook.time_json(folder, log.incidents, runs=1)
    assert listed["entries"] == SMALL
    year = log.busiest_full_year()
    assert year is not None
    for fmt in ("html", "csv"):
        exported = playbook.time_export(folder, fmt, year, runs=1)
        assert exported["incidents"] > 0 and exported["bytes"] > 0
    assert (folder / f"export-{year}.html").read_text().lstrip().lower().startswith("<!doctype html")


def fake_run(open_ms: float, json_s: float, html_s: float) -> dict[str, Any]:
    return {
        "built": {
            "incidents": 10_000,
            "open": 3,
            "changes": 40_000,
            "actions": 35_000,
            "multi_platform": 1500,
            "seconds": 3.0,
            "years": 8.0,
        },
        "window": {
            "open_ms": open_ms,
            "read_ms": 40.0,
            "build_ms": 100.0,
            "paint_ms": 10.0,
            "history_ms": 25.0,
            "month_ms": 25.0,
            "incident_ms": 150.0,
            "open": 3,
            "recent": 150,
            "month_listed": 150,
        },
        "json": {"seconds": json_s, "entries": 10_000},
        "year": 2025,
        "html": {"seconds": html_s, "incidents": 1600, "bytes": 11_800_000},
        "csv": {"seconds": 0.4, "incidents": 1600, "bytes": 1_040_000},
    }


@pytest.mark.parametrize(
    ("open_ms", "json_s", "html_s", "verdicts"),
    [
        (150.0, 0.5, 1.0, ["met", "met", "met"]),
        (250.0, 0.5, 1.0, ["NOT met", "met", "met"]),
        (150.0, 1.5, 2.5, ["met", "NOT met", "NOT met"]),
    ],
)
def test_report_puts_each_figure_beside_its_goal(
    open_ms: float, json_s: float, html_s: float, verdicts: list[str]
) -> None:
    lines = playbook.describe(fake_run(open_ms, json_s, html_s)).splitlines()
    window = next(line for line in lines if "opening the window" in line)
    listing = next(line for line in lines if "incidents --json" in line)
    export = next(line for line in lines if "export" in line and "HTML" in line)
    assert f"{open_ms:.0f} ms" in window and window.endswith(f"goal < 200 ms: {verdicts[0]}")
    assert f"{json_s:.2f} s" in listing and listing.endswith(f"goal < 1 s: {verdicts[1]}")
    assert f"HTML {html_s:.2f} s, 11.8 MB; goal < 2 s: {verdicts[2]}." in export
    assert "2025" in export and "1,600 incidents" in export and "CSV 0.40 s" in export
