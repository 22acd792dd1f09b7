"""Looking around the corpus: /help, /about, /docs and /outline.  Reads only; nothing is saved."""

from __future__ import annotations

from retrieval import Library, fold

from ..corpus import LiveCorpus
from ..followup import paging
from ..render import Reply
from ..sessions import Sessions
from ..views import browse as view
from ..views.browse import DOCS_PAGE

EXAMPLE_CANDIDATES = 200  # domain terms tried for /help's example
EXAMPLE_COUNT_CAP = 50  # occurrences counted per candidate: enough to rank them, cheap at any corpus size
MAX_CANDIDATES = 10  # documents offered when a reference names several
MENTIONS_CAP = 2000  # paragraphs read to rank the documents that mention a word


class Browsing:
    def __init__(self, corpus: LiveCorpus, secret: bytes, sessions: Sessions) -> None:
        self.corpus = corpus
        self.secret = secret
        self.sessions = sessions
        self._example: tuple[Library, str] | None = None
        # The page of the document list each member has on screen, until their next message: a typed
        # 下一页 turns it, as its button does.  Kept in memory (a restart forgets it, and 下一页 then says
        # there is nothing to page rather than paging an earlier answer: see docs_command).
        self._shown: dict[tuple[int, int], int] = {}

    def help(self) -> Reply:
        lib = self.corpus.lib
        doc_hint = lib.short_id(lib.documents[0].doc_id) if len(lib.documents) else "000"
        return view.help_text(self.example_term(lib), doc_hint)

    def example_term(self, lib: Library) -> str:
        """The domain term quoted most often in this library: an example that is sure to find something."""
        if self._example is not None and self._example[0] is lib:
            return self._example[1]
        best, best_count = "四个机关", 0
        for candidate in lib.domain_terms()[:EXAMPLE_CANDIDATES]:
            count = len(lib.find_phrase(candidate, limit=EXAMPLE_COUNT_CAP))
            if count > best_count:
                best, best_count = candidate, count
        self._example = (lib, best)
        return best

    def about(self) -> Reply:
        lib = self.corpus.lib
        return view.about(len(lib.documents), len(lib.paragraphs), lib.n_terms)

    def docs_page(self, offset: int, chat_id: int | None, edit: bool, user_id: int | None = None) -> Reply:
        """A page of the document list: a large corpus is one message with 「上一页」「下一页」, not dozens."""
        lib = self.corpus.lib
        docs = lib.documents
        offset = max(0, min(offset, max(0, len(docs) - 1) // DOCS_PAGE * DOCS_PAGE))
        if chat_id is not None and user_id is not None:
            self._shown[(chat_id, user_id)] = offset
        button = view.docs_button(self.secret, chat_id) if chat_id is not None else None
        return view.docs_page(docs, offset, lib.short_id, button, edit)

    def docs_command(self, chat_id: int, user_id: int) -> Reply:
        """/docs: the list's first page, which is now what a typed 下一页 turns, not the answer before it."""
        self.sessions.forget(chat_id, user_id)
        return self.docs_page(0, chat_id, False, user_id)

    def typed_paging(self, chat_id: int, user_id: int, text: str) -> Reply | None:
        """A typed 下一页 / 上一页 right after the document list turns it; None for any other message.

        Any message ends the list's turn on screen: after a question, 下一页 pages the answer.
        """
        offset = self._shown.pop((chat_id, user_id), None)
        step = paging(text) if offset is not None else 0
        if offset is None or not step:
            return None
        target = offset + step * DOCS_PAGE
        if not 0 <= target < len(self.corpus.lib.documents):
            self._shown[(chat_id, user_id)] = offset
            return Reply("已经是第一页了。" if target < 0 else "文档列表已经是最后一页了。")
        return self.docs_page(target, chat_id, False, user_id)

    def leave(self, chat_id: int, user_id: int) -> None:
        """Another command was sent: the document list is no longer what 下一页 turns."""
        self._shown.pop((chat_id, user_id), None)

    def outline(self, ref: str) -> list[Reply]:
        if not ref:
            return [Reply("用法：<code>/outline 文档编号</code>，编号见 /docs。")]
        lib = self.corpus.lib
        docs = lib.resolve_doc(ref)
        if len(docs) == 1:
            return view.outline(docs[0])
        if docs:
            return [view.candidates(ref, [(d, 0) for d in docs[:MAX_CANDIDATES]], len(docs), lib.short_id)]
        # Not an id or a word of a title ("/outline 镇江"): the documents whose text names it, most mentions first.
        counts: dict[str, int] = {}
        for pos, _ in lib.find_phrase(fold(ref), limit=MENTIONS_CAP):
            doc_id = lib.paragraphs[pos].doc_id
            counts[doc_id] = counts.get(doc_id, 0) + 1
        if not counts:
            return [view.unknown_document(ref)]
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        named = [(lib.doc_by_id[doc_id], n) for doc_id, n in ranked[:MAX_CANDIDATES]]
        return [view.candidates(ref, named, len(ranked), lib.short_id)]
