"""What a paragraph inherits from where it stands: the words that make it findable but that it never says.

A question names the topic a heading or an article title states once
("代表小组建支部活动的主要内容"), and the paragraph under it never repeats
that topic.  Each paragraph is therefore indexed with its context as well as
its own words.  This module decides what that context is, from the recovered
structure only, so the index (``library``) and the ranking (``search``) agree.
"""

from __future__ import annotations

from .model import Document


def paragraph_contexts(doc: Document) -> list[str]:
    """For each paragraph of ``doc`` (in order), the text it inherits: its section path and subtitle."""
    out: list[str] = []
    for p in doc.paragraphs:
        subtitle = doc.articles[p.article].subtitle if 0 <= p.article < len(doc.articles) else ""
        out.append(" ".join(part for part in (*p.section, subtitle) if part))
    return out
