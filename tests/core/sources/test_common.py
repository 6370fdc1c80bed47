"""The helpers every status format shares: links, value descriptions, summary wording, XML lookups."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import pytest

from outagetray.core.model import Verdict
from outagetray.core.sources._common import (
    SUMMARY_LIMIT,
    URL_LIMIT,
    ParseError,
    add_affected,
    atom_link,
    child_text,
    children,
    describe_json,
    enum_word,
    first_child,
    first_few,
    load_json_object,
    load_xml,
    optional_list,
    problem_line,
    raw_child_text,
    safe_url,
    titled_line,
    url_host,
    worst_first,
)

# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("https://status.example.com/incidents/1", "https://status.example.com/incidents/1"),
        ("HTTP://Status.Example.com/x", "HTTP://Status.Example.com/x"),
        ("  https://status.example.com/x\n", "https://status.example.com/x"),
        ("https://status.example.com/\u202ex", "https://status.example.com/x"),
        ("javascript:alert(1)", ""),
        ("file:///etc/passwd", ""),
        ("data:text/html,<b>x</b>", ""),
        ("//evil.example/x", ""),
        ("/relative/path", ""),
        ("https://", ""),
        ("http://:80/", ""),
        ("https:///path", ""),
        ("http://[::1", ""),
        ("https://status.example.com/a b", ""),
        ("", ""),
        (None, ""),
        (42, ""),
        (["https://status.example.com/"], ""),
    ],
)
def test_safe_url_keeps_only_whole_http_links_with_a_host(value: object, kept: str) -> None:
    assert safe_url(value) == kept


def test_safe_url_drops_an_overlong_link_instead_of_cutting_it() -> None:
    base = "https://status.example.com/"
    exact = base + "p" * (URL_LIMIT - len(base))
    assert safe_url(exact) == exact
    assert safe_url(exact + "p") == ""
    assert safe_url(base + "p" * 10_000) == ""


def test_safe_url_limit_is_a_parameter() -> None:
    link = "https://status.example.com/" + "p" * 100
    assert safe_url(link, limit=len(link)) == link
    assert safe_url(link, limit=len(link) - 1) == ""


def test_safe_url_is_not_fooled_by_a_space_where_cutting_would_fall() -> None:
    # Cut to the limit first, this would lose its space (and its tail) and look like a whole link.
    link = "https://status.example.com/" + "p" * (URL_LIMIT - 28) + " tail"
    assert safe_url(link) == ""


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Status.Example.COM/x", "status.example.com"),
        ("http://user@host.example:8080/", "host.example"),
        ("https://metastatus.com.attacker.invalid/", "metastatus.com.attacker.invalid"),
        ("https://", ""),
        ("/relative", ""),
        ("http://[::1", ""),
        ("", ""),
    ],
)
def test_url_host(url: str, host: str) -> None:
    assert url_host(url) == host


# --- words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "lower", "upper"),
    [
        (" Active ", "active", "ACTIVE"),
        ("UP", "up", "UP"),
        ("", "", ""),
        (None, None, None),
        (5, None, None),
        (True, None, None),
        (["ok"], None, None),
    ],
)
def test_enum_word_folds_case_and_spaces_and_refuses_non_text(
    value: object, lower: str | None, upper: str | None
) -> None:
    assert enum_word(value) == lower
    assert enum_word(value, upper=True) == upper


def test_enum_word_folds_in_the_case_asked_for() -> None:
    # Upper- and lower-casing do not fold every letter alike, so the choice is kept per format.
    assert enum_word("ınvestıgatıng", upper=True) == "INVESTIGATING"
    assert enum_word("ınvestıgatıng") != "investigating"


@pytest.mark.parametrize(
    ("value", "shown", "kind"),
    [
        ("busy", "'busy'", "a string"),
        (None, "missing", "nothing"),
        (True, "true/false", "true/false"),
        (False, "true/false", "true/false"),
        (3, "the number 3", "a number"),
        (2.5, "the number 2.5", "a number"),
        ([1, 2], "a list", "a list"),
        ({"a": 1}, "an object", "an object"),
    ],
)
def test_describe_json(value: object, shown: str, kind: str) -> None:
    assert describe_json(value) == shown
    assert describe_json(value, show_value=False) == kind


def test_describe_json_never_echoes_long_or_hostile_text() -> None:
    shown = describe_json("\x00evil\u202e " + "x" * 500)
    assert "\x00" not in shown and "\u202e" not in shown
    assert len(shown) <= 42  # 40 characters and the quotes


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[]", "expected a JSON object, got a list"),
        (b'"x"', "expected a JSON object, got a string"),
        (b"3", "expected a JSON object, got a number"),
        (b"true", "expected a JSON object, got true/false"),
        (b"null", "expected a JSON object, got nothing"),
    ],
)
def test_load_json_object_names_only_the_kind_of_a_wrong_root(body: bytes, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        load_json_object(body)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("container", "found"),
    [
        ({}, ([], "")),
        ({"items": None}, ([], "")),
        ({"items": []}, ([], "")),
        ({"items": [1, {"a": 2}]}, ([1, {"a": 2}], "")),
        ({"items": "oops"}, ([], "items is 'oops' instead of a list")),
        ({"items": {"a": 1}}, ([], "items is an object instead of a list")),
        ({"items": 7}, ([], "items is the number 7 instead of a list")),
        ({"items": False}, ([], "items is true/false instead of a list")),
    ],
)
def test_optional_list(container: dict[str, object], found: tuple[list[object], str]) -> None:
    assert optional_list(container, "items") == found


@pytest.mark.parametrize(
    ("items", "most", "separator", "brackets", "text"),
    [
        ([], 5, ", ", True, ""),
        (["a"], 5, ", ", True, "a"),
        (["a", "b", "c"], 3, ", ", True, "a, b, c"),
        (["a", "b", "c", "d"], 3, ", ", True, "a, b, c (and 1 more)"),
        (["a", "b", "c", "d", "e"], 2, "; ", True, "a; b (and 3 more)"),
        (["a", "b", "c", "d", "e"], 2, "; ", False, "a; b and 3 more"),
    ],
)
def test_first_few(items: list[str], most: int, separator: str, brackets: bool, text: str) -> None:
    assert first_few(items, most, separator, brackets=brackets) == text


def test_first_few_reads_a_generator_once_and_counts_all_of_it() -> None:
    assert first_few(str(n) for n in range(12)) == "0, 1, 2, 3, 4 (and 7 more)"


def test_add_affected_keeps_the_worst_and_worst_first_orders_by_it() -> None:
    affected: dict[str, int] = {}
    add_affected(affected, "Chat", Verdict.DEGRADED)
    add_affected(affected, "Calls", Verdict.MAINTENANCE)
    add_affected(affected, "Login", Verdict.MAJOR_OUTAGE)
    add_affected(affected, "Chat", Verdict.PARTIAL_OUTAGE)
    add_affected(affected, "Login", Verdict.DEGRADED)  # never lowers what was seen
    assert affected["Login"] == Verdict.MAJOR_OUTAGE.severity
    assert affected["Chat"] == Verdict.PARTIAL_OUTAGE.severity
    assert worst_first(affected) == ["Login", "Chat", "Calls"]


def test_worst_first_keeps_the_order_seen_among_equals() -> None:
    affected: dict[str, int] = {}
    for name in ("b", "a", "c"):
        add_affected(affected, name, Verdict.DEGRADED)
    assert worst_first(affected) == ["b", "a", "c"]


# --- summary lines --------------------------------------------------------------------------


def test_titled_line() -> None:
    assert titled_line("Investigating", "Login errors") == "Investigating: Login errors"
    assert titled_line("Investigating", "Login errors", 2) == "Investigating: Login errors (+2 more)"
    assert titled_line("Investigating", "Login errors", 0) == "Investigating: Login errors"


def test_titled_line_shortens_only_the_title() -> None:
    line = titled_line("Fix applied, monitoring", "word " * 100, 3)
    assert len(line) <= SUMMARY_LIMIT
    assert line.startswith("Fix applied, monitoring: word")
    assert line.endswith("… (+3 more)")


def test_titled_line_keeps_some_title_after_a_long_phrase() -> None:
    line = titled_line("P" * SUMMARY_LIMIT, "A title that is long enough")
    assert line.startswith("P" * SUMMARY_LIMIT + ": A title th")


@pytest.mark.parametrize(
    ("verdict", "affected", "titles", "line"),
    [
        (Verdict.MAJOR_OUTAGE, [], [], "Outage reported"),
        (Verdict.PARTIAL_OUTAGE, [], [], "Partial outage reported"),
        (Verdict.DEGRADED, [], [], "Problems reported"),
        (Verdict.MAINTENANCE, [], [], "Maintenance in progress"),
        (Verdict.UNKNOWN, [], [], "Status unclear"),
        (Verdict.MAJOR_OUTAGE, ["Login"], [], "Outage: Login"),
        (Verdict.DEGRADED, ["A", "B", "C", "D", "E"], [], "Problems: A, B, C and 2 more"),
        (Verdict.DEGRADED, ["Chat"], ["Slow messages"], "Problems: Chat — Slow messages"),
        (Verdict.MAJOR_OUTAGE, [], ["Down", "Also down"], "Outage reported — Down (+1 more)"),
    ],
)
def test_problem_line(verdict: Verdict, affected: list[str], titles: list[str], line: str) -> None:
    assert problem_line(verdict, affected, titles) == line


def test_problem_line_cuts_the_title_never_the_damage() -> None:
    line = problem_line(Verdict.MAJOR_OUTAGE, ["Login"], ["word " * 100, "second"])
    assert len(line) <= SUMMARY_LIMIT
    assert line.startswith("Outage: Login — word")
    assert line.endswith("… (+1 more)")


def test_problem_line_drops_a_title_with_too_little_room() -> None:
    names = ["N" * 60, "M" * 40]
    line = problem_line(Verdict.DEGRADED, names, ["A title that does not fit"])
    assert line == f"Problems: {names[0]}, {names[1]}"


# --- XML lookups ----------------------------------------------------------------------------

_ATOM = b"""<feed xmlns="http://www.w3.org/2005/Atom">
<title>Feed <b>title</b></title>
<entry><id>1</id>
  <link rel="self" href="https://status.example.com/self"/>
  <link href="https://status.example.com/e/1"/>
  <link rel="alternate" href="https://status.example.com/e/other"/>
