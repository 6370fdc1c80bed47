"""`--platform` with a slip of the keyboard: the suggestion is the platform people mean.

Issue 14, item 11: "twiter" suggested "twitch" and "tweeter" suggested nothing, because
only the ids were compared, and X's id is "x". Names and common names count too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from outagetray.cli import main
from outagetray.core.catalog import builtin_platforms, guess_id

CONFIG = """
[monitor]
watch = ["reddit"]

[connectivity]
controls = [{ url = "http://127.0.0.1:9/generate_204", expect_status = 204 }]

[[platforms]]
id = "reddit"
sources = [{ type = "statuspage", url = "http://127.0.0.1:9/reddit/summary.json" }]
probes = []
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """Loopback-only, so the real command cannot reach the internet even if it went past the usage error."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("twiter", "x"),
        ("tweeter", "x"),
        ("facebok", "facebook"),
        ("insta gram", "instagram"),
        ("Whatsap", "whatsapp"),
        ("redit", "reddit"),
        ("wordpres", "wordpress-com"),
        ("linked in", "linkedin"),
    ],
)
def test_near_misses_suggest_the_platform_meant(typed: str, meant: str) -> None:
    assert guess_id(typed, builtin_platforms()) == meant
    # Settings hand only the ids; the built-in names are found all the same.
    assert guess_id(typed, set(builtin_platforms())) == meant


@pytest.mark.parametrize("typed", ["nonsense", "qwerty", "banana", "zzz", "a", "q"])
def test_nonsense_gets_no_suggestion(typed: str) -> None:
    assert guess_id(typed, builtin_platforms()) is None


def test_exact_names_are_taken_as_meant_and_near_ones_are_not() -> None:
    from outagetray.core.catalog import canonical_id

    known = builtin_platforms()
    assert canonical_id("X (Twitter)", known) == "x"
    assert canonical_id("twitter", known) == "x"
    assert canonical_id("  WordPress.com ", known) == "wordpress-com"
    assert canonical_id("twiter", known) is None
    # An alias of a platform that is not known here says nothing.
    assert canonical_id("twitter", {"reddit": known["reddit"]}) is None


def test_the_real_command_suggests_x_for_twiter(config: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "outagetray", "check", "--config", str(config), "--platform", "twiter"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert 'outagetray: "twiter" is not a platform OutageTray knows. Did you mean "x"?' in done.stderr
    assert "twitch" not in done.stderr.split("known platforms")[0]
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("typed", "meant"), [("tweeter", "x"), ("facebok", "facebook"), ("insta gram", "instagram")]
)
def test_the_command_suggests_by_name(
    config: Path, capsys: pytest.CaptureFixture[str], typed: str, meant: str
) -> None:
    assert main(["--config", str(config), "check", "--platform", typed]) == 2
    assert f'"{typed}" is not a platform OutageTray knows. Did you mean "{meant}"?' in capsys.readouterr().err


def test_the_command_offers_nothing_for_nonsense(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "check", "--platform", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert '"nonsense" is not a platform OutageTray knows.\n' in err
    assert "Did you mean" not in err
