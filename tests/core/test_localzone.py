"""Reports written today about last summer show summer time: the zone's rules, not today's offset."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from outagetray.core.localzone import local_zone


def test_the_named_zone_gives_each_date_its_own_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    zone = local_zone()
    july = datetime(2026, 7, 1, 10, 0, tzinfo=UTC).astimezone(zone)
    december = datetime(2026, 12, 1, 10, 0, tzinfo=UTC).astimezone(zone)
    assert (july.hour, december.hour) == (12, 11)


def test_an_unknown_zone_name_falls_back_without_failing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Nowhere/Atlantis")
    assert datetime(2026, 7, 1, tzinfo=UTC).astimezone(local_zone()).tzinfo is not None
