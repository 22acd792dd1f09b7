"""One built folder of the index (a segment), and the view that joins a base segment with a small delta.

A library is one immutable segment, or — after documents were added or
removed — the base segment, a small delta segment holding the added
documents, and the list of base documents that are gone (Lucene's segments
and deleted-docs set).  The joined view numbers paragraphs exactly as a full
rebuild would (documents in file-name order) and scores BM25 with the
statistics of the live documents only (N, average length, document
frequencies, the ε-floor), from the stored term frequencies, so its results
equal a full rebuild's.  When the delta grows, a full rebuild merges it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from .build import PARA_COLUMNS
from .index import PREFIX, BM25Index, Terms, multipliers
from .model import Paragraph
from .phrase import BigramIndex
from .store import TextColumn, open_array

CACHE_BYTES = 256 * 1024 * 1024  # weighed postings a joined index keeps
# Merged bigram lists a joined library keeps: a question's closeness counts read the lists of its
# bigrams, and the common ones (人大, 代表) list most paragraphs, which each query otherwise mapped
# to global positions and merged again (2.5 ms a query at 1M paragraphs with a 2,000-paragraph delta).
PHRASE_CACHE_BYTES = 128 * 1024 * 1024


class ArrayCache:
    """Arrays computed per key, kept up to a byte budget and cleared whole when it is reached.

    What a joined view computes per term or bigram (mapped, merged, weighed)
    is the same for every query until the library changes, and the lists
    that cost most are the common words' and bigrams', which nearly every
    query reads again.  Clearing the whole cache when full (rather than
    evicting one by one) costs nothing per hit; the hot keys come back at once.
    """

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._items: dict = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: object) -> tuple[np.ndarray, ...] | None:
        return self._items.get(key)

    def put(self, key: object, arrays: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
        size = sum(a.nbytes for a in arrays)
        with self._lock:
            if self._bytes + size > self.budget:
                self._items.clear()
                self._bytes = 0
            self._items[key] = arrays
            self._bytes += size
        return arrays


class Segment:
    """The mapped columns of one built folder; positions are local to it."""

    def __init__(self, folder: Path, manifest: dict) -> None:
        self.folder = folder
        self.build_id = str(manifest.get("build_id", ""))
        for name, (size, mtime_ns) in manifest.get("columns", {}).items():
            st = (folder / name).stat()
            if st.st_size != size or st.st_mtime_ns != mtime_ns:
                raise ValueError(f"index file {name} changed since the build")
        self.index = BM25Index.open(folder, manifest["params"])
        self.tf = open_array(folder, f"{PREFIX}tf", np.uint16)
        self.phrases = BigramIndex.open(folder)
        self.folded = TextColumn(folder, "folded")
        self.texts = TextColumn(folder, "text")
        self.sections = TextColumn(folder, "sections")
        cols = {name: open_array(folder, f"para_{name}", np.int32) for name in PARA_COLUMNS}
        self.doc_of = cols["doc"]
        self.line_start, self.line_end = cols["line_start"], cols["line_end"]
        self.article, self.section = cols["article"], cols["section"]
        self.fwd_ids = open_array(folder, "fwd_ids", np.int32)
        self.fwd_starts = open_array(folder, "fwd_starts", np.int32)
        self.fwd_off = open_array(folder, "fwd_off", np.int64)
        # What each paragraph inherits (folded), read by ranking per candidate.
        self.contexts = TextColumn(folder, "contexts")
        self.context_of = open_array(folder, "para_context", np.int32)
        n = int(manifest["paragraphs"])
        if not (
            len(self.folded) == len(self.texts) == self.index.n_docs == n == self.fwd_off.shape[0] - 1
            and all(c.shape[0] == n for c in cols.values())
            and int(self.fwd_off[-1]) == self.fwd_ids.shape[0] == self.fwd_starts.shape[0]
            and self.tf.shape == self.index.docs.shape
            and self.context_of.shape[0] == n
        ):
            raise ValueError("index columns disagree with the manifest")
        self.doc_meta: list[dict] = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        if len(self.doc_meta) != manifest["documents"] or sum(d["count"] for d in self.doc_meta) != n:
            raise ValueError("documents.json disagrees with the manifest")
        self.n = n

    def paragraph(self, local: int, doc_id: str, number: int) -> Paragraph:
        sec = self.sections[int(self.section[local])]
        return Paragraph(
            doc_id=doc_id,
            number=number,
            text=self.texts[local],
            section=tuple(sec.split("\x1f")) if sec else (),
            line_start=int(self.line_start[local]),
            line_end=int(self.line_end[local]),
            article=int(self.article[local]),
        )


class JoinedColumn:
    """A text column over several segments in global positions (``folded`` of a joined library)."""

    def __init__(self, columns: Sequence[TextColumn], g_seg: np.ndarray, g_local: np.ndarray) -> None:
        self._columns, self._seg, self._local = columns, g_seg, g_local

    def __len__(self) -> int:
        return int(self._seg.shape[0])

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += len(self)
        return self._columns[int(self._seg[i])][int(self._local[i])]

    def __iter__(self) -> Iterator[str]:
        for i in range(len(self)):
            yield self[i]

    def many(self, positions: Sequence[int]) -> list[str]:
        """As :meth:`TextColumn.many`, each segment's strings read in one batch."""
        idx = np.asarray(positions, dtype=np.int64)
        seg, local = self._seg[idx], self._local[idx]
        out: list[str] = [""] * idx.shape[0]
        for s, column in enumerate(self._columns):
            at = np.flatnonzero(seg == s)
            for i, text in zip(at.tolist(), column.many(local[at]), strict=True):
                out[i] = text
        return out

    def contains(self, i: int, needle: bytes) -> bool:
        return self._columns[int(self._seg[i])].contains(int(self._local[i]), needle)


