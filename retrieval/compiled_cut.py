"""The analyzer's clause cut in compiled code, on jieba's own dictionary and HMM: the same words, about 4× faster.

Segmenting is most of a build (about 70 % of it on text that does not
repeat), and jieba's route search and its HMM for unknown runs are pure
Python.  jieba-fast-dat (a C++/pybind11 port of jieba; wheels for x86_64
CPython 3.11–3.13) implements the same two algorithms — the
maximum-probability route over the DAG of dictionary words, and the B/M/E/S
Viterbi for runs of single characters — but ships its own dictionary and
model files, which differ from jieba 0.42.1's.  So the compiled code is fed
jieba's data, not its own: the double-array trie is built from the
analyzer's frequency table (jieba's dictionary plus the corpus's domain
terms), the HMM from ``jieba.finalseg``'s tables, and jieba's total is
passed with every call.  Its route arithmetic is jieba's to the bit; where
two routes score exactly alike it keeps the shorter word, jieba the longer,
so the analyzer's own route (``_FastTokenizer.route``) keeps the shorter one
too — a choice that changes no paragraph of the seeds and no question of the
eval sets, and makes the two paths one function.  Only clauses of Chinese
characters go this way: jieba's HMM splits digits, Latin letters, ``.`` and
``%`` with its own regular expressions (``3.3`` stays one token), which the
port does differently.  A test compares the two paths on the seeds and on
spliced text (measured once over the 1,025,673 distinct runs of a 100K
spliced corpus: all equal); where the wheel is missing the Python path
gives the same index.

The query path does not use it: building the trie costs about 0.15 s and a
question is a few clauses, so only the build's workers switch it on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

# What the compiled cut segments exactly as jieba does: clauses of CJK
# characters only (jieba's re_han range), nothing its HMM's re_skip handles.
_ONLY_HAN = re.compile("[\u4e00-\u9fd5]+")


@cache
def _extension() -> Any | None:  # the compiled module (no type information)
    """The compiled functions given jieba's HMM, imported on first use (the query path never pays for it).

    None where the wheel is missing: an optional accelerator, without which
    every clause takes the Python path.
    """
    try:
        from jieba_fast_dat import _jieba_fast_dat_functions_py3 as cpp
    except ImportError:
        return None
    from jieba import finalseg

    # jieba's own start, transition and emission tables, not the port's copies.
    cpp.load_finalseg_hmm_model(finalseg.start_P, finalseg.trans_P, finalseg.emit_P)
    return cpp


def available() -> bool:
    return _extension() is not None


class CompiledCut:
    """The clause cut of one frozen dictionary; rebuild it when the dictionary changes."""

    def __init__(self, freq: Mapping[str, int], total: int) -> None:
        cpp = _extension()
        if cpp is None:
            raise RuntimeError("jieba-fast-dat is not installed")
        self._cut = cpp._cut_DAG_cpp
        self._dat = cpp.DatTrie()
        # Prefix entries (frequency 0) are what a trie holds anyway.
        self._dat.build([(word, f) for word, f in freq.items() if f])
        self._total = float(total)

    @staticmethod
    def takes(clause: str) -> bool:
        """Whether the compiled cut gives the analyzer's words for this clause: Chinese characters only."""
        return _ONLY_HAN.fullmatch(clause) is not None

    def __call__(self, clause: str) -> list[str]:
        return self._cut(self._dat, clause, self._total)
