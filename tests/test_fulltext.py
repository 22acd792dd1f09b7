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
    # The title printed above the text is the head's, not said twice; the byline's post and the date stay.
    printed = magazine.paragraphs[art.first_paragraph - 1]
    assert printed.printed and printed.text.startswith("在市委人大工作会议上的讲话\n市委书记 马明龙")
    assert body.count("在市委人大工作会议上的讲话") == 1 and "市委书记 马明龙" in body  # once: the head


def test_the_colophon_printed_inside_an_article_is_not_part_of_it(library) -> None:
    magazine = doc(library, "003")
    art_index = next(i for i, a in enumerate(magazine.articles) if a.author == "任言平")
    art = magazine.articles[art_index]
    full = full_text(magazine, magazine.paragraphs[art.first_paragraph - 1])
    assert "强化政治建设首位意识" in full.text
    assert "主 编:王丰江" not in full.text and "印 数: 6000" not in full.text


def test_a_news_item_outside_every_article_gives_that_item_not_the_issue(library) -> None:
    """The cover's news of the 市委人大工作会议 is in no article: 「全文」 sent the whole 160 KB issue."""
    magazine = doc(library, "003")
    item = next(p for p in magazine.paragraphs if p.article < 0 and p.section == ("市委人大工作会议",))
    full = full_text(magazine, item)
    assert full.text.splitlines()[0] == "标题：市委人大工作会议" and item.text in full.text
    assert full.last - full.first < 5 and len(full.text) < 2000
    assert all(p.article < 0 for p in magazine.paragraphs[full.first - 1 : full.last])


def test_a_document_without_articles_gives_the_whole_document(library) -> None:
    speech = doc(library, "001")
    full = full_text(speech, speech.paragraphs[4])
    assert (full.first, full.last) == (1, len(speech.paragraphs))
    assert "（标题系整理）" in full.text.splitlines()[0] and "作者：未署名" in full.text
    assert all(p.text in full.text for p in speech.paragraphs)


def test_a_byline_the_head_gives_is_not_repeated_but_an_issue_keeps_its_masthead(library) -> None:
    cities = doc(library, "004")
    xuzhou = next(p for p in cities.paragraphs if p.printed and "吳迪" in p.text)
    full = full_text(cities, xuzhou)
    assert "作者：吳迪" in full.text and "(吳迪)" not in full.text
    magazine = doc(library, "003")
    whole = full_text(magazine, magazine.paragraphs[0])  # the masthead, before the first article
    assert "总第337期" in whole.text and "准印证号" in whole.text