def intact(l2g: np.ndarray) -> bool:
    """Did a segment lose no document (its local → global map has no −1)?  Its lists then need no filtering."""
    return bool(l2g.shape[0] == 0 or l2g.min() >= 0)


def _merge_sorted(parts: list[np.ndarray], *aligned: list[np.ndarray]) -> list[np.ndarray]:
    """Merge ascending position lists, and arrays aligned with them, each shorter one inserted into the longest.

    Each segment's local → global map is increasing, so every part is
    already sorted; the base's list is long and the delta's short, so this
    is a copy, not the sort of the whole concatenation.
    """
    order = sorted(range(len(parts)), key=lambda i: -parts[i].shape[0])
    out = [parts[order[0]], *(a[order[0]] for a in aligned)]
    for i in order[1:]:
        at = np.searchsorted(out[0], parts[i])
        out = [np.insert(o, at, x) for o, x in zip(out, [parts[i], *(a[i] for a in aligned)], strict=True)]
    return out


def _bm25_weights(tf: np.ndarray, norm: np.ndarray, idf: float, k1: float) -> np.ndarray:
    """``idf · tf·(k1+1) / (tf + norm)`` in float32, from the same float64 steps as the build's.

    Computed in place in two float64 arrays: a common term's list at 1M
    paragraphs is 600,000 entries, and every temporary of the plain
    expression was a fresh 5 MB array to fault in.  Each step is the same
    IEEE operation on the same operands (a sum and a product do not depend on
    the order of their two operands), so the weights are bit for bit the same.
    """
    f = tf.astype(np.float64)
    norm += f  # ``norm`` is the caller's own gathered copy
    f *= k1 + 1
    f /= norm
    f *= idf
    return f.astype(np.float32)


def _merge(parts: list[np.ndarray], whole: Sequence[bool]) -> np.ndarray:
    """Ascending global positions from each segment's mapped positions (−1 for removed unless ``whole``)."""
    parts = [p if whole[i] else p[p >= 0] for i, p in enumerate(parts)]
    parts = [p for p in parts if p.shape[0]]
    return _merge_sorted(parts)[0] if parts else np.zeros(0, np.int32)


