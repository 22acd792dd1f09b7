"""“你是不是要找……”: a policy formula typed with one character wrong, missing or extra.

A writer remembers 三看三促进 as 三看三促近, or 一要点四计划 as 一要点三计划.
The formulas worth correcting are the corpus's own domain terms (curated and
harvested from its quotations), a few hundred short strings: each is listed
under its character bigrams, and a stretch of the query that shares bigrams
with a term is compared with it by edit distance — no scan of the corpus.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

MIN_LENGTH = 4  # shorter terms are one edit away from too many ordinary words


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` becomes ``b`` by one substitution, insertion or deletion (not when equal)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _anchored(text: str, term: str, size: int) -> list[int]:
    """Offsets (ascending) where a stretch of ``size`` characters might be one edit from ``term``.

    One edit leaves either half of the term intact: the stretch starts with
    the term's first half, or ends with its second half (for a missing
    character, the half after it).  Only offsets where one of the halves
    stands are compared — the same hits as trying every offset, without
    comparing a long question's every stretch with every term.
    """
    m = len(term)
    half = (size if size < m else m) // 2
    tail = term[half + 1 :] if size < m else term[half:]
    tail_at = half + (1 if size > m else 0)  # where the tail starts inside the stretch
    last = len(text) - size
    found: set[int] = set()
    for part, shift in ((term[:half], 0), (tail, tail_at)):
        at = text.find(part)
        while at >= 0:
            if 0 <= at - shift <= last:
                found.add(at - shift)
            at = text.find(part, at + 1)
    return sorted(found)


class TermMatcher:
    """Domain terms reachable from a query by one edit."""

    def __init__(self, terms: Iterable[str]) -> None:
        self.terms = sorted({t for t in terms if len(t) >= MIN_LENGTH})
        self._by_bigram: dict[str, set[str]] = defaultdict(set)
        for term in self.terms:
            for i in range(len(term) - 1):
                self._by_bigram[term[i : i + 2]].add(term)

    def near(self, text: str) -> list[tuple[str, str]]:
        """(stretch of ``text``, term) pairs where the stretch is one edit from a term that ``text`` lacks.

        Longer terms first; a stretch is reported once.  A term shares at
        least ``len − 3`` of its bigrams with any string one edit away, so only
        terms sharing that many with the text are compared.
        """
        shared: dict[str, int] = defaultdict(int)
        for i in range(len(text) - 1):
            for term in self._by_bigram.get(text[i : i + 2], ()):
                shared[term] += 1
        out: list[tuple[str, str]] = []
        taken: set[tuple[int, int]] = set()

        def free(i: int, j: int) -> bool:
            return all((s, e) == (i, j) or e <= i or j <= s for s, e in taken)

        for term in sorted(shared, key=lambda t: (-len(t), t)):
            if term in text or shared[term] < max(1, len(term) - 3):
                continue
            # A wrong character first, then a missing or an extra one.
            for size in (len(term), len(term) - 1, len(term) + 1):
                hit = next(
                    (
                        (i, i + size)
                        for i in _anchored(text, term, size)
                        if within_one_edit(text[i : i + size], term) and free(i, i + size)
                    ),
                    None,
                )
                if hit:
                    taken.add(hit)
                    out.append((text[hit[0] : hit[1]], term))
                    break
        return out
