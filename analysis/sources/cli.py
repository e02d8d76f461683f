"""The ``escalation fetch`` subcommand: download raw feeds into ``data/raw/<feed>/``.

One subcommand per feed of the registry (:data:`analysis.sources.feeds.FEEDS`); a feed the case
file does not configure is refused (exit 1) before any connection, naming the case file.

``register(subparsers)`` adds it to the main parser; each handler returns an exit code (0 done,
1 some file failed, the server could not be read or answered with something else than the feed,
or credentials are missing), printing one line per failure, never a traceback. Base URLs can be
overridden with ``--base-url`` or the environment (``ESCALATION_GDELT_URL``,
``ESCALATION_ACLED_URL``, ``ESCALATION_UCDP_URL``), which is how the tests point the fetchers at a
local server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.sources.fetch.http import base_url


def iso_date(text: str) -> dt.date:
    """An argparse ``type``: a ``YYYY-MM-DD`` date, or a usage error naming the bad text."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def _out(args: argparse.Namespace, feed: str) -> Path:
    if args.out is not None:
        return args.out
    from analysis.paths import data_dir

    return data_dir() / "raw" / feed


def _policy(args: argparse.Namespace):
    from analysis.sources.fetch.http import Policy

    return Policy(retries=args.retries, backoff=args.backoff, timeout=args.timeout)


def __getattr__(name: str) -> Any:
    # ``base_url`` lives in the fetch layer (analysis.sources.fetch.http) and is still importable
    # from here; loaded on first use, so the CLI starts without urllib and http.client
    if name == "base_url":
        from analysis.sources.fetch.http import base_url

        return base_url
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _progress(args: argparse.Namespace) -> bool | None:
    return False if args.quiet else None


def _configured(feed: str) -> int:
    """0 when the case configures ``feed``; else the error printed and exit 1."""
    from analysis.errors import EscalationError, error_exit
    from analysis.sources import feeds

    try:
        feeds.settings(feed)
    except (EscalationError, ValueError) as exc:  # not configured, or a bad setting
        return max(1, error_exit(exc, "fetch"))
    return 0


def _cmd_gdelt(args: argparse.Namespace) -> int:
    from analysis.errors import ConfigError, error_exit
    from analysis.sources.fetch import gdelt
    from analysis.sources.fetch.http import base_url

    if _configured("gdelt"):
        return 1
    client = None
    try:  # a scheduler that does not answer stops the command before anything is fetched
        client = _scheduler(args) if args.cache is not None else None
    except ConfigError as exc:
        return error_exit(exc, "fetch")
    try:
        return _fetch_gdelt(args, client, gdelt, base_url)
    finally:
        if client is not None:
            client.close()


def _scheduler(args: argparse.Namespace) -> Any:
    """A ``distributed.Client`` on ``--scheduler`` / ``$ESCALATION_SCHEDULER``, or None; a
    :class:`~analysis.errors.ConfigError` (exit 2) when it does not answer in 10 s."""
    import os

    from analysis.errors import ConfigError

    address = args.scheduler or os.environ.get("ESCALATION_SCHEDULER") or None
    if not address:
        return None
    from distributed import Client

    try:
        return Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(
            f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc}); "
            "start one (dask scheduler) or leave out --scheduler to ingest on this machine"
        ) from None


def _fetch_gdelt(args: argparse.Namespace, client: Any, gdelt: Any, base_url: Any) -> int:
    from analysis.errors import FetchError, error_exit

    try:
        report = gdelt.fetch(
            args.start,
            args.end,
            _out(args, "gdelt"),
            base_url=base_url(gdelt, args.base_url),
            policy=_policy(args),
            refresh_list=args.refresh_list,
            progress=_progress(args),
        )
    except FetchError as exc:  # the master list could not be read, or is not GDELT's
        return error_exit(exc, "fetch")
    stream = sys.stdout if report.ok else sys.stderr
    print(report.text(), file=stream)
    ok = report.ok
    if args.cache is not None:
        ok = _cache_gdelt(args, report, client) and ok
    return _refresh_queue(args, 0 if ok else 1)


def _cache_gdelt(args: argparse.Namespace, report: Any, client: Any) -> bool:
    """Ingest the fetched files into the Parquet cache (``--cache``), in parallel: ``--jobs``
    local processes, or the workers of ``client``'s Dask cluster (``--scheduler`` /
    ``$ESCALATION_SCHEDULER``); False when a file failed."""
    from analysis.sources import gdelt_cache

    cache = args.cache or gdelt_cache.default_cache()
    sources = gdelt_cache.sources_from(report.listed, report.folder)
    executor = client.get_executor() if client else None
    done = gdelt_cache.ingest(sources, cache, executor=executor, jobs=args.jobs)
    print(done.text(), file=sys.stdout if done.ok else sys.stderr)
    return done.ok


