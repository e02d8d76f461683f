"""A page's numbers as files readers can download, and the lines that say how to cite it.

Every chart and table a published page shows gets a tidy CSV beside the page, in
``<page>.data/<n>-<slug>.csv``, linked right under it; the whole page's numbers (the values its
notebook recorded and every table and chart) are one ``<page>.json``. A chart's numbers come
from the kernel (:data:`analysis.media.DATA_MIME`, the frame the chart was given or what it
draws); a table's are read from the page's own table, so the CSV says what the reader sees
(intervals "2.4 (0.79 to 8.7)" split into three columns, "1,234" as 1234). The page also gets a
"Data through <date>" line at its top (:func:`data_through`) and a "Cite as" line with its
permanent archive address, the data's hash and the edition date (:func:`cite_html`).
The runner stages these files with the page and publishes them all or nothing.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import html
import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from analysis.media import DATA_MIME

#: the site path of a page's CSV downloads and its JSON (relative to the page)
CSV_FILE = re.compile(r"[a-z0-9_]{1,80}\.data/\d{1,3}-[a-z0-9-]{1,60}\.csv")
JSON_FILE = re.compile(r"[a-z0-9_]{1,80}\.json")
#: the site path of an archived edition's page: what a page is cited by
ARCHIVE_FILE = re.compile(r"archive/\d{4}-\d{2}-\d{2}/[a-z0-9_]{1,80}\.html")
#: the class of the link paragraph under each chart and table
LINK_CLASS = "escalation-download"

_NUMBER = r"[-\u2212]?\d[\d,]*(?:\.\d+)?"
_INTERVAL = re.compile(rf"\s*({_NUMBER})\s*\(\s*({_NUMBER})\s*to\s*({_NUMBER})\s*\)\s*")
_PLAIN_NUMBER = re.compile(rf"\s*{_NUMBER}\s*")
#: a number with its unit ("92%", "0.13 a day"): the unit moves into the column's name
_WITH_UNIT = re.compile(rf"\s*\+?({_NUMBER})\s*(%|a day|a week|per day|per week)\s*")
_UNIT_NAMES = {"%": "percent", "a day": "per_day", "per day": "per_day"}
_UNIT_NAMES |= {"a week": "per_week", "per week": "per_week"}
_TABLE = re.compile(r"<table\b.*?</table\s*>", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Download:
    """One chart's or table's numbers: its file (site path), what it is, and the CSV text."""

    file: str
    kind: str  # "chart" or "table"
    title: str
    csv: str


# --------------------------------------------------------------------------------------------
# tables read from the page
# --------------------------------------------------------------------------------------------


class _TableText(HTMLParser):
    """The text of a table's cells, row by row, and its caption (tags dropped)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.header_rows = 0
        self.caption = ""
        self._cell: list[str] | None = None
        self._in_caption = False
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_head = True
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_head = False
        elif tag == "tr" and self._in_head:
            self.header_rows += 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption:
            self.caption += data


def column(header: str, default: str) -> str:
    """A table header as a CSV column name: lower case, words joined by underscores
    ("Attacks per week" -> ``attacks_per_week``)."""
    name = re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")
    return name[:60].rstrip("_") or default


def _number(text: str) -> float | int:
    value = float(text.replace(",", "").replace("\u2212", "-"))
    return int(value) if value.is_integer() and "." not in text else value


def _unit(cell: str) -> str | None:
    found = _WITH_UNIT.fullmatch(cell)
    return found[2] if found else None


