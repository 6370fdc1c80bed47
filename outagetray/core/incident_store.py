"""The incident log's storage: one SQLite file in the data folder, written so nothing committed is lost.

Why it is built this way:

- SQLite from the standard library, in WAL mode with ``synchronous=FULL``: every
  ``record``/``tick``/``acknowledge`` is one transaction, and once it returns the
  write survives a killed process or a power cut. Readers (the window, the command
  line) read while the recorder writes.
- The schema is numbered (``PRAGMA user_version``) and grows by numbered migrations,
  each applied inside its own transaction, so a file is always at one known version.
  A file from a newer OutageTray is read as far as possible but never written.
- A damaged file is renamed aside (with its ``-wal``/``-shm``), a fresh log starts, and
  ``notice`` says in plain words where the old one was kept: a broken log must not
  stop the app from recording the next outage.
- Listing reads each table once per call (incidents, platforms, changes, actions),
  never once per incident, so 10,000 incidents list in well under a second.

How the judge's changes are filed into incidents (the correlation rules) is
core/incidents.py's part; this module is only the file.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from outagetray.core.model import Verdict
from outagetray.core.records import LOG_FILE_NAME, Action, ActionKind, Incident, StateChange, default_log_path

log = logging.getLogger(__name__)

FILE_NAME = LOG_FILE_NAME

#: One step per schema version: MIGRATIONS[n - 1] takes a file from version n - 1 to n.
#: Append only; never edit a step that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        worst TEXT NOT NULL,
        started_at TEXT NOT NULL,
        confirmed_at TEXT NOT NULL,
        ended_at TEXT,
        evidence TEXT NOT NULL DEFAULT '',
        acknowledged_at TEXT,
        drill INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX incidents_by_start ON incidents (started_at, id);
    CREATE INDEX incidents_open ON incidents (owner, drill) WHERE ended_at IS NULL;
    CREATE TABLE incident_platforms (
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        position INTEGER NOT NULL,
        platform TEXT NOT NULL,
        name TEXT NOT NULL,
        ended_at TEXT,
        PRIMARY KEY (incident_id, platform)
    ) WITHOUT ROWID;
    CREATE TABLE judge_incidents (
        judge_incident INTEGER NOT NULL,
        drill INTEGER NOT NULL,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        PRIMARY KEY (judge_incident, drill)
    ) WITHOUT ROWID;
    CREATE TABLE changes (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        at TEXT NOT NULL,
        platform TEXT NOT NULL,
        old TEXT NOT NULL,
        new TEXT NOT NULL,
        evidence TEXT NOT NULL DEFAULT '',
        sources TEXT NOT NULL DEFAULT '',
        event INTEGER NOT NULL DEFAULT 0,
        judge_incident INTEGER NOT NULL DEFAULT 0,
        alert INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX changes_by_incident ON changes (incident_id, id);
    CREATE TABLE actions (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX actions_by_incident ON actions (incident_id, id);
    """,
    # 2: the last time each platform (and the incident) was seen failing, and whether
    # OutageTray did not check for a while before the end (see core/incidents.py).
    """
    ALTER TABLE incidents ADD COLUMN last_seen_down TEXT;
    ALTER TABLE incidents ADD COLUMN end_uncertain INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE incident_platforms ADD COLUMN last_seen_down TEXT;
    """,
    # 3: the outbox (core/outbox.py, issue 16): one job per (incident, draft, channel), the
    # UNIQUE constraint is what makes a second click find the first job. Every move of a job
    # is kept in outbox_events. The salt, random per log file, goes into each job's key, so
    # a log started afresh (a damaged one kept aside) never reuses a key a service has seen.
    """
    CREATE TABLE outbox_jobs (
        id INTEGER PRIMARY KEY,
        incident_id INTEGER NOT NULL REFERENCES incidents (id),
        draft TEXT NOT NULL,
        channel TEXT NOT NULL,
        text TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL,
        created_at TEXT NOT NULL,
        armed_at TEXT,
        finished_at TEXT,
        receipt_url TEXT NOT NULL DEFAULT '',
        receipt_id TEXT NOT NULL DEFAULT '',
        reason TEXT NOT NULL DEFAULT '',
        retryable INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0,
        UNIQUE (incident_id, draft, channel)
    );
    CREATE INDEX outbox_jobs_by_state ON outbox_jobs (state);
    CREATE TABLE outbox_events (
        id INTEGER PRIMARY KEY,
        job_id INTEGER NOT NULL REFERENCES outbox_jobs (id),
        at TEXT NOT NULL,
        state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX outbox_events_by_job ON outbox_events (job_id, id);
    CREATE TABLE outbox_meta (
        salt TEXT NOT NULL
    );
    INSERT INTO outbox_meta (salt) VALUES (lower(hex(randomblob(16))));
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

Clock = Callable[[], datetime]
_VERDICTS = {verdict.value: verdict for verdict in Verdict}
_KINDS = {kind.value: kind for kind in ActionKind}
_COLUMNS = (
    "id, owner, worst, started_at, confirmed_at, ended_at, evidence, acknowledged_at, drill,"
    " last_seen_down, end_uncertain"
)
#: The same from a version 1 file, read beside an older recorder that has not migrated it.
#: (A version 2 file has every incident column; it only lacks the outbox tables, which
#: core/outbox.py reads as empty when they are missing.)
_COLUMNS_V1 = _COLUMNS.replace("last_seen_down, end_uncertain", "NULL, 0")


class IncidentLogError(Exception):
    """Something the user should hear about the log, in plain words (``str(error)``)."""


class ReadOnlyLog(IncidentLogError):
    """A write to a log this process may only read (newer schema, a reader, another recorder)."""


def default_path() -> Path:
    return default_log_path()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def utc_text(moment: datetime) -> str:
    """One fixed-width UTC text per moment, so text order is time order (ranges use the index).

    A naive time is taken as UTC (the core keeps UTC); recording it is better than losing it.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _opt_dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def verdict_of(text: str) -> Verdict:
    """The verdict a row holds; unknown for one written by a newer version that knows more."""
    return _VERDICTS.get(text, Verdict.UNKNOWN)  # a dict: Verdict(text) costs a tenth of a listing


