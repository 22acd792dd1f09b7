"""Ranking signals beyond BM25 that follow from what users ask.

People ask for the content of a numbered formula ("四个机关指的是哪四个机关",
"六个必须坚持包括哪些内容") or for a date or a number ("哪天召开", "多少名").
A paragraph that actually enumerates the formula's items, or that holds a
date or a count of the asked-for kind, answers the question; one that merely
mentions the formula's name does not.  Both signals only re-order candidates
that BM25 already found.
"""

from __future__ import annotations

import re

_CN_NUM = {"一": 1, "二": 2, "两": 2, "双": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_NUMS = "一二两三四五六七八九十"
# "四个字", "两句" count the words of a quotation (后面四个字是啥), not the items of a formula; "哪两个地方"
# asks which, and "另两个是啥" asks what: neither names a formula.
_FORMULA = re.compile(
    rf"(?<!哪)([{_NUMS}])个(?![字句]|是|指|都|啥|什么|哪)([\u4e00-\u9fff]{{2,4}}?)(?:指|是|包括|包含|有|的|具体|分别|都|中|[?,]|$)"
)


# Compound formulas such as 三破三立, 三看三促进, 三有一树: numeral + key, twice or more.
def _numbered(numerals: str, longest: int, measure: str = "") -> tuple[re.Pattern[str], re.Pattern[str]]:
    """A run of numeral + key, twice or more, and one numeral + key of it: keys of 1…``longest`` characters.

    ``measure`` is a measure word a part may put between its numeral and key (“四个要看、四个更要看”).
    """
    key = rf"[^\W\d{numerals}个]{{1,{longest}}}"
    between = f"{measure}?" if measure else ""
    # A formula starts its own figure: the 八条 of 十八条一共明确 is part of a larger number.
    whole = rf"(?<![\d{numerals}])(?:[{numerals}]{between}{key}){{2,}}"
    return re.compile(whole), re.compile(rf"([{numerals}]){between}({key})")


_COMPOUND, _SEGMENT = _numbered(_NUMS, 2)
# "四敢精神是哪四敢": asking 哪 + the formula's own numeral and key names a one-key formula (四敢, 三破).
_WHICH = re.compile(rf"哪([{_NUMS}])([^\W\d{_NUMS}个种项条类点])")
_NUMERAL = r"[\d一二三四五六七八九十百千万两]+"
# Questions for a date or a year; ``asked`` reads the same words for its demand of a date.
ASK_DATE = re.compile(r"哪天|哪一天|何时|什么时候|什么时间|啥时间|几月几日|几号|日期|(?:具体|哪个|什么|啥)日子")
ASK_YEAR = re.compile(r"哪年|哪一年|何年")
_ASK_COUNT = re.compile(r"(?:多少|(?<![哪第好十])几)([名个次天件年项条位人家所户元亿万期批部场座支])")
_ASK_DEFINITION = re.compile(r"是什么|什么是|指什么|指的是什么|什么意思|是啥|啥意思|含义|内涵|怎么理解")
# How official writing defines a label: "一统领：坚持…", "“五专”机制即…", "三破，即破除…".
_DEFINES = r"[\s”\"」』]*(?:[:：]|即|是指|指的是|就是)"
_ASK_WHO = re.compile(r"谁|哪位|哪个人|什么人|何人")
# Who did it, as official writing says it: a title, then a name of two or three characters.
_ROLE_NAME = re.compile(
    r"(?:书记|主任|市长|区长|县长|主席|部长|秘书长|委员长|组长|局长|院长|检察长)[\u4e00-\u9fff]{2,3}"
    r"(?=[,、。出主讲作参解;]|$)"
)


Formula = tuple[str, list[tuple[int, str]]]


def formulas(folded_query: str) -> list[Formula]:
    """Numbered formulas in a query, each as (name, [(count, key), ...]).

    "四个机关" → ("四个机关", [(4, "机关")]); "三看三促进" → ("三看三促进", [(3, "看"), (3, "促进")]).
    """
    found: list[Formula] = []
    for m in _FORMULA.finditer(folded_query):
        if _CN_NUM[m.group(1)] >= 2:
            found.append((m.group(1) + "个" + m.group(2), [(_CN_NUM[m.group(1)], m.group(2))]))
    for m in _COMPOUND.finditer(folded_query):
        parts = [(_CN_NUM[n], key) for n, key in _SEGMENT.findall(m.group(0))]
        if max(n for n, _ in parts) >= 2:
            found.append((m.group(0), parts))
    for m in _WHICH.finditer(folded_query):
        name = m.group(1) + m.group(2)
        if _CN_NUM[m.group(1)] >= 2 and folded_query.count(name) >= 2 and all(name != f[0] for f in found):
            found.append((name, [(_CN_NUM[m.group(1)], m.group(2))]))
    return found


def enumerates(folded_text: str, formula: Formula) -> bool:
    """Does the paragraph spell out the formula's items (政治机关、国家权力机关、工作机关、代表机关)?

    Each key must occur at least as often as the formula counts it, not
    counting the occurrences inside the formula's own name.
    """
    name, parts = formula
    text = folded_text.replace(name, "")
    return all(text.count(key) >= n for n, key in parts)


# A quoted label that counts its items: “七大平台载体”, “五民”, “四个围绕”, “三个七”, “双培双争”.
# 双 counts only inside a quoted label: in running text it is a word of its own (双方, 双向).
_LABEL_NUMS = _NUMS + "双"
_LABEL = re.compile(rf"^([{_LABEL_NUMS}])(?:个|大|项|条|种)?([^\W\d{_LABEL_NUMS}个]{{1,4}}|[{_NUMS}])$")
# A whole quotation is one compound label, so its keys may be a character longer than in running text.
_LABEL_COMPOUND, _LABEL_SEGMENT = _numbered(_LABEL_NUMS, 3, "个")
_LABEL_GAPS = re.compile(r"[、,，\s]")
# A label that counts its items in digits: “民营经济31条”, “20项措施”.  A longer run of digits
# is a code (“132、找代表”, “310工程”), not a count.
_DIGIT_LABEL = re.compile(
    r"^[\u4e00-\u9fff]{0,8}?(?<!\d)(\d{1,2})(?:(条|项|件)|(?:个|项|条|件|大|种)?([\u4e00-\u9fff]{1,4}))$"
)
# The question asks for the items themselves, not for where the label stands or whether it is right:
# 哪五个, 分别, 具体是…, and asking after each key in turn (“三比三创”比什么、创什么).
_ASKS_ITEMS = re.compile(
    rf"哪[{_NUMS}几]?[个项条种大类些]|哪[{_NUMS}]|分别|具体是|指什么|指啥|指的是|包括|都有|都是|是啥(?![\u4e00-\u9fff])|有哪些"
    r"|[\u4e00-\u9fff](?:什么|啥)[、,]?[\u4e00-\u9fff]{1,2}(?:什么|啥)"
)
_ITEM_EDGE = '、，,；;：:“”"「」 '


def label_formula(phrase: str) -> Formula | None:
    """A quoted label as a formula ("七大平台载体" → (7, "平台载体")), when it counts two or more items.

    A compound label counts its items in parts ("四亮四比" → 4 亮 and 4 比, "一践行、两服务").
    Only the parts that count two or more are a list to look for: "五争一创" is five 争 and
    one 创, and the one 创 is no list.
    """
    compact = _LABEL_GAPS.sub("", phrase)
    m = _LABEL.match(compact)
    if m is not None and _CN_NUM.get(m.group(1), 0) >= 2:
        return phrase, [(_CN_NUM[m.group(1)], m.group(2))]
    d = _DIGIT_LABEL.match(compact)
    if d is not None and int(d.group(1)) >= 2:
        return phrase, [(int(d.group(1)), d.group(2) or d.group(3))]
    if not _LABEL_COMPOUND.fullmatch(compact):
        return None
    parts = [(_CN_NUM[n], key) for n, key in _LABEL_SEGMENT.findall(compact)]
    counted = [(n, key) for n, key in parts if n >= 2]
    return (phrase, counted) if len(parts) >= 2 and counted else None


# Right after the formula's name, what asks for its content: 具体指啥, 是什么, 包括哪些.
_ITEMS_AFTER = r"[”」』\"]?(?:具体|到底|分别|都)?(?:指什么|指啥|指的是|是什么|是啥|是哪些|包括|有哪些)"


def asks_items(folded_question_text: str) -> bool:
    """Does the question (without its quotation) ask what the items are (哪五个, 分别指什么, 具体是)?"""
    return bool(_ASKS_ITEMS.search(folded_question_text))


def asks_items_of(folded_question: str, formula: Formula) -> bool:
    """Does the question ask what this formula's items are: 哪 with its own count (五个必须是哪五个),
    or each of its keys followed by 什么 (五争一创 争什么创什么)?  A formula that only sets the scene
    ("推进四个机关建设，…分别要实现哪些化") is not what is asked."""
    name, parts = formula
    rest = folded_question.replace(name, " ")
    counted = [(n, key) for n, key in parts if n >= 2]
    numerals = "".join(c for c, v in _CN_NUM.items() if any(v == n for n, _ in counted))
    # In the whole question: 是哪三个年 asks for the items of “三个年”, and holds the name itself.
    if numerals and re.search(rf"哪[{numerals}]", folded_question):
        return True
    if re.search(re.escape(name) + _ITEMS_AFTER, folded_question):
        return True  # “十个聚焦”，十个聚焦具体指啥
    return bool(counted) and all(re.search(re.escape(key) + "(?:什么|啥)", rest) for _, key in counted)


def lists_items(folded_text: str, formula: Formula) -> bool:
    """Does the paragraph list the label's items, beyond naming the label?

    A key of two characters or more is repeated once per item (“四个围绕”: 围绕…围绕…);
    a one-character key heads or ends each item (四敢: 敢为、敢闯…; 四大员: “组织员”“宣传员”…).
    Otherwise the items of a one-part label stand as a list of that many in the label's sentence
    or the next.  A compound label (“四亮四比”: 亮身份比奉献、亮职责比作为…) is listed only where
    every part's key occurs as often as it counts: any "A、B" near its name would pass the looser test.
    """
    name, parts = formula
    if len(parts) > 1:
        return enumerates(folded_text, formula)
    n, key = parts[0]
    text = folded_text.replace(name, " ")
    if len(key) >= 2 and enumerates(folded_text, formula):
        return True
    if len(key) == 1:
        edge = re.escape(_ITEM_EDGE)
        heads = len(re.findall(rf"(?:^|[{edge}]){re.escape(key)}|{re.escape(key)}(?=[{edge}。]|$)", text))
        if heads >= n:
            return True
    # A list stands in the label's own clause, or in the next one when the label introduces it
    # (四敢：敢为、敢闯… / “四敢”，即敢为…).  A list elsewhere in a long sentence is another list
    # (“三化”建设，构建完善日常管理、活动组织…).
    for sentence in _SENTENCE.split(folded_text):
        if name not in sentence:
            continue
        parts = re.split(r"([,，:：])", sentence.replace(name, "\0"))
        clauses, marks = parts[::2], [*parts[1::2], ""]
        for i, clause in enumerate(clauses):
            if "\0" not in clause:
                continue
            rest = _LABEL_EDGE.sub("", clause.rsplit("\0", 1)[1])
            after = clauses[i + 1] if i + 1 < len(clauses) else ""
            introduces = marks[i] in (":", "：") or rest in _INTRODUCES or after.startswith(_LEADS_LIST)
            # A label joined on to a list (…、海门“8+N”及“三个年”活动) is one of its members, not its name:
            # only what follows it can list its items.
            member = _JOINED_ON.search(_QUOTE_MARKS.sub("", clause.split("\0", 1)[0])) is not None
            own = clause.split("\0", 1)[1] if member else clause
            for candidate in (own, after if introduces else ""):
                if max(candidate.count("、") + 1, len(re.findall(r"”\s*“", candidate)) + 1) >= n:
                    return True
    return False


_LABEL_EDGE = re.compile(r"[”」』\"\s]")
_INTRODUCES = frozenset({"", "即", "是", "为", "指", "包括", "分别是", "就是", "具体是"})
_LEADS_LIST = ("即", "也就是", "包括", "分别是", "具体是", "就是")
_JOINED_ON = re.compile(r"(?:、|及|以及|和|与)$")
_QUOTE_MARKS = re.compile(r"[“”「」『』\"\s]")


_SENTENCE = re.compile(r"[。;!?]")
DATE_REACH = 20


def answers_in_clause(folded_text: str, asked: tuple[str, re.Pattern[str]], anchors: list[str]) -> bool:
    """Does a sentence hold the asked-for date or count together with what was asked about?

    A date answers only when it stands before the matched words, as a time
    adverbial does in Chinese ("5月31日，市委人大工作会议召开", "5月31日召开的…会议");
    a date after them belongs to another event ("…会议精神，6月2日，新区召开…").
    A count need only share the sentence ("7200多名人大代表").
    """
    kind, pattern = asked
    if kind == "define":
        return any(re.search(re.escape(a) + _DEFINES, folded_text) for a in anchors if len(a) >= 2)
    for sentence in _SENTENCE.split(folded_text):
        present = [a for a in anchors if a and a in sentence]
        if not present:
            continue
        if kind != "date":
            if pattern.search(sentence):
                return True
            continue
        # Every occurrence counts: the first "人大工作" of a sentence may belong to the
        # event before the date ("…人大工作会议精神，6月2日，新区召开党工委人大工作会议").
        positions = [at for a in present for at in _occurrences(sentence, a)]
        for m in pattern.finditer(sentence):
            if any(0 <= at - m.end() <= DATE_REACH for at in positions):
                return True
            # Or after the subject inside its own clause, as "X于5月31日召开" puts it.
            if any(
                0 <= m.start() - at <= DATE_REACH and not _CLAUSE_BREAK.search(sentence, at, m.start())
                for at in positions
            ):
                return True
    return False


_CLAUSE_BREAK = re.compile(r"[,，:：]")


def _occurrences(text: str, word: str) -> list[int]:
    """Where ``word`` starts in ``text``, every time."""
    found, at = [], text.find(word)
    while at >= 0:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def counted_noun(folded_query: str) -> re.Pattern[str] | None:
    """A count of exactly what the question counts: "多少名人大代表" → "7200多名人大代表".

    Official writing puts the counted noun right after its measure word; a
    paragraph that does so states the number of the thing asked, while one with
    words between ("7200多名各级人大代表") or after ("代表7200多名") may count a
    narrower or another group.  Two characters of the noun suffice to tell.
    """
    m = _ASK_COUNT.search(folded_query)
    if m is None:
        return None
    noun = re.match(r"[\u4e00-\u9fff]{2}", folded_query[m.end() :])
    if noun is None:
        return None
    return re.compile(rf"{_NUMERAL}(?:多|余)?{m.group(1)}{noun.group(0)}")


# A set counted in digits: 16个项目, 36项调研课题, 8条问题清单 (not an ordinal: 第6条).  Its name as the
# text would write it is the count, the measure word and the first two characters of what is counted.
_COUNTED_SET = re.compile(r"(?<![\d.第])(\d{1,3})\s*([项条个件类部种名位家所场])([\u4e00-\u9fff]{2})")


def counted_sets(folded_query: str) -> list[Formula]:
    """Sets the question counts in digits, as formulas: "那19项调研课题" → ("19项调研", [(19, "调研")]).

    Asked for their items (具体是哪些), they are answered only where a passage
    lists that many (``lists_items``); the corpus often gives such a count and
    never the list.
    """
    found: list[Formula] = []
    for m in _COUNTED_SET.finditer(folded_query):
        n = int(m.group(1))
        if n >= 2:
            found.append((m.group(0).replace(" ", ""), [(n, m.group(3))]))
    return found


def answer_pattern(folded_query: str) -> tuple[str, re.Pattern[str]] | None:
    """The kind and shape of the answer a question asks for, if it asks for a date or a count."""
    if ASK_DATE.search(folded_query):
        return "date", re.compile(r"\d{1,2}月\d{1,2}日|(?<!\d)\d{1,2}日")
    if ASK_YEAR.search(folded_query):
        return "year", re.compile(r"\d{4}年")
    m = _ASK_COUNT.search(folded_query)
    if m:
        return "count", re.compile(rf"{_NUMERAL}(?:多|余)?{m.group(1)}")
    if _ASK_WHO.search(folded_query):
        return "who", _ROLE_NAME
    if _ASK_DEFINITION.search(folded_query):
        return "define", re.compile(_DEFINES)
    return None
