"""Masking credentials in addresses and stripping control characters: the rules every output uses."""

from __future__ import annotations

import pytest

from outagetray.core import redact


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:secret@host.example/a?b=1", "https://user:***@host.example/a?b=1"),
        ("https://TOKEN123@github.example/x", "https://***@github.example/x"),
        ("https://u:p@ss@host.example:8443/x", "https://u:***@host.example:8443/x"),
        (
            "https://h.example/x?token=abc&page=2&api_key=k#top",
            "https://h.example/x?token=***&page=2&api_key=***#top",
        ),
        (
            "https://h.example/x?sig=abc&X-Amz-Signature=def",
            "https://h.example/x?sig=***&X-Amz-Signature=***",
        ),
        (
            "https://h.example/x?access_token=a;password=b",
            "https://h.example/x?access_token=***;password=***",
        ),
        ("https://status.example/api/v2/summary.json", "https://status.example/api/v2/summary.json"),
        ("status.example", "status.example"),
    ],
)
def test_mask_url(url: str, shown: str) -> None:
    assert redact.mask_url(url) == shown


def test_addresses_inside_text_are_masked_and_the_rest_is_kept() -> None:
    text = (
        "could not read https://ops:pw1@status.example/x (HTTPSConnectionPool(host='status.example', "
        "port=443): Max retries exceeded with url: /x?token=t0k (Caused by timeout)); see http://a.example/"
    )
    assert redact.mask_urls_in(text) == (
        "could not read https://ops:***@status.example/x (HTTPSConnectionPool(host='status.example', "
        "port=443): Max retries exceeded with url: /x?token=*** (Caused by timeout)); see http://a.example/"
    )


def test_control_characters_and_escape_sequences_go_whole() -> None:
    text = (
        "Evil\x1b[31mRed\x1b[0m\x1b]0;title\x07 \x1b]8;;http://x\x1b\\link\u202egnp\u2066.exe\x7f\x85\x9b2J\r"
    )
    assert redact.clean_text(text) == "EvilRed linkgnp.exe"
    assert redact.clean_text("two\nlines\tand a tab") == "two\nlines\tand a tab"
    assert redact.one_line("two\nlines\tand a tab") == "two lines and a tab"
    assert redact.clean_text("Café — 東京 ✓") == "Café — 東京 ✓"


def test_safe_data_cleans_every_string_in_a_structure() -> None:
    data = {"a\x1b[1m": ["https://u:p@h.example/", 3, None, {"b": "x\u202ey"}], "n": 1.5}
    assert redact.safe_data(data) == {"a": ["https://u:***@h.example/", 3, None, {"b": "xy"}], "n": 1.5}
