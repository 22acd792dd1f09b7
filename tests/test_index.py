"""The inverted index scores as rank-bm25's BM25Okapi does, on the seeds' real token lists.

Weights are stored as float32, so scores agree to float32 precision (relative
1e-6) and rankings are identical.
"""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval.analysis import fold
from retrieval.index import BM25Index
from retrieval.library import index_tokens

QUERIES = [
    "四个机关指的是哪四个机关",
    "人民选我当代表",
    "無錫市設立了什麼民主實踐平臺",
    "代表 代表 代表",
    "不存在的词汇组合",
]


@pytest.fixture(scope="module")
def token_lists(library) -> list[list[str]]:
    return index_tokens(library.analyzer, library.documents, library.folded)


def test_index_matches_rank_bm25_on_the_seeds(library, token_lists) -> None:
    reference = BM25Okapi(token_lists)
    index = BM25Index.build(token_lists)
    for q in QUERIES:
        tokens = library.analyzer.tokens(fold(q))
        ours = index.scores(tokens)
        theirs = reference.get_scores(tokens)
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)
        top = index.top(tokens, 10)
        expected = [i for i in np.argsort(-theirs, kind="stable")[:10] if theirs[i] > 0]
        assert len(top) == len(expected)
        assert [d for d, _ in top] == expected
        assert [s for _, s in top] == pytest.approx([theirs[i] for i in expected], rel=1e-6)


def test_library_index_is_built_from_the_same_tokens(library, token_lists) -> None:
    tokens = library.analyzer.tokens(fold("全过程人民民主"))
    np.testing.assert_allclose(library.index.scores(tokens), BM25Okapi(token_lists).get_scores(tokens), rtol=1e-6)


def test_negative_idf_uses_epsilon_floor() -> None:
    docs = [["a", "b"], ["a"], ["a", "c"]]
    np.testing.assert_allclose(BM25Index.build(docs).scores(["a"]), BM25Okapi(docs).get_scores(["a"]), rtol=1e-6)


def test_filter_mask_and_empty_queries() -> None:
    index = BM25Index.build([["x", "y"], ["x"], ["z"]])
    assert [d for d, _ in index.top(["x"], 5)] == [1, 0]
    assert [d for d, _ in index.top(["x"], 5, allowed=np.array([True, False, True]))] == [0]
    assert index.top([], 5) == [] and index.top(["nothing"], 5) == []


def test_score_docs_equals_full_scores_on_the_given_positions(library) -> None:
    tokens = library.analyzer.tokens(fold("代表小组 代表 全过程人民民主"))
    full = library.index.scores(tokens)
    positions = np.array([0, 3, 17, 100, 200, len(full) - 1])
    np.testing.assert_allclose(library.index.score_docs(tokens, positions), full[positions], rtol=1e-12)


def test_top_clears_its_buffer_between_queries(library) -> None:
    a = library.analyzer.tokens(fold("四个机关"))
    first = library.index.top(a, 10)
    library.index.top(library.analyzer.tokens(fold("代表小组")), 10)
    assert library.index.top(a, 10) == first


def test_skipped_positions_are_left_out_without_taking_a_place(library) -> None:
    """``skip`` gives the ranking of the rest: the k best of the documents not skipped, on every path."""
    for q in ("四个机关", "代表小组 代表 全过程人民民主", "人大 工作 的"):  # short lists, long lists, common words
        tokens = library.analyzer.tokens(fold(q))
        full = library.index.top(tokens, 40)
        skip = np.asarray(sorted(d for d, _ in full[:5:2]), dtype=np.int64)
        kept = [pair for pair in full if pair[0] not in set(skip.tolist())][:10]
        assert library.index.top(tokens, 10, skip=skip) == kept
    assert library.index.top(tokens, 10) == full[:10]  # the buffer is as it was


def test_sorted_unique_is_numpys_unique_without_the_hash_table() -> None:
    """The build's and the search's de-duplication: the same array as ``np.unique``, input left alone."""
    from retrieval.postings import sorted_unique

    rng = np.random.default_rng(7)
    for dtype in (np.int32, np.int64, np.uint64):
        for size in (0, 1, 2, 3, 1000):
            values = rng.integers(0, 40, size).astype(dtype)
            before = values.copy()
            out = sorted_unique(values)
            assert out.dtype == dtype and np.array_equal(out, np.unique(values))
            assert np.array_equal(values, before)
