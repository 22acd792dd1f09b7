"""What a paragraph inherits from where it stands: the words that make it findable but that it never says.

A question names the topic a heading or an article title states once
("代表小组建支部活动的主要内容"), the place that only the byline or the
magazine's masthead names ("丹阳人大…", "无锡…"), or the subject of a lead-in
that introduces an enumeration ("句容市人大将坚持‘一统领、两覆盖、三规范’" →
the next paragraph "一统领：坚持以……为统领").  The paragraph under it never
repeats any of that, so each paragraph is indexed with its context as well as
its own words.  Everything here is read off the recovered structure — no
lists of names — so the index (``library``) and the ranking (``search``) agree.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
import jieba.posseg

from .analysis import fold
from .model import Document, Paragraph

jieba.setLogLevel(logging.WARNING)
# "一统领：…", "两覆盖:…": a short label, then a colon, opening a paragraph.
_LABEL = re.compile(r"^([^\s:：,，。;；“”\"]{2,10})[:：]")
# An enumerated item opening a paragraph: 一是… （一）… 第一，… 1. …
_N = "一二三四五六七八九十"
_ITEM = re.compile(rf"^(?:[{_N}]{{1,3}}(?:是|要|、)|[(（][{_N}]{{1,3}}[)）]|第[{_N}]{{1,3}}[,，、]|\d{{1,2}}[.、])")
_SENTENCE_END = re.compile(r"[。!?！？;；]")
LEAD_LOOKBACK = 4  # paragraphs an item may stand after its lead-in
LEAD_CHARS = 80  # how much of a lead-in sentence is inherited


@lru_cache(maxsize=4096)
def places(text: str) -> tuple[str, ...]:
    """Place names (镇江市, 丹徒区) in a title, byline or masthead line, in order, without repeats.

    jieba's part-of-speech tagger knows China's place names (tag ``ns``), so
    nothing here lists them; a bare level word such as 新区 is not a place.
    """
    found: dict[str, None] = {}
    for word, flag in jieba.posseg.cut(fold(text)):
        if flag == "ns" and len(word) >= 2 and not (len(word) == 2 and word[-1] in "省市县区"):
            found.setdefault(word, None)
    return tuple(found)


def document_places(doc: Document) -> tuple[str, ...]:
    """Places named by the document's masthead: publication, title and the head lines that say who issues it."""
    head = [doc.publication, doc.title]
    head += [e.text for e in doc.outline[:12] if e.kind in ("meta", "publication", "title")]
    return places(" ".join(head))


def _sentence_with(text: str, needle: str) -> str:
    """The sentence of ``text`` holding ``needle`` (both folded), cut to what a lead-in needs."""
    at = text.find(needle)
    start = 0
    for m in _SENTENCE_END.finditer(text, 0, max(at, 0)):
        start = m.end()
    end_m = _SENTENCE_END.search(text, at + len(needle))
    end = end_m.start() if end_m else len(text)
    return text[start:end][:LEAD_CHARS]


def lead_in(paragraphs: list[Paragraph], i: int, folded: list[str]) -> str:
    """The sentence that introduces paragraph ``i`` as an item of an enumeration, if any.

    Two shapes: the paragraph opens with a label ("一统领：") that an earlier
    paragraph of the same section names; or it opens with an item mark (一是,
    （一）) right after a paragraph whose last sentence ends in a colon.
    """
    p = paragraphs[i]
    text = folded[i]
    earlier = range(i - 1, max(-1, i - 1 - LEAD_LOOKBACK), -1)
    label = _LABEL.match(text)
    if label:
        name = label.group(1)
        for j in earlier:
            if paragraphs[j].section != p.section:
                break
            if name in folded[j]:
                return _sentence_with(folded[j], name)
    if _ITEM.match(text):
        for j in earlier:
            if paragraphs[j].section != p.section:
                break
            prev = folded[j].rstrip()
            if prev.endswith((":", "：")):
                tail = _SENTENCE_END.split(prev[:-1])[-1]
                return tail[-LEAD_CHARS:]
            if not _ITEM.match(prev):
                break
    return ""


def paragraph_contexts(doc: Document) -> list[str]:
    """For each paragraph of ``doc`` (in order), the text it inherits.

    Its section path (article title with byline, headings) and subtitle; the
    places its article's title and byline name, else the masthead's; and the
    lead-in sentence of the enumeration it is an item of.
    """
    folded = [fold(p.text) for p in doc.paragraphs]
    masthead = document_places(doc)
    out: list[str] = []
    for i, p in enumerate(doc.paragraphs):
        article = doc.articles[p.article] if 0 <= p.article < len(doc.articles) else None
        parts = [*p.section]
        if article is not None:
            parts.append(article.subtitle)
            own = places(f"{article.title} {article.author}")
            parts.extend(own or masthead)
        else:
            # A document that is one speech has its title where a magazine has an article's
            # ("…“四个机关”建设动员会上的讲话"); a title the reader compiled names nothing the text does not.
            if not doc.derived_title:
                parts.append(fold(doc.title))
            parts.extend(masthead)
        parts.append(lead_in(doc.paragraphs, i, folded))
        out.append(" ".join(dict.fromkeys(part for part in parts if part)))
    return out
