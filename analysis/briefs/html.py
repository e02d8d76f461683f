"""Safe HTML fragments for briefs: every piece of text from the data is escaped here.

:class:`Html` pairs an HTML fragment with its plain-text twin, so a notebook shows it rendered in
Jupyter and as text in a terminal. Only absolute http(s) links are emitted (:func:`safe_url`).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Collection, Iterable, Sequence
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


#: a cell of a number (or date) column stays on one line when it is a number phrase ("2.4 (0.79
#: to 8.7)", "< 0.001", "27 Dec 2019") of at most this many characters, or any text this short
NOWRAP_CHARS = 32
SHORT_CHARS = 12
_TAG = re.compile(r"<[^>]*>")


def _one_line(cell: str) -> bool:
    """Whether a cell's visible text is short enough, and a number, to keep on one line; words
    ("no attacks: below 0.10 a day") wrap like text."""
    text = html.unescape(_TAG.sub("", cell)).strip()
    number = text[:1].isdigit() or (text[:1] in "<>+-\u2212" and len(text) > 1)
    return len(text) <= SHORT_CHARS or (number and len(text) <= NOWRAP_CHARS)


def _td(content: str, numeric: bool, nowrap: bool) -> str:
    classes = ["num"] if numeric else []
    if (numeric or nowrap) and _one_line(content):
        classes.append("nowrap")
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{content}</td>"


def html_table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    css: str,
    *,
    numeric: Collection[int] = (),
    nowrap: Collection[int] = (),
) -> str:
    """A plain HTML table; ``header`` is escaped here, row cells must already be escaped HTML.

    Columns whose positions are in ``numeric`` hold numbers: right-aligned (class ``num``) and,
    when a cell is a short number phrase (:func:`_one_line`), kept on one line (class ``nowrap``)
    so that a number or an interval never breaks; a number said in words wraps like text.
    Columns in ``nowrap`` (dates) are kept on one line the same way.
    """
    numeric, nowrap = set(numeric), set(nowrap)
    head = "".join(
        f'<th class="num" scope="col">{esc(h)}</th>'
        if i in numeric
        else f'<th scope="col">{esc(h)}</th>'
        for i, h in enumerate(header)
    )
    body = "".join(
        "<tr>" + "".join(_td(c, i in numeric, i in nowrap) for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
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
