"""The fetched feed files under ``data/raw/<feed>/`` read as one incident frame per feed.

``escalation fetch`` (and ``escalation run --fetch``) leave ACLED exports
(``data/raw/acled/*.csv``), UCDP GED releases or candidate files (``data/raw/ucdp/*.zip|*.csv``)
and GDELT export files (``data/raw/gdelt/``) there; git ignores them, so a fresh checkout has
none. :func:`load_feed` reads every file of one feed with its loader and keeps one row per feed
event id (the file sorted last wins: a newer export or release replaces an older one's row).

:func:`in_scope` keeps the feed rows about attacks on US and coalition sites, the curated
dataset's subject: a target type the feed's text names (:data:`US_TARGETS`), or, for GDELT,
whose rows name no target, a target actor that is the United States or the coalition
(``-> UNITED STATES`` in its generated description). :func:`load_source` is what a brief calls
with its ``source`` parameter. :func:`load_gdelt` is the one place that chooses between GDELT's
Parquet cache (``data/interim/gdelt``) and its export files, by what the folder holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads when a feed is read, not when the command line starts
    import pandas as pd

from analysis.errors import ParameterError

#: the values of a brief's ``source`` parameter: the curated dataset, or one feed
SOURCES = ("curated", "acled", "ucdp", "gdelt")
FEEDS = SOURCES[1:]
#: target types of the curated dataset's subject (residential and other are collateral)
US_TARGETS = ("us_military_base", "coalition_convoy", "us_embassy", "airport")
#: a target actor that is the US or the coalition, in a GDELT description ("A -> B; ...")
US_ACTOR = re.compile(r"->\s*(?:UNITED STATES|AMERICAN?\b|U\.S\.|US MILITARY|COALITION)", re.I)
#: how to fetch each feed, for the message when none is there
FETCH_HINT = {
    "acled": "escalation fetch acled --start YYYY-MM-DD --end YYYY-MM-DD",
    "ucdp": "escalation fetch ucdp --version 25.1",
    "gdelt": "escalation fetch gdelt --start YYYY-MM-DD --end YYYY-MM-DD",
}


def raw_dir(data_dir: Path | str | None = None) -> Path:
    """``<data_dir>/raw`` (default: the project's data folder, ``$ESCALATION_DATA_DIR``)."""
    if data_dir is None:
        from analysis import paths

        data_dir = paths.data_dir()
    return Path(data_dir) / "raw"


def feed_files(feed: str, data_dir: Path | str | None = None) -> list[Path]:
    """The fetched files of ``feed`` (``acled``, ``ucdp``, ``gdelt``), sorted by name."""
    folder = raw_dir(data_dir) / _feed_name(feed)
    if not folder.is_dir():
        return []
    if feed == "gdelt":
        from analysis.sources.gdelt import files_in

        return files_in(folder)
    patterns = ("*.csv", "*.zip") if feed == "ucdp" else ("*.csv", "*.csv.zip")
    found = {p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}
    return sorted(found, key=lambda p: p.name)


def _feed_name(feed: object) -> str:
    if feed not in FEEDS:
        raise ParameterError(f"feed must be one of {', '.join(FEEDS)}, got {feed!r}")
    return str(feed)


def load_feed(feed: str, data_dir: Path | str | None = None) -> pd.DataFrame:
    """Every fetched row of ``feed`` (see the module docstring), as the feed loaders return them.

    Raises :class:`ParameterError` naming the feed and the command to run when nothing has
    been fetched, and the loader's ``DataValidationError`` for a damaged file.
    """
    from analysis.data.load import note_read
    from analysis.sources import acled, gdelt, ucdp

    files = feed_files(feed, data_dir)
    if not files:
        raise ParameterError(
            f"source {feed!r}: no {feed} data under {raw_dir(data_dir) / feed}; "
            f"run `{FETCH_HINT[feed]}` first"
        )
    for path in files:
        note_read(path)  # the brief's build key covers the feed files it read
    if feed == "gdelt":
        return gdelt.load(files)
    loader = acled.load if feed == "acled" else ucdp.load
    parts = [loader(path) for path in files]
    import pandas as pd

    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame = frame.drop_duplicates("source_event_id", keep="last")
    frame = frame.sort_values(["date", "incident_id"], kind="stable").reset_index(drop=True)
    frame.attrs = {"source_dataset": feed, "files": [str(p) for p in files]}
    return frame


def load_gdelt(
    path: Path | str | Iterable[Path | str], *, block_size: int = 4 << 20
) -> pd.DataFrame:
    """GDELT incident rows from ``path``: a folder that is the Parquet cache ``escalation fetch
    gdelt --cache`` fills (it holds ``month=YYYY-MM`` folders,
    :func:`analysis.sources.gdelt_cache.is_cache`) is read with
    :func:`analysis.sources.gdelt_cache.read`; anything else (a file, a folder of export files,
    several) with :func:`analysis.sources.gdelt.load`, ``block_size`` bytes at a time. Both give
    the same rows for the same files; the cache does not re-read them."""
    from analysis.sources import gdelt, gdelt_cache

    paths = [path] if isinstance(path, str | Path) else list(path)
    if len(paths) == 1 and gdelt_cache.is_cache(paths[0]):
        return gdelt_cache.read(paths[0])
    return gdelt.load(paths, block_size=block_size)


def in_scope(frame: pd.DataFrame) -> pd.Series:
    """Boolean mask of the feed rows about attacks on US or coalition sites (module docstring)."""
    target = frame["target_type"].astype(object).isin(US_TARGETS)
    actor = frame["description"].astype(str).str.contains(US_ACTOR, na=False)
    return (target | actor).astype(bool)


def load_source(
    source: str = "curated", data_dir: Path | str | None = None, *, scope: bool = True
) -> pd.DataFrame:
    """The incidents a brief runs on: the curated dataset (``"curated"``) or one feed's rows.

    A feed's rows are those of :func:`load_feed`, restricted to :func:`in_scope` unless
    ``scope`` is False. ``source`` outside :data:`SOURCES` is a :class:`ParameterError`.
    """
    if source not in SOURCES:
        raise ParameterError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if source == "curated":
        from analysis.data.load import load_incidents

        path = None if data_dir is None else Path(data_dir) / "incidents.csv"
        return load_incidents(path)
    frame = load_feed(source, data_dir)
    if scope:
        attrs = dict(frame.attrs)
        frame = frame[in_scope(frame).to_numpy()].reset_index(drop=True)
        frame.attrs = attrs
    return frame
