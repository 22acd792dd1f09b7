"""Passage evidence: the best window of one to three sentences in a paragraph, and how well it answers.

BM25 over whole paragraphs normalises by length, so the one precise sentence
in a several-hundred-character speech paragraph loses to short paragraphs
that repeat the question's common words.  Scoring sentence windows as
documents of their own (max-passage, as in passage retrieval since Callan
1994) lets that sentence win, and the best window is also what the excerpt
should show.

Windows are scored on presence: a query word counts once if the window (or
the context the paragraph inherits) contains it, weighted by its idf and by
BM25's length normalisation against the average window of that size.  In a
window of a few dozen characters term frequency carries little information,
and presence on folded strings is immune to segmentation differences.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_NON_WORD = re.compile(r"[\W_]+")
_SENTENCE_END = re.compile(r"[。!?;]+[”’」』)]*")
MAX_WINDOW = 3
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class Window:
    start: int  # offsets in the folded paragraph
    end: int
    score: float  # BM25 over presence, this window against windows of its size
    covered: float  # share of the query's idf mass found in the window or the inherited context


def sentence_spans(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a folded paragraph."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(folded):
        if m.end() > start:
            spans.append((start, m.end()))
        start = m.end()
    if start < len(folded):
        spans.append((start, len(folded)))
    return spans or [(0, len(folded))]


def best_window(
    folded: str,
    context: str,
    words: dict[str, float],
    avg_sentence: float,
    answers: Callable[[str], bool] | None = None,
    spans: list[tuple[int, int]] | None = None,
) -> Window:
    """The window of one to three consecutive sentences that best answers ``words`` (word → idf).

    ``answers`` tells whether a window holds the kind of answer the question
    asks for (the items of a formula, a date, a count); such a window gets
    the weight of the question's heaviest word, as if it held one more.
    ``spans`` are ``sentence_spans(folded)`` when the caller has them already.
    """
    total = sum(words.values()) or 1.0
    inherited = {w for w in words if w in context}
    sents = spans if spans is not None else sentence_spans(folded)
    # Per sentence once: the words it holds and whether it holds the asked-for kind of answer.
    # Only words the paragraph holds at all are looked for in each sentence (the same sets, built in the same order).
    present = [w for w in words if w in folded]
    if not present and not inherited and answers is None:
        return Window(0, sents[0][1], 0.0, 0.0)  # no window holds anything: what the loop below would return
    holds = [{w for w in present if w in folded[a:b]} for a, b in sents]
    typed = [answers(folded[a:b]) for a, b in sents] if answers is not None else [False] * len(sents)
    heaviest = max(words.values(), default=0.0)
    # The best window so far; its Window (and coverage) is built once, at the end.
    best_score, best_span, best_found = -1.0, (0, len(folded)), holds[0]
    for size in range(1, min(MAX_WINDOW, len(sents)) + 1):
        avg = avg_sentence * size
        for i in range(len(sents) - size + 1):
            start, end = sents[i][0], sents[i + size - 1][1]
            # Built as a new set, as before: its iteration order (and so the float sum below) stays the same.
            found = set().union(*holds[i : i + size])
            if size == 1:
                is_typed = typed[i]
            else:
                is_typed = any(typed[i : i + size]) or (answers is not None and answers(folded[start:end]))
            if not found and not inherited and not is_typed:
                continue
            norm = (K1 + 1) / (1 + K1 * (1 - B + B * (end - start) / avg))
            score = sum(words[w] for w in found) * norm + sum(words[w] for w in inherited - found)
            if is_typed:
                score += heaviest * norm
            if score > best_score:
                best_score, best_span, best_found = score, (start, end), found
    if best_score < 0:
        return Window(0, sents[0][1], 0.0, 0.0)
    return Window(best_span[0], best_span[1], best_score, sum(words[w] for w in best_found | inherited) / total)


def closest_sentence(
    folded: str, grams: set[str], spans: list[tuple[int, int]] | None = None
) -> tuple[int, int, float]:
    """(start, end, share) of the sentence holding the largest share of ``grams`` (character bigrams).

    When a user types a formula's wording, the sentence that says nearly the
    same is what the excerpt must show, whatever else the paragraph matches.
    A two-character gram is one of a text's bigrams exactly when it occurs in
    the text, so each gram is looked for with ``in`` rather than listing the
    sentence's bigrams (twenty times faster).
    """
    best = (0, 0, 0.0)
    if not grams:
        return best
    for start, end in spans if spans is not None else sentence_spans(folded):
        text = _NON_WORD.sub("", folded[start:end])
        share = sum(1 for g in grams if g in text) / len(grams)
        if share > best[2]:
            best = (start, end, share)
    return best
