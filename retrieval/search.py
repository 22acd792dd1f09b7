"""Queries in, ranked and cited hits out.

A query may hold exact phrases in quotes, ``doc:`` filters and a year; the
rest is free text ranked by BM25 over jieba tokens.  Users quote policy
formulas verbatim, so a paragraph holding a long verbatim run of the query
is lifted above one that merely shares scattered words (the development set
shows the gain: see ``python -m retrieval eval --variants``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import islice

import numpy as np

from .analysis import fold, fold_keep_spaces, fold_origin, fold_with_map, has_content, stopwords
from .asked import GATE_ONLY, asked_for, states
from .excerpt import author_names, brief, citation, passage_excerpt, section_label
from .index import BM25Index
from .library import Library
from .model import Document, Paragraph
from .passage import Window, best_window, closest_sentence, sentence_spans
from .patterns import ASKS_PAGE, ASKS_PRINTED, CONTENTS, CONTENTS_ENTRY
from .question import asked_about, entities, name_tags, soft_words
from .signals import (
    Formula,
    answer_pattern,
    answers_in_clause,
    asks_items,
    asks_items_of,
    counted_noun,
    counted_sets,
    enumerates,
    formulas,
    label_formula,
    lists_items,
)
from .spelling import TermMatcher
from .synonyms import synonyms

MAX_QUERY_CHARS = 10_000
CANDIDATES = 100
RUN_WEIGHT = 1.0
SIGNAL_WEIGHT = 0.5
COVER_WEIGHT = 0.5
PASSAGE_WEIGHT = 0.5
CLOSE_WEIGHT = 0.5
# A candidate that gives the asked-for count, sum, rate or name next to what
# the question counts or names (retrieval.asked): worth a whole verbatim run.
STATED_WEIGHT = 1.0
COUNTED_WEIGHT = 0.25  # the count stands right before the noun asked (signals.counted_noun)
# Characters of question words the corpus never uses count in passage windows at this share of their idf
# (paraphrase: 案子多 against 人少案多); measured on the tuning sets, 0.5 gained nothing and 1.0 a little.
SOFT_WEIGHT = 1.0
QUOTE_CLOSE_WEIGHT = 2.0
# The share of the question's idf mass in the whole article a candidate belongs to (a speech without
# articles is one text): evidence a paragraph inherits from its article, as passage retrieval combines
# passage and document scores.  Pooled tuning sets (2,002 answerable): hit@1 0.7977 → 0.801 at 0.35,
# 0.8017 at 0.5 and at 0.75, 0.799 at 1.0 (hit@3 0.8871 → 0.8891 at 0.5); the gain is spread over six
# sets, one set loses one question.  Counting only what the article adds beyond the passage lost (0.794).
ARTICLE_WEIGHT = 0.5
# Stage two: the share of the places and people the question names that a paragraph inherits.
SUBJECT_WEIGHT = 0.5
# A synonym standing in for a question word the corpus never uses (Searcher.related_terms) counts at this
# share of a typed word in BM25, and at RELATED_SOFT of its idf in passage windows.  Pooled tuning sets
# (2,452 answerable): hit@1 0.8254 -> 0.8283 for whole words at 0.5 / 0.5.  Standing in for the search
# tokens too gave 0.8291 / 0.8295 / 0.8287 at 0.3 / 0.5 / 0.7, but with noise from word pieces
# (计算机 -> 计算 -> 打算); without the passage share, 0.8267 at 0.3.
RELATED_WEIGHT = 0.5
RELATED_SOFT = 0.5
SUGGEST_TERMS = 20_000  # the most common terms a query with no hit is compared with (Searcher._suggestable)
ONE_TEXT = 300  # paragraphs: a document without articles up to this long is one text for the article signal
ARTICLE_MEMO = 512  # articles' folded texts kept between queries (a long speech is read once, not per query)
CLOSE_CANDIDATES = 20
CHECK_SAMPLE = 64  # quoted look-ups: candidates checked first, to tell whether most fail
NEAR_DUPLICATE = 0.9  # share of the shorter paragraph's character pairs found in the longer
RARE_CANDIDATES = 3  # stage-one candidates holding the question's rarest word that stage two re-ranks too
PASSAGE_DEPTH = 30  # candidates that stage two (passages, closeness, answer type) re-ranks
# "Does the best evidence answer the question?": the share of the question's
# idf mass that the best passage (with its inherited context) holds, with the
# places, years and formulas it names and the figure or name it asks for
# (see _evidence and retrieval/asked.py).  Coverage separates nothing above a
# floor: on all five tuning sets (dev, the staff tuning half, tune_extra, fresh,
# fresh2: 352 answerable, 101 unanswerable questions) no unanswerable question is
# refused by coverage alone at any bar from 0 to 0.5 — the named places, figures
# and formulas refuse them — while each step up from 0.1 refuses more answerable
# paraphrases (18 at 0.1, 22 at 0.25, 37 at 0.5).  Chosen leaving one set out:
# the other four choose 0.1 for four of the five sets (0.3 for fresh).
ANSWER_COVERAGE = 0.1
# A quotation not found verbatim is answered when the best paragraph holds this share of its character bigrams.
QUOTE_CLOSENESS = 0.6


@dataclass(frozen=True)
class Ranking:
    """How a query is ranked: which evidence is added to paragraph BM25, and how deep each stage looks.

    The ranking code reads only these fields (never the variant's name), so a
    variant is one object; ``eval --variants`` compares the named ones.
    """

    name: str
    run: bool = False  # longest verbatim run of the query
    bigrams: bool = False  # character-bigram BM25 merged into the candidates' base score
    signals: bool = False  # coverage, formula enumeration, answer type
    passages: bool = False  # best sentence window (max-passage)
    closeness: bool = False  # share of the query's character bigrams in the paragraph
    rm3: bool = False  # pseudo-relevance feedback: expand the query with the top paragraphs' terms
    synonyms: bool = False  # synonyms of question words the corpus never uses, in BM25 and passages
    candidates: int = CANDIDATES  # BM25 (and verbatim-run) candidates of stage one
    close_candidates: int = CLOSE_CANDIDATES  # candidates by shared character bigrams
    depth: int = PASSAGE_DEPTH  # stage-one candidates that stage two re-ranks


VARIANTS: dict[str, Ranking] = {
    r.name: r
    for r in (
        Ranking("bm25"),
        Ranking("bm25+run", run=True),
        Ranking("bm25+bigram+run", run=True, bigrams=True),
        Ranking("bm25+run+signals", run=True, signals=True),
        Ranking("bm25+run+signals+passages", run=True, signals=True, passages=True),
        Ranking("bm25+run+signals+passages+closeness", run=True, signals=True, passages=True, closeness=True),
        Ranking("all+rm3", run=True, signals=True, passages=True, closeness=True, rm3=True),
        Ranking("all+synonyms", run=True, signals=True, passages=True, closeness=True, synonyms=True),
    )
}
DEFAULT_VARIANT = "all+synonyms"

_QUOTED = re.compile(r"[\"“”「」『』]([^\"“”「」『』]+)[\"“”「」『』]")
_DOC_FILTER = re.compile(r"(?:^|\s)(?:doc|ｄｏｃ)[:：]\s*(\S+)", re.IGNORECASE)  # typed full width too: ｄｏｃ：０００
ECHO_CHARS = 60  # a notice quotes at most this much of what the user typed (a 6,000-character quotation)

# A year, but not the year of a file number (丽委办〔2021〕10号 is a document's name, not a year asked about).
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?(?!\d|月|\s*[〕\]】])")
# A code of three or more digits (“1151”工作机制, “310工程”), not a year (2022年) or a figure with its unit.
_CODE = re.compile(r"(?<!\d)\d{3,}(?![\d年月日%万亿元个项条件名人次])")
_NON_WORD = re.compile(r"[\W_]+")


def _reads_as_asked(stretch: str, term: str) -> bool:
    """Is the one character the stretch has in place of the term's a function word the question means?

    "哪个城市" is not a misspelt “五个城市”, nor "有个代表" a misspelt “有为代表”;
    but "一要点几计划" asks which of “一要点四计划”/“一要点五计划” is meant.
    """
    if len(stretch) == len(term) + 1:
        # "人大把代表" is not a misspelt 人大代表 with a character too many: the extra one is a word of its own.
        return stretch[_changed_at(stretch, term)] in stopwords()
    if len(stretch) != len(term):
        return False
    typed, meant = next(((a, b) for a, b in zip(stretch, term, strict=True) if a != b), ("", ""))
    if typed == "几" and meant in "一二两三四五六七八九十":
        return False
    return typed in stopwords()


_NAMED = ("ns", "nr", "nt")  # jieba's tags for places, people and organisations


def _changed_at(stretch: str, term: str) -> int:
    """Where in ``stretch`` (one edit from ``term``) the edit is: the first character that differs."""
    return next(
        (i for i, (a, b) in enumerate(zip(stretch, term, strict=False)) if a != b), min(len(stretch), len(term))
    )


_DAY = re.compile(r"(?<!\d)(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")


def _on_day(month: str, day: str, text: str, context: str) -> bool:
    """Is the day named in ``text``: 6月15日 in full, or a chronicle's 15日 under a heading of its month?"""
    if re.search(rf"(?<!\d){month}\s*月\s*{day}\s*[日号]", text):
        return True
    return bool(re.search(rf"(?<!\d){month}\s*月", context) and re.search(rf"(?<![\d月]){day}\s*日", text))


def _is_year(forms: tuple[str, ...]) -> bool:
    """A year the question names is looked for in the paragraph and its article, never the whole document."""
    return forms[-1].isdigit()


class QueryError(ValueError):
    """A query that cannot be searched; the message is meant for the user."""


@dataclass
class Query:
    raw: str
    text: str
    phrases: list[str] = field(default_factory=list)  # folded
    doc_ids: list[str] | None = None
    year: str = ""
    notices: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)  # human-readable, for "filter applied"
    inexact: list[str] = field(default_factory=list)  # quotations not found verbatim, ranked by closeness


