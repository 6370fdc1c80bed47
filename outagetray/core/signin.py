"""Does this page ask the user to sign in to the *network*? (hotel, airport, café Wi-Fi)

Captive portals answer any address with their own small page: "Hotel WiFi, sign
in to continue". A probe that takes that page for the platform's own answer
would call the platform up (or, worse, a control check would call the user
online). Both the probes and the connection checks ask this one module, so they
agree on what a sign-in page looks like.

The hard part is not to flag a platform's real login page: facebook.com answers
200 with a login form and a password field. So a sign-in cue (a form with a
password field, "sign in to continue", "accept the terms") only counts together
with a word about Wi-Fi, hotspots or internet access, which a social platform's
login page does not say; a few phrases are specific enough on their own
("captive portal", "hotspot login"). Only small pages are searched, as portal
pages are small and a platform's real page (tens of KB of scripts) is not.
"""

from __future__ import annotations

import re

#: Pages larger than this are never searched (the same cap as probes' block-page heuristics).
SIGNIN_PAGE_MAX_SIZE = 32 * 1024

#: Phrases that only a network's sign-in page uses; enough on their own.
_STRONG = re.compile(
    r"captive[\s-]+portal"
    r"|hotspot\s+(?:login|log\s*in|sign[\s-]?in|portal)"
    r"|wi-?fi\s+(?:login|log\s*in|sign[\s-]?in|portal|access\s+code|voucher)"
    r"|(?:hotel|guest|free|airport|public|lobby|caf[eé]|store|visitor)\s+wi-?fi"
    r"|(?:log\s*in|sign\s*in|connect|register)\s+to\s+(?:access\s+|use\s+)?the\s+internet"
    r"|to\s+(?:access|use|get\s+on|connect\s+to)\s+the\s+internet"
    r"|accept\s+the\s+terms(?:\s+(?:of\s+use|and\s+conditions|of\s+service))?\s+to\s+"
    r"(?:connect|go\s+online|get\s+online|access\s+the\s+internet)"
    r"|internet\s+access\s+(?:code|voucher|plan|package)",
    re.IGNORECASE,
)
#: Cues that a page wants the visitor to sign in or agree to something; common on real login pages too.
_CUE = re.compile(
    r"sign[\s-]?in\s+to\s+continue|log[\s-]?in\s+to\s+continue|accept\s+the\s+terms"
    r"|terms\s+(?:and|&|&amp;)\s+conditions|<input\b[^>]*type\s*=\s*[\"']?password"
    r"|room\s+number|access\s+code|voucher",
    re.IGNORECASE,
)
#: Words about the network itself, which a platform's own login page does not use.
_CONTEXT = re.compile(
    r"\bwi-?fi\b|\bwlan\b|\bhotspot\b|internet\s+access|access\s+the\s+internet|\bportal\b"
    r"|guest\s+network|this\s+network",
    re.IGNORECASE,
)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def signin_page_sign(body: bytes | str) -> str:
    """The phrase that marks ``body`` as a network sign-in page, or "" when it does not look like one.

    Returns the evidence rather than a bool so that a verdict can quote it to the
    user ("the page says “Hotel WiFi”"). Pages over SIGNIN_PAGE_MAX_SIZE are never
    flagged.
    """
    if len(body) >= SIGNIN_PAGE_MAX_SIZE:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    strong = _STRONG.search(text)
    if strong:
        return _tidy(strong.group(0))
    cue = _CUE.search(text)
    if not cue:
        return ""
    context = _CONTEXT.search(text)
    if not context:
        return ""
    title = _TITLE.search(text)
    if title and _CONTEXT.search(title.group(1)):
        return _tidy(title.group(1))
    if cue.group(0).lower().startswith("<input"):
        return _tidy(context.group(0)) + " … password"
    return f"{_tidy(cue.group(0))} … {_tidy(context.group(0))}"


def _tidy(text: str) -> str:
    """Evidence as one short line: tags and runs of spaces removed, at most 60 characters."""
    flat = " ".join(re.sub(r"<[^>]*>", " ", text).split())
    return flat[:60]
