"""`outagetray count`: text in from a file or stdin, one line or JSON out, honest exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from outagetray.cli import build_parser, main
from outagetray.commands import count as count_command
from outagetray.core.limits import CHANNEL_TYPES

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"


def feed(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def config(tmp_path: Path, channels: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(channels, encoding="utf-8")
    return path


def test_json_from_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    draft = tmp_path / "draft.txt"
    draft.write_text(f"We are back {FAMILY} https://example.com/{'x' * 200}", encoding="utf-8")
    assert main(["count", "--channel", "x", "--json", str(draft)]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "channel": "x",
        "length": 12 + 2 + 1 + 23,
        "limit": 280,
        "fits": True,
    }


@pytest.mark.parametrize("argv", [["count", "--channel", "bluesky", "-"], ["count", "--channel", "bluesky"]])
def test_plain_line_from_stdin(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, FAMILY.encode() * 2)
    assert main(argv) == 0
    assert capsys.readouterr().out == "bluesky: 2 of 300 characters, 50 of 3,000 bytes: fits\n"


def test_too_long_exits_1_and_says_by_how_much(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, b"a" * 317)
    assert main(["count", "--channel", "x"]) == 1
    assert (
        capsys.readouterr().out
        == "x: 317 of 280 characters: does not fit (37 characters over X's limit of 280)\n"
    )


def test_empty_text_does_not_fit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    feed(monkeypatch, b"")
    assert main(["count", "--channel", "email", "--json"]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "channel": "email",
        "length": 0,
        "limit": None,
        "fits": False,
    }


def test_blog_has_no_limit(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    feed(monkeypatch, b"x" * 100_000)
    assert main(["count", "--channel", "blog"]) == 0
    assert capsys.readouterr().out == "blog: 100,000 characters, no limit: fits\n"


def test_an_unknown_channel_is_a_usage_error_that_lists_the_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, "")
    assert main(["count", "--config", str(path), "--channel", "myspace", "-"]) == 2
    err = capsys.readouterr().err
    assert '"myspace"' in err and "x, bluesky, mastodon" in err


def test_unreadable_and_non_utf8_files_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["count", "--channel", "x", str(tmp_path / "missing.txt")]) == 2
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("caf\u00e9".encode("latin-1"))
    assert main(["count", "--channel", "x", str(latin)]) == 2
    err = capsys.readouterr().err
    assert "cannot read" in err and "not UTF-8" in err


def test_a_mastodon_channel_uses_its_servers_limit(
    tmp_path: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(
        {"configuration": {"statuses": {"max_characters": 1000}}}
    )
    path = config(
        tmp_path, f'[[channels]]\nid = "ours"\ntype = "mastodon"\nbase_url = "{httpserver.url_for("/")}"\n'
    )
    feed(monkeypatch, b"a" * 600)
    assert main(["count", "--config", str(path), "--channel", "ours", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "channel": "ours",
        "length": 600,
        "limit": 1000,
        "fits": True,
    }


def test_a_mastodon_server_that_does_not_answer_falls_back_to_500(
    tmp_path: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_data("down", status=503)
    server = httpserver.url_for("/").rstrip("/")
    path = config(tmp_path, f'[[channels]]\nid = "ours"\ntype = "mastodon"\nurl = "{server}/@shop"\n')
    feed(monkeypatch, b"a" * 600)
    assert main(["count", "--config", str(path), "--channel", "ours", "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["limit"] == 500
    assert "could not ask" in err and "500" in err


def test_a_mastodon_channel_without_a_server_says_it_uses_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, '[[channels]]\nid = "ours"\ntype = "mastodon"\nname = "Shop toots"\n')
    feed(monkeypatch, b"a" * 400)
    assert main(["count", "--config", str(path), "--channel", "ours", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["limit"] == 500
    assert "names no Mastodon server" in err


def test_a_bare_mastodon_type_uses_500_without_asking(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    feed(monkeypatch, b"a" * 501)
    assert main(["count", "--channel", "mastodon", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["limit"] == 500


def test_a_channel_of_a_type_without_a_counter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = config(tmp_path, '[[channels]]\nid = "gram"\ntype = "instagram"\n')
    assert main(["count", "--config", str(path), "--channel", "gram", "-"]) == 2
    assert '"instagram"' in capsys.readouterr().err


def test_the_parser_knows_count_and_its_types_match_the_core() -> None:
    args = build_parser().parse_args(["count", "--channel", "x"])
    assert args.run_command is count_command.run and args.file == "-"
    assert count_command.TYPES == CHANNEL_TYPES


def test_building_the_parser_does_not_load_the_counter() -> None:
    code = (
        "import sys; from outagetray.cli import build_parser; build_parser(); "
        "loaded = ('regex', 'outagetray.core.limits', 'outagetray.core.http'); "
        "print(sorted(m for m in loaded if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
