"""Where every paragraph stands: titles, articles, authors, dates, headings.

A magazine issue names its articles in the table of contents; the body then
repeats each title, followed by a byline and often a date.  Bulletins and
speeches carry their title in a Markdown heading or on the first line.
News round-ups end each item with the source in brackets.  Numbered
headings (一、 （一） 第一， 1.) nest in the order a document first uses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import fold_keep_spaces, fold_with_map, has_content
from .context import places
from .model import Article, Block, Document, OutlineEntry, Paragraph
from .patterns import (
    BODY_LEAD,
    FULL_DATE,
    HEADING_STYLES,
    ISSUE_LINE,
    PAREN_BYLINE,
    SUBTITLE,
    ends_sentence,
    is_byline,
    is_date_line,
    is_heading_line,
)

_PUNCT = re.compile(r"[^\w]|_")
_TOC_HEAD = re.compile(r"^目录")
_TOC_ENTRY = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_TOC_SECTION = re.compile(r"^◆\s*(.+)$")
_TOC_ART = re.compile(r"^(?:封面|封二|封三|封底|摄影\s*/)")
_META = re.compile(r"^[\u4e00-\u9fff\s]{1,10}:")
_NAMES_ONLY = re.compile(r"^(?:[\u4e00-\u9fff]{1,3}\s+){2,}[\u4e00-\u9fff]{1,3}$")
_SALUTATION = re.compile(r"^(?:同志们|同志們|各位代表|各位委员|各位委員|编者按|編者按)\s*[:：,，!！]?\s*")


def bare(text: str) -> str:
    """Folded text without spaces or punctuation, for comparing titles written two ways."""
    return _PUNCT.sub("", fold_keep_spaces(text))


@dataclass
class _TocEntry:
    title: str
    author: str = ""
    section: str = ""


@dataclass
class _Item:
    block: Block
    key: str  # folded, spaces kept
    compact: str
    role: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _parse_toc(items: list[_Item]) -> tuple[int, int, list[_TocEntry], list[str]]:
    """Find the table of contents; return its block range, its entries and section labels."""
    start = next((i for i, it in enumerate(items[:200]) if _TOC_HEAD.match(it.compact)), -1)
    if start < 0:
        return -1, -1, [], []
    entries: list[_TocEntry] = []
    sections: list[str] = []
    current: _TocEntry | None = None
    section = ""
    end = start
    for i in range(start + 1, min(len(items), start + 200)):
        it = items[i]
        text = it.block.text.strip()
        sm = _TOC_SECTION.match(text)
        em = _TOC_ENTRY.match(text)
        if sm:
            section = sm.group(1).strip()
            sections.append(section)
            current = None
            end = i
        elif em and not is_date_line(it.compact) and not _META.match(it.key):
            title, _, author = em.group(2).rpartition("/") if "/" in em.group(2) else (em.group(2), "", "")
            current = _TocEntry(title.strip(), author.strip(), section)
            entries.append(current)
            end = i
        elif current is not None and not current.author and not _TOC_ART.match(text) and ":" not in it.key:
            if text.startswith("/"):
                current.author = text[1:].strip()
            else:
                title, _, author = text.rpartition("/") if "/" in text else (text, "", "")
                current.title = f"{current.title} {title.strip()}"
                current.author = author.strip()
            end = i
        elif _TOC_ART.match(text):
            end = i
    return start, end, entries, sections


def _items(blocks: list[Block]) -> list[_Item]:
    items = [_Item(b, fold_keep_spaces(b.text), "") for b in blocks]
    for it in items:
        it.compact = it.key.replace(" ", "")
    return items


def toc_titles(blocks: list[Block]) -> set[str]:
    """Bare forms of the titles a table of contents lists, and of each line of a two-line title."""
    _, _, entries, _ = _parse_toc(_items(blocks))
    titles: set[str] = set()
    for e in entries:
        parts = e.title.split()
        titles.add(bare(e.title))
        for k in range(1, len(parts)):
            titles.add(bare(" ".join(parts[:k])))
            titles.add(bare(" ".join(parts[k:])))
    return titles


def _find_titles(items: list[_Item], entries: list[_TocEntry], skip: range) -> list[tuple[int, int, _TocEntry]]:
    """Match table-of-contents titles to body blocks, in order; a title may span two blocks."""
    found: list[tuple[int, int, _TocEntry]] = []
    pos = 0
    for entry in entries:
        want = bare(entry.title)
        if not want:
            continue
        for i in range(pos, len(items)):
            if i in skip:
                continue
            one = bare(items[i].block.text)
            if one == want:
                found.append((i, i, entry))
                pos = i + 1
                break
            if i + 1 < len(items) and want.startswith(one) and one and one + bare(items[i + 1].block.text) == want:
                found.append((i, i + 1, entry))
                pos = i + 2
                break
    return found


def _short_name(author: str) -> str:
    """The person's name from a byline such as 市委书记 马明龙 (the last spaced word)."""
    parts = author.replace("\u3000", " ").split()
    if len(parts) >= 2 and len("".join(parts[-2:])) <= 3 and len(parts[-1]) == 1:
        return "".join(parts[-2:])
    return parts[-1] if parts else ""


