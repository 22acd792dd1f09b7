"""Cited retrieval over a corpus of Chinese policy documents (no Telegram here).

This package's names below are its whole public interface: the bot imports
nothing else (a lint rule, ruff's TID251, holds it to that), so every
module behind it can change shape without breaking a caller.

    from retrieval import open_library, Searcher
    lib = open_library(Path("seeds"))
    for hit in Searcher(lib).search("四个机关指的是哪四个机关", top=3).hits:
        print(hit.citation, hit.excerpt)
"""

from .analysis import Analyzer, fold, stopwords
from .attribution import Speeches, SpeechOutline, attribute
from .convert import FORMATS
from .excerpt import brief, citation, human_date, make_excerpt, match_spans
from .fulltext import FullText, full_text
from .ingest import IngestError, list_sources
from .keyterms import key_terms
from .library import Library
from .manage import CorpusError, add_and_index, open_library, original_file, remove_and_index
from .model import Document, Paragraph
from .question import entities, is_person_name
from .search import Hit, PhraseListing, QueryError, Searcher, SearchResult
from .signals import formulas
from .synonyms import thesaurus

__all__ = [
    "FORMATS",
    "Analyzer",
    "CorpusError",
    "Document",
    "FullText",
    "Hit",
    "IngestError",
    "Library",
    "Paragraph",
    "PhraseListing",
    "QueryError",
    "SearchResult",
    "Searcher",
    "SpeechOutline",
    "Speeches",
    "add_and_index",
    "attribute",
    "brief",
    "citation",
    "entities",
    "fold",
    "formulas",
    "full_text",
    "human_date",
    "is_person_name",
    "key_terms",
    "list_sources",
    "make_excerpt",
    "match_spans",
    "open_library",
    "original_file",
    "remove_and_index",
    "stopwords",
    "thesaurus",
]
