"""Cited retrieval over a corpus of Chinese policy documents (no Telegram here).

from retrieval import Library, Searcher
lib = Library.open(Path("seeds"))
for hit in Searcher(lib).search("四个机关指的是哪四个机关", top=3).hits:
    print(hit.citation, hit.excerpt)
"""

from .analysis import fold
from .library import Library
from .question import entities
from .search import Hit, QueryError, Searcher, SearchResult

__all__ = ["Hit", "Library", "QueryError", "SearchResult", "Searcher", "entities", "fold"]
