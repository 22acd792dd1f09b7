"""Questions, follow-ups, paging and sources: a search's result kept as a session and paged through.

A question is searched once, deep enough for every page (``MAX_REFS``
hits, each with its excerpt); the session keeps those hits, and "更多", the
buttons and a restart all page through them without searching again.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from retrieval import Document, Hit, Paragraph, QueryError, attribute, citation

from .. import callbacks
from ..corpus import LiveCorpus
from ..followup import Reading, read_message
from ..messages import Incoming, InlineCard
from ..render import Reply, brief, esc
from ..sessions import Session, Sessions
from ..views.answers import PAGE, AnswerView

MAX_REFS = 30
SESSION_BUTTONS = frozenset("msnpbcqf")  # button kinds whose first argument is the answer's session
INLINE_RESULTS = 10
EXPIRED = "这个按钮已过期，请重新提问"
INVALID = "无效的按钮"


ENGLISH_HELP = (
    "This bot quotes Chinese policy documents, each passage cited to its source. "
    "Ask in Chinese, e.g. <code>四个机关指的是哪四个机关</code>; /help lists the commands."
)
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _english(text: str) -> bool:
    """A message in English (or another Latin-script language): words of letters and no Chinese at all."""
    return not _HAN.search(text) and len(_LATIN_WORD.findall(text)) >= 1 and ":" not in text


def out_of_range(session: Session, rank: int) -> Reply | None:
    """What to say when a typed result number (/source N, /full N) is not one of the session's results."""
    total = len(session.hits)
    return None if 1 <= rank <= total else Reply(f"上一次回答只有 {total} 条结果，请用 1 到 {total} 之间的序号。")


def replied(msg: Incoming, sessions: Sessions, secret: bytes) -> Session | None:
    """The answer a message replies to, named by that message's signed buttons (this chat's only)."""
    for data in msg.replied_buttons:
        try:
            kind, args = callbacks.decode(secret, msg.chat_id, data)
        except callbacks.BadCallback:
            continue
        if kind in SESSION_BUTTONS and args:
            session = sessions.in_chat(args[0], msg.chat_id)
            if session is not None:
                return session
    return None


# 「全文」 typed: the full-text handler's answer for (session, rank; 0 = what is on screen).
Typed = Callable[[Session | None, int], Reply]


