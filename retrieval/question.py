"""What a question names: the places and people it is about.

A question about a city, an organisation or a person the corpus does not
cover ("北京市人大常委会主任是谁") still shares most of its words with some
paragraph (人大常委会, 主任), and a quoting audience must not be handed
another city's paragraph as the answer.  So the names a question uses are
found with jieba's part-of-speech tagger (places ``ns``, organisations
``nt``, people ``nr``), and an answer must be about them.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import jieba
import jieba.posseg

jieba.setLogLevel(logging.WARNING)

_NAME_TAGS = ("ns", "nt", "nr", "nrt")
_LEVELS = "省市县区"
# Words the tagger marks as places or organisations that name no particular one.
_GENERIC = frozenset({"城市", "地方", "基层", "全省", "全市", "全国", "省委", "市委", "县委", "区委", "人大代表"})


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    jieba.posseg.dt.tokenizer.check_initialized()
    return jieba.posseg.dt.word_tag_tab


def _place_prefix(word: str) -> str:
    """The place an organisation's name starts with: 北京市人大常委会 → 北京市."""
    tags = _tags()
    for end in range(len(word) - 1, 1, -1):
        if tags.get(word[:end]) == "ns":
            return word[:end]
    return ""


@lru_cache(maxsize=2048)
def entities(folded_question: str) -> tuple[tuple[str, ...], ...]:
    """Each place or person the question names, as the forms a passage may use for it.

    连云港市 may be written 连云港; 北京市人大常委会 is about 北京市.  Each
    entity is a tuple of acceptable forms, longest first.
    """
    found: dict[str, tuple[str, ...]] = {}
    for word, flag in jieba.posseg.cut(folded_question):
        if flag not in _NAME_TAGS or len(word) < 2 or word in _GENERIC:
            continue
        if flag == "nt":
            word = _place_prefix(word)
            if not word or word in _GENERIC:
                continue
        stem = word[:-1] if word[-1] in _LEVELS and len(word) >= 3 else word
        found.setdefault(stem, (word, stem) if stem != word else (word,))
    return tuple(found.values())