def _iso_date(key: str) -> str:
    m = FULL_DATE.search(key.replace(" ", ""))
    if not m:
        return ""
    y, mo, d = (g for g in m.groups() if g is not None)
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


class _Headings:
    """The stack of open headings; a style seen before closes everything below it."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, str]] = []

    def push(self, style: str, text: str) -> int:
        for i, (s, _) in enumerate(self.stack):
            if s == style:
                del self.stack[i:]
                break
        self.stack.append((style, text))
        return len(self.stack)

    def reset(self) -> None:
        self.stack.clear()

    def path(self) -> tuple[str, ...]:
        return tuple(text for _, text in self.stack)


def _style(compact: str, md_level: int) -> str:
    for name, pattern in HEADING_STYLES:
        if pattern.match(compact):
            return name
    return f"md{md_level}" if md_level else "plain"


def _is_meta(it: _Item) -> bool:
    c = it.compact
    if ends_sentence(c):
        return False  # masthead and key: value lines are not sentences
    return bool(_META.match(it.key) and len(c) <= 60) or bool(_NAMES_ONLY.match(it.key)) or bool(ISSUE_LINE.match(c))


def _is_label(it: _Item) -> bool:
    """A short line that is not a sentence: a title, a caption or an unnumbered heading."""
    c = it.compact
    return len(c) <= 40 and not ends_sentence(c) and not BODY_LEAD.match(c)


def build_document(doc_id: str, source: str, blocks: list[Block], warnings: list[str]) -> Document:
    """Assign roles to blocks and give every body paragraph its section path and number."""
    items = _items(blocks)
    doc = Document(doc_id=doc_id, source=source, title="", warnings=list(warnings))

    toc_start, toc_end, entries, sections = _parse_toc(items)
    toc_range = range(toc_start, toc_end + 1) if toc_start >= 0 else range(0)
    starts = _find_titles(items, entries, toc_range)
    for entry in entries:
        if not any(e is entry for _, _, e in starts):
            doc.warnings.append(f"table of contents entry not found in the text: {entry.title}")
    if starts:
        last = starts[-1][1]
        for label in sections:
            for i in range(last + 1, len(items)):
                if bare(items[i].block.text) == bare(label):
                    starts.append((i, i, _TocEntry(label)))
                    break
    article_at = {s: (s, e, entry) for s, e, entry in starts}

    # Publication, issue and title from the head of the document.
    head = items[:15]
    issue_idx = next(
        (i for i, it in enumerate(head) if ISSUE_LINE.match(it.compact) or re.match(r"^第\d+期$", it.compact)), -1
    )
    if issue_idx >= 0:
        pub = next((it for it in head[:issue_idx] if _is_label(it) and not is_date_line(it.compact)), None)
        if pub is not None:
            doc.publication = pub.block.text.strip()
            pub.role = "publication"
            doc.issue = items[issue_idx].compact
            items[issue_idx].role = "issue"
    md_titles = [it for it in items if it.block.md_level in (1, 2) and not is_heading_line(it.compact)]
    if not doc.publication and md_titles and md_titles[0].block.md_level == 1 and len(md_titles) > 1:
        doc.publication = md_titles[0].block.text.strip()
        md_titles[0].role = "publication"
    if not starts:
        for it in md_titles:
            if it.role != "publication":
                idx = items.index(it)
                article_at[idx] = (idx, idx, _TocEntry(it.block.text.strip()))
    first = items[0] if items else None
    if (
        not doc.publication
        and not article_at
        and first
        and _is_label(first)
        and not is_date_line(first.compact)
        and not _is_meta(first)
    ):
        first.role = "title"
        doc.title = first.block.text.strip()

    # Dates of the document: the first full date near the head.
    for it in items[:20]:
        if is_date_line(it.compact) and _iso_date(it.key):
            doc.date = _iso_date(it.key)
            break
    if not doc.date and issue_idx >= 0:
        m = ISSUE_LINE.match(items[issue_idx].compact)
        if m and m.group(1):
            doc.date = f"{int(m.group(1)):04d}-{min(12, int(m.group(2))):02d}"

    paren_bylines = sum(1 for it in items if PAREN_BYLINE.match(it.compact))
    news_items = not article_at and paren_bylines >= 3 and not any(is_heading_line(it.compact) for it in items)

    headings = _Headings()
    article_label = ""
    article_index = -1
    pending_item: list[Paragraph] = []
    i = 0
    while i < len(items):
        it = items[i]
        b = it.block
        if i in toc_range:
            doc.outline.append(OutlineEntry("toc", b.text.strip(), 0, b.line_start))
            i += 1
            continue
        if it.role in ("publication", "issue", "title"):
            doc.outline.append(OutlineEntry(it.role, b.text.strip(), 0, b.line_start))
            i += 1
            continue
        if i in article_at:
            s, e, entry = article_at[i]
            title = " ".join(items[k].block.text.strip() for k in range(s, e + 1))
            art = Article(title=title)
            j = e + 1
            while j < len(items) and j <= e + 4 and j not in article_at:
                nxt = items[j]
                if SUBTITLE.match(nxt.compact) and len(nxt.compact) <= 80:
                    art.subtitle = nxt.block.text.strip()
                    doc.outline.append(OutlineEntry("subtitle", nxt.block.text.strip(), 1, nxt.block.line_start))
                elif is_date_line(nxt.compact):
                    art.date = art.date or _iso_date(nxt.key)
                    doc.outline.append(OutlineEntry("date", nxt.block.text.strip(), 1, nxt.block.line_start))
                elif is_byline(nxt.key, nxt.compact) or (
                    entry.author and bare(entry.author) in bare(nxt.block.text) and len(nxt.compact) <= 40
                ):
                    art.author = entry.author.replace(" ", "") if entry.author else _short_name(nxt.block.text)
                    doc.outline.append(OutlineEntry("byline", nxt.block.text.strip(), 1, nxt.block.line_start))
                else:
                    break
                j += 1
            if not art.author and entry.author:
                art.author = entry.author.replace(" ", "")
            art.first_paragraph = len(doc.paragraphs) + 1
            doc.articles.append(art)
            article_index = len(doc.articles) - 1
            article_label = f"{art.title}（{art.author}）" if art.author else art.title
            doc.outline.append(OutlineEntry("article", article_label, 0, b.line_start, art.first_paragraph))
            headings.reset()
            i = j
            continue
        c = it.compact
        role = ""
        if is_date_line(c):
            role = "date"
            if not doc.date and _iso_date(it.key):
                doc.date = _iso_date(it.key)
        elif (b.md_level and not (BODY_LEAD.match(c) and ends_sentence(c))) or is_heading_line(c):
            role = "heading"
        elif is_byline(it.key, c) and len(c) <= 30:
            role = "byline"
        elif _is_meta(it):
            role = "meta"
        elif _is_label(it):
            nxt = items[i + 1] if i + 1 < len(items) else None
            body_follows = nxt is not None and not _is_label(nxt) and not _is_meta(nxt)
            role = "heading" if body_follows else "meta"
        elif has_content(b.text):
            role = "body"
        if role == "heading":
            level = headings.push(_style(c, b.md_level), b.text.strip())
            doc.outline.append(OutlineEntry("heading", b.text.strip(), level, b.line_start, len(doc.paragraphs) + 1))
        elif role == "body":
            section = ((article_label,) if article_label else ()) + headings.path()
            para = Paragraph(
                doc_id, len(doc.paragraphs) + 1, b.text.strip(), section, b.line_start, b.line_end, article_index
            )
            doc.paragraphs.append(para)
            pending_item.append(para)
        elif role == "byline" and news_items and pending_item:
            _label_news_item(pending_item, b.text.strip())
            headings.reset()
            doc.outline.append(
                OutlineEntry(
                    "article", pending_item[0].section[0], 0, pending_item[0].line_start, pending_item[0].number
                )
            )
            doc.outline.append(OutlineEntry("byline", b.text.strip(), 1, b.line_start))
            pending_item = []
        elif role:
            doc.outline.append(OutlineEntry(role, b.text.strip(), 1, b.line_start))
        i += 1

    if not doc.title:
        doc.title = _fallback_title(doc)
    if not doc.date:
        dates = sorted(filter(None, (_iso_date(fold_keep_spaces(p.text)) for p in doc.paragraphs)))
        if dates:
            doc.date = dates[-1]
            doc.warnings.append(f"no date in the heading; using the latest date in the text ({doc.date})")
    return doc


def _label_news_item(paragraphs: list[Paragraph], byline: str) -> None:
    """Name a news item after the place its source line names (南京市人大常委会研究室), else the first it mentions."""
    label = _first_place(byline)
    for p in paragraphs[:2]:
        label = label or _first_place(p.text)
    label = label or byline.strip("()（）")
    for p in paragraphs:
        p.section = (label, *p.section)


def _first_place(text: str) -> str:
    """The first place name in ``text``, in the text's own script (連雲港市 stays whole and Traditional)."""
    folded, origin = fold_with_map(text)
    for place in places(text):
        at = folded.find(place)
        if at >= 0:
            return text[origin[at] : origin[at + len(place) - 1] + 1]
    return ""


def _fallback_title(doc: Document) -> str:
    if doc.publication:
        return f"{doc.publication} {doc.issue}".strip()
    if doc.articles:
        return doc.articles[0].title
    # No title in the source: the opening words, without a salutation or an
    # editor's-note label, in the document's own script.
    for p in doc.paragraphs[:3]:
        text = _SALUTATION.sub("", p.text).strip()
        if len(text) >= 4:
            return (text[:24] + "…") if len(text) > 24 else text
    return doc.doc_id
