"""Postings lists built chunk by chunk and merged into mapped columns without global sorts.

Paragraphs arrive in chunks, in position order.  Each chunk is reduced to
its own sorted (key, doc) pairs — small arrays, the only place a sort
happens — and kept compactly (int32 docs, the keys once per chunk).  The
merge walks the key space in blocks: for each block it takes every chunk's
slice, orders it by key with a stable sort (chunk order is already doc
order) and appends it to the output files.  Neither a global int64 key array
nor the whole output is ever in memory: peak memory is the compact chunks
plus one block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .store import ArrayWriter, save_array

BLOCK_POSTINGS = 4_000_000


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` for integer arrays, by sorting a copy and keeping each first occurrence.

    numpy 2.3+ answers a plain ``np.unique`` from a hash table and then
    sorts the result: 30 times slower than one sort at a few thousand
    values, 40 times at 700,000 (a build chunk's bigram keys: 0.34 s against
    0.009 s).  The result is the same array.
    """
    out = np.sort(values, axis=None)
    if out.shape[0] < 2:
        return out
    keep = np.empty(out.shape[0], dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def looked_up(sorted_positions: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each value, whether ``sorted_positions`` (ascending) holds it, and where those found stand.

    A binary search each: how a postings list is read at a few positions
    (BM25 weights of candidates, MaxScore look-ups, the printed lines).
    """
    at = np.searchsorted(sorted_positions, values)
    ok = at < sorted_positions.shape[0]
    ok[ok] = sorted_positions[at[ok]] == values[ok]
    return ok, at[ok]


def in_sorted(sorted_positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each value, whether it is one of ``sorted_positions`` (ascending)."""
    return looked_up(sorted_positions, values)[0]


def above_sample(values: np.ndarray, k: int, stride: int = 16) -> np.ndarray:
    """Positions whose (non-negative) value is at least the k-th best of every ``stride``-th value.

    The sample's k-th best is at most the k-th best of all, so every position
    that can be among the ``k`` best (ties included) is kept, and about
    ``k·stride`` positions are left to rank instead of every touched one.
    Positions valued zero (untouched) are never returned.  BM25 scores and
    bigram counts both take their top-k through this.
    """
    sample = values[::stride]
    m = sample.shape[0]
    if m > k:
        floor = np.partition(sample, m - k)[m - k]
        if floor > 0:
            return np.flatnonzero(values >= floor)
    return np.flatnonzero(values != 0)  # on a boolean array nonzero is several times faster


@dataclass
class _Chunk:
    keys: np.ndarray  # distinct keys of the chunk, sorted
    starts: np.ndarray  # int64, len(keys) + 1: where each key's docs start in ``docs``
    docs: np.ndarray | Path  # int32 global positions, grouped by key, ascending within a key (or their file)
    values: np.ndarray | Path | None  # per posting (e.g. term frequency), aligned with ``docs``
    value_dtype: np.dtype | None = None

    def doc_slice(self, s: int, e: int) -> np.ndarray:
        return _read(self.docs, np.dtype(np.int32), s, e)

    def value_slice(self, s: int, e: int) -> np.ndarray | None:
        return None if self.values is None else _read(self.values, self.value_dtype, s, e)


def _read(source: np.ndarray | Path, dtype: np.dtype | None, s: int, e: int) -> np.ndarray:
    """A slice of an in-memory array or of a spilled raw file (read, not mapped: it never stays resident)."""
    if isinstance(source, np.ndarray):
        return source[s:e]
    dt = np.dtype(dtype)
    return np.fromfile(source, dtype=dt, count=e - s, offset=s * dt.itemsize)


class PostingsBuilder:
    """Collects (key, doc[, value]) postings chunk by chunk; ``write`` merges them into columns.

    Every ``RUN`` chunks are combined into one run (fewer, larger key lists),
    and with ``spill`` set a run's docs and values go to files in that folder,
    so memory holds only the runs' distinct keys.
    """

    RUN = 16

    def __init__(self, spill: Path | None = None) -> None:
        self._chunks: list[_Chunk] = []
        self._pending: list[_Chunk] = []
        self._spill = spill
        self.n_postings = 0

    def add(self, keys: np.ndarray, docs: np.ndarray, values: np.ndarray | None = None) -> None:
        """Add one chunk's postings, already sorted by (key, doc); docs exceed every earlier chunk's."""
        if keys.shape[0] == 0:
            return
        cut = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        starts = np.concatenate(([0], cut, [keys.shape[0]])).astype(np.int64)
        vdt = values.dtype if values is not None else None
        self._pending.append(_Chunk(keys[starts[:-1]].copy(), starts, docs.astype(np.int32), values, vdt))
        self.n_postings += int(keys.shape[0])
        if len(self._pending) >= self.RUN:
            self._flush()

    def _flush(self) -> None:
        """Combine the pending chunks into one run (a stable sort by key keeps docs ascending)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        keys = np.concatenate([np.repeat(c.keys, np.diff(c.starts)) for c in pending])
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        docs = np.concatenate([c.docs for c in pending])[order]
        values = np.concatenate([c.values for c in pending])[order] if pending[0].values is not None else None
        del order
        cut = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        starts = np.concatenate(([0], cut, [keys.shape[0]])).astype(np.int64)
        distinct = keys[starts[:-1]].copy()
        del keys
        vdt = values.dtype if values is not None else None
        run = _Chunk(distinct, starts, docs, values, vdt)
        if self._spill is not None:
            self._spill.mkdir(parents=True, exist_ok=True)
            i = len(self._chunks)
            run.docs = self._spill / f"run{i}_docs.bin"
            docs.tofile(run.docs)
            if values is not None:
                run.values = self._spill / f"run{i}_values.bin"
                values.tofile(run.values)
        self._chunks.append(run)

    def key_counts(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(distinct keys, postings per key) of every run."""
        self._flush()
        return [(c.keys, np.diff(c.starts)) for c in self._chunks]

    def universe(self) -> np.ndarray:
        """Every distinct key, sorted."""
        self._flush()
        if not self._chunks:
            return np.zeros(0, np.uint64)
        return sorted_unique(np.concatenate([c.keys for c in self._chunks]))

    def write(
        self,
        folder: Path,
        prefix: str,
        keys: np.ndarray,
        value_dtype: np.dtype | type | None = None,
        transform: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
        raw: tuple[str, np.dtype | type] | None = None,
    ) -> np.ndarray:
        """Write ``{prefix}docs`` (int32), ``{prefix}offsets`` (int64) and optionally ``{prefix}values``.

        ``keys`` is the sorted key universe (every chunk key must be in it);
        posting lists are laid out in its order.  ``transform(key_ids, docs,
        values)`` turns stored values into the written ones (BM25 weights
        from term frequencies); ``raw`` = (name, dtype) also writes the stored
        values as ``{prefix}{name}``.  Returns the offsets.
        """
        self._flush()
        counts = np.zeros(keys.shape[0], np.int64)
        gids = []
        for c in self._chunks:
            g = np.searchsorted(keys, c.keys)
            gids.append(g)
            counts[g] += np.diff(c.starts)
        offsets = np.zeros(keys.shape[0] + 1, np.int64)
        np.cumsum(counts, out=offsets[1:])
        save_array(folder, f"{prefix}offsets", offsets)
        docs_out = ArrayWriter(folder, f"{prefix}docs", np.int32)
        values_out = ArrayWriter(folder, f"{prefix}values", value_dtype) if value_dtype is not None else None
        raw_out = ArrayWriter(folder, f"{prefix}{raw[0]}", raw[1]) if raw is not None else None
        g0 = 0
        while g0 < keys.shape[0]:
            g1 = int(np.searchsorted(offsets, offsets[g0] + BLOCK_POSTINGS, side="right")) - 1
            g1 = min(max(g1, g0 + 1), keys.shape[0])
            part_ids, part_docs, part_vals = [], [], []
            for c, g in zip(self._chunks, gids, strict=True):
                lo, hi = np.searchsorted(g, g0), np.searchsorted(g, g1)
                if lo == hi:
                    continue
                s, e = c.starts[lo], c.starts[hi]
                part_ids.append(np.repeat(g[lo:hi], np.diff(c.starts[lo : hi + 1])))
                part_docs.append(c.doc_slice(s, e))
                if c.values is not None:
                    part_vals.append(c.value_slice(s, e))
            if part_ids:
                ids = np.concatenate(part_ids)
                order = np.argsort(ids, kind="stable")
                ids, block_docs = ids[order], np.concatenate(part_docs)[order]
                docs_out.append(block_docs)
                if values_out is not None:
                    vals = np.concatenate(part_vals)[order] if part_vals else np.zeros(ids.shape[0])
                    values_out.append(transform(ids, block_docs, vals) if transform else vals)
                    if raw_out is not None:
                        raw_out.append(vals)
            g0 = g1
        docs_out.close()
        for out in (values_out, raw_out):
            if out is not None:
                out.close()
        self._chunks.clear()
        return offsets
