"""Looking around the corpus: /help, /about, /docs, /outline and /phrase.  Reads only; nothing is saved."""

from __future__ import annotations

import contextlib

from retrieval import Library, QueryError, fold

from ..corpus import LiveCorpus
from ..render import Reply
from ..views import browse as view
from ..views.browse import DOCS_PAGE

EXAMPLE_CANDIDATES = 200  # domain terms tried for /help's example
EXAMPLE_COUNT_CAP = 50  # occurrences counted per candidate: enough to rank them, cheap at any corpus size


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
        docs = self.corpus.lib.resolve_doc(ref)
        if len(docs) != 1:
            return [view.unknown_document(ref)]
        return view.outline(docs[0])

    def phrase(self, phrase: str) -> list[Reply]:
        phrase = phrase.strip().strip('“”"「」')
        folded = fold(phrase)
        if not folded or not any(ch.isalnum() for ch in phrase):
            return [Reply("用法：<code>/phrase 短语</code>，例如 <code>/phrase 四个机关</code>")]
        searcher = self.corpus.searcher
        found = searcher.occurrences(phrase)
        if found:
            return view.phrase_occurrences(phrase, folded, found)
        suggestions: list[str] = []
        with contextlib.suppress(QueryError):
            suggestions = searcher.search(f"“{phrase}”", top=1).suggestions
        return [view.phrase_missing(phrase, suggestions)]
