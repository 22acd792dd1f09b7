"""The whole article behind a cited paragraph, as a text file a reader can keep and quote from.

In a magazine that is the article from its title to its end; elsewhere the
whole document.  The top lines carry what a citation needs — title,
publication, author, date, source file — so the file stands on its own once
it is forwarded or saved.  The text is the corpus's own words with the
recovered headings in place; nothing is rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .excerpt import human_date
from .model import Document, Paragraph

_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff-]+")


@dataclass(frozen=True)
class FullText:
    """A whole article or document: a file name to offer, its text, and the paragraph range it covers."""

    filename: str
    text: str
    first: int
    last: int


def _unsaid(printed: str, head: tuple[str, ...]) -> str:
    """The lines of a printed paragraph that the head does not already say (title, subtitle, author).

    A title may be printed over two lines and a byline in brackets ("(吳迪)"); a
    line that adds something (the author's post, a date, 总第337期) stays.
    """
    said = [re.sub(r"\s+", "", h) for h in head if h]
    keep = []
    for line in printed.splitlines():
        bare_line = re.sub(r"[\s()（）]+", "", line)
        if bare_line and not any(bare_line == h or (len(bare_line) >= 4 and bare_line in h) for h in said):
            keep.append(line)
    return "\n".join(keep)


def _item_around(doc: Document, paragraph: Paragraph) -> tuple[int, int]:
    """The run of paragraphs in no article, under the paragraph's top heading, that holds it."""

    def same(p: Paragraph) -> bool:
        return p.article < 0 and p.section[:1] == paragraph.section[:1]

    first = last = paragraph.number
    while first > 1 and same(doc.paragraphs[first - 2]):
        first -= 1
    while last < len(doc.paragraphs) and same(doc.paragraphs[last]):
        last += 1
    return first, last


def full_text(doc: Document, paragraph: Paragraph) -> FullText:
    """The article ``paragraph`` belongs to (the document when it has no articles), headed by its citation."""
    articles = doc.articles
    index = paragraph.article if 0 <= paragraph.article < len(articles) else -1
    if index >= 0 and (len(articles) > 1 or doc.publication):
        art = articles[index]
        first = art.first_paragraph
        last = articles[index + 1].first_paragraph - 1 if index + 1 < len(articles) else len(doc.paragraphs)
        title, author, date, subtitle = art.title, art.author, art.date or doc.date, art.subtitle
    elif index < 0 and articles and (len(articles) > 1 or doc.publication):
        # Outside every article of a magazine (a news item on its cover, under its own heading): that item,
        # the paragraphs around it under the same heading and in no article, not the whole issue.
        first, last = _item_around(doc, paragraph)
        art = None
        title = paragraph.section[0] if paragraph.section else doc.title
        author, date, subtitle = "", doc.date, ""
    else:
        art = articles[index] if index >= 0 else None
        first, last = 1, len(doc.paragraphs)
        title = doc.title
        author = (art.author if art else "") or doc.author
        date = (art.date if art else "") or doc.date
        subtitle = art.subtitle if art else ""
    head = [f"标题：{title}" + ("（标题系整理）" if doc.derived_title and title == doc.title else "")]
    if subtitle:
        head.append(f"副题：{subtitle}")
    if doc.publication:
        head.append(f"出处：《{doc.publication}》{doc.issue}")
    if author:
        head.append(f"作者：{author.replace(' ', '')}")
    head.append(f"日期：{human_date(date) if date else '不详'}")
    head.append(f"来源：{doc.source}，第 {first}–{last} 段（文档编号 {doc.doc_id}）")
    headings: dict[int, list[str]] = {}
    for e in doc.outline:
        if e.kind == "heading" and first <= e.paragraph <= last:
            headings.setdefault(e.paragraph, []).append(e.text)
    body: list[str] = []
    for number in range(first, last + 1):
        p = doc.paragraphs[number - 1]
        if index >= 0 and p.article != index and (len(articles) > 1 or doc.publication):
            continue  # a magazine's colophon, printed between two pages of an article, is not part of it
        text = _unsaid(p.text, (title, subtitle, author)) if p.printed else p.text
        if not text:
            continue  # the title and byline printed above the text: the head above says them
        body.extend(headings.get(number, []))
        body.append(text)
    name = _UNSAFE.sub("_", title).strip("_")[:40] or doc.doc_id
    text = "\n".join(head) + "\n\n" + "\n\n".join(body) + "\n"
    return FullText(f"{name}.txt", text, first, last)
