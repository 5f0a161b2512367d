"""The words of the search index, computed in Python so both engines index exactly the same terms.

Chinese is written without spaces and neither engine's stock tokenizer segments it, so a text is
cut into runs: a run of Chinese characters gives its overlapping character bigrams (户籍人口 →
户籍 籍人 人口) plus its last character alone (口), so that every character starts at least one
term and a one-character query can be a prefix match; a run of letters and digits gives one
lower-cased term (营业执照2024 → 营业 业执 执照 照 2024). A query is cut the same way and becomes the
AND of its terms — a two-character query (婚姻) is one exact term, which a trigram index could not
serve. Filter values are indexed as terms too (`_st_conditional`), so one index lookup both finds
and filters. They begin with `_`, which text never produces, so no text can match a filter term.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# CJK unified ideographs with extension A and the compatibility block; the rest separates words.
_RUNS = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
MAX_QUERY_LENGTH = 100


def normalise(text: str) -> str:
    # NFKC folds full-width forms (ＡＢＣ１２３, （）) into the ASCII ones clerks also type.
    return unicodedata.normalize("NFKC", text).lower()


def runs(text: str) -> list[str]:
    """The Chinese runs and the letter-or-digit runs of a text, in order."""
    return _RUNS.findall(normalise(text))


def is_han(run: str) -> bool:
    return bool(_HAN.match(run))


def index_terms(*texts: str) -> list[str]:
    """Every term under which the texts are found, each once, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        for run in runs(text):
            if is_han(run):
                seen.update((run[i:i + 2], None) for i in range(len(run) - 1))
                seen[run[-1]] = None
            else:
                seen[run] = None
    return list(seen)


@dataclass(frozen=True)
class Term:
    """One term a hit must contain; `prefix` for a lone character or a letter-or-digit run."""

    text: str
    prefix: bool


def query_terms(query: str) -> list[Term]:
    """The terms a query asks for. Bigrams match exactly; a lone Chinese character and a
    letter-or-digit run (part of a resource code, say) match as prefixes."""
    terms: dict[Term, None] = {}
    for run in runs(query):
        if is_han(run) and len(run) > 1:
            terms.update((Term(run[i:i + 2], False), None) for i in range(len(run) - 1))
        else:
            terms[Term(run, True)] = None
    return list(terms)


def facet(kind: str, value: str | int) -> str:
    """The index term of a filter value: `_st_conditional`, `_cl_101`."""
    return f"_{kind}_{value}"


def classification_prefixes(classification: str) -> list[str]:
    """类, 类+项 and 类+项+目 of a classification code (1, 101, 101001): each can be filtered on."""
    return [classification[:n] for n in (1, 3, 6) if len(classification) >= n]


def marked(text: str, query: str) -> list[tuple[str, bool]]:
    """`text` cut into (part, matched) pieces, matched where a query run occurs, for highlighting."""
    wanted = [r for r in runs(query) if len(r) > 0]
    if not wanted or not text:
        return [(text, False)]
    lowered = normalise(text)
    if len(lowered) != len(text):  # NFKC changed the length: positions would not line up
        return [(text, False)]
    hit = [False] * len(text)
    for run in wanted:
        for m in re.finditer(re.escape(run), lowered):
            hit[m.start():m.end()] = [True] * (m.end() - m.start())
    return _pieces(text, hit)


def _pieces(text: str, hit: list[bool]) -> list[tuple[str, bool]]:
    pieces: list[tuple[str, bool]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or hit[i] != hit[start]:
            pieces.append((text[start:i], hit[start]))
            start = i
    return pieces


def contains(text: str, query: str) -> bool:
    """Whether every query run occurs in the text: how a hit says where it matched."""
    lowered = normalise(text)
    wanted = runs(query)
    return bool(wanted) and all(run in lowered for run in wanted)
