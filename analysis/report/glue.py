"""Values a notebook records for the report runner (title, headline, numbers) and reading them.

A notebook calls :func:`glue` with a name and a JSON-serialisable value. The value is written into
the cell's output under a private MIME type, which nbconvert's HTML export ignores, and optionally
shown to the reader as escaped text. After execution the runner reads every glued value with
:func:`read_glued`: the index page takes a brief's title and headline from it, and tests compare
the glued numbers with what :mod:`analysis` computes directly.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

MIME_TYPE = "application/vnd.escalation.glue+json"


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (numpy scalars, Timestamps and tuples converted)."""
    return json.loads(json.dumps(value, default=_default))


def _default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):  # numpy scalar
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"cannot glue a {type(obj).__name__}: use numbers, strings, lists or dicts")


def glue(name: str, value: Any, *, display: bool = False) -> None:
    """Record ``value`` under ``name`` in the running notebook's output.

    With ``display=True`` the value is also shown to the reader, as escaped text (a headline in
    a brief); otherwise nothing visible is added.
    """
    from IPython.display import display as ipy_display

    data: dict[str, Any] = {MIME_TYPE: {"name": name, "value": _jsonable(value)}}
    if display:
        text = value if isinstance(value, str) else json.dumps(_jsonable(value))
        data["text/plain"] = text
        data["text/html"] = f'<p class="escalation-{html.escape(name)}">{html.escape(text)}</p>'
    ipy_display(data, raw=True)


def glue_all(values: Mapping[str, Any]) -> None:
    """Record every ``name: value`` of ``values`` (a notebook's title, headline and numbers)."""
    for name, value in values.items():
        glue(name, value)


def read_glued(nb: Mapping[str, Any]) -> dict[str, Any]:
    """Every glued value in an executed notebook (a nbformat node or plain dict), by name.

    A name glued twice keeps its last value, as a re-run cell would.
    """
    found: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            record = output.get("data", {}).get(MIME_TYPE)
            if isinstance(record, str):  # some writers store JSON payloads as text
                record = json.loads(record)
            if isinstance(record, Mapping) and "name" in record:
                found[record["name"]] = record.get("value")
    return found
