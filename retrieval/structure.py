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
from .excerpt import human_date
from .model import PRINTED, Article, Block, Document, OutlineEntry, Paragraph
from .patterns import (
    ADDRESSEES,
    BODY_LEAD,
    CONTENTS,
    FILE_NUMBER,
    FULL_DATE,
    HEADING_MARK,
    HEADING_STYLES,
    ISSUE_LINE,
    ISSUER_LINE,
    PAREN_BYLINE,
    SUBTITLE,
    arabic_dates,
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
# A colophon (版权页): the magazine's staff and particulars, one "key: value" line each
# (主 编:王丰江, 电 话: 0511—84427778, 印 数: 6000).  People ask for them, so a run of such lines
# is answerable, each line (with the lines that continue its value) a paragraph of its own.
COLOPHON_MIN = 3  # keyed lines in a run: one "准印证号：…" line in a head is not a colophon
_CONTINUES = 30  # a value's continuation line (more names, an address in brackets) is at most this long
_SALUTATION = re.compile(r"^(?:同志们|同志們|各位代表|各位委员|各位委員|编者按|編者按)\s*[:：,，!！]?\s*")


def bare(text: str) -> str:
    """Folded text without spaces or punctuation, for comparing titles written two ways."""
    return _PUNCT.sub("", fold_keep_spaces(text))


@dataclass
class _TocEntry:
    title: str
    author: str = ""
    section: str = ""
    lines: list[int] = field(default_factory=list)  # the contents' blocks it is printed on


@dataclass
class _Toc:
    """The table of contents: its block range, the entries, its section labels, and what it prints.

    ``printed`` holds, in order, every entry and every cover-art credit (封面 … with its
    摄影 / … line): each becomes a paragraph, since only the contents say on which page an
    article is printed or who took a cover photo.
    """

    start: int = -1
    end: int = -1
    entries: list[_TocEntry] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    printed: list[_TocEntry] = field(default_factory=list)

    @property
    def blocks(self) -> range:
        return range(self.start, self.end + 1) if self.start >= 0 else range(0)


@dataclass
class _Item:
    block: Block
    key: str  # folded, spaces kept
    compact: str
    role: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _parse_toc(items: list[_Item]) -> _Toc:
    """Find the table of contents and read its entries, section labels and art credits."""
    toc = _Toc()
    toc.start = next((i for i, it in enumerate(items[:200]) if _TOC_HEAD.match(it.compact)), -1)
    if toc.start < 0:
        return toc
    current: _TocEntry | None = None
    credit: _TocEntry | None = None
    section = ""
    toc.end = toc.start
    for i in range(toc.start + 1, min(len(items), toc.start + 200)):
        it = items[i]
        text = it.block.text.strip()
        sm = _TOC_SECTION.match(text)
        em = _TOC_ENTRY.match(text)
        if sm:
            section = sm.group(1).strip()
            toc.sections.append(section)
            current = credit = None
            toc.end = i
        elif em and not is_date_line(it.compact) and not _META.match(it.key):
            title, _, author = em.group(2).rpartition("/") if "/" in em.group(2) else (em.group(2), "", "")
            current, credit = _TocEntry(title.strip(), author.strip(), section, [i]), None
            toc.entries.append(current)
            toc.printed.append(current)
            toc.end = i
        elif current is not None and not current.author and not _TOC_ART.match(text) and ":" not in it.key:
            if text.startswith("/"):
                current.author = text[1:].strip()
            else:
                title, _, author = text.rpartition("/") if "/" in text else (text, "", "")
                current.title = f"{current.title} {title.strip()}"
                current.author = author.strip()
            current.lines.append(i)
            toc.end = i
        elif _TOC_ART.match(text):
            if credit is not None and text.startswith("摄影"):
                credit.lines.append(i)  # the photographer of the art above
            else:
                current, credit = None, _TocEntry(text, section=section, lines=[i])
                toc.printed.append(credit)
            toc.end = i
    return toc


def _items(blocks: list[Block]) -> list[_Item]:
    items = [_Item(b, fold_keep_spaces(b.text), "") for b in blocks]
    for it in items:
        it.compact = it.key.replace(" ", "")
    return items


def toc_titles(blocks: list[Block]) -> set[str]:
    """Bare forms of the titles a table of contents lists, and of each line of a two-line title."""
    titles: set[str] = set()
    for e in _parse_toc(_items(blocks)).entries:
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
    m = FULL_DATE.search(arabic_dates(key.replace(" ", "")))
    if not m:
        return ""
    y, mo, d = (g for g in m.groups() if g is not None)
    return f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"


_MONTH = re.compile(r"(\d{4})年(\d{1,2})月")


def _iso_month(key: str) -> str:
    """2022-05 for a line that dates by month only."""
    m = _MONTH.search(arabic_dates(key.replace(" ", "")))
    return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}" if m and 1 <= int(m.group(2)) <= 12 else ""


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
    if ends_sentence(c) or ";" in c:
        return False  # masthead and key: value lines are not sentences, nor rows of a table
    return bool(_META.match(it.key) and len(c) <= 60) or bool(_NAMES_ONLY.match(it.key)) or bool(ISSUE_LINE.match(c))


