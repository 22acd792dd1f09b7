"""What a question names: the places and people it is about.

A question about a city, an organisation or a person the corpus does not
cover ("北京市人大常委会主任是谁") still shares most of its words with some
paragraph (人大常委会, 主任), and a quoting audience must not be handed
another city's paragraph as the answer.  So the names a question uses are
found with jieba's dictionary tags (places ``ns``, organisations ``nt``,
people ``nr``), and an answer must be about them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import jieba

_NAME_TAGS = ("ns", "nt", "nr", "nrt")
_LEVELS = "省市县区"
# Words the dictionary marks as places or organisations that name no particular one.
_GENERIC = frozenset({"城市", "地方", "基层", "全省", "全市", "全国", "省委", "市委", "县委", "区委", "人大代表"})
_CACHE = Path(tempfile.gettempdir()) / f"policy-jieba-names-{jieba.__version__}.json"


@lru_cache(maxsize=1)
def name_tags() -> dict[str, str]:
    """jieba's dictionary words tagged as places, organisations or people, with their tag.

    Read from jieba's own ``dict.txt`` (word, frequency, part of speech) once
    and kept in the temp folder as JSON, as jieba keeps its own cache there:
    the question path then needs no part-of-speech tagger, whose start-up
    (about half a second) a cold command-line search cannot afford.
    """
    try:
        return json.loads(_CACHE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    tags: dict[str, str] = {}
    source = Path(jieba.__file__).with_name("dict.txt")
    for line in source.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in _NAME_TAGS:
            tags[parts[0]] = parts[2]
    try:
        tmp = _CACHE.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(tags, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, _CACHE)
    except OSError:
        pass  # an unwritable temp folder only costs the parse next time
    return tags


def _place_prefix(word: str) -> str:
    """The place an organisation's name starts with: 北京市人大常委会 → 北京市."""
    tags = name_tags()
    for end in range(len(word) - 1, 1, -1):
        if tags.get(word[:end]) == "ns":
            return word[:end]
    return ""


def entities(words: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Each place or person named by a question's words (its segmentation), as the forms a passage may use.

    连云港市 may be written 连云港; 北京市人大常委会 is about 北京市.  Each
    entity is a tuple of acceptable forms, longest first.
    """
    tags = name_tags()
    found: dict[str, tuple[str, ...]] = {}
    for word in words:
        tag = tags.get(word)
        if tag is None or len(word) < 2 or word in _GENERIC:
            continue
        if tag == "nt":
            word = _place_prefix(word)
            if not word or word in _GENERIC:
                continue
        stem = word[:-1] if word[-1] in _LEVELS and len(word) >= 3 else word
        found.setdefault(stem, (word, stem) if stem != word else (word,))
    return tuple(found.values())
