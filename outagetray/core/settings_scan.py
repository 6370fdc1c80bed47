"""Reading a settings file's text before and around the TOML parser.

Two jobs tomllib does not do: refusing, before parsing, a file built to exhaust the
parser (keys of thousands of dotted parts, brackets nested thousands deep, numbers
thousands of digits long), and finding the line each key was written on, because
tomllib reports positions only for syntax errors and a user fixing a wrong value
needs to know where it is. Pure text work, no settings rules: split from
:mod:`outagetray.core.settings` so that module holds the rules alone.
"""

from __future__ import annotations

import re

#: Dotted keys and brackets go this deep at most. The settings need three or four levels;
#: tomllib needs memory that grows with the square of a key's parts (3.8 GB for 100,000)
#: and recursion that grows with nesting, so absurd files are refused before parsing.
MAX_KEY_PARTS = 32
MAX_NESTING = 64


class KeyLines:
    """Finds the line a key was written on, so messages can point at it.

    tomllib reports positions only for syntax errors; for a wrong value we scan
    the text for table headers and ``key =`` lines ourselves. Keys inside inline
    tables or multi-line arrays point at the line their outer key starts on.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\"' ]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str | int, ...], int] = {}
        table: tuple[str | int, ...] = ()
        counts: dict[str, int] = {}
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if depth == 0:
                header = self._HEADER.match(line)
                if header:
                    name = header.group(2).strip().strip("\"'")
                    if header.group(1) == "[[":
                        counts[name] = counts.get(name, -1) + 1
                        table = (*name.split("."), counts[name])
                    else:
                        table = tuple(name.split("."))
                    self.lines.setdefault(table, number)
                    continue
                key = self._KEY.match(line)
                if key:
                    self.lines.setdefault((*table, key.group(1).strip('"')), number)
            depth = max(0, depth + bracket_balance(line))

    def find(self, path: tuple[str | int, ...]) -> int | None:
        for end in range(len(path), 0, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def bracket_balance(line: str) -> int:
    """Net open brackets on a line outside strings and comments (for multi-line arrays)."""
    balance = 0
    quote = ""
    for char in line:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            balance += 1
        elif char in "]}":
            balance -= 1
    # A table header like [monitor] balances to zero on its own line, as it should.
    return balance


#: What the pre-scan stops at: string and comment starts, dots, brackets, line ends,
#: and any other character that cannot be part of a key (it ends a run of dots).
_TOKEN = re.compile(r'"""|' + r"'''" + r"""|["'#.\n\[\]{}]|[^\sA-Za-z0-9_\-]""")
# Unrolled loops with possessive repeats: a run of plain characters costs one step, not
# one saved state per character (which took 120 MB for a string of 900 KB).
_BASIC_REST = re.compile(r'[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?')
_LITERAL_REST = re.compile(r"[^'\n]*+'?")
#: A multi-line string may end with up to two extra quotes (""""" closes """a"" as a"").
_ML_BASIC_REST = re.compile(r'[^"\\]*+(?:(?:\\.|"(?!""))[^"\\]*+)*+"""(?:"{1,2}(?!"))?', re.DOTALL)
_ML_LITERAL_REST = re.compile(r"[^']*+(?:'(?!'')[^']*+)*+'''(?:'{1,2}(?!'))?")
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z_])[+-]?[0-9][0-9_]{4000,}")


def prescan(text: str) -> str | None:
    """Refuse, before tomllib sees it, a file whose keys or brackets go absurdly deep.

    A cheap pass that skips strings and comments, counting the dots of each dotted
    key and the depth of open brackets. A run of dots ends at anything that cannot
    be part of a key (a comma, "=", a bracket, a line end), so values such as 1.5
    or a time never add up. Returns the problem in plain words, or None.
    """
    depth = dots = 0
    line = 1
    position = 0
    while (match := _TOKEN.search(text, position)) is not None:
        token = match.group()
        position = match.end()
        if token == "\n":
            line += 1
            dots = 0
        elif token == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                start = text.rfind("\n", 0, position) + 1
                shown = text[start:position].strip()[:40]
                return (
                    f"Line {line}: a key made of more than {MAX_KEY_PARTS} parts joined by dots "
                    f"({shown}…); no setting has more than a few."
                )
        elif token in ("[", "{"):
            depth += 1
            dots = 0
            if depth > MAX_NESTING:
                return (
                    f"Line {line}: brackets [ ] or {{ }} nested more than {MAX_NESTING} deep; "
                    "no setting needs more than a few levels."
                )
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
            dots = 0
        elif token == "#":
            end = text.find("\n", position)
            position = len(text) if end < 0 else end
        elif token in ('"""', "'''"):
            rest = (_ML_BASIC_REST if token == '"""' else _ML_LITERAL_REST).match(text, position)
            end = len(text) if rest is None else rest.end()  # unclosed: tomllib will say where
            line += text.count("\n", position, end)
            position = end
            dots = 0
        elif token in ('"', "'"):  # a quoted key part keeps the run of dots going
            rest = (_BASIC_REST if token == '"' else _LITERAL_REST).match(text, position)
            position = rest.end() if rest else position
        else:
            dots = 0
    return None


def long_number(text: str) -> str:
    """The problem for a number tomllib could not convert: Python refuses decimals of over 4300 digits."""
    found = _LONG_NUMBER.search(text)
    if found is None:
        return "The settings file holds a value OutageTray could not read."
    line = text.count("\n", 0, found.start()) + 1
    return f"Line {line}: a number thousands of digits long; no setting needs one."
