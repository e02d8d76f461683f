"""Safe HTML fragments for briefs: every piece of text from the data is escaped here.

:class:`Html` pairs an HTML fragment with its plain-text twin, so a notebook shows it rendered in
Jupyter and as text in a terminal. Only absolute http(s) links are emitted (:func:`safe_url`).

Tables. :func:`reader_table` is the one table API: its cells are values shown as text (escaped
here; None and NaN empty) or :class:`Html` (already safe: a link, a note under a label), and it
returns an :class:`Html` with a plain-text twin (a padded text table, or the ``text`` given);
:func:`frame_html` shows a DataFrame through it, in words.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from analysis.briefs.wording import fmt_date, fmt_number, words

__all__ = [
    "Cell",
    "Html",
    "bullets",
    "esc",
    "frame_html",
    "heading",
    "headline_html",
    "label_with_notes",
    "link",
    "note_html",
    "paragraphs",
    "reader_table",
    "safe_url",
    "strong",
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


def _table_markup(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    css: str,
    *,
    numeric: Collection[int] = (),
    nowrap: Collection[int] = (),
) -> str:
    """The table's markup; ``header`` is escaped here, row cells are escaped HTML already.

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


# --------------------------------------------------------------------------------------------
# reader tables: text or Html cells, escaped here
# --------------------------------------------------------------------------------------------

#: a reader-table cell: a value shown as text (escaped by the table; None and NaN shown empty)
#: or an already-safe Html fragment
Cell = str | Html | object


def _html_cell(cell: Cell) -> str:
    return cell.html if isinstance(cell, Html) else esc(cell)


def _text_cell(cell: Cell) -> str:
    return cell.text if isinstance(cell, Html) else html.unescape(esc(cell))


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: columns padded to their widest cell, numbers right-aligned."""
    columns = list(zip(header, *rows, strict=True)) if rows else [(h,) for h in header]
    widths = [max(len(c) for c in col) for col in columns]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def reader_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    css: str,
    *,
    numeric: Collection[int] = (),
    nowrap: Collection[int] = (),
    text: str | None = None,
) -> Html:
    """A table for readers (class ``dataframe escalation-<css>``): ``header`` and the cells'
    text escaped here, :class:`Html` cells kept as they are. Columns in ``numeric`` hold numbers
    (right-aligned; a short number phrase kept on one line), columns in ``nowrap`` dates (kept on
    one line). The text twin is ``text`` when given, else the cells as a padded text table."""
    body = [[_html_cell(c) for c in row] for row in rows]
    if text is None:
        text = _text_table(header, [[_text_cell(c) for c in row] for row in rows])
    return Html(_table_markup(header, body, css, numeric=numeric, nowrap=nowrap), text)


def note_html(text: str, css: str = "note") -> Html:
    """A one-line note paragraph (class ``escalation-<css>``), escaped."""
    return Html(f'<p class="escalation-{css}">{esc(text)}</p>', text)


def label_with_notes(label: str, notes: Sequence[str]) -> Html:
    """A label with a small note under it ("Suleimani strike" / "5 other events in its windows")."""
    if not notes:
        return Html(esc(label), label)
    note = "; ".join(notes)
    return Html(f"{esc(label)}<br><small>{esc(note)}</small>", f"{label} ({note})")


def strong(text: str) -> Html:
    """Bold text (a totals row's cells), escaped."""
    return Html(f"<strong>{esc(text)}</strong>", text)


def _cell_text(value: object, column: str) -> str:
    """One value of a frame for readers: words, rounded numbers, dates; "" when missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | np.datetime64):
        return "" if pd.isna(value) else fmt_date(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if not math.isfinite(value):
            return ""
        if float(value).is_integer():
            return f"{value:,.0f}"
        if abs(value) < 0.001:  # 1.4e-11 is no number for a reader
            return "< 0.001" if value > 0 else "> -0.001"
        return fmt_number(float(value))
    return words(column, value)


def frame_html(
    frame: pd.DataFrame,
    css: str,
    *,
    columns: Mapping[str, str] | None = None,
) -> Html:
    """``frame`` as a table for readers: ``columns`` maps the columns shown (in that order) to
    their headers in words (default: every column, underscores as spaces); codebook values in
    words (:data:`~analysis.briefs.wording.WORDS`), numbers rounded
    (:func:`~analysis.briefs.wording.fmt_number`), dates as "3 Jan 2020", missing and infinite
    values left blank; no index (``reset_index()`` first to show it). Number columns are
    right-aligned."""
    names = dict(columns) if columns is not None else {c: str(c).replace("_", " ") for c in frame}
    numeric = [
        i
        for i, c in enumerate(names)
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
    ]
    dates = [i for i, c in enumerate(names) if pd.api.types.is_datetime64_any_dtype(frame[c])]
    rows = [
        [_cell_text(v, c) for c, v in zip(names, values, strict=True)]
        for values in frame[list(names)].itertuples(index=False, name=None)
    ]
    return reader_table(list(names.values()), rows, css, numeric=numeric, nowrap=dates)


def headline_html(values: Mapping[str, Any]) -> Html:
    """A page's headline (the ``headline`` a notebook records) as the page's headline paragraph."""
    text = str(values["headline"])
    return Html(f'<p class="escalation-headline"><strong>{esc(text)}</strong></p>', text)
