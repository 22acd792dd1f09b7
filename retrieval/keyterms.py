"""A document's key terms, weighed against this corpus as well as against general Chinese.

jieba's bundled IDF table was computed on general text: in a corpus where
every paragraph is about 人大 and 代表, its "key terms" for a new document
are the corpus's commonest words (人大、工作).  The corpus's own paragraph
frequencies alone go wrong the other way: 之间、不要 are rare among policy
paragraphs and say nothing.  A key term has to be both — rare in this
corpus (the BM25 index's document frequencies) and informative in the
language (jieba's IDF) — so the weight is the product of the two, times a
sublinear count of its uses in the document.
"""

from __future__ import annotations

import functools
import math
from collections import Counter

from .analysis import fold, is_cjk, stopwords
from .library import Library
from .model import Document

MAX_PARAGRAPHS = 200  # enough of a long document to know what it is about, cheap at any size


@functools.cache
def _general_idf() -> tuple[dict[str, float], float]:
    from jieba.analyse.tfidf import DEFAULT_IDF, IDFLoader

    return IDFLoader(DEFAULT_IDF).get_idf()


def key_terms(lib: Library, doc: Document, k: int = 5) -> list[str]:
    """The ``k`` words (two or more characters, Chinese) that weigh most in ``doc`` against the corpus."""
    stop = stopwords()
    counts: Counter[str] = Counter()
    for p in doc.paragraphs[:MAX_PARAGRAPHS]:
        if p.printed:
            continue  # the title would count each of its words once more
        for w in lib.analyzer.words(fold(p.text)):
            if len(w) >= 2 and any(map(is_cjk, w)) and w not in stop and not any(ch.isdigit() for ch in w):
                counts[w] += 1
    n = max(1, lib.index.n_docs)
    general, median = _general_idf()
    scored = []
    for w, tf in counts.items():
        df = lib.index.df(w)
        if tf < 2 or df == 0:
            continue  # said once, or not a term the index knows (so not searchable as such)
        # Sublinear in use, as in TF-IDF weighting: the tenth 工作 says less than the second 联络站.
        scored.append(((1 + math.log(tf)) * math.log(n / df) * general.get(w, median), w))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [w for _, w in scored[:k]]
