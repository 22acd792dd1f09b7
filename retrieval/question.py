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
import math
import os
import re
import tempfile
from collections.abc import Sequence, Set
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import jieba
import jieba.posseg

from .analysis import stopwords

if TYPE_CHECKING:
    from .library import Library

_NAME_TAGS = ("ns", "nt", "nr", "nrt")
LEVELS = "省市县区"
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


def is_person_name(text: str) -> bool:
    """Is ``text`` (folded, nothing else in it) one person's name, as jieba's tagger reads it?

    A follow-up such as 「那茅艳呢」 names a person the corpus mentions but no
    dictionary lists: the tagger's name model (HMM) recognises 茅艳 as a name
    (``nr``), where the dictionary look-up of :func:`name_tags` cannot.  Only
    for such a short message, so the tagger's start-up is paid once, by the
    bot's first follow-up, never by a cold command-line search.
    """
    if not 2 <= len(text) <= 4:
        return False
    pairs = [(pair.word, pair.flag) for pair in jieba.posseg.cut(text)]
    return len(pairs) == 1 and pairs[0][1] in ("nr", "nrfg") and pairs[0][0] == text


def _place_prefix(word: str) -> str:
    """The place an organisation's name starts with: 北京市人大常委会 → 北京市."""
    tags = name_tags()
    for end in range(len(word) - 1, 1, -1):
        if tags.get(word[:end]) == "ns":
            return word[:end]
    return ""


def entities(
    words: Sequence[str],
    people_need_title: bool = False,
    subjects: Set[str] = frozenset(),
    signers: Set[str] = frozenset(),
) -> tuple[tuple[str, ...], ...]:
    """Each place or person named by a question's words (its segmentation), as the forms a passage may use.

    连云港市 may be written 连云港; 北京市人大常委会 is about 北京市.  Each
    entity is a tuple of acceptable forms, longest first.

    jieba's tags are a rough guide.  It tags some seventy thousand dictionary
    words as people, many of them ordinary words (托关系, 立法权, 文明) or
    foreign names that segmentation cuts out of other words (调研库里 → 库里),
    and it tags several of the corpus's own places as people or not at all
    (连云港, 宿迁 as names; 句容, 南通 untagged).  With ``people_need_title``
    a word tagged as a person counts only when a title stands next to it, as
    officials are named (赵乐际委员长), or when it is one of ``subjects`` (the
    words of the headings, bylines and places the corpus's paragraphs
    inherit); and an untagged word counts as a place when ``subjects`` hold
    it with a level (句容 → 句容市).  A name in ``signers`` (the people who
    sign the corpus's articles and speeches) is a person whatever jieba's
    dictionary says: 马明龙 is in no dictionary, yet a question naming him
    asks about his speech.
    """
    tags = name_tags()
    found: dict[str, tuple[str, ...]] = {}
    for i, word in enumerate(words):
        tag = tags.get(word)
        if len(word) < 2 or word in _GENERIC:
            continue
        if word in signers:
            found.setdefault(word, (word,))
            continue
        if tag is None:
            # 合肥 is a common noun to jieba but 合肥市 a place; 南通, 句容 are the corpus's own places.
            # 无锡市委 is one untagged word to jieba, yet it names 无锡市 as plainly as 镇江 + 市委 does.
            if not (_subject(word, subjects, "市县", bare=False) or _city(word)):
                word = _leading_place(word, subjects)
                if not word:
                    continue
        elif (
            people_need_title and tag in ("nr", "nrt") and not (_titled(words, i) or _subject(word, subjects, "市县区"))
        ):
            continue
        if tag == "ns" and people_need_title and not _placename(word, subjects):
            continue
        if tag == "nt":
            word = _place_prefix(word)
            if not word or word in _GENERIC:
                continue
        stem = word[:-1] if word[-1] in LEVELS and len(word) >= 3 else word
        found.setdefault(stem, (word, stem) if stem != word else (word,))
    return tuple(found.values())


def _leading_place(word: str, subjects: Set[str]) -> str:
    """The place that opens a compound jieba keeps whole (无锡市委 → 无锡市, 上海市人 of 上海市人大), or "".

    Only a place written with its level whose bare name is a place too
    (无锡 and 无锡市), so that words opening with 都市, 山区 or 上市 name none.
    """
    place = _place_prefix(word)
    if len(place) < 3 or place[-1] not in LEVELS or place in _GENERIC:
        return ""
    bare = place[:-1]
    return place if name_tags().get(bare) == "ns" or bare in subjects else ""


def _placename(word: str, subjects: Set[str]) -> bool:
    """Is a word jieba tags as a place one that names a place?  The tag also covers ordinary words
    (上台, 东西, 满意度) and pieces segmentation cut from names (魏国 of 魏国强); a place has its
    level (润州区), takes one (北京 → 北京市, both places to jieba), or is one of the corpus's subjects."""
    return word[-1] in _PLACE_LEVELS or _takes_level(word, LEVELS) or word in subjects


