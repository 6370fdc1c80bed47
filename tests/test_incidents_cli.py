"""``outagetray incidents`` and ``outagetray export``: the log as people and scripts read it."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outagetray.cli import main
from outagetray.core.incidents import IncidentLog
from outagetray.core.judge import Change
from outagetray.core.model import Platform, SourceSpec, Verdict

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime(2026, 11, 25, 16, 3, tzinfo=UTC)
FACEBOOK = Platform(
    "facebook", "Facebook", "Meta", sources=(SourceSpec("meta_orgs", "https://metastatus.example/"),)
)
INSTAGRAM = Platform("instagram", "Instagram", "Meta")
DISCORD = Platform("discord", "Discord", "Discord")


def change(
    minutes: int, platform: Platform, old: Verdict, new: Verdict, number: int, evidence: str = ""
) -> Change:
    at = T0 + timedelta(minutes=minutes)
    # A recovery says when the judge last saw the platform failing: a round before, as when watched.
    last_bad = at - timedelta(minutes=1) if old.is_problem and not new.is_problem else None
    return Change(
        at, platform, old, new, evidence or new.label, True, number + minutes, (), number, last_bad=last_bad
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Three outages: Meta (two platforms, acknowledged, over), Discord (still going on), a drill."""
    path = tmp_path / "incidents.sqlite3"
    log = IncidentLog.open(path)
    ok, down = Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE
    log.record(
        [
            change(
                0, FACEBOOK, ok, down, 1, "Facebook is down; see https://u:pw@status.example/?token=s3cret"
            ),
            change(0, INSTAGRAM, ok, Verdict.PARTIAL_OUTAGE, 1),
        ]
    )
    log.acknowledge(1, T0 + timedelta(minutes=2))
    log.record([change(30, FACEBOOK, down, ok, 1), change(45, INSTAGRAM, Verdict.PARTIAL_OUTAGE, ok, 1)])
    log.record([change(24 * 60, DISCORD, ok, Verdict.DEGRADED, 100, "Discord is slow\x1b[31m")])
    log.record([change(2 * 24 * 60, DISCORD, Verdict.DEGRADED, down, 500)], drill=True)
    log.close()
    return path


def test_json_lists_newest_first_with_utc_times_and_no_secrets(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["incidents", "--json", "--db", str(db)]) == 0
    drill, discord, meta = json.loads(capsys.readouterr().out)
    assert meta == {
        "id": 1,
        "platforms": ["facebook", "instagram"],
        "names": ["Facebook", "Instagram"],
        "owner": "Meta",
        "worst": "major_outage",
        "started_at": "2026-11-25T16:03:00+00:00",
        "confirmed_at": "2026-11-25T16:03:00+00:00",
        "ended_at": "2026-11-25T16:48:00+00:00",
        "duration_s": 45 * 60,
        "end_uncertain": False,
        "last_seen_down": "2026-11-25T16:47:00+00:00",
        "evidence": "Facebook is down; see https://u:***@status.example/?token=***",
        "acknowledged": True,
        "drill": False,
    }
    assert discord["ended_at"] is None and discord["duration_s"] > 24 * 3600
    assert discord["evidence"] == "Discord is slow"  # no terminal escapes
    assert drill["drill"] is True and drill["id"] == 3


def test_the_table_is_in_local_time(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert main(["incidents", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "times in Europe/Berlin" in out
    assert "#1  2026-11-25 17:03 to 17:48 (45 min)  Facebook, Instagram: major outage, you were on it" in out
    assert "#2  2026-11-26 17:03 until now (still going on," in out and "fire drill" in out
    assert "s3cret" not in out and "\x1b" not in out
    assert out.index("#3") < out.index("#2") < out.index("#1")


def test_no_log_yet_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nothing" / "incidents.sqlite3"
    assert main(["incidents", "--db", str(missing)]) == 0
    assert capsys.readouterr().out == "No outages recorded yet.\n"
    assert main(["incidents", "--json", "--db", str(missing)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert not missing.parent.exists()  # reading creates nothing
    assert main(["export", "--format", "csv", "--db", str(missing)]) == 0
    assert "No outages recorded yet." in capsys.readouterr().err


def test_a_damaged_log_is_a_plain_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "incidents.sqlite3"
    broken.write_bytes(b"not a database, just words" * 200)
    assert main(["incidents", "--db", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "is damaged and cannot be read" in err and "Traceback" not in err
    assert broken.exists()  # a reader never moves it: the recorder does


def test_export_csv_all_and_one(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "csv", "--db", str(db)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith('"id","platforms"') and len(rows) == 4
    assert main(["export", "--format", "csv", "--incident", "1", "--db", str(db)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2 and rows[1].startswith('"1","Facebook, Instagram","Meta"')
    assert main(["export", "--format", "csv", "--incident", "99", "--db", str(db)]) == 2
    assert "no outage number 99" in capsys.readouterr().err


def test_export_a_period_to_a_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    out = tmp_path / "report.html"
    args = ["export", "--format", "html", "--since", "2026-11-26", "--until", "2026-11-26", "-o", str(out)]
    assert main([*args, "--db", str(db)]) == 0
    assert "Wrote 1 outage to" in capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Discord" in page and "Instagram" not in page
    # The Meta outage ran 16:03-16:48 UTC: a period from 16:30 UTC still touches it.
    assert (
        main(
            [
                "export",
                "--format",
                "csv",
                "--since",
                "2026-11-25T16:30Z",
                "--until",
                "2026-11-25T17:00+00:00",
                "--db",
                str(db),
            ]
        )
        == 0
    )
    rows = capsys.readouterr().out.splitlines()
    assert len(rows) == 2 and rows[1].startswith('"1"')


@pytest.mark.parametrize(
    "args",
    [
        ["--since", "yesterday"],
        ["--since", "2026-11-26", "--until", "2026-11-20"],
        ["--incident", "1", "--since", "2026-11-20"],
    ],
)
def test_export_usage_mistakes_exit_2_in_plain_words(
    db: Path, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--format", "csv", *args, "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("outagetray: ") and "Traceback" not in err


def test_the_command_runs_as_a_program(db: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "outagetray", "incidents", "--json", "--db", str(db)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert [i["id"] for i in json.loads(done.stdout)] == [3, 2, 1]


def test_an_end_nobody_watched_is_said_as_a_span(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asleep from 16:05 to 07:10: the end is "between", in the table and in the JSON."""
    import dataclasses

    monkeypatch.setenv("TZ", "UTC")
    path = tmp_path / "incidents.sqlite3"
    log = IncidentLog.open(path)
    ok, down = Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE
    log.record([change(0, DISCORD, ok, down, 1)])
    back = dataclasses.replace(
        change(15 * 60 + 7, DISCORD, down, ok, 1),
        began=T0 + timedelta(minutes=15 * 60 + 7),
        last_bad=T0 + timedelta(minutes=2),
    )
    log.record([back])
    log.close()
    assert main(["incidents", "--json", "--db", str(path)]) == 0
    [item] = json.loads(capsys.readouterr().out)
    assert item["end_uncertain"] is True and item["last_seen_down"] == "2026-11-25T16:05:00+00:00"
    assert main(["incidents", "--db", str(path)]) == 0
    assert "ended between 16:05 and 2026-11-26 07:10 (not watched in between)" in capsys.readouterr().out
