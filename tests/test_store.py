"""The on-disk library: mapped columns, manifest freshness, phrase look-ups from the bigram index, the build."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import numpy as np
from conftest import jieba_reference

from retrieval.analysis import _sub_words, fold
from retrieval.corpus import parse_text
from retrieval.library import Library
from retrieval.search import Searcher


def scan_phrase(lib: Library, phrase: str) -> list[tuple[int, int]]:
    """The reference: every occurrence found by reading every folded paragraph."""
    out = []
    for pos in range(len(lib.folded)):
        text = lib.folded[pos]
        at = text.find(phrase)
        while at >= 0:
            out.append((pos, at))
            at = text.find(phrase, at + 1)
    return out


def mapped(arr: np.ndarray) -> bool:
    """Whether an array's memory is a file mapping (somewhere down its chain of views)."""
    while arr is not None:
        if isinstance(arr, np.memmap):
            return True
        arr = arr.base if isinstance(arr, np.ndarray) else None
    return False


def test_reload_maps_the_columns_and_answers_the_same(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    built = Library.open(corpus_copy, cache)
    again = Library.open(corpus_copy, cache)
    assert not built.info.from_cache and again.info.from_cache
    for arr in (again.index.docs, again.index.weights, again.doc_of, again.token_ids(0)):
        assert mapped(arr)
    for q in ["四个机关指的是哪四个机关", "“人民选我当代表”", "doc:003 代表小组", "2022年 立法"]:
        a = Searcher(built).search(q, top=10)
        b = Searcher(again).search(q, top=10)
        assert [(h.doc_id, h.paragraph, h.excerpt) for h in a.hits] == [
            (h.doc_id, h.paragraph, h.excerpt) for h in b.hits
        ]
    assert [p.text for p in again.documents[1].paragraphs] == [p.text for p in built.documents[1].paragraphs]


def test_paragraph_views_keep_the_list_api(library) -> None:
    n = len(library.paragraphs)
    assert library.paragraphs[-1] == library.paragraphs[n - 1]
    doc = library.documents[2]
    pos = library.position(doc.doc_id, 3)
    assert library.paragraphs[pos] == doc.paragraphs[2] and doc.paragraphs[2].number == 3
    assert library.document_of(pos).doc_id == doc.doc_id and doc.doc_id in library.doc_by_id
    assert [p.number for p in doc.paragraphs[1:4]] == [2, 3, 4]
    assert sum(len(d.paragraphs) for d in library.documents) == n == len(library.folded)
    assert library.folded[pos] == fold(doc.paragraphs[2].text)


def test_forward_index_is_the_analyzers_spans(library) -> None:
    vocab = library.index.vocab
    for pos in range(0, len(library.paragraphs), 7):
        spans = library.analyzer.spans(library.folded[pos])
        assert library.token_ids(pos).tolist() == [vocab[t] for t, _ in spans]
        assert library.token_starts(pos).tolist() == [at for _, at in spans]


def test_touched_file_is_not_rebuilt_but_changed_content_of_equal_size_is(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    Library.open(corpus_copy, cache)
    seed = next(corpus_copy.glob("002_*.txt"))
    st = seed.stat()
    os.utime(seed, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert Library.open(corpus_copy, cache).info.from_cache  # same bytes: only the manifest is restamped
    data = seed.read_bytes()
    seed.write_bytes(data.replace("人大".encode(), "政协".encode()))  # same size, new content
    assert seed.stat().st_size == len(data)
    lib = Library.open(corpus_copy, cache)
    assert not lib.info.from_cache
    assert any("政协" in p.text for p in lib.doc_by_id[seed.stem].paragraphs)


def test_phrases_from_the_bigram_index_equal_a_corpus_scan(library) -> None:
    rng = random.Random(3)
    phrases = ["四个机关", "人民选我当代表", "全过程人民民主", "代", "。", "不存在的短语", "2022", "人大代表"]
    for _ in range(60):
        text = library.folded[rng.randrange(len(library.folded))]
        if len(text) > 12:
            at = rng.randrange(len(text) - 12)
            phrases.append(text[at : at + rng.randint(1, 12)])
    for phrase in phrases:
        assert library.find_phrase(phrase) == scan_phrase(library, phrase), phrase


def test_phrase_and_verbatim_run_rankings_equal_those_of_a_corpus_scan(library, monkeypatch) -> None:
    queries = [
        "人民选我当代表",
        "四个机关",
        "人大代表要密切联系群众",
        "代表小组建支部",
        "全过程人民民主",
        "“人民选我当代表”",
        "“代表” “小组”",
        "“、”",
        "doc:003 “代表”",
    ]
    indexed = [Searcher(library).search(q, top=10).ranked for q in queries]

    def scan_positions(phrases, limit=None, allowed=None):
        out = [
            pos
            for pos in range(len(library.folded))
            if all(p in library.folded[pos] for p in phrases) and (allowed is None or allowed[pos])
        ]
        return np.asarray(out[:limit] if limit is not None else out, dtype=np.int64)

    monkeypatch.setattr(library, "phrase_positions", scan_positions)
    scanned = [Searcher(library).search(q, top=10).ranked for q in queries]
    assert indexed == scanned
    assert all(indexed[:7])


def test_parallel_build_equals_the_serial_one(corpus_copy: Path, tmp_path: Path) -> None:
    serial = Library.open(corpus_copy, tmp_path / "one", workers=1)
    parallel = Library.open(corpus_copy, tmp_path / "two", workers=2)
    assert serial.index.vocab == parallel.index.vocab
    for name in ("docs", "weights", "doc_len", "offsets"):
        np.testing.assert_array_equal(getattr(serial.index, name), getattr(parallel.index, name))
    np.testing.assert_array_equal(serial.phrases.docs, parallel.phrases.docs)
    assert [serial.token_ids(p).tolist() for p in range(0, 370, 9)] == [
        parallel.token_ids(p).tolist() for p in range(0, 370, 9)
    ]


def test_one_very_long_token_gives_a_bounded_number_of_tokens(library) -> None:
    for text in ["a" * 10_000, "0123456789abcdef" * 750, "哈" * 10_000]:
        spans = library.analyzer.spans(text)
        assert 1 <= len(spans) <= 3 * len(text)
        assert all(0 <= at < len(text) and text.startswith(t, at) for t, at in spans)


def test_sub_words_are_every_dictionary_word_inside(library) -> None:
    an = library.analyzer
    freq = an._tk.FREQ
    for word in ["全过程人民民主", "人民代表大会常务委员会", "中国特色社会主义", "哈哈哈哈哈"]:
        expected = sorted(
            (size, off, word[off : off + size])
            for size in range(2, len(word))
            for off in range(len(word) - size + 1)
            if freq.get(word[off : off + size]) and word[off : off + size] not in an._stop
        )
        assert _sub_words(word, freq, an._stop) == [(sub, off) for _, off, sub in expected]


def test_lines_that_never_end_a_sentence_are_joined_without_loss() -> None:
    lines = [f"第{i}行的内容说到人大代表履职和监督工作" + ("，" if i % 2 else "") for i in range(4000)]
    doc = parse_text("x", "x.txt", "\n".join(lines))
    joined = "".join(p.text for p in doc.paragraphs)
    assert fold(joined) == fold("".join(lines))
    assert len(doc.paragraphs) < 50


def test_fast_route_segments_exactly_as_jieba(library) -> None:
    import jieba

    fast = library.analyzer._tk
    plain = jieba.Tokenizer()
    plain.FREQ, plain.total, plain.initialized = fast.FREQ, fast.total, True
    ref = jieba_reference(fast)
    texts = [*library.folded, *(p.text for p in library.paragraphs), "人民选我当代表，我当代表为人民", "哈" * 50]
    for text in texts:
        assert list(fast.cut(text, HMM=True)) == list(ref.cut(text, HMM=True))
    # Only an exact tie tells the two apart, and no paragraph of the seeds has one.
    for text in library.folded:
        assert list(fast.cut(text, HMM=True)) == list(plain.cut(text, HMM=True))
    assert list(fast.cut("哈" * 5)) == ["哈哈", "哈哈哈"] and list(plain.cut("哈" * 5)) == ["哈哈哈", "哈哈"]


def test_spans_are_jiebas_words_walked_one_by_one(library) -> None:
    """Runs are segmented once and their tokens reused: the result must be the word-by-word walk over jieba's cut."""
    an = library.analyzer
    wordish = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
    stop, freq = an._stop, an._tk.FREQ

    def walked(text: str) -> list[tuple[str, int]]:
        out, at = [], 0
        for word in an._tk.cut(text, HMM=True):
            start, at = at, at + len(word)
            if wordish.search(word):
                out += [(word, start)] if word not in stop else []
                out += [(sub, start + off) for sub, off in _sub_words(word, freq, stop)] if len(word) > 2 else []
        return out

    odd = ["abc 12.5% 3.3 x-y#z  \r\n 哈哈哈哈哈", "㐀㐁豈 e=mc2", "", "，。", "a" * 300]
    for text in [*library.folded, *odd]:
        assert an.spans(text) == walked(text)


def test_filter_masks_match_the_per_paragraph_rule(library) -> None:
    searcher = Searcher(library)
    for year in ["2021", "2022", "2023", "2024"]:
        # A paragraph of unknown date may be of any year; one that names the year speaks of it.
        expected = [
            searcher._year_of(p).startswith(year) or not searcher._year_of(p) or f"{year}年" in folded
            for p, folded in zip(library.paragraphs, library.folded, strict=True)
        ]
        assert library.filter_mask(None, year).tolist() == expected
    doc_ids = [library.doc_ids[1], library.doc_ids[3]]
    mask = library.filter_mask(doc_ids, "")
    assert mask.tolist() == [p.doc_id in doc_ids for p in library.paragraphs]
    assert library.filter_mask(doc_ids, "") is mask  # computed once per library
