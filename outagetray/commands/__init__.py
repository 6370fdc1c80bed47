"""Subcommands beyond check, watch and run, one module each.

Each module exposes ``add_parser(commands, common)`` to declare itself and
``run(args) -> int`` to do the work. Modules import only the standard library at
module level, because building the parser is on the tray's start path.
"""

#: The modules, in the order ``outagetray --help`` lists them.
NAMES = ("count", "incidents", "export", "send", "outbox", "channels", "drill")
