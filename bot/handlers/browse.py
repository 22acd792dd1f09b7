"""Looking around the corpus: /help, /about, /docs and /outline.  Reads only; nothing is saved."""

from __future__ import annotations

from retrieval import Library, fold

from ..corpus import LiveCorpus
from ..render import Reply
from ..views import browse as view
from ..views.browse import DOCS_PAGE

EXAMPLE_CANDIDATES = 200  # domain terms tried for /help's example
EXAMPLE_COUNT_CAP = 50  # occurrences counted per candidate: enough to rank them, cheap at any corpus size
MAX_CANDIDATES = 10  # documents offered when a reference names several
MENTIONS_CAP = 2000  # paragraphs read to rank the documents that mention a word


class Browsing:
    def __init__(self, corpus: LiveCorpus, secret: bytes) -> None:
        self.corpus = corpus
        self.secret = secret
        self._example: tuple[Library, str] | None = None

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

    def docs_page(self, offset: int, chat_id: int | None, edit: bool) -> Reply:
        """A page of the document list: a large corpus is one message with 「上一页」「下一页」, not dozens."""
        lib = self.corpus.lib
        docs = lib.documents
        offset = max(0, min(offset, max(0, len(docs) - 1) // DOCS_PAGE * DOCS_PAGE))
        button = view.docs_button(self.secret, chat_id) if chat_id is not None else None
        return view.docs_page(docs, offset, lib.short_id, button, edit)

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
