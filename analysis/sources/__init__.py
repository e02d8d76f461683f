"""Real event feeds (ACLED, UCDP GED, GDELT) mapped into the incident schema, and reconciliation.

>>> from analysis.sources import acled, gdelt, reconcile, ucdp
>>> a = acled.load("data/raw/acled/acled_Iraq_2019-01-01_2021-12-31.csv")
>>> g = gdelt.load("data/raw/gdelt")                 # a folder of GDELT 2.0 export files
>>> result = reconcile(load_incidents(), a, g)       # which feeds report each curated incident
>>> result.to_frame()                                # coverage by month and feed

``reconcile`` and ``ReconcileResults`` live in :mod:`analysis.sources.reconciliation`; the
package exposes them by name. Fetch the raw files with ``escalation fetch gdelt|acled|ucdp``
(see ``analysis/sources/README.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analysis.sources.reconciliation import ReconcileResults, reconcile

__all__ = ["ReconcileResults", "reconcile"]


def __getattr__(name: str) -> Any:
    # imported on first use, so ``escalation fetch`` and the CLI start without pandas
    if name in __all__:
        import importlib

        module = importlib.import_module("analysis.sources.reconciliation")
        value = getattr(module, name)
        globals()[name] = value  # later look-ups skip this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
