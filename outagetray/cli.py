"""Command line: ``outagetray`` starts the tray app; ``outagetray check`` looks once.

Only the standard library is imported at module level so that starting the tray
stays fast; each command imports what it needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TextIO

from outagetray import __version__

if TYPE_CHECKING:
    from outagetray.core.model import Platform
    from outagetray.core.settings import Settings

#: Usage and settings mistakes; the other exit codes of check live in core/check.py.
EXIT_USAGE = 2


def build_parser(*, every_command: bool = True) -> argparse.ArgumentParser:
    """The command line's parser; ``every_command`` False leaves out the commands of
    outagetray/commands, which starting the tray (the usual case) has no use for."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="PATH",
        type=Path,
        default=argparse.SUPPRESS,
        help="use this settings file instead of the usual one",
    )
    parser = argparse.ArgumentParser(
        prog="outagetray",
        description="Know the moment a platform your business depends on really fails.",
        epilog="Without a command, OutageTray starts in the system tray.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"OutageTray {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    check = commands.add_parser(
        "check",
        parents=[common],
        help="check every watched platform once and print what its status sources say",
        description="Check every watched platform once. Exit code: 0 all fine, 1 something is "
        "degraded or down, 3 nothing down but some status unknown, 2 usage or settings error.",
    )
    check.add_argument(
        "--platform",
        metavar="ID",
        action="append",
        dest="platforms",
        help="check this platform instead of the watch list (repeatable), e.g. --platform discord",
    )
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    watch = commands.add_parser(
        "watch",
        parents=[common],
        help="keep watching without a window and print each change as one JSON line",
        description="Watch the platforms without any window. Each change is printed as one JSON "
        "line, for a headless box or a pipe into other tools. Stop with Ctrl+C.",
    )
    watch.add_argument(
        "--platform",
        metavar="ID",
        action="append",
        dest="platforms",
        help="watch this platform instead of the watch list (repeatable)",
    )
    watch.add_argument(
        "--interval",
        metavar="SECONDS",
        type=_interval,
        help="seconds between rounds (from 1; overrides the settings, for tests and drills)",
    )
    run = commands.add_parser(
        "run",
        parents=[common],
        help="start the tray app (the default)",
        description="Start OutageTray in the system tray. It watches your platforms in the "
        "background and tells you with a notification when one really fails. Click its icon "
        "to see each platform's status; if your desktop shows no tray, a window opens "
        "instead. Only one copy runs: starting it again opens its window.",
    )
    run.add_argument(
        "--interval",
        metavar="SECONDS",
        type=_interval,
        help="seconds between rounds (from 1; overrides the settings, for drills and tests)",
    )
    if every_command:
        for module in _command_modules():
            module.add_parser(commands, common)
    return parser


def _names_a_command(words: Sequence[str]) -> bool:
    """Whether the command line may need a command of outagetray/commands (or the full --help).

    Starting the tray is the usual case and must stay as quick as a bare tray app, so
    those modules are left out only when every word is one that starting the tray takes
    (``run``, ``--config``, ``--interval``, their values, ``--version``); anything else,
    a typo included, gets the full parser and so the full list of commands.
    """
    expect_value = False
    for word in words:
        if expect_value:
            expect_value = False
        elif word in ("--config", "--interval"):
            expect_value = True
        elif word in ("run", "--version") or word.startswith(("--config=", "--interval=")):
            continue
        else:
            return True
    return False


def _command_modules() -> list[ModuleType]:
    """The modules of outagetray/commands, each adding one subcommand."""
    from importlib import import_module

    from outagetray.commands import NAMES

    return [import_module(f"outagetray.commands.{name}") for name in NAMES]


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(every_command=_names_a_command(words))
    args = parser.parse_args(words)
    config: Path | None = getattr(args, "config", None)
    runner = getattr(args, "run_command", None)
    if runner is not None:
        return int(runner(args))
    if args.command in ("check", "watch"):
        import logging

        from outagetray.core.logfile import setup

        # Warnings and errors still reach the terminal, through the same masking as the
        # app's log: without a handler, logging's last resort would print them raw.
        logs = setup(
            to_file=False,
            stderr_level=logging.WARNING,
            stderr_format="outagetray: %(message)s",
            own_only=True,
        )
        try:
            if args.command == "check":
                return _check(config, args.platforms or [], args.json)
            return _watch(config, args.platforms or [], args.interval)
        finally:
            logs.close()
    from outagetray.app import run_app

    return run_app(config, getattr(args, "interval", None))


def _interval(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 1 <= value <= 86_400:
        raise argparse.ArgumentTypeError("the interval must be from 1 to 86400 seconds")
    return value


def _say(text: str) -> None:
    """A message on stderr. It may quote the settings file (names, addresses), so it is
    cleaned of control characters and credentials like everything else printed."""
    from outagetray.core.redact import shown

    print(shown(text), file=sys.stderr)


def _settings_and_platforms(config: Path | None, platform_ids: list[str]) -> tuple[Settings, list[Platform]]:
    """Load settings and pick the platforms, or raise SystemExit(2) after saying what is wrong.

    The command's one settings store reads the file strictly: a script must not act on
    settings the user did not give it, so a mistake stops it rather than being worked around.
    """
    from outagetray.core.settings_store import SettingsStore

    store = SettingsStore(config)
    loaded = store.load()
    if config is not None and not loaded.exists:
        _say(f"outagetray: the settings file {config} does not exist")
        raise SystemExit(EXIT_USAGE)
    for warning in loaded.warnings:
        _say(f"outagetray: {loaded.path}: {warning}")
    if not loaded.ok:
        _say(f"outagetray: the settings file {loaded.path} has problems:")
        for problem in loaded.problems:
            _say(f"  {problem}")
        raise SystemExit(EXIT_USAGE)
    settings = store.current
    every = settings.platforms()
    if not platform_ids:
        return settings, settings.watched()
    from outagetray.core.catalog import canonical_id, guess_id

    chosen: list[str] = []
    unknown_ids = []
    for text in platform_ids:
        # Exact ids in any case, common names ("twitter") and display names ("X (Twitter)")
        # are taken as meant; anything else is refused with a suggestion rather than guessed.
        canonical = canonical_id(text, every)
        if canonical is not None:
            chosen.append(canonical)
        else:
            unknown_ids.append(text)
            guess = guess_id(text, every)
            hint = f' Did you mean "{guess}"?' if guess else ""
            _say(f'outagetray: "{text}" is not a platform OutageTray knows.{hint}')
    if unknown_ids:
        _say(f"outagetray: known platforms: {', '.join(sorted(every))}")
        raise SystemExit(EXIT_USAGE)
    return settings, [every[pid] for pid in dict.fromkeys(chosen)]


def _check(config: Path | None, platform_ids: list[str], as_json: bool) -> int:
    import json

    from outagetray.core.check import run_check
    from outagetray.core.http import HttpClient
    from outagetray.core.redact import safe_data

    try:
        settings, platforms = _settings_and_platforms(config, platform_ids)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    from outagetray.core.probes import DnsConfig

    report = run_check(HttpClient(), platforms, settings.controls, DnsConfig(settings.nameservers))
    out = _stdout()
    if as_json:
        # Cleaned here, at the output: json.dumps escapes C0 controls, but not DEL, C1 or
        # bidi overrides, and it would print a source's password as it is.
        json.dump(safe_data(report.to_json()), out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        _print_table(report, out)
    return report.exit_code


def _watch(config: Path | None, platform_ids: list[str], interval: float | None) -> int:
    import json
    import signal
    import threading

    from outagetray.core.eventids import EventIds
    from outagetray.core.eventids import default_path as events_path
    from outagetray.core.incident_recorder import Recorder
    from outagetray.core.monitor import Event, Monitor, MonitorConfig, RoundReport
    from outagetray.core.probes import DnsConfig
    from outagetray.core.redact import safe_data
    from outagetray.core.watchlog import change_line

    try:
        settings, platforms = _settings_and_platforms(config, platform_ids)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    out = _stdout()
    lock = threading.Lock()
    # The incident log is the tray app's and watch's alike; only one of them writes it (a
    # lock), and the one that does not says so once. Event numbers come from the same
    # counter file as the app's, so the log's incidents never share a number.
    recorder = Recorder.start(program="outagetray watch", on_notice=lambda text: _say(f"outagetray: {text}"))
    recorder.wait_ready()  # its notice (on stderr) comes before the first line of output

    def record(report: RoundReport) -> None:
        recorder.record_async(report.changes, report.statuses)

    def emit(changes: list[Event]) -> None:
        with lock:
            for change in changes:
                out.write(json.dumps(safe_data(change_line(change)), ensure_ascii=False) + "\n")
            out.flush()

    monitor = Monitor(
        platforms,
        MonitorConfig(
            interval=interval or float(settings.interval_seconds),
            controls=settings.controls,
            dns=DnsConfig(settings.nameservers),
            confirm_rounds=settings.confirm_rounds,
            recover_rounds=settings.recover_rounds,
        ),
        emit,
        on_round=record,
        events=EventIds(events_path()),
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    monitor.start()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        monitor.stop()
        recorder.stop()
    return 0


def _print_table(report: object, out: TextIO) -> None:
    from outagetray.core.check import CheckReport
    from outagetray.core.redact import mask_urls_in, one_line

    assert isinstance(report, CheckReport)

    def cell(text: str) -> str:
        # Names come from the settings file and summaries from status pages: neither may
        # move the cursor, recolour the terminal, break the table's lines or show a password.
        return mask_urls_in(one_line(text))

    when = report.checked_at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    out.write(f"OutageTray check, {when}\n")
    link = report.connectivity
    out.write(f"{cell(link.sentence)}\n\n")
    if not report.platforms:
        out.write("No platforms are watched. Add some in Settings or with --platform ID.\n")
        return
    names = [cell(p.platform.name) for p in report.platforms]
    name_width = max(len(name) for name in names)
    for name, item in zip(names, report.platforms, strict=True):
        out.write(f"  {name:<{name_width}}  {item.verdict.label:<14}  {cell(item.summary)}\n")
        if item.affected:
            affected = cell(", ".join(item.affected))
            out.write(f"  {'':<{name_width}}  {'':<14}  Affected: {affected}\n")


def _stdout() -> TextIO:
    stream = sys.stdout
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    return stream
