"""The manifest checked against the archive before a run decides anything.

``manifest.json`` is the site's memory of its editions. A manifest deleted or damaged by hand
would make a run forget every edition (a run for an earlier date would then become the current
page, the index and feed would list only what this run built), and an edition deleted by hand
would stay linked from the index. :func:`reconcile` (under the site lock, before the build keys
are compared) rebuilds a lost manifest from ``archive/<date>/<brief>.html`` and drops editions
whose file is gone, writes the result with the feed made from it (all or nothing) and returns
a line saying what it did.

A rebuilt manifest knows each edition's file, date and build time, not the build keys nor what
the index shows of each brief (its headline, focus event, findings row, notebook): so each brief
it lists is built once more by the next run, which records them all again.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analysis.atomic import write_atomic
from analysis.report.publish import naming, publish, work_dir
from analysis.report.site import ARCHIVE, FEED, MANIFEST, feed_xml, listed, manifest_text

__all__ = ["DAMAGED_COPY", "reconcile", "rebuilt_manifest"]

#: where a damaged manifest is kept (in the site's work folder) for a person to look at
DAMAGED_COPY = "manifest.damaged.json"

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)


def _read(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The manifest at ``path`` and "", or None and why it cannot be used ("" when missing)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"is damaged (not JSON: {exc})"
    if not isinstance(doc, dict) or not isinstance(doc.get("briefs"), dict):
        return None, 'is damaged (no "briefs" table)'
    if not all(isinstance(e, dict) for e in doc["briefs"].values()):
        return None, "is damaged (a brief's entry is not a table)"
    return doc, ""


def _stamp(path: Path) -> str:
    """The file's modification time as a build time, ``YYYY-MM-DD HH:MM`` (UTC)."""
    when = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return when.strftime("%Y-%m-%d %H:%M")


def rebuilt_manifest(site: Path, names: Sequence[str]) -> dict[str, Any]:
    """A manifest of the editions of ``names`` found in ``site/archive/<date>/<name>.html``:
    their dates, files and build times (the files'), each brief's title from its newest page.
    No build key is known, so each of them is built again by the next run that reaches it."""
    briefs: dict[str, Any] = {}
    archive = site / ARCHIVE
    days = sorted(d.name for d in archive.iterdir() if _DATE.fullmatch(d.name) and d.is_dir())
    for name in names:
        editions = []
        for day in days:
            page = archive / day / f"{name}.html"
            if page.is_file() and not page.is_symlink():
                editions.append(
                    {
                        "date": day,
                        "file": f"{ARCHIVE}/{day}/{name}.html",
                        "headline": "",
                        "built_at": _stamp(page),
                        "key": "",
                    }  # fmt: skip
                )
        if not editions:
            continue
        newest = site / editions[-1]["file"]
        found = _TITLE.search(newest.read_text(encoding="utf-8", errors="replace"))
        briefs[name] = {
            "file": f"{name}.html",
            "editions": editions,
            "title": html.unescape(found.group(1)).strip() if found else name,
            "headline": "",
            "built_at": editions[-1]["built_at"],
        }
    return {"briefs": briefs}


def _prune(manifest: dict[str, Any], site: Path) -> list[str]:
    """Drop from ``manifest`` every edition whose file is gone; the editions dropped."""
    gone = []
    for name, entry in manifest["briefs"].items():
        editions = entry.get("editions")
        if not isinstance(editions, list):
            continue
        kept = [
            e for e in editions if isinstance(e, dict) and (site / str(e.get("file", ""))).is_file()
        ]
        gone += [f"{name} {e.get('date', '?')}" for e in editions if e not in kept]
        entry["editions"] = kept
    return gone


def reconcile(site: Path, names: Sequence[str]) -> str:
    """Make ``site``'s manifest agree with its archive; "" when it already does, else a line
    saying what was done. Call with the site lock held.

    - a missing or damaged manifest with editions of ``names`` (the config's briefs) in the
      archive is rebuilt from them (:func:`rebuilt_manifest`); a damaged one is kept as
      :data:`DAMAGED_COPY` in the site's work folder;
    - an edition whose file was deleted leaves the manifest (and so the index and feed).
    """
    path = site / MANIFEST
    manifest, why = _read(path)
    if manifest is None:
        if not (site / ARCHIVE).is_dir():
            return ""  # a new site (or one without editions): nothing to remember
        rebuilt = rebuilt_manifest(site, names)
        if not rebuilt["briefs"] and not why:
            return ""
        kept = ""
        if why and path.is_file():
            copy = work_dir(site) / DAMAGED_COPY
            with naming(copy):
                write_atomic(copy, path.read_bytes())
            kept = f"; the damaged file is kept as {copy}"
        count = sum(len(e["editions"]) for e in rebuilt["briefs"].values())
        note = (
            f"warning: {path} {why or 'is missing'}: rebuilt from {site / ARCHIVE} "
            f"({len(rebuilt['briefs'])} brief(s), {count} edition(s)); each is built again{kept}"
        )
        _write(site, rebuilt, names)
        return note
    gone = _prune(manifest, site)
    if not gone:
        return ""
    _write(site, manifest, names)
    return (
        f"warning: {len(gone)} archived edition(s) deleted by hand left the manifest and index: "
        + ", ".join(gone)
    )


def _write(site: Path, manifest: dict[str, Any], names: Sequence[str]) -> None:
    """Publish ``manifest`` and, when the site has one, the Atom feed made from it (so a feed
    reader is never sent to an edition that is gone), all or nothing through staging files."""
    staging = work_dir(site) / f"reconcile-{os.getpid()}"
    staging.mkdir(parents=True, exist_ok=True)
    pages = {MANIFEST: manifest_text(manifest)}
    if (site / FEED).is_file():
        stamps = [
            str(e.get("built_at", ""))
            for entry in manifest["briefs"].values()
            for e in entry.get("editions", [])
            if isinstance(e, dict)
        ]
        updated = max(stamps, default="") or _stamp(site / FEED)
        pages[FEED] = feed_xml(manifest, listed(manifest, list(names)), updated)
    try:
        files = {}
        for rel, text in pages.items():
            staged = staging / rel
            with naming(staged):
                staged.write_text(text, encoding="utf-8")
            files[rel] = staged
        publish(site, files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
