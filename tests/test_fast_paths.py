"""The query path's shortcuts give exactly what the plain definitions give.

Ranking reads its candidates in batches, caches what paragraphs share, and
replaces set constructions by substring tests; each shortcut is compared here
with the straightforward computation it replaces, on the seeds.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest
from conftest import jieba_reference

import retrieval.index as index_module
import retrieval.phrase as phrase_module
from retrieval.analysis import _TABLE, _mark_gaps, fold, fold_origin, fold_with_map
from retrieval.index import BM25Index
from retrieval.passage import best_window, closest_sentence, sentence_spans
from retrieval.phrase import BigramIndex, count_positions, most_counted
from retrieval.search import DEFAULT_VARIANT, VARIANTS, Ranking, Searcher, bare, char_bigrams

ODD_TEXTS = ["ａｂ　c d\u3000e*f ﬁ x", "人大 代表  工作 ab cd", "", " ", "**", "㍿ and ① ⑴ ﬃ", "a]b^c\\d-e 「引」"]


def _plain_origin(text: str) -> list[int]:
    marked = _mark_gaps(text)
    return [i for i, ch in enumerate(marked) for _ in range(len(_TABLE[ord(ch)]))]


def test_fold_origin_is_the_per_character_map(library) -> None:
    texts = ODD_TEXTS + [p.text for p in library.paragraphs]
    for text in texts:
        assert list(fold_origin(text)) == _plain_origin(text) == fold_with_map(text)[1]
        assert len(fold_origin(text)) == len(fold(text))


def test_counting_positions_equals_unique() -> None:
    rng = np.random.default_rng(3)
    for n, size in ((1000, 20), (1000, 5000), (50, 50), (1, 3)):
        cand = rng.integers(0, n, size).astype(np.int32)
        positions, counts = count_positions(cand)
        want_p, want_c = np.unique(cand, return_counts=True)
        assert positions.dtype == want_p.dtype
        np.testing.assert_array_equal(positions, want_p)
        np.testing.assert_array_equal(counts, want_c)


def test_most_counted_is_the_plain_top_k() -> None:
    """The k positions in most lists, ties to the lower position, whichever way the counts were gathered."""
    rng = np.random.default_rng(5)
    for n, lists, size, k in ((100_000, 16, 20_000, 20), (100_000, 3, 50_000, 40), (5000, 16, 10, 20), (60, 4, 30, 7)):
        cand = [np.sort(rng.choice(n, size, replace=False)).astype(np.int32) for _ in range(lists)]
        got = most_counted(cand, k)
        positions, counts = np.unique(np.concatenate(cand), return_counts=True)
        want = sorted(zip(positions.tolist(), counts.tolist(), strict=True), key=lambda pc: (-pc[1], pc[0]))[:k]
        assert got.tolist() == [p for p, _ in want]
        assert got.dtype == np.int32
    assert most_counted([np.zeros(0, np.int32)], 5).shape == (0,)
    assert most_counted([np.arange(10, dtype=np.int32)], 0).shape == (0,)


def _zipf_corpus(rng: np.random.Generator, n: int, vocab: int) -> list[list[str]]:
    """Token lists whose words follow Zipf's law: a few words in most documents, most words in few."""
    ranks = np.arange(1, vocab + 1, dtype=np.float64)
    p = 1 / ranks / (1 / ranks).sum()
    return [[f"w{i}" for i in rng.choice(vocab, rng.integers(3, 40), p=p)] for _ in range(n)]


