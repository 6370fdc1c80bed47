"""X's counter against twitter-text's own conformance suite, read as the project ships it.

Every weighted-length case and every URL extraction case runs, one test each, so that a
failure names the case. See tests/fixtures/twitter-text/README.md for where the files come from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from outagetray.core.limits import twitter_weighted_length
from outagetray.core.twittertext import _patterns, _url_matches, extract_urls, parse_tweet

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "twitter-text"


def _cases(name: str, *sections: str) -> list[Any]:
    tests = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(section, case, id=f"{section}: {case['description']}")
        for section in sections
        for case in tests[section]
    ]


WEIGHTED = _cases(
    "validate.yml",
    "WeightedTweetsCounterTest",
    "WeightedTweetsWithDiscountedEmojiCounterTest",
    "UnicodeDirectionalMarkerCounterTest",
)
URLS = _cases(
    "extract.yml", "urls", "urls_with_indices", "urls_with_directional_markers", "tco_urls_with_params"
)


def test_the_suite_is_all_there() -> None:
    """A truncated or reshaped fixture must fail loudly, not run a handful of cases."""
    sections = [p.values[0] for p in WEIGHTED]
    assert sections.count("WeightedTweetsCounterTest") == 20
    assert sections.count("WeightedTweetsWithDiscountedEmojiCounterTest") == 22
    assert sections.count("UnicodeDirectionalMarkerCounterTest") == 2
    assert len(URLS) >= 100


@pytest.mark.parametrize(("section", "case"), WEIGHTED)
def test_weighted_length(section: str, case: dict[str, Any]) -> None:
    # WeightedTweetsCounterTest is twitter-text's config v2 (no emoji parsing); the others v3.
    v3 = section != "WeightedTweetsCounterTest"
    parsed = parse_tweet(case["text"], emoji_parsing=v3)
    expected = case["expected"]
    assert {
        "weightedLength": parsed.weighted_length,
        "valid": parsed.valid,
        "permillage": parsed.permillage,
        "validRangeEnd": parsed.valid_range_end,
        "displayRangeEnd": parsed.display_range_end,
    } == {
        k: expected[k] for k in ("weightedLength", "valid", "permillage", "validRangeEnd", "displayRangeEnd")
    }
    assert expected["validRangeStart"] == expected["displayRangeStart"] == 0
    if v3:
        assert twitter_weighted_length(case["text"]) == expected["weightedLength"]


def _utf16(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2


@pytest.mark.parametrize(("section", "case"), URLS)
def test_url_extraction(section: str, case: dict[str, Any]) -> None:
    text = case["text"]
    found = extract_urls(text)
    expected = case["expected"]
    if expected and isinstance(expected[0], dict):
        assert [
            {"url": u.url, "indices": [_utf16(text, u.start), _utf16(text, u.end)]} for u in found
        ] == expected
    else:
        assert [u.url for u in found] == expected


LINKY = st.lists(
    st.sampled_from(
        [
            "a",
            "b",
            "-",
            "_",
            ".",
            "/",
            ":",
            " ",
            "@",
            "(",
            ")",
            "?",
            "=",
            "#",
            "\u00fc",
            "\u5b57",
            "com",
            "co",
            "xn--p1ai",
            "\u5609\u91cc",
            "https://",
            "gemini://",
            "t.co/",
            "\u202a",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=LINKY, mastodon=st.booleans())
def test_skipping_hopeless_positions_finds_the_same_matches(text: str, mastodon: bool) -> None:
    """_url_matches only skips where no URL can start: the same spans as the plain finditer."""
    plain = [m.span() for m in _patterns(mastodon)[0].finditer(text)]
    assert [m.span() for m in _url_matches(text, mastodon)] == plain


@pytest.mark.parametrize(
    "text", ["a." * 20_000, "a-" * 20_000 + ".com", "x.co/" * 5_000, "a" * 100_000 + "."]
)
def test_long_runs_without_a_domain_are_quick(text: str) -> None:
    import time

    started = time.perf_counter()
    parse_tweet(text)
    assert time.perf_counter() - started < 2.0
