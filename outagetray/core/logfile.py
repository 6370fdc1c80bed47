"""The log a person can read afterwards: a small rotating file in the platform's log folder.

A tray app started from the desktop has no terminal, so what went wrong, every
verdict change and every alert sent or held back must land in a file the user (or
whoever helps them) can open from Settings. Every record passes through
:class:`RedactingFilter` first, so no password or token from a source address reaches
the file or the terminal, and no escape sequence from a status page forges a line.

Set up on the first turn of the event loop, after the tray icon shows:
``logging.handlers`` costs a few milliseconds that the icon should not wait for.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from outagetray.core.redact import clean_text, mask_urls_in

APP_NAME = "OutageTray"
FILE_NAME = "outagetray.log"
#: About a megabyte per file and three old files kept: weeks of changes, never a full disk.
MAX_BYTES = 1_000_000
BACKUPS = 3
#: Times in the file are UTC, as everywhere inside OutageTray; the "Z" says so.
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

log = logging.getLogger("outagetray")


def log_folder() -> Path:
    """Where the log lives (the README lists it for each system, so people can find it without the app)."""
    from platformdirs import user_log_path

    return user_log_path(APP_NAME, appauthor=False)


def _shown(text: str) -> str:
    return mask_urls_in(clean_text(text))


class RedactingFilter(logging.Filter):
    """Masks credentials and strips control characters in a whole record: message, arguments, traceback.

    The message is formatted here, once, and the record keeps only the safe text, so
    every handler after this one (file and terminal) sees the same masked line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = _shown(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _shown(record.exc_text)
        if record.stack_info:
            record.stack_info = _shown(record.stack_info)
        return True


def _file_handler(path: Path, on_failure: Callable[[str], None]) -> logging.Handler:
    """A RotatingFileHandler that, when writing fails later (full disk), says so once and goes quiet."""
    from logging.handlers import RotatingFileHandler

    class QuietRotatingFileHandler(RotatingFileHandler):
        failed = False

        def handleError(self, record: logging.LogRecord) -> None:
            if not self.failed:
                self.failed = True
                error = sys.exc_info()[1]
                on_failure(
                    f"OutageTray could not write its log file {path} ({error}); it goes on without it."
                )

    return QuietRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")


class LogSetup:
    """The handlers :func:`setup` installed; :meth:`close` removes them (tests, and the end of the app)."""

    def __init__(self, handlers: list[logging.Handler], path: Path | None, own_only: bool) -> None:
        #: The app's own logger: uncaught errors are logged under its name.
        self.logger = log
        self.handlers = handlers
        self._root = logging.getLogger()
        #: Where the handlers hang: OutageTray's logger only, or the root (every library too).
        self._holder = log if own_only else self._root
        self._before = (self._root.level, log.level, log.propagate)
        #: The log file, or None when it could not be opened.
        self.path = path
        self._hooks: tuple[Any, Any] | None = None

    def catch_uncaught(self) -> None:
        """Uncaught exceptions (in Qt slots, in threads) go to the log with their traceback."""
        previous = (sys.excepthook, threading.excepthook)
        self._hooks = previous

        def on_exception(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
            if issubclass(kind, KeyboardInterrupt):
                previous[0](kind, error, tb)
                return
            self.logger.error("an unexpected error", exc_info=(kind, error, tb))

        def on_thread_exception(args: threading.ExceptHookArgs) -> None:
            if args.exc_value is None:
                return
            name = args.thread.name if args.thread else "a thread"
            self.logger.error(
                "an unexpected error in %s",
                name,
                exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
            )

        sys.excepthook = on_exception
        threading.excepthook = on_thread_exception

    def close(self) -> None:
        if self._hooks is not None:
            sys.excepthook, threading.excepthook = self._hooks
            self._hooks = None
        for handler in self.handlers:
            self._holder.removeHandler(handler)
            with contextlib.suppress(OSError, ValueError):  # a full disk must not fail the quit
                handler.close()
        if self.handlers:
            self._root.setLevel(self._before[0])
            log.setLevel(self._before[1])
            log.propagate = self._before[2]
        self.handlers = []


def setup(
    folder: Path | None = None,
    *,
    to_file: bool = True,
    stderr: TextIO | None = None,
    stderr_level: int = logging.INFO,
    stderr_format: str = FORMAT,
    own_only: bool = False,
) -> LogSetup:
    """Log to the terminal and (``to_file``) to a rotating file in ``folder``.

    The file is opened now, not at the first record, so a folder that cannot be
    written (a read-only home) is found here and said once on stderr; the app goes on
    without the file rather than failing to start.

    The app takes every logger's records (the root's), so that a library's warning
    (urllib3 quoting a request's query string, say) is kept, masked, in the file:
    OutageTray's own from INFO up, everyone else's from WARNING. ``own_only`` takes
    only OutageTray's: ``check`` and ``watch`` print to a person's terminal, where a
    library's warning with its traceback is noise, and where libraries (urllib3 has
    a NullHandler) stayed silent before.
    """
    err = stderr if stderr is not None else sys.stderr
    redact = RedactingFilter()
    handlers: list[logging.Handler] = []

    def say(message: str) -> None:
        # No terminal at all (pythonw, a closed stream): there is nobody to tell.
        with contextlib.suppress(OSError, ValueError):
            print(message, file=err, flush=True)

    terminal = logging.StreamHandler(err)
    terminal.setLevel(stderr_level)
    terminal.setFormatter(_formatter(stderr_format))
    handlers.append(terminal)
    path: Path | None = None
    if to_file:
        where = folder
        try:
            where = where if where is not None else log_folder()
            where.mkdir(parents=True, exist_ok=True)
            handler = _file_handler(where / FILE_NAME, say)
            handler.setFormatter(_formatter(FORMAT))
            handlers.append(handler)
            path = where / FILE_NAME
        except (OSError, RuntimeError) as exc:  # RuntimeError: platformdirs found no home folder
            detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            say(f"OutageTray cannot keep its log file in {where} ({detail}); it runs without one.")
    result = LogSetup(handlers, path, own_only)
    for handler in handlers:
        handler.addFilter(redact)
        result._holder.addHandler(handler)
    if own_only:
        log.propagate = False  # a root handler someone else set up would print it unmasked
    else:
        logging.getLogger().setLevel(logging.WARNING)
    log.setLevel(logging.INFO)
    return result


def _formatter(fmt: str) -> logging.Formatter:
    formatter = logging.Formatter(fmt, DATE_FORMAT)
    formatter.converter = time.gmtime
    return formatter