def _is_label(it: _Item) -> bool:
    """A short line that is not a sentence: a title, a caption or an unnumbered heading."""
    c = it.compact
    # A line ending in an enumeration mark is a list cut short (名单如下：李晓峰（女）、赵东、), not a label.
    # A semicolon separates clauses (or a table row's cells), which a title never has.
    listy = c.endswith(("、", ",")) or ";" in c
    return len(c) <= 40 and not ends_sentence(c) and not BODY_LEAD.match(c) and not listy


@dataclass
class _Plan:
    """What the head passes found: front matter, and the blocks where articles start."""

    toc: range = range(0)
    printed: list[_TocEntry] = field(default_factory=list)  # the contents' entries and credits (_Toc.printed)
    article_at: dict[int, tuple[int, int, _TocEntry]] = field(default_factory=dict)
    issue_idx: int = -1
    news_items: bool = False


def build_document(doc_id: str, source: str, blocks: list[Block], warnings: list[str]) -> Document:
    """Recover a document's structure in passes: articles, head, roles, then sections and paragraphs.

    Each pass reads what the earlier ones decided (a block that starts an
    article is not a heading; the head's title is not body text), so the
    order matters and each pass stays small enough to reason about.
    """
    items = _items(blocks)
    doc = Document(doc_id=doc_id, source=source, title="", warnings=list(warnings))
    plan = _find_articles(items, doc)
    _read_head(items, doc, plan)
    _assign_roles(items, plan)
    _mark_colophons(items, plan)
    _Walker(items, doc, plan).run()
    _finish(doc, items)
    return doc


def _find_articles(items: list[_Item], doc: Document) -> _Plan:
    """Where articles start: table-of-contents titles, official-document heads, else Markdown titles."""
    plan = _Plan()
    toc = _parse_toc(items)
    plan.toc, plan.printed = toc.blocks, toc.printed
    starts = _find_titles(items, toc.entries, plan.toc)
    for entry in toc.entries:
        if not any(e is entry for _, _, e in starts):
            doc.warnings.append(f"目录中的标题在正文中没有找到：{entry.title}")
    if starts:
        last = starts[-1][1]
        for label in toc.sections:
            for i in range(last + 1, len(items)):
                if bare(items[i].block.text) == bare(label):
                    starts.append((i, i, _TocEntry(label)))
                    break
    taken = {k for s, e, _ in starts for k in range(s, e + 1)} | set(plan.toc)
    starts += _official_heads(items, taken)
    plan.article_at = {s: (s, e, entry) for s, e, entry in starts}
    return plan


