"""Excerpts and citations: the paragraph's own words, the matched terms marked, the source named.

Matching happens on folded text; every span found there is mapped back to the
original characters so that what the reader sees (and quotes) is the
document's own text, Traditional characters and full-width marks included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .analysis import fold_with_map
from .model import Document, Paragraph

MAX_EXCERPT = 200
_SENTENCE = re.compile(r"[^。！？!?；;]*[。！？!?；;]+[”’」』）)]*|[^。！？!?；;]+$")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of an original paragraph."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


def match_spans(
    text: str, terms: Iterable[str], folded_map: tuple[str, Sequence[int]] | None = None
) -> list[tuple[int, int]]:
    """Spans of ``text`` (original offsets) whose folded form equals one of the folded ``terms``.

    ``folded_map`` is ``fold_with_map(text)`` when the caller has it already
    (search has the folded text from the index and shares the map with the excerpt's focus).
    """
    folded, origin = folded_map if folded_map is not None else fold_with_map(text)
    spans: list[tuple[int, int]] = []
    for term in sorted(set(terms), key=len, reverse=True):
        if not term:
            continue
        start = 0
        while (at := folded.find(term, start)) >= 0:
            spans.append((origin[at], origin[at + len(term) - 1] + 1))
            start = at + len(term)
    return merge_spans(spans)


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def make_excerpt(
    text: str,
    spans: list[tuple[int, int]],
    weights: dict[tuple[int, int], float] | None = None,
    focus: tuple[int, int] | None = None,
) -> tuple[str, list[tuple[int, int]]]:
    """The best one to three sentences (at most about 200 characters), with "…" where cut.

    Sentences are scored by the matched spans they hold; the best one is
    widened with its neighbours while the excerpt stays within the limit.
    ``focus`` (the passage that ranking found to answer) outweighs any count
    of matched words: the reader must see the sentence that answers.
    Returns the excerpt and the spans to mark, relative to the excerpt.
    """
    sents = sentences(text) or [(0, len(text))]

    def score(i: int) -> float:
        s, e = sents[i]
        matched = sum((weights or {}).get(sp, sp[1] - sp[0]) for sp in spans if sp[0] >= s and sp[1] <= e)
        if focus is not None and s < focus[1] and e > focus[0]:
            matched += len(text)
        return matched

    best = max(range(len(sents)), key=lambda i: (score(i), -i))
    lo = hi = best
    while hi - lo < 2:
        grown = False
        for cand in (hi + 1, lo - 1):
            if 0 <= cand < len(sents):
                new_lo, new_hi = min(lo, cand), max(hi, cand)
                if sents[new_hi][1] - sents[new_lo][0] <= MAX_EXCERPT and (score(cand) > 0 or hi - lo == 0):
                    lo, hi = new_lo, new_hi
                    grown = True
                    break
        if not grown:
            break
    start, end = sents[lo][0], sents[hi][1]
    if end - start > MAX_EXCERPT:
        # One very long sentence: a window around its first marked span.
        inside = [sp for sp in spans if sp[0] >= start and sp[1] <= end]
        centre = inside[0][0] if inside else start
        start = max(start, min(centre - MAX_EXCERPT // 3, end - MAX_EXCERPT))
        end = min(end, start + MAX_EXCERPT)
    # Leading white space is layout, not text.
    while start < end and text[start].isspace():
        start += 1
    body = text[start:end].rstrip()
    end = start + len(body)
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text.rstrip()) else ""
    shift = len(prefix) - start
    marks = [(max(s, start) + shift, min(e, end) + shift) for s, e in spans if s < end and e > start]
    return prefix + body + suffix, marks


def passage_excerpt(
    text: str,
    terms: Iterable[str],
    window: tuple[int, int] | None = None,
    folded_map: tuple[str, Sequence[int]] | None = None,
) -> tuple[str, list[tuple[int, int]]]:
    """The excerpt of an original paragraph and its marks: ``terms`` marked, ``window`` (folded offsets) in view.

    A pure function of the text, so that an excerpt can be made when it is
    first shown (the bot renders a page of a 30-hit answer at a time) from
    what the answer stored, without the index that ranked it.
    """
    folded, origin = folded_map if folded_map is not None else fold_with_map(text)
    spans = match_spans(text, terms, (folded, origin))
    focus = None
    if window is not None and origin and window[0] < window[1] <= len(origin):
        focus = (origin[window[0]], origin[window[1] - 1] + 1)
    return make_excerpt(text, spans, focus=focus)


def render_marked(text: str, marks: list[tuple[int, int]], open_: str = "**", close: str = "**") -> str:
    out: list[str] = []
    pos = 0
    for s, e in marks:
        out.append(text[pos:s])
        out.append(f"{open_}{text[s:e]}{close}")
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section_label(paragraph: Paragraph, limit: int = 24) -> str:
    return " › ".join(_short(part, limit) for part in paragraph.section)


TITLE_CHARS = 20  # how much of a long article title a citation keeps; the byline is never cut


def human_date(iso: str) -> str:
    """2023-03-07 → 2023年3月7日; 2022-06 → 2022年6月: how a citation writes a date."""
    parts = iso.split("-")
    if not parts or not parts[0].isdigit():
        return iso
    out = f"{int(parts[0])}年"
    if len(parts) > 1 and parts[1].isdigit():
        out += f"{int(parts[1])}月"
    if len(parts) > 2 and parts[2].isdigit():
        out += f"{int(parts[2])}日"
    return out


def author_names(author: str) -> str:
    """A byline as a reader writes it: a name spaced out by typesetting (李 健) closed up, co-authors
    (許君璞 應秀梅) kept apart with 、 rather than run together into one long name."""
    names: list[str] = []
    spaced = False  # whether the last name is being built from single characters
    for part in author.split():
        if len(part) == 1 and spaced:
            names[-1] += part  # 李 健: one name, its characters spaced apart
        else:
            names.append(part)
            spaced = len(part) == 1
    return "、".join(names)


def _who_when(author: str, date: str) -> str:
    parts = [p for p in (author_names(author), human_date(date) if date else "") if p]
    return f"（{'，'.join(parts)}）" if parts else ""


def citation(doc: Document, paragraph: Paragraph) -> str:
    """《刊名》期号 › 文章（作者，日期） › 一、… › 第12段 — enough to find, quote and attribute the source.

    A long article title is shortened, never the byline or the date: who said
    it and when is what a reader quoting the passage needs most.
    """
    section = list(paragraph.section)
    article = doc.articles[paragraph.article] if 0 <= paragraph.article < len(doc.articles) else None
    head = doc.label
    named: list[str] = []
    if article is not None and section and section[0] == article.label:
        section = section[1:]
        if article.title == doc.title and not doc.publication:
            # A one-article document: its title is already the head; say it once.
            head += _who_when(article.author or doc.author, article.date or doc.date)
        else:
            named = [_short(article.title, TITLE_CHARS) + _who_when(article.author, article.date)]
    elif not doc.publication:
        head += _who_when(doc.author, doc.date)
    parts = [head, *named, *(_short(p, 24) for p in section), f"第{paragraph.number}段"]
    return " › ".join(parts)


def brief(text: str, limit: int = 200) -> str:
    """A user's input as a reply or notice echoes it: whole when short, else its start and its length.

    Replies quote what was asked ("🔎 …", "没有找到与“…”"); a 4,000-character
    question quoted whole pushed the reply over Telegram's 4,096-character
    limit and the user got an error instead of an answer.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}…（共 {len(text)} 字）"
