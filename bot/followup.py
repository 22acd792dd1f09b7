"""Reading a short message against the previous question.

Group members talk the way people do: "那镇江呢？", "谁主持的？", "第二条原文",
"更多".  A message that asks for paging or a source is recognised as such; a
message that leans on the previous one (a leading 那/还有/具体…, a trailing
呢, or little more than a question word) inherits the previous topic, with a
place it names replacing the place asked about before.  Anything else starts
a new topic.  The engine shows how it read the message, so a wrong guess is
visible and easy to correct.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from retrieval import Analyzer, entities, fold, formulas, is_person_name, stopwords

_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_PAGING = re.compile(
    r"^(?:更多|再来点?|再来一些|下一页|下一条|下页|继续|还有吗|还有呢|more|next)[.!?。！？~]*$", re.IGNORECASE
)
_SOURCE = re.compile(
    r"^(?:看|查看|打开|给我看)?(?:原文|出处|全文)?\s*第?([一二两三四五六七八九十]|\d{1,2})\s*(?:条|个|段)?(?:的)?(?:原文|出处|全文)?[.!?。！？]*$"
)
_LEAD = re.compile(r"^(?:那么|那|还有|另外|其中|这个|这些|该|它|他们|她们|其|具体|那个)")
_TAIL = re.compile(r"呢[.!?。！？]*$")
_QUESTION = re.compile(r"谁|哪里|哪儿|哪天|何时|什么时候|多少|几|怎么|怎样|如何|为什么|什么|哪些|哪个")
_PARTICLES = set("那么呢吗吧啊呀的了")
# Thanks and acknowledgements: a closed class of courtesies, not questions about the corpus.
_COURTESY = (
    r"(?:好的?|好滴|嗯+|哦+|噢+|收到了?|明白了?|了解了?|知道了|懂了|谢谢(?:你|您|啦|了)?|感谢|多谢|辛苦了?"
    r"|没事了?|不用了|ok|okay|thanks?|thank you|👍|🙏|👌)"
)
_ACK = re.compile(rf"^{_COURTESY}(?:[,，、\s]*{_COURTESY})*[.!?。！～~…\s]*$", re.IGNORECASE)
# "Who said it?" about the answer on screen: 谁讲的？ 谁讲话了？ 谁主持的？ 作者是谁？
_THIS = r"(?:这|这个|这篇|这篇文章|这段|这段话|这一段|这句|这句话|这份|这份文件|该文|本文|文章|讲话)"
_WHO = re.compile(
    rf"^{_THIS}?是?谁(?:讲|说|主持|发言|写|签发|致辞)(?:[^\s]{{0,4}}|的{_THIS})$"
    rf"|^(?:{_THIS}的?)?(?:作者|讲话人|发言人|主持人|署名)是谁$"
)
# The source view's buttons, typed: a member who reads 「下一段」 under a paragraph types it as often as
# pressing it, and in the terminal it is the natural thing to type.  Never a question about the corpus.
_STEP = re.compile(
    r"^(?:(上一段|前一段|上段)|(下一段|后一段|下段)|(返回|返回列表|回到列表|回列表|返回结果))[.!?。！？]*$"
)
_PAGE_BACK = re.compile(r"^(?:上一页|上页|前一页)[.!?。！？]*$")
# 「全文」 typed, as its button is pressed: the whole article, not a search for the word.  With a number
# (全文 2, 第二条全文) the article of that result; alone, of the paragraph on screen.
_FULL = re.compile(
    r"^(?:看|查看|打开|给我|下载|发|发我|要)?(?:一下)?(?:第?([一二两三四五六七八九十]|\d{1,2})\s*(?:条|个|篇)?(?:的)?)?"
    r"(?:全文|完整文章|整篇文章?)\s*(?:第?([一二两三四五六七八九十]|\d{1,2})\s*(?:条|个|篇)?)?[.!?。！？]*$"
)
# Quotation marks: a quoted phrase is an exact look-up, a topic of its own.
_QUOTED = re.compile(r"[“\"「『][^”\"」』]{2,}[”\"」』]")


@dataclass
class Reading:
    kind: str  # new | more | back_page | step | back | source | full | followup | who | thanks
    query: str = ""
    understood: str = ""
    rank: int = 0  # source, full: the result asked for (full: 0 = what is on screen); step: -1 or +1
    act: str = ""  # who: the act asked about (主持, 讲话); more: "page" for 下一页, which may mean a source's page


def _rank(token: str) -> int:
    return int(token) if token.isdigit() else _NUM.get(token, 0)


def content_words(analyzer: Analyzer, text: str) -> list[str]:
    """Words that carry the topic: jieba words without stop words, question words or particles."""
    stop = stopwords()
    words = []
    for w in analyzer.words(fold(text)):
        if w in stop or _QUESTION.fullmatch(w) or all(ch in _PARTICLES for ch in w):
            continue
        words.append(w)
    return words


def paging(text: str) -> int:
    """+1 for a typed 下一页 (更多, 继续 …), −1 for 上一页, 0 for anything else."""
    folded = fold(text)
    return 1 if _PAGING.match(folded) else -1 if _PAGE_BACK.match(folded) else 0


def read_message(
    text: str,
    has_previous: bool,
    is_reply: bool,
    analyzer: Analyzer,
    is_place: Callable[[str], bool],
    previous_query: str = "",
    people: frozenset[str] = frozenset(),
    subjects: frozenset[str] = frozenset(),
) -> Reading:
    folded = fold(text)
    if _PAGING.match(folded):
        # 下一页 under a long source paragraph turns that paragraph's page, as its button does.
        return Reading("more", act="page" if folded.startswith(("下一页", "下页")) else "")
    if _PAGE_BACK.match(folded):
        return Reading("back_page")
    step = _STEP.match(folded)
    if step:
        return Reading("back") if step.group(3) else Reading("step", rank=-1 if step.group(1) else 1)
    full = _FULL.match(folded)
    if full:
        number = full.group(1) or full.group(2)
        return Reading("full", rank=_rank(number) if number else 0)
    m = _SOURCE.match(folded)
    if (
        m
        and _rank(m.group(1))
        and ("原文" in folded or "出处" in folded or "全文" in folded or folded.startswith("第"))
    ):
        return Reading("source", rank=_rank(m.group(1)))
    if _ACK.match(folded.strip()):
        return Reading("thanks")
    if not has_previous or _QUOTED.search(text):
        return Reading("new", query=text)
    bare = folded.strip().rstrip("?？。.!！ ")
    if _WHO.match(bare):
        return Reading("who", act="主持" if "主持" in bare else "讲话")
    new_words = content_words(analyzer, text)
    content_len = sum(len(w) for w in new_words)
    # Leaning on the previous question: a leading 那/具体…, a trailing 呢, or a
    # question word with almost nothing else ("什么时候开的"); a message with
    # words of its own and no such mark ("今天天气怎么样") is a new topic.
    leans = bool(_LEAD.match(folded) or _TAIL.search(folded)) or (bool(_QUESTION.search(folded)) and content_len <= 3)
    if not (leans or (is_reply and content_len <= 12)):
        return Reading("new", query=text)
    formula = _swap_formula(previous_query, _core(folded))
    if formula:
        return Reading("followup", query=formula, understood=formula)
    swapped = _swap(previous_query, text, new_words, analyzer, people, subjects)
    if swapped:
        return Reading("followup", query=swapped, understood=swapped)
    # The original question keeps its own words; only new words of two or more
    # characters are added, so no stray 讲 or 做 is left in the reading.
    topic = previous_query.strip()
    old = fold(topic)
    extra = " ".join(w for w in dict.fromkeys(new_words) if len(w) >= 2 and w not in old)
    query = f"{topic} {extra}".strip() if extra else topic
    if not query:
        return Reading("new", query=text)
    return Reading("followup", query=query, understood=query)


_YEAR = re.compile(r"(?:19|20)\d{2}年")


def _named(words: list[str], folded: str, people: frozenset[str], subjects: frozenset[str]) -> list[str]:
    """The places and people a text names: jieba's places, the corpus's own (句容 of 句容市), its signatories."""
    # jieba does not know most officials' names (李健, 高庆华) and may glue a particle to one (那高庆华):
    # the people who sign the corpus's articles and speeches are found in the text itself.
    signed = [name for name in sorted(people, key=len, reverse=True) if name in folded]
    found = [
        form
        for forms in entities(words, subjects=subjects)
        for form in forms
        # 「那马明龙呢」: jieba reads 那马 as a place and 明龙 as a name; a signatory's name wins over pieces of it.
        if not any(_overlaps(folded, form, name) for name in signed)
    ]
    return found + [name for name in signed if name not in found]


def _overlaps(text: str, part: str, name: str) -> bool:
    """Does an occurrence of ``part`` in ``text`` share characters with an occurrence of ``name``, without being it?"""
    if part == name or part not in text:
        return False
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(name), text)]
    return any(
        a < e and s < b and (a, b) != (s, e)
        for m in re.finditer(re.escape(part), text)
        for a, b in [(m.start(), m.end())]
        for s, e in spans
    )


def _swap_formula(previous: str, core: str) -> str:
    """ "那六个必须坚持呢" after "四个机关指的是哪四个机关": the same question about the new formula.

    A numbered formula is a topic of its own, never a word to add to another
    formula's question: the new one replaces the old (and "哪四个机关", which
    counts the old one's items, becomes 哪些); after a question with no
    formula, the formula alone is the question.  "" when the message names
    none, or only the one asked about already.
    """
    new = [name for name, _ in formulas(core)]
    question = fold(previous)
    if not new or any(name in question for name in new):
        return ""
    old = formulas(question)
    if not old:
        return core
    for name, parts in old:
        for _, key in parts:
            question = re.sub(rf"哪[一二两三四五六七八九十]+个?{re.escape(key)}", "哪些", question)
        question = question.replace(name, new[0])
    return question


def _core(folded: str) -> str:
    """A short follow-up without its leaning words: 「那茅艳呢？」 → 茅艳."""
    return _TAIL.sub("", _LEAD.sub("", folded.strip())).strip().rstrip("?？。.!！ ")


def _swap(
    previous: str,
    text: str,
    new_words: list[str],
    analyzer: Analyzer,
    people: frozenset[str] = frozenset(),
    subjects: frozenset[str] = frozenset(),
) -> str:
    """The previous question about another place, person or year: "那无锡呢？" after "镇江…是哪天开的".

    The new place (or person, or year) replaces the old one of its kind in the
    previous question, which keeps its question words, so the same kind of
    answer is looked for; with none in the previous question the new one is
    put in front.  Places are the ones jieba's tagger names (see
    ``retrieval.entities``) and the corpus's own (``subjects``: the words of
    its headings and bylines, 句容 of 句容市); people are those who sign its
    articles (``people``), or a message that is nothing but a name the tagger
    reads as a person's (「那茅艳呢」).  A person replaces a person and a place a
    place: after 「马明龙在镇江讲了什么」, 「那无锡呢」 keeps 马明龙.
    Returns "" when the message names no place, person or year.
    """
    folded = fold(text)
    core = _core(folded)
    places = _named(analyzer.words(core), core, people, subjects) if core else []
    if not places and is_person_name(core):
        places = [core]
    year = _YEAR.search(folded)
    if not places and not year:
        return ""
    question = fold(previous)
    if places:
        new = places[0]
        person = new in people or is_person_name(new)
        old = sorted(set(_named(analyzer.words(question), question, people, subjects)), key=len, reverse=True)
        present = [
            form
            for form in old
            if form in question and form not in new and (form in people or is_person_name(form)) == person
        ]
        question = re.sub("|".join(map(re.escape, present)), new, question) if present else new + question
    if year:
        question = _YEAR.sub(year.group(0), question) if _YEAR.search(question) else year.group(0) + question
    named = set(places) | ({year.group(0)} if year else set())
    # The message's other words, read without its leaning words and never pieces of the name (那马 of 那马明龙).
    words = content_words(analyzer, core) if core else new_words
    extra = [
        w for w in words if w not in question and not any(w in n or n in w or _overlaps(core, w, n) for n in named)
    ]
    return " ".join([question, *extra]).strip()
