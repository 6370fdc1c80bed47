"""PySide6's import hook no longer keeps the source of every imported module in memory.

Each check runs in a fresh interpreter: the hook only sees imports made after PySide6,
and this test process has imported everything long ago.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# What the running app imports after Qt: the monitor's stack. (Importing any of
# outagetray.ui would install the fix, so the upstream runs import only this.)
HEAVY = "import outagetray.core.monitor, outagetray.core.check, requests, dns.resolver"
OURS = "import outagetray.ui\nimport outagetray.ui.tray, outagetray.app"
UPSTREAM = "import PySide6.QtCore"


def _run(first_import: str) -> dict[str, object]:
    code = (
        f"import sys, json, linecache\n{first_import}\n{HEAVY}\n"
        "feature = sys.modules['shibokensupport.feature']\n"
        "print(json.dumps({'cached': sorted(linecache.cache), "
        "'answers': feature.pyside_feature_dict}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    result: dict[str, object] = json.loads(out.stdout.splitlines()[-1])
    return result


def test_imported_modules_are_not_kept_in_linecache() -> None:
    ours = _run(OURS)
    upstream = _run(UPSTREAM)

    # Without the fix every module imported after PySide6 stays cached (requests,
    # urllib3, dnspython, ours): the comparison shows the test can tell the difference.
    assert any("requests" in name for name in upstream["cached"])  # type: ignore[attr-defined]
    assert len(upstream["cached"]) > 50  # type: ignore[arg-type]
    # Entries such as "<string>" (code run with -c, on newer Pythons) are not modules.
    assert [name for name in ours["cached"] if not name.startswith("<")] == []  # type: ignore[attr-defined]


def test_pyside_gets_the_same_answers() -> None:
    ours = _run(OURS)["answers"]
    upstream = _run(UPSTREAM)["answers"]
    assert isinstance(ours, dict) and isinstance(upstream, dict)
    common = set(ours) & set(upstream)
    assert len(common) > 100
    assert {name: ours[name] for name in common} == {name: upstream[name] for name in common}
    # Modules that use PySide6 are still told apart from the rest.
    assert ours["outagetray.ui.icons"] == 0
    assert ours["requests"] == -1
    assert upstream["requests"] == -1


def test_installing_twice_wraps_once() -> None:
    from outagetray.ui import feature_scan

    feature = sys.modules["shibokensupport.feature"]
    first = feature._mod_uses_pyside
    assert feature_scan.install() is True
    assert feature._mod_uses_pyside is first


def test_a_module_in_a_zip_is_read_through_its_loader(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("zipped_qt.py", "from PySide6 import QtCore\n")
        bundle.writestr("zipped_plain.py", "VALUE = 1\n")
    code = (
        f"import sys, json, linecache\nsys.path.insert(0, {str(archive)!r})\nimport outagetray.ui\n"
        "import zipped_qt, zipped_plain\n"
        "answers = sys.modules['shibokensupport.feature'].pyside_feature_dict\n"
        "print(json.dumps([answers['zipped_qt'], answers['zipped_plain'], sorted(linecache.cache)]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    uses_qt, plain, cached = json.loads(out.stdout.splitlines()[-1])
    assert (uses_qt, plain) == (0, -1)
    assert not [name for name in cached if "zipped" in name]
