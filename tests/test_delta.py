"""Adding or removing a document goes through a small delta segment and answers exactly as a full rebuild."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.library import Library
from retrieval.search import Searcher

QUERIES = [
    "四个机关指的是哪四个机关",
    "人大代表要认真履行代表职责",
    "代表小组建支部",
    "“人民选我当代表”",
    "全过程人民民主",
    "doc:003 代表小组",
    "2022年 立法",
    "密切联系群众",
    "有人磨洋工怎么办",  # a word the corpus never uses, searched by its synonyms at a weight (怠工)
]

NEW_DOC = (
    "基层人大工作简报\n\n"
    "人大代表要认真履行代表职责，密切联系群众，及时反映群众的意见和要求。\n\n"
    "代表小组建支部工作在全市推开，全过程人民民主实践基地建设取得新进展。\n"
)


def snapshot(lib: Library) -> dict:
    """Everything a caller can observe, keyed by document id and paragraph number (not by position)."""
    searcher = Searcher(lib)
    results = {}
    for q in QUERIES:
        r = searcher.search(q, top=10)
        results[q] = [(h.doc_id, h.paragraph, round(h.score, 4), h.excerpt) for h in r.hits]
    vocab = {i: t for t, i in lib.index.vocab.items()}
    return {
        "results": results,
        "occurrences": [(d.doc_id, p.number, off) for d, p, off in searcher.occurrences("代表")],
        "documents": [(d.doc_id, d.title, len(d.paragraphs)) for d in lib.documents],
        "paragraphs": [(p.doc_id, p.number, p.text, p.section) for p in lib.paragraphs],
        "tokens": [[vocab[i] for i in lib.token_ids(pos).tolist()] for pos in range(0, len(lib.paragraphs), 5)],
        "starts": [lib.token_starts(pos).tolist() for pos in range(0, len(lib.paragraphs), 5)],
        "terms": sorted(lib.index.vocab),
        "idf": {t: round(lib.index.term_idf(t), 6) for t in ["代表", "人大", "全过程人民民主", "支部"]},
    }


def full_rebuild(corpus: Path, tmp_path: Path) -> Library:
    lib = Library.open(corpus, tmp_path / "fresh")
    assert len(lib.segments) == 1
    return lib


@pytest.fixture
def cached(corpus_copy: Path, tmp_path: Path) -> Path:
    cache = tmp_path / "cache"
    Library.open(corpus_copy, cache)
    return cache


def test_adding_a_document_uses_a_delta_equal_to_a_full_rebuild(corpus_copy: Path, cached: Path, tmp_path: Path):
    (corpus_copy / "001a_report.txt").write_text(NEW_DOC, encoding="utf-8")  # sorts between two seeds
    lib = Library.open(corpus_copy, cached)
    assert len(lib.segments) == 2 and not lib.info.from_cache
    assert snapshot(lib) == snapshot(full_rebuild(corpus_copy, tmp_path))
    again = Library.open(corpus_copy, cached)  # the delta is cached too
    assert again.info.from_cache and len(again.segments) == 2
    assert snapshot(again)["results"] == snapshot(lib)["results"]


def test_removing_a_document_uses_a_delta_equal_to_a_full_rebuild(corpus_copy: Path, tmp_path: Path):
    extra = corpus_copy / "002a_report.txt"
    extra.write_text(NEW_DOC, encoding="utf-8")
    cache = tmp_path / "cache"
    assert "002a_report" in Library.open(corpus_copy, cache).doc_by_id
    extra.unlink()
    lib = Library.open(corpus_copy, cache)
    assert len(lib.segments) == 2 and "002a_report" not in lib.doc_by_id
    assert snapshot(lib) == snapshot(full_rebuild(corpus_copy, tmp_path))


def test_removing_the_only_quote_of_a_term_forces_a_full_rebuild(corpus_copy: Path, cached: Path, tmp_path: Path):
    next(corpus_copy.glob("002_*.txt")).unlink()  # the only document quoting “法治人大”
    lib = Library.open(corpus_copy, cached)
    assert len(lib.segments) == 1 and "法治人大" not in lib.manifest["domain_terms"]
    assert snapshot(lib) == snapshot(full_rebuild(corpus_copy, tmp_path))


def test_add_then_change_then_remove(corpus_copy: Path, cached: Path, tmp_path: Path):
    new = corpus_copy / "zz_new.txt"
    new.write_text(NEW_DOC, encoding="utf-8")
    Library.open(corpus_copy, cached)
    new.write_text(NEW_DOC.replace("简报", "通讯") + "\n新增一段关于代表联络站的内容。\n", encoding="utf-8")
    changed = Library.open(corpus_copy, cached)
    assert len(changed.segments) == 2 and "通讯" in changed.doc_by_id["zz_new"].title
    assert snapshot(changed) == snapshot(full_rebuild(corpus_copy, tmp_path / "a"))
    new.unlink()
    seed = next(corpus_copy.glob("000_*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\n补充一段新的内容。\n", encoding="utf-8")
    removed = Library.open(corpus_copy, cached)
    assert "zz_new" not in removed.doc_by_id
    assert snapshot(removed) == snapshot(full_rebuild(corpus_copy, tmp_path / "b"))


def test_a_new_quoted_formula_forces_a_full_rebuild(corpus_copy: Path, cached: Path):
    before = Library.open(corpus_copy, cached).analyzer
    (corpus_copy / "zz_formula.txt").write_text(
        "新提法\n\n会议提出要落实“七个一律规定”，推动工作落地见效。\n", encoding="utf-8"
    )
    lib = Library.open(corpus_copy, cached)
    assert len(lib.segments) == 1 and "七个一律规定" in lib.analyzer.domain_terms
    assert [d for d, _ in lib.index.top(lib.analyzer.tokens("七个一律规定"), 3)]
    assert lib.analyzer is not before and "七个一律规定" not in before.domain_terms  # a new dictionary, a new analyzer


def test_a_delta_reuses_the_analyzer_of_the_base_it_was_built_on(corpus_copy: Path, cached: Path):
    """A delta keeps the base's dictionary, so opening it does not read jieba's dictionary again (0.2 s)."""
    base = Library.open(corpus_copy, cached)
    (corpus_copy / "001a_report.txt").write_text(NEW_DOC, encoding="utf-8")
    joined = Library.open(corpus_copy, cached)
    assert len(joined.segments) == 2 and joined.analyzer is base.analyzer
    assert Library.read_only(cached).analyzer is base.analyzer  # as a search worker opens it


def test_back_to_the_base_documents_drops_the_delta(corpus_copy: Path, cached: Path):
    extra = corpus_copy / "zz_new.txt"
    extra.write_text(NEW_DOC, encoding="utf-8")
    assert len(Library.open(corpus_copy, cached).segments) == 2
    extra.unlink()
    lib = Library.open(corpus_copy, cached)
    assert len(lib.segments) == 1 and not (cached / "delta").exists()
    assert Library.open(corpus_copy, cached).info.from_cache


def test_a_joined_library_answers_the_same_from_its_list_caches_and_with_them_full(corpus_copy: Path, cached: Path):
    """The joined view keeps each merged bigram list and weighed postings list; hits, misses and a full cache agree."""
    (corpus_copy / "001a_report.txt").write_text(NEW_DOC, encoding="utf-8")
    lib = Library.open(corpus_copy, cached)
    first = snapshot(lib)["results"]  # computes and keeps the lists
    assert lib.phrases._cache._items and lib.index._cache._items
    assert snapshot(lib)["results"] == first  # read back from the caches
    for cache in (lib.phrases._cache, lib.index._cache):
        cache.budget = 1  # every list now clears the cache before it is kept
        cache._items.clear()
    assert snapshot(lib)["results"] == first
    assert len(lib.phrases._cache._items) == 1 and len(lib.index._cache._items) == 1


def test_a_joined_library_reads_capped_phrase_look_ups_in_ascending_pieces(corpus_copy: Path, cached: Path):
    """The base's candidates are read piece by piece, the delta's merged into the piece they fall in.

    Pieces of 8 force many of them, with the new document's paragraphs (it
    sorts between two seeds) landing inside the base's range.  Every piece
    follows the last, and the checked positions are those of the full list.
    """
    (corpus_copy / "001a_report.txt").write_text(NEW_DOC, encoding="utf-8")
    lib = Library.open(corpus_copy, cached)
    assert len(lib.segments) == 2
    for phrase in ["代表小组", "人大代表", "全过程人民民主", "密切联系群众", "人"]:
        pieces = [c.tolist() for c in lib.phrases._candidate_chunks(phrase, 8)]
        flat = [p for piece in pieces for p in piece]
        assert flat == sorted(set(flat)), phrase
        holds = [p for p in flat if phrase in lib.folded[p]]
        assert holds == [p for p in lib.phrases.candidates(phrase).tolist() if phrase in lib.folded[p]], phrase
        assert any(lib.paragraphs[p].doc_id == "001a_report" for p in holds), phrase
        first = list(dict.fromkeys(p for p, _ in lib.phrases.find(phrase, lib.folded)))
        for limit in (1, 5, 40):
            capped = lib.phrases.find(phrase, lib.folded, limit)
            assert list(dict.fromkeys(p for p, _ in capped)) == first[:limit], (phrase, limit)


def test_a_reader_reuses_its_base_maps_when_only_the_delta_changed(corpus_copy: Path, cached: Path):
    """A search worker opening the build after an upload keeps the base segment it has mapped; a new base is mapped anew."""
    before = Library.read_only(cached)
    (corpus_copy / "001a_report.txt").write_text(NEW_DOC, encoding="utf-8")
    Library.open(corpus_copy, cached)  # the owner writes the delta
    reused = Library.read_only(cached, reuse=before)
    fresh = Library.read_only(cached)
    assert reused.segments[0] is before.segments[0] and len(reused.segments) == 2
    assert reused.generation == fresh.generation != before.generation
    assert snapshot(reused)["results"] == snapshot(fresh)["results"]
    # A full rebuild in the same folder (a new quoted formula) is another base: it is mapped anew.
    (corpus_copy / "zz_formula.txt").write_text("新提法\n\n会议提出要落实“七个一律规定”。\n", encoding="utf-8")
    assert len(Library.open(corpus_copy, cached).segments) == 1
    rebuilt = Library.read_only(cached, reuse=reused)
    assert rebuilt.segments[0] is not before.segments[0] and len(rebuilt.segments) == 1
    assert rebuilt.segments[0].build_id == rebuilt.generation[0] != before.generation[0]
