"""What a test does when a real peer (WordPress, a Bluesky PDS, Synapse…) is not installed here.

``make test`` installs the peers where it runs as root and then sets
``OUTAGETRAY_REQUIRE_PEERS=1``: a missing peer is then a failure, never a silent pass.
Elsewhere the test is skipped and says exactly what is missing and how to get it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Where tests/peers/*.sh install the peers (kept out of git).
PEERS = ROOT / ".peers"


def required() -> bool:
    return os.environ.get("OUTAGETRAY_REQUIRE_PEERS") == "1"


def missing(reason: str) -> NoReturn:
    """Skip with ``reason``, or fail with it where the peers must be present."""
    if required():
        pytest.fail(f"{reason} (make test installs it when run as root)", pytrace=False)
    pytest.skip(reason)
