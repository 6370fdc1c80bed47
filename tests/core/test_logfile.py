"""The log file: rotating, in the platform's log folder, and never holding a secret."""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
from pathlib import Path

import platformdirs
import pytest

from outagetray.core import logfile
from outagetray.core.http import FetchError

SECRET = "pa55-SECRET-word"
TOKEN = "tok-123456"
URL = f"https://ops:{SECRET}@status.example/api/v2/summary.json?api_key={TOKEN}"


def test_the_log_folder_is_the_platforms_own() -> None:
    assert logfile.log_folder() == platformdirs.user_log_path("OutageTray", appauthor=False)


def test_a_planted_secret_never_reaches_the_file_or_the_terminal(tmp_path: Path) -> None:
    err = io.StringIO()
    logs = logfile.setup(tmp_path / "log", stderr=err)
    try:
        assert logs.path == tmp_path / "log" / "outagetray.log"
        log = logging.getLogger("outagetray.core.monitor")
        error = FetchError("connect", f"could not connect to {URL}", URL)
        log.warning("reading %s failed: %s", URL, error)
        log.info("verdict change: acme unknown → degraded (%s)", f"see {URL}")
        try:
            raise RuntimeError(f"request to {URL} failed")
        except RuntimeError:
            log.exception("a monitoring round failed")
        log.info("name with \x1b[31mcolour\x1b]0;title\x07 and \u202eoverride")
        for handler in logs.handlers:
            handler.flush()
        text = logs.path.read_text(encoding="utf-8")
    finally:
        logs.close()
    for output in (text, err.getvalue()):
        assert SECRET not in output and TOKEN not in output
        assert "https://ops:***@status.example/api/v2/summary.json?api_key=***" in output
        assert "RuntimeError: request to https://ops:***@status.example" in output  # the traceback, masked
        assert "\x1b" not in output and "\u202e" not in output
    assert "Traceback (most recent call last)" in text
    assert "verdict change: acme unknown → degraded" in text
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ WARNING ", text)  # times in UTC