def _spy(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> dict[str, int]:
    """Count how often a bounded path answered (not None), so the comparison cannot pass on the fallback alone."""
    real = getattr(module, name)
    seen = {"answered": 0, "fell_back": 0}

    def spy(*args: object) -> object:
        got = real(*args)
        seen["answered" if got is not None else "fell_back"] += 1
        return got

    monkeypatch.setattr(module, name, spy)
    return seen


def test_bounded_top_k_equals_adding_every_posting(monkeypatch: pytest.MonkeyPatch) -> None:
    """MaxScore gives bit for bit the (doc, score) list of scoring every posting, with filters and skips."""
    rng = np.random.default_rng(11)
    index = BM25Index.build(_zipf_corpus(rng, 3000, 400))
    monkeypatch.setattr(index_module, "BOUNDED_POSTINGS", 0)  # at this size only a 1M corpus would use it
    queries = [[f"w{i}" for i in rng.choice(400, rng.integers(2, 8))] for _ in range(150)]
    queries += [["w0", "w1", "w300"], ["w0", "w0", "w2", "w399"], ["w0", "w1"], ["w350", "w351"]]
    allowed = rng.random(3000) < 0.7
    skip = np.flatnonzero(rng.random(3000) < 0.05)
    cases = [(q, k, a, s) for q in queries for k in (1, 10, 100) for a in (None, allowed) for s in (None, skip)]
    seen = _spy(monkeypatch, index_module, "_bounded_top")
    bounded = [index.top(q, k, a, s) for q, k, a, s in cases]
    assert seen["answered"] > 100 and seen["fell_back"] > 0
    monkeypatch.setattr(index_module, "_bounded_top", lambda *args: None)
    assert bounded == [index.top(q, k, a, s) for q, k, a, s in cases]


def test_bounded_counts_equal_counting_every_posting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The k most counted positions are the same whether the long lists are counted or only looked up."""
    rng = np.random.default_rng(13)
    monkeypatch.setattr(phrase_module, "BOUNDED_POSTINGS", 0)
    cases = []
    for _ in range(200):
        n = 20_000
        sizes = rng.choice([20, 200, 600, 3000, 9000], rng.integers(2, 16))
        base = rng.choice(n, 30, replace=False)  # positions many lists share, as a formula's paragraphs do
        lists = [
            np.unique(np.concatenate([rng.choice(n, s, replace=False), base[: rng.integers(0, 30)]])) for s in sizes
        ]
        cases.append(([c.astype(np.int32) for c in lists], int(rng.choice([1, 5, 20]))))
    seen = _spy(monkeypatch, phrase_module, "_bounded_counts")
    bounded = [most_counted(lists, k).tolist() for lists, k in cases]
    assert seen["answered"] > 100 and seen["fell_back"] > 0
    for (lists, k), got in zip(cases, bounded, strict=True):
        positions, counts = np.unique(np.concatenate(lists), return_counts=True)
        want = sorted(zip(positions.tolist(), counts.tolist(), strict=True), key=lambda pc: (-pc[1], pc[0]))[:k]
        assert got == [p for p, _ in want]


def test_closest_counts_the_rarest_pairs_within_its_postings_budget(library, monkeypatch) -> None:
    """With a budget, only the rarest pairs whose lists fit in it are counted (the rarest one always)."""
    phrases = library.phrases
    text = bare(fold("人大代表要密切联系群众"))
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    keys = np.unique((codes[:-1] << phrase_module._SHIFT) | codes[1:])
    lists = sorted((c for c in phrases._lists(keys) if c.shape[0]), key=len)
    assert len(lists) >= 3 and lists[0].shape[0] < lists[-1].shape[0]
    unbounded = phrases.closest(text, 20)
    assert unbounded.tolist() == most_counted(lists, 20).tolist()  # the seeds are far below any budget
    monkeypatch.setattr(phrase_module, "CLOSE_POSTINGS", lists[0].shape[0] + lists[1].shape[0])
    assert phrases.closest(text, 20).tolist() == most_counted(lists[:2], 20).tolist()
    monkeypatch.setattr(phrase_module, "CLOSE_POSTINGS", 1)  # the rarest list is counted whatever its size
    assert phrases.closest(text, 20).tolist() == most_counted(lists[:1], 20).tolist()


def test_batched_bigram_lists_equal_single_look_ups(library) -> None:
    phrases = library.phrases
    assert isinstance(phrases, BigramIndex)
    keys = np.concatenate([phrases.keys[::97], np.array([1, 2**63], np.uint64)])
    for got, key in zip(phrases._lists(keys), keys, strict=True):
        np.testing.assert_array_equal(got, phrases._list(key))


def test_batched_texts_and_contexts_equal_single_reads(library) -> None:
    positions = [5, 0, len(library.paragraphs) - 1, 5, 17]
    assert library.folded_many(positions) == [library.folded[p] for p in positions]
    assert library.contexts(positions) == [library.context(p) for p in positions]
    with pytest.raises(IndexError):
        library.folded_many([len(library.paragraphs)])


def test_closest_sentence_counts_bigrams_as_the_set_definition_does(library) -> None:
    grams = set(char_bigrams(fold("小组建支部，履职迈新步，平时把方向")))
    for text in library.folded_many(range(300)):
        start, end, share = closest_sentence(text, grams)
        best = (0, 0, 0.0)
        for a, b in sentence_spans(text):
            s = bare(text[a:b])
            got = len(grams & {s[i : i + 2] for i in range(len(s) - 1)}) / len(grams)
            if got > best[2]:
                best = (a, b, got)
        assert (start, end, share) == best


def test_best_window_with_given_sentences_and_no_answer_check(library) -> None:
    words = {"代表": 1.2, "小组": 2.0, "支部": 2.5, "人民选我当代表": 6.0}
    for i, text in enumerate(library.folded_many(range(300))):
        context = bare(library.context(i))
        plain = best_window(text, context, words, 40.0)
        assert best_window(text, context, words, 40.0, None, sentence_spans(text)) == plain
        never = best_window(text, context, words, 40.0, lambda _: False)
        assert never == plain


def test_a_ranking_object_ranks_as_its_named_variant(library) -> None:
    named = Searcher(library, DEFAULT_VARIANT)
    given = Searcher(library, VARIANTS[DEFAULT_VARIANT])
    assert given.variant == DEFAULT_VARIANT
    for q in ("四个机关指的是哪四个机关", "人民选我当代表", "代表小组建支部"):
        assert named.search(q, top=10).ranked == given.search(q, top=10).ranked


def test_ranking_depths_are_read_from_the_ranking(library) -> None:
    shallow = Ranking("shallow", run=True, candidates=5, close_candidates=0, depth=0)
    result = Searcher(library, shallow).search("代表", top=3)
    # Five BM25 candidates plus the paragraphs holding the query verbatim (capped at five as well).
    assert 0 < result.total <= 10
    with pytest.raises(ValueError):
        Searcher(library, "no such variant")


def test_bare_strips_every_non_word_character() -> None:
    assert bare("人大，代表_a b·c１") == re.sub(r"[^\w]|_", "", "人大，代表_a b·c１")


def test_spelling_looks_only_where_half_a_term_stands(monkeypatch) -> None:
    import random

    import retrieval.spelling as spelling

    rng = random.Random(5)
    alphabet = "三看促进一要点四计划人大"
    terms = ["".join(rng.choice(alphabet) for _ in range(rng.randint(4, 7))) for _ in range(40)]
    texts = []
    for _ in range(300):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        term = list(rng.choice(terms))
        term[rng.randrange(len(term))] = rng.choice(alphabet)  # a near copy of some term
        at = rng.randint(0, len(text))
        texts.append(text[:at] + "".join(term) + text[at:])
    matcher = spelling.TermMatcher(terms)
    fast = [matcher.near(t) for t in texts]
    monkeypatch.setattr(spelling, "_anchored", lambda text, term, size: range(len(text) - size + 1))
    assert [matcher.near(t) for t in texts] == fast
    assert any(fast)


def test_best_verified_equals_checking_every_candidate_then_sorting() -> None:
    from retrieval.search import _best_verified

    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(0, 60))
        cand = np.sort(rng.choice(1000, n, replace=False))
        scores = rng.integers(0, 5, n).astype(np.float64)  # many ties
        good = set(rng.choice(1000, 500, replace=False).tolist())
        limit = int(rng.integers(1, 12))
        kept = np.array([p in good for p in cand.tolist()], dtype=bool)
        order = np.lexsort((cand[kept], -scores[kept]))[:limit]
        want = [(int(cand[kept][i]), float(scores[kept][i])) for i in order]
        assert _best_verified(cand, scores, limit, lambda pos, good=good: pos in good) == want


@pytest.mark.parametrize("sample", [64, 4])
def test_ranked_exact_look_ups_equal_a_full_check(library, monkeypatch, sample: int) -> None:
    import retrieval.search

    # With a small sample, "人大人" (15 candidates, 2 hold it) is checked before it is scored.
    monkeypatch.setattr(retrieval.search, "CHECK_SAMPLE", sample)
    searcher = Searcher(library)
    for phrase in ("人大代表", "代表", "人", "全过程人民民主", "代表小组建支部", "人大人", "大代表人"):
        tokens = library.analyzer.tokens(fold(phrase))
        found = library.phrase_positions([phrase])
        if not found.shape[0]:
            q = searcher.parse(f"“{phrase}”")
            assert searcher._rank(q, 3).query.inexact == [phrase]  # ranked by closeness instead
            continue
        scores = library.index.score_docs(tokens, found)
        for limit in (1, 3, 50):
            want = [(int(found[i]), float(scores[i])) for i in np.lexsort((found, -scores))[:limit]]
            assert searcher.rank(searcher.parse(f"“{phrase}”"), limit)[0] == want


def test_open_checks_hash_only_files_whose_size_or_mtime_changed(corpus_copy, tmp_path, monkeypatch) -> None:
    import os

    import retrieval.manage as manage
    from retrieval.library import Library

    lib = Library.open(corpus_copy, tmp_path / "cache")
    hashed: list[str] = []
    real = manage._sha256
    monkeypatch.setattr(manage, "_sha256", lambda path: hashed.append(path.name) or real(path))
    assert manage.library_problems(lib, corpus_copy) == [] and hashed == []
    path = sorted(corpus_copy.glob("*.txt"))[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n补充的一段。\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))
    problems = manage.library_problems(lib, corpus_copy)
    assert hashed == [path.name] and "differ from their files" in problems[0]


def test_duplicate_uploads_are_refused_by_recorded_fingerprints(corpus_copy, tmp_path) -> None:
    from retrieval.ingest import IngestError
    from retrieval.library import Library
    from retrieval.manage import _fingerprint, add_file

    lib = Library.open(corpus_copy, tmp_path / "cache")
    assert [f[3] for f in lib.fingerprints()] == [_fingerprint(d) for d in lib.documents]
    source = sorted(corpus_copy.glob("*.txt"))[1]
    # The same paragraphs in another file (spacing changed): refused by fingerprint, not by file hash.
    respaced = source.read_text(encoding="utf-8").replace("\n", "\n\n").encode("utf-8")
    with pytest.raises(IngestError, match="重复"):
        add_file(corpus_copy, "copy.txt", respaced, lib)


def test_remembered_clauses_segment_as_jieba_and_follow_the_dictionary(library) -> None:

    from retrieval.analysis import Analyzer

    analyzer = Analyzer(library.analyzer.domain_terms)
    fast = analyzer._tk
    ref = jieba_reference(fast)
    texts = library.folded_many(range(200))
    for _ in range(2):  # the second pass is answered from remembered clauses
        for text in texts:
            assert list(fast.cut(text, HMM=True)) == list(ref.cut(text, HMM=True))
    assert fast.clause_hits > 0
    before = list(fast.cut("全过程人民民主实践基地"))
    fast.add_word("民主实践基地", freq=10**7)
    assert list(fast.cut("全过程人民民主实践基地")) != before


def test_compiled_cut_segments_exactly_as_jieba_and_follows_the_dictionary(library) -> None:
    """The build's compiled clause cut (jieba-fast-dat fed jieba's data) gives jieba's words.

    Compared on every paragraph of the seeds and on spliced text whose
    clauses never repeat (what most of a real build segments), with digits,
    percentages and Latin runs that must stay on the Python path.
    """
    import random

    from retrieval import compiled_cut
    from retrieval.analysis import Analyzer

    if not compiled_cut.available():
        pytest.skip("jieba-fast-dat has no wheel for this platform: the Python path is the only one")
    analyzer = Analyzer(library.analyzer.domain_terms)
    assert analyzer.use_compiled()
    fast = analyzer._tk
    ref = jieba_reference(fast)
    sentences = [s for p in library.paragraphs for s in re.findall(r"[^。！？]+[。！？]", p.text)]
    rng = random.Random(5)
    spliced = ["".join(rng.choice(sentences)[: rng.randint(2, 40)] for _ in range(4)) for _ in range(2000)]
    odd = ["接待群众3.3万人次", "办成率超80%，达21.88kb", "人民选我当代表，我当代表为人民", "哈" * 50, "ab.cd-2%"]
    compiled_before = fast.clause_misses
    for text in [*library.folded, *(fold(t) for t in spliced), *odd]:
        assert list(fast.cut(text, HMM=True)) == list(ref.cut(text, HMM=True)), text
    assert fast._compiled is not None and fast.clause_misses > compiled_before
    before = list(fast.cut("全过程人民民主实践基地"))
    fast.add_word("民主实践基地", freq=10**7)
    assert fast._compiled is None  # the trie is built again from the changed dictionary
    after = list(fast.cut("全过程人民民主实践基地"))
    assert after != before and "民主实践基地" in after


def test_near_duplicate_decides_as_the_intersection_does() -> None:
    import random

    from retrieval.search import NEAR_DUPLICATE, near_duplicate

    rng = random.Random(4)
    pool = [f"{a}{b}" for a in "人大代表工作会议" for b in "人大代表工作会议"]
    for _ in range(3000):
        a = set(rng.sample(pool, rng.randint(0, 30)))
        b = (
            set(rng.sample(pool, rng.randint(0, 30)))
            if rng.random() < 0.5
            else {*a, *rng.sample(pool, 2)} - {next(iter(a), "")}
        )
        want = bool(a and b and len(a & b) >= NEAR_DUPLICATE * min(len(a), len(b)))
        assert near_duplicate(a, b) == want


def _niceness_after_yielding() -> int:
    from retrieval.manage import _yield_to_answers

    _yield_to_answers()
    return os.nice(0)


def test_uploads_in_a_worker_process_yield_the_cpu_to_answers() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    before = os.nice(0)
    assert _niceness_after_yielding() == before  # in-process (tests, the command line): unchanged
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        assert pool.submit(_niceness_after_yielding).result() == min(19, before + 10)


def test_phrase_candidates_in_pieces_find_the_same_occurrences(library) -> None:
    from retrieval.phrase import verify

    phrases = library.phrases
    for phrase in ("人大代表", "代表", "全过程人民民主", "人大工作", "代表小组建支部"):
        everything = verify(phrase, phrases.candidates(phrase).tolist(), library.folded)
        for size in (1, 3, 16):
            chunks = list(phrases._candidate_chunks(phrase, size))
            joined = np.concatenate(chunks)
            assert (np.diff(joined) > 0).all()  # ascending, disjoint pieces
            assert verify(phrase, joined.tolist(), library.folded) == everything
        positions = list(dict.fromkeys(pos for pos, _ in everything))
        for limit in (1, 2, 5):
            got = library.find_phrase(phrase, limit=limit)
            assert got == [(p, o) for p, o in everything if p in positions[:limit]]


def test_longest_common_run_skips_starts_but_finds_the_same_run() -> None:
    import random

    from retrieval.search import longest_common_run

    def naive(a: str, b: str) -> tuple[int, str]:
        best = ""
        for i in range(len(a)):
            for j in range(i + len(best) + 1, len(a) + 1):
                if a[i:j] not in b:
                    break
                best = a[i:j]
        return len(best), best

    rng = random.Random(7)
    alphabet = "人大代表工作监督立法"
    for _ in range(2000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))  # both the short and the long path
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 50)))
        assert longest_common_run(a, b)[0] == naive(a, b)[0]
        length, run = longest_common_run(a, b)
        assert len(run) == length and run in b and run in a
    # A message repeating itself is read once per distinct stretch, and still finds the run.
    assert longest_common_run("四个机关" * 2500, "建设“四个机关”是新使命") == (4, "四个机关")


@pytest.mark.parametrize(
    "query", ["四个机关指的是哪四个机关", "镇江市委人大工作会议是哪天召开的", "代表联络站 数字化", "“全过程人民民主”"]
)
def test_deferred_excerpts_are_the_excerpts_made_at_once(searcher, query: str) -> None:
    eager = searcher.search(query, top=30, collapse=True)
    lazy = searcher.search(query, top=30, collapse=True, excerpts=3)
    assert [h.position for h in lazy.hits] == [h.position for h in eager.hits]
    assert len(lazy.hits) > 3
    assert all(not h.pending for h in lazy.hits[:3]) and all(h.pending for h in lazy.hits[3:])
    for now, later in zip(eager.hits, lazy.hits, strict=True):
        later.fill(lazy.terms)
        assert (later.excerpt, later.marks) == (now.excerpt, now.marks)
        assert later.excerpt and not later.pending