class JoinedPhrases:
    """Bigram candidates of every segment, in global positions; look-ups as :class:`BigramIndex`'s."""

    def __init__(self, parts: Sequence[tuple[BigramIndex, np.ndarray]]) -> None:
        self._parts = parts  # (segment's bigram index, its local → global positions, −1 for removed)
        self._whole = [intact(l2g) for _, l2g in parts]
        self._cache = ArrayCache(PHRASE_CACHE_BYTES)

    def candidates(self, phrase: str) -> np.ndarray:
        return _merge([l2g[phrases.candidates(phrase)] for phrases, l2g in self._parts], self._whole)

    def _mapped(self, part: int, local: np.ndarray) -> np.ndarray:
        """A segment's local positions in global ones (ascending), without its removed documents."""
        g = self._parts[part][1][local]
        return g if self._whole[part] else g[g >= 0]

    def _lists(self, keys: np.ndarray) -> list[np.ndarray]:
        """Each bigram's postings from every segment, in global positions (ascending); merged once per bigram."""
        held = [self._cache.get(int(k)) for k in keys]
        missing = [i for i, h in enumerate(held) if h is None]
        if missing:
            wanted = keys[missing]
            per_part = [phrases._lists(wanted) for phrases, _ in self._parts]
            for j, i in enumerate(missing):
                mapped = [l2g[found[j]] for (_, l2g), found in zip(self._parts, per_part, strict=True)]
                held[i] = self._cache.put(int(keys[i]), (_merge(mapped, self._whole),))
        return [h[0] for h in held]  # type: ignore[index]

    def _list_sizes(self, keys: np.ndarray) -> np.ndarray:
        """How many live postings each bigram has: summed when no segment lost a document, else counted."""
        if all(self._whole):
            return np.sum([phrases._list_sizes(keys) for phrases, _ in self._parts], axis=0)
        return np.array([found.shape[0] for found in self._lists(keys)], np.int64)

    def _candidate_chunks(self, phrase: str, size: int) -> Iterator[np.ndarray]:
        """:meth:`candidates` in ascending pieces, as :meth:`BigramIndex._candidate_chunks`.

        The largest segment (the base) is read piece by piece, as it would be
        alone; the small ones (the delta) are read whole and each of their
        candidates goes out with the base's piece it falls in.  Yielding the
        whole merge instead intersected every base list in full — "人大工作"
        has 400,000 candidates at a million paragraphs — for a look-up that
        reads a few hundred, and after an upload every question paid for it.
        """
        big = max(range(len(self._parts)), key=lambda i: self._parts[i][1].shape[0])
        small = [self._mapped(i, ph.candidates(phrase)) for i, (ph, _) in enumerate(self._parts) if i != big]
        small = [c for c in small if c.shape[0]]
        pending = _merge_sorted(small)[0] if small else np.zeros(0, np.int64)
        for chunk in self._parts[big][0]._candidate_chunks(phrase, size):
            g = self._mapped(big, chunk)
            if not g.shape[0]:
                continue
            cut = int(np.searchsorted(pending, g[-1], side="right"))
            if cut:
                g, pending = _merge_sorted([g, pending[:cut]])[0], pending[cut:]
            yield g
        if pending.shape[0]:
            yield pending

    candidates_of = BigramIndex.candidates_of
    positions = BigramIndex.positions
    find = BigramIndex.find
    closest = BigramIndex.closest