def _cmd_acled(args: argparse.Namespace) -> int:
    from analysis.errors import FetchError, error_exit
    from analysis.sources import feeds
    from analysis.sources.fetch import acled
    from analysis.sources.fetch.http import base_url

    if args.country is not None:
        countries: tuple[str, ...] = (args.country,)
    elif _configured("acled"):
        return 1
    else:  # the case's ACLED countries, read now
        countries = feeds.settings("acled").countries
    for country in countries:
        try:
            report = acled.fetch(
                country,
                args.start,
                args.end,
                _out(args, "acled"),
                base_url=base_url(acled, args.base_url),
                policy=_policy(args),
                progress=_progress(args),
            )
        except FetchError as exc:  # a download failed, or credentials are missing or refused
            return error_exit(exc, "fetch")
        print(report.text())
    return _refresh_queue(args, 0)


def _cmd_ucdp(args: argparse.Namespace) -> int:
    from analysis.errors import FetchError, error_exit
    from analysis.sources.fetch import ucdp
    from analysis.sources.fetch.http import base_url

    if _configured("ucdp"):
        return 1
    try:
        outcome = ucdp.fetch(
            args.version,
            _out(args, "ucdp"),
            base_url=base_url(ucdp, args.base_url),
            policy=_policy(args),
            progress=_progress(args),
        )
    except FetchError as exc:  # a download failed, or the file failed verification
        return error_exit(exc, "fetch")
    print(f"{outcome.path}: {outcome.status} ({outcome.bytes_fetched} bytes fetched)")
    return _refresh_queue(args, 0)


