"""/phrase: every paragraph that uses an exact formula, kept as a session so it pages like an answer.

An exact look-up, not a question: it is never judged "answered" or not, and
it starts a topic of its own (a later "那…呢" leans on the phrase, not on
whatever was asked before).
"""

from __future__ import annotations

import contextlib

from retrieval import QueryError, fold

from ..corpus import LiveCorpus
from ..messages import Incoming
from ..render import Reply, brief
from ..sessions import Session, Sessions
from ..views import phrases as view
from ..views.answers import AnswerView

KEEP = 100  # paragraphs a listing keeps to page through; the summary counts every one


class Phrases:
    def __init__(self, corpus: LiveCorpus, sessions: Sessions, answers: AnswerView) -> None:
        self.corpus = corpus
        self.sessions = sessions
        self.answers = answers

    def listing(self, msg: Incoming, phrase: str) -> list[Reply]:
        """Blocking (phrase look-up, excerpts, SQLite): the engine runs it in a worker thread."""
        phrase = phrase.strip().strip('“”"「」『』')
        folded = fold(phrase)
        if not folded or not any(ch.isalnum() for ch in phrase):
            return [view.usage()]
        searcher = self.corpus.searcher
        found = searcher.phrase_listing(phrase, keep=KEEP)
        if not found.hits:
            suggestions: list[str] = []
            with contextlib.suppress(QueryError):
                suggestions = searcher.search(f"“{phrase}”", top=1).suggestions
            return [view.missing(phrase, suggestions)]
        lib = self.corpus.lib
        # A derived title already carries its date; others get theirs, as the document list shows it.
        labels = {
            d.doc_id: d.label if d.derived_title else f"{d.label}（{d.date or '日期不详'}）" for d in lib.documents
        }
        session = Session(
            sid=0,
            chat_id=msg.chat_id,
            user_id=msg.user_id,
            query=f"“{phrase}”",
            asked=brief(phrase),
            hits=found.hits,
            terms=[folded],
            topic=f"“{phrase}”",
            kind="phrase",
            counts=found.counts,
            tally=view.tally(found, labels),
        )
        self.sessions.new(session)
        return [self.answers.page(session, 0, edit=False)]