def _official_heads(items: list[_Item], taken: set[int]) -> list[tuple[int, int, _TocEntry]]:
    """Official documents (公文), whole or reprinted inside a magazine: issuer, file number, title.

    The masthead line ("中共丽水市人大常委会党组文件") and the file number
    ("丽人常发〔2022〕7号") mark a document of its own; its title is the
    line that follows them, and the issuer is its author.  Without this a
    reprinted notice is cited as a section of whatever article came before it.
    """
    found: list[tuple[int, int, _TocEntry]] = []
    i = 0
    while i < len(items):
        if i in taken or not (FILE_NUMBER.match(items[i].compact) or ISSUER_LINE.match(items[i].compact)):
            i += 1
            continue
        issuer = ""
        j = i
        while (
            j < len(items)
            and j not in taken
            and (FILE_NUMBER.match(items[j].compact) or ISSUER_LINE.match(items[j].compact))
        ):
            if ISSUER_LINE.match(items[j].compact):
                items[j].role = "issuer"
                issuer = items[j].block.text.strip().removesuffix("文件").strip()
            else:
                items[j].role = "fileno"
            j += 1
        if j < len(items) and j not in taken and _is_doc_title(items[j]):
            found.append((j, j, _TocEntry(items[j].block.text.strip(), issuer)))
            j += 1
        i = j
    return found


def _is_doc_title(it: _Item) -> bool:
    c = it.compact
    return (
        4 <= len(c) <= 80
        and not ends_sentence(c)
        and not is_date_line(c)
        and not ADDRESSEES.match(c)
        and not is_heading_line(c)
        and not BODY_LEAD.match(c)
    )


def _read_head(items: list[_Item], doc: Document, plan: _Plan) -> None:
    """Publication, issue, title and date from the first lines of the document."""
    head = items[:15]
    plan.issue_idx = next(
        (i for i, it in enumerate(head) if ISSUE_LINE.match(it.compact) or re.match(r"^第\d+期$", it.compact)), -1
    )
    if plan.issue_idx >= 0:
        pub = next((it for it in head[: plan.issue_idx] if _is_label(it) and not is_date_line(it.compact)), None)
        if pub is not None:
            doc.publication = pub.block.text.strip()
            pub.role = "publication"
            doc.issue = items[plan.issue_idx].compact
            items[plan.issue_idx].role = "issue"
    md_titles = [it for it in items if it.block.md_level in (1, 2) and not is_heading_line(it.compact)]
    if not doc.publication and md_titles and md_titles[0].block.md_level == 1 and len(md_titles) > 1:
        doc.publication = md_titles[0].block.text.strip()
        md_titles[0].role = "publication"
    if not plan.article_at:
        for it in md_titles:
            if it.role != "publication":
                idx = items.index(it)
                plan.article_at[idx] = (idx, idx, _TocEntry(it.block.text.strip()))
    first = next((it for it in items if it.role not in ("issuer", "fileno")), None)
    if (
        not doc.publication
        and not plan.article_at
        and first
        and _is_label(first)
        and not is_date_line(first.compact)
        and not _is_meta(first)
        and not ADDRESSEES.match(first.compact)
    ):
        first.role = "title"
        doc.title = first.block.text.strip()

    for it in items[:20]:
        if is_date_line(it.compact) and _iso_date(it.key):
            doc.date = _iso_date(it.key)
            break
    if not doc.date and plan.issue_idx >= 0:
        m = ISSUE_LINE.match(items[plan.issue_idx].compact)
        if m and m.group(1):
            doc.date = f"{int(m.group(1)):04d}-{min(12, int(m.group(2))):02d}"
    paren_bylines = sum(1 for it in items if PAREN_BYLINE.match(it.compact))
    plan.news_items = (
        not plan.article_at and paren_bylines >= 3 and not any(is_heading_line(it.compact) for it in items)
    )


def _assign_roles(items: list[_Item], plan: _Plan) -> None:
    """The role of every block the head passes left open: date, heading, byline, meta or body."""
    for i, it in enumerate(items):
        if it.role or i in plan.toc or i in plan.article_at:
            continue
        c = it.compact
        b = it.block
        if is_date_line(c):
            it.role = "date"
        elif ADDRESSEES.match(c):
            it.role = "addressees"
        elif (b.md_level and not (BODY_LEAD.match(c) and ends_sentence(c))) or is_heading_line(c):
            it.role = "heading"
        elif is_byline(it.key, c) and len(c) <= 30:
            it.role = "byline"
        elif _is_meta(it):
            it.role = "meta"
        elif _is_label(it):
            nxt = items[i + 1] if i + 1 < len(items) else None
            body_follows = nxt is not None and not _is_label(nxt) and not _is_meta(nxt)
            it.role = "heading" if body_follows else "meta"
        elif has_content(b.text):
            it.role = "body"


