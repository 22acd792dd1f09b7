"""BM25 over an inverted index: rank-bm25's ``BM25Okapi`` scores, paid per posting touched.

rank-bm25 scores every document for every query token in Python; here the
per-posting contribution ``idf · tf·(k1+1) / (tf + k1·(1−b+b·dl/avgdl))`` is
computed once at build time, so a query only adds up the postings lists of
its own terms.  The formula, the ε-floor for negative idf and the handling of
repeated query tokens are rank-bm25 0.2.2's, and a test holds the two equal.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

FORMAT = "bm25-inverted-v1"


class BM25Index:
    """An immutable BM25Okapi index: build once, query many times, save and load as .npz."""

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

    @property
    def n_docs(self) -> int:
        return int(self.doc_len.shape[0])

    @property
    def n_terms(self) -> int:
        return len(self.vocab)

    @classmethod
    def build(
        cls, corpus: Iterable[Sequence[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25
    ) -> BM25Index:
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        lengths: list[int] = []
        for tokens in corpus:
            setdefault = vocab.setdefault
            term_ids.extend(setdefault(t, len(vocab)) for t in tokens)
            lengths.append(len(tokens))
        n = len(lengths)
        doc_len = np.asarray(lengths, dtype=np.int32)
        if n == 0 or not vocab:
            empty = np.zeros(0)
            return cls(
                vocab,
                np.zeros(len(vocab) + 1, np.int64),
                empty.astype(np.int32),
                empty,
                doc_len,
                np.zeros(len(vocab)),
                {"k1": k1, "b": b, "epsilon": epsilon},
            )
        tids = np.asarray(term_ids, dtype=np.int64)
        dids = np.repeat(np.arange(n, dtype=np.int64), doc_len)
        keys, tf = np.unique(tids * n + dids, return_counts=True)
        terms = keys // n
        docs = (keys % n).astype(np.int32)
        offsets = np.searchsorted(terms, np.arange(len(vocab) + 1)).astype(np.int64)
        df = np.diff(offsets).astype(np.float64)
        idf = np.log(n - df + 0.5) - np.log(df + 0.5)
        # rank-bm25 replaces a negative idf by ε times the mean idf of all terms.
        idf = np.where(idf < 0, epsilon * idf.mean(), idf)
        avgdl = float(doc_len.sum()) / n
        tf = tf.astype(np.float64)
        dl = doc_len[docs].astype(np.float64)
        weights = idf[terms] * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl)))
        return cls(vocab, offsets, docs, weights, doc_len, idf, {"k1": k1, "b": b, "epsilon": epsilon})

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

    def top(self, query: Sequence[str], k: int = 10, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """The ``k`` best (doc, score) pairs; ``allowed`` is an optional boolean mask of docs.

        Work is proportional to the postings of the query's terms: scores are
        added into a zero-filled buffer that the OS allocates lazily, and only
        the documents that were touched are ranked.
        """
        counts = Counter(t for t in query if t in self.vocab)
        if not counts or k <= 0:
            return []
        acc = np.zeros(self.n_docs, dtype=np.float64)
        touched: list[np.ndarray] = []
        for term, mult in counts.items():
            d, w = self.postings(term)
            acc[d] += w * mult
            touched.append(d)
        # A document appears once per matching term; ranking the concatenation
        # and keeping k·terms entries still yields k distinct documents, with
        # no sort of the whole candidate set.
        cand = touched[0] if len(touched) == 1 else np.concatenate(touched)
        if allowed is not None:
            cand = cand[allowed[cand]]
        if cand.size == 0:
            return []
        keep = k * len(touched)
        if cand.size > keep:
            cand = cand[np.argpartition(-acc[cand], keep - 1)[:keep]]
        cand = np.unique(cand)
        scores = acc[cand]
        order = np.lexsort((cand, -scores))[:k]
        return [(int(cand[i]), float(scores[i])) for i in order]

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """Scores of every document, as rank-bm25's ``get_scores`` returns them."""
        acc = np.zeros(self.n_docs, dtype=np.float64)
        for term, mult in Counter(query).items():
            d, w = self.postings(term)
            acc[d] += w * mult
        return acc

    # --- persistence -----------------------------------------------------

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        terms = list(self.vocab)
        meta = json.dumps({"format": FORMAT, "params": self.params, "terms": terms}, ensure_ascii=False)
        return {
            f"{prefix}meta": np.frombuffer(meta.encode("utf-8"), dtype=np.uint8),
            f"{prefix}offsets": self.offsets,
            f"{prefix}docs": self.docs,
            f"{prefix}weights": self.weights,
            f"{prefix}doc_len": self.doc_len,
            f"{prefix}idf": self.idf,
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray] | np.lib.npyio.NpzFile, prefix: str) -> BM25Index:
        meta = json.loads(bytes(arrays[f"{prefix}meta"]).decode("utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"unknown index format {meta.get('format')!r}")
        terms = meta["terms"]
        index = cls(
            {t: i for i, t in enumerate(terms)},
            arrays[f"{prefix}offsets"],
            arrays[f"{prefix}docs"],
            arrays[f"{prefix}weights"],
            arrays[f"{prefix}doc_len"],
            arrays[f"{prefix}idf"],
            meta["params"],
        )
        if index.offsets.shape[0] != len(terms) + 1 or int(index.offsets[-1]) != index.docs.shape[0]:
            raise ValueError("inconsistent index arrays")
        return index

    def save(self, path: Path) -> None:
        buf = io.BytesIO()
        np.savez(buf, **self.to_arrays(""))
        path.write_bytes(buf.getvalue())

    @classmethod
    def load(cls, path: Path) -> BM25Index:
        with np.load(path, allow_pickle=False) as data:
            return cls.from_arrays({k: data[k] for k in data.files}, "")
