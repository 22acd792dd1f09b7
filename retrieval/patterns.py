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

# A web page's or a file's date label (发布时间：2024-04-26 来源：… 浏览次数：…).
_DATE_LABEL = r"(?:(?:发布|发文|印发|成文|更新)?(?:时间|日期)[:]?)"
_PAGE_META = r"(?:\d{1,2}:\d{2}(?::\d{2})?)?(?:(?:来源|作者|浏览|点击|阅读|字号|编辑|责任编辑|信息来源)\S{0,40})?"
DATE_LINE = re.compile(
    rf"^\(?\d{{4}}年\d{{1,2}}月(?:\d{{1,2}}日)?[^()]{{0,12}}\)?$"
    rf"|^{_DATE_LABEL}?\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}{_PAGE_META}$"
    rf"|^{_DATE_LABEL}\d{{4}}年\d{{1,2}}月\d{{1,2}}日{_PAGE_META}$"
)
FULL_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
# Dates in Chinese numerals (二〇二二年六月一日), as official documents sign them.
_CN_DIGIT = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "O": "0", "o": "0"}
_CN_DATE = re.compile(
    r"([〇零Oo一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月(?:([一二三四五六七八九十]{1,3})日)?"
)
ISSUE_LINE = re.compile(r"^(?:(\d{4})年)?第(\d{1,3})期(?:总第\d+期)?$")
PAREN_BYLINE = re.compile(r"^\([^()\d]{1,24}\)$")
ORG_BYLINE = re.compile(r"^[\u4e00-\u9fff]{2,18}(?:办公室|研究室|工委|委员会|宣传处)$")
NAME_BYLINE = re.compile(r"^(?:[\u4e00-\u9fff、()·]{2,30}?(?=[\u4e00-\u9fff]{2,3}$))?[\u4e00-\u9fff]{2,3}$")
SUBTITLE = re.compile(r"^——")
# The head of an official document (公文): the issuing body's masthead line, the
# file number, and the line of addressees that opens the text.
ISSUER_LINE = re.compile(r"^[\u4e00-\u9fff]{4,28}文件$")
FILE_NUMBER = re.compile(r"^[\u4e00-\u9fff]{1,12}[〔\[(]\d{4}[〕\])]\d{1,4}号$")
ADDRESSEES = re.compile(
    r"^[\u4e00-\u9fff、,()]{0,40}(?:同志们|各位代表|各位委员|常委会|人大|委员会|政府|部门|单位|街道|乡镇|党组|党委|局|厅|处|室)[:]$"
)


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
    if folded[-1] in "、,":
        return False  # an item of a list cut off mid-enumeration (名单如下:李晓峰(女)、赵东、)
    if is_empty_item(folded):
        return False  # an empty item ("三、—") heads nothing
    return len(folded) <= 60 and "。" not in folded


def is_empty_item(folded: str) -> bool:
    """A list mark with nothing after it but a dash ("三、—"): a blank left in a form, complete as it is."""
    m = HEADING_MARK.match(folded)
    return bool(m) and sum(ch.isalnum() for ch in folded[m.end() :]) < 2


def is_byline(folded: str, compact: str) -> bool:
    """Author or source lines: 市委书记 马明龙 · (南京市人大常委会研究室) · 丹阳市人大常委会办公室."""
    if PAREN_BYLINE.match(compact) and len(compact) <= 26:
        return True
    if ORG_BYLINE.match(compact):
        return True
    # A role followed by a spaced name, or a name alone ("徐 劼").
    return " " in folded.strip() and len(compact) <= 30 and bool(NAME_BYLINE.match(compact))


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十一 → 21: the numbers a month or a day can have."""
    if "十" not in text:
        return int(_CN_DIGIT[text])
    tens, _, ones = text.partition("十")
    return (int(_CN_DIGIT[tens]) if tens else 1) * 10 + (int(_CN_DIGIT[ones]) if ones else 0)


def arabic_dates(text: str) -> str:
    """Rewrite dates in Chinese numerals as digits (二〇二二年六月一日 → 2022年6月1日), leaving the rest alone."""
    if "年" not in text:
        return text

    def digits(m: re.Match[str]) -> str:
        year = "".join(_CN_DIGIT[c] for c in m.group(1))
        day = f"{_cn_number(m.group(3))}日" if m.group(3) else ""
        return f"{year}年{_cn_number(m.group(2))}月{day}"

    return _CN_DATE.sub(digits, text)


def is_date_line(compact: str) -> bool:
    return bool(DATE_LINE.match(arabic_dates(compact)))


# A table-of-contents entry as a paragraph (structure.py makes them, under the section CONTENTS):
# its page number first, after the list mark the contents are printed with (folded text has no spaces).
CONTENTS = "目录"
CONTENTS_ENTRY = re.compile(r"^(?:-\s*)?\d{1,3}(?!\d)")
# A question about where something is printed: the only questions a contents entry answers.
ASKS_PAGE = re.compile(r"页|目录")
# A question about what is printed around the text: the only questions such a paragraph answers.
ASKS_PRINTED = re.compile(
    r"标题|题目|题头|全称|名称|作者|署名|署的|署了|(?:谁|哪\S{0,3})写的|执笔|供稿|稿子|落款|抬头|印的|印着|文号|编印|"
    r"主办|第几期|总第|准印|流程|[程构意]图|图[上里中]|[啥么张幅]图|副标题|刊号|刊发|刊登|挂出|发的文|哪份文件|什么文件"
)