_PLACE_LEVELS = frozenset("省市县区镇乡村州")


def _city(word: str) -> bool:
    """A city or province jieba knows only with its level (合肥 → 合肥市): two or three characters, and
    not a word of direction or quantity that a level turns into a name (各省市, 东方省, 北方省)."""
    return 2 <= len(word) <= 3 and word[0] not in _NOT_CITY and _takes_level(word, "市省")


def _takes_level(word: str, levels: str) -> bool:
    """Does jieba know the word with one of ``levels`` after it as a place (北京 → 北京市)?"""
    tags = name_tags()
    return any(tags.get(word + level) == "ns" for level in levels)


_NOT_CITY = frozenset("各外东西南北全本该此")


def _subject(word: str, subjects: Set[str], levels: str, bare: bool = True) -> bool:
    """Is ``word`` one of the corpus's subjects, by itself (when ``bare``) or with an administrative level?"""
    return (bare and word in subjects) or any(word + level in subjects for level in levels)


# Titles are a closed class: offices of party, state and other bodies, as news writing puts them next to names.
TITLES = (
    "总书记|书记|副主任|主任委员|主任|委员长|秘书长|董事长|检察长|主席|总理|市长|省长|县长|区长|镇长|乡长|"
    "部长|厅长|局长|处长|科长|院长|庭长|所长|馆长|校长|社长|行长|团长|组长|主编|总编|巡视员|调研员|理事长|会长|总经理"
)
# How officials are named: a title, or 委员/代表/同志, before or after the name.
_TITLE_BEFORE = re.compile(f"(?:{TITLES}|委员|代表|同志)$")
_TITLE_AFTER = re.compile(f"(?:{TITLES}|委员|代表|同志)")


def _titled(words: Sequence[str], i: int) -> bool:
    """Does a title stand right before or right after ``words[i]``?"""
    before = words[i - 1] if i > 0 else ""
    after = words[i + 1] if i + 1 < len(words) else ""
    return bool(_TITLE_BEFORE.search(before) or _TITLE_AFTER.match(after))


# Words that say how a question is asked, not what it asks about: whether the
# passage holds "原文", "一共" or "后面那句" tells nothing about whether it
# answers, yet each is a rare word in official writing and so weighs heavily
# in coverage.  Colloquial staff questions are full of them.
_FILLER = frozenset(
    {
        "原文", "原话", "原句", "原意", "一句", "两句", "下一句", "上一句", "后面", "前面", "后半句", "前半句",
        "说法", "提法", "一共", "总共", "共计", "总计", "具体", "分别", "到底", "究竟", "大概", "大约",
        "是啥", "啥", "咋", "咋讲", "咋说", "怎么讲", "怎么说", "怎么写", "怎么搞", "怎么办", "有人", "有个",
        "觉得", "听说", "记得", "好像", "对不对", "对吗", "是不是", "出自", "数数", "数一数", "算算", "算一算",
    }
)  # fmt: skip
# A question word fused with what it asks about by segmentation: 几部, 哪四敢, 哪些方面, 那篇.
_ASK_PREFIX = re.compile(r"^(?:哪些|哪几|哪个|哪一|哪|几|多少|那|这)")


def asked_about(words: Sequence[str]) -> list[str]:
    """A question's content words without the words of asking (see ``_FILLER``).

    A word that opens with a question word or a deictic keeps what follows
    when that is a word of its own (哪四敢 → 四敢, 哪些方面 → 方面); a single
    character left over (几部 → 部) says too little and is dropped.
    """
    out: list[str] = []
    for word in words:
        if word in _FILLER:
            continue
        m = _ASK_PREFIX.match(word)
        if m and len(word) > m.end():
            word = word[m.end() :]
            if len(word) < 2 or word in _FILLER:
                continue
        out.append(word)
    return out


def soft_words(lib: Library, folded_text: str, words: dict[str, float], share: float) -> dict[str, float]:
    """The characters of the question's words that the corpus never uses, at ``share`` of their idf.

    A paraphrase ("案子多、人手不够") says in words the text does not use what
    the text says in others ("人少案多"); the characters are often the text's
    morphemes.  They help passage scoring find the sentence; they never count
    towards whether the question is answered.  ``words`` are the question's
    words the corpus does use (word → idf).
    """
    n = max(1, len(lib.paragraphs))
    stop = stopwords()
    out: dict[str, float] = {}
    for word in asked_about(lib.analyzer.content_words(folded_text)):
        if word in words or len(word) < 2 or any(w in word for w in words):
            continue
        if lib.index.df(word) or lib.find_phrase(word, limit=1):
            continue
        for ch in word:
            if ch in out or ch in stop or not ch.isalpha() or ch.isascii():
                continue
            df = int(lib.phrases.candidates(ch).shape[0])
            if df:
                out[ch] = share * math.log((n - df + 0.5) / (df + 0.5) + 1.0)
    return out
