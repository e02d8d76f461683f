"""Terms of art linked to the methods page: one table of terms, applied to every published page.

Each :class:`Term` is a phrase a page may use ("quasi-Poisson", "Holm's adjustment", "CRPS")
and the section of ``methods.html`` (``docs/methods.md``) that explains it in plain words.
:func:`link_terms` links the first mention of each term in a page's prose to that section:
never inside the head, a heading, a headline, an existing link, code, a table or the provenance
block, and only in text (tags and their attributes are left as they are), so the page stays as
safe as the sanitiser left it. A term the page already links to the methods page is not linked
again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from analysis.paths import METHODS_PAGE

__all__ = ["TERMS", "TERM_CLASS", "Term", "link_terms", "linkable_text"]

#: the class of a term's link (readers' style sheets and tests find it by it)
TERM_CLASS = "escalation-term"


@dataclass(frozen=True)
class Term:
    """A term of art: the regular expression its mentions match (case as written; ``(?i:...)``
    for any case) and the id of its section on the methods page."""

    pattern: str
    anchor: str

    @property
    def href(self) -> str:
        """``methods.html#<anchor>``."""
        return f"{METHODS_PAGE}#{self.anchor}"

    @property
    def regex(self) -> re.Pattern[str]:
        """The pattern as a whole word (or words)."""
        return _compiled(self.pattern)


#: every term of art the pages use, in the order a page is searched for them (a longer phrase
#: before a shorter one it holds: "quasi-Poisson" before "Poisson")
TERMS: tuple[Term, ...] = (
    Term(r"(?i:rate ratios?)", "rate-ratio"),
    Term(r"(?i:excess attacks)", "excess-attacks"),
    Term(r"(?i:95% (?:confidence |predictive )?(?:intervals?|bands?))|95% CI", "interval"),
    Term(r"Holm(?:'s|\u2019s)?(?:[- ]adjust(?:ed|ment))?", "holm"),
    Term(r"(?i:p-values?)", "p-value"),
    Term(r"(?i:binomial test)", "binomial-test"),
    Term(r"(?i:event windows?)", "event-window"),
    Term(
        r"(?i:interrupted time series|segmented (?:quasi-Poisson )?regression)",
        "interrupted-time-series",
    ),
    Term(r"(?i:quasi-Poisson)", "quasi-poisson"),
    Term(r"(?i:over-?dispersion|dispersion)", "quasi-poisson"),
    Term(r"(?i:negative[- ]binomial)", "negative-binomial"),
    Term(r"(?i:(?:autocorrelation-robust )?standard errors)", "standard-errors"),
    Term(r"(?i:Ljung-Box)", "ljung-box"),
    Term(r"(?i:changepoints?)", "changepoints"),
    Term(r"PELT", "changepoints"),
    Term(r"BIC(?: penalty)?", "changepoints"),
    Term(r"(?i:Hawkes(?: process)?|self-exciting)", "hawkes"),
    Term(r"(?i:branching ratio)", "hawkes"),
    Term(r"(?i:time-rescal(?:ing|ed))", "time-rescaling"),
    Term(r"(?i:counterfactual)", "counterfactual"),
    Term(r"(?i:local-level(?: state-space)? model|state-space model)", "state-space"),
    Term(r"(?i:variance-stabilised|Anscombe)", "anscombe"),
    Term(r"AIC", "aic"),
    Term(r"CRPS", "crps"),
    Term(r"PIT", "pit"),
    Term(r"(?i:calibrated|calibration)", "pit"),
    Term(r"(?i:backtest)", "backtest"),
    Term(r"(?i:pooled estimates?|pooled figures?)", "pooled-estimate"),
    Term(r"(?i:random[- ]effects)", "pooled-estimate"),
    Term(r"I²|tau²|τ²", "pooled-estimate"),
)

