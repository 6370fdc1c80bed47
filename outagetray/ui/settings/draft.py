"""What the Settings window is editing, shared by its tabs until Save.

The platform lists (watched, muted, the user's own tables) are changed by more
than one tab: removing an own platform unwatches and unmutes it, and watching
one adds it to the mute list. Keeping them in one plain object, not in any one
tab, lets each tab stay a separate module that only reads and writes this draft.
No Qt here, so the rules can be read without the widgets.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from outagetray.core.catalog import PlatformError, builtin_platforms, platform_from_table
from outagetray.core.model import Platform
from outagetray.core.settings import Settings


@dataclass
class Draft:
    """The edited platform lists; the other settings live in their tab's widgets."""

    custom: list[dict[str, Any]] = field(default_factory=list)
    watch: list[str] = field(default_factory=list)
    muted: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, settings: Settings) -> Draft:
        """A copy to edit freely: Cancel must leave ``settings`` as it was."""
        return cls(
            custom=[copy.deepcopy(dict(t)) for t in settings.custom_platforms],
            watch=list(settings.watch),
            muted=list(settings.notifications.muted),
        )

    def platforms(self) -> dict[str, Platform]:
        """The catalog with the user's tables applied (see :func:`platforms_with`)."""
        return platforms_with(self.custom)


def platforms_with(custom: Collection[Mapping[str, Any]]) -> dict[str, Platform]:
    """The catalog with the user's tables applied, like ``Settings.platforms`` but never raising.

    Tables reach the dialog already validated; a table that is somehow invalid is left
    out of the lists rather than crashing the window.
    """
    merged = dict(builtin_platforms())
    for table in custom:
        pid = str(table.get("id"))
        try:
            merged[pid] = platform_from_table(dict(table), merged.get(pid))
        except PlatformError:
            continue
    return merged
