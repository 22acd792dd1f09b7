"""On-disk columns for the index: arrays as .npy files opened with mmap, texts as one UTF-8 blob.

A cold start must not read a million paragraphs into Python objects: every
column here is mapped, not loaded, so opening costs a few system calls and a
paragraph is decoded only when a query shows it.  Writers stream (a column
is appended to chunk by chunk and never held whole), so building needs no
more memory than one chunk.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

_HEADER_SIZE = 128  # a fixed .npy v1.0 header, rewritten with the real shape when a column is closed


def save_array(folder: Path, name: str, array: np.ndarray) -> None:
    """Write one array as ``name.npy`` (written whole; for arrays that fit in memory)."""
    np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def open_array(folder: Path, name: str, dtype: np.dtype | type, ndim: int = 1) -> np.ndarray:
    """Map ``name.npy`` read-only; a missing, truncated or foreign file raises ``ValueError``."""
    path = folder / f"{name}.npy"
    try:
        arr = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"{path.name}: {exc}") from exc
    if arr.dtype != np.dtype(dtype) or arr.ndim != ndim:
        raise ValueError(f"{path.name}: expected {np.dtype(dtype)} with {ndim} dimension(s), found {arr.dtype}")
    # A plain ndarray view of the mapping: np.memmap's own __getitem__ costs
    # microseconds per element, which adds up over a query's look-ups.
    return arr.view(np.ndarray)


def _npy_header(dtype: np.dtype, length: int) -> bytes:
    body = f"{{'descr': '{dtype.str}', 'fortran_order': False, 'shape': ({length},), }}"
    pad = _HEADER_SIZE - 10 - len(body) - 1
    return b"\x93NUMPY\x01\x00" + (_HEADER_SIZE - 10).to_bytes(2, "little") + body.encode("latin1") + b" " * pad + b"\n"


class ArrayWriter:
    """A one-dimensional .npy column written chunk by chunk; its length is known only at the end."""

    def __init__(self, folder: Path, name: str, dtype: np.dtype | type) -> None:
        self.path = folder / f"{name}.npy"
        self.dtype = np.dtype(dtype)
        self.length = 0
        self._fh: BinaryIO = self.path.open("wb")
        self._fh.write(b"\0" * _HEADER_SIZE)

    def append(self, values: np.ndarray) -> None:
        arr = np.ascontiguousarray(values, dtype=self.dtype)
        self._fh.write(arr.tobytes())
        self.length += int(arr.shape[0])

    def close(self) -> None:
        self._fh.seek(0)
        self._fh.write(_npy_header(self.dtype, self.length))
        self._fh.close()


class TextWriter:
    """Strings appended to one UTF-8 blob, with an int64 offsets column (``name.bin`` + ``name_off.npy``)."""

    def __init__(self, folder: Path, name: str) -> None:
        self._fh = (folder / f"{name}.bin").open("wb")
        self._offsets = ArrayWriter(folder, f"{name}_off", np.int64)
        self._offsets.append(np.zeros(1, np.int64))
        self._at = 0

    def extend(self, texts: Iterable[str]) -> None:
        encoded = [t.encode("utf-8") for t in texts]
        if not encoded:
            return
        ends = self._at + np.cumsum([len(b) for b in encoded], dtype=np.int64)
        self._fh.write(b"".join(encoded))
        self._offsets.append(ends)
        self._at = int(ends[-1])

    def close(self) -> None:
        self._fh.close()
        self._offsets.close()


class TextColumn:
    """Read-only sequence of strings over a mapped UTF-8 blob: ``column[i]`` decodes one string."""

    def __init__(self, folder: Path, name: str) -> None:
        self.offsets = open_array(folder, f"{name}_off", np.int64)
        path = folder / f"{name}.bin"
        size = path.stat().st_size
        if self.offsets.shape[0] < 1 or int(self.offsets[-1]) != size:
            raise ValueError(f"{path.name}: offsets disagree with the blob's size")
        self._n = int(self.offsets.shape[0]) - 1
        self._mm: mmap.mmap | bytes = b""
        if size:
            with path.open("rb") as fh:
                self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> str:
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(i)
        return self._mm[int(self.offsets[i]) : int(self.offsets[i + 1])].decode("utf-8")

    def __iter__(self) -> Iterator[str]:
        for i in range(self._n):
            yield self[i]

    def many(self, positions: Sequence[int]) -> list[str]:
        """Strings at ``positions`` (in that order): one offsets look-up for all, then a decode each.

        Ranking reads a hundred candidates a query; indexing the offsets
        column one numpy scalar at a time cost more than the decoding.
        """
        idx = np.asarray(positions, dtype=np.int64)
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= self._n):
            raise IndexError("position out of range")
        starts, ends = self.offsets[idx].tolist(), self.offsets[idx + 1].tolist()
        mm = self._mm
        return [mm[s:e].decode("utf-8") for s, e in zip(starts, ends, strict=True)]

    def contains(self, i: int, needle: bytes) -> bool:
        """Whether string ``i`` holds ``needle`` (UTF-8), searched in the mapping without decoding.

        UTF-8 never matches inside a character, so a byte match is a match.
        """
        s, e = int(self.offsets[i]), int(self.offsets[i + 1])
        return self._mm.find(needle, s, e) >= 0


def replace_dir(new: Path, target: Path) -> None:
    """Put a freshly written folder in ``target``'s place; readers that mapped the old files keep them."""
    old = target.with_name(f"{target.name}.old.{os.getpid()}")
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    if old.exists():
        for f in old.iterdir():
            f.unlink(missing_ok=True)
        old.rmdir()