def table_rows(markup: str) -> tuple[str, list[str], list[list[Any]]]:
    """A table's caption, column names and rows, tidy: an interval column ("2.4 (0.79 to
    8.7)") becomes three (``x``, ``x_low``, ``x_high``); a column of numbers, numbers."""
    parser = _TableText()
    parser.feed(markup)
    rows = [r for r in parser.rows if r]
    heads = max(parser.header_rows, 1 if rows else 0)
    header = [" ".join(cells) for cells in zip(*rows[:heads], strict=False)] if rows else []
    body = rows[heads:]
    width = max([len(header), *(len(r) for r in body)], default=0)
    header += [""] * (width - len(header))
    body = [r + [""] * (width - len(r)) for r in body]
    names: list[str] = []
    columns: list[list[Any]] = []
    for i, head in enumerate(header):
        name = column(head, f"column_{i + 1}")
        while name in names:
            name += "_2"
        cells = [r[i] for r in body]
        filled = [c for c in cells if c]
        if filled and all(_INTERVAL.fullmatch(c) for c in filled):
            parts = [_INTERVAL.fullmatch(c) if c else None for c in cells]
            for k, suffix in enumerate(("", "_low", "_high")):
                names.append(name + suffix)
                columns.append([_number(m[k + 1]) if m else None for m in parts])
        elif filled and all(_PLAIN_NUMBER.fullmatch(c) for c in filled):
            names.append(name)
            columns.append([_number(c.strip()) if c else None for c in cells])
        elif (
            filled
            and len({_unit(c) for c in filled}) == 1
            and None not in {_unit(c) for c in filled}
        ):
            unit = _UNIT_NAMES[str(_unit(filled[0]))]
            names.append(name if name.endswith(unit) else f"{name}_{unit}")
            columns.append([_number(_WITH_UNIT.fullmatch(c)[1]) if c else None for c in cells])
        else:
            names.append(name)
            columns.append(cells)
    out_rows = [list(r) for r in zip(*columns, strict=True)] if columns else []
    return " ".join(parser.caption.split()), names, out_rows


def csv_text(names: list[str], rows: list[list[Any]]) -> str:
    """``rows`` under the header ``names`` as CSV text (empty cells for None)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# one page's downloads
# --------------------------------------------------------------------------------------------


def slug(title: str, words: int = 6) -> str:
    """The first ``words`` words of ``title`` in lower case joined by hyphens (a file name)."""
    parts = re.sub(r"[^a-z0-9]+", " ", title.lower()).split()[:words]
    return "-".join(parts)[:60].strip("-") or "numbers"


def short(title: str, limit: int = 90) -> str:
    """A download's title for a link: up to its first colon or semicolon, at most ``limit``
    characters (cut at a word)."""
    text = re.split(r"[:;]", " ".join(title.split()), maxsplit=1)[0]
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",") + "…"
    return text


def _link_output(downloads: list[Download]) -> dict[str, Any]:
    links = " · ".join(
        f'<a href="{html.escape(d.file)}">'
        f"{'the numbers' if len(downloads) == 1 else html.escape(short(d.title))} (CSV)</a>"
        for d in downloads
    )
    what = "chart" if downloads[0].kind == "chart" else "table"
    text = f"Download {links}" if len(downloads) > 1 else f"Download {links} behind this {what}"
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/html": f'<p class="{LINK_CLASS}">{text}</p>', "text/plain": ""},
    }


def _heading(cell: Mapping[str, Any]) -> str | None:
    for line in str(cell.get("source", "")).splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return None


def prepare(nb: Any, name: str) -> tuple[Any, list[Download]]:
    """A copy of the (cleaned) notebook ``nb`` with a download link under every chart and
    table its outputs show, and those downloads (numbered in page order)."""

    nb = copy.deepcopy(nb)
    found: list[Download] = []
    heading = ""

    def add(kind: str, title: str, text: str) -> Download:
        n = len(found) + 1
        item = Download(f"{name}.data/{n}-{slug(title)}.csv", kind, title, text)
        found.append(item)
        return item

    for cell in nb.cells:
        if cell.get("cell_type") == "markdown":
            heading = _heading(cell) or heading
            continue
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            chart = data.pop(DATA_MIME, None) if isinstance(data, dict) else None
            outputs.append(out)
            if chart is not None and "image/png" in data:
                title = str(chart.get("title") or heading or "chart")
                outputs.append(_link_output([add("chart", title, str(chart.get("csv", "")))]))
                continue
            markup = data.get("text/html") if isinstance(data, dict) else None
            if isinstance(markup, list):
                markup = "".join(markup)
            if not isinstance(markup, str) or "<table" not in markup:
                continue
            items = []
            before = 0
            for m in _TABLE.finditer(markup):
                inner = re.findall(r"<h[2-4][^>]*>(.*?)</h[2-4]>", markup[before : m.start()])
                if inner:
                    heading = html.unescape(re.sub(r"<[^>]*>", "", inner[-1])).strip()
                caption, names, rows = table_rows(m[0])
                title = caption or heading or "table"
                items.append(add("table", title, csv_text(names, rows)))
                before = m.end()
            if items:
                outputs.append(_link_output(items))
        cell["outputs"] = outputs
    return nb, found


def _parsed(text: str) -> tuple[list[str], list[list[Any]]]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], []

    def value(cell: str) -> Any:
        if cell == "":
            return None
        try:
            number = float(cell)
        except ValueError:
            return cell
        if not math.isfinite(number):
            return cell
        return int(number) if number.is_integer() and re.fullmatch(r"-?\d+", cell) else number

    return rows[0], [[value(c) for c in r] for r in rows[1:]]


def page_json(
    name: str, title: str, meta: Mapping[str, Any], values: Mapping[str, Any], items: list[Download]
) -> str:
    """The whole page's numbers as JSON: what it is and how to cite it (``meta``), the values
    its notebook recorded, and every chart's and table's columns and rows."""
    record = {
        "page": f"{name}.html",
        "title": title,
        **meta,
        "values": dict(values),
        "downloads": [
            {
                "file": d.file,
                "kind": d.kind,
                "title": d.title,
                **dict(zip(("columns", "rows"), _parsed(d.csv), strict=True)),
            }
            for d in items
        ],
    }
    text = json.dumps(_finite(record), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text + "\n"


def _finite(value: Any) -> Any:
    """``value`` as strict JSON: NaN and infinities as null (JSON has no such numbers)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value if value is None or isinstance(value, str | int | bool) else str(value)


