"""Lines more than one view writes: a cited excerpt, the corpus words close to an unmatched query.

A cited excerpt is how the digest and its watched phrases show one occurrence.

One way of cutting an excerpt for the whole bot: the library's own
``make_excerpt`` (whole sentences, about 200 characters, the matched words
marked), so a passage reads the same wherever it is shown.
"""

from __future__ import annotations

from retrieval import Document, Paragraph, citation, make_excerpt, match_spans

from ..render import esc, marked


def cited_excerpt(doc: Document, p: Paragraph, folded_terms: list[str], bullet: str = "· ") -> str:
    """The best sentences of ``p`` for ``folded_terms`` (marked), and on the next line its citation."""
    excerpt, marks = make_excerpt(p.text, match_spans(p.text, folded_terms))
    return f"{bullet}{marked(excerpt, marks)}\n  <i>{esc(citation(doc, p))}</i>"


def suggestions_line(suggestions: list[str]) -> str:
    """「语料中相近的词」: what to try when a query or phrase found nothing."""
    return "语料中相近的词：" + "、".join(f"<code>{esc(s)}</code>" for s in suggestions)
