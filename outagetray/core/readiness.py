"""Is every channel ready to send? The last check of each, kept between runs.

Why it exists: nobody should find an expired token during an outage. Each channel's
``check()`` is a harmless call that proves its credentials; the readiness view, the
Settings window and ``outagetray channels check`` run them, and the last result of each,
with the moment of its last success, is kept in the state folder (app state, not a
setting: the user's file is not written because a check ran).

Checks run concurrently, each under a deadline: one slow server must not hold the
others' results, and a check that never returns is reported as such.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from outagetray.core.atomic import read_small, write_atomic

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["CheckResult", "Readiness", "SecretSource", "check_all", "check_one"]

log = logging.getLogger(__name__)

#: A check that has not answered by then is reported as not answering.
CHECK_DEADLINE = 40.0
MAX_FILE_BYTES = 256 << 10
FILE_NAME = "channel-checks.json"

Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


class SecretSource(Protocol):
    """Where a channel's secret comes from (core/secrets.py's ``Secrets``)."""

    def get(self, channel_id: str) -> str | None: ...


@dataclass(frozen=True)
class CheckResult:
    """One check of one channel: did it work, what to tell the user, and when (UTC)."""

    channel: str
    ok: bool
    message: str
    at: datetime
    #: The last time a check of this channel worked (this one, or an earlier one), if ever.
    last_ok: datetime | None = None


def check_one(
    table: ChannelTable, secrets: SecretSource, *, client: HttpClient | None = None, clock: Clock = _now
) -> CheckResult:
    """Build the channel and run its check; never raises, and never shows a secret."""
    from outagetray.core.channels import ChannelConfigError
    from outagetray.core.channels.registry import build, sends
    from outagetray.core.secrets import SecretStoreError

    def result(ok: bool, message: str) -> CheckResult:
        at = clock()
        return CheckResult(table.id, ok, message, at, at if ok else None)

    if not sends(table.type):
        return result(False, "OutageTray does not post here itself: use Open composer and paste the draft.")
    try:
        secret = secrets.get(table.id) or ""
    except SecretStoreError as exc:
        return result(False, str(exc))
    try:
        channel = build(table, secret, client=client)
    except ChannelConfigError as exc:
        return result(False, str(exc))
    try:
        health = channel.check()
    except Exception as exc:  # noqa: BLE001 - a check never raises; the detail goes to the log only
        log.warning("the check of channel %s failed unexpectedly (%s)", table.id, type(exc).__name__)
        return result(False, "The check failed in an unexpected way; the details are in OutageTray's log.")
    return result(bool(health.ok), health.message)


def check_all(
    tables: Iterable[ChannelTable],
    secrets: SecretSource,
    *,
    client: HttpClient | None = None,
    clock: Clock = _now,
    deadline: float = CHECK_DEADLINE,
    on_result: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Every channel's check at once, in the order given; each is reported as soon as it ends."""
    chosen = list(tables)
    if not chosen:
        return []
    pool = ThreadPoolExecutor(max_workers=min(8, len(chosen)), thread_name_prefix="channel-check")
    results: dict[str, CheckResult] = {}
    try:
        futures = [pool.submit(check_one, table, secrets, client=client, clock=clock) for table in chosen]
        try:
            # Each result is told once, as it comes, on the caller's thread.
            for future in as_completed(futures, timeout=deadline):
                result = future.result()
                results[result.channel] = result
                if on_result is not None:
                    on_result(result)
        except FutureTimeout:
            pass
        for table in chosen:
            if table.id not in results:
                late = CheckResult(table.id, False, "It did not answer in time.", clock())
                results[table.id] = late
                if on_result is not None:
                    on_result(late)
        return [results[table.id] for table in chosen]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class Readiness:
    """The last check of each channel, in the state folder; a damaged file is started afresh."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else default_path()
        self._lock = threading.Lock()
        self._results: dict[str, CheckResult] = self._load()

    def record(self, result: CheckResult) -> CheckResult:
        """Keep ``result``, carrying the last success over a failure; returns what was kept."""
        with self._lock:
            earlier = self._results.get(result.channel)
            last_ok = result.at if result.ok else (earlier.last_ok if earlier else None)
            kept = CheckResult(result.channel, result.ok, result.message, result.at, last_ok)
            self._results[result.channel] = kept
            self._save()
            return kept

    def last(self, channel_id: str) -> CheckResult | None:
        with self._lock:
            return self._results.get(channel_id)

    def last_ok(self, channel_id: str) -> datetime | None:
        found = self.last(channel_id)
        return found.last_ok if found else None

    def forget(self, keep: Sequence[str]) -> None:
        """Drop the results of channels that no longer exist."""
        with self._lock:
            gone = [cid for cid in self._results if cid not in keep]
            for cid in gone:
                del self._results[cid]
            if gone:
                self._save()

    def _load(self) -> dict[str, CheckResult]:
        try:
            data = json.loads(read_small(self.path, MAX_FILE_BYTES))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.info("the channel checks file could not be read (%s); starting afresh", type(exc).__name__)
            return {}
        results: dict[str, CheckResult] = {}
        if not isinstance(data, dict):
            return results
        for cid, item in data.items():
            try:
                results[cid] = CheckResult(
                    str(cid),
                    bool(item["ok"]),
                    str(item["message"]),
                    _utc(item["at"]),
                    _utc(item["last_ok"]) if item.get("last_ok") else None,
                )
            except (KeyError, TypeError, ValueError):
                continue
        return results

    def _save(self) -> None:
        data = {
            cid: {
                "ok": r.ok,
                "message": r.message,
                "at": r.at.isoformat(),
                "last_ok": r.last_ok.isoformat() if r.last_ok else None,
            }
            for cid, r in self._results.items()
        }
        try:
            write_atomic(self.path, json.dumps(data, indent=1).encode())
        except OSError as exc:
            log.warning("the channel checks could not be kept (%s)", type(exc).__name__)


def _utc(text: object) -> datetime:
    when = datetime.fromisoformat(str(text))
    if when.tzinfo is None:
        raise ValueError("no zone")
    return when.astimezone(UTC)


def default_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("OutageTray", appauthor=False) / FILE_NAME