# --------------------------------------------------------------------------------------------
# data through, cite as
# --------------------------------------------------------------------------------------------


#: what "Data through <date>" counts, in the words every page and the index use
THROUGH_RULE = "the newest confirmed attack dated to the day"


def data_through(data_dir: Path, as_of: object = None) -> dt.date | None:
    """The one "Data through" date of the site (:data:`THROUGH_RULE`): the date of the newest
    row of ``data_dir``'s ``incidents.csv`` that is ``confirmed`` and dated to the day (claimed,
    disputed and month-only rows are not counted; the outlook's weekly series ends on the same
    day), no later than ``as_of`` when a page is built as of a date; None without the file.
    Every page's top line and the index call it."""
    path = Path(data_dir) / "incidents.csv"
    try:
        with path.open(encoding="utf-8", newline="") as f:
            days = [
                row["date"][:10]
                for row in csv.DictReader(f)
                if row.get("confirmation") == "confirmed" and row.get("date_precision") == "day"
            ]
    except (OSError, KeyError):
        return None
    cap = str(as_of)[:10] if as_of and str(as_of) != "latest" else None
    days = [d for d in days if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) and (cap is None or d <= cap)]
    return dt.date.fromisoformat(max(days)) if days else None


def long_date(day: dt.date) -> str:
    """ "3 Dec 2024"."""
    return f"{day.day} {day:%b %Y}"


def through_html(day: dt.date | None) -> str:
    """The line at the top of a page: "Data through 3 Dec 2024 (the newest confirmed attack
    dated to the day)." (nothing without a date)."""
    if day is None:
        return ""
    return (
        f'<p class="escalation-data-through">Data through {html.escape(long_date(day))} '
        f"({THROUGH_RULE}).</p>"
    )


def data_hash(data: Mapping[str, str]) -> tuple[str, str]:
    """The data file a page is cited by (``incidents.csv`` when it read it) and its SHA-256."""
    if not data:
        return "", ""
    file = "incidents.csv" if "incidents.csv" in data else sorted(data)[0]
    return file, str(data[file])


def cite_meta(name: str, provenance: Mapping[str, Any], through: dt.date | None) -> dict[str, Any]:
    """How a page is cited: its edition date, permanent (archive) address, data file and hash,
    and the day its data run through."""
    edition = str(provenance.get("edition") or str(provenance.get("built_at", ""))[:10])
    file, digest = data_hash(provenance.get("data", {}))
    return {
        "edition": edition,
        "permanent": f"archive/{edition}/{name}.html" if edition else f"{name}.html",
        "data_file": file,
        "data_sha256": digest,
        "data_through": through.isoformat() if through else None,
    }


