"""Queries in, ranked and cited hits out.

A query may hold exact phrases in quotes, ``doc:`` filters and a year; the
rest is free text ranked by BM25 over jieba tokens.  Users quote policy
formulas verbatim, so a paragraph holding a long verbatim run of the query
is lifted above one that merely shares scattered words (the development set
shows the gain: see ``python -m retrieval eval --variants``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .analysis import fold, fold_keep_spaces, has_content
from .excerpt import citation, make_excerpt, match_spans, section_label
from .index import BM25Index
from .library import Library
from .model import Document, Paragraph
from .signals import answer_pattern, answers_in_clause, enumerates, formulas

MAX_QUERY_CHARS = 10_000
CANDIDATES = 100
RUN_WEIGHT = 1.0
SIGNAL_WEIGHT = 0.5
COVER_WEIGHT = 0.5
# Ranking variants, compared by ``python -m retrieval eval --variants``:
# bm25 alone, plus the verbatim-run signal, plus character-bigram BM25, plus
# the question signals (formula enumeration, answer type).
VARIANTS = ("bm25", "bm25+run", "bm25+bigram+run", "bm25+run+signals", "bm25+bigram+run+signals")
DEFAULT_VARIANT = "bm25+run+signals"

_QUOTED = re.compile(r"[\"“”「」『』]([^\"“”「」『』]+)[\"“”「」『』]")
_DOC_FILTER = re.compile(r"(?:^|\s)doc[:：]\s*(\S+)", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年?(?!\d|月)")
_NON_WORD = re.compile(r"[^\w]|_")


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
        }


@dataclass
class SearchResult:
    query: Query
    hits: list[Hit]
    total: int
    suggestions: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)  # folded words that excerpts mark
    ranked: list[tuple[int, float]] = field(default_factory=list)  # (position, score), best first


def longest_common_run(a: str, b: str) -> tuple[int, str]:
    """Length and text of the longest substring of ``a`` that occurs in ``b`` (two-pointer scan)."""
    best, best_at = 0, 0
    i = 0
    n = len(a)
    while i + best < n:
        j = i + best + 1
        if a[i:j] in b:
            while j < n and a[i : j + 1] in b:
                j += 1
            best, best_at = j - i, i
        i += 1
    return best, a[best_at : best_at + best]


def bare(folded: str) -> str:
    return _NON_WORD.sub("", folded)


def char_bigrams(folded: str) -> list[str]:
    text = bare(folded)
    return [text[i : i + 2] for i in range(len(text) - 1)]


class Searcher:
    """Ranking over a :class:`Library`; stateless between queries, so safe to share."""

    def __init__(self, library: Library, variant: str = DEFAULT_VARIANT) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown ranking variant {variant!r}")
        self.lib = library
        self.variant = variant
        self._bigram: BM25Index | None = None
        self._section_bare: dict[tuple[str, ...], str] = {}

    # --- parsing ---------------------------------------------------------------

    def parse(self, raw: str) -> Query:
        notices: list[str] = []
        if len(raw) > MAX_QUERY_CHARS:
            raw = raw[:MAX_QUERY_CHARS]
            notices.append(f"查询过长，只使用前 {MAX_QUERY_CHARS} 个字符。")
        q = Query(raw=raw, text=raw, notices=notices)
        text = raw
        for m in list(_DOC_FILTER.finditer(text)):
            ref = m.group(1)
            docs = self.lib.resolve_doc(ref)
            if not docs:
                raise QueryError(f"没有找到文档“{ref}”。可用 /docs 查看文档列表。")
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

    def _context_bare(self, pos: int) -> str:
        """The folded words of a paragraph's section path, which the index also sees."""
        sec = self.lib.section(pos)
        if sec not in self._section_bare:
            self._section_bare[sec] = bare(fold("".join(sec)))
        return self._section_bare[sec]

    def bigram_index(self) -> BM25Index:
        if self._bigram is None:
            self._bigram = BM25Index.build(char_bigrams(t) for t in self.lib.folded)
        return self._bigram

    def rank(self, q: Query, limit: int) -> tuple[list[tuple[int, float]], list[str]]:
        """(position, score) pairs best first, and the folded terms worth marking."""
        lib = self.lib
        allowed = self._allowed(q)
        folded_text = fold(q.text)
        tokens = lib.analyzer.tokens(folded_text) if folded_text else []
        for phrase in q.phrases:
            tokens += lib.analyzer.tokens(phrase)
        marks = [t for t in tokens if len(t) >= 2] + q.phrases

        if q.phrases:
            found = lib.phrase_positions(q.phrases, allowed=allowed)
            scores = lib.index.score_docs(tokens, found) if tokens else np.zeros(found.shape[0])
            order = np.lexsort((found, -scores))[:limit]
            return [(int(found[i]), float(scores[i])) for i in order], marks

        k = max(CANDIDATES, limit)
        cands: dict[int, float] = dict(lib.index.top(tokens, k, allowed))
        use_bigram = "bigram" in self.variant
        if use_bigram:
            grams = char_bigrams(folded_text)
            bscores = dict(self.bigram_index().top(grams, k, allowed))
            top_w = max(cands.values(), default=1.0) or 1.0
            top_b = max(bscores.values(), default=1.0) or 1.0
            merged = {p: cands.get(p, 0.0) / top_w + bscores.get(p, 0.0) / top_b for p in set(cands) | set(bscores)}
            cands = merged
        qbare = bare(folded_text)
        if "run" in self.variant and len(qbare) >= 2:
            # A verbatim occurrence of the whole query is a candidate even if
            # BM25 missed it (e.g. a query made only of stop words).
            # Found through the bigram index and capped: a query that half the
            # corpus holds verbatim adds no more than CANDIDATES paragraphs.
            for pos in lib.phrase_positions([folded_text], limit=k, allowed=allowed).tolist():
                cands.setdefault(pos, 0.0)
        if not cands:
            return [], marks
        top = max(cands.values()) or 1.0
        final: dict[int, float] = {}
        best_run = ""
        use_signals = "signals" in self.variant
        forms = formulas(folded_text) if use_signals else []
        answer = answer_pattern(folded_text) if use_signals else None
        # Coverage: the share of the query's idf mass a paragraph (with its
        # section path) holds, so that one matching every concept of the
        # question beats one repeating a single common term.
        idf = {t: lib.index.term_idf(t) for t in set(tokens)}
        idf_total = sum(v for v in idf.values() if v > 0) or 1.0
        for pos, s in cands.items():
            score = s / top
            text = lib.folded[pos]
            run = ""
            if "run" in self.variant and qbare:
                length, run = longest_common_run(qbare, self._context_bare(pos) + bare(text))
                if length >= min(4, len(qbare)):
                    score += RUN_WEIGHT * length / len(qbare)
                    if length > len(best_run):
                        best_run = run
            if use_signals and idf:
                where = self._context_bare(pos) + text
                score += COVER_WEIGHT * sum(v for t, v in idf.items() if v > 0 and t in where) / idf_total
            if forms and any(enumerates(text, f) for f in forms):
                score += SIGNAL_WEIGHT
            if answer is not None:
                anchors = [run] if len(run) >= 2 and run in text else [t for t in tokens if len(t) >= 2]
                if answers_in_clause(text, answer, anchors):
                    score += SIGNAL_WEIGHT
            final[pos] = score
        if best_run:
            marks.append(best_run)
        ranked = sorted(final.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:limit], marks

    # --- results ---------------------------------------------------------------

    def search(self, raw: str, top: int = 5, offset: int = 0, depth: int = 0) -> SearchResult:
        """Ranked hits ``offset+1 … offset+top``; ``depth`` more positions are ranked but not rendered.

        Excerpts cost far more than ranking, so a caller that pages through
        results (the bot) ranks deep once and renders only the page shown.
        """
        q = self.parse(raw)
        ranked, marks = self.rank(q, max(depth, offset + top))
        page = ranked[offset : offset + top]
        hits = [self.make_hit(pos, score, offset + i, marks) for i, (pos, score) in enumerate(page, start=1)]
        suggestions = self.suggest(q) if not ranked else []
        result = SearchResult(q, hits, len(ranked), suggestions, sorted(set(marks)))
        result.ranked = ranked
        return result

    def make_hit(self, pos: int, score: float, rank: int, terms: list[str]) -> Hit:
        p = self.lib.paragraphs[pos]
        doc = self.lib.doc_by_id[p.doc_id]
        spans = match_spans(p.text, terms)
        excerpt, marks = make_excerpt(p.text, spans)
        return Hit(
            rank=rank,
            score=score,
            doc_id=doc.doc_id,
            doc_title=doc.title,
            section=section_label(p),
            paragraph=p.number,
            citation=citation(doc, p),
            excerpt=excerpt,
            marks=marks,
            text=p.text,
            line_start=p.line_start,
            line_end=p.line_end,
            position=pos,
        )

    def suggest(self, q: Query, limit: int = 5) -> list[str]:
        """Corpus terms close to an unmatched query: sharing its characters, most common first."""
        chars = {c for c in bare(fold(q.text)) + "".join(q.phrases)}
        if not chars:
            return []
        index = self.lib.index
        scored = []
        for term in index.vocab:
            if len(term) < 2:
                continue
            overlap = len(chars & set(term))
            if overlap:
                scored.append((overlap / len(set(term)), index.df(term), term))
        scored.sort(key=lambda x: (-x[0], -x[1], x[2]))
        return [t for _, _, t in scored[:limit]]

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

    def occurrences(self, phrase: str) -> list[tuple[Document, Paragraph, int]]:
        """Every occurrence of an exact phrase, ordered by document date then position."""
        folded = fold(phrase)
        found = [
            (self.lib.document_of(pos), self.lib.paragraphs[pos], off) for pos, off in self.lib.find_phrase(folded)
        ]
        order = {d.doc_id: i for i, d in enumerate(self.lib.documents)}
        found.sort(key=lambda t: (self._year_of(t[1]) or "9999", order[t[0].doc_id], t[1].number, t[2]))
        return found