def test_an_unwritable_log_folder_is_said_once_and_the_app_goes_on(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")  # works even for root, unlike a read-only mode
    err = io.StringIO()
    logs = logfile.setup(blocker / "log", stderr=err)
    try:
        assert logs.path is None
        logging.getLogger("outagetray").warning("still logged to the terminal")
    finally:
        logs.close()
    lines = err.getvalue().splitlines()
    assert len([line for line in lines if "cannot keep its log file" in line]) == 1
    assert any("still logged to the terminal" in line for line in lines)


def test_the_file_rotates(tmp_path: Path) -> None:
    logs = logfile.setup(tmp_path, stderr=io.StringIO())
    try:
        handler = logs.handlers[-1]
        assert getattr(handler, "maxBytes", None) == logfile.MAX_BYTES
        assert getattr(handler, "backupCount", None) == logfile.BACKUPS
    finally:
        logs.close()


def test_close_gives_the_loggers_back_as_they_were(tmp_path: Path) -> None:
    root, ours = logging.getLogger(), logging.getLogger("outagetray")

    def snapshot() -> tuple[object, ...]:
        return (
            list(root.handlers),
            list(ours.handlers),
            root.level,
            ours.level,
            ours.propagate,
            sys.excepthook,
            threading.excepthook,
        )

    before = snapshot()
    for own_only in (False, True):
        logs = logfile.setup(tmp_path, stderr=io.StringIO(), own_only=own_only)
        logs.catch_uncaught()
        logs.close()
        assert snapshot() == before


def test_a_librarys_warning_is_masked_too_and_its_chatter_left_out(tmp_path: Path) -> None:
    logs = logfile.setup(tmp_path, stderr=io.StringIO())
    try:
        library = logging.getLogger("urllib3.connectionpool")
        library.warning("Retrying after connection broken: %s", f"/api?api_key={TOKEN}")
        library.info("Starting new HTTPS connection (1): status.example:443")
        for handler in logs.handlers:
            handler.flush()
        assert logs.path is not None
        text = logs.path.read_text(encoding="utf-8")
    finally:
        logs.close()
    assert "Retrying after connection broken: /api?api_key=***" in text
    assert TOKEN not in text and "Starting new HTTPS connection" not in text


def test_uncaught_errors_are_logged_with_their_traceback(tmp_path: Path) -> None:
    logs = logfile.setup(tmp_path, stderr=io.StringIO())
    logs.catch_uncaught()
    try:
        thread = threading.Thread(target=lambda: 1 / 0, name="worker-1")
        thread.start()
        thread.join()
        try:
            raise ValueError(f"boom at {URL}")
        except ValueError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
        for handler in logs.handlers:
            handler.flush()
        assert logs.path is not None
        text = logs.path.read_text(encoding="utf-8")
    finally:
        logs.close()
    assert "an unexpected error in worker-1" in text and "ZeroDivisionError" in text
    assert "ValueError: boom at https://ops:***@" in text and SECRET not in text


def test_every_alert_sent_or_held_back_is_logged_with_why(caplog: pytest.LogCaptureFixture) -> None:
    from datetime import UTC, datetime, timedelta

    from outagetray.core.alerts import AlertPolicy
    from outagetray.core.catalog import builtin_platforms
    from outagetray.core.judge import Change
    from outagetray.core.model import Verdict
    from outagetray.core.settings import Notifications

    platforms = builtin_platforms()
    t0 = datetime(2026, 1, 14, 15, 2, tzinfo=UTC)

    def change(pid: str, new: Verdict, at: datetime, event: int) -> Change:
        old = Verdict.OPERATIONAL if new.is_problem else Verdict.MAJOR_OUTAGE
        return Change(at, platforms[pid], old, new, "3 of 3 checks failed", True, event, ())

    policy = AlertPolicy(Notifications(muted=("x",), cooldown_minutes=30), tz=UTC)
    with caplog.at_level(logging.INFO, logger="outagetray.core.alerts"):
        policy.decide(
            [change("discord", Verdict.MAJOR_OUTAGE, t0, 1), change("x", Verdict.MAJOR_OUTAGE, t0, 2)], t0
        )
        policy.decide([change("discord", Verdict.OPERATIONAL, t0 + timedelta(minutes=2), 3)], t0)
        policy.decide([change("discord", Verdict.MAJOR_OUTAGE, t0 + timedelta(minutes=4), 4)], t0)
        policy.pause(t0 + timedelta(hours=1))
        policy.decide([change("reddit", Verdict.DEGRADED, t0 + timedelta(minutes=5), 5)], t0)
    messages = [r.getMessage() for r in caplog.records]
    assert "alert sent (down, critical urgency): Discord is down — Discord: 3 of 3 checks failed" in messages
    assert "alert held back: x is major_outage, not told because the platform is muted" in messages
    assert any(m.startswith("alert sent (recovered, low urgency): Discord is back") for m in messages)
    assert (
        "alert held back: discord is down again within the 30-minute cool-down "
        "(last told 2026-01-14T15:02:00Z); told later if it stays so"
    ) in messages
    assert (
        "alert held back: reddit is degraded, not told while alerts are paused until "
        "2026-01-14T16:02:00Z (a summary follows)"
    ) in messages


def test_the_command_lines_terminal_gets_only_outagetrays_own_warnings_masked() -> None:
    """check and watch: a library's warning (with its traceback) is not a person's business."""
    err = io.StringIO()
    logs = logfile.setup(
        to_file=False,
        stderr=err,
        stderr_level=logging.WARNING,
        stderr_format="outagetray: %(message)s",
        own_only=True,
    )
    try:
        logging.getLogger("urllib3.connection").warning(
            "Failed to parse headers", exc_info=(ValueError, ValueError(), None)
        )
        logging.getLogger("outagetray.core.monitor").warning("a round failed reading %s", URL)
        logging.getLogger("outagetray.core.monitor").info("chatter")
    finally:
        logs.close()
    assert err.getvalue() == (
        "outagetray: a round failed reading https://ops:***@status.example/api/v2/summary.json?api_key=***\n"
    )


def test_a_log_file_that_fails_later_is_said_once_and_logging_goes_on(tmp_path: Path) -> None:
    """A full disk at run time: one line on stderr, no traceback per record, the terminal still logs."""
    err = io.StringIO()
    logs = logfile.setup(tmp_path, stderr=err)
    try:
        file_handler = logs.handlers[-1]
        stream = getattr(file_handler, "stream")  # noqa: B009 - not on the Handler type
        stream.close()  # every write now fails, as on a full disk
        for n in range(3):
            logging.getLogger("outagetray").warning("record %d", n)
    finally:
        logs.close()
    lines = err.getvalue().splitlines()
    assert len([line for line in lines if "could not write its log file" in line]) == 1
    assert len([line for line in lines if "record " in line]) == 3
    assert "Traceback" not in err.getvalue()