def _refresh_queue(args: argparse.Namespace, status: int) -> int:
    """After a fetch into ``data/raw/`` (not ``--out``): recompute the review queue from every
    fetched feed and say how many candidates wait; a feed file that fails to load exits 1."""
    if args.out is not None:
        return status
    from analysis.errors import EscalationError, error_exit
    from analysis.sources import review

    try:
        print(review.refresh().text())
    except (EscalationError, ValueError, OSError) as exc:
        return max(status, error_exit(exc, "fetch"))
    return status


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", type=Path, default=None, help="output folder (default data/raw/<feed>)")
    p.add_argument("--base-url", default=None, help="server base URL (default: the feed's own)")
    p.add_argument("--retries", type=int, default=4, help="retries per request (default 4)")
    p.add_argument("--backoff", type=float, default=1.0, help="first retry wait, s (doubles)")
    p.add_argument(
        "--timeout", type=float, default=300.0,
        help="seconds one request may take, the whole transfer (default 300)",
    )  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``fetch <feed>``, one subcommand per feed of the registry, to the subparsers."""
    from analysis.sources.feeds import FEEDS

    names = ", ".join(f.name for f in FEEDS)
    p = subparsers.add_parser("fetch", help=f"download raw feeds ({names}) to data/raw/")
    sub = p.add_subparsers(dest="fetch_feed", required=True)
    for f in FEEDS:
        _ADD[f.key](sub)


def _add_gdelt(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("gdelt", help="GDELT 2.0 event exports for a date range (MD5-verified)")
    g.add_argument("--start", type=iso_date, required=True, help="first day, YYYY-MM-DD (UTC)")
    g.add_argument("--end", type=iso_date, required=True, help="last day, YYYY-MM-DD (inclusive)")
    g.add_argument("--refresh-list", action="store_true", help="re-read GDELT's master list")
    g.add_argument(
        "--cache",
        nargs="?",
        const="",
        default=None,
        type=lambda t: Path(t) if t else "",
        metavar="DIR",
        help="then ingest the files into the Parquet cache of the case's countries "
        "(default DIR: data/interim/gdelt)",
    )
    g.add_argument("--jobs", type=int, default=None, help="parallel scans (default: cores)")
    g.add_argument(
        "--scheduler",
        default=None,
        metavar="tcp://HOST:PORT",
        help="scan on this Dask scheduler's workers (default: $ESCALATION_SCHEDULER)",
    )
    _common(g)
    g.set_defaults(func=_cmd_gdelt)


def _add_acled(sub: argparse._SubParsersAction) -> None:
    a = sub.add_parser(
        "acled", help="ACLED events via the API (needs ACLED_EMAIL and ACLED_PASSWORD)"
    )
    a.add_argument(
        "--country", default=None,
        help="ACLED country name (default: each of the case's, feeds: acled: countries)",
    )  # fmt: skip
    a.add_argument("--start", type=iso_date, required=True, help="first day, YYYY-MM-DD")
    a.add_argument("--end", type=iso_date, required=True, help="last day, YYYY-MM-DD (inclusive)")
    _common(a)
    a.set_defaults(func=_cmd_acled)


def _add_ucdp(sub: argparse._SubParsersAction) -> None:
    u = sub.add_parser("ucdp", help="a UCDP GED release (e.g. 25.1) or candidate file (25.0.9)")
    u.add_argument("--version", required=True, dest="version", help="GED version, e.g. 25.1")
    _common(u)
    u.set_defaults(func=_cmd_ucdp)


#: each feed's ``fetch`` subcommand (its own options); a feed of the registry missing here is a
#: KeyError when the command line is built, so the two lists cannot drift apart
_ADD = {"gdelt": _add_gdelt, "acled": _add_acled, "ucdp": _add_ucdp}


def _cmd_review(args: argparse.Namespace) -> int:
    from analysis.sources import review

    if args.review_action == "refresh":
        print(review.refresh(wait=args.wait).text())
    elif args.review_action == "accept":
        done = review.accept(
            args.id,
            source_url=args.source_url,
            source_title=args.source_title,
            confirmation=args.confirmation,
            description=args.description,
            target_name=args.target_name,
            wait=args.wait,
        )
        print(
            f"accepted {done.candidate_id} as {done.incident_id}: data/ rebuilt "
            f"({done.incidents} incidents); commit data/"
        )
    elif args.review_action == "reject":
        review.reject(args.id, reason=args.reason, wait=args.wait)
        print(f"rejected {args.id}: recorded in data/review/{review.DECISIONS}")
    else:
        rows = review.list_candidates(feed=args.feed, start=args.start, end=args.end)
        status = review.queue_status()
        print(review.candidates_table(rows) if rows else "no candidates waiting")
        print(
            f"{len(rows)} shown of {status.waiting} waiting; newest curated date "
            f"{status.newest_curated or '-'}, newest feed date {status.newest_feed or '-'}"
        )
    return 0


def register_review(subparsers: argparse._SubParsersAction) -> None:
    """Add ``review [accept|reject|refresh]`` (the feeds' review queue) to the subparsers."""
    from analysis.errors import COMMANDS
    from analysis.sources.raw import FEEDS

    codes = COMMANDS["review"].meanings
    p = subparsers.add_parser(
        "review",
        help="list feed incidents no curated row matches; accept (with a source) or reject them",
        description="Exit codes: " + ", ".join(f"{c} {m}" for c, m in codes.items()) + ".",
    )
    p.add_argument("--feed", choices=FEEDS, default=None, help="only this feed's candidates")
    p.add_argument("--start", type=iso_date, default=None, help="dated on or after, YYYY-MM-DD")
    p.add_argument("--end", type=iso_date, default=None, help="dated on or before, YYYY-MM-DD")
    p.set_defaults(func=_cmd_review, review_action="list", wait=60.0)
    sub = p.add_subparsers(dest="review_action")

    def waits(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--wait", type=float, default=60.0,
            help="seconds to wait for another review command's lock (default 60)",
        )  # fmt: skip

    a = sub.add_parser("accept", help="add a candidate as a curated row, with its source")
    a.add_argument("id", help="candidate id (cand-...)")
    a.add_argument("--source-url", required=True, help="http(s) page that states the attack")
    a.add_argument("--source-title", required=True, help="that page's title and outlet")
    a.add_argument(
        "--confirmation", default="confirmed", choices=("confirmed", "claimed", "disputed"),
        help="what the source establishes (default confirmed)",
    )  # fmt: skip
    a.add_argument(
        "--description", default=None,
        help="the row's text (default: the feed's; required for ACLED events)",
    )  # fmt: skip
    a.add_argument("--target-name", default=None, help="the site (default: from the target type)")
    waits(a)
    r = sub.add_parser("reject", help="record that a candidate is not added, and why")
    r.add_argument("id", help="candidate id (cand-...)")
    r.add_argument("--reason", required=True, help="why (one line)")
    waits(r)
    waits(sub.add_parser("refresh", help="recompute the queue from the fetched feeds"))


__all__ = ["base_url", "iso_date", "register", "register_review"]
