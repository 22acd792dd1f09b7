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

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .postings import PostingsBuilder
from .store import TextColumn, open_array, save_array

_SHIFT = np.uint64(21)  # code points need 21 bits; two make a 42-bit key
_END = 0  # the end mark after each paragraph; NUL never survives ingestion


def bigram_keys(text: str) -> np.ndarray:
    """The distinct bigram keys of one folded string (its last character paired with the end mark)."""
    codes = np.frombuffer((text + "\x00").encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    return np.unique((codes[:-1] << _SHIFT) | codes[1:])


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
    packed = np.unique((keys << np.uint64(20)) | local[:-1][keep])
    return packed >> np.uint64(20), (packed & np.uint64(0xFFFFF)).astype(np.int32) + np.int32(first)


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
        codes = np.frombuffer(phrase.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        lists = sorted((self._list(k) for k in np.unique((codes[:-1] << _SHIFT) | codes[1:])), key=len)
        cand = np.asarray(lists[0])
        for other in lists[1:]:
            if cand.shape[0] == 0:
                break
            # Membership of the few candidates in a longer sorted list: a binary
            # search each, never a pass over the longer list.
            at = np.searchsorted(other, cand)
            at[at == other.shape[0]] = 0
            cand = cand[other[at] == cand]
        return cand

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
        found = [self._list(key) for key in np.unique((codes[:-1] << _SHIFT) | codes[1:])]
        found = sorted((f for f in found if f.shape[0]), key=len)[:lists]
        if not found:
            return empty
        cand = np.concatenate(found)
        if allowed is not None:
            cand = cand[allowed[cand]]
        if cand.shape[0] == 0:
            return cand
        positions, counts = np.unique(cand, return_counts=True)
        if positions.shape[0] > k:
            keep = np.argpartition(-counts, k - 1)[:k]
            positions, counts = positions[keep], counts[keep]
        return positions[np.lexsort((positions, -counts))]

    def find(
        self,
        phrase: str,
        texts: TextColumn,
        limit: int | None = None,
        allowed: np.ndarray | None = None,
    ) -> list[tuple[int, int]]:
        """Every (position, offset) where ``phrase`` occurs, in corpus order; at most ``limit`` positions."""
        cand = self.candidates(phrase)
        if allowed is not None:
            cand = cand[allowed[cand]]
        return verify(phrase, cand.tolist(), texts, limit)


    def positions(
        self, phrases: Sequence[str], texts: TextColumn, limit: int | None = None, allowed: np.ndarray | None = None
    ) -> np.ndarray:
        """Positions (ascending) holding every one of ``phrases``; at most ``limit`` of them.

        The candidates of all phrases are intersected before any text is
        read, and a phrase of one or two characters needs no check at all:
        its bigram list is exact.
        """
        cand: np.ndarray | None = None
        for phrase in phrases:
            c = self.candidates(phrase)
            cand = c if cand is None else np.intersect1d(cand, c, assume_unique=True)
        if cand is None:
            return np.zeros(0, np.int64)
        if allowed is not None:
            cand = cand[allowed[cand]]
        checks = [p.encode("utf-8") for p in phrases if len(p) > 2]
        if not checks:
            return np.asarray(cand[:limit] if limit is not None else cand, dtype=np.int64)
        out: list[int] = []
        for pos in cand.tolist():
            if all(texts.contains(pos, needle) for needle in checks):
                out.append(pos)
                if limit is not None and len(out) >= limit:
                    break
        return np.asarray(out, dtype=np.int64)


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
