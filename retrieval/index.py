"""BM25 over an inverted index: rank-bm25's ``BM25Okapi`` scores, paid per posting touched.

rank-bm25 scores every document for every query token in Python; here the
per-posting contribution ``idf · tf·(k1+1) / (tf + k1·(1−b+b·dl/avgdl))`` is
computed once at build time (float32, in a mapped column), so a query only
adds up the postings lists of its own terms.  The formula, the ε-floor for negative idf and the handling of
repeated query tokens are rank-bm25 0.2.2's, and a test holds the two equal.
"""

from __future__ import annotations

import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .postings import PostingsBuilder, above_sample, in_sorted, looked_up, sorted_unique
from .store import open_array, save_array

FORMAT = "bm25-inverted-v2"
PREFIX = "bm25_"

# A query: its tokens (a token repeated counts again, as in rank-bm25), or each term with its weight.
Terms = Sequence[str] | Mapping[str, float]


def multipliers(query: Terms) -> Mapping[str, float]:
    """How much each query term counts: how often the token list holds it, or the weight given to it.

    Weights let a search add words the question did not type (a synonym of a
    word the corpus never uses) at a fraction of a typed word's.
    """
    if isinstance(query, Mapping):
        return {term: weight for term, weight in query.items() if weight > 0}
    return Counter(query)


