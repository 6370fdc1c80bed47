"""Which module makes a channel of each type, imported only when one is used.

The tray must start fast and most users set up two or three channels, so no channel
module (nor ``requests``, nor Apprise) is imported until a channel of its type is built
or its fields are shown. The table below is the one place that knows the modules.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING

from outagetray.core.channels import Channel, ChannelConfigError, Field

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["MODULES", "build", "fields", "sends"]

#: Channel type -> module under outagetray.core.channels.
MODULES: dict[str, str] = {
    "email": "email",
    "wordpress": "wordpress",
    "ghost": "ghost",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "matrix": "matrix",
    "telegram": "telegram",
    "discord": "discord",
    "slack": "slack",
    "facebook_page": "facebook_page",
    "x": "x",
    "apprise": "apprise",
}


def sends(channel_type: str) -> bool:
    """True for the types OutageTray posts to; the others are places the user posts to by hand."""
    return channel_type in MODULES


def module(channel_type: str) -> ModuleType:
    if channel_type not in MODULES:
        raise ChannelConfigError(
            f"OutageTray cannot post to a {channel_type} channel itself: "
            "copy the draft, or use Open composer."
        )
    return importlib.import_module(f"outagetray.core.channels.{MODULES[channel_type]}")


def build(table: ChannelTable, secret: str, *, client: HttpClient | None = None) -> Channel:
    """The channel a ``[[channels]]`` table describes, with its secret from the keyring ("" if none)."""
    made: Channel = module(table.type).from_settings(table, secret, client=client)
    return made


def fields(channel_type: str) -> tuple[tuple[Field, ...], Field | None]:
    """What the Settings window asks for a type: its keys, and its one secret (None: it has none)."""
    found = module(channel_type)
    return tuple(found.FIELDS), found.SECRET
