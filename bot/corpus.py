"""The library the bot answers from, replaced whole when an admin adds or removes a document.

Every handler asks :class:`LiveCorpus` for the library at the moment it
needs it instead of keeping its own reference, so after a rebuild no part
of the bot goes on answering from the old index.  The swap is one
assignment: a query running meanwhile sees the old library or the new one,
never a mixture.
"""

from __future__ import annotations

import re

from retrieval import Library, Searcher, Speeches

from .searchpool import PooledSearcher, SearchPool


class LiveCorpus:
    def __init__(self, library: Library, pool: SearchPool | None = None) -> None:
        self.pool = pool  # searches in worker processes (large corpora), else in the caller's thread
        self.searcher = self._searcher(library)
        self._speeches: tuple[Library, Speeches] | None = None
        self._people: tuple[Library, frozenset[str]] | None = None

    def _searcher(self, library: Library) -> Searcher:
        return Searcher(library) if self.pool is None else PooledSearcher(library, self.pool)

    @property
    def lib(self) -> Library:
        return self.searcher.lib

    def prepare(self, library: Library) -> None:
        """Have the search workers open a new build before :meth:`swap` (blocking: run it off the event loop)."""
        if self.pool is not None:
            self.pool.prepare(library)

    def swap(self, library: Library) -> None:
        self.searcher = self._searcher(library)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()

    @property
    def speeches(self) -> Speeches:
        """Signed speeches by speaker, read once per library (kept with the library it was read from)."""
        lib = self.lib
        if self._speeches is None or self._speeches[0] is not lib:
            self._speeches = (lib, Speeches(lib.documents))
        return self._speeches[1]

    @property
    def people(self) -> frozenset[str]:
        """Who signs the corpus's documents and articles (李健, 高庆华), read once per library.

        A follow-up names them ("那高庆华呢？") where jieba knows few officials'
        names; an author that is a body (市人大常委会办公室) is not a person.
        """
        lib = self.lib
        if self._people is None or self._people[0] is not lib:
            names = set()
            for doc in lib.documents:
                for author in [doc.author, *(a.author for a in doc.articles)]:
                    name = re.sub(r"\s+", "", author or "")
                    if _PERSON.fullmatch(name) and name != "未署名":
                        names.add(name)
            self._people = (lib, frozenset(names))
        return self._people[1]

    def is_place(self, word: str) -> bool:
        """Whether a word names a place (for "那镇江呢？"): a 市/县/区/省 name, or one the corpus uses as a city."""
        if len(word) >= 3 and word[-1] in "市县区省":
            return True
        return len(word) >= 2 and bool(self.lib.find_phrase(word + "市", limit=1))


_PERSON = re.compile(r"[\u4e00-\u9fff]{2,3}")  # a signatory's name, not a body (办公室, 研究室)
