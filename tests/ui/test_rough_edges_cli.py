"""Issue 14, item 16: `outagetray run --help` says what the command does."""

from __future__ import annotations

import pytest

from outagetray.cli import main


def test_run_help_describes_the_command_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    usage, _, rest = out.partition("options:")[0].partition("[--interval SECONDS]")
    assert usage.startswith("usage: outagetray run")
    description = rest.strip()
    assert description.startswith("Start OutageTray in the system tray.")
    assert "if your desktop shows no tray, a window opens instead" in description