def cite_html(title: str, meta: Mapping[str, Any], items: list[Download], name: str) -> str:
    """The "Download and cite" block: a "Cite as" line (title, edition date, permanent
    address, data hash) and the page's downloads (its JSON, then each CSV)."""
    permanent = str(meta["permanent"])
    href = permanent if ARCHIVE_FILE.fullmatch(permanent) else f"{name}.html"
    data = (
        f"; data: {html.escape(meta['data_file'])} SHA-256 "
        f"<code>{html.escape(meta['data_sha256'][:16])}</code>"
        if meta.get("data_sha256")
        else ""
    )
    cite = (
        f"<p>Cite as: <cite>{html.escape(title)}</cite>, edition of "
        f"{html.escape(str(meta['edition']))}, "
        f'<a class="escalation-permalink" href="{html.escape(href)}">{html.escape(permanent)}</a>'
        f"{data}.</p>"
    )
    files = [f'<li><a href="{html.escape(name)}.json">All the numbers on this page (JSON)</a></li>']
    files += [
        f'<li><a href="{html.escape(d.file)}">{html.escape(short(d.title))}</a> '
        f"(CSV, {d.kind})</li>"
        for d in items
    ]
    return (
        '<section class="escalation-cite" id="download-and-cite"><h2>Download and cite</h2>'
        f'{cite}<ul class="escalation-downloads">{"".join(files)}</ul></section>'
    )


def archived(page: str) -> str:
    """A page as kept in ``archive/<date>/``: its permanent link points at itself there."""
    return re.sub(
        r'(class="escalation-permalink" href=")archive/\d{4}-\d{2}-\d{2}/', r"\1", page, count=1
    )


def staged_with_archive(files: Mapping[str, Path], folder: str, live: bool) -> dict[str, Path]:
    """A page's staged downloads (site path -> staged file) to publish: under ``folder`` (its
    edition's archive folder, each file copied, since publishing moves a staged file) and, when
    ``live`` (the page itself is replaced), at their own paths."""
    import shutil

    out: dict[str, Path] = {}
    for rel, staged in files.items():
        copy_path = staged.with_name(f"{staged.name}.archive")
        shutil.copyfile(staged, copy_path)
        out[f"{folder}{rel}"] = copy_path
        if live:
            out[rel] = staged
    return out


def stale(site: Path, name: str, kept: Iterable[str], folders: Iterable[str] = ("",)) -> list[str]:
    """The site paths of page ``name``'s downloads (``<folder><name>.data/*.csv``, for each of
    ``folders``: "" for the live page, ``archive/<day>/`` for its edition) that are not among
    ``kept`` (the downloads published with it now): charts and tables an earlier build had and
    this one does not. :func:`analysis.report.publish.publish` deletes them with the page."""
    keep = set(kept)
    out = []
    for folder in folders:
        data = site / f"{folder}{name}.data"
        if data.is_symlink() or not data.is_dir():
            continue
        for path in sorted(data.iterdir()):
            rel = f"{folder}{name}.data/{path.name}"
            if rel not in keep and (path.is_file() or path.is_symlink()):
                out.append(rel)
    return out


def site_page_extras(
    page: str, *, name: str, title: str, through: dt.date | None, meta: Mapping[str, Any]
) -> str:
    """One of the site's own pages (the findings page) with the "Data through" line under its
    link to the index and the "Download and cite" block before its provenance (its numbers are
    ``<name>.json`` beside it)."""
    nav = re.search(r'<p class="escalation-nav">.*?</p>', page, re.DOTALL)
    if nav is not None:
        page = page[: nav.end()] + "\n" + through_html(through) + page[nav.end() :]
    block = cite_html(title, meta, [], name)
    at = page.find('<section class="escalation-provenance"')
    at = at if at >= 0 else page.rfind("</main>")
    return page[:at] + block + page[at:]
