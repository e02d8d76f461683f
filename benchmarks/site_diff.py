"""Compare two built sites page by page, ignoring the build lines (build key, commit, source
hash, build time): how a refactor proves it changed no published number or word.

    python benchmarks/site_diff.py OLD_SITE NEW_SITE [--show N]

Prints one line a page (``same`` or the number of lines that differ, with the first ``N``) and
exits 1 when any page differs or is missing on one side.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

#: what differs between two builds of the same pages: the build key (meta and table), the git
#: commit, the package's source hash, the build time and run ids
BUILD_LINES = [
    (
        re.compile(r'content="[0-9a-f]{16}" name="escalation-build-key"'),
        'content="KEY" name="escalation-build-key"',
    ),
    (re.compile(r"<code>[0-9a-f]{40}(-dirty)?</code>"), "<code>COMMIT</code>"),
    (re.compile(r"<code>[0-9a-f]{64}</code>"), "<code>SOURCE</code>"),
    (re.compile(r"<code>[0-9a-f]{16}</code>"), "<code>KEY</code>"),
    (re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?"), "TIME"),
]


def normalised(path: Path) -> list[str]:
    """The page's text split at tags, with the build lines blanked."""
    text = path.read_text(encoding="utf-8", errors="replace")
    for pattern, repl in BUILD_LINES:
        text = pattern.sub(repl, text)
    return text.replace("><", ">\n<").splitlines()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--show", type=int, default=6, help="differing lines shown per page")
    args = ap.parse_args(argv)
    pages = sorted(
        {p.name for p in args.old.glob("*.html")} | {p.name for p in args.new.glob("*.html")}
    )
    differ = 0
    for name in pages:
        a, b = args.old / name, args.new / name
        if not (a.exists() and b.exists()):
            print(f"{name}: only in {'old' if a.exists() else 'new'}")
            differ += 1
            continue
        delta = [
            line
            for line in difflib.unified_diff(normalised(a), normalised(b), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        if delta:
            differ += 1
            print(f"{name}: {len(delta)} lines differ")
            for line in delta[: args.show]:
                print("    " + line[:200])
        else:
            print(f"{name}: same")
    print(f"{len(pages) - differ} of {len(pages)} pages the same apart from build lines")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
