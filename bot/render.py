"""Telegram HTML: escaping, marked excerpts, citations, and splitting below the message limit.

Everything that came from a user or a document passes through ``esc``; the
only tags are the ones written here.  Long answers are split between hits
first; a single block longer than the limit is cut at a line or sentence end
with its open tags closed and reopened, so no message carries broken HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from retrieval import brief as brief  # re-exported: replies quote input as the search's notices do

MAX_MESSAGE = 4096  # characters after entity parsing; Telegram's MessageLimit.MAX_TEXT_LENGTH
SAFE_LIMIT = 4000  # room for the tags closed and reopened at a cut
MAX_CAPTION = 1024  # a file's caption; Telegram's MessageLimit.CAPTION_LENGTH
MAX_FILE_BYTES = 50_000_000  # what a bot may upload; Telegram's FileSizeLimit.FILESIZE_UPLOAD (decimal MB)


@dataclass(frozen=True)
class Button:
    text: str
    data: str = ""  # callback data
    switch_inline: str | None = None  # opens inline mode with this query


@dataclass(frozen=True)
class Attachment:
    """A file sent after a reply's text: Telegram uploads it (sendDocument), the console saves it."""

    filename: str
    data: bytes
    caption: str = ""  # Telegram HTML under the file, kept below MAX_CAPTION


@dataclass
class Reply:
    html: str
    buttons: list[list[Button]] = field(default_factory=list)
    edit: bool = False  # replace the message the button was on
    notice: str = ""  # a short toast for callback queries
    files: list[Attachment] = field(default_factory=list)  # sent after the text, never edited in place


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def marked(text: str, marks: list[tuple[int, int]]) -> str:
    """Escape ``text`` and wrap the marked spans in <b>."""
    out: list[str] = []
    pos = 0
    for s, e in marks:
        if s < pos:
            continue
        out.append(esc(text[pos:s]))
        out.append(f"<b>{esc(text[s:e])}</b>")
        pos = e
    out.append(esc(text[pos:]))
    return "".join(out)


_TAG = re.compile(r"<(/?)([a-z]+)(?:\s[^>]*)?>")


def _cut_point(chunk: str) -> int:
    """Where to cut an over-long HTML chunk: after a newline or sentence end, outside any tag."""
    for pattern in ("\n", "。", "；", "，", " "):
        at = chunk.rfind(pattern)
        while at > 0:
            # Not inside a tag or an entity.
            if chunk.rfind("<", 0, at + 1) <= chunk.rfind(">", 0, at + 1) and chunk.rfind(
                "&", 0, at + 1
            ) <= chunk.rfind(";", 0, at + 1):
                if at > len(chunk) // 3:
                    return at + 1
                break
            at = chunk.rfind(pattern, 0, at)
    # No good place: cut before the last tag or entity start that could be broken.
    at = len(chunk)
    lt, amp = chunk.rfind("<"), chunk.rfind("&")
    if lt > chunk.rfind(">"):
        at = lt
    if amp > chunk.rfind(";"):
        at = min(at, amp)
    return at


_SENTENCE_END = re.compile(r"[。！？；!?;\n]")


def text_pages(text: str, limit: int) -> list[tuple[int, int]]:
    """``(start, end)`` spans of plain ``text``, each under ``limit`` once escaped, cut after a sentence end.

    For paging a long paragraph rather than cutting it: every character lands
    on exactly one page, in order.  A sentence longer than a page is cut where
    it must be (after a comma if there is one).
    """
    cost = [len(esc(ch)) for ch in text]  # "&" takes five characters once escaped
    spans: list[tuple[int, int]] = []
    start, left = 0, sum(cost)
    while left > limit:
        end, used = start, 0
        while end < len(text) and used + cost[end] <= limit:
            used += cost[end]
            end += 1
        end = max(end, start + 1)
        window = text[start:end]
        cuts = [m.end() for m in _SENTENCE_END.finditer(window) if m.end() > len(window) // 3]
        if not cuts:
            cuts = [i + 1 for i, ch in enumerate(window) if ch in "，,、 " and i + 1 > len(window) // 3]
        end = start + (cuts[-1] if cuts else len(window))
        spans.append((start, end))
        left -= sum(cost[start:end])
        start = end
    spans.append((start, len(text)))
    return spans


def split_block(block: str, limit: int = SAFE_LIMIT) -> list[str]:
    """Split one HTML block into pieces under ``limit``, closing and reopening open tags."""
    pieces: list[str] = []
    carry: list[str] = []  # tags open at the start of the remaining text
    rest = block
    while len(rest) + sum(len(t) for t in carry) > limit:
        prefix = "".join(carry)
        cut = _cut_point(rest[: limit - len(prefix) - 40])
        head, rest = rest[:cut], rest[cut:]
        stack = list(carry)
        for m in _TAG.finditer(head):
            if m.group(1):
                if stack:
                    stack.pop()
            else:
                stack.append(m.group(0))
        closing = "".join(f"</{_TAG.match(t).group(2)}>" for t in reversed(stack))  # type: ignore[union-attr]
        pieces.append(prefix + head + closing)
        carry = stack
    pieces.append("".join(carry) + rest)
    return [p for p in pieces if p.strip()]


def pack(blocks: list[str], limit: int = SAFE_LIMIT, sep: str = "\n\n") -> list[str]:
    """Join blocks into as few messages as possible, never cutting a block unless it alone is too long."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        for piece in split_block(block, limit) if len(block) > limit else [block]:
            if current and len(current) + len(sep) + len(piece) > limit:
                messages.append(current)
                current = piece
            else:
                current = f"{current}{sep}{piece}" if current else piece
    if current:
        messages.append(current)
    return messages
