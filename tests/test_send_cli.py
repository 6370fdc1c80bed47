"""``outagetray send``, ``outbox`` and ``channels check`` as a script would run them, against real peers.

The command runs as its own process, with its secrets in a test password store, and posts to
an SMTP server on loopback; a second run resumes instead of sending again, and the planted
secret shows up nowhere it must not: the settings file, the log, the output, the error text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outagetray.core.incidents import IncidentLog
from outagetray.core.judge import Change
from outagetray.core.model import Platform, Verdict
from tests.support.filekeyring import environment
from tests.support.smtp_peer import SmtpPeer

ROOT = Path(__file__).resolve().parents[1]
T0 = datetime.now(UTC) - timedelta(minutes=40)
INSTAGRAM = Platform("instagram", "Instagram", "Meta")
USER = "news@shop.test"
PASSWORD = "Planted-Secret-7f3a9c"
PEOPLE = ["ana@example.test", "ben@example.test", "cai@example.test"]


def incident_log(path: Path, *, recovered: bool = False) -> Path:
    log = IncidentLog.open(path)
    ok, down = Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE
    log.record([Change(T0, INSTAGRAM, ok, down, "Instagram is down", True, 1, (), 1)])
    if recovered:
        end = T0 + timedelta(minutes=30)
        log.record([Change(end, INSTAGRAM, down, ok, "back", True, 31, (), 1, last_bad=end)])
    log.close()
    return path


def settings_file(path: Path, smtp: SmtpPeer, extra: str = "") -> Path:
    path.write_text(
        "# my settings\n"
        '[profile]\nbrand = "Corner Shop"\n\n'
        "[[channels]]\n"
        'id = "newsletter"\ntype = "email"\nname = "Newsletter"\nplatform = "email"\n'
        f'host = "127.0.0.1"\nport = {smtp.port}\nsecurity = "none"\n'
        f'username = "{USER}"\nfrom = "{USER}"\nto = {json.dumps(PEOPLE)}\n' + extra,
        "utf-8",
    )
    return path


@pytest.fixture
def smtp() -> Iterator[SmtpPeer]:
    with SmtpPeer(USER, PASSWORD) as peer:
        yield peer


def run(
    tmp_path: Path, *args: str, secrets: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        environment(tmp_path / "keyring.json", secrets if secrets is not None else {"newsletter": PASSWORD})
    )
    return subprocess.run(
        [sys.executable, "-m", "outagetray", "--config", str(tmp_path / "config.toml"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


def test_send_delivers_once_and_a_second_run_sends_nothing(tmp_path: Path, smtp: SmtpPeer) -> None:
    db = incident_log(tmp_path / "incidents.sqlite3")
    settings_file(tmp_path / "config.toml", smtp)
    args = ("send", "--incident", "1", "--draft", "notice", "--json", "--db", str(db))
    first = run(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    [result] = json.loads(first.stdout)
    assert result["channel"] == "newsletter" and result["state"] == "confirmed" and result["error"] is None
    assert result["receipt"]["id"]
    [(sender, recipients, raw)] = smtp.messages
    assert sender == USER and sorted(recipients) == sorted(PEOPLE)
    assert b"Corner Shop" in raw and b"Instagram" in raw
    for person in PEOPLE:
        assert person.encode() not in raw.split(b"\r\n\r\n", 1)[0]  # nobody sees the list

    again = run(tmp_path, *args)
    assert again.returncode == 0 and json.loads(again.stdout)[0]["state"] == "confirmed"
    assert len(smtp.messages) == 1

    listed = run(tmp_path, "outbox", "--json", "--db", str(db))
    [job] = json.loads(listed.stdout)
    assert (job["incident"], job["draft"], job["channel"], job["state"]) == (
        1,
        "notice",
        "newsletter",
        "confirmed",
    )
    assert job["attempts"] == 1 and job["finished_at"].endswith("Z")


def test_the_planted_secret_appears_nowhere(tmp_path: Path, smtp: SmtpPeer) -> None:
    db = incident_log(tmp_path / "incidents.sqlite3")
    config = settings_file(tmp_path / "config.toml", smtp)
    outputs = [
        run(tmp_path, "send", "--incident", "1", "--draft", "notice", "--json", "--db", str(db)),
        run(tmp_path, "channels", "check", "--json"),
        run(tmp_path, "outbox", "--json", "--db", str(db)),
        # A wrong password makes the server refuse: the error must still not carry the secret.
        run(
            tmp_path,
            "send",
            "--incident",
            "1",
            "--draft",
            "opportunity",
            "--json",
            "--db",
            str(db),
            secrets={"newsletter": PASSWORD + "-wrong"},
        ),
    ]
    assert json.loads(outputs[3].stdout)[0]["state"] == "failed"
    texts = [o.stdout + o.stderr for o in outputs] + [config.read_text("utf-8")]
    blobs = [
        path.read_bytes() for path in tmp_path.rglob("*") if path.is_file() and path.name != "keyring.json"
    ]
    blobs += [
        path.read_bytes()
        for folder in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")
        for path in Path(os.environ[folder]).rglob("*")
        if path.is_file()
    ]
    assert blobs and all(PASSWORD not in text for text in texts)
    assert all(PASSWORD.encode() not in blob for blob in blobs)


def test_missing_password_and_dry_run_say_what_would_happen(tmp_path: Path, smtp: SmtpPeer) -> None:
    db = incident_log(tmp_path / "incidents.sqlite3")
    settings_file(tmp_path / "config.toml", smtp)
    dry = run(
        tmp_path, "send", "--incident", "1", "--draft", "notice", "--dry-run", "--json", "--db", str(db)
    )
    assert dry.returncode == 0 and json.loads(dry.stdout)[0]["state"] == "ready" and smtp.messages == []
    listed = run(tmp_path, "outbox", "--json", "--db", str(db))
    assert json.loads(listed.stdout) == []
    human = run(tmp_path, "send", "--incident", "1", "--draft", "notice", "--db", str(db), secrets={})
    assert human.returncode == 1 and smtp.messages == []
    assert "Newsletter: NOT sent" in human.stdout and "Traceback" not in human.stderr
    assert "keyring set OutageTray newsletter" in human.stdout and "clipboard" not in human.stdout


def test_channels_check_and_usage_errors_in_plain_words(tmp_path: Path, smtp: SmtpPeer) -> None:
    db = incident_log(tmp_path / "incidents.sqlite3")
    settings_file(tmp_path / "config.toml", smtp)
    checked = run(tmp_path, "channels", "check", "--json")
    assert checked.returncode == 0, checked.stderr
    [result] = json.loads(checked.stdout)
    assert result["channel"] == "newsletter" and result["ok"] and result["last_ok"]
    bad = run(tmp_path, "channels", "check", "--json", secrets={"newsletter": "nope"})
    assert bad.returncode == 1 and not json.loads(bad.stdout)[0]["ok"]
    assert json.loads(bad.stdout)[0]["last_ok"] == result["last_ok"]  # the last success is kept

    nobody = run(
        tmp_path, "send", "--incident", "1", "--draft", "notice", "--channel", "nope", "--db", str(db)
    )
    assert nobody.returncode == 2 and "no channel is called nope (yours: newsletter)" in nobody.stderr
    missing = run(tmp_path, "send", "--incident", "9", "--draft", "notice", "--db", str(db))
    assert missing.returncode == 2 and "no outage number 9" in missing.stderr
