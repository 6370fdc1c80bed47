""" "Open composer": the network's own posting page, with the draft already filled in.

Sending through a network's API needs an app, a key and the user's consent; its own web
composer needs none of that, and the user still reads the post and presses the button
themselves. Only networks whose composer takes text from the address are here; for the
others :func:`composer_url` gives None and the window offers "Copy" instead.

The addresses, as checked against each network's documentation (December 2026):

* X: ``https://x.com/intent/tweet?text=`` (docs.x.com, "Web intent": "Pre-populated
  UTF-8 and URL-encoded" text; the length is the user's to check, X does not cut it).
* Bluesky: ``https://bsky.app/intent/compose?text=`` (docs.bsky.app, "Action Intent
  Links": "Remember to use URL-escaping on the query parameter value").
* Threads: ``https://www.threads.com/intent/post?text=`` (developers.facebook.com,
  "Threads Web Intents"; threads.net, the older name, forwards there).
* Mastodon: ``<server>/share?text=`` on the user's own server (Mastodon's
  ``config/routes.rb`` ``resource :share``; the helper fills the composer from ``text``).
* LinkedIn: ``https://www.linkedin.com/feed/?shareActive=true&text=`` opens the
  member's composer with the text. LinkedIn does not document it (its documented
  share-offsite page takes only a URL), but it is the address in wide use; it posts as
  the member, and a Company Page admin switches the author in the composer.
* Facebook: ``https://www.facebook.com/sharer/sharer.php?u=`` takes only an address
  (pre-filled text was removed to fight spam), so it is offered only with a link.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

X_INTENT = "https://x.com/intent/tweet"
BLUESKY_INTENT = "https://bsky.app/intent/compose"
THREADS_INTENT = "https://www.threads.com/intent/post"
LINKEDIN_COMPOSER = "https://www.linkedin.com/feed/?shareActive=true"
FACEBOOK_SHARER = "https://www.facebook.com/sharer/sharer.php"

_TEXT_COMPOSERS = {
    "x": X_INTENT + "?text=",
    "bluesky": BLUESKY_INTENT + "?text=",
    "threads": THREADS_INTENT + "?text=",
    "linkedin": LINKEDIN_COMPOSER + "&text=",
}


def _encode(text: str) -> str:
    """Percent-encoding of everything but unreserved characters: "&", "#", "+", spaces, line
    breaks and emoji all arrive as written (a "+" left raw would reach the composer as a space)."""
    return quote(text, safe="")


def server_address(base_url: str) -> str | None:
    """A Mastodon server address as "https://host[:port]", or None when it is not one.

    Users type "mastodon.social", "https://mastodon.social/" or paste their profile
    address; the composer lives at the server's root, so only scheme and host count.
    """
    text = base_url.strip()
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        return None
    if any(c.isspace() for c in host):
        return None
    if ":" in host:  # an IPv6 literal keeps its brackets in an address
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def composer_url(channel_type: str, text: str, *, base_url: str = "", link: str = "") -> str | None:
    """The address that opens ``channel_type``'s own composer with ``text``; None where there is none.

    ``base_url`` is the user's Mastodon server (needed for Mastodon, ignored elsewhere).
    ``link`` is the address to share: Facebook's sharer takes nothing else, so without a
    link there is no Facebook composer; for the others it is added on its own line
    unless the text already has it.
    """
    kind = channel_type.strip().lower()
    link = link.strip()
    if kind == "facebook_page":
        return f"{FACEBOOK_SHARER}?u={_encode(link)}" if link else None
    if link and link not in text:
        text = f"{text}\n{link}" if text else link
    if kind in _TEXT_COMPOSERS:
        return _TEXT_COMPOSERS[kind] + _encode(text)
    if kind == "mastodon":
        server = server_address(base_url)
        return f"{server}/share?text={_encode(text)}" if server else None
    return None