def _kind(text: str) -> ActionKind:
    return _KINDS.get(text, ActionKind.NOTE)


def is_damage(exc: sqlite3.DatabaseError) -> bool:
    """The file is broken (not a database, malformed), as opposed to busy or unwritable."""
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return True
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


class LogStore:
    """The log file on one connection: opening, reading, and what the user did.

    Filing the judge's changes (the correlation rules) is ``incidents.IncidentLog``'s job;
    use one object from one thread (the Recorder's).
    """

    def __init__(
        self, conn: sqlite3.Connection, path: Path | None, *, clock: Clock, read_only: str = ""
    ) -> None:
        self._conn = conn
        self.path = path
        self._clock = clock
        #: Why writes are refused ("" when they are allowed), in plain words.
        self.read_only = read_only
        #: A sentence the user should read (a damaged log was kept aside), or "".
        self.notice = ""
        self._columns = _COLUMNS

    # -- opening -------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | None = None, *, clock: Clock | None = None, read_only: bool = False) -> Self:
        """Open (or create) the log at ``path``, the data folder's by default.

        ``read_only`` opens it for reading beside a recorder: nothing is created,
        migrated or moved; a missing file reads as an empty log, a damaged one raises
        :class:`IncidentLogError`.
        """
        path = path if path is not None else default_path()
        clock = clock or _utc_now
        if read_only:
            return cls._open_reader(path, clock)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return cls._open_writer(path, clock)
        except sqlite3.DatabaseError as exc:
            if not is_damage(exc):
                raise IncidentLogError(f"OutageTray could not open its outage log at {path}: {exc}") from exc
            kept = _keep_aside(path, clock())
            log.warning("the outage log %s was damaged (%s); kept aside as %s", path, exc, kept)
            opened = cls._open_writer(path, clock)
            opened.notice = (
                f"OutageTray's outage log was damaged, so it was kept aside as {kept} "
                "and a new, empty log was started."
            )
            return opened

    @classmethod
    def _open_writer(cls, path: Path, clock: Clock) -> Self:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({check and check[0]})")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                refusal = (
                    f"The outage log at {path} was written by a newer version of OutageTray; this one "
                    "can show it but will not add to it. Update OutageTray to keep recording outages."
                )
                opened = cls(conn, path, clock=clock, read_only=refusal)
                opened.notice = refusal
                return opened
            _migrate(conn, version)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, clock=clock)

    @classmethod
    def _open_reader(cls, path: Path, clock: Clock) -> Self:
        reason = "This copy of OutageTray only reads the outage log; another one records outages."
        if not path.exists():
            return cls.empty(clock=clock, read_only=reason)
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            # A reader looks at the recent weeks: a small page cache is plenty, and it is memory
            # the tray app would otherwise keep for the day.
            conn.execute("PRAGMA cache_size = -256")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            conn.close()
            if not is_damage(exc):
                raise IncidentLogError(f"OutageTray could not read its outage log at {path}: {exc}") from exc
            raise IncidentLogError(
                f"OutageTray's outage log at {path} is damaged and cannot be read. The next time "
                "OutageTray records an outage it keeps the damaged file aside and starts a new one."
            ) from exc
        if version == 0:
            conn.close()  # created, not yet set up by its recorder: nothing in it
            return cls.empty(clock=clock, read_only=reason)
        reader = cls(conn, path, clock=clock, read_only=reason)
        if version == 1:
            reader._columns = _COLUMNS_V1
        return reader

    @classmethod
    def open_beside(cls, path: Path | None = None, *, clock: Clock | None = None) -> Self:
        """Open the log to note what the user did while another process records the rounds.

        "I'm on it", ticks and copies are the user's, whichever copy of OutageTray they click
        in: two writers are safe in SQLite's WAL mode, so these go straight into the file.
        Nothing is created, migrated or moved here (that is the recorder's job); a log that is
        missing, older or newer than this version is refused in plain words.
        """
        path = path if path is not None else default_path()
        clock = clock or _utc_now
        if not path.exists():
            raise IncidentLogError("There is no outage log yet to note this in.")
        conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise IncidentLogError(f"OutageTray could not open its outage log at {path}: {exc}") from exc
        if version != SCHEMA_VERSION:
            conn.close()
            raise IncidentLogError(
                "The outage log is being set up by another copy of OutageTray; try again in a moment."
                if version < SCHEMA_VERSION
                else "The outage log was written by a newer OutageTray; update this one to add to it."
            )
        return cls(conn, path, clock=clock)

    @classmethod
    def empty(cls, *, clock: Clock | None = None, read_only: str = "") -> Self:
        """A log in memory: for tests, and for reading where no file exists yet."""
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn, 0)
        return cls(conn, None, clock=clock or _utc_now, read_only=read_only)

    @property
    def connection(self) -> sqlite3.Connection:
        """The log's connection, for the outbox (core/outbox.py), which keeps its jobs in this file."""
        return self._conn

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------

    def acknowledge(self, incident_id: int, at: datetime) -> int:
        """The user said "I'm on it"; the first acknowledgement is the incident's. Returns the action id."""
        return self.add_action(incident_id, Action(at, ActionKind.ACKNOWLEDGED))

    def tick(self, incident_id: int, item_id: str, done: bool, at: datetime) -> int:
        """A checklist item ticked (or unticked); returns the action id."""
        kind = ActionKind.TICKED if done else ActionKind.UNTICKED
        return self.add_action(incident_id, Action(at, kind, item_id))

    def add_action(self, incident_id: int, action: Action) -> int:
        """Keep what the user did about an incident; returns the action's id."""
        with self._write():
            if self._conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone() is None:
                raise IncidentLogError(f"There is no outage number {incident_id} in the log.")
            cursor = self._conn.execute(
                "INSERT INTO actions (incident_id, at, kind, subject, detail) VALUES (?, ?, ?, ?, ?)",
                (incident_id, utc_text(action.at), action.kind.value, action.subject, action.detail),
            )
            if action.kind is ActionKind.ACKNOWLEDGED:
                self._conn.execute(
                    "UPDATE incidents SET acknowledged_at = ? WHERE id = ? AND acknowledged_at IS NULL",
                    (utc_text(action.at), incident_id),
                )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    def _write(self) -> _Transaction:
        if self.read_only:
            raise ReadOnlyLog(self.read_only)
        return _Transaction(self._conn)

    # -- reading -------------------------------------------------------------------------------

    def incidents(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        *,
        drill: bool | None = False,
        limit: int | None = None,
        details: bool = True,
    ) -> list[Incident]:
        """Incidents that touch the period from ``since`` to ``until``, newest first.

        One that began before ``since`` and ran into it counts (as in export.overlapping):
        a claim is about the time the business could not post.

        ``drill`` None lists drills and real ones alike. ``details`` False leaves out the
        changes and actions (a listing that shows neither reads faster).
        """
        where: list[str] = []
        params: list[Any] = []
        if since is not None:
            where.append("(ended_at IS NULL OR ended_at > ?)")
            params.append(utc_text(since))
        if until is not None:
            where.append("started_at < ?")
            params.append(utc_text(until))
        if drill is not None:
            where.append("drill = ?")
            params.append(int(drill))
        query = f"SELECT {self._columns} FROM incidents" + (" WHERE " + " AND ".join(where) if where else "")
        query += " ORDER BY started_at DESC, id DESC"
        if limit is not None:
            query += " LIMIT ?"
            params.append(max(0, int(limit)))
        return self._read(query, params, details)

    def incident(self, incident_id: int) -> Incident | None:
        found = self._read(f"SELECT {self._columns} FROM incidents WHERE id = ?", [incident_id], True)
        return found[0] if found else None

    def open_incidents(self, *, drill: bool | None = False) -> list[Incident]:
        where = "ended_at IS NULL" + ("" if drill is None else " AND drill = ?")
        params: list[Any] = [] if drill is None else [int(drill)]
        query = f"SELECT {self._columns} FROM incidents WHERE {where} ORDER BY started_at DESC, id DESC"
        return self._read(query, params, True)

    def open_for(self, platform_id: str, *, drill: bool = False) -> Incident | None:
        """The open incident in which ``platform_id`` is still failing, if any."""
        query = (
            f"SELECT {self._columns} FROM incidents WHERE id ="
            " (SELECT p.incident_id FROM incident_platforms p"
            " JOIN incidents i ON i.id = p.incident_id"
            " WHERE p.platform = ? AND p.ended_at IS NULL AND i.ended_at IS NULL AND i.drill = ?"
            " ORDER BY p.incident_id DESC LIMIT 1)"
        )
        found = self._read(query, [platform_id, int(drill)], True)
        return found[0] if found else None

    def _read(self, query: str, params: Sequence[Any], details: bool) -> list[Incident]:
        """Build the incidents ``query`` picks (``_COLUMNS``, in the order wanted), one query per table.

        The other tables are read for the same pick (``query`` as a subquery), so 10,000
        incidents cost four queries, not 30,000.
        """
        conn = self._conn
        with _Snapshot(conn):
            rows = conn.execute(query, list(params)).fetchall()
            if not rows:
                return []
            picked = f"SELECT id FROM ({query})"
            params = list(params)
            platforms = _grouped(
                conn.execute(
                    "SELECT incident_id, platform, name FROM incident_platforms"
                    f" WHERE incident_id IN ({picked}) ORDER BY incident_id, position",
                    params,
                )
            )
            changes: dict[int, list[tuple[Any, ...]]] = {}
            actions: dict[int, list[tuple[Any, ...]]] = {}
            if details:
                changes = _grouped(
                    conn.execute(
                        "SELECT incident_id, at, platform, old, new, evidence, sources, event FROM changes"
                        f" WHERE incident_id IN ({picked}) ORDER BY incident_id, id",
                        params,
                    )
                )
                actions = _grouped(
                    conn.execute(
                        "SELECT incident_id, at, kind, subject, detail FROM actions"
                        f" WHERE incident_id IN ({picked}) ORDER BY incident_id, id",
                        params,
                    )
                )
        return [_incident(row, platforms, changes, actions) for row in rows]


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row[1:])
    return grouped


