"""Exact phrases without scanning the corpus: character-bigram postings of the folded text.

Every paragraph is listed under each distinct pair of adjacent folded
characters it holds (the last character is paired with an end mark, so a
one-character phrase has postings too).  A phrase's candidates are the
intersection of its bigrams' lists, rarest first — after two or three lists
only a handful of paragraphs remain — and each candidate is confirmed with
``str.find`` on its own folded text.  The answer is exactly what a scan of
the whole corpus would give, at the cost of a few short lists.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .postings import PostingsBuilder, above_sample, in_sorted, sorted_unique
from .store import TextColumn, open_array, save_array

_SHIFT = np.uint64(21)  # code points need 21 bits; two make a 42-bit key
_END = 0  # the end mark after each paragraph; NUL never survives ingestion
ENOUGH = 32  # candidates few enough to check in the text rather than intersect further
# Postings that :meth:`BigramIndex.closest` counts at most.  On the 1M bench corpus (200 queries):
# 9.18 ms a query with no budget, 7.57 ms at 200,000, the same top-10 for every query; at 100,000
# three top-10s changed.  Below a few hundred thousand paragraphs no query reaches it.
CLOSE_POSTINGS = 200_000


def bigram_keys(text: str) -> np.ndarray:
    """The distinct bigram keys of one folded string (its last character paired with the end mark)."""
    codes = np.frombuffer((text + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return sorted_unique((codes[:-1] << _SHIFT) | codes[1:])


def chunk_postings(texts: Sequence[str], first: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (key, position) pairs for paragraphs ``first …`` — the unit a build worker returns."""
    if not texts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int32)
    joined = "\x00".join(texts) + "\x00"
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    local = np.repeat(np.arange(len(texts), dtype=np.uint64), lengths)
    keep = codes[:-1] != _END  # a pair starting at the separator spans two paragraphs
    keys = ((codes[:-1] << _SHIFT) | codes[1:])[keep]
    # Key and local position in one integer: 42 + 20 bits.  Chunks stay far below 2**20 paragraphs.
    packed = sorted_unique((keys << np.uint64(20)) | local[:-1][keep])
    return packed >> np.uint64(20), (packed & np.uint64(0xFFFFF)).astype(np.int32) + np.int32(first)


_local = threading.local()


def _count_buffer(top: int, longest: int) -> tuple[np.ndarray, np.ndarray]:
    """The thread's zeroed ``uint8`` count buffer over positions ``0 … top−1``, and ``longest`` ones to add."""
    buf = getattr(_local, "counts", None)
    if buf is None or buf.shape[0] < top:
        buf = _local.counts = np.zeros(top, np.uint8)
    return buf, np.ones(longest, np.uint8)


