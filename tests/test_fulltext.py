"""The whole article on request: the magazine article from title to end, else the document, citation on top."""

from __future__ import annotations

from conftest import doc

from retrieval.fulltext import full_text


def test_a_magazine_paragraph_gives_its_whole_article_with_citation_lines(library) -> None:
    magazine = doc(library, "003")
    art_index = next(i for i, a in enumerate(magazine.articles) if a.author == "马明龙")
    art = magazine.articles[art_index]
    inside = magazine.paragraphs[art.first_paragraph + 3]
    full = full_text(magazine, inside)
    lines = full.text.splitlines()
    assert lines[0] == "标题：在市委人大工作会议上的讲话"
    assert "作者：马明龙" in lines and "日期：2022年5月31日" in lines
    assert any(line.startswith("出处：《") for line in lines)
    assert full.first == art.first_paragraph and full.last == magazine.articles[art_index + 1].first_paragraph - 1
    body = full.text
    assert inside.text in body and magazine.paragraphs[full.last].text not in body  # ends where the next begins
    heading = next(e for e in magazine.outline if e.text.startswith("一、坚持以习近平新时代"))
    assert body.index(heading.text) < body.index(magazine.paragraphs[heading.paragraph - 1].text)  # headings in place
    assert full.filename.endswith(".txt")
    # The title and byline printed above the text are the head's, not said twice.
    printed = magazine.paragraphs[art.first_paragraph - 1]
    assert printed.printed and "市委书记 马明龙" in printed.text
    assert "市委书记 马明龙" not in body


def test_the_colophon_printed_inside_an_article_is_not_part_of_it(library) -> None:
    magazine = doc(library, "003")
    art_index = next(i for i, a in enumerate(magazine.articles) if a.author == "任言平")
    art = magazine.articles[art_index]
    full = full_text(magazine, magazine.paragraphs[art.first_paragraph - 1])
    assert "强化政治建设首位意识" in full.text
    assert "主 编:王丰江" not in full.text and "印 数: 6000" not in full.text


def test_a_document_without_articles_gives_the_whole_document(library) -> None:
    speech = doc(library, "001")
    full = full_text(speech, speech.paragraphs[4])
    assert (full.first, full.last) == (1, len(speech.paragraphs))
    assert "（标题系整理）" in full.text.splitlines()[0] and "作者：未署名" in full.text
    assert all(p.text in full.text for p in speech.paragraphs)