def _is_keyed(it: _Item) -> bool:
    """A "key: value" line of a colophon or masthead, not a sentence that happens to hold a colon."""
    return bool(_META.match(it.key)) and not ends_sentence(it.compact) and len(it.compact) <= 60


def _mark_colophons(items: list[_Item], plan: _Plan) -> None:
    """Runs of ``COLOPHON_MIN`` or more keyed lines, front matter or back, become the role ``colophon``.

    A line that is not keyed continues the value above it (the rest of a list of
    names, an address in brackets) when it is short and no sentence, table-of-contents
    entry or section label; anything else ends the run.  Only lines whose role is
    open or "meta" count: a heading, byline or article title never belongs to one.
    """

    def free(i: int) -> bool:
        it = items[i]
        text = it.block.text.strip()
        return (
            it.role in ("", "meta")
            and i not in plan.article_at
            and not _TOC_SECTION.match(text)
            and not _TOC_ENTRY.match(text)
        )

    i = 0
    while i < len(items):
        if not (free(i) and _is_keyed(items[i])):
            i += 1
            continue
        j, keyed = i, 0
        while j < len(items) and free(j):
            it = items[j]
            if _is_keyed(it):
                keyed += 1
            elif j == i or ends_sentence(it.compact) or len(it.compact) > _CONTINUES:
                break
            j += 1
        if keyed >= COLOPHON_MIN:
            for k in range(i, j):
                items[k].role = "colophon"
        i = max(j, i + 1)