def term_postings(ids: np.ndarray, local: np.ndarray, n: int, first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(term, position, tf) triples sorted by term then position, for one chunk of paragraphs.

    ``ids`` holds term ids (int32) and ``local`` the chunk-relative paragraph
    (0 … n−1) of each, in any order.  The packed int64 key is chunk-sized,
    never corpus-sized.
    """
    if n == 0 or ids.shape[0] == 0:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.uint16)
    keys, tf = np.unique(ids.astype(np.int64) * n + local, return_counts=True)
    terms = (keys // n).astype(np.int32)
    docs = (keys % n).astype(np.int32) + np.int32(first)
    return terms, docs, np.minimum(tf, 65535).astype(np.uint16)


class BM25Index:
    """An immutable BM25Okapi index over mapped columns: float32 weights per posting, int32 docs."""

    def __init__(
        self,
        vocab: dict[str, int],
        offsets: np.ndarray,
        docs: np.ndarray,
        weights: np.ndarray,
        doc_len: np.ndarray,
        idf: np.ndarray,
        params: dict[str, float],
    ) -> None:
        self.vocab = vocab
        self.offsets = offsets
        self.docs = docs
        self.weights = weights
        self.doc_len = doc_len
        self.idf = idf
        self.params = params
        self._local = threading.local()
        self._bounds: dict[str, float] = {}

    @property
    def n_docs(self) -> int:
        return int(self.doc_len.shape[0])

    @property
    def n_terms(self) -> int:
        return len(self.vocab)

    @property
    def n_postings(self) -> int:
        return int(self.docs.shape[0])

    # --- building ----------------------------------------------------------

    @staticmethod
    def write(
        folder: Path,
        terms: Sequence[str],
        builder: PostingsBuilder,
        doc_len: np.ndarray,
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> dict[str, float]:
        """Merge a builder's (term, doc, tf) postings into weighted columns in ``folder``; returns the params.

        The weight of a posting is rank-bm25's ``idf · tf·(k1+1) / (tf +
        k1·(1−b+b·dl/avgdl))``, computed in float64 and stored as float32.
        """
        n = int(doc_len.shape[0])
        counts = np.zeros(len(terms), np.int64)
        for keys, per_key in builder.key_counts():
            counts[keys] += per_key
        df = counts.astype(np.float64)
        idf = np.log(n - df + 0.5) - np.log(df + 0.5) if len(terms) else np.zeros(0)
        # rank-bm25 replaces a negative idf by ε times the mean idf of all terms.
        if len(terms):
            idf = np.where(idf < 0, epsilon * idf.mean(), idf)
        avgdl = float(doc_len.sum()) / n if n else 1.0
        dl_norm = (k1 * (1 - b + b * doc_len.astype(np.float64) / avgdl)) if n else np.zeros(0)

        def weigh(ids: np.ndarray, docs: np.ndarray, tf: np.ndarray) -> np.ndarray:
            f = tf.astype(np.float64)
            return (idf[ids] * (f * (k1 + 1) / (f + dl_norm[docs]))).astype(np.float32)

        # Term frequencies are kept too: a library joined from several segments
        # weighs postings with the statistics of all of them (``segment``).
        builder.write(folder, PREFIX, np.arange(len(terms), dtype=np.int32), np.float32, weigh, ("tf", np.uint16))
        save_array(folder, f"{PREFIX}doc_len", doc_len.astype(np.int32))
        save_array(folder, f"{PREFIX}idf", idf.astype(np.float64))
        (folder / f"{PREFIX}vocab.txt").write_text("\n".join(terms), encoding="utf-8")
        return {"k1": k1, "b": b, "epsilon": epsilon}

    @classmethod
    def build(
        cls, corpus: Iterable[Sequence[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25
    ) -> BM25Index:
        """An in-memory index of token lists (tests and benchmarks); the library streams instead."""
        vocab: dict[str, int] = {}
        builder = PostingsBuilder()
        ids: list[int] = []
        lengths: list[int] = []
        first = 0

        def flush() -> None:
            nonlocal first
            if lengths:
                local = np.repeat(np.arange(len(lengths), dtype=np.int64), np.asarray(lengths, np.int64))
                builder.add(*term_postings(np.asarray(ids, np.int32), local, len(lengths), first))
                first += len(lengths)
                ids.clear()
                lengths.clear()

        all_lengths: list[int] = []
        for tokens in corpus:
            setdefault = vocab.setdefault
            ids.extend(setdefault(t, len(vocab)) for t in tokens)
            lengths.append(len(tokens))
            all_lengths.append(len(tokens))
            if len(lengths) >= 65536:
                flush()
        flush()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            params = cls.write(folder, list(vocab), builder, np.asarray(all_lengths, np.int32), k1, b, epsilon)
            index = cls.open(folder, params)
            # Copy out of the temporary folder before it goes.
            return cls(
                index.vocab,
                np.array(index.offsets),
                np.array(index.docs),
                np.array(index.weights),
                np.array(index.doc_len),
                np.array(index.idf),
                params,
            )

    @classmethod
    def open(cls, folder: Path, params: dict[str, float]) -> BM25Index:
        """Map an index written by :meth:`write`; inconsistent files raise ``ValueError``."""
        text = (folder / f"{PREFIX}vocab.txt").read_text(encoding="utf-8")
        terms = text.split("\n") if text else []
        index = cls(
            dict(zip(terms, range(len(terms)), strict=True)),
            open_array(folder, f"{PREFIX}offsets", np.int64),
            open_array(folder, f"{PREFIX}docs", np.int32),
            open_array(folder, f"{PREFIX}values", np.float32),
            open_array(folder, f"{PREFIX}doc_len", np.int32),
            open_array(folder, f"{PREFIX}idf", np.float64),
            params,
        )
        if (
            index.offsets.shape[0] != len(terms) + 1
            or int(index.offsets[-1]) != index.docs.shape[0]
            or index.weights.shape != index.docs.shape
            or index.idf.shape[0] != len(terms)
        ):
            raise ValueError("inconsistent index arrays")
        return index

    # --- querying ------------------------------------------------------------

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        tid = self.vocab.get(term)
        if tid is None:
            return self.docs[:0], self.weights[:0]
        s, e = self.offsets[tid], self.offsets[tid + 1]
        return self.docs[s:e], self.weights[s:e]

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self.offsets[tid + 1] - self.offsets[tid])

    def term_idf(self, term: str) -> float:
        tid = self.vocab.get(term)
        return 0.0 if tid is None else float(self.idf[tid])

    def _buffer(self) -> np.ndarray:
        """A per-thread float32 accumulator over all documents, zero between queries.

        Allocating and zeroing a corpus-sized array per query cost 13.6 ms at
        1M paragraphs; instead each query clears only the entries it touched.
        Threads (the bot searches off its event loop) get their own buffer.
        """
        buf = getattr(self._local, "acc", None)
        if buf is None or buf.shape[0] != self.n_docs:
            buf = self._local.acc = np.zeros(self.n_docs, dtype=np.float32)
        return buf

    def top(
        self, query: Terms, k: int = 10, allowed: np.ndarray | None = None, skip: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """The ``k`` best (doc, score) pairs; ``allowed`` is an optional boolean mask of docs.

        ``skip`` (ascending positions) are never returned: a small set the
        caller always leaves out (the printed lines), cheaper than a mask over
        every document, and never taking the place of a document it keeps.

        Work is proportional to the postings of the query's terms: weights are
        added into a reused buffer (``np.add.at``: the same float32 additions
        as ``acc[d] += w``, three times faster) and only the documents touched
        are ranked (``argpartition`` then a sort of ``k`` entries).  Ties with
        the k-th best are decided by position, so the answer does not depend
        on how candidates were gathered.
        """
        counts = {term: mult for term, mult in multipliers(query).items() if term in self.vocab}
        if not counts or k <= 0:
            return []
        acc = self._buffer()
        touched: list[np.ndarray] = []
        lists = [(self.postings(term), mult) for term, mult in counts.items()]
        total = sum(d.shape[0] for (d, _), _ in lists)
        # Long lists (common words): candidates are read off the buffer or a
        # mask, and the buffer is cleared whole — linear in the corpus, where
        # sorting or scattering millions of postings is not.
        long_lists = total > self.n_docs // 8
        if long_lists and total > BOUNDED_POSTINGS:
            bounded = _bounded_top(self, counts, lists, k, allowed, skip)
            if bounded is not None:
                cand, scores = bounded
                return _best_k(cand, scores, k)
        # With every idf positive every weight is, so a touched document is
        # exactly one whose sum is above zero (no mask needed).
        positive = long_lists and all(self.term_idf(term) > 0 for term in counts)
        try:
            for (d, w), mult in lists:
                np.add.at(acc, d, w if mult == 1 else w * np.float32(mult))
                touched.append(d)
            skipping = skip is not None and skip.size > 0
            if positive:
                if skipping:
                    acc[skip] = 0.0  # untouched, as far as above_sample goes; the buffer is cleared whole below
                cand = above_sample(acc if allowed is None else np.where(allowed, acc, np.float32(0)), k)
            elif long_lists:
                mask = np.zeros(self.n_docs, dtype=bool)
                for d in touched:
                    mask[d] = True
                if allowed is not None:
                    mask &= allowed
                if skipping:
                    mask[skip] = False
                cand = np.flatnonzero(mask)
            else:
                # A document appears once per matching term; ranking the
                # concatenation and keeping k·terms entries still yields k
                # distinct documents, with no sort of the whole candidate set.
                cand = np.concatenate(touched) if len(touched) > 1 else np.asarray(touched[0])
                if allowed is not None:
                    cand = cand[allowed[cand]]
                if skipping:
                    cand = cand[~in_sorted(skip, cand)]
                keep = k * len(touched)
                if cand.size > keep:
                    scores = acc[cand]
                    part = np.argpartition(-scores, keep - 1)[:keep]
                    cand = cand[scores >= scores[part].min()]
                cand = sorted_unique(cand)
            scores = acc[cand]
        finally:
            if long_lists:
                acc.fill(0.0)
            else:
                for d in touched:
                    acc[d] = 0.0
        return _best_k(cand, scores, k)

    def term_bound(self, term: str, weights: np.ndarray) -> float:
        """The largest weight a term gives any document (at least 0), computed once per process."""
        bound = self._bounds.get(term)
        if bound is None:
            bound = self._bounds[term] = max(float(weights.max()), 0.0) if weights.shape[0] else 0.0
        return bound

    def score_docs(self, query: Terms, positions: np.ndarray) -> np.ndarray:
        """BM25 scores (float64) of the given positions only: one binary search per term and position."""
        positions = np.asarray(positions, dtype=np.int64)
        out = np.zeros(positions.shape[0], dtype=np.float64)
        if positions.size == 0:
            return out
        if positions.shape[0] > self.n_docs // 16:
            return self.scores(query)[positions]  # a phrase found nearly everywhere: score densely
        for term, mult in multipliers(query).items():
            d, w = self.postings(term)
            ok, at = looked_up(d, positions)
            out[ok] += w[at].astype(np.float64) * mult
        return out

    def scores(self, query: Terms) -> np.ndarray:
        """Scores of every document, as rank-bm25's ``get_scores`` returns them."""
        acc = np.zeros(self.n_docs, dtype=np.float64)
        for term, mult in multipliers(query).items():
            d, w = self.postings(term)
            np.add.at(acc, d, w.astype(np.float64) * mult)  # as ``acc[d] += …`` (distinct d), faster
        return acc