class JoinedIndex:
    """BM25Okapi over several segments with the live documents' statistics, weights from stored tf.

    Offers what :class:`BM25Index` offers to the rest of the library.
    """

    def __init__(
        self,
        parts: Sequence[tuple[Segment, np.ndarray, np.ndarray]],
        terms: list[str],
        n: int,
        removed_df: np.ndarray | None,
        params: dict[str, float],
    ) -> None:
        """``parts``: (segment, local → global positions, local term id → global term id)."""
        self.params = params
        k1, b, eps = params["k1"], params["b"], params["epsilon"]
        self._parts = parts
        df = np.zeros(len(terms), np.int64)
        total_len = 0
        for seg, l2g, lut in parts:
            df[lut] += np.diff(seg.index.offsets)
            total_len += int(seg.index.doc_len[l2g >= 0].sum(dtype=np.int64))
        if removed_df is not None:
            df[: removed_df.shape[0]] -= removed_df
        live = df > 0
        self._n = n
        self._df = df
        idf = np.zeros(len(terms))
        dfl = df[live].astype(np.float64)
        raw = np.log(n - dfl + 0.5) - np.log(dfl + 0.5)
        if raw.size:
            raw = np.where(raw < 0, eps * raw.mean(), raw)
        idf[live] = raw
        self.idf = idf
        self.vocab = {t: i for i, t in enumerate(terms) if live[i]}
        self._k1, self._b = k1, b
        self._avgdl = total_len / n if n else 1.0
        self._local = threading.local()
        # Global term id → each segment's local id (−1 where the segment lacks it).
        self._g2l = []
        for _seg, _, lut in parts:
            g2l = np.full(len(terms), -1, np.int64)
            g2l[lut] = np.arange(lut.shape[0])
            self._g2l.append(g2l)
        # Each document's length normalisation, k1·(1−b+b·dl/avgdl), as the build computes it (float64).
        self._dl_norm = [k1 * (1 - b + b * seg.index.doc_len.astype(np.float64) / self._avgdl) for seg, _, _ in parts]
        self._whole = [intact(l2g) for _, l2g, _ in parts]
        self._cache = ArrayCache(CACHE_BYTES)
        self._bounds: dict[str, float] = {}

    @property
    def n_docs(self) -> int:
        return self._n

    @property
    def n_terms(self) -> int:
        return len(self.vocab)

    @property
    def n_postings(self) -> int:
        return sum(int(seg.index.docs.shape[0]) for seg, _, _ in self._parts)

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return 0 if tid is None else int(self._df[tid])

    def term_idf(self, term: str) -> float:
        tid = self.vocab.get(term)
        return 0.0 if tid is None else float(self.idf[tid])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Global positions (ascending) and float32 weights of a term's live postings.

        Weights are computed from tf on first use and kept (up to
        ``CACHE_BYTES``), so a delta costs a query little more than the base.
        """
        hit = self._cache.get(term)
        if hit is None:
            hit = self._cache.put(term, self._weigh(term))
        return hit  # type: ignore[return-value]

    def _weigh(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """A term's live postings, weighed as a full rebuild's build would weigh them (same float64 steps)."""
        gid = self.vocab.get(term)
        if gid is None:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        docs, weights = [], []
        idf = self.idf[gid]
        for (seg, l2g, _), g2l, dl_norm, whole in zip(self._parts, self._g2l, self._dl_norm, self._whole, strict=True):
            tid = g2l[gid]
            if tid < 0:
                continue
            s, e = int(seg.index.offsets[tid]), int(seg.index.offsets[tid + 1])
            local, tf = seg.index.docs[s:e], seg.tf[s:e]
            g = l2g[local]
            if not whole:
                keep = g >= 0
                g, local, tf = g[keep], local[keep], tf[keep]
            docs.append(g)
            weights.append(_bm25_weights(tf, dl_norm[local], idf, self._k1))
        if not docs:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        d, w = _merge_sorted(docs, weights)
        return d, w

    def top(
        self, query: Terms, k: int = 10, allowed: np.ndarray | None = None, skip: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """As :meth:`BM25Index.top`, over the joined segments."""
        return BM25Index.top(self, query, k, allowed, skip)  # type: ignore[arg-type]

    def term_bound(self, term: str, weights: np.ndarray) -> float:
        return BM25Index.term_bound(self, term, weights)  # type: ignore[arg-type]

    def _buffer(self) -> np.ndarray:
        buf = getattr(self._local, "acc", None)
        if buf is None or buf.shape[0] != self._n:
            buf = self._local.acc = np.zeros(self._n, dtype=np.float32)
        return buf

    def score_docs(self, query: Terms, positions: np.ndarray) -> np.ndarray:
        return BM25Index.score_docs(self, query, positions)  # type: ignore[arg-type]

    def scores(self, query: Terms) -> np.ndarray:
        acc = np.zeros(self._n, dtype=np.float64)
        for term, mult in multipliers(query).items():
            d, w = self.postings(term)
            np.add.at(acc, d, w.astype(np.float64) * mult)  # as ``acc[d] += …`` (distinct d), faster
        return acc
