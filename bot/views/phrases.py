"""A /phrase listing as messages: where a formula occurs, one paragraph per line, paged like an answer.

A writer checking how a formula is used wants two things: how widely it
occurs (a line per document: how often, in how many paragraphs) and each
place to read it.  A paragraph that says the formula six times is one place,
marked ×6, not six identical excerpts.  The listing is kept as a session, so
「更多」, 「上一页」 and 「原文 N」 work on it exactly as on an answer.
"""

from __future__ import annotations

from retrieval import PhraseListing

from ..render import Reply, brief, esc, marked
from ..sessions import Session
from .cited import suggestions_line

PHRASE_PAGE = 5  # paragraphs per page: five ~200-character excerpts and their citations fit one message
SUMMARY_DOCS = 8  # documents named in the summary; the rest are counted on one line


def tally(listing: PhraseListing, label_of: dict[str, str]) -> list[list]:
    """[label, occurrences, paragraphs] per document, as the session keeps it."""
    return [[label_of.get(doc_id, doc_id), n, k] for doc_id, n, k in listing.documents]


def listing_html(session: Session, offset: int, shown: list[int]) -> str:
    """The listing's page: on the first, the per-document summary; then the paragraphs ``shown`` (1-based ranks)."""
    occurrences = sum(t[1] for t in session.tally)
    paragraphs = sum(t[2] for t in session.tally)
    phrase = esc(brief(session.asked))
    blocks = [
        f"“<b>{phrase}</b>”共出现 {occurrences} 次，见于 {len(session.tally)} 篇文档的 {paragraphs} 段"
        "（按文档日期排列，最早的在前）"
    ]
    if offset == 0:
        lines = [f"• {esc(label)}：{n} 次，{k} 段" for label, n, k in session.tally[:SUMMARY_DOCS]]
        rest = session.tally[SUMMARY_DOCS:]
        if rest:
            lines.append(f"• 另有 {len(rest)} 篇文档：{sum(t[1] for t in rest)} 次，{sum(t[2] for t in rest)} 段")
        blocks.append("\n".join(lines))
    for rank in shown:
        hit = session.hits[rank - 1]
        times = session.counts[rank - 1] if rank - 1 < len(session.counts) else 1
        mark = f"（×{times}）" if times > 1 else ""
        blocks.append(f"<b>[{rank}]</b> {marked(hit.excerpt, hit.marks)}{mark}\n— <i>{esc(hit.citation)}</i>")
    kept = len(session.hits)
    footer = f"第 {shown[0]}–{shown[-1]} 段，共 {paragraphs} 段" if shown else f"共 {paragraphs} 段"
    if kept < paragraphs:
        footer += f"（可翻阅前 {kept} 段）"
    blocks.append(footer)
    return "\n\n".join(blocks)


def usage() -> Reply:
    return Reply("用法：<code>/phrase 短语</code>，例如 <code>/phrase 四个机关</code>")


def missing(phrase: str, suggestions: list[str]) -> Reply:
    hint = "\n" + suggestions_line(suggestions) if suggestions else ""
    return Reply(f"语料中没有“{esc(brief(phrase))}”这一提法。{hint}")