_TOKEN = re.compile(r"<!--.*?-->|<[^>]*>|[^<]+", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)")
#: elements whose text is never linked: their words are not prose (or are links already)
SKIPPED = frozenset(
    {"head", "title", "style", "script", "a", "code", "pre", "kbd", "samp", "table", "svg"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "caption", "figcaption"}
)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "wbr", "source"})
_PROVENANCE = 'class="escalation-provenance"'
#: a page's quotable sentence (a brief's headline, an index card's, the findings page's): printed
#: and quoted as it stands, so it carries no links; its terms are linked where they next appear
_HEADLINE = re.compile(r'class="[^"]*\bheadline\b')


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?!\w)(?!-\w)")


@cache
def _any_of(terms: tuple[Term, ...]) -> re.Pattern[str]:
    """One pattern matching wherever any of ``terms`` does (alternatives backtrack, so a text
    it does not match holds none of them): most of a page's text is passed over at once."""
    return _compiled("|".join(f"(?:{t.pattern})" for t in terms))


def _segments(page: str) -> list[tuple[str, bool, str]]:
    """``page`` as (piece, is_text_to_link, href_of_enclosing_link) in order: tags and skipped
    text are not linkable."""
    out: list[tuple[str, bool, str]] = []
    stack: list[str] = []
    href = ""
    for m in _TOKEN.finditer(page):
        piece = m.group()
        if not piece.startswith("<"):
            out.append((piece, not stack, href))
            continue
        name_m = _TAG_NAME.match(piece)
        out.append((piece, False, href))
        if name_m is None:
            continue
        name = name_m.group(1).lower()
        closing = piece.startswith("</")
        if closing:
            if name in stack:
                while stack and stack.pop() != name:
                    pass
            if name == "a":
                href = ""
        elif name in _VOID or piece.endswith("/>"):
            continue
        elif name in SKIPPED:
            stack.append(name)
            if name == "a":
                found = re.search(r'href="([^"]*)"', piece)
                href = found.group(1) if found else ""
        elif (name == "section" and _PROVENANCE in piece) or (
            name == "p" and _HEADLINE.search(piece)
        ):
            stack.append(name)
    return out


def linkable_text(page: str) -> str:
    """The prose of ``page`` that :func:`link_terms` may link (tags dropped, entities kept)."""
    return " ".join(piece for piece, ok, _ in _segments(page) if ok)


def link_terms(page: str, terms: tuple[Term, ...] = TERMS) -> str:
    """``page`` (HTML) with the first mention of each of ``terms`` in its prose linked to its
    section of the methods page (``<a class="escalation-term" href="methods.html#...">``).

    A term already mentioned inside a link to its section is left as it is. Only text between
    tags changes, and only by wrapping words in a link, so escaping is kept.
    """
    segments = _segments(page)
    done = {
        t
        for t in terms
        for piece, ok, href in segments
        if not ok and href == t.href and t.regex.search(piece)
    }
    pending = [t for t in terms if t not in done]
    out = []
    any_term = _any_of(tuple(terms))
    for piece, ok, _ in segments:
        if ok and pending and any_term.search(piece):
            piece, linked = _link_piece(piece, pending)
            pending = [t for t in pending if t not in linked]
        out.append(piece)
    return "".join(out)


def _link_piece(text: str, terms: list[Term]) -> tuple[str, set[Term]]:
    """``text`` with the first match of each of ``terms`` linked (matches never overlap: a
    term inside an earlier term's match waits for a later mention)."""
    spans: list[tuple[int, int, Term]] = []
    for term in terms:
        for m in term.regex.finditer(text):
            if all(m.end() <= s or m.start() >= e for s, e, _ in spans):
                spans.append((m.start(), m.end(), term))
                break
    if not spans:
        return text, set()
    spans.sort(key=lambda s: s[0])
    parts, at = [], 0
    for start, end, term in spans:
        parts.append(text[at:start])
        parts.append(f'<a class="{TERM_CLASS}" href="{term.href}">{text[start:end]}</a>')
        at = end
    parts.append(text[at:])
    return "".join(parts), {s[2] for s in spans}
