"""From raw bytes to real paragraphs: decoding, residue removal, re-joining, de-duplication.

The seeds are PDF and web extractions: lines are hard-wrapped, paragraphs
are cut at page breaks (sometimes repeating a word across the cut), web pages
leave advertising and widget text behind, and one page repeats its opening as
a summary.  Every rule below exists because a seed needs it; each works on
folded text so that full-width and Traditional variants behave the same.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import jieba
from charset_normalizer import from_bytes

from .analysis import fold, fold_keep_spaces, is_cjk
from .model import Block
from .patterns import (
    ADDRESSEES,
    BODY_LEAD,
    FILE_NUMBER,
    HEADING_MARK,
    ISSUE_LINE,
    ISSUER_LINE,
    SUBTITLE,
    ends_sentence,
    ends_soft,
    is_byline,
    is_date_line,
    is_empty_item,
    is_heading_line,
)

TEXT_SUFFIXES = (".txt", ".md")
ACCEPTED_ENCODINGS = ("utf_8", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "cp936", "hz")


class IngestError(Exception):
    """A file that cannot be read as text; the message says why, for the report."""


@dataclass
class Line:
    no: int
    text: str  # cleaned original text
    key: str  # folded, single spaces kept
    compact: str  # folded, no spaces
    md_level: int
    gap_before: bool  # a blank line, page break or removed residue precedes it
    bullet: str = ""  # the Markdown list or quote mark taken off its start ("- ")


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM), GB18030 or Big5; refuse binary and undecodable data."""
    if not data.strip():
        raise IngestError("文件是空的")
    if b"\x00" in data[:65536]:
        raise IngestError("这是二进制文件，不是文本（含 NUL 字节）")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(ACCEPTED_ENCODINGS)).best()
    if best is None or best.encoding not in ACCEPTED_ENCODINGS:
        raise IngestError("无法识别文字编码（不是 UTF-8、GB18030 或 Big5）")
    text = str(best)
    cjk = sum(1 for ch in text if is_cjk(ch))
    if cjk < max(1, len(text) // 20):
        raise IngestError(f"无法识别文字编码（按 {best.encoding} 解码后几乎没有中文）")
    return text, best.encoding


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\ufffd]")  # control characters other than \t \n \f \r


def _control_ratio(text: str) -> float:
    return len(_CONTROL.findall(text)) / max(1, len(text))


def read_source(path: Path) -> tuple[str, str, str]:
    """Text, encoding and SHA-256 of one corpus file."""
    data = path.read_bytes()
    text, encoding = decode_bytes(data)
    if _control_ratio(text) > 0.01:
        raise IngestError("这是二进制文件，不是文本（含控制字符）")
    return text, encoding, hashlib.sha256(data).hexdigest()


# --- residue -------------------------------------------------------------

_RESIDUE_ANYWHERE = re.compile(
    r"更多公文素材|写作指导请加微信|进微信群|海量免费素材|每日更新实时文稿|扫码关注|点击下载|下载文档|文档格式"
)
_RESIDUE_WHOLE = re.compile(
    r"^(?:展开>>|收起<<|vip专免|vip专享|侵权投诉|海报|摘要:?|\d+\+|[\d.]+[kmg]?b|\d+页|第\d+页|"
    r"-{3,}|\*{3,}|_{3,}|\d+/\d+|上一页|下一页|返回顶部|分享到:?|举报)$"
)
_LATIN_ONLY = re.compile(r"^[a-z\s.,'-]+$")


def is_residue(compact: str) -> bool:
    """Lines a web page or PDF viewer left behind; they are never part of the document."""
    if not compact:
        return True
    return bool(_RESIDUE_WHOLE.match(compact) or _RESIDUE_ANYWHERE.search(compact))


# --- lines ---------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+")
_MD_BULLET = re.compile(r"^(?:[-*+]\s+|>\s?)")
_MD_EMPHASIS = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])")


