"""A byte-counting progress bar (tqdm on stderr), silent when not wanted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tqdm.auto import tqdm


@contextmanager
def progress_bar(total: int | None, label: str, enabled: bool | None = None) -> Iterator[tqdm]:
    """A tqdm bar counting bytes. ``enabled``: True always, False never, None only on a terminal."""
    bar = tqdm(
        total=total or None,
        desc=label,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        disable=None if enabled is None else not enabled,
        leave=True,
        mininterval=0.5,
    )
    try:
        yield bar
    finally:
        bar.close()
