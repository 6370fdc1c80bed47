"""Starting the tray loads none of the other commands' modules; asking for one (or --help) does."""

from __future__ import annotations

import subprocess
import sys

import pytest

from outagetray.cli import _names_a_command, main

PROBE = """
import sys
from outagetray import cli
cli.build_parser(every_command=cli._names_a_command(sys.argv[1:]))
print(sorted(m for m in sys.modules if m.startswith("outagetray.commands.")))
"""


@pytest.mark.parametrize(
    ("argv", "loaded"),
    [
        ([], False),
        (["run", "--interval", "5"], False),
        (["--config", "my.toml"], False),
        (["incidents", "--json"], True),
        (["--config", "my.toml", "count", "--channel", "x"], True),
        (["--help"], True),
        (["--he"], True),  # argparse takes a shortened --help
        (["incidnets"], True),  # a typo: the error must list every command
        (["--config=my.toml", "run"], False),
        (["--version"], False),
    ],
)
def test_only_a_command_or_help_loads_the_commands(argv: list[str], loaded: bool) -> None:
    assert _names_a_command(argv) is loaded
    out = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True)
    assert (out.stdout.strip() != "[]") is loaded


@pytest.mark.parametrize("argv", [["--help"], ["--he"]])
def test_the_help_lists_every_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(argv)
    text = capsys.readouterr().out
    for name in ("check", "watch", "run", "count", "incidents", "export"):
        assert name in text


def test_a_mistyped_command_is_told_the_whole_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["incidnets"])
    assert "incidents" in capsys.readouterr().err
