"""The computer's time zone as a zone with its rules, for text written to files.

``datetime.now().astimezone().tzinfo`` is only today's offset: a July outage exported in
December would be shown in winter time. Reports carry times for months, so they need
the named zone (its summer-time rules); a fixed offset is the last resort.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo


def local_zone() -> tzinfo:
    """The computer's time zone, by its name where it can be found (so summer time is right)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    names = [os.environ.get("TZ", "").lstrip(":")]
    try:
        link = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in link:
            names.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError, OSError):
                continue
    return datetime.now().astimezone().tzinfo or UTC