@dataclass
class Hit:
    rank: int
    score: float
    doc_id: str
    doc_title: str
    section: str
    paragraph: int
    citation: str
    excerpt: str
    marks: list[tuple[int, int]]
    text: str
    line_start: int
    line_end: int
    position: int
    also: list[str] = field(default_factory=list)  # citations of paragraphs that say nearly the same
    window: tuple[int, int] | None = None  # folded offsets of the passage that answers; the excerpt shows it

    @property
    def pending(self) -> bool:
        """Ranked and cited, its excerpt not made yet (``search(excerpts=N)`` makes the first N only)."""
        return not self.excerpt and bool(self.text)

    def fill(self, terms: list[str]) -> Hit:
        """Make a pending hit's excerpt (marking ``terms``) from its own text; a made one is left alone."""
        if self.pending:
            self.excerpt, self.marks = passage_excerpt(self.text, terms, self.window)
        return self

    def to_json(self) -> dict:
        from .excerpt import render_marked

        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "doc_id": self.doc_id,
            "doc_title": self.doc_title,
            "section": self.section,
            "paragraph": self.paragraph,
            "citation": self.citation,
            "excerpt": render_marked(self.excerpt, self.marks),
            "text": self.text,
            **({"also": self.also} if self.also else {}),
        }


@dataclass(frozen=True)
class Evidence:
    """Why the engine thinks its best hit answers the question (or not), for ``answered`` and for tuning."""

    answered: bool
    coverage: float  # share of the question's idf mass in the best passage and its inherited context
    asks: str | None  # date | year | count | who, when the question asks for one
    typed: bool  # that kind of answer stands next to the matched words (True when none is asked for)
    closeness: float = 0.0  # share of the question's character bigrams in the best paragraph
    missing: tuple[str, ...] = ()  # places or people the question names that the best passage does not
    stated: bool = True  # the asked-for count, sum, rate or name stands next to its focus (True when none is asked)


@dataclass
class Ranked:
    """What ranking produces: positions best first, the words to mark, why it answers, the query as read."""

    ranked: list[tuple[int, float]]
    marks: list[str]
    evidence: Evidence
    query: Query
    windows: dict[int, tuple[int, int]] = field(default_factory=dict)  # best passage, folded offsets
    also: dict[int, list[int]] = field(default_factory=dict)  # near-duplicates folded into a kept hit


@dataclass
class PhraseListing:
    """Where an exact phrase occurs: totals, a tally per document, and the first paragraphs as cited hits."""

    phrase: str
    occurrences: int
    paragraphs: int
    documents: list[tuple[str, int, int]]  # (doc_id, occurrences, paragraphs), in listing order
    hits: list[Hit]  # one per paragraph, the phrase marked
    counts: list[int]  # occurrences in each of ``hits``


@dataclass
class SearchResult:
    query: Query
    hits: list[Hit]
    total: int
    suggestions: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # folded words that excerpts mark
    ranked: list[tuple[int, float]] = field(default_factory=list)  # (position, score), best first
    # Does the best evidence answer the question?  False: the hits are only related passages.
    answered: bool = True
    evidence: Evidence | None = None
    windows: dict[int, tuple[int, int]] = field(default_factory=dict)  # best passage per position, folded offsets
    also: dict[int, list[int]] = field(default_factory=dict)  # near-duplicate paragraphs behind a hit


def _best_verified(
    cand: np.ndarray, scores: np.ndarray, limit: int, holds: Callable[[int], bool] | None
) -> list[tuple[int, float]]:
    """The first ``limit`` candidates by (score descending, position) for which ``holds`` is true.

    The same list as checking every candidate, then sorting: candidates are
    taken best first (a partition, then a sort of the few kept), and the
    text check runs only until ``limit`` have passed.
    """
    if limit <= 0:
        return []
    checked: dict[int, bool] = {}
    take = limit
    while True:
        if cand.shape[0] > take:
            kth = np.partition(scores, cand.shape[0] - take)[cand.shape[0] - take]
            sel = np.flatnonzero(scores >= kth)
        else:
            sel = np.arange(cand.shape[0])
        out: list[tuple[int, float]] = []
        for i in sel[np.lexsort((cand[sel], -scores[sel]))].tolist():
            pos = int(cand[i])
            ok = checked.get(pos)
            if ok is None:
                ok = checked[pos] = holds is None or holds(pos)
            if ok:
                out.append((pos, float(scores[i])))
                if len(out) >= limit:
                    return out
        if sel.shape[0] == cand.shape[0]:
            return out
        take *= 4


# A question, or a quotation pasted whole, is shorter than these; a longer message (a page pasted by
# mistake, a flood of one character) is read only this far for its verbatim run and for misspelt
# formulas, which otherwise cost time in proportion to its length times each candidate's.
RUN_SCAN = 120
SHORT_RUN_QUERY = 48  # up to this many characters the run is found by plain scans (see longest_common_run)
CORRECTION_SCAN = 300


_NUMERALS = frozenset("一二两三四五六七八九十百千0123456789")


def _chars_in_stretch(quote: str, text: str) -> float:
    """The largest share of a quotation's characters that one stretch of ``text`` as long as it holds.

    A half-remembered quotation keeps most of its characters in place and
    changes a few (钱包子 for 钱袋子, 运行管理 for 管理运行): one wrong character
    breaks two of its character pairs, which for a short quotation is most of
    them, but only one of its characters.
    """
    chars = [c for c in quote if not c.isspace()]
    m = len(chars)
    if m == 0 or len(text) < m:
        return 0.0
    want = Counter(chars)
    window = Counter(text[:m])
    held = sum(min(n, window[c]) for c, n in want.items())
    best, at = held, 0
    for i in range(m, len(text)):
        out, into = text[i - m], text[i]
        if out == into:
            continue
        if out in want and window[out] <= want[out]:
            held -= 1
        window[out] -= 1
        window[into] += 1
        if into in want and window[into] <= want[into]:
            held += 1
        if held > best:
            best, at = held, i - m + 1
    # A numbered formula with another number is another formula (五个一 is not 三个一).
    if any(c in _NUMERALS and c not in text[at : at + m] for c in chars):
        return 0.0
    return best / m


def longest_common_run(a: str, b: str) -> tuple[int, str]:
    """Length and text of the longest substring of ``a`` that occurs in ``b`` (two-pointer scan).

    A run longer than one character starts with one of ``b``'s bigrams, so a
    set look-up skips most starts without scanning ``b``; a stretch already
    looked for (a message repeating itself) is not looked for again.
    """
    best, best_at = 0, 0
    i = 0
    n = len(a)
    occurs: Callable[[str], bool] = b.__contains__
    pairs: set[str] | None = None
    if n > SHORT_RUN_QUERY:
        # A question's length scans plainly; a long message pays for the bigram set and the memo.
        pairs = {b[k : k + 2] for k in range(len(b) - 1)}
        seen: dict[str, bool] = {}

        def occurs(piece: str) -> bool:
            found = seen.get(piece)
            if found is None:
                found = seen[piece] = piece in b
            return found

    while i + best < n:
        j = i + best + 1
        if pairs is not None and best >= 1 and a[i : i + 2] not in pairs:
            i += 1
            continue
        if occurs(a[i:j]):
            while j < n and occurs(a[i : j + 1]):
                j += 1
            best, best_at = j - i, i
        i += 1
    return best, a[best_at : best_at + best]