</entry>
<entry><id>2</id><link rel="related" href="https://status.example.com/r"/></entry>
<entry><id>3</id><link rel="alternate"/><link href="https://status.example.com/late"/></entry>
</feed>"""


def test_children_and_first_child_ignore_namespaces() -> None:
    root = load_xml(_ATOM)
    entries = children(root, "entry")
    assert [child_text(entry, "id") for entry in entries] == ["1", "2", "3"]
    first = first_child(root, "entry")
    assert first is entries[0]
    assert first_child(root, "channel") is None
    assert children(root, "item") == []


def test_raw_child_text_is_untouched_and_child_text_is_tidied() -> None:
    element = Element("item")
    title = Element("title")
    title.text = "  Web\x7f  -  Major Outage  " + "x" * 400
    element.append(title)
    assert raw_child_text(element, "title") == title.text
    assert child_text(element, "title").startswith("Web - Major Outage x")
    assert len(child_text(element, "title")) == 300
    assert raw_child_text(element, "missing") == "" and child_text(element, "missing") == ""


def test_raw_child_text_joins_nested_text() -> None:
    root = load_xml(_ATOM)
    assert raw_child_text(root, "title") == "Feed title"


def test_atom_link_takes_the_first_alternate_link() -> None:
    first, second, third = children(load_xml(_ATOM), "entry")
    assert atom_link(first) == "https://status.example.com/e/1"
    assert atom_link(second) == ""
    # The first alternate link decides, even when it has no href.
    assert atom_link(third) == ""
