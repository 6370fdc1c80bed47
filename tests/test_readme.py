"""The README's settings example must stay a file that loads without a single complaint."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from outagetray.core import settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_settings_example_loads_cleanly(tmp_path: Path) -> None:
    blocks = re.findall(r"```toml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    assert blocks, "the README lost its settings example"
    path = tmp_path / "config.toml"
    path.write_text(blocks[0], encoding="utf-8")
    result = settings.load(path)
    assert (result.problems, result.warnings) == ([], [])
    acme = result.settings.platforms()["acme"]
    assert [s.type for s in acme.sources] == ["statuspage"]
    assert [p.type for p in acme.probes] == ["http_probe", "dns_probe"]


def test_readme_says_where_the_log_is_on_each_system(monkeypatch: pytest.MonkeyPatch) -> None:
    """The folders the README names are the ones platformdirs gives the app (core/logfile.py)."""
    from platformdirs.macos import MacOS
    from platformdirs.unix import Unix

    monkeypatch.delenv("XDG_STATE_HOME", raising=False)  # the default is what the README names
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    home = str(Path.home())
    for folder in (
        Unix("OutageTray", appauthor=False).user_log_dir,
        MacOS("OutageTray", appauthor=False).user_log_dir,
    ):
        assert f"`{folder.replace(home, '~', 1)}`" in text
    # Windows: the local app data folder, the app's name, then "Logs" (platformdirs' rule).
    assert "`%LOCALAPPDATA%\\OutageTray\\Logs`" in text
    assert "Open log folder" in text
