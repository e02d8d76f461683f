"""The fetched feed files under ``data/raw/<feed>/`` read as one incident frame per feed.

``escalation fetch`` (and ``escalation run --fetch``) leave ACLED exports
(``data/raw/acled/*.csv``), UCDP GED releases or candidate files (``data/raw/ucdp/*.zip|*.csv``)
and GDELT export files (``data/raw/gdelt/``) there (the file names of each feed's record in
:data:`analysis.sources.feeds.FEEDS`); git ignores them, so a fresh checkout has none.
:func:`load_feed` reads every file of one feed with its loader and keeps one row per feed event
id (the file sorted last wins: a newer export or release replaces an older one's row). A feed
the case file does not configure is not read (:class:`~analysis.sources.feeds.FeedNotConfigured`).

:func:`in_scope` keeps the feed rows about the case's subject (the Iraq case: attacks on US and
coalition sites): a target type the feed's text names by the case's ``target_rules``, or, for GDELT,
whose rows name no target, a target actor matching the case's ``feeds: gdelt: target_actor`` (the
Iraq case: ``-> UNITED STATES`` in its generated description). :func:`load_source` is what a brief
calls with its ``source`` parameter. :func:`load_gdelt` is the one place that chooses between
GDELT's Parquet cache (``data/interim/gdelt``) and its export files, by what the folder holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads when a feed is read, not when the command line starts
    import pandas as pd

    from analysis.case import Case

from analysis.errors import ParameterError
from analysis.sources import feeds as registry

#: the feeds, by key (:data:`analysis.sources.feeds.KEYS`)
FEEDS = registry.KEYS
#: the values of a brief's ``source`` parameter: the curated dataset, or one feed
SOURCES = ("curated", *FEEDS)


def raw_dir(data_dir: Path | str | None = None) -> Path:
    """``<data_dir>/raw`` (default: the project's data folder, ``$ESCALATION_DATA_DIR``)."""
    if data_dir is None:
        from analysis import paths

        data_dir = paths.data_dir()
    return Path(data_dir) / "raw"


def case_of(data_dir: Path | str | None = None) -> Case:
    """The case of data folder ``data_dir`` (its ``case.yml``), or the current case when None
    (:func:`analysis.case.current`, read now). A folder without a case file is a
    :class:`~analysis.case.CaseError`: no feed is read for a case that does not say its own."""
    from analysis import case

    return case.current() if data_dir is None else case.load(data_dir)


def feed_files(feed: str, data_dir: Path | str | None = None) -> list[Path]:
    """The fetched files of ``feed`` (``acled``, ``ucdp``, ``gdelt``), sorted by name."""
    record = registry.feed(feed)
    return record.files(raw_dir(data_dir) / record.key)


def load_feed(feed: str, data_dir: Path | str | None = None) -> pd.DataFrame:
    """Every fetched row of ``feed`` (see the module docstring), as the feed loaders return them.

    Raises :class:`~analysis.sources.feeds.FeedNotConfigured` when the case file leaves the
    feed out, :class:`ParameterError` naming the feed and the command to run when nothing has
    been fetched, and the loader's ``DataValidationError`` for a damaged file.
    """
    from analysis.data.load import note_read

    record = registry.feed(feed)
    case = case_of(data_dir)
    registry.settings(feed, case)  # a feed the case leaves out is not read, whatever is fetched
    files = feed_files(feed, data_dir)
    if not files:
        raise ParameterError(
            f"source {feed!r}: no {feed} data under {raw_dir(data_dir) / feed}; "
            f"run `{record.fetch_hint}` first"
        )
    for path in files:
        note_read(path)  # the brief's build key covers the feed files it read
    loader = record.load_module().load
    if feed == "gdelt":
        return loader(files, case=case)
    parts = [loader(path, case=case) for path in files]
    import pandas as pd

    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame = frame.drop_duplicates("source_event_id", keep="last")
    frame = frame.sort_values(["date", "incident_id"], kind="stable").reset_index(drop=True)
    frame.attrs = {"source_dataset": feed, "files": [str(p) for p in files]}
    return frame


def load_gdelt(
    path: Path | str | Iterable[Path | str],
    *,
    block_size: int = 4 << 20,
    case: Case | None = None,
) -> pd.DataFrame:
    """GDELT incident rows from ``path``: a folder that is the Parquet cache ``escalation fetch
    gdelt --cache`` fills (it holds ``month=YYYY-MM`` folders,
    :func:`analysis.sources.gdelt_cache.is_cache`) is read with
    :func:`analysis.sources.gdelt_cache.read`; anything else (a file, a folder of export files,
    several) with :func:`analysis.sources.gdelt.load`, ``block_size`` bytes at a time; both for
    ``case`` (default: the current case). Both give the same rows for the same files; the
    cache does not re-read them."""
    from analysis.sources import gdelt, gdelt_cache

    paths = [path] if isinstance(path, str | Path) else list(path)
    if len(paths) == 1 and gdelt_cache.is_cache(paths[0]):
        return gdelt_cache.read(paths[0], case=case)
    return gdelt.load(paths, block_size=block_size, case=case)


def subject_targets(data_dir: Path | str | None = None) -> tuple[str, ...]:
    """The target types of the case's subject (:func:`case_of` ``data_dir``): those its
    ``target_rules`` name (the Iraq case: bases, convoys, the embassy, the airport; homes and
    "other" are collateral)."""
    from analysis.sources.common import case_rules

    return case_rules(case_of(data_dir)).subject_targets


def target_actor(data_dir: Path | str | None = None) -> re.Pattern[str] | None:
    """The case's GDELT target actor after the arrow of a generated description ("A -> B;
    ..."), compiled in any case; None when the case names none or has no GDELT settings."""
    case = case_of(data_dir)
    if not registry.configured("gdelt", case):
        return None
    pattern = registry.settings("gdelt", case).target_actor
    return None if pattern is None else re.compile(rf"->\s*(?:{pattern})", re.IGNORECASE)


def in_scope(frame: pd.DataFrame, data_dir: Path | str | None = None) -> pd.Series:
    """Boolean mask of the feed rows about the subject of the case of ``data_dir`` (default:
    the current case; module docstring)."""
    keep = frame["target_type"].astype(object).isin(subject_targets(data_dir))
    actor = target_actor(data_dir)
    if actor is not None:
        keep = keep | frame["description"].astype(str).str.contains(actor, na=False)
    return keep.astype(bool)


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
        frame = frame[in_scope(frame, data_dir).to_numpy()].reset_index(drop=True)
        frame.attrs = attrs
    return frame
