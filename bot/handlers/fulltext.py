"""「全文」 and ``/full N``: the whole article behind a cited result, as files a reader can keep.

The text comes from :func:`retrieval.full_text` (the magazine article from
its title to its end, else the document, its citation lines on top); the
original the admin uploaded is sent beside it when one was kept.  Reading
and encoding can take a moment for a long document, so the engine calls
these in a worker thread.
"""

from __future__ import annotations

from pathlib import Path

from retrieval import full_text, original_file

from ..corpus import LiveCorpus
from ..messages import Incoming
from ..render import MAX_FILE_BYTES, Reply
from ..sessions import Session, Sessions
from ..views import fulltext as view
from .answers import EXPIRED, out_of_range


class FullTexts:
    def __init__(self, corpus: LiveCorpus, sessions: Sessions, corpus_dir: Path, idle_seconds: float) -> None:
        self.corpus = corpus
        self.sessions = sessions
        self.corpus_dir = corpus_dir  # where the kept originals are (``originals/`` beside the sources)
        self.idle_seconds = idle_seconds

    def by_rank(self, msg: Incoming, rank: int) -> Reply:
        """``/full N``: result N of the member's current answer, as ``/source N`` counts them."""
        session = self.sessions.current(msg.chat_id, msg.user_id, self.idle_seconds)
        return (session and out_of_range(session, rank)) or self.typed(session, rank)  # /full 0 is no result

    def typed(self, session: Session | None, rank: int) -> Reply:
        """Result ``rank``'s article, or with 0 (「全文」 typed alone) the article of the passage on screen —
        what the 「全文」 button under it would send (:meth:`Session.on_screen`)."""
        if session is None:
            return Reply(view.NO_SESSION)
        if rank:
            return out_of_range(session, rank) or self.files(session, rank, session.hits[rank - 1].paragraph)
        shown, number, _ = session.on_screen()
        return self.files(session, shown, number)

    def on_button(self, chat_id: int, args: list[int]) -> Reply:
        """「全文 N」 on a page (session, rank) or 「全文」 under a paragraph (session, rank, paragraph shown)."""
        session = self.sessions.in_chat(args[0], chat_id) if args else None
        if session is None or not 2 <= len(args) <= 3:
            return Reply("", notice=EXPIRED)
        rank = args[1]
        if not 1 <= rank <= len(session.hits):
            return Reply("", notice=EXPIRED)
        number = args[2] if len(args) == 3 else session.hits[rank - 1].paragraph
        return self.files(session, rank, number)

    def files(self, session: Session, rank: int, number: int) -> Reply:
        doc = self.corpus.lib.doc_by_id.get(session.hits[rank - 1].doc_id)
        if doc is None or not 1 <= number <= len(doc.paragraphs):
            return view.gone()
        p = doc.paragraphs[number - 1]
        return view.files(doc, p, full_text(doc, p), self._original(doc.doc_id))

    def _original(self, doc_id: str) -> tuple[str, bytes | int] | None:
        """(name, bytes) of the kept upload, (name, size) when Telegram would refuse it, None when there is none."""
        path = original_file(self.corpus_dir, doc_id)
        if path is None:
            return None
        try:
            size = path.stat().st_size
            return (path.name, size) if size > MAX_FILE_BYTES else (path.name, path.read_bytes())
        except OSError:
            return None  # removed meanwhile: the full text is still worth sending
