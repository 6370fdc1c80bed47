"""Widget tests run on Qt's offscreen platform unless a real display was chosen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
