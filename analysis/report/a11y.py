"""Accessibility pass over a finished page: what axe-core and link checkers ask of every page.

Applied to the exported briefs, the index and the review page after their markup is final (and
sanitised): notebook cell ids dropped; every other id made of letters, digits and hyphens (links
to it follow); every table captioned (from the nearest heading, visually hidden since it repeats
it), its header cells scoped, and wrapped in a scroll box a keyboard can reach (``tabindex``,
``role="region"``, ``aria-label``); every embedded PNG given the width and height of its header.
Also the head's extras: an inline favicon (no request for ``/favicon.ico``) and a description.
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import struct
from urllib.parse import unquote

#: an inline icon (a red square with a white rising line), so browsers ask for no /favicon.ico
FAVICON = (
    '<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 '
    "viewBox=%270 0 16 16%27%3E%3Crect width=%2716%27 height=%2716%27 rx=%273%27 "
    "fill=%27%23b2182b%27/%3E%3Cpath d=%27M3 12l3-3 3 2 4-6%27 stroke=%27%23fff%27 "
    'stroke-width=%271.8%27 fill=%27none%27/%3E%3C/svg%3E">'
)
#: the longest meta description, in characters (search engines show about 160)
DESCRIPTION_CHARS = 300
#: the class of a caption that only screen readers read (the heading above says the same)
HIDDEN = "escalation-sr-only"
#: the class of the keyboard-reachable scroll box around each table
SCROLL_BOX = "escalation-scroll"
VALID_ID = re.compile(r"^[A-Za-z][A-Za-z0-9-]*$")

_CELL_ID = re.compile(r' id="cell-id=[^"]*"')
_ID = re.compile(r'(\sid=")([^"]*)(")')
_HREF = re.compile(r'(\shref="#)([^"]*)(")')
_TAG = re.compile(r"<[^>]*>")
_HEADING_OR_TABLE = re.compile(
    r"<h([1-6])\b[^>]*>(?P<heading>.*?)</h\1\s*>|(?P<table><table\b[^>]*>.*?</table\s*>)",
    re.DOTALL | re.IGNORECASE,
)
_TH = re.compile(r"<th\b(?![^>]*\bscope=)")
_THEAD = re.compile(r"<thead\b.*?</thead\s*>", re.DOTALL | re.IGNORECASE)
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_PNG_SRC = re.compile(r'\bsrc="data:image/png;base64,([A-Za-z0-9+/=\s]{0,64})')


def description_meta(text: str) -> str:
    """A ``<meta name="description">`` of ``text`` (tags dropped, spaces squeezed, cut at a word
    to at most :data:`DESCRIPTION_CHARS` characters), escaped."""
    plain = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    if len(plain) > DESCRIPTION_CHARS:
        plain = plain[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return f'<meta name="description" content="{html.escape(plain, quote=True)}">'


def slug(value: str) -> str:
    """``value`` (an id or fragment, possibly HTML- or percent-escaped) as an id of letters,
    digits and hyphens that starts with a letter: other characters are dropped, spaces and
    punctuation between words become one hyphen."""
    text = unquote(html.unescape(value)).replace("'", "").replace("\u2019", "")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    return text if text[:1].isalpha() else f"id-{text}".rstrip("-")


def _fix_ids(page: str) -> str:
    """Drop notebook cell ids; give every other invalid id a valid, unique one, links too."""
    page = _CELL_ID.sub("", page)
    taken = {html.unescape(m[2]) for m in _ID.finditer(page) if VALID_ID.match(m[2])}
    renamed: dict[str, str] = {}

    def rename(m: re.Match[str]) -> str:
        old = m[2]
        if VALID_ID.match(old):
            return m[0]
        new = base = slug(old)
        n = 2
        while new in taken:
            new, n = f"{base}-{n}", n + 1
        taken.add(new)
        renamed.setdefault(unquote(html.unescape(old)), new)
        return f"{m[1]}{new}{m[3]}"

    page = _ID.sub(rename, page)

    def relink(m: re.Match[str]) -> str:
        new = renamed.get(unquote(html.unescape(m[2])))
        return f"{m[1]}{new}{m[3]}" if new else m[0]

    return _HREF.sub(relink, page)


def _scope(table: str) -> str:
    """``scope="col"`` on header cells of the table's head, ``scope="row"`` on the others."""
    head = _THEAD.search(table)
    if head is None:
        return _TH.sub('<th scope="row"', table)
    start, end = head.span()
    return (
        _TH.sub('<th scope="row"', table[:start])
        + _TH.sub('<th scope="col"', table[start:end])
        + _TH.sub('<th scope="row"', table[end:])
    )


def _caption(table: str, text: str) -> tuple[str, str]:
    """The table with a (hidden) caption ``text`` unless it has one; and its caption's text."""
    found = re.search(r"<caption\b[^>]*>(.*?)</caption\s*>", table, re.DOTALL | re.IGNORECASE)
    if found:
        return table, " ".join(html.unescape(_TAG.sub(" ", found[1])).split())
    open_tag = re.match(r"<table\b[^>]*>", table, re.IGNORECASE)
    assert open_tag is not None
    caption = f'<caption class="{HIDDEN}">{html.escape(text)}</caption>'
    return open_tag[0] + caption + table[open_tag.end() :], text


def _tables(page: str, default: str) -> str:
    """Caption, scope and wrap every table; a caption is the nearest heading above the table
    (``default`` before any heading), numbered when the heading has several tables."""
    found = list(_HEADING_OR_TABLE.finditer(page))
    under: dict[int, str] = {}
    heading = default
    for m in found:
        if m["heading"] is not None:
            heading = " ".join(html.unescape(_TAG.sub(" ", m["heading"])).replace("¶", "").split())
        else:
            under[m.start()] = heading or default
    counts: dict[str, int] = {}
    for text in under.values():
        counts[text] = counts.get(text, 0) + 1
    seen: dict[str, int] = {}
    out, at = [], 0
    for m in found:
        if m["table"] is None:
            continue
        text = under[m.start()]
        seen[text] = seen.get(text, 0) + 1
        if counts[text] > 1:
            text = f"{text} (table {seen[text]} of {counts[text]})"
        table, label = _caption(_scope(m["table"]), text)
        out.append(page[at : m.start()])
        out.append(
            f'<div class="{SCROLL_BOX}" tabindex="0" role="region" '
            f'aria-label="{html.escape(label, quote=True)}">{table}</div>'
        )
        at = m.end()
    out.append(page[at:])
    return "".join(out)


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) in pixels from a PNG's IHDR header, or None when ``data`` is no PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _sized(tag: str) -> str:
    if re.search(r"\s(width|height)=", tag):
        return tag
    src = _PNG_SRC.search(tag)
    if src is None:
        return tag
    head = "".join(src[1].split())[:32]
    try:
        size = png_size(base64.b64decode(head[: len(head) // 4 * 4]))
    except (binascii.Error, ValueError):
        size = None
    if size is None:
        return tag
    end = -2 if tag.endswith("/>") else -1
    return f'{tag[:end].rstrip()} width="{size[0]}" height="{size[1]}"{tag[end:]}'


def accessible(page: str, caption: str = "") -> str:
    """``page`` with the accessibility pass applied (see the module's docstring); ``caption``
    names a table that has no heading above it. Idempotent on tables already wrapped."""
    if f'class="{SCROLL_BOX}"' not in page:
        page = _tables(page, caption)
    return _IMG.sub(lambda m: _sized(m[0]), _fix_ids(page))
