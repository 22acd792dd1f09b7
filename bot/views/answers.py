"""Answers as messages: a page of hits, a paragraph with its source, "nothing found", inline cards."""

from __future__ import annotations

from retrieval import Document, Hit, Library, Paragraph, SearchResult, SpeechOutline, citation, human_date, match_spans

from .. import callbacks
from ..messages import InlineCard
from ..render import Button, Reply, brief, esc, marked, text_pages
from ..sessions import Session
from .cited import suggestions_line
from .phrases import PHRASE_PAGE, listing_html

PAGE = 3
NO_ANSWER = "文档中没有找到直接回答这个问题的内容。"
RELATED = "以下是语料中最接近的段落，仅供参考，并非答案："
SOURCE_PAGE = 3000  # characters of a paragraph per message, with room for the citation, marks and footer
AS_NEW = "作为新问题搜索"


WHO_OF_RELATED = "（上一个问题在文档中没有找到直接回答；下面说的是这一页第一条<b>相关</b>段落，不是那个问题的答案。）"


class AnswerView:
    def __init__(self, secret: bytes, cap: int = 30) -> None:
        self.secret = secret  # signs the buttons' callback data
        self.cap = cap  # how many hits a session keeps at most

    def _button(self, text: str, session: Session, kind: str, *args: int) -> Button:
        return Button(text, callbacks.encode(self.secret, session.chat_id, kind, session.sid, *args))

    @staticmethod
    def page_size(session: Session) -> int:
        return PHRASE_PAGE if session.kind == "phrase" else PAGE

    def page(self, session: Session, offset: int, edit: bool) -> Reply:
        """Hits ``offset+1 …`` under a header that says what was asked and how it was read (or a phrase listing)."""
        total = len(session.hits)
        shown = list(range(offset + 1, min(total, offset + self.page_size(session)) + 1))
        if session.kind == "phrase":
            return Reply(listing_html(session, offset, shown), self._buttons(session, offset, shown), edit=edit)
        head = []
        if not session.answered:
            # Said first, before anything that looks like an answer: people quote what the bot shows.
            head.append(f"⚠️ {NO_ANSWER}")
        head.append(f"🔎 <b>{esc(session.asked)}</b>")
        if session.understood:
            head.append(f"（按“{esc(session.understood)}”理解）")
        if session.filters:
            head.append("筛选：" + esc("；".join(session.filters)))
        if not session.answered:
            head.append(RELATED)
        blocks = ["\n".join(head)]
        # Hits past the first page were kept without excerpts (``search(excerpts=…)``): made when shown.
        blocks += [self.hit_block(session.hits[rank - 1].fill(session.terms), rank, session.answered) for rank in shown]
        # The search keeps at most MAX_REFS hits: a full list is a cap, not a count, and is not called one.
        count = f"，共 {total} 条" if total < self.cap else ""
        blocks.append(f"第 {offset + 1}–{offset + len(shown)} 条{count}")
        # Three excerpts of at most ~200 characters and their citations stay far below the limit.
        return Reply("\n\n".join(blocks), self._buttons(session, offset, shown), edit=edit)

    def _buttons(self, session: Session, offset: int, shown: list[int]) -> list[list[Button]]:
        """「上一页」「更多」 and an 「原文 N」 per item shown: the same on an answer and on a phrase listing."""
        size = self.page_size(session)
        buttons: list[list[Button]] = []
        paging = []
        if offset > 0:
            paging.append(self._button("上一页", session, "m", max(0, offset - size)))
        if offset + size < len(session.hits):
            paging.append(self._button("更多", session, "m", offset + size))
        if paging:
            buttons.append(paging)
        if shown:
            buttons.append([self._button(f"原文 {r}", session, "s", r) for r in shown])
            buttons.append([self._button(f"全文 {r}", session, "f", r) for r in shown])
        if session.understood:
            # The reading is a guess; when it is wrong, one tap searches the member's own words instead.
            buttons.append([self._button(AS_NEW, session, "q")])
        return buttons

    @staticmethod
    def hit_block(hit: Hit, rank: int, answered: bool) -> str:
        # "[1]" rather than "1." so that numbered items in the excerpt ("2. 依托…") stay unambiguous.
        label = f"[{rank}]" if answered else f"[相关 {rank}]"
        block = f"<b>{label}</b> {marked(hit.excerpt, hit.marks)}\n— <i>{esc(hit.citation)}</i>"
        if hit.also:
            block += "\n（内容相近，另见：" + esc("；".join(hit.also)) + "）"
        return block

    @staticmethod
    def all_shown(session: Session) -> Reply:
        total = len(session.hits)
        return Reply(f"“{esc(session.asked)}”的 {total} 条结果已全部显示。", notice="已经是最后一页")

    @staticmethod
    def source_pages(p: Paragraph) -> int:
        """How many messages the source view splits a paragraph into."""
        return len(text_pages(p.text, SOURCE_PAGE))

    def source(self, session: Session, rank: int, doc: Document, p: Paragraph, edit: bool, page: int = 0) -> Reply:
        """A whole paragraph with its citation and source lines; buttons to its neighbours and back.

        A paragraph longer than a message is paged (「上一页」「下一页」), never
        cut: a reader quoting from it must see every word, and where it ends.
        """
        spans = text_pages(p.text, SOURCE_PAGE)
        page = max(0, min(page, len(spans) - 1))
        start, end = spans[page]
        marks = [(max(s, start) - start, min(e, end) - start) for s, e in match_spans(p.text, session.terms)]
        body = marked(p.text[start:end], [(s, e) for s, e in marks if s < e])
        if start > 0:
            body = "…" + body
        if end < len(p.text):
            body += "…"
        part = f"（第 {page + 1}/{len(spans)} 页）" if len(spans) > 1 else ""
        where = f"{esc(doc.label)} · 原文第 {p.line_start}–{p.line_end} 行"
        html = f"📄 <i>{esc(citation(doc, p))}</i>{part}\n\n{body}\n\n{where}"
        rows = []
        if len(spans) > 1:
            pages = []
            if page > 0:
                pages.append(self._button("上一页", session, "c", rank, p.number, page - 1))
            if page + 1 < len(spans):
                pages.append(self._button("下一页", session, "c", rank, p.number, page + 1))
            rows.append(pages)
        row = [self._button("全文", session, "f", rank, p.number)]  # the article this paragraph is in
        if p.number > 1:
            row.append(self._button("上一段", session, "p", rank, p.number))
        if p.number < len(doc.paragraphs):
            row.append(self._button("下一段", session, "n", rank, p.number))
        row.append(self._button("返回", session, "b"))
        rows.append(row)
        return Reply(html, rows, edit=edit)

    @staticmethod
    def source_gone(edit: bool) -> Reply:
        return Reply("这段原文已不在语料中（文档可能已被移除）。", edit=edit, notice="原文已不存在")

    @staticmethod
    def no_hits(query: str, result: SearchResult) -> Reply:
        lines = [f"没有找到与“{esc(brief(query))}”相关的段落。"]
        if result.query.filters:
            lines.append("已应用筛选：" + esc("；".join(result.query.filters)))
        if result.suggestions:
            lines.append(suggestions_line(result.suggestions))
        lines.append("可以换个说法，或用 /docs 查看有哪些文档。")
        return Reply("\n".join(lines))

    @staticmethod
    def who(cited: str, lines: list[str], act: str, related: bool = False) -> Reply:
        """Who said the passage on screen, from the text and the structure; the citation says which passage.

        ``related``: the passage is only related to a question the documents
        did not answer, and a name under it must not read as that answer.
        """
        body = "\n".join(f"· {esc(line)}" for line in lines)
        title = "谁主持的" if act == "主持" else "谁讲的"
        note = f"\n{WHO_OF_RELATED}" if related else ""
        return Reply(f"🗣 <b>{title}</b>{note}\n{body}\n— <i>{esc(cited)}</i>")

    @staticmethod
    def speech_outlines(speeches: list[SpeechOutline], lib: Library) -> Reply:
        """A speaker's speeches with their top-level headings, each cited: what they said, in their own words."""
        blocks = []
        for s in speeches:
            doc = lib.doc_by_id.get(s.doc_id)
            where = doc.label if doc is not None else s.doc_id
            when = f"，{human_date(s.date)}" if s.date else ""
            head = f"📑 <b>{esc(s.who)}《{esc(s.title)}》</b>（{esc(where)}{esc(when)}）共 {len(s.headings)} 个部分："
            items = [f"{esc(text)}（第{number}段起）" for text, number in s.headings]
            blocks.append("\n".join([head, *items]))
        return Reply("\n\n".join(blocks))  # the adapter splits a reply over the limit; nothing is cut here

    @staticmethod
    def no_hits_card(query: str) -> InlineCard:
        """An inline query with nothing to show still gets a card that says so, rather than an empty list."""
        return InlineCard(
            id="none",
            title="没有找到相关段落",
            description=f"“{brief(query, 40)}”在语料中没有找到，可以换个说法",
            html=f"没有找到与“{esc(brief(query))}”相关的段落。",
        )

    @staticmethod
    def card(hit: Hit, answered: bool) -> InlineCard:
        return InlineCard(
            id=f"{hit.doc_id[:40]}:{hit.paragraph}",
            title=("" if answered else "相关：") + f"{hit.doc_title[:40]} · 第{hit.paragraph}段",
            description=hit.excerpt[:120],
            html=f"{marked(hit.excerpt, hit.marks)}\n— <i>{esc(hit.citation)}</i>",
        )