class _Walker:
    """The sections pass: walks the blocks in order, opening articles and headings, numbering paragraphs."""

    def __init__(self, items: list[_Item], doc: Document, plan: _Plan) -> None:
        self.items, self.doc, self.plan = items, doc, plan
        self.headings = _Headings()
        self.article_label = ""
        self.article_index = -1
        self.pending_item: list[Paragraph] = []
        self.printed: list[_Item] = []  # lines printed since the last paragraph: title, byline, date, caption…

    def outline(self, kind: str, it: _Item, level: int, paragraph: int = 0) -> None:
        self.doc.outline.append(OutlineEntry(kind, it.block.text.strip(), level, it.block.line_start, paragraph))

    def run(self) -> None:
        i = 0
        while i < len(self.items):
            it = self.items[i]
            if it.role == "colophon":
                self.flush_printed()
                i = self.colophon(i)
                continue
            if i in self.plan.toc:
                self.flush_printed()
                i = self.contents(i)
                continue
            if it.role in ("publication", "issue", "title"):
                self.outline(it.role, it, 0)
                self.printed.append(it)
            elif i in self.plan.article_at:
                i = self.open_article(i)
                continue
            else:
                self.place(it)
            i += 1
        self.flush_printed()

    def flush_printed(self, article: tuple[str, int] | None = None) -> None:
        """The lines printed since the last paragraph become one paragraph, under the section ``PRINTED``.

        A masthead, an article's title, subtitle, byline and date, a file
        number, the caption of a chart: none is a paragraph of the text, yet
        each is what a question about the page asks for (署名的作者是哪几位,
        流程图第一张管什么, 标题全称是啥).  The lines stay in the outline as before;
        ranking offers the paragraph only to such questions (``ASKS_PRINTED``).
        ``article`` (label, index) files them under another article than the current one.
        """
        # A salutation (同志们：) is said, not printed: it names nothing a question asks about.
        lines = [it.block for it in self.printed if len(_PUNCT.sub("", _SALUTATION.sub("", it.compact))) >= 2]
        self.printed = []
        if not lines:
            return
        doc = self.doc
        label, index = article or (self.article_label, self.article_index)
        section = ((label,) if label else ()) + self.headings.path() + (PRINTED,)
        text = "\n".join(_COUNTER.sub("", b.text).strip() for b in lines)
        doc.paragraphs.append(
            Paragraph(
                doc.doc_id,
                len(doc.paragraphs) + 1,
                text,
                section,
                lines[0].line_start,
                lines[-1].line_end,
                index,
            )
        )

    def colophon(self, i: int) -> int:
        """Each keyed line of a colophon, with its continuation lines, becomes a paragraph of the publication.

        It belongs to no article, and its section is the publication's name, which the
        questions use ("民主法治建设杂志的主编是谁").  The lines stay in the outline as before.
        """
        items, doc = self.items, self.doc
        section = (doc.publication or doc.title,) if (doc.publication or doc.title) else ()
        while i < len(items) and items[i].role == "colophon":
            j = i + 1
            while j < len(items) and items[j].role == "colophon" and not _is_keyed(items[j]):
                j += 1
            lines = [items[k].block for k in range(i, j)]
            for k in range(i, j):
                self.outline("toc" if k in self.plan.toc else "meta", items[k], 0 if k in self.plan.toc else 1)
            text = "\n".join(b.text.strip() for b in lines)
            doc.paragraphs.append(
                Paragraph(doc.doc_id, len(doc.paragraphs) + 1, text, section, lines[0].line_start, lines[-1].line_end)
            )
            i = j
        return i

    def contents(self, i: int) -> int:
        """The contents' entries and art credits (:class:`_Toc`) become paragraphs; every line stays in the outline.

        An entry is its page number, title and author over however many lines
        they run, printed with the contents' own list mark; a credit is the
        art's place and caption with its photographer.  Their section is the
        publication, 目录 and the contents' group (◆ 书画摄影), which is how
        questions name them ("目录上是第几页", "封底照片是谁拍的").
        """
        items, doc, toc = self.items, self.doc, self.plan.toc
        while i < len(items) and i in toc and items[i].role != "colophon":
            self.outline("toc", items[i], 0)
            i += 1
        publication = doc.publication or doc.title
        # The entries read so far (a colophon may interrupt the contents and resume them).
        while self.plan.printed and self.plan.printed[0].lines[0] < i:
            entry = self.plan.printed.pop(0)
            blocks = [items[k].block for k in entry.lines]
            text = "\n".join(f"{b.bullet} {b.text.strip()}" if b.bullet else b.text.strip() for b in blocks)
            section = tuple(x for x in (publication, CONTENTS, entry.section) if x)
            first, last = blocks[0].line_start, blocks[-1].line_end
            doc.paragraphs.append(Paragraph(doc.doc_id, len(doc.paragraphs) + 1, text, section, first, last))
        return i

    def open_article(self, i: int) -> int:
        """Start the article whose title is at block ``i``; its subtitle, date and byline follow it."""
        items, doc = self.items, self.doc
        # An official document's masthead and file number stand above its title:
        # they are printed for the document that opens here, not the one before.
        head: list[_Item] = []
        while self.printed and self.printed[-1].role in ("issuer", "fileno"):
            head.insert(0, self.printed.pop())
        self.flush_printed()  # what was printed before the title belongs to what came before
        s, e, entry = self.plan.article_at[i]
        title = " ".join(items[k].block.text.strip() for k in range(s, e + 1))
        art = Article(title=title)
        j = e + 1
        while j < len(items) and j <= e + 4 and j not in self.plan.article_at:
            nxt = items[j]
            if SUBTITLE.match(nxt.compact) and len(nxt.compact) <= 80:
                art.subtitle = nxt.block.text.strip()
                self.outline("subtitle", nxt, 1)
            elif is_date_line(nxt.compact):
                # A chronicle or monthly report is dated by its month ("(2022年5月)").
                art.date = art.date or _iso_date(nxt.key) or _iso_month(nxt.key)
                self.outline("date", nxt, 1)
            elif is_byline(nxt.key, nxt.compact) or (
                entry.author and bare(entry.author) in bare(nxt.block.text) and len(nxt.compact) <= 40
            ):
                art.author = entry.author.replace(" ", "") if entry.author else _short_name(nxt.block.text)
                self.outline("byline", nxt, 1)
            else:
                break
            self.printed.append(nxt)
            j += 1
        if not art.author and entry.author:
            art.author = entry.author.replace(" ", "")
        art.first_paragraph = len(doc.paragraphs) + 1
        doc.articles.append(art)
        self.article_index = len(doc.articles) - 1
        self.article_label = art.label
        self.printed = head + [items[k] for k in range(s, e + 1)] + self.printed
        line = items[i].block.line_start
        doc.outline.append(OutlineEntry("article", self.article_label, 0, line, art.first_paragraph))
        self.headings.reset()
        return j

    def place(self, it: _Item) -> None:
        """Put one block where its role says: a heading opens a section, body becomes a paragraph."""
        doc, role = self.doc, it.role
        if role in ("heading", "body"):
            self.flush_printed()
        if role == "heading":
            level = self.headings.push(_style(it.compact, it.block.md_level), it.block.text.strip())
            self.outline("heading", it, level, len(doc.paragraphs) + 1)
        elif role == "body":
            section = ((self.article_label,) if self.article_label else ()) + self.headings.path()
            b = it.block
            para = Paragraph(
                doc.doc_id,
                len(doc.paragraphs) + 1,
                b.text.strip(),
                section,
                b.line_start,
                b.line_end,
                self.article_index,
            )
            doc.paragraphs.append(para)
            self.pending_item.append(para)
        elif role == "byline" and self.plan.news_items and self.pending_item:
            item = self.close_news_item(it)
            self.printed.append(it)
            self.flush_printed(item)  # the source line is printed under the item it closes
        elif role in ("issuer", "byline"):
            self.outline("byline", it, 1)
            self.printed.append(it)
        elif role:
            self.outline("meta" if role in ("fileno", "addressees") else role, it, 1)
            self.printed.append(it)

    def close_news_item(self, byline: _Item) -> tuple[str, int]:
        """A source line in brackets ends a news item: the paragraphs since the last one become an article.

        The item is named after the place its source line names
        (南京市人大常委会研究室), else the first place it mentions; the source
        line itself is its byline, so citations show who reported it.
        Returns the item's label and article index.
        """
        paragraphs = self.pending_item
        text = byline.block.text.strip()
        label = _first_place(text)
        note = _editors_note(paragraphs, label)
        if note:
            # The editor's note that opens an issue is the editors', not the first report's.
            self.add_article(Article(title=EDITORS_NOTE), note)
            paragraphs = paragraphs[len(note) :]
        for p in paragraphs[:2]:
            label = label or _first_place(p.text)
        author = text.strip("()（） ")
        name, index = self.add_article(Article(title=label or author, author=author), paragraphs)
        self.outline("byline", byline, 1)
        self.pending_item = []
        return name, index

    def add_article(self, art: Article, paragraphs: list[Paragraph]) -> tuple[str, int]:
        """Make ``paragraphs`` (already placed) one article: its label heads their section paths."""
        art.first_paragraph = paragraphs[0].number
        self.doc.articles.append(art)
        index = len(self.doc.articles) - 1
        name = art.label
        for p in paragraphs:
            p.section = (name, *p.section)
            p.article = index
        self.headings.reset()
        self.doc.outline.append(OutlineEntry("article", name, 0, paragraphs[0].line_start, paragraphs[0].number))
        return name, index