def bare(folded: str) -> str:
    return _NON_WORD.sub("", folded)


def _names(forms: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` names one of ``forms``, quotes, brackets and spaces aside.

    The documents quote and bracket inside names (“家站点”二维码, 6个市(区)人大)
    where a question types them plain.
    """
    if any(form in text for form in forms):
        return True
    plain = bare(text)
    return any(bare(form) and bare(form) in plain for form in forms)


def char_bigrams(folded: str) -> list[str]:
    text = bare(folded)
    return [text[i : i + 2] for i in range(len(text) - 1)]


def near_duplicate(a: set[str], b: set[str]) -> bool:
    """``len(a & b) >= NEAR_DUPLICATE * min(len(a), len(b))`` for non-empty sets, decided as early as possible.

    Paragraphs that are not near-duplicates (nearly every pair) are told
    apart after a few dozen look-ups: once the shorter set has lost more
    than a tenth of its pairs, no later match can make up for it.
    """
    if not a or not b:
        return False
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    need = NEAR_DUPLICATE * len(small)
    most = len(small)  # pairs of the shorter that can still be shared
    for gram in small:
        if gram not in large:
            most -= 1
            if most < need:
                return False
    return most >= need


def covered(words: dict[str, float], where: str, forms: list) -> float:
    """The idf mass of ``words`` found in ``where``; a formula's name counts as found where its items are listed.

    "三看三促进具体是什么" is answered by the paragraph that lists 看作风建设，
    促进…; that paragraph never repeats the formula's name.
    """
    listed = [name for name, parts in forms if enumerates(where, (name, parts))]
    return sum(v for w, v in words.items() if w in where or any(w in name for name in listed))


class Searcher:
    """Ranking over a :class:`Library`; stateless between queries, so safe to share."""

    def __init__(self, library: Library, variant: str | Ranking = DEFAULT_VARIANT) -> None:
        if isinstance(variant, str):
            if variant not in VARIANTS:
                raise ValueError(f"unknown ranking variant {variant!r}")
            variant = VARIANTS[variant]
        self.lib = library
        self.ranking = variant
        self.variant = variant.name
        self._bigram: BM25Index | None = None
        self._sentence_chars: float | None = None
        self._terms: TermMatcher | None = None
        self._bare_contexts: dict[str, str] = {}
        self._subject_words: frozenset[str] | None = None
        self._signers: frozenset[str] | None = None
        self._signer_order: tuple[str, ...] | None = None
        self._common_terms: list[str] | None = None
        self._mastheads: dict[str, str] = {}
        self._labels: frozenset[str] | None = None
        self._articles: dict[tuple[str, int, str], str] = {}
        self._article_at: dict[int, str] = {}

    # --- parsing ---------------------------------------------------------------

    def parse(self, raw: str) -> Query:
        notices: list[str] = []
        if len(raw) > MAX_QUERY_CHARS:
            raw = raw[:MAX_QUERY_CHARS]
            notices.append(f"查询过长，只使用前 {MAX_QUERY_CHARS} 个字符。")
        q = Query(raw=raw, text=raw, notices=notices)
        text = raw
        for m in list(_DOC_FILTER.finditer(text)):
            ref = unicodedata.normalize("NFKC", m.group(1))
            docs = self.lib.resolve_doc(ref)
            if not docs:
                raise QueryError(f"没有找到文档“{brief(ref, ECHO_CHARS)}”。可用 /docs 查看文档列表。")
            q.doc_ids = (
                [d.doc_id for d in docs]
                if q.doc_ids is None
                else [d for d in q.doc_ids if d in {x.doc_id for x in docs}]
            )
            q.filters.append("文档：" + "、".join(d.title for d in docs))
        text = _DOC_FILTER.sub(" ", text)
        for m in _QUOTED.finditer(text):
            phrase = fold(m.group(1))
            if phrase:
                q.phrases.append(phrase)
        text = _QUOTED.sub(" ", text)
        ym = _YEAR.search(fold_keep_spaces(text))
        if ym and (q.phrases or len(bare(fold(text))) > 6):
            q.year = ym.group(1)
            q.filters.append(f"年份：{q.year}")
        q.text = text.strip()
        if not q.phrases and not has_content(q.text):
            raise QueryError("请输入要查找的词语或问题（查询里没有文字）。")
        return q

    # --- ranking ---------------------------------------------------------------

    def _allowed(self, q: Query) -> np.ndarray | None:
        return self.lib.filter_mask(q.doc_ids, q.year)

    def _year_of(self, p: Paragraph) -> str:
        doc = self.lib.doc_by_id[p.doc_id]
        if 0 <= p.article < len(doc.articles) and doc.articles[p.article].date:
            return doc.articles[p.article].date
        return doc.date

    def subjects(self) -> frozenset[str]:
        """The words of every distinct context paragraphs inherit (headings, bylines, places): the corpus's subjects.

        What a place named in a question or a follow-up is read against (句容 of 句容市).
        """
        if self._subject_words is None:
            words = self.lib.analyzer.words
            self._subject_words = frozenset(
                w for seg in self.lib.segments for i in range(len(seg.contexts)) for w in words(seg.contexts[i])
            )
        return self._subject_words

    def signers(self) -> frozenset[str]:
        """The people who sign the corpus's documents and articles (bylines, folded), read once per library.

        Speakers and authors are who questions name (马明龙讲的…); most are in
        no dictionary, so only the recovered bylines say they are people.  A
        byline of two to four characters is a name; longer ones are offices
        (丹阳市人大常委会办公室), whose places the place rules read.
        """
        if self._signers is None:
            names: set[str] = set()
            for doc in self.lib.documents:
                for author in [doc.author, *(art.author for art in doc.articles)]:
                    names.update(fold(n) for n in author_names(author).split("、"))
            self._signers = frozenset(n for n in names if 2 <= len(n) <= 4 and n != fold("未署名"))
        return self._signers

    def named_signers(self, folded_query: str) -> list[str]:
        """The signers (see :meth:`signers`) a question names, in a fixed order."""
        if self._signer_order is None:
            self._signer_order = tuple(sorted(self.signers()))
        return [name for name in self._signer_order if name in folded_query]

    def _named_subjects(self, folded_query: str) -> list[tuple[str, ...]]:
        """The places and people a question names that are subjects of the corpus (headings, bylines)."""
        subjects = self.subjects()
        named = entities(
            self.lib.analyzer.words(folded_query), people_need_title=True, subjects=subjects, signers=self.signers()
        )
        return [e for e in named if self._is_subject(e, subjects)]

    @staticmethod
    def _is_subject(forms: tuple[str, ...], subjects: frozenset[str]) -> bool:
        """Is a place one the corpus has headings or bylines about (a sibling of other such places)?"""
        return any(f in subjects or any(f + level in subjects for level in "市县区") for f in forms)

    def _in_document(self, forms: tuple[str, ...], pos: int) -> bool:
        """Does the document of paragraph ``pos`` say any of ``forms`` anywhere?"""
        doc = int(self.lib.doc_of[pos])
        for form in forms:
            found = self.lib.phrase_positions([form])
            if found.shape[0] and bool((self.lib.doc_of[found] == doc).any()):
                return True
        return False

    @staticmethod
    def _asked_labels(q: Query) -> list[Formula]:
        """The quoted labels that count their items ("“七大平台载体”") when the question asks what the items are."""
        if not q.phrases or not asks_items(fold(q.text)):
            return []
        return [f for f in map(label_formula, q.phrases) if f is not None]

    def _quoted_evidence(self, q: Query, ranked: list[tuple[int, float]], tokens: list[str]) -> Evidence:
        """Whether a quotation found verbatim answers the question written around it.

        A bare quotation, or one asked about only for where it stands (出自哪, 原文, 对不对),
        is answered by the paragraph that holds it.  A question that asks for more
        (which items a label has, a year, a place) is judged like any other question,
        on the best paragraph, with the quotation's words part of the question.
        """
        if not ranked:
            return Evidence(False, 1.0, None, False)
        own = asked_about(self.lib.analyzer.content_words(fold(q.text))) if q.text else []
        if not own:
            return Evidence(True, 1.0, None, True)
        # The question as written, quotation marks and all: joined without them, "哪三个" and
        # "三个七" would read as one formula.
        folded_full = fold(_DOC_FILTER.sub(" ", q.raw))
        words = self.question_words(folded_full)
        grams = set(char_bigrams(folded_full))
        evidence = self._evidence(
            ranked, {}, words, answer_pattern(folded_full), {}, tokens, grams, folded_full, [], q.year
        )
        # "“七大平台载体”具体是哪七个": a label the corpus names is answered only where its items are listed.
        text = self.lib.folded[ranked[0][0]]
        labels = self._asked_labels(q)
        unlisted = tuple(name for name, parts in labels if not lists_items(text, (name, parts)))
        if unlisted:
            return replace(evidence, answered=False, missing=(*evidence.missing, *unlisted))
        # “132、找代表”里的132是啥意思: a code of digits says nothing by itself; only a passage that
        # defines it (132：…, 即…) answers what it means, not one that only names it.
        codes = tuple(p for p in q.phrases if _CODE.search(p))
        if codes and evidence.asks == "define" and not evidence.typed:
            return replace(evidence, answered=False, missing=(*evidence.missing, *codes))
        return evidence

    def _names_formula(self, name: str) -> bool:
        """Does the corpus write the formula's name?  A compound read off a question may have taken one
        or two characters too many (三破三立中 of 三破三立中的三破), so a prefix of three or more counts."""
        shortest = max(2, min(3, len(name)), len(name) - 2)
        return any(self.lib.find_phrase(name[:end], limit=1) for end in range(len(name), shortest - 1, -1))

    def _unlisted(self, name: str, folded_query: str, text: str) -> bool:
        """Does the question ask for the items of one of the corpus's own formulas that ``text`` does not list?

        The formula is the longest start of a compound read off the question (五争一创 of 五争一创是) that
        the corpus quotes (“五争一创”): a label whose items a question may ask for, not a count in passing
        (三个主题)."""
        if self._labels is None:
            self._labels = frozenset(self.lib.domain_terms())
        start = next((name[:end] for end in range(len(name), 1, -1) if name[:end] in self._labels), None)
        label = label_formula(start) if start else None
        return label is not None and asks_items_of(folded_query, label) and not lists_items(text, label)

    def _masthead(self, pos: int) -> str:
        """The folded head lines of a paragraph's document: publication, title, and who issues it."""
        doc = self.lib.document_of(pos)
        if doc.doc_id not in self._mastheads:
            head = [doc.publication, doc.title]
            head += [e.text for e in doc.outline[:12] if e.kind in ("meta", "publication", "title")]
            self._mastheads[doc.doc_id] = fold(" ".join(head))
        return self._mastheads[doc.doc_id]

    def _context_bare(self, pos: int) -> str:
        """The folded words a paragraph inherits (section path, places, lead-in), which the index also sees."""
        return self._contexts_bare([pos])[0]

    def _contexts_bare(self, positions: list[int]) -> list[str]:
        """:meth:`_context_bare` of many candidates; paragraphs share contexts, so each is stripped once."""
        cache = self._bare_contexts
        out: list[str] = []
        for text in self.lib.contexts(positions):
            b = cache.get(text)
            if b is None:
                if len(cache) >= 65_536:
                    cache.clear()
                b = cache[text] = bare(text)
            out.append(b)
        return out

    def bigram_index(self) -> BM25Index:
        if self._bigram is None:
            self._bigram = BM25Index.build(char_bigrams(t) for t in self.lib.folded)
        return self._bigram

    def _avg_sentence(self) -> float:
        """Average folded sentence length (characters) in a sample of the corpus: the passage norm."""
        if self._sentence_chars is None:
            sample = [self.lib.folded[i] for i in range(min(len(self.lib.paragraphs), 2000))]
            sentences = sum(len(sentence_spans(t)) for t in sample) or 1
            self._sentence_chars = max(10.0, sum(len(t) for t in sample) / sentences)
        return self._sentence_chars

    def formulas(self, folded: str) -> list[Formula]:
        """The numbered formulas a question names, less the common words a numeral opens (二维码, 七嘴八舌).

        "二维码一码通" reads as two 维码 and one 码通, "五花八门" as five 花 and eight 门: jieba's own
        dictionary knows them as words, and the corpus's terms (四个机关, 三破三立) are not among them;
        a numeral followed by 个 always counts (五个一工程).
        """
        analyzer = self.lib.analyzer
        out = []
        for formula in formulas(folded):
            first = analyzer.words(formula[0])[:1]
            # A numeral with 个 counts whatever the dictionary says (五个一工程, 三个代表).
            if first and len(first[0]) >= 3 and first[0][1] != "个" and analyzer.is_common_word(first[0]):
                continue
            out.append(formula)
        return out

    def related_terms(self, words: list[str], tokens: list[str] | None = None) -> dict[str, float]:
        """Synonyms of the question's ``words`` that no paragraph uses, each weighted ``RELATED_WEIGHT``.

        Only a whole word the user typed and the corpus lacks is stood in for
        (干活 → 工作, 磨洋工 → 怠工): a word the corpus uses already finds its
        paragraphs, and its synonyms would mostly add noise (the thesaurus
        groups 机关 with 活动), as would the pieces search splits a word into
        (计算机 holds 计算, which the thesaurus groups with 打算).  The
        stand-ins must be words the corpus uses and not among the search
        ``tokens`` already, which keep their full weight.
        """
        index = self.lib.index
        typed = set(words) | set(tokens or ())
        out: dict[str, float] = {}
        for word in words:
            if len(word) < 2 or index.df(word):
                continue
            for other in synonyms(word):
                if other not in typed and other not in out and index.df(other):
                    out[other] = RELATED_WEIGHT
        return out

    def question_words(self, folded_text: str) -> dict[str, float]:
        """The question's content words that the corpus uses, with their idf.

        Words come from plain segmentation minus stop words (question words
        are stop words), so 哪天/多少/是什么 weigh nothing.  A word missing
        from the index vocabulary is looked up as a string (segmentation can
        differ between question and text).  A word no paragraph contains can
        tell no passage from another and is left out: when it names a place
        or a person, :func:`retrieval.question.entities` decides instead.
        """
        lib = self.lib
        n = max(1, len(lib.paragraphs))
        words: dict[str, float] = {}
        queue = asked_about(lib.analyzer.content_words(folded_text))
        seen: set[str] = set()
        while queue:
            word = queue.pop(0)
            if word in seen:
                continue
            seen.add(word)
            # Paragraphs holding the string: positions only (no offsets), and a
            # two-character word needs no text read at all.
            df = lib.index.df(word) or int(lib.phrase_positions([word]).shape[0])
            if df:
                words[word] = float(np.log((n - df + 0.5) / (df + 0.5) + 1.0))
            elif len(word) > 2:
                # Back off to the dictionary words inside it: “五专”机制 is written with quotes.
                queue.extend(t for t in lib.analyzer.tokens(word) if t != word and len(t) >= 2)
        return words

    def rank(self, q: Query, limit: int) -> tuple[list[tuple[int, float]], list[str]]:
        """(position, score) pairs best first, and the folded terms worth marking."""
        out = self._rank(q, limit)
        return out.ranked, out.marks

    def _rank(self, q: Query, limit: int, collapse: bool = False) -> Ranked:
        """Ranked positions, terms to mark, the evidence for ``answered``, and the query as finally read."""
        lib = self.lib
        cfg = self.ranking
        allowed = self._allowed(q)
        if q.year and not q.phrases and not lib.dated(q.doc_ids, q.year):
            # No document is of that year ("2014年总书记在镇江提出了什么"; the undated ones, which the
            # filter keeps, are not): the year is what the question says about the event, so it is
            # searched as text and must be found.
            notice = f"语料中没有{q.year}年的文档，按原文中的“{q.year}年”查找。"
            filters = [f for f in q.filters if f != f"年份：{q.year}"]
            q = replace(q, year="", filters=filters, notices=[*q.notices, notice])
            allowed = self._allowed(q)
        folded_text = fold(q.text)
        if q.year:
            # The year chose the documents; as a word it would only favour paragraphs citing a 2022 file number.
            folded_text = re.sub(rf"(?<!\d){q.year}年?(?!\d)", " ", folded_text).strip() or folded_text
        tokens = lib.analyzer.tokens(folded_text) if folded_text else []
        for phrase in q.phrases:
            tokens += lib.analyzer.tokens(phrase)
        marks = [t for t in tokens if len(t) >= 2] + q.phrases

        if q.phrases:
            # Exact look-up: the candidates are scored and ordered first, and
            # only those about to be returned are checked in their text — a
            # common formula has tens of thousands of candidates at 1M.
            cand, holds = lib.phrase_candidates(q.phrases, allowed)
            sample = cand[:CHECK_SAMPLE].tolist()
            if holds is not None and cand.shape[0] > len(sample) and sum(map(holds, sample)) * 4 < len(sample):
                # Most candidates fail the check (bigrams shared, wording not):
                # checking them all is cheaper than scoring them all.
                cand, holds = cand[np.fromiter(map(holds, cand.tolist()), bool, cand.shape[0])], None
            scores = lib.index.score_docs(tokens, cand) if tokens else np.zeros(cand.shape[0])
            labels = self._asked_labels(q)
            ranked = _best_verified(cand, scores, max(limit, PASSAGE_DEPTH) if labels and limit else limit, holds)
            if labels and ranked:
                # "“四敢”是哪四敢": of the paragraphs holding the label, those that list its
                # items answer; they go first (every hit still holds the quotation).
                lift = ranked[0][1] + 1.0
                ranked = sorted(
                    (
                        (pos, score + lift if all(lists_items(lib.folded[pos], f) for f in labels) else score)
                        for pos, score in ranked
                    ),
                    key=lambda ps: (-ps[1], ps[0]),
                )[:limit]
            if ranked:
                missing = []
            elif len(q.phrases) == 1 and allowed is None and limit > 0:
                missing = list(q.phrases)  # the one phrase is nowhere
            else:
                missing = [p for p in q.phrases if not lib.phrase_positions([p]).shape[0]]
            if missing:
                # A formula quoted with one character wrong is looked up as the
                # corpus writes it; any other quotation that is not in the
                # corpus word for word is ranked by closeness instead.
                fixed = {p: self.corrections(p).get(p, []) for p in missing}
                if all(len(terms) == 1 for terms in fixed.values()):
                    notices = [f"你是不是要找“{terms[0]}”？已按它查找。" for terms in fixed.values()]
                    phrases = [fixed[p][0] if p in fixed else p for p in q.phrases]
                    return self._rank(replace(q, phrases=phrases, notices=[*q.notices, *notices]), limit, collapse)
                return self._rank(self._unquote(q, list(fixed)), limit, collapse)
            # An exact look-up answers by definition when it finds the words; a question
            # around the quotation ("“七大平台载体”具体是哪七个") asks more than that they stand there.
            return Ranked(ranked, marks, self._quoted_evidence(q, ranked, tokens), q)

        fixes = self.corrections(bare(folded_text)) if folded_text else {}
        if fixes:
            # 三看三促近 → 三看三促进: the formula is searched as the corpus writes it, and the user is told.
            for stretch, terms in fixes.items():
                folded_text = folded_text.replace(stretch, " ".join(terms))
                shown = "或".join(f"“{t}”" for t in terms)
                q = replace(q, notices=[*q.notices, f"你是不是要找{shown}？已按它查找。"])
            tokens = lib.analyzer.tokens(folded_text)
            marks = [t for t in tokens if len(t) >= 2]
        k = max(cfg.candidates, limit)
        # The lines printed around the text (title, byline, caption) answer only a question about
        # them (谁写的, 标题全称, 流程图): for any other they are never candidates, so that a title
        # repeating the question's words takes no candidate's place.
        asks_printed = bool(ASKS_PRINTED.search(folded_text))
        skip = None if asks_printed else lib.printed_positions()
        related = self.related_terms(lib.analyzer.content_words(folded_text), tokens) if cfg.synonyms else {}
        query_terms = {**Counter(tokens), **related} if related else tokens
        marks += list(related)  # the reader sees which of the text's words stood in for theirs
        cands: dict[int, float] = dict(lib.index.top(query_terms, k, allowed, skip))
        if cfg.rm3 and cands:
            cands = dict(lib.index.top(tokens + self._feedback_terms(cands, tokens), k, allowed, skip))
        qbare = bare(folded_text)
        grams = char_bigrams(folded_text)
        if cfg.bigrams:
            # Evaluation only: a character-bigram BM25 built in memory on first use.
            bscores = dict(self.bigram_index().top(grams, k, allowed))
            top_w = max(cands.values(), default=1.0) or 1.0
            top_b = max(bscores.values(), default=1.0) or 1.0
            cands = {p: cands.get(p, 0.0) / top_w + bscores.get(p, 0.0) / top_b for p in set(cands) | set(bscores)}
        if cfg.closeness:
            # A half-remembered formula shares most of its characters with the
            # true wording but few whole words: its closest paragraphs are
            # candidates even when word BM25 misses them.
            close = lib.phrases.closest(bare(folded_text), cfg.close_candidates, allowed).tolist()
            for pos in close:
                cands.setdefault(pos, 0.0)
        else:
            close = []
        if cfg.run and len(qbare) >= 2:
            # A verbatim occurrence of the whole query is a candidate even if
            # BM25 missed it (e.g. a query made only of stop words).
            # Found through the bigram index and capped: a query that half the
            # corpus holds verbatim adds no more than CANDIDATES paragraphs.
            for pos in lib.phrase_positions([folded_text], limit=k, allowed=allowed).tolist():
                cands.setdefault(pos, 0.0)
        if not cands:
            return Ranked([], marks, Evidence(False, 0.0, None, False), q)
        top = max(cands.values()) or 1.0
        forms = self.formulas(folded_text) if cfg.signals else []
        answer = answer_pattern(folded_text) if cfg.signals else None
        counted = counted_noun(folded_text) if cfg.signals else None
        demand = asked_for(folded_text, lib.analyzer.content_words) if cfg.signals else None
        words = self.question_words(folded_text) if (cfg.signals or cfg.passages) else {}
        soft = {**soft_words(lib, folded_text, words, SOFT_WEIGHT), **words} if cfg.passages and SOFT_WEIGHT else words
        if related and cfg.passages:
            # The stand-ins help find the sentence too, at a share of their idf; like soft words they
            # never count towards whether the question is answered.
            soft = {**{w: RELATED_SOFT * lib.index.term_idf(w) for w in related}, **soft}
        idf_total = sum(words.values()) or 1.0
        qgrams = set(grams)
        avg_sentence = self._avg_sentence() if cfg.passages else 0.0

        anchors = [t for t in tokens if len(t) >= 2]  # what ``_answers`` anchors on when there is no run
        days = list(dict.fromkeys(_DAY.findall(folded_text))) if cfg.signals else []

        def answers_here(window_text: str) -> bool:
            if forms and any(enumerates(window_text, f) for f in forms):
                return True
            return answer is not None and answers_in_clause(window_text, answer, anchors)

        # Stage one, every candidate: BM25, verbatim run, coverage of the
        # whole paragraph, formula enumeration — cheap string tests.  The
        # candidates' texts and contexts are read once, in one batch, and
        # shared with stage two.
        positions = list(cands)
        texts = dict(zip(positions, lib.folded_many(positions), strict=True))
        contexts = dict(zip(positions, self._contexts_bare(positions), strict=True))
        # A contents entry (page, title, author) says where an article is printed and nothing
        # of what it says: it answers "on which page", where it is the only paragraph that can,
        # and no other question — short, and holding the author's and section's names, it
        # would outrank the article for any question naming them.
        asks_page = bool(ASKS_PAGE.search(folded_text))
        listed = {p for p in positions if CONTENTS in contexts[p] and CONTENTS_ENTRY.match(texts[p])}
        # So, for the same reason, do the printed lines that closeness or a verbatim run brought.
        out = listed if not asks_page else set()
        printed = set(positions) - set(lib.text_only(positions))
        if not asks_printed:
            out = out | printed
        if out:
            positions = [p for p in positions if p not in out]
            cands = {p: cands[p] for p in positions}
            close = [p for p in close if p not in out]
            if not cands:
                return Ranked([], marks, Evidence(False, 0.0, None, False), q)
            top = max(cands.values()) or 1.0
        bares: dict[int, str] = {}

        def bare_of(pos: int) -> str:
            b = bares.get(pos)
            if b is None:
                b = bares[pos] = bare(texts[pos])
            return b

        final: dict[int, float] = {}
        runs: dict[int, str] = {}
        best_run = ""
        for pos, s in cands.items():
            score = s / top
            text = texts[pos]
            context = contexts[pos]
            if cfg.run and qbare:
                length, run = longest_common_run(qbare[:RUN_SCAN], context + bare_of(pos))
                if length >= min(4, len(qbare)):
                    score += RUN_WEIGHT * length / len(qbare)
                    runs[pos] = run
                    if length > len(best_run):
                        best_run = run
            if cfg.signals and words and not cfg.passages:
                score += COVER_WEIGHT * covered(words, context + text, forms) / idf_total
            if forms and any(enumerates(text, f) for f in forms):
                score += SIGNAL_WEIGHT
            if (asks_page and pos in listed) or (asks_printed and not asks_page and pos in printed):
                score += SIGNAL_WEIGHT
            final[pos] = score
        # Stage two, the best stage-one candidates only (a cascade, as search
        # engines re-rank): passages, closeness and answer type, which read
        # each sentence.  The rest keep their stage-one score and stay below.
        order = sorted(final, key=lambda p: (-final[p], p))
        deep = list(dict.fromkeys([*order[: cfg.depth], *close, *self._rarest_holders(order, words, texts, contexts)]))
        windows: dict[int, Window] = {}
        closeness: dict[int, float] = {}

        def closeness_of(pos: int) -> float:
            # The share of the query's bigrams among the paragraph's: a bigram
            # is one of them exactly when it occurs in the bare text.
            if pos not in closeness:
                text = bare_of(pos)
                closeness[pos] = sum(1 for g in qgrams if g in text) / len(qgrams)
            return closeness[pos]

        in_article: dict[tuple[str, str], bool] = {}
        # The places and people a question names that the corpus has articles, headings or bylines
        # about (丹阳, 马明龙): the paragraph that answers inherits them from its title or byline.
        named = self._named_subjects(folded_text) if cfg.signals and words else []
        # With no formula and no asked-for kind of answer, no window holds one.
        typed = answers_here if forms or answer is not None else None
        # A speaker or author the bylines name (徐劼, 马明龙) names the documents the question is about:
        # those that mention the person (each person named, if several).
        signed = [
            set(np.unique(lib.doc_of[lib.phrase_positions([name])]).tolist())
            for name in (self.named_signers(folded_text) if cfg.signals else [])
        ]
        for pos in deep:
            text = texts[pos]
            context = contexts[pos]
            where = context + text
            if cfg.passages and words:
                spans = sentence_spans(text)
                window = best_window(text, context, soft, avg_sentence, typed, spans)
                windows[pos] = window
                where = context + text[window.start : window.end]
                if cfg.closeness and len(qgrams) >= 4 and closeness_of(pos) >= QUOTE_CLOSENESS:
                    start, end, share = closest_sentence(text, qgrams, spans)
                    if share >= QUOTE_CLOSENESS:
                        # The wording the user typed stands in this sentence: show it,
                        # centred on the longest stretch it shares with the query.
                        _, run = longest_common_run(qbare[:RUN_SCAN], text[start:end])
                        at = text.find(run, start, end) if run else -1
                        span = (at, at + len(run)) if at >= 0 else (start, end)
                        windows[pos] = replace(window, start=span[0], end=span[1])
            if cfg.signals and words and cfg.passages:
                final[pos] += COVER_WEIGHT * covered(words, where, forms) / idf_total
                # The article's coverage: a question names a speech or report by what it says elsewhere
                # ("讲四点意见的那篇" holds 四点意见 in its opening, not in the paragraph that answers).
                # Only the words the passage lacks are looked for in the article, each once per article.
                article = self._whole_article(pos)
                mass = 0.0
                for word, idf in words.items():
                    if word not in where:
                        key = (article, word)
                        if key not in in_article:
                            in_article[key] = word in article
                        if not in_article[key]:
                            continue
                    mass += idf
                final[pos] += ARTICLE_WEIGHT * mass / idf_total
            if cfg.closeness and qgrams:
                # A quotation is about wording: closeness is what the writer asks for.
                weight = QUOTE_CLOSE_WEIGHT if q.inexact else CLOSE_WEIGHT
                final[pos] += weight * closeness_of(pos)
            if answer is not None and self._answers(text, answer, runs.get(pos, ""), tokens):
                final[pos] += SIGNAL_WEIGHT
                if counted is not None and counted.search(text):
                    final[pos] += COUNTED_WEIGHT
            if (
                demand is not None
                and demand.kind not in GATE_ONLY
                and states(text, demand, lib.analyzer.words, lib.analyzer.is_known, context)
            ):
                final[pos] += STATED_WEIGHT
            if named:
                # Whose article or speech a paragraph stands in is what it inherits, not what it
                # mentions: 李健's speech answers 李健说…, a news item quoting him does not.  A
                # contents entry is itself a title and byline.
                inherited = context + text if pos in listed else context
                final[pos] += SUBJECT_WEIGHT * sum(any(f in inherited for f in e) for e in named) / len(named)
            if signed and all(int(lib.doc_of[pos]) in docs for docs in signed):
                final[pos] += SIGNAL_WEIGHT
            if days:
                # A question naming a day (5月18号开了个啥会) is about what happened that day.
                heading = self._dated_heading(pos)
                if all(_on_day(month, day, heading + text, heading) for month, day in days):
                    final[pos] += SIGNAL_WEIGHT
        if windows:
            # Passage evidence, normalised like BM25: the best window of all candidates scores 1.
            best_w = max(w.score for w in windows.values()) or 1.0
            for pos, window in windows.items():
                final[pos] += PASSAGE_WEIGHT * window.score / best_w
        if best_run:
            marks.append(best_run)
        ranked = sorted(final.items(), key=lambda kv: (-kv[1], kv[0]))
        evidence = self._evidence(ranked, windows, words, answer, runs, tokens, qgrams, folded_text, q.inexact, q.year)
        kept, also = self._collapse(ranked, limit, bare_of) if collapse else (ranked[:limit], {})
        spans = {p: (windows[p].start, windows[p].end) for p, _ in kept if p in windows}
        return Ranked(kept, marks, evidence, q, spans, also)

    @staticmethod
    def _rarest_holders(
        order: list[int], words: dict[str, float], texts: dict[int, str], contexts: dict[int, str]
    ) -> list[int]:
        """The best stage-one candidates holding the question's rarest word, for stage two to judge.

        Stage one favours paragraphs that repeat the question's common words (镇江市人大常委会 is five
        search tokens and a long verbatim run); the one paragraph holding its most specific word
        (邮编) must still reach the passage and coverage signals.
        """
        if not words:
            return []
        rarest = max(words, key=lambda w: (words[w], w))
        holders = (pos for pos in order if rarest in texts[pos] or rarest in contexts[pos])
        return list(islice(holders, RARE_CANDIDATES))  # stops at the third: no scan of every candidate

    def _collapse(
        self, ranked: list[tuple[int, float]], limit: int, bare_of: Callable[[int], str]
    ) -> tuple[list[tuple[int, float]], dict[int, list[int]]]:
        """The first ``limit`` hits with near-duplicates folded into the better-ranked one.

        A magazine reports the same meeting in its news and again in its
        chronicle; two copies of one text must not fill the top three.  Two
        paragraphs are near-duplicates when nine in ten character pairs of the
        shorter stand in the longer.  ``bare_of`` gives a candidate's bare text, already
        made for ranking.
        """
        kept: list[tuple[int, float]] = []
        grams: list[set[str]] = []
        also: dict[int, list[int]] = {}
        for pos, score in ranked:
            if len(kept) >= limit:
                break
            text = bare_of(pos)
            mine = {text[i : i + 2] for i in range(len(text) - 1)}
            twin = next((kept[i][0] for i, other in enumerate(grams) if near_duplicate(mine, other)), None)
            if twin is None:
                kept.append((pos, score))
                grams.append(mine)
            else:
                also.setdefault(twin, []).append(pos)
        return kept, also

    def corrections(self, text: str) -> dict[str, list[str]]:
        """Stretches of folded ``text`` that the corpus never writes, one edit from formulas it does write."""
        if self._terms is None:
            self._terms = TermMatcher(self.lib.analyzer.domain_terms)
        out: dict[str, list[str]] = {}
        text = text[:CORRECTION_SCAN]  # a misspelt formula is looked for in a question, not in a pasted page
        pairs = self._terms.near(text)
        # A stretch that cuts a word of the question in two ("人大代表工作机|制" is not a
        # misspelt 人大代表工作站) is not a formula typed wrong.
        cuts: set[int] = set()
        word_at: dict[int, str] = {}  # the question's word each character belongs to
        at = 0
        for word in self.lib.analyzer.words(text) if pairs else []:
            cuts.update(range(at + 1, at + len(word)))
            word_at.update(dict.fromkeys(range(at, at + len(word)), word))
            at += len(word)
        for stretch, term in pairs:
            start = text.find(stretch)
            if start in cuts or start + len(stretch) in cuts or _reads_as_asked(stretch, term):
                continue
            # A wrong character makes a word nobody writes (促近 of 三看三促近); one that belongs to
            # a name was typed on purpose: 丹徒人大 is about 丹徒, not a misspelt 丹阳人大.
            changed = word_at.get(start + _changed_at(stretch, term), "")
            if len(changed) >= 2 and changed not in term and name_tags().get(changed, "")[:2] in _NAMED:
                continue
            if not self.lib.find_phrase(stretch, limit=1) and self.lib.find_phrase(term, limit=1):
                out.setdefault(stretch, []).append(term)
        return out

    def _dated_heading(self, pos: int) -> str:
        """A paragraph's section path with its article's date as text writes one (2022-05 → 2022年5月):
        the month under which a chronicle's "18日" falls."""
        p = self.lib.paragraphs[pos]
        heading = fold(" ".join(p.section))
        if p.article < 0:
            return heading
        parts = self.lib.document_of(pos).articles[p.article].date.split("-")
        return heading + "".join(f"{int(v)}{unit}" for v, unit in zip(parts, "年月日", strict=False) if v.isdigit())

    def _whole_article(self, pos: int) -> str:
        """:meth:`_article_text` with ``whole``, remembered by position: stage two asks it of every candidate."""
        text = self._article_at.get(pos)
        if text is None:
            if len(self._article_at) >= ARTICLE_MEMO * 8:
                self._article_at.clear()
            text = self._article_at[pos] = self._article_text(pos, whole=True)
        return text

    def _article_text(self, pos: int, whole: bool = False) -> str:
        """The folded text of the article (or news item, or top-level section) a paragraph belongs to.

        ``whole``: a document with no articles of its own (a speech, a notice) is one text, when it is no
        longer than ``ONE_TEXT`` paragraphs (a longer one is a collection, and reading it would cost).
        """
        lib = self.lib
        p = lib.paragraphs[pos]
        doc = lib.document_of(pos)
        if whole and p.article < 0 and len(doc.paragraphs) <= ONE_TEXT:
            key = (p.doc_id, -2, "")
        elif p.article < 0 and not p.section:
            return lib.folded[pos]
        else:
            key = (p.doc_id, p.article, "" if p.article >= 0 else p.section[0])
        text = self._articles.get(key)
        if text is None:
            start = lib.doc_start[doc.doc_id]
            if key[1] == -2:
                same = list(range(len(doc.paragraphs)))
            elif p.article >= 0:
                same = [i for i, q in enumerate(doc.paragraphs) if q.article == p.article]
            else:
                same = [i for i, q in enumerate(doc.paragraphs) if q.section[:1] == p.section[:1]]
            text = "".join(lib.folded[start + i] for i in same)
            if len(self._articles) >= ARTICLE_MEMO:
                self._articles.clear()
            self._articles[key] = text
        return text

    def _feedback_terms(self, cands: dict[int, float], tokens: list[str], docs: int = 5, terms: int = 10) -> list[str]:
        """RM3's expansion terms (Lavrenko & Croft; as in Anserini): weighted by the top paragraphs' scores."""
        top = sorted(cands.items(), key=lambda kv: -kv[1])[:docs]
        total = sum(s for _, s in top) or 1.0
        weight: dict[str, float] = {}
        for pos, score in top:
            words = self.lib.analyzer.tokens(self.lib.folded[pos])
            for w in set(words):
                if w not in tokens and len(w) >= 2:
                    weight[w] = weight.get(w, 0.0) + score / total * words.count(w) / len(words)
        return [w for w, _ in sorted(weight.items(), key=lambda kv: -kv[1])[:terms]]

    @staticmethod
    def _unquote(q: Query, missing: list[str]) -> Query:
        """The same query with its quotations as plain words, and a notice naming those not found verbatim."""
        shown = "、".join(f"“{brief(p, ECHO_CHARS)}”" for p in missing)
        return replace(
            q,
            text=" ".join([q.text, *q.phrases]).strip(),
            phrases=[],
            notices=[*q.notices, f"语料中没有与{shown}完全一致的原文，以下按相近程度排列。"],
            inexact=[*q.inexact, *missing],
        )

    @staticmethod
    def _answers(text: str, answer: tuple[str, re.Pattern[str]], run: str, tokens: list[str]) -> bool:
        anchors = [run] if len(run) >= 2 and run in text else [t for t in tokens if len(t) >= 2]
        return answers_in_clause(text, answer, anchors)

    def _evidence(
        self,
        ranked: list[tuple[int, float]],
        windows: dict[int, Window],
        words: dict[str, float],
        answer: tuple[str, re.Pattern[str]] | None,
        runs: dict[int, str],
        tokens: list[str],
        qgrams: set[str],
        folded_query: str,
        inexact: list[str],
        year: str = "",
    ) -> Evidence:
        """Does the best candidate answer the question, or is it only related?"""
        if not ranked:
            return Evidence(False, 0.0, None, False)
        pos = ranked[0][0]
        text = self.lib.folded[pos]
        context = self._context_bare(pos)
        window = windows.get(pos)
        where = context + (text[window.start : window.end] if window else text)
        total = sum(words.values())
        coverage = covered(words, where, self.formulas(folded_query)) / total if total else 0.0
        closeness = len(qgrams & set(char_bigrams(text))) / len(qgrams) if qgrams else 0.0
        # Whether the asked-for kind of answer (a date, a count, a name) stands
        # next to the matched words is a ranking signal; as a gate it refused
        # too many true answers (a count given as a list, a name without a title).
        # A date has no such other forms: a day or a year asked for must stand with the event.
        typed = answer is None or self._answers(text, answer, runs.get(pos, ""), tokens)
        dated = typed or answer[0] not in ("date", "year")
        # A place or person the question names must be what the paragraph is about.
        subjects = self.subjects()
        named = entities(self.lib.analyzer.words(folded_query), people_need_title=True, subjects=subjects)
        # A year the question names, unless it chose the documents (the year filter), is what it is about too.
        named += tuple((y + "年", y) for y in dict.fromkeys(_YEAR.findall(folded_query)) if y != year)
        # The place a whole document comes from (its masthead: 镇江市人大常委会主办) covers every district in it.
        about = context + text + self._masthead(pos)
        missing = [e for e in named if not _names(e, about)]
        if missing:
            # The subject of an article is often named once, in its opening paragraph.  But a
            # paragraph whose heading or byline names one of the corpus's places is about that
            # place, not about another place its article mentions (a feature on thirteen cities).
            # The masthead's place, which a paragraph inherits when its own title and byline name
            # none (镇江市 in a 镇江 magazine), is the setting of the document, not the article's subject.
            masthead = self._masthead(pos)
            own = [
                e
                for e in entities(self.lib.analyzer.words(context), people_need_title=True, subjects=subjects)
                if not any(form in masthead for form in e)
            ]
            about = self._article_text(pos)
            missing = [e for e in missing if not _names(e, about) or (own and self._is_subject(e, subjects))]
            # A place the corpus has no heading about (江苏 in a 镇江 magazine) is the setting
            # of the documents that mention it, not a subject one paragraph must repeat.
            kept = [e for e in missing if self._is_subject(e, subjects) or _is_year(e)]
            missing = [e for e in missing if e in kept or not self._in_document(e, pos)]
        # A speaker or author the corpus's bylines name (马明龙, 任言平), named in the question without a
        # title, must be somewhere in the paragraph's document: "马明龙在无锡讲了什么" is not answered by
        # 徐劼's speech in 无锡.  Within the document no more is asked: a two-column page can print a
        # speech's paragraphs under the next speaker's byline.
        known = {form for e in named for form in e}
        missing += [
            (name,)
            for name in self.named_signers(folded_query)
            if name not in known and not self._in_document((name,), pos)
        ]
        # A day the question names (6月15号开了什么会) is when the paragraph's event happened: it must be
        # given there, in its context, or in its article (a chronicle's "15日" under its month's heading).
        days = dict.fromkeys(_DAY.findall(folded_query))
        heading = self._dated_heading(pos) if days else ""
        for month, day in days:
            if not (
                _on_day(month, day, heading + text, heading) or _on_day(month, day, self._article_text(pos), heading)
            ):
                missing.append((f"{month}月{day}日",))
        # A numbered formula the corpus never names ("五个必须") is answered only by a passage listing its
        # items; so is one it names when the question asks what the items are (五争一创 争什么创什么).
        for name, parts in self.formulas(folded_query):
            # lists_items, not a bare count of the keys: a key of one character (三化: 化) occurs in any
            # long paragraph three times over, and lists the items only as their heads or ends.
            if lists_items(text, (name, parts)):
                continue
            if not self._names_formula(name) or self._unlisted(name, folded_query, text):
                missing.append((name,))
        # "那19项调研课题具体是哪些": a set the question counts in digits is answered only by a passage
        # listing that many; the corpus often gives the count and never the list.
        if asks_items(folded_query):
            missing += [(name,) for name, parts in counted_sets(folded_query) if not lists_items(text, (name, parts))]
        # A question for a figure or a person is answered only where one stands next to what it counts or names.
        demand = asked_for(folded_query, self.lib.analyzer.content_words)
        stated = demand is None or states(
            text, demand, self.lib.analyzer.words, self.lib.analyzer.is_known, context, weights=words
        )
        if inexact:
            # A half-remembered quotation is answered by the passage that says nearly the same.
            grams = set(char_bigrams(text))
            closeness = min(
                max(len(set(char_bigrams(p)) & grams) / max(1, len(set(char_bigrams(p)))), _chars_in_stretch(p, text))
                for p in inexact
            )
            answered = closeness >= QUOTE_CLOSENESS and not missing
        else:
            answered = max(coverage, closeness) >= ANSWER_COVERAGE and not missing and stated and dated
        asks = answer[0] if answer else None
        return Evidence(answered, coverage, asks, typed, closeness, tuple(e[0] for e in missing), stated)

    # --- results ---------------------------------------------------------------

    def search(
        self,
        raw: str,
        top: int = 5,
        offset: int = 0,
        depth: int = 0,
        collapse: bool = False,
        excerpts: int | None = None,
    ) -> SearchResult:
        """Ranked hits ``offset+1 … offset+top``; ``depth`` more positions are ranked but not rendered.

        Excerpts cost far more than ranking, so a caller that pages through
        results (the bot) ranks deep once and renders only the page shown.
        ``collapse`` folds near-duplicate paragraphs into the better-ranked one
        (named in ``Hit.also``), for readers; the command line keeps every
        paragraph, since tools that check returned texts need each one.
        ``excerpts`` makes only the first N hits' excerpts: the bot keeps 30
        hits and shows three, and the rest are made when paged to
        (:meth:`Hit.fill`), which halves what a question costs it.
        """
        out = self._rank(self.parse(raw), max(depth, offset + top), collapse)
        page = out.ranked[offset : offset + top]
        hits = [
            self.make_hit(pos, score, offset + i, out.marks, out.windows.get(pos), excerpts is None or i <= excerpts)
            for i, (pos, score) in enumerate(page, start=1)
        ]
        suggestions = self.suggest(out.query) if not out.ranked else []
        result = SearchResult(
            out.query, hits, len(out.ranked), suggestions, sorted(set(out.marks)), answered=out.evidence.answered
        )
        result.ranked = out.ranked
        result.evidence = out.evidence
        result.windows = out.windows
        result.also = out.also
        for hit in hits:
            twins = (self.lib.paragraphs[p] for p in out.also.get(hit.position, []))
            hit.also = [citation(self.lib.doc_by_id[t.doc_id], t) for t in twins]
        return result

    def make_hit(
        self,
        pos: int,
        score: float,
        rank: int,
        terms: list[str],
        window: tuple[int, int] | None = None,
        excerpt: bool = True,
    ) -> Hit:
        """A cited hit; ``window`` (folded offsets of the best passage) is what the excerpt should show.

        ``excerpt=False`` leaves the excerpt to :meth:`Hit.fill`, which makes the same one later.
        """
        p = self.lib.paragraphs[pos]
        doc = self.lib.doc_by_id[p.doc_id]
        shown, marks = "", []
        if excerpt:
            # The index holds the folded text; only the offset map is computed, once for marks and focus.
            folded, origin = self.lib.folded[pos], fold_origin(p.text)
            if len(origin) != len(folded):  # pragma: no cover - a folded column from other code
                folded, origin = fold_with_map(p.text)
            shown, marks = passage_excerpt(p.text, terms, window, (folded, origin))
        return Hit(
            rank=rank,
            score=score,
            doc_id=doc.doc_id,
            doc_title=doc.title,
            section=section_label(p),
            paragraph=p.number,
            citation=citation(doc, p),
            excerpt=shown,
            marks=marks,
            text=p.text,
            line_start=p.line_start,
            line_end=p.line_end,
            position=pos,
            window=window,
        )

    def suggest(self, q: Query, limit: int = 5) -> list[str]:
        """Corpus terms close to an unmatched query: sharing its characters, most common first."""
        chars = {c for c in bare(fold(q.text)) + "".join(q.phrases)}
        if not chars:
            return []
        index = self.lib.index
        scored = []
        for term in self._suggestable():
            overlap = len(chars & set(term))
            if overlap:
                scored.append((overlap / len(set(term)), index.df(term), term))
        scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
        return [t for _, _, t in scored[:limit]]

    def _suggestable(self) -> list[str]:
        """The terms suggestions are drawn from: the ``SUGGEST_TERMS`` most common of two characters or more.

        A query with no hit is compared with every one of them; a million
        paragraphs of real text hold 481,155 terms, and scanning them all cost
        130 ms.  A rare term is a poor suggestion anyway.
        """
        if self._common_terms is None:
            index = self.lib.index
            terms = [t for t in index.vocab if len(t) >= 2]
            if len(terms) > SUGGEST_TERMS:
                # idf falls as df rises: the lowest idf are the commonest terms (one vectorised sort).
                ids = np.fromiter((index.vocab[t] for t in terms), np.int64, len(terms))
                keep = np.sort(np.argsort(np.asarray(index.idf)[ids], kind="stable")[:SUGGEST_TERMS])
                terms = [terms[i] for i in keep.tolist()]
            self._common_terms = terms
        return self._common_terms

    # --- browsing ----------------------------------------------------------------

    def paragraph(self, doc_id: str, number: int) -> tuple[Document, Paragraph] | None:
        pos = self.lib.position(doc_id, number)
        if pos is None:
            return None
        return self.lib.doc_by_id[doc_id], self.lib.paragraphs[pos]

    def context(self, doc_id: str, number: int, radius: int) -> list[Paragraph]:
        doc = self.lib.doc_by_id.get(doc_id)
        if doc is None:
            return []
        lo, hi = max(1, number - radius), min(len(doc.paragraphs), number + radius)
        return doc.paragraphs[lo - 1 : hi]

    def phrase_listing(self, phrase: str, keep: int = 100) -> PhraseListing:
        """Every paragraph that says an exact phrase, once each with how often, ordered as ``occurrences``.

        A paragraph that repeats a formula six times is one place to read, not
        six; the counts still add up to every occurrence.  Only the first
        ``keep`` paragraphs are made into cited hits (excerpts cost time), but
        the per-document totals cover all of them.
        """
        folded = fold(phrase)
        counts: dict[int, int] = {}
        for pos, _ in self._said(folded):
            counts[pos] = counts.get(pos, 0) + 1
        order = {d.doc_id: i for i, d in enumerate(self.lib.documents)}
        paragraphs = self.lib.paragraphs

        def key(pos: int) -> tuple[str, int, int]:
            p = paragraphs[pos]
            return (self._year_of(p) or "9999", order[p.doc_id], p.number)

        ordered = sorted(counts, key=key)
        per_doc: dict[str, list[int]] = {}
        for pos in ordered:
            tally = per_doc.setdefault(paragraphs[pos].doc_id, [0, 0])
            tally[0] += counts[pos]
            tally[1] += 1
        hits = [self.make_hit(pos, float(counts[pos]), rank, [folded]) for rank, pos in enumerate(ordered[:keep], 1)]
        return PhraseListing(
            phrase=phrase,
            occurrences=sum(counts.values()),
            paragraphs=len(ordered),
            documents=[(doc_id, n, k) for doc_id, (n, k) in per_doc.items()],
            hits=hits,
            counts=[counts[pos] for pos in ordered[:keep]],
        )

    def _said(self, folded: str) -> list[tuple[int, int]]:
        """Where the text says a folded phrase: a title naming a formula is not one more place it is said."""
        found = self.lib.find_phrase(folded)
        kept = set(self.lib.text_only([pos for pos, _ in found]))
        return [(pos, off) for pos, off in found if pos in kept]

    def occurrences(self, phrase: str) -> list[tuple[Document, Paragraph, int]]:
        """Every occurrence of an exact phrase, ordered by document date then position."""
        folded = fold(phrase)
        found = [(self.lib.document_of(pos), self.lib.paragraphs[pos], off) for pos, off in self._said(folded)]
        order = {d.doc_id: i for i, d in enumerate(self.lib.documents)}
        found.sort(key=lambda t: (self._year_of(t[1]) or "9999", order[t[0].doc_id], t[1].number, t[2]))
        return found