def _best_k(cand: np.ndarray, scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` best (doc, score) pairs of distinct candidates: score descending, then position."""
    if cand.size == 0:
        return []
    if cand.size > k:
        # Every entry tied with the k-th best competes for the last places.
        kth = np.partition(scores, cand.size - k)[cand.size - k]
        keep = scores >= kth
        cand, scores = cand[keep], scores[keep]
    order = np.lexsort((cand, -scores))[:k]
    return [(int(cand[i]), float(scores[i])) for i in order]


def exact_scores(lists: Sequence[tuple[np.ndarray, np.ndarray, int]], positions: np.ndarray) -> np.ndarray:
    """The float32 sums that adding ``lists`` into a zeroed buffer, in order, leaves at ``positions``.

    One binary search per list and position, the additions done in the same
    order and precision as the scatter, so the scores are bit for bit equal.
    """
    out = np.zeros(positions.shape[0], np.float32)
    for d, w, mult in lists:
        ok, at = looked_up(d, positions)
        out[ok] += w[at] if mult == 1 else w[at] * np.float32(mult)
    return out


# Below this many postings a query adds them all faster than bounds can save (measured at 100K and 1M).
BOUNDED_POSTINGS = 400_000
# Lists longer than this share of the corpus are only looked up, never scattered, when bounds allow.
LOOKUP_SHARE = 32
BOUND_SLACK = 1e-4  # relative: float32 sums in another order differ in the last bits


def _bounded_top(
    index: BM25Index,
    counts: Mapping[str, float],
    lists: list[tuple[tuple[np.ndarray, np.ndarray], float]],
    k: int,
    allowed: np.ndarray | None,
    skip: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Every document that can be among the ``k`` best, with its exact score — or None when bounds don't allow.

    MaxScore (Turtle and Flood, as Lucene and PISA use it): a common word's
    list holds a third of a large corpus, yet its weight is small.  Only the
    short lists are added into the buffer; the best of those documents are
    scored with the long lists looked up, which gives a floor for the k-th
    best score.  A document in no short list scores at most the sum of the
    long lists' largest weights; when that is below the floor, only the
    documents whose short-list sum plus the long lists' bounds reaches it are
    looked up, list by list, dropping those that fall below.  The result is
    the same as adding every posting.  None (no short list, or a floor the
    bounds reach) lets the caller add every posting: promoting long lists
    one by one until the bounds fit was measured slower than that at 1M.
    """
    limit = index.n_docs // LOOKUP_SHARE
    entries = [
        (d, w, mult, index.term_bound(term, w) * mult) for term, ((d, w), mult) in zip(counts, lists, strict=True)
    ]
    short = [entry for entry in entries if entry[0].shape[0] <= limit]
    if not short or len(short) == len(entries):
        return None
    long_ = [entry for entry in entries if entry[0].shape[0] > limit]
    acc = index._buffer()
    touched = [d for d, _, _, _ in short]
    skipping = skip is not None and skip.size > 0
    try:
        for d, w, mult, _ in short:
            np.add.at(acc, d, w if mult == 1 else w * np.float32(mult))
        found = _floor(acc, touched, long_, k, allowed, skip if skipping else None)
    finally:
        for d in touched:
            acc[d] = 0.0
        if skipping:
            acc[skip] = 0.0
    if found is None:
        return None
    joined, partial, floor = found
    # The long lists, the largest bound first.
    looked = sorted(long_, key=lambda entry: -entry[3])
    slack = sum(entry[3] for entry in looked)
    margin = BOUND_SLACK * abs(floor)
    alive = partial >= floor - slack - margin
    cand, at = np.unique(joined[alive], return_index=True)
    bound = partial[alive][at].astype(np.float64)
    # Each long list looked up in turn turns its bound into the true weight; what can no
    # longer reach the floor is dropped before the next look-up.
    for d, w, mult, most in looked:
        bound += exact_scores([(d, w, mult)], cand)
        slack -= most
        alive = bound >= floor - slack - margin
        cand, bound = cand[alive], bound[alive]
    return cand, exact_scores([(d, w, mult) for (d, w), mult in lists], cand)


def _floor(
    acc: np.ndarray,
    touched: list[np.ndarray],
    looked: list[tuple[np.ndarray, np.ndarray, int, float]],
    k: int,
    allowed: np.ndarray | None,
    skip: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The short lists' postings, their partial sums and a floor for the k-th best score, if it beats the bounds.

    ``skip`` positions are set to −inf in ``acc`` (the caller clears them):
    cheaper than a binary search per touched posting, and never above a floor.
    """
    if skip is not None:
        acc[skip] = -np.inf
    joined = np.concatenate(touched) if len(touched) > 1 else np.asarray(touched[0])
    if allowed is not None:
        joined = joined[allowed[joined]]
    partial = acc[joined]
    # A document appears once per short list: the k·lists best entries hold k distinct documents.
    keep = min(k * len(touched), joined.shape[0])
    if keep == 0:
        return None
    best = np.argpartition(-partial, keep - 1)[:keep]
    first, at = np.unique(joined[best], return_index=True)
    known = partial[best][at].astype(np.float64)
    sure = np.isfinite(known)
    first, known = first[sure], known[sure]
    if first.shape[0] < k:
        return None
    for d, w, mult, _ in looked:
        known += exact_scores([(d, w, mult)], first)
    floor = float(np.partition(known, first.shape[0] - k)[first.shape[0] - k])
    if sum(entry[3] for entry in looked) >= floor * (1 - BOUND_SLACK):
        return None
    return joined, partial, floor