class Answers:
    def __init__(self, corpus: LiveCorpus, sessions: Sessions, view: AnswerView, idle: float, full: Typed) -> None:
        self.corpus = corpus
        self.sessions = sessions
        self.view = view
        self.idle_seconds = idle
        self.full = full

    def question(self, msg: Incoming, text: str, reading: str | None) -> list[Reply]:
        """Answer a message: a new question, a follow-up, or a request for more or for a source.

        ``reading="new"`` (``/ask``) takes the text as a new question whatever
        it looks like.  Blocking (search, SQLite): the engine runs it in a worker thread.
        """
        prev = replied(msg, self.sessions, self.view.secret) or self.sessions.current(
            msg.chat_id, msg.user_id, self.idle_seconds
        )
        lib = self.corpus.lib
        if reading == "new":
            how = read_message(text, False, False, lib.analyzer, self.corpus.is_place)
        else:
            # Each follow-up is read against the question the chain started from, never against the
            # previous reading, so three follow-ups do not pile up three sets of leftovers.
            previous = (prev.topic or prev.query) if prev else ""
            how = read_message(
                text,
                prev is not None,
                msg.reply_to_bot,
                lib.analyzer,
                self.corpus.is_place,
                previous,
                people=self.corpus.people,
                subjects=self.corpus.searcher.subjects(),
            )
        if how.kind == "thanks":
            # In a group a courtesy needs no answer (three paragraphs would be noise); in private, a short one.
            return [] if msg.in_group else [Reply("不客气。有问题随时发给我。")]
        if how.kind == "who" and prev is not None and prev.hits:
            said = self._who(prev, how.act)
            if said is not None:
                return [said]
            reading = f"{prev.topic or prev.query} {how.act}"
            how = Reading("followup", query=reading, understood=reading)
        elif how.kind == "who":
            how = read_message(text, False, False, lib.analyzer, self.corpus.is_place)
        if how.kind in ("more", "back_page", "step", "back"):
            return [self._move(prev, how)]
        if how.kind == "source":
            return [self._source_of(prev, self._on_screen(prev, how.rank))]
        if how.kind == "full":
            return [self.full(prev, self._on_screen(prev, how.rank) if how.rank else 0)]
        try:
            # Thirty hits are kept for paging; only the first page's excerpts are made now.
            result = self.corpus.searcher.search(how.query, top=MAX_REFS, collapse=True, excerpts=PAGE)
        except QueryError as exc:
            return [Reply(esc(str(exc)))]
        if _english(text) and not (result.hits and result.answered):
            return [Reply(ENGLISH_HELP)]  # the corpus is Chinese: say how to use the bot, in the asker's language
        if not result.hits:
            return [self.view.no_hits(how.query, result)]
        topic = (prev.topic or prev.query) if how.kind == "followup" and prev is not None else how.query
        session = Session(
            sid=0,
            chat_id=msg.chat_id,
            user_id=msg.user_id,
            query=how.query,
            asked=brief(text),  # echoed in every page header
            hits=result.hits,
            terms=result.terms,
            understood=brief(how.understood),
            filters=result.query.filters + result.query.notices,
            answered=result.answered,
            topic=topic,
            said=text,
        )
        self.sessions.new(session)
        speeches = self.corpus.speeches.asked(how.query, lambda: self._article_of(result.hits[0]))
        if speeches:
            # "马明龙讲了哪几个方面": the speech's own headings answer it; the passages follow.
            return [self.view.speech_outlines(speeches, lib), self.view.page(session, 0, edit=False)]
        return [self.view.page(session, 0, edit=False)]

    def _move(self, session: Session | None, how: Reading) -> Reply:
        """Paging and the source view's buttons, typed: 更多, 上一页, 下一段, 返回.

        They move from what the member is reading: the source paragraph on
        screen (its pages, its neighbours) or else the page of results.
        """
        if session is None:
            return Reply("没有可以翻看的回答，请先提一个问题。")
        reading = session.reading
        if how.kind == "step":
            if reading is None:
                return Reply("先打开一条原文（发送「第一条原文」或点「原文」按钮），再用「上一段」「下一段」前后翻看。")
            rank, number, _ = reading
            return self.source_view(session, rank, number + how.rank, edit=False)
        if how.kind == "back":
            return self.show_page(session, session.offset, edit=False)
        if reading is not None and how.kind == "back_page" and reading[2] > 0:
            return self.source_view(session, reading[0], reading[1], edit=False, page=reading[2] - 1)
        if reading is not None and how.act == "page":
            rank, number, page = reading
            if page + 1 < self._source_pages(session, rank, number):
                return self.source_view(session, rank, number, edit=False, page=page + 1)
        if how.kind == "back_page":
            if session.offset == 0:
                return Reply("已经是第一页了。")
            return self.show_page(session, max(0, session.offset - self.view.page_size(session)), edit=False)
        return self.show_page(session, session.offset + self.view.page_size(session), edit=False)

    def _paragraph(self, doc_id: str, number: int) -> tuple[Document, Paragraph] | None:
        """Paragraph ``number`` of a document and the document, or None once either is gone."""
        doc = self.corpus.lib.doc_by_id.get(doc_id)
        if doc is None or not 1 <= number <= len(doc.paragraphs):
            return None
        return doc, doc.paragraphs[number - 1]

    def _source_pages(self, session: Session, rank: int, number: int) -> int:
        """How many pages the source view shows paragraph ``number`` of result ``rank`` in (0 if it is gone)."""
        found = self._paragraph(session.hits[rank - 1].doc_id, number) if 1 <= rank <= len(session.hits) else None
        return self.view.source_pages(found[1]) if found else 0

    def _article_of(self, hit: Hit) -> tuple[str, int] | None:
        """The (document, article index) a hit's paragraph belongs to, if its document is still there."""
        found = self._paragraph(hit.doc_id, hit.paragraph)
        return (hit.doc_id, found[1].article) if found else None

    def _who(self, session: Session, act: str) -> Reply | None:
        """ "谁讲的？" about the passage on screen: what the text, the byline and the signature say.

        The passage on screen is the source paragraph the member opened last
        (after 「原文」 and 「下一段」 it is no longer any result of the list),
        else the first result of the page shown.
        """
        rank, number, opened = session.on_screen()
        found = self._paragraph(session.hits[rank - 1].doc_id, number)
        if found is None:
            return None
        doc, paragraph = found
        said = attribute(doc, paragraph)
        if act == "主持" and not any(s.act == "主持" for s in said.statements):
            return None  # a byline says who wrote, not who presided: search the topic for it instead
        lines = said.lines(act)
        if not lines:
            return None
        # A paragraph the member opened is asked about for itself; the first of a list of related
        # passages (no answer found) is not the answer, and the reply says so.
        return self.view.who(citation(doc, paragraph), lines, act, related=not opened and not session.answered)

    def show_page(self, session: Session, offset: int, edit: bool) -> Reply:
        if offset >= len(session.hits):
            return self.view.all_shown(session)
        offset = max(0, offset)
        self.sessions.turn_page(session, offset)
        return self.view.page(session, offset, edit)

    def _on_screen(self, session: Session | None, n: int) -> int:
        """ "第二条原文" means what the user is looking at: after 「更多」 that is the second item shown.

        A number that labels an item on screen ("第5条" beside [5]) is taken as that label.
        """
        if session is None or session.offset == 0:
            return n
        last = min(len(session.hits), session.offset + self.view.page_size(session))
        shown = list(range(session.offset + 1, last + 1))
        if n in shown or not 1 <= n <= len(shown):
            return n
        return shown[n - 1]

    def source_by_rank(self, msg: Incoming, rank: int) -> Reply:
        return self._source_of(self.sessions.current(msg.chat_id, msg.user_id, self.idle_seconds), rank)

    def _source_of(self, session: Session | None, rank: int) -> Reply:
        if session is None:
            return Reply("没有可以查看原文的回答，请先提一个问题。")
        return out_of_range(session, rank) or self.source_view(
            session, rank, session.hits[rank - 1].paragraph, edit=False
        )

    def source_view(self, session: Session, rank: int, number: int, edit: bool, page: int = 0) -> Reply:
        """Paragraph ``number`` of result ``rank``'s document, remembered as the one the member reads."""
        doc = self.corpus.lib.doc_by_id.get(session.hits[rank - 1].doc_id)
        if doc is None:
            return self.view.source_gone(edit)
        if not 1 <= number <= len(doc.paragraphs):
            if session.reading is not None and abs(number - session.reading[1]) == 1:
                return Reply("已经是第一段了。" if number < 1 else "已经是最后一段了。")
            return self.view.source_gone(edit)
        page = max(0, min(page, self.view.source_pages(doc.paragraphs[number - 1]) - 1))
        self.sessions.open_source(session, rank, number, page)
        return self.view.source(session, rank, doc, doc.paragraphs[number - 1], edit, page)

    def on_button(self, chat_id: int, kind: str, args: list[int]) -> Reply:
        """「更多」 (m), 「原文 N」 (s), 「上一段」「下一段」 (p, n), a source's pages (c) and 「返回」 (b)."""
        session = self.sessions.in_chat(args[0], chat_id) if args else None
        if session is None:
            return Reply("", notice=EXPIRED)
        if kind == "m" and len(args) == 2:
            return self.show_page(session, args[1], edit=True)
        if kind == "b" and len(args) == 1:
            return self.show_page(session, session.offset, edit=True)
        if kind == "c" and len(args) == 4 and 1 <= args[1] <= len(session.hits):
            return self.source_view(session, args[1], args[2], edit=True, page=args[3])
        if kind in ("s", "p", "n") and 2 <= len(args) <= 3:
            rank = args[1]
            if not 1 <= rank <= len(session.hits):
                return Reply("", notice=EXPIRED)
            if kind == "s":
                number = session.hits[rank - 1].paragraph
            elif len(args) == 3:
                number = args[2] - 1 if kind == "p" else args[2] + 1
            else:
                return Reply("", notice=INVALID)
            return self.source_view(session, rank, number, edit=True)
        return Reply("", notice=INVALID)

    def as_new(self, chat_id: int, user_id: int, sid: int) -> Reply:
        """「作为新问题搜索」: a message read as a follow-up, searched again as the member typed it, a new topic.

        Sent as a new message (the wrong reading stays where it was, for
        comparison); a speaker's outline comes first in the same reply, as it
        would for a question.
        """
        session = self.sessions.in_chat(sid, chat_id)
        if session is None or not session.understood:
            return Reply("", notice=EXPIRED)
        text = session.said or session.asked
        msg = Incoming(chat_id, user_id, text, chat_type="group" if chat_id < 0 else "private")
        replies = [r for r in self.question(msg, text, "new") if r.html]
        if not replies:
            return Reply("", notice=EXPIRED)
        html = "\n\n".join(r.html for r in replies)
        return Reply(html, replies[-1].buttons, notice="已作为新问题搜索")

    def inline(self, query: str) -> list[InlineCard]:
        try:
            result = self.corpus.searcher.search(query, top=INLINE_RESULTS)
        except QueryError:
            return []
        if not result.hits:
            return [self.view.no_hits_card(query)]
        return [self.view.card(hit, result.answered) for hit in result.hits]
