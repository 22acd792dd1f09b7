"""Shapes of lines in Chinese official writing, shared by ingestion and structure recovery.

They are applied to the *folded* text (NFKC, Simplified), so full-width and
Traditional variants of the same mark need no separate pattern.
"""

from __future__ import annotations

import re

NUM = "一二三四五六七八九十"

# Section headings proper: 一、 （一） 第一， 1.
HEADING_MARK = re.compile(rf"^(?:[{NUM}]{{1,3}}、|\([{NUM}]{{1,3}}\)|第[{NUM}]{{1,3}}[,、:]|\d{{1,2}}[.、](?!\d))")
# Enumerated lead sentences that open a body paragraph: 一是… 一要… 第一，… 1. … 首先…
BODY_LEAD = re.compile(rf"^(?:[{NUM}]{{1,3}}(?:是|要)|第[{NUM}]{{1,3}},|首先|其次|再次|最后|\d{{1,2}}[.、](?!\d))")
HEADING_STYLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("cn", re.compile(rf"^[{NUM}]{{1,3}}、")),
    ("paren", re.compile(rf"^\([{NUM}]{{1,3}}\)")),
    ("di", re.compile(rf"^第[{NUM}]{{1,3}}[,、:]")),
    ("num", re.compile(r"^\d{1,2}[.、](?!\d)")),
    ("lead", re.compile(rf"^[{NUM}]{{1,3}}(?:是|要)")),
)

SENTENCE_END = "。!?."  # NFKC turns … into ...
CLOSERS = "”’」』)】》"
SOFT_END = ",、;:—-"

DATE_LINE = re.compile(r"^\(?\d{4}年\d{1,2}月(?:\d{1,2}日)?[^()]{0,12}\)?$|^\d{4}-\d{1,2}-\d{1,2}$")
FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日|(\d{4})-(\d{1,2})-(\d{1,2})")
ISSUE_LINE = re.compile(r"^(?:(\d{4})年)?第(\d{1,3})期(?:总第\d+期)?$")
PAREN_BYLINE = re.compile(r"^\([^()\d]{1,24}\)$")
ORG_BYLINE = re.compile(r"^[\u4e00-\u9fff]{2,18}(?:办公室|研究室|工委|委员会|宣传处)$")
NAME_BYLINE = re.compile(r"^(?:[\u4e00-\u9fff、()·]{2,30}?(?=[\u4e00-\u9fff]{2,3}$))?[\u4e00-\u9fff]{2,3}$")
SUBTITLE = re.compile(r"^——")


def ends_sentence(folded: str) -> bool:
    """True when a folded paragraph ends a sentence; a closing quote after the stop counts."""
    s = folded.rstrip(CLOSERS)
    if not s:
        return False
    return s[-1] in SENTENCE_END


def ends_soft(folded: str) -> bool:
    return bool(folded) and folded[-1] in SOFT_END


def unbalanced(folded: str) -> bool:
    """An opening quote or bracket left open: the paragraph must go on."""
    return folded.count("“") > folded.count("”") or folded.count("(") > folded.count(")")


def is_heading_line(folded: str) -> bool:
    """A numbered heading: a heading mark and short, or a whole sentence with no inner full stop."""
    if not HEADING_MARK.match(folded):
        return False
    if folded[-1] in "。;.":
        return False  # a numbered item that is a whole sentence is body text
    return len(folded) <= 60 and "。" not in folded


def is_byline(folded: str, compact: str) -> bool:
    """Author or source lines: 市委书记 马明龙 · (南京市人大常委会研究室) · 丹阳市人大常委会办公室."""
    if PAREN_BYLINE.match(compact) and len(compact) <= 26:
        return True
    if ORG_BYLINE.match(compact):
        return True
    # A role followed by a spaced name, or a name alone ("徐 劼").
    return " " in folded.strip() and len(compact) <= 30 and bool(NAME_BYLINE.match(compact))


def is_date_line(compact: str) -> bool:
    return bool(DATE_LINE.match(compact))
