"""``outagetray drill`` as a user runs it: the installed command, in its own process, with the test's folders.

The 2021-10-04 run is issue 17's bar: one correlated incident, detected within the
confirmation rounds of the truth, and no false alarm, printed as JSON by the real command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from outagetray.core.drills.scenario import builtin_ids

ROOT = Path(__file__).resolve().parents[1]
#: Scenario seconds per real second: the waits vanish, the rounds' own real time remains.
SPEED = "100000"


def drill(*words: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "outagetray", "drill", *words],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_list_names_every_builtin_drill_one_line_each() -> None:
    done = drill("--list")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines] == builtin_ids()
    assert any("Meta's DNS outage, 4 October 2021" in line for line in lines)
    listed = drill("--list", "--json")
    assert listed.returncode == 0, listed.stderr
    items = json.loads(listed.stdout)
    assert [i["id"] for i in items] == builtin_ids()
    assert all(i["title"] and i["summary"] for i in items)


def test_json_report_of_2021_10_04_is_one_correlated_incident_detected_in_time_without_false_alarms() -> None:
    done = drill("meta-2021-10-04", "--speed", SPEED, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["incidents"] == 1
    assert report["false_alarms"] == 0
    assert report["previews"] == [] and report["channel_checks"] == []
    assert [i["platforms"] for i in report["opened_incidents"]] == [
        ["facebook", "instagram", "whatsapp", "messenger"]
    ]
    detections = {d["platform"]: d for d in report["detections"]}
    assert sorted(detections) == sorted(["facebook", "instagram", "whatsapp", "messenger"])
    for found in detections.values():
        down = moment(found["truth_down_at"])
        assert found["truth_down_at"] == "2021-10-04T15:39:00Z"
        # Three confirmation rounds of a scenario minute, and a round of slack.
        assert down <= moment(found["detected_at"]) <= down + timedelta(minutes=4), found
        assert found["recovered_at"] is not None and found["alerts"] == 2
    assert len({d["detected_at"] for d in detections.values()}) == 1  # one notification for the four
    assert report["expect_met"] == {"incidents": True, "false_alarms": True, "alerts": True}
    # People watching see it happen on the scenario's clock, marked as a drill.
    detected = moment(detections["facebook"]["detected_at"])
    assert (
        f"{detected:%H:%M} Facebook, Instagram, WhatsApp and Messenger are down (fire drill)" in done.stderr
    )
    # The drill's outage went to the drill log in the test's data folder, never to the real log.
    data = Path(os.environ["XDG_DATA_HOME"])
    assert [p.name for p in data.rglob("drills.sqlite3")] == ["drills.sqlite3"]
    assert not list(data.rglob("incidents.sqlite3"))


def test_a_bad_drill_file_exits_2_with_plain_words(tmp_path: Path) -> None:
    path = tmp_path / "my-drill.toml"
    path.write_text(
        'id = "my-drill"\ntitle = "Mine"\nsummary = "A test."\n'
        "start = 2026-03-02T08:00:00Z\nend = 2026-03-02T09:00:00Z\n"
        'platforms = ["instagram"]\n\n[[steps]]\nfrom = 2026-03-02T08:10:00Z\n'
        'untill = 2026-03-02T08:30:00Z\nplatforms = ["instagram"]\nweb = 503\n',
        encoding="utf-8",
    )
    done = drill(str(path), "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "my-drill.toml" in done.stderr and 'Did you mean "until"?' in done.stderr
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    unknown = drill("meta-2021")
    assert unknown.returncode == 2 and 'There is no drill called "meta-2021"' in unknown.stderr


def test_a_drill_that_goes_otherwise_than_it_expects_exits_1_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "short.toml"
    path.write_text(
        'id = "short"\ntitle = "A short outage"\nsummary = "Instagram fails for ten minutes."\n'
        "start = 2026-03-02T08:00:00Z\nend = 2026-03-02T08:30:00Z\n"
        'platforms = ["instagram"]\n\n[[steps]]\nfrom = 2026-03-02T08:05:00Z\n'
        'until = 2026-03-02T08:15:00Z\nplatforms = ["instagram"]\nweb = 503\n\n'
        '[[truth]]\nplatform = "instagram"\ndown = 2026-03-02T08:05:00Z\nup = 2026-03-02T08:15:00Z\n'
        'verdict = "major_outage"\n\n[expect]\nincidents = 2\nfalse_alarms = 0\n',
        encoding="utf-8",
    )
    done = drill(str(path), "--speed", SPEED)
    assert done.returncode == 1, done.stderr
    assert "Fire drill report: A short outage" in done.stdout
    assert "1 outage incident opened" in done.stdout
    assert "Not as the drill expects: the number of outage incidents." in done.stdout
    assert "Instagram: really had trouble from 08:05 to 08:15" in done.stdout
