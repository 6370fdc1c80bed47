"""A plain, non-editable install must work from any folder, resources included."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (found,) = out.glob("outagetray-*.whl")
    return found


def test_wheel_carries_resources(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "outagetray/resources/platforms.toml" in names
    for state in ("operational", "degraded", "outage", "unknown"):
        assert f"outagetray/resources/icons/{state}.svg" in names
        assert f"outagetray/resources/icons/png/{state}-22.png" in names
        assert f"outagetray/resources/icons/png/{state}-flag-22.png" in names
    # The playbook's data: drafts for every phase, and the checklist.
    for phase in ("notice", "opportunity", "welcome_back", "catch_up"):
        assert f"outagetray/resources/drafts/{phase}.toml" in names
    assert "outagetray/resources/checklist.toml" in names
    for drill in (
        "meta-2019-03-13",
        "meta-2021-10-04",
        "meta-2024-03-05",
        "x-2023-07-01",
        "cdn-2025-11-18",
        "wifi-drop",
    ):
        assert f"outagetray/resources/drills/{drill}.toml" in names
    assert "outagetray/resources/drills/README.md" in names
    assert any(n.endswith("entry_points.txt") for n in names)


def test_installed_wheel_works_from_another_folder(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import outagetray, sys\n"
        "from outagetray.core.catalog import builtin_platforms\n"
        "from outagetray.assets import read_bytes\n"
        "print(outagetray.__file__)\n"
        "print(len(builtin_platforms()))\n"
        "print(read_bytes('icons/outage.svg')[:4].decode())\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=elsewhere, env=env, capture_output=True, text=True, check=True
    )
    where, count, svg = done.stdout.split()
    assert where.startswith(str(target))
    assert int(count) >= 24
    assert svg == "<svg"
    help_text = subprocess.run(
        [sys.executable, "-m", "outagetray", "check", "--help"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--platform" in help_text and "--config" in help_text


def test_every_package_on_disk_is_listed_for_the_wheel() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "outagetray").rglob("__init__.py")}
    assert on_disk - listed == set()
