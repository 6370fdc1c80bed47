"""The README's settings example must stay a file that loads without a single complaint."""

from __future__ import annotations

import re
from pathlib import Path

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
