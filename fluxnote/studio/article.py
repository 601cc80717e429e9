"""Article → video: fetch a page a creator points at and take its title and main text.

The fetch goes through `netguard` (public addresses only unless ALLOW_PRIVATE_URLS,
every redirect re-checked, at most MAX_BYTES within TIMEOUT_S); trafilatura finds the
article's main text and title among navigation, ads and comments. Every refusal is a
StudioError on `source_url` that tells the creator what to do instead.
"""

import re
from dataclasses import dataclass

import trafilatura
from flask import current_app

from fluxnote import netguard
from fluxnote.studio.services import StudioError

MAX_BYTES = 5 << 20
TIMEOUT_S = 20.0
MIN_WORDS = 60
PAYWALLED_BELOW = 250  # words: a page marked paywalled that shows fewer is a teaser
HTML_TYPES = ("text/html", "application/xhtml+xml")
# schema.org markup that paywalled publishers add for search engines
_PAYWALL = re.compile(rb'"isAccessibleForFree"\s*:\s*"?(false|False)')
PASTE = "Paste the article's text instead."


@dataclass
class Article:
    url: str
    title: str
    text: str


def fetch_article(url: str) -> Article:
    """The article at `url`. Raises StudioError("source_url", ...) for a refused
    address, a failed fetch, a page that is not HTML, a paywall or a page without
    article text."""
    try:
        page = netguard.get(
            url,
            allow_private=current_app.config["ALLOW_PRIVATE_URLS"],
            max_bytes=MAX_BYTES,
            timeout_s=TIMEOUT_S,
            headers={"accept": "text/html,application/xhtml+xml", "user-agent": "FluxNote/1"},
        )
    except netguard.UnsafeUrl as exc:
        raise StudioError("source_url", str(exc)) from exc
    except netguard.FetchError as exc:
        raise StudioError("source_url", _fetch_failed(exc)) from exc
    kind = page.content_type.split(";")[0].strip().lower()
    if kind not in HTML_TYPES:
        raise StudioError(
            "source_url",
            f"That address is not a web page (it sent {kind or 'no content type'}). "
            f"Give an article's page, or paste its text.",
        )
    return _extract(page)


def _fetch_failed(exc: netguard.FetchError) -> str:
    if exc.status in (401, 402, 403):
        return (
            f"The site refused to show the page (HTTP {exc.status}): it may be behind a "
            f"paywall or a login. {PASTE}"
        )
    if exc.status == 404:
        return "There is no page at that address (HTTP 404)."
    return f"Could not fetch the page: {exc}. {PASTE}"


def _extract(page: netguard.Fetched) -> Article:
    doc = trafilatura.bare_extraction(
        page.body, url=page.url, with_metadata=True, include_comments=False, include_tables=False
    )
    text = (doc.text or "").strip() if doc else ""
    words = len(text.split())
    if _PAYWALL.search(page.body) and words < PAYWALLED_BELOW:
        raise StudioError(
            "source_url", f"That article is behind a paywall: only a teaser is public. {PASTE}"
        )
    if words < MIN_WORDS:
        raise StudioError(
            "source_url",
            "Found no article text on that page (a login wall, or a page built by "
            f"JavaScript?). {PASTE}",
        )
    title = " ".join((doc.title or "").split())
    if title and text.startswith(title):
        text = text[len(title) :].lstrip()
    return Article(page.url, title, text)