EDITORS_NOTE = "编者按"
_NOTE_LABEL = re.compile(r"^\s*(?:编者按|編者按)\s*[:：]")
_LEVEL = re.compile(r"(?<=..)[市县区縣區]$")


def _editors_note(paragraphs: list[Paragraph], place: str) -> list[Paragraph]:
    """The paragraphs of an editor's note (编者按：…) at the head of a news item, or none.

    The note speaks of the whole issue; the report proper begins with the first
    paragraph that names the place its source line names (南京市各级人大…).
    Without such a paragraph only the labelled one is the note.
    """
    if len(paragraphs) < 2 or not _NOTE_LABEL.match(paragraphs[0].text):
        return []
    name = _LEVEL.sub("", fold_keep_spaces(place)) if place else ""
    for k, p in enumerate(paragraphs[1:], start=1):
        if name and name in fold_keep_spaces(p.text):
            return paragraphs[:k]
    return paragraphs[:1]


# A web page's counters and controls on its date line (浏览次数：1024, 字号：大 中 小): the page's, not the document's.
_COUNTER = re.compile(
    r"\s*(?:(?:浏览|點擊|点击|阅读|閱讀|瀏覽)(?:次数|次數|量|数|數)?\s*[:：]\s*\d+\s*次?|字号\s*[:：]?\s*大\s*中\s*小)"
)


