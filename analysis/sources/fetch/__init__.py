"""Downloaders for the raw feeds: ``escalation fetch gdelt|acled|ucdp`` (see ``cli.py``).

Shared machinery is in :mod:`~analysis.sources.fetch.http` (resumable, verified downloads with
retries, backoff and timeouts) and :mod:`~analysis.sources.fetch.progress` (tqdm bar); one module
per feed knows its URLs, authentication and verification.
"""

from analysis.sources.fetch.http import DownloadError, VerificationError

__all__ = ["DownloadError", "VerificationError"]