def _incident(
    row: tuple[Any, ...],
    platforms: dict[int, list[tuple[Any, ...]]],
    changes: dict[int, list[tuple[Any, ...]]],
    actions: dict[int, list[tuple[Any, ...]]],
) -> Incident:
    incident_id, owner, worst, started, confirmed, ended, evidence, acknowledged, drill, seen, uncertain = row
    members = platforms.get(incident_id, [])
    return Incident(
        id=incident_id,
        owner=owner,
        platforms=tuple(p[0] for p in members),
        names=tuple(p[1] for p in members),
        worst=verdict_of(worst),
        started_at=_dt(started),
        confirmed_at=_dt(confirmed),
        ended_at=_opt_dt(ended),
        evidence=evidence,
        acknowledged_at=_opt_dt(acknowledged),
        drill=bool(drill),
        last_seen_down=_opt_dt(seen) if ended is not None else None,
        end_uncertain=bool(uncertain) and ended is not None,
        changes=tuple(
            StateChange(
                at=_dt(at),
                platform=platform,
                old=verdict_of(old),
                new=verdict_of(new),
                evidence=text,
                sources=tuple(sources.split("\n")) if sources else (),
                event=event,
            )
            for at, platform, old, new, text, sources, event in changes.get(incident_id, ())
        ),
        actions=tuple(
            Action(at=_dt(at), kind=_kind(kind), subject=subject, detail=detail)
            for at, kind, subject, detail in actions.get(incident_id, ())
        ),
    )


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error: a write is all or nothing."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self._conn.execute("COMMIT")
        elif self._conn.in_transaction:
            self._conn.execute("ROLLBACK")


class _Snapshot:
    """One read transaction, so the tables read for one listing agree with each other."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._began = False

    def __enter__(self) -> None:
        if not self._conn.in_transaction:
            self._conn.execute("BEGIN")
            self._began = True

    def __exit__(self, *_: object) -> None:
        if self._began and self._conn.in_transaction:
            self._conn.execute("COMMIT")


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """Apply each numbered step above ``version``, each in its own transaction with its number."""
    for number in range(version + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            # user_version is read again inside the transaction: another process may have migrated.
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                conn.execute("COMMIT")
                continue
            for statement in _statements(MIGRATIONS[number - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit the transaction)."""
    return [part.strip() for part in script.split(";") if part.strip()]


def _keep_aside(path: Path, now: datetime) -> Path:
    """Rename a damaged log (and its -wal/-shm) to ``<name>.corrupt-YYYYmmdd-HHMMSS``; return its new path."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    number = 2
    while target.exists():
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
        number += 1
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.replace(target.with_name(target.name + suffix))
    return target