def _first_place(text: str) -> str:
    """The first place name in ``text``, in the text's own script (連雲港市 stays whole and Traditional)."""
    folded, origin = fold_with_map(text)
    for place in places(text):
        at = folded.find(place)
        if at >= 0:
            return text[origin[at] : origin[at + len(place) - 1] + 1]
    return ""


def _finish(doc: Document, items: list[_Item]) -> None:
    """What the passes could not see alone: a date from the text, a title for a document without one."""
    if not doc.date:
        body = (p for p in doc.paragraphs if not p.printed)
        dates = sorted(filter(None, (_iso_date(fold_keep_spaces(p.text)) for p in body)))
        if dates:
            doc.date = dates[-1]
            doc.warnings.append(f"文档开头没有日期，采用正文中最晚的日期（{doc.date}）")
    speech = _is_speech(items)
    if not doc.title:
        doc.title, doc.derived_title = _fallback_title(doc, items, speech)
    if not doc.publication and not doc.articles and speech:
        doc.author = "未署名"


def _is_speech(items: list[_Item]) -> bool:
    """A speech opens by addressing its audience (同志们：) or calls itself a 讲话 in its title."""
    head = [it.compact for it in items[:6]]
    return any(_SALUTATION.match(c) and not c.startswith(("编者按", "編者按")) for c in head) or any(
        it.role == "title" and it.compact.endswith(("讲话", "講話")) for it in items[:3]
    )


def _fallback_title(doc: Document, items: list[_Item], speech: bool) -> tuple[str, bool]:
    """A title for a document that has none of its own, and whether it was derived.

    A periodical is named by its masthead and issue, a collection by its first
    article.  Otherwise the title is put together from what the text says it
    is (a speech, an editor's note with reports), its subject — the quoted
    formula it keeps returning to, else its first heading's opening clause —
    and its date, and marked as derived so nobody quotes it as the real title.
    """
    if doc.publication:
        return f"{doc.publication} {doc.issue}".strip(), False
    # One article from the start (only printed lines before it): the document is that article.
    if len(doc.articles) == 1 and all(p.printed for p in doc.paragraphs[: doc.articles[0].first_paragraph - 1]):
        return doc.articles[0].title, False
    kind = "讲话" if speech else ""
    if any(it.compact.startswith(("编者按", "編者按")) for it in items[:3]):
        kind = "编者按及各地报道" if doc.articles else "编者按"
    subject = _subject(doc)
    when = human_date(doc.date) if doc.date else "日期不详"
    parts = [part for part in (kind, subject) if part]
    if not parts:
        return doc.doc_id, False
    return f"{'：'.join(parts)}（{when}）", True


_QUOTED_TOPIC = re.compile(r"“([^“”]{2,20})”([\u4e00-\u9fff]{0,6})")
_CLAUSE_END = re.compile(r"[，,。；;：:！!？?]")


def _subject(doc: Document) -> str:
    """What a document is about, in its own words: its most repeated quoted formula with the noun after it."""
    counts: dict[str, int] = {}
    body = [p for p in doc.paragraphs if not p.printed]
    for p in body:
        for m in _QUOTED_TOPIC.finditer(p.text):
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    if counts:
        best, n = max(counts.items(), key=lambda kv: (kv[1], -len(kv[0])))
        if n >= 3:
            return best
    headings = [e.text for e in doc.outline if e.kind == "heading"]
    if headings:
        text = HEADING_MARK.sub("", headings[0].strip())
        return _CLAUSE_END.split(text)[0][:24]
    for p in body[:2]:
        text = _SALUTATION.sub("", p.text).strip()
        if text:
            return _CLAUSE_END.split(text)[0][:24]
    return ""