def clean_lines(text: str) -> tuple[list[Line], int]:
    """Lines with Markdown marks and residue removed; also the number of residue lines dropped."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "").split("\n")
    out: list[Line] = []
    gap = True
    dropped = 0
    for no, original in enumerate(raw, start=1):
        line = original.replace("\u200b", "").rstrip().rstrip("\\").rstrip()
        md_level = 0
        m = _MD_HEADING.match(line)
        if m:
            md_level = len(m.group(1))
            line = line[m.end() :]
        bullet = _MD_BULLET.match(line)
        if bullet:
            line = line[bullet.end() :]
        line = _MD_EMPHASIS.sub("", line).strip()
        key = fold_keep_spaces(line)
        compact = key.replace(" ", "")
        if not compact:
            gap = True
            continue
        # Upper-case Latin lines in a Chinese page are pinyin slogans and running heads.
        if is_residue(compact) or (line.isupper() and _LATIN_ONLY.match(compact)):
            dropped += 1
            gap = True
            continue
        out.append(Line(no, line, key, compact, md_level, gap, bullet.group(0).strip() if bullet else ""))
        gap = False
    return out, dropped


SENTENCE_ENDS = tuple("。！？!?；;…”」）)")
WRAPPED_ENDS = 0.5  # share of near-width lines ending a sentence above which lines are not hard-wrapped
PER_LINE_ENDS = 0.8  # share of lines ending a sentence above which each line is a paragraph


def _followed(lines: list[Line]) -> list[Line]:
    """The lines of 20 characters or more that another line follows in the same block: what a wrap cuts."""
    return [a for a, b in pairwise(lines) if not b.gap_before and len(a.compact) >= 20]


def wrap_width(lines: list[Line]) -> int | None:
    """The width a hard-wrapped text was cut at, or None when lines are not hard-wrapped.

    Hard wrapping shows as many lines, each followed by another in the same
    block, of nearly the same length.  It cuts wherever the width falls, so
    few of those lines end a sentence (8 % in the seeds' hard-wrapped PDF);
    lines of similar length that mostly do are sentences or paragraphs typed
    one a line, not a wrapped text.
    """
    full = _followed(lines)
    if len(full) < 8:
        return None
    counts = Counter(len(a.compact) for a in full)
    mode, _ = max(counts.items(), key=lambda kv: (sum(counts.get(kv[0] + d, 0) for d in (-1, 0, 1)), kv[0]))
    near = [a for a in full if abs(len(a.compact) - mode) <= 2]
    if len(near) < 0.3 * len(full):
        return None
    ended = sum(a.compact.endswith(SENTENCE_ENDS) for a in near)
    return None if ended >= WRAPPED_ENDS * len(near) else mode


def _is_title_like(line: Line) -> bool:
    c = line.compact
    return (
        line.md_level > 0
        or is_heading_line(c)
        or is_date_line(c)
        or is_byline(line.key, c)
        or bool(SUBTITLE.match(c))
        or bool(ISSUE_LINE.match(c))
        or bool(ISSUER_LINE.match(c))
        or bool(FILE_NUMBER.match(c))
        or bool(ADDRESSEES.match(c))
    )


def _continues(compact: str) -> bool:
    """A line that opens with one character and a stop ("开。…") is the tail of a cut sentence."""
    return len(compact) >= 2 and compact[1] in "。,、;:!?" and compact[0] not in "一二三四五六七八九十0123456789"


class _Growing:
    """A paragraph being re-joined, with what the join rules ask of its folded text kept up to date.

    The rules look at the folded paragraph so far (its start, its end, open
    quotes, whether it holds a sentence).  Re-folding and re-concatenating the
    whole paragraph for every line made a document whose lines never end a
    sentence quadratic (one 440 KB file took 69 s); here each line is folded
    once.  Up to ``EXACT`` characters the folded text is recomputed whole, so
    short paragraphs (titles, headings) see exactly what they saw before.
    """

    EXACT = 256
    TAIL = 16

    def __init__(self, first: Line) -> None:
        self.lines = [first]
        self.pieces = [first.text]
        self.size = len(first.text)
        self._set_exact(fold(first.text))

    def _set_exact(self, folded: str) -> None:
        self.exact: str | None = folded
        self.head = folded
        self.tail = folded[-self.TAIL :]
        self.length = len(folded)
        self.quotes = folded.count("“") - folded.count("”")
        self.parens = folded.count("(") - folded.count(")")
        self.has_stop = any(mark in folded for mark in "。!?")

    def append(self, line: Line) -> None:
        piece = _join_piece(self._text_tail(), line.text)
        self.lines.append(line)
        self.pieces.append(piece)
        self.size += len(piece)
        if self.size <= self.EXACT:
            self._set_exact(fold(self.text))
            return
        folded = fold(piece)
        self.exact = None
        self.tail = (self.tail + folded)[-self.TAIL :]
        self.length += len(folded)
        self.quotes += folded.count("“") - folded.count("”")
        self.parens += folded.count("(") - folded.count(")")
        self.has_stop = self.has_stop or any(mark in folded for mark in "。!?")

    def _text_tail(self) -> str:
        tail = ""
        for piece in reversed(self.pieces):
            tail = piece + tail
            if len(tail) > 8:
                break
        return tail

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    @property
    def unbalanced(self) -> bool:
        return self.quotes > 0 or self.parens > 0


def sentences_a_line(lines: list[Line]) -> bool:
    """Are the lines paragraphs typed one a line (nearly every line ends a sentence)?

    Then a line that ends none is a title or a heading standing on its own
    (关于做好…工作的通知), not the start of a sentence cut by the extraction.
    """
    full = _followed(lines)
    return len(full) >= 8 and sum(a.compact.endswith(SENTENCE_ENDS) for a in full) >= PER_LINE_ENDS * len(full)


def _soft_break(prev: Line, cur: _Growing, nxt: Line, width: int | None, per_line: bool = False) -> bool:
    """Inside a block: does the line break after ``prev`` continue the paragraph?"""
    pc = prev.compact
    if is_empty_item(pc):
        return False
    if _continues(nxt.compact):
        return True
    if HEADING_MARK.match(nxt.compact) or (_is_title_like(nxt) and not SUBTITLE.match(nxt.compact)):
        return False
    if cur.unbalanced and not ends_sentence(pc):
        return True
    if _is_title_like(prev) or (per_line and not ends_soft(pc)):
        return False  # one a line: a line ending in a colon or comma (編者按:) still leads into the next
    if ends_sentence(pc):
        # A full line that happens to end with a stop is ambiguous; only a
        # short line closes a hard-wrapped paragraph for sure.
        return width is not None and width * 0.9 <= len(pc) <= width * 1.5
    if any(mark in pc for mark in "。!?") and not is_heading_line(pc):
        return True  # the line already holds a sentence: prose, cut mid-sentence
    if width is not None and len(pc) < width * 0.6 and not ends_soft(pc):
        return False
    # Without a wrap width (one paragraph a line, or PDF text cut at random
    # places) a short line followed by a long one is the start of a cut
    # sentence; two short lines in a row are a title and a byline or the like.
    return not (width is None and len(pc) <= 30 and len(nxt.compact) <= 30 and not ends_soft(pc))


def _page_break_join(cur: _Growing, nxt: Line, known_titles: set[str], width: int | None = None) -> bool:
    """Across a blank line or page break: is ``nxt`` the rest of the paragraph so far?"""
    head, tail = cur.head, cur.tail
    if not cur.length or ends_sentence(tail):
        return False
    if cur.exact is not None and (is_empty_item(cur.exact) or ADDRESSEES.match(cur.exact.replace(" ", ""))):
        return False  # a line complete in itself though it ends in a dash or a colon
    nc = nxt.compact
    if _continues(nc) and not nxt.md_level:
        return True
    if nxt.md_level or HEADING_MARK.match(nc) or _is_title_like(nxt) or nc in known_titles:
        return False
    if cur.exact is not None and cur.exact.replace(" ", "") in known_titles:
        return False
    if ends_soft(tail) or cur.unbalanced:
        return True
    if _splits_a_word(tail, nc):
        return True  # "…调研传" / "统企业…": the page ended inside a word, so inside the sentence
    if cur.has_stop and not HEADING_MARK.match(head):
        return True  # a fragment that already holds a sentence is prose, not a title
    heading_start = bool(HEADING_MARK.match(head)) and not BODY_LEAD.match(head)
    if cur.lines[0].md_level and not BODY_LEAD.match(head):
        return False
    if cur.length >= 40 and not heading_start:
        return True
    if width is not None and len(cur.lines[-1].compact) >= width - 2 and not heading_start:
        return True  # a line filled to the wrap width was wrapped, not ended: the page broke mid-paragraph
    return bool(BODY_LEAD.match(head)) and cur.length >= 8 and len(nc) >= 20


def _splits_a_word(left: str, right: str) -> bool:
    """Does a word run across the break, with at least one side not a word of its own?

    A title ends on a word; a page that ends in the middle of one ("传" / "统")
    was cut inside a sentence.  A word across the break made of two words
    ("监督" / "工作" → 监督工作) proves nothing, so one piece must be a lone
    character or no dictionary word at all.
    """
    a, b = left[-4:], right[:4]
    if not (a and b and is_cjk(a[-1]) and is_cjk(b[0])):
        return False
    tk = jieba.dt  # jieba's default dictionary, loaded once for the process (context.py tags with it too)
    at = 0
    for word in tk.cut(a + b, HMM=False):
        end = at + len(word)
        if at < len(a) < end:
            pieces = (word[: len(a) - at], word[len(a) - at :])
            return any(len(piece) == 1 or not tk.FREQ.get(piece) for piece in pieces)
        at = end
    return False


def _join_piece(left_tail: str, right: str) -> str:
    """What joining ``right`` to a text ending in ``left_tail`` appends (see :func:`join_text`)."""
    left_tail = left_tail.rstrip()
    right = right.lstrip()
    for size in range(min(8, len(left_tail), len(right)), 1, -1):
        tail = left_tail[-size:]
        if right.startswith(tail) and all(is_cjk(ch) for ch in tail):
            right = right[size:]
            break
    if (
        left_tail
        and right
        and left_tail[-1].isascii()
        and left_tail[-1].isalnum()
        and right[0].isascii()
        and right[0].isalnum()
    ):
        return " " + right
    return right


def join_text(left: str, right: str) -> str:
    """Join two pieces of one paragraph, dropping a word repeated across the cut.

    Page-break extraction sometimes repeats the last word of a page at the
    top of the next ("…社会主义现代化" / "现代化国家…"); a repeated run of two
    or more Chinese characters is dropped once.
    """
    left = left.rstrip()
    return left + _join_piece(left[-9:], right)


def _block(cur: _Growing) -> Block:
    first = cur.lines[0]
    return Block(cur.text.strip(), first.no, cur.lines[-1].no, first.md_level, first.bullet)


def assemble(lines: list[Line], known_titles: set[str] | None = None) -> list[Block]:
    """Rebuild paragraphs from cleaned lines (hard wraps and page breaks re-joined), in linear time."""
    titles = known_titles or set()
    width = wrap_width(lines)
    per_line = width is None and sentences_a_line(lines)
    blocks: list[Block] = []
    cur: _Growing | None = None
    for line in lines:
        if cur is not None:
            if line.gap_before:
                joined = _page_break_join(cur, line, titles, width)
            else:
                joined = _soft_break(cur.lines[-1], cur, line, width, per_line)
            if joined:
                cur.append(line)
                continue
            blocks.append(_block(cur))
        cur = _Growing(line)
    if cur is not None:
        blocks.append(_block(cur))
    return blocks


def drop_duplicates(blocks: list[Block]) -> tuple[list[Block], list[str]]:
    """Remove paragraphs that repeat earlier text, such as a web page's summary of its opening.

    A long paragraph is a duplicate when its folded text (without a trailing
    ellipsis) already occurs in what came before; short ones (headings,
    bylines) legitimately repeat and are kept.  The text before is indexed by
    its 8-character shingles, so a paragraph is compared only where its first
    eight characters occur: linear in the document, where searching the
    whole prior text for every paragraph was quadratic.  Only every
    ``step``-th shingle is indexed; an occurrence starting anywhere covers an
    indexed shingle within its first ``step`` characters, so the look-up
    tries the key's first ``step`` shingles.
    """
    size, step = 8, 16
    prior = ""
    shingles: dict[str, list[int]] = {}
    kept: list[Block] = []
    notes: list[str] = []
    for block in blocks:
        key = fold(block.text).rstrip(".").rstrip("…")
        if len(key) >= 40 and _occurs(key, prior, shingles, size, step):
            notes.append(f"去掉了第 {block.line_start}–{block.line_end} 行的重复内容")
            continue
        first = -(-max(0, len(prior) - size + 1) // step) * step  # the next multiple of step not yet indexed
        prior += key
        for at in range(first, len(prior) - size + 1, step):
            shingles.setdefault(prior[at : at + size], []).append(at)
        kept.append(block)
    return kept, notes


def _occurs(key: str, prior: str, shingles: dict[str, list[int]], size: int, step: int) -> bool:
    for j in range(step):
        for at in shingles.get(key[j : j + size], ()):
            if at >= j and prior.startswith(key, at - j):
                return True
    return False


def list_sources(corpus: Path) -> list[Path]:
    """Every .txt and .md file under the corpus folder, in a stable order."""
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)
