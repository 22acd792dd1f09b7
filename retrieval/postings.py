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


@dataclass
class _Chunk:
    keys: np.ndarray  # distinct keys of the chunk, sorted
    starts: np.ndarray  # int64, len(keys) + 1: where each key's docs start in ``docs``
    docs: np.ndarray  # int32 global positions, grouped by key, ascending within a key
    values: np.ndarray | None  # per posting (e.g. term frequency), aligned with ``docs``


class PostingsBuilder:
    """Collects (key, doc[, value]) postings chunk by chunk; ``write`` merges them into columns."""

    def __init__(self) -> None:
        self._chunks: list[_Chunk] = []
        self.n_postings = 0

    def add(self, keys: np.ndarray, docs: np.ndarray, values: np.ndarray | None = None) -> None:
        """Add one chunk's postings, already sorted by (key, doc); docs exceed every earlier chunk's."""
        if keys.shape[0] == 0:
            return
        cut = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        starts = np.concatenate(([0], cut, [keys.shape[0]])).astype(np.int64)
        self._chunks.append(_Chunk(keys[starts[:-1]].copy(), starts, docs.astype(np.int32), values))
        self.n_postings += int(keys.shape[0])

    def universe(self) -> np.ndarray:
        """Every distinct key, sorted."""
        if not self._chunks:
            return np.zeros(0, np.uint64)
        return np.unique(np.concatenate([c.keys for c in self._chunks]))

    def write(
        self,
        folder: Path,
        prefix: str,
        keys: np.ndarray,
        value_dtype: np.dtype | type | None = None,
        transform: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None,
    ) -> np.ndarray:
        """Write ``{prefix}docs`` (int32), ``{prefix}offsets`` (int64) and optionally ``{prefix}values``.

        ``keys`` is the sorted key universe (every chunk key must be in it);
        posting lists are laid out in its order.  ``transform(key_ids, docs,
        values)`` turns stored values into the written ones (BM25 weights
        from term frequencies).  Returns the offsets.
        """
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
                part_docs.append(c.docs[s:e])
                if c.values is not None:
                    part_vals.append(c.values[s:e])
            if part_ids:
                ids = np.concatenate(part_ids)
                order = np.argsort(ids, kind="stable")
                ids, block_docs = ids[order], np.concatenate(part_docs)[order]
                docs_out.append(block_docs)
                if values_out is not None:
                    vals = np.concatenate(part_vals)[order] if part_vals else np.zeros(ids.shape[0])
                    values_out.append(transform(ids, block_docs, vals) if transform else vals)
            g0 = g1
        docs_out.close()
        if values_out is not None:
            values_out.close()
        self._chunks.clear()
        return offsets
