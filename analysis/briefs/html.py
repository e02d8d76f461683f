"""Safe HTML fragments for briefs: every piece of text from the data is escaped here.

:class:`Html` pairs an HTML fragment with its plain-text twin, so a notebook shows it rendered in
Jupyter and as text in a terminal. Only absolute http(s) links are emitted (:func:`safe_url`).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import pandas as pd

__all__ = [
    "Html",
    "bullets",
    "esc",
    "heading",
    "html_table",
    "link",
    "paragraphs",
    "safe_url",
]


@dataclass(frozen=True)
class Html:
    """An HTML fragment built only from escaped text, with a plain-text twin.

    Jupyter shows ``html`` (``_repr_html_``); a console, ``repr`` and ``str`` show ``text``.
    """

    html: str
    text: str = ""

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __add__(self, other: Html) -> Html:
        sep = "\n" if self.text and other.text else ""
        return Html(self.html + other.html, self.text + sep + other.text)


def esc(value: object) -> str:
    """``value`` as text safe inside HTML elements and quoted attributes (None/NaN -> "")."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def safe_url(url: object) -> str | None:
    """``url`` if it is an absolute http(s) URL without whitespace or control characters, else
    None: the only links a brief emits (never ``javascript:``, ``data:`` or relative links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def link(title: object, url: object) -> str:
    """An escaped ``<a href>`` to ``url`` showing ``title`` (the URL itself when the title is
    empty); just the escaped title when the URL is not a safe http(s) URL."""
    href = safe_url(url)
    text = esc(title) or esc(href or "")
    if href is None:
        return text
    return f'<a href="{esc(href)}" rel="noopener noreferrer">{text}</a>'


def html_table(header: Sequence[str], rows: Iterable[Sequence[str]], css: str) -> str:
    """A plain HTML table; ``header`` is escaped here, row cells must already be escaped HTML."""
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<table class="dataframe escalation-{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def paragraphs(texts: Iterable[str], css: str) -> Html:
    texts = [t for t in texts if t]
    return Html(
        "".join(f'<p class="escalation-{css}">{esc(t)}</p>' for t in texts), "\n\n".join(texts)
    )


def bullets(texts: Iterable[str], css: str) -> Html:
    texts = [t for t in texts if t]
    if not texts:
        return Html("", "")
    items = "".join(f"<li>{esc(t)}</li>" for t in texts)
    return Html(f'<ul class="escalation-{css}">{items}</ul>', "\n".join(f"- {t}" for t in texts))


def heading(title: str, headline: str) -> Html:
    """A page's title (h2) and headline, escaped."""
    return Html(
        f'<h2 class="escalation-title">{esc(title)}</h2>'
        f'<p class="escalation-headline"><strong>{esc(headline)}</strong></p>',
        f"{title}\n{headline}",
    )