def count_positions(cand: np.ndarray | Sequence[np.ndarray], k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(concatenate(cand), return_counts=True)`` for lists of distinct non-negative positions.

    The rarest bigrams of a common phrase still list a third of a large
    corpus; sorting those postings cost milliseconds.  Long lists are counted
    instead, into a reused per-thread ``uint8`` buffer (each list holds a
    position at most once, so a count never exceeds the number of lists);
    ``np.add.at`` with an array of ones of the buffer's own type is numpy's
    fast path.  Both ways give the same arrays, so what is ranked from them
    does not change.  With ``k`` > 0 a buffer count may leave out positions
    that cannot be among the ``k`` most counted (:func:`above_sample`):
    reading back every position seen (half a million at 1M paragraphs) is
    what cost time.
    """
    lists = [cand] if isinstance(cand, np.ndarray) else list(cand)
    total = sum(c.shape[0] for c in lists)
    if total == 0:
        return np.zeros(0, lists[0].dtype if lists else np.int64), np.zeros(0, np.int64)
    top = max(int(c.max()) for c in lists if c.shape[0]) + 1
    if total * 16 < top or len(lists) > 255 or isinstance(cand, np.ndarray):
        joined = np.concatenate(lists) if len(lists) > 1 else lists[0]
        if total * 16 < top:
            return np.unique(joined, return_counts=True)
        counts = np.bincount(joined, minlength=top)
        positions = np.flatnonzero(counts != 0)
        return positions.astype(joined.dtype), counts[positions]
    buf, ones = _count_buffer(top, max(c.shape[0] for c in lists))
    view = buf[:top]
    try:
        for c in lists:
            np.add.at(buf, c, ones[: c.shape[0]])
        positions = above_sample(view, k) if k > 0 else np.flatnonzero(view != 0)
        counts = view[positions].astype(np.int64)
    finally:
        view[:] = 0
    return positions.astype(np.result_type(*[c.dtype for c in lists])), counts


def most_counted(lists: Sequence[np.ndarray], k: int) -> np.ndarray:
    """The ``k`` positions found in the most of ``lists`` (each a list of distinct positions), most first.

    Ties at the k-th count go to the lower positions, so the answer does not
    depend on how the counts were gathered.
    """
    if k <= 0:
        return np.zeros(0, lists[0].dtype if lists else np.int64)
    bounded = _bounded_counts(list(lists), k)
    positions, counts = bounded if bounded is not None else count_positions(list(lists), k)
    if positions.shape[0] > k:
        cut = positions.shape[0] - k
        kth = np.partition(counts, cut)[cut]
        above = np.flatnonzero(counts > kth)
        tied = np.flatnonzero(counts == kth)[: k - above.shape[0]]  # positions ascend: the lowest ones
        keep = np.concatenate([above, tied])
        positions, counts = positions[keep], counts[keep]
    return positions[np.lexsort((positions, -counts))]


# A list longer than this share of the positions is only looked up when the counts allow (MaxScore).
LOOKUP_SHARE = 32
BOUNDED_POSTINGS = 400_000  # below this, counting every posting is faster than bounding (measured at 100K and 1M)


def _bounded_counts(lists: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Every position that can be among the ``k`` most counted, with its exact count — or None.

    As :func:`retrieval.index._bounded_top` does for BM25 (MaxScore), with a
    weight of one per list: the short lists are counted into the buffer, the
    best of those positions looked up in the long lists give a floor for the
    k-th count, and a position in no short list is counted at most once per
    long list.  When that is below the floor, only the positions whose short
    count plus the long lists still to look up can reach it are looked up.
    """
    total = sum(c.shape[0] for c in lists)
    if total <= BOUNDED_POSTINGS or len(lists) > 255:
        return None
    top = max(int(c[-1]) for c in lists if c.shape[0]) + 1
    limit = top // LOOKUP_SHARE
    short = [c for c in lists if c.shape[0] <= limit]
    long_ = [c for c in lists if c.shape[0] > limit]
    if not short or not long_:
        return None
    buf, ones = _count_buffer(top, max(c.shape[0] for c in short))
    try:
        for c in short:
            np.add.at(buf, c, ones[: c.shape[0]])
        joined = np.concatenate(short) if len(short) > 1 else short[0]
        partial = buf[joined].astype(np.int64)
    finally:
        for c in short:
            buf[c] = 0
    # A position appears once per short list: the k·lists best entries hold k distinct positions.
    keep = min(k * len(short), joined.shape[0])
    best = np.argpartition(-partial, keep - 1)[:keep]
    first, at = np.unique(joined[best], return_index=True)
    if first.shape[0] < k:
        return None
    known = partial[best][at] + sum(in_sorted(c, first).astype(np.int64) for c in long_)
    floor = int(np.partition(known, first.shape[0] - k)[first.shape[0] - k])
    left = len(long_)
    if left >= floor:
        return None
    alive = partial >= floor - left
    cand, at = np.unique(joined[alive], return_index=True)
    counts = partial[alive][at]
    for c in long_:
        counts = counts + in_sorted(c, cand)
        left -= 1
        alive = counts >= floor - left
        cand, counts = cand[alive], counts[alive]
    return cand.astype(np.result_type(*[c.dtype for c in lists])), counts


class BigramIndex:
    """Mapped bigram postings: ``keys`` (sorted uint64), ``offsets`` (int64) and ``docs`` (int32)."""

    PREFIX = "bigram_"

    def __init__(self, keys: np.ndarray, offsets: np.ndarray, docs: np.ndarray) -> None:
        if offsets.shape[0] != keys.shape[0] + 1 or (offsets.shape[0] and int(offsets[-1]) != docs.shape[0]):
            raise ValueError("bigram index arrays disagree")
        self.keys, self.offsets, self.docs = keys, offsets, docs

    @classmethod
    def write(cls, builder: PostingsBuilder, folder: Path) -> None:
        keys = builder.universe().astype(np.uint64)
        save_array(folder, f"{cls.PREFIX}keys", keys)
        builder.write(folder, cls.PREFIX, keys)

    @classmethod
    def open(cls, folder: Path) -> BigramIndex:
        return cls(
            open_array(folder, f"{cls.PREFIX}keys", np.uint64),
            open_array(folder, f"{cls.PREFIX}offsets", np.int64),
            open_array(folder, f"{cls.PREFIX}docs", np.int32),
        )

    def _list(self, key: np.uint64) -> np.ndarray:
        i = int(np.searchsorted(self.keys, key))
        if i == self.keys.shape[0] or self.keys[i] != key:
            return self.docs[:0]
        return self.docs[int(self.offsets[i]) : int(self.offsets[i + 1])]

    def _spans(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each key's postings start and end in ``docs`` (0, 0 when absent), one binary search for all."""
        n = self.keys.shape[0]
        if n == 0:
            empty = np.zeros(keys.shape[0], np.int64)
            return empty, empty
        at = np.minimum(np.searchsorted(self.keys, keys), n - 1)
        ok = self.keys[at] == keys
        return np.where(ok, self.offsets[at], 0), np.where(ok, self.offsets[at + 1], 0)

    def _lists(self, keys: np.ndarray) -> list[np.ndarray]:
        """:meth:`_list` of many keys (a query has dozens of bigrams)."""
        starts, ends = self._spans(keys)
        docs = self.docs
        return [docs[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]

    def _list_sizes(self, keys: np.ndarray) -> np.ndarray:
        """How many postings each of ``keys`` has (0 for a bigram the corpus lacks)."""
        starts, ends = self._spans(keys)
        return ends - starts

    def candidates(self, phrase: str) -> np.ndarray:
        """Positions (ascending) that hold every bigram of ``phrase``: a superset of its occurrences."""
        if not phrase:
            return self.docs[:0]
        if len(phrase) == 1:
            # Every occurrence of a character starts some pair, so the union of
            # the pairs that start with it is exact.
            c = np.uint64(ord(phrase))
            lo = int(np.searchsorted(self.keys, c << _SHIFT))
            hi = int(np.searchsorted(self.keys, (c + np.uint64(1)) << _SHIFT))
            union = self.docs[int(self.offsets[lo]) : int(self.offsets[hi])]
            if union.shape[0] == 0:
                return union
            # A mark per paragraph: linear, where np.unique would sort millions of postings.
            mask = np.zeros(int(union.max()) + 1, dtype=bool)
            mask[union] = True
            return np.flatnonzero(mask)
        lists = self._phrase_lists(phrase)
        return _intersect(lists[0], lists[1:], ENOUGH)

    def _phrase_lists(self, phrase: str) -> list[np.ndarray]:
        """The postings of a phrase's distinct bigrams (two characters or more), shortest first."""
        codes = np.frombuffer(phrase.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        return sorted(self._lists(sorted_unique((codes[:-1] << _SHIFT) | codes[1:])), key=len)

    def _candidate_chunks(self, phrase: str, size: int) -> Iterator[np.ndarray]:
        """:meth:`candidates` in ascending pieces, for a caller that needs only the first few matches.

        The shortest list is cut into pieces (doubling in size) and each piece
        is intersected with the others on its own: "人大工作" at a million
        paragraphs has 400,000 candidates, of which a capped look-up reads a
        few hundred.
        """
        if len(phrase) < 2:
            yield self.candidates(phrase)
            return
        lists = self._phrase_lists(phrase)
        first, others = lists[0], lists[1:]
        if first.shape[0] <= 8 * size:
            yield _intersect(first, others, ENOUGH)  # short enough to intersect whole
            return
        at = 0
        while at < first.shape[0]:
            yield _intersect(first[at : at + size], others, ENOUGH)
            at += size
            size *= 2

    def closest(self, text: str, k: int, allowed: np.ndarray | None = None, lists: int = 16) -> np.ndarray:
        """The ``k`` positions holding the most of ``text``'s distinct bigrams (rarest ``lists`` of them).

        A half-remembered formula shares most of its characters' pairs with the
        true wording.  Only the rarest pairs are counted: a common pair (人大)
        says little and its list is long, so the cost stays that of a few short lists.
        """
        empty = np.zeros(0, np.int64)
        if len(text) < 2:
            return empty
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        keys = sorted_unique((codes[:-1] << _SHIFT) | codes[1:])
        # Only the rarest lists are read: chosen by size first (a joined library maps each list it reads).
        sizes = self._list_sizes(keys)
        order = np.argsort(sizes, kind="stable")[np.count_nonzero(sizes == 0) :][:lists]
        if order.shape[0]:
            # The rarest pairs up to a budget of postings (the rarest one always): at a million
            # paragraphs every pair of a plain question is common, and counting them all cost more
            # than the rest of the search path.
            within = np.cumsum(sizes[order]) <= CLOSE_POSTINGS
            within[0] = True
            order = order[within]
        rare = keys[order]
        found = sorted((f for f in self._lists(rare) if f.shape[0]), key=len)
        if not found:
            return empty
        if allowed is not None:
            found = [f[allowed[f]] for f in found]
        if not any(f.shape[0] for f in found):
            return np.zeros(0, found[0].dtype)
        return most_counted(found, k)

    def find(
        self,
        phrase: str,
        texts: TextColumn,
        limit: int | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[int, int]]:
        """Every (position, offset) where ``phrase`` occurs, in corpus order; at most ``limit`` positions."""
        if limit is None:
            chunks: Iterable[np.ndarray] = [self.candidates(phrase)]
        else:
            # "Does the corpus write it at all?" (limit 1) reads the first few candidates, not all of them.
            chunks = self._candidate_chunks(phrase, max(64, 2 * limit))
        out: list[tuple[int, int]] = []
        found: set[int] = set()
        for cand in chunks:
            if allowed is not None:
                cand = cand[allowed[cand]]
            got = verify(phrase, cand.tolist(), texts, None if limit is None else limit - len(found))
            out += got
            found.update(pos for pos, _ in got)
            if limit is not None and len(found) >= limit:
                break
        return out

    def candidates_of(
        self, phrases: Sequence[str], allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, list[bytes]]:
        """Positions (ascending) that may hold every one of ``phrases``, and the UTF-8 needles still to check.

        A phrase of one or two characters needs no check (its bigram list is
        exact); a candidate holds them all when it holds every needle.
        """
        cand: np.ndarray | None = None
        for phrase in phrases:
            c = self.candidates(phrase)
            cand = c if cand is None else np.intersect1d(cand, c, assume_unique=True)
        if cand is None:
            return np.zeros(0, np.int64), []
        if allowed is not None:
            cand = cand[allowed[cand]]
        return cand, [p.encode("utf-8") for p in phrases if len(p) > 2]

    def positions(
        self, phrases: Sequence[str], texts: TextColumn, limit: int | None = None, allowed: np.ndarray | None = None
    ) -> np.ndarray:
        """Positions (ascending) holding every one of ``phrases``; at most ``limit`` of them.

        The candidates of all phrases are intersected before any text is
        read, and a phrase of one or two characters needs no check at all:
        its bigram list is exact.
        """
        checks = [p.encode("utf-8") for p in phrases if len(p) > 2]
        if limit is not None and len(phrases) == 1 and checks:
            # A capped look-up of one phrase (the verbatim-run candidates):
            # candidates are produced and checked piece by piece, in order,
            # until enough are found — the same first ``limit`` positions.
            chunks: Iterable[np.ndarray] = self._candidate_chunks(phrases[0], max(64, 2 * limit))
        else:
            cand, checks = self.candidates_of(phrases, allowed)
            if not checks:
                return np.asarray(cand[:limit] if limit is not None else cand, dtype=np.int64)
            chunks = [cand]
            allowed = None  # applied already
        out: list[int] = []
        for cand in chunks:
            if allowed is not None:
                cand = cand[allowed[cand]]
            for pos in cand.tolist():
                if all(texts.contains(pos, needle) for needle in checks):
                    out.append(pos)
                    if limit is not None and len(out) >= limit:
                        return np.asarray(out, dtype=np.int64)
        return np.asarray(out, dtype=np.int64)


def _intersect(cand: np.ndarray, others: Sequence[np.ndarray], enough: int) -> np.ndarray:
    """The candidates also in every other sorted list — or a superset, once ``enough`` or fewer remain.

    Membership of the few candidates in a longer sorted list is a binary
    search each, never a pass over the longer list.  Every caller checks the
    phrase in the text itself, so stopping early changes no answer: reading a
    few dozen texts costs less than binary searches in dozens more lists (a
    long question has as many bigrams as characters).
    """
    cand = np.asarray(cand)
    for other in others:
        if cand.shape[0] <= enough:
            break
        at = np.searchsorted(other, cand)
        at[at == other.shape[0]] = 0
        cand = cand[other[at] == cand]
    return cand


def verify(phrase: str, candidates: list[int], texts: TextColumn, limit: int | None = None) -> list[tuple[int, int]]:
    """The occurrences of ``phrase`` in the candidate positions (ascending), at most ``limit`` positions."""
    out: list[tuple[int, int]] = []
    needle = phrase.encode("utf-8")
    found = 0
    for pos in candidates:
        if not texts.contains(pos, needle):
            continue
        text = texts[pos]
        at = text.find(phrase)
        while at >= 0:
            out.append((pos, at))
            at = text.find(phrase, at + 1)
        found += 1
        if limit is not None and found >= limit:
            break
    return out
