"""Channel checks: each result in plain words, the last success kept, one slow check never holds the rest."""

from __future__ import annotations

import sys
import threading
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outagetray.core.channels import ChannelConfigError, Health, registry
from outagetray.core.profile import Channel as Table
from outagetray.core.readiness import CheckResult, Readiness, check_all, check_one
from outagetray.core.secrets import SecretStoreError

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SECRET = "s3cret-token-value"


class FakeChannel:
    resend_is_harmless = False

    def __init__(self, table: Table, secret: str) -> None:
        self.table, self.secret = table, secret

    def check(self) -> Health:
        mode = self.table.extra.get("mode", "ok")
        if mode == "slow":
            time.sleep(3)
        if mode == "boom":
            raise RuntimeError(f"crashed with {self.secret}")
        if self.secret != SECRET:
            return Health(False, "The token was refused.")
        return Health(True, "Signed in as @shop.")


@pytest.fixture(autouse=True)
def fake_type(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("outagetray.core.channels.fakechan")

    def from_settings(table: Table, secret: str, *, client: object = None) -> FakeChannel:
        if table.extra.get("mode") == "bad":
            raise ChannelConfigError("Channel shop: base_url is missing.")
        return FakeChannel(table, secret)

    module.from_settings = from_settings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "outagetray.core.channels.fakechan", module)
    monkeypatch.setitem(registry.MODULES, "fake", "fakechan")


class Store:
    def __init__(self, values: dict[str, str], broken: bool = False) -> None:
        self.values, self.broken = values, broken

    def get(self, channel_id: str) -> str | None:
        if self.broken:
            raise SecretStoreError("The password store is locked. Unlock it and try again.")
        return self.values.get(channel_id)


def table(cid: str, mode: str = "ok", kind: str = "fake") -> Table:
    return Table(cid, kind, name=cid, extra={"mode": mode})


def test_a_working_channel_says_so() -> None:
    result = check_one(table("shop"), Store({"shop": SECRET}), clock=lambda: T0)
    assert result == CheckResult("shop", True, "Signed in as @shop.", T0, T0)


def test_failures_are_plain_words_without_the_secret() -> None:
    store = Store({"shop": "wrong", "boom": SECRET})
    assert check_one(table("shop"), store).message == "The token was refused."
    crashed = check_one(table("boom", "boom"), store)
    assert not crashed.ok and SECRET not in crashed.message and "unexpected" in crashed.message
    assert check_one(table("cfg", "bad"), store).message == "Channel shop: base_url is missing."
    locked = check_one(table("shop"), Store({}, broken=True))
    assert not locked.ok and "locked" in locked.message
    by_hand = check_one(table("li", kind="linkedin"), store)
    assert not by_hand.ok and "Open composer" in by_hand.message


def test_one_slow_check_does_not_hold_the_others() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def note(result: CheckResult) -> None:
        with lock:
            seen.append(result.channel)

    started = time.monotonic()
    results = check_all(
        [table("slow", "slow"), table("a"), table("b")],
        Store({"a": SECRET, "b": SECRET}),
        deadline=1.0,
        on_result=note,
    )
    assert time.monotonic() - started < 2.5
    assert [r.channel for r in results] == ["slow", "a", "b"]
    assert not results[0].ok and "did not answer in time" in results[0].message
    assert results[1].ok and results[2].ok
    assert {"a", "b"} <= set(seen)


def test_the_last_success_survives_a_failure_and_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "checks.json"
    kept = Readiness(path)
    kept.record(CheckResult("shop", True, "fine", T0))
    later = T0 + timedelta(days=2)
    kept.record(CheckResult("shop", False, "The token expired.", later))
    again = Readiness(path)
    last = again.last("shop")
    assert last is not None and not last.ok and last.message == "The token expired."
    assert again.last_ok("shop") == T0 and last.at == later
    again.forget(["other"])
    assert Readiness(path).last("shop") is None


def test_a_damaged_file_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "checks.json"
    path.write_text("{not json")
    kept = Readiness(path)
    assert kept.last("shop") is None
    kept.record(CheckResult("shop", True, "fine", T0))
    assert Readiness(path).last_ok("shop") == T0
