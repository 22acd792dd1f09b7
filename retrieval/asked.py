"""What a question asks for — a count, an amount of money, a rate, a person, a date — and whether a passage states it.

"徐州市人大常委会有几位副主任" shares every content word with a paragraph
about 徐州's standing committee; what that paragraph lacks is the thing
asked for: a number of 副主任.  Questions that ask for a quantity or a person
name the *focus* of the answer next to the question word (多少名**人大代表**,
**满意率**是多少, **主任**是谁), and official writing puts the answer next to
that focus as well (3968名三级人大代表, 办成率达到80%, 主任孔令俊).  So a
passage states the answer when a figure of the asked-for kind, or a name, stands
within a short reach of a focus word in the same clause.

The kinds are general (no list of the corpus's figures or names): a count is
a numeral with any measure word (the question's 几个 is often answered with
名 or 项), money needs 元, a rate needs a percentage, a fraction or 成.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .model import PRINTED
from .patterns import BODY_LEAD, CONTENTS, HEADING_MARK, NUM
from .question import LEVELS, TITLES, asked_about, name_tags
from .signals import ASK_DATE, ASK_YEAR

_NUMERAL = r"(?:\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)"
_MEASURE = (
    r"(?:个|名|位|人次|人|次|件|项|条|部|场|期|批|篇|份|家|所|户|座|支|届|天|年|月|周|张|本|台|类|种|处|"
    r"点|站|室|组|轮|道|起|亿|万|元|倍|%|例|片|块|间|栋|套|幢|首|则|字|方面)"
)
_SHAPES = {
    "count": re.compile(rf"{_NUMERAL}\s*(?:多|余)?\s*(?:万|亿)?\s*{_MEASURE}"),
    "money": re.compile(rf"{_NUMERAL}\s*(?:多|余)?\s*(?:万|亿)?\s*元"),
    "rate": re.compile(
        r"\d+(?:\.\d+)?\s*%|[一二两三四五六七八九十百]+分之[一二两三四五六七八九十]+|[一二三四五六七八九]成"
    ),
    "years": re.compile(rf"{_NUMERAL}\s*(?:多|余)?\s*年"),
}
# Counting in these asks for items (几个“发力”, 几种思维, 几条措施), which a list answers; people, times
# and money are counted in figures.
_ITEM_UNITS = frozenset({"个", "种", "项", "条", "点", "类", "方面", "块", "道"})
_LIST_ITEMS = 2
_KINDS = 3  # items in a row ending in the counted thing's morpheme (学风、文风、会风)
_ITEM = re.compile(r"[,，;；、。!?！？]")
# Items numbered in the text: 一是… 二是…, 第一，… 第二，…, （一）… （二）…
# Items joined by 、 that end right before the focus (…、…、…等形式, “…、…”互促互进): the last item may
# run up to it, so a few words (的全流程) may stand between.
_ENUMERATED = r"[^、,，;；。:：!?！？]{1,16}(?:、[^、,，;；。:：!?！？]{1,16})+"
_OPENS_LIST = r"[:：]\s*(?:一是|一要|第一|[(（]一[)）]|1[.、])"
_ORDINAL_ITEM = re.compile(rf"(?:^|[。;；:：,，])(?:[{NUM}]是|第[{NUM}][,，、]|[(（][{NUM}][)）])")
_COMMON_UNITS = frozenset({"个", "次", "位", "名", "人", "人次"})
_VALUE = re.compile(rf"{_SHAPES['count'].pattern}|\d{{2,}}")
# The question word, and what it asks for.  "多少钱" asks for money; 率/比例
# after or before 多少 for a rate; 几年 for a span of years; any other 多少/几 for a count.
# 好几年, 十几个, 几十名 are indefinite amounts the question tells, not asks for ("拖了好几年没处理").
_ASK = re.compile(r"多少钱|多大比例|多少比例|百分之几|几成|多少|(?<![哪第好十])几(?=[^\W\d十百千万])")
# A question word after 几 asks instead: "那几条希望里，最后一条是要给哪儿…", "几位代表发完言，…啥样的精气神"
# — there 几 is "several", part of what the question is about, not what it asks.
_LATER_ASK = re.compile(r"什么|啥|哪|怎么|咋|谁|如何")
_LIST_AFTER_ACT = r"了?[^，。；,;:：、]{2,12}、[^，。；,;:：、]{2,12}"  # the act, then two items or more
# A request for wording ("原文咋讲的") asks for a sentence, whatever numbers it mentions.
_WORDING = re.compile(r"原文|原话|原句|怎么说|怎么讲|怎么写|咋说|咋讲|咋写|那句|这句")
# When: a date is asked for — the answer signals' words (哪天, 哪年, 什么时候) and a few spoken ones;
# 几年 asks for a span, not a date.
_ASK_WHEN = re.compile(rf"几月几[日号]|哪一?日|哪个月|啥时候|几月份?|{ASK_DATE.pattern}|{ASK_YEAR.pattern}")
_CN = r"[一二三四五六七八九十]{1,3}"
_ANY_TIME = ("啥时候", "什么时候", "何时")  # asks when in any terms: a period or an occasion answers as well as a date
# A date as official writing gives one: a year, a month (with its day, or 初/底/中旬), a day of the month
# (the chronicle's "6日"), or a year named relative to the text's own (今年, 去年) — not 当年 or 同年,
# which name no year of their own.
_DATE = re.compile(
    rf"(?:19|20)\d{{2}}\s*年|(?:{_CN}|\d{{1,2}})\s*月(?:份|初|底|中旬|上旬|下旬)?|(?<![\d个])\d{{1,2}}\s*[日号]"
    r"|今年|去年|前年|明年|年初|年底|年内|上半年|下半年"
)
# A time given as a period or an occasion (在代表集中活动周期间, 每季度, 换届之际).
_DATE_OR_OCCASION = re.compile(rf"{_DATE.pattern}|期间|之际|前夕|每年|每季度?|每月|每半年|年度|届满|闭会")
# Where, as a place: 哪个区, 哪条路, 哪个城市 — not 在哪 (在哪说的 asks for a speech, 编到哪里 for a branch).
# "Which" with its measure, one or several (哪个, 哪几家, 哪两个): asked as one or as a list, a place or a body
# is answered by naming it.
_WHICH = r"哪(?:几|[一两二三四五六七八九十])?(?:个|家|所|座)?"
_ASK_WHERE = re.compile(rf"{_WHICH}(?:区县|城市|区|县|市|镇|街道|省|村)|哪条(?:路|街)")
_PLACE_KIND = re.compile(r"..(?:区|县|市|镇|街道|路|街|村)$|.+省$")
# Which body: 哪家单位, 哪个部门, 哪家律所, 哪个社区 — asks for an organisation, which official writing names
# by a word ending in its kind (排水公司, 丰影图文制作中心, 官塘创新社区) or as jieba tags organisations.
_ASK_ORG = re.compile(
    rf"{_WHICH}(?:单位|部门|机构|企业|公司|律所|学校|高校|大学|院校|医院|养老院|社区|处室|厂子?|银行|媒体|协会)|哪几?家|(?:什么|啥)单位"
)
_ORG_KIND = re.compile(
    r"(?:公司|中心|社区|集团|银行|学校|大学|学院|医院|事务所|律所|协会|工作室|研究院|研究所|处|室|站|厂|局|院|所|社)$"
)
# Which meeting (在哪个会上讲的, 哪次全会提出的, 哪次会议审议通过的): not 哪个会场 or 会堂, a venue.
_ASK_MEETING = re.compile(
    r"哪一?(?:个|次|场)[\u4e00-\u9fff]{0,4}?会议?(?=上|里|中|审议|通过|提|定|讲|说|发|研究|召开|[^\u4e00-\u9fff]|$)"
)
# A meeting as official writing names one: its subject or number right before its kind (市委人大工作会议,
# 第十次会议, 纪念座谈会, 议案督办推进会); the two characters before the kind tell it from the one asked about.
_MEETING = re.compile(
    r"[\u4e00-\u9fff\d]{2}(?:会议|全会|党代会|大会|办公会|常务会|联席会|通报会|座谈会|恳谈会|听证会|见面会|研讨会|推进会|部署会|动员会|"
    r"交流会|报告会|分析会|调度会|评议会|培训会|例会|党组会|学习会|汇报会|论坛)"
)
# Which room or venue (在哪个会议室开的, 哪个会场, 哪个代表之家): named by a word before its kind.
_ASK_VENUE = re.compile(rf"{_WHICH}(?:会议室|会场|会堂|礼堂|报告厅|大厅|场馆|展馆|代表之家|活动室|议事厅)")
_VENUE = re.compile(r"[\u4e00-\u9fff\d]{2}(?:会议室|会场|会堂|礼堂|报告厅|大厅|议事厅|活动室|代表之家|展馆|馆|中心)")
EVENT_SHARE = 0.5  # of the event's idf weight that a date's sentence must hold to give the event's date
# Demands that only judge whether the best passage answers, never lift a candidate: a meeting, a
# quotation or a name stands in many paragraphs, so as ranking evidence they move the right one down
# as often as up (measured on the tuning sets), while the best passage lacking one says it does not answer.
GATE_ONLY = frozenset({"meeting", "venue", "name"})
# A name asked for (活动叫啥, 文件全称, 报告的题目): a title, a quotation, a body's or a person's name answers.
_ASK_NAME = re.compile(r"叫(?:啥|什么)(?:名字?|名堂)?|全称|名称|文件名")
_QUOTED_NAME = re.compile(r"《[^》]+》|“[^”]+”|「[^」]+」|‘[^’]+’")
# "全名叫啥": the word for a name is what is asked, not the thing named.
_NAME_WORD_BEFORE = re.compile(r"(?:全名|全称|名字|名称|名儿)(?:是|就|到底)?$")
# A document's title as official text writes it without quotes: 关于加强…的实施办法, …的意见.
_DOC_TITLE = re.compile(
    r"关于[^，。；,;:：“”]{2,60}?(?:实施办法|办法|意见|决定|规定|通知|方案|细则|决议|条例|规则|制度|措施)"
)
# Words for "someone" after 哪位/谁 (哪位领导到场): the act that follows them is what the person did.
_SOMEONE = frozenset({"领导", "同志", "人员", "干部", "负责人"})
_ATTENDED = ("出席", "参加", "陪同", "带队", "率队", "到会", "列席", "随同", "主持")
# How someone or something stands with others, not what it is or did: the act of "还有谁一块儿参加" is 参加.
_ALONG = frozenset({"一块儿", "一块", "一起", "一同", "一道", "共同", "同时", "还有", "另外"})
# A person's post asked for (徐劼是什么职务, 张伟清在市人大是啥职务): a title must stand with the name.
_ASK_OFFICE = re.compile(
    r"(?:什么|啥|哪个|何)(?:职务|职位|头衔|官职|官)|职务是(?:什么|啥)|(?:担任|任)(?:什么|啥)(?:$|[?？。,，])"
)
_ASK_WHO = re.compile(r"是谁|叫什么名字|叫什么|叫啥|谁|哪位|哪一位|什么人")
_NAME_ASK = ("叫什么名字", "叫什么", "叫啥")  # a person's name only after a title: 主任叫什么, not 活动叫什么
# 谁 as the one something goes to or stands under (报给谁, 交给谁, 归谁管, 跟谁见面, 在谁的领导下):
# the answer is as often a body (人大常委会, 党委) as a person, and the act is not read after 谁 as
# in 向谁通报 (which names its act, so a body standing with it answers): no name is demanded.
# 在 only as a preposition: not the 在 of 现在 or 正在 (丹徒区人大现在谁当家 asks for a person).
_WHOM = re.compile(r"(?:给|报|归|跟|找|请|交|同|与|替|(?<![现正还都实])在)谁")
_CLAUSE = re.compile(r"[,，;；。!?！？:：]")
_CLAUSE_WHO = re.compile(r"[,，;；。!?！？]")  # "主编:王丰江": a masthead puts a colon between key and value
REACH = 12  # characters between a focus word and the figure that answers it
_TITLES = re.compile(f"(?:{TITLES})")
# A level and a body right before a title: 省人大常委会 of 江苏省人大常委会主任, 市委 of 扬州市委书记.
_BODIES = r"(?:人大常委会|人大|委|政府|政协|法院|检察院)"
_OFFICE = re.compile(rf"([省市县区]{_BODIES}){_TITLES.pattern}$")
_ANY_OFFICE = re.compile(rf"[省市县区]{_BODIES}")
# "党支部书记由各小组党员组长担任": who holds an office, given as the office that supplies the holder.
_ASSIGNED = re.compile(r"由[^,，;；。]{1,24}?(?:担任|兼任|出任)")
# A question that asks who holds a post (由谁担任, 谁来当): a rule naming the post that holds it answers it
# ("由市人大常委会副主任担任"); "是哪位副主任" asks for the person, which such a rule does not name.
_ASKS_HOLDER = re.compile(r"担任|兼任|出任|由谁|谁来|谁当|谁任|什么人|哪[类种些]人")
_HAN = re.compile(r"[\u4e00-\u9fff]")
# A body that can be the one who does something: a party group, a committee, an office, a court, a
# department (组织部, not 干部) or a level's party committee (市委, 党委); jieba's organisation tag covers the rest.
_BODY = re.compile(
    r"(?:党组|委员会|常委会|办公室|政府|法院|检察院|人大|..(?<!干)部|..厅|[省市县区镇乡党工]委|[委府大]办)$"
)
# Between a figure and the thing it names: a measure word and an opening quotation mark (“五个深刻把握”).
_NAMING = r"(?:个|大|项|条|种)?[“\"「『]?"
_SENTENCE = re.compile(r"[。；;!?！？]")


def _holder(role: str) -> re.Pattern[str]:
    """A role, its colon or slash, and a name of two or three characters (a masthead spaces them: 佚 名)."""
    return re.compile(re.escape(role) + r"\s*[:：/]\s*([\u4e00-\u9fff](?: ?[\u4e00-\u9fff]){1,2})(?![\u4e00-\u9fff])")


_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_GIVEN_FIGURE = re.compile(rf"(\d+(?:\.\d+)?)\s*(?:多|余)?\s*(?:万|亿)?\s*{_MEASURE}")


def _is_given(figure: str, given: frozenset[str]) -> bool:
    number = _DIGITS.search(figure)
    return number is not None and number.group(0) in given


@dataclass(frozen=True)
class Asked:
    """A question's demand: the kind of answer and the words the answer must stand next to."""

    kind: str  # count | money | rate | years | who | when | where | org | office
    focus: tuple[str, ...]
    unit: str = ""  # the measure word the question counts in (条 of 多少条), if it names one
    office: str = ""  # the body whose officer is asked for, with its level: 省人大常委会 of 江苏省人大常委会主任
    value: bool = False  # "X是多少": a bare figure can be the answer (电话是多少 → 84427778), not only a count
    # "向谁通报", "谁牵头": asked by what is done (the word after 谁), not by a title, so a body
    # (市人大常委会党组) that stands with that act answers as well as a person does; the bodies the
    # question names itself (市委组织部 of 市委组织部向谁通报) are not the answer.  For a handful counted
    # (组织代表参加了几类活动) it is what was done with them, which their list may follow.
    act: str = ""
    given: str = ""
    # Asked with 几 (几个“发力”), not 多少: a handful of items, which a list answers for the reader to count.
    few: bool = False
    # Figures the question states itself (7200 of "那7200多名人大代表里有几位"): the set it counts within.
    figures: frozenset[str] = frozenset()


def asked_for(folded_question: str, words: Callable[[str], Sequence[str]]) -> Asked | None:
    """The quantity or person a question asks for, with its focus words; None for other questions.

    ``words`` segments folded text into content words (the analyzer's).  What
    is counted follows the question word (多少名**人大代表**); when nothing
    does, the last two content words before it are the focus (**家站点**建了几个,
    **满意率**是多少).  A person is asked for by a title (**主任**是谁, 哪位**副主任**)
    or by what the person did (谁**带队**).  A request for wording is not a
    demand for a figure, whatever numbers it mentions.
    """
    q = folded_question
    if _WORDING.search(q):
        return None
    when = _ASK_WHEN.search(q)
    if when is not None:
        focus = _event(q, *_clause_of(q, when.start(), when.end()), words)
        # 啥时候 (not 哪天, 哪年) may be answered by an occasion or a period as well as by a date.
        return Asked("when", focus, given=when.group(0)) if focus else None
    office = _ASK_OFFICE.search(q)
    if office is not None:
        # The person is the nearest word before the question that is no place, body, title or 同志; in a
        # clause of its own (…喻海同志，是什么职务) the question looks back to the one before.
        tags = name_tags()
        people = [
            w
            for w in asked_about(words(q[: office.start()]))
            if len(w) >= 2
            and tags.get(w) not in ("nt", "ns")
            and not _TITLES.search(w)
            and not _BODY.search(w)
            and w not in _SOMEONE
        ]
        return Asked("office", tuple(people[-1:]), given=q) if people else None
    for kind, ask_which in (
        ("where", _ASK_WHERE),
        ("org", _ASK_ORG),
        ("venue", _ASK_VENUE),
        ("meeting", _ASK_MEETING),
    ):
        which = ask_which.search(q)
        if which is not None:
            focus = _event_around(q, which.start(), which.end(), words)
            return Asked(kind, focus, given=q) if focus else None
    who = _ASK_WHO.search(q)
    if who is not None and _WHOM.search(q, max(0, who.start() - 2), who.end()):
        who = None  # 报给谁, 归谁管, 替谁: a recipient or beneficiary, named as a body or place as often as a person
    ask = _ASK.search(q)
    if ask is not None and ask.group(0) == "几" and _LATER_ASK.search(q, ask.end()):
        ask = None
    if ask is None and who is None:
        return _named(q, words)
    m = ask if ask is not None else who
    assert m is not None
    clause_start, start, end, clause_end = _clause_of(q, m.start(), m.end())
    tail = q[end:clause_end]
    unit = re.match(_MEASURE, tail) if ask is not None else None
    # Words of company (还有谁一块儿参加, 另外那个号) say how the thing stands with others, not what it is.
    after = [w for w in asked_about(words(tail[unit.end() :] if unit else tail)) if w not in _ALONG]
    before = [w for w in asked_about(words(q[clause_start:start])) if w not in _ALONG]
    if ask is not None:
        token = m.group(0)
        near = [*after[:1], *before[-2:]]
        if token == "多少钱":
            kind = "money"
        elif "比例" in token or token in ("百分之几", "几成") or any(w.endswith(("率", "比例")) for w in near):
            kind = "rate"
        elif q[end : end + 1] == "年" and q[end : end + 2] != "年度":
            kind = "years"
        else:
            kind = "count"
        # What is counted follows the question word (多少名人大代表); only when
        # nothing does is it what comes before (家站点建了几个, 满意率是多少).
        counted_words = after[:1] if after and kind == "count" else near
        # The thing counted is never the body or place that owns it (人大常委会 of 人大常委会有几位副主任).
        tags = name_tags()
        focus = tuple(_whole_title(q, w) for w in counted_words if len(w) >= 2 and tags.get(w) not in ("nt", "ns"))
        counted = unit.group(0) if unit and kind == "count" else ""
        few = token == "几"
        if not focus and counted and counted not in _COMMON_UNITS and not (few and counted in _ITEM_UNITS):
            # "一共分了几批", "讲了多少场": nothing counted is named, but the measure word is the
            # question's own, so the figure must be given in it next to what was done — in this
            # clause, or in the one before, which it continues (…代表分批轮训，一共分了几批).
            # A handful of items (几条, 几类人) is answered by the list to count, as below.
            before_start = max((c.end() for c in _CLAUSE.finditer(q, 0, max(0, clause_start - 1))), default=0)
            focus = _event(q, clause_start, start, end, clause_end, words) or _event(
                q, before_start, clause_start, clause_start, clause_start, words
            )
        value = kind == "count" and not after and not unit
        figures = frozenset(m.group(1) for m in _GIVEN_FIGURE.finditer(q))
        # What was done to the handful counted (组织代表**参加**了几类活动): its list may follow the act.
        act = before[-1] if few and before and len(before[-1]) >= 2 else ""
        return Asked(kind, focus, counted, value=value, act=act, few=few, figures=figures) if focus else None
    titles = [_whole_title(q, w) for w in [*before[-1:], *after[:1]] if _TITLES.search(w)]
    if m.group(0) in _NAME_ASK and not titles:
        return _named(q, words)
    focus = tuple(titles or [w for w in [*after[:1], *before[-2:]] if len(w) >= 2])
    office = _OFFICE.search(q[clause_start:start])
    if not focus:
        return None
    acts = [w for w in after if w not in _SOMEONE]
    act = "" if titles else "".join(acts[:1])
    return Asked("who", focus, office=office.group(1) if office and titles else "", act=act, given=q)


def _named(q: str, words: Callable[[str], Sequence[str]]) -> Asked | None:
    """A name asked for without a title (那个平台叫啥名字, 文件全称叫啥); None when the question asks none."""
    name = _ASK_NAME.search(q)
    if name is None:
        return None
    word = _NAME_WORD_BEFORE.search(q, 0, name.start())
    focus = _event_around(q, word.start() if word else name.start(), name.end(), words)
    return Asked("name", focus, given=q) if focus else None


def _clause_of(q: str, start: int, end: int) -> tuple[int, int, int, int]:
    """The clause around the question word at ``start:end``: (clause start, start, end, clause end)."""
    clause_start = max((c.end() for c in _CLAUSE.finditer(q, 0, start)), default=0)
    clause_end = next((c.start() for c in _CLAUSE.finditer(q, end)), len(q))
    return clause_start, start, end, clause_end


def _event(
    q: str, clause_start: int, start: int, end: int, clause_end: int, words: Callable[[str], Sequence[str]]
) -> tuple[str, ...]:
    """The words of the clause around a question word, without the places and bodies in it.

    The event is what a date or a place must stand next to, not the place or body it happened in
    (镇江 is in every sentence of a 镇江 magazine).
    """
    around = asked_about(words(q[clause_start:start])) + asked_about(words(q[end:clause_end]))
    tags = name_tags()
    return tuple(w for w in around if len(w) >= 2 and tags.get(w) not in ("nt", "ns"))


def _event_around(q: str, start: int, end: int, words: Callable[[str], Sequence[str]]) -> tuple[str, ...]:
    """The event words of the question word's clause, else of all before it.

    "…叫啥名字，在哪个区": a clause of its own asks where (or what) the thing the question named before is.
    """
    return _event(q, *_clause_of(q, start, end), words) or _event(q, 0, start, start, start, words)


def _sentences_with(folded_text: str, present: Sequence[str]) -> list[str]:
    """The sentences of a text that hold one of the focus words found in it."""
    return [s for s in _SENTENCE.split(folded_text) if any(f in s for f in present)]


def _whole_title(q: str, title: str) -> str:
    """The title as the question writes it: segmentation cuts 副 off 副主任, and a 副主任 is not the 主任."""
    at = q.find(title)
    return "副" + title if at > 0 and q[at - 1] == "副" and not title.startswith("副") else title


def _spots(clause: str, focus: str) -> list[tuple[int, int]]:
    """Where a focus word stands in a clause; a title inside a longer one (主任 in 副主任) does not count."""
    found = [(m.start(), m.end()) for m in re.finditer(re.escape(focus), clause)]
    if _TITLES.fullmatch(focus) and not focus.startswith("副"):
        found = [(a, b) for a, b in found if a == 0 or clause[a - 1] != "副"]
    return found


def states(
    folded_text: str,
    asked: Asked,
    words: Callable[[str], Sequence[str]],
    known: Callable[[str], bool],
    context: str = "",
    weights: dict[str, float] | None = None,
) -> bool:
    """Does the text give the asked-for figure or name next to one of the focus words, in one clause?

    ``words`` is plain segmentation of folded text and ``known`` tells a
    dictionary word; names are read off both (see :func:`has_name`).
    ``weights`` (the focus words' idf) make a date stand with the event only
    where its sentence holds half the event's weight, not any one of its words.
    """
    present = [f for f in asked.focus if f in folded_text]
    if asked.kind == "count" and not present:
        # 「无锡市人大代表有多少名」 against 「8300余名代表」: a compound's head word (代表 of 人大代表) names
        # the same people or things when the text, about that one body, drops the qualifier — when the
        # figure counts the head itself (19个党支部 near 代表小组 says nothing of 党小组).
        heads = [h for h in (_head(f, known) for f in asked.focus) if h and h in folded_text]
        if any(re.search(rf"{_GIVEN_FIGURE.pattern}{re.escape(h)}", folded_text) for h in heads):
            return True
    if asked.kind == "who" and PRINTED in context and any(_is_name(t, known) for t in words(folded_text)):
        return True  # a byline names its author without a title: 任言平, (许君璞 应秀梅)
    if asked.kind == "where":
        # A place the question does not name: in the clause of what is asked about, or the place the
        # paragraph inherits from its heading or byline (a 无锡 section's 议事厅 is in 无锡).
        where = [c for c in _CLAUSE.split(folded_text) if any(f in c for f in present)]
        return any(_place(t, asked.given) for c in [context, *where] for t in words(c))
    if asked.kind == "org":
        # A body the question does not name, in the clause of what is asked about (a colophon's
        # "承印:镇江新民洲印刷有限公司" joins key and value with a colon, which does not end the clause).
        where = [c for c in _CLAUSE_WHO.split(folded_text) if any(f in c for f in present)]
        return any(_organisation(list(words(c)), asked.given) for c in where)
    if asked.kind in ("meeting", "venue"):
        # The meeting is as often in the sentence's opening clause as next to the act (5月31日，…会议召开).
        named = _MEETING if asked.kind == "meeting" else _VENUE
        return any(
            m.group(0) not in asked.given for c in _sentences_with(folded_text, present) for m in named.finditer(c)
        )
    if asked.kind == "name":
        # A printed line (a title, a byline) or a contents entry is itself the name asked for.
        if PRINTED in context or CONTENTS in context:
            return True
        for c in _sentences_with(folded_text, present):
            if any(m.group(0)[1:-1] not in asked.given for m in _QUOTED_NAME.finditer(c)):
                return True
            if any(m.group(0) not in asked.given for m in _DOC_TITLE.finditer(c)):
                return True
            tokens = list(words(c))
            if _organisation(tokens, asked.given) or has_name(tokens, known):
                return True
        return False
    if asked.kind == "office":
        # The post stands right before or after the name, as officials are named (二级巡视员张伟清, 李健主任).
        return any(
            _TITLES.search(clause[max(0, a - REACH) : a]) or _TITLES.match(clause, b)
            for clause in _CLAUSE.split(folded_text)
            for f in present
            for a, b in _spots(clause, f)
        )
    if asked.kind == "when":
        # The date opens the sentence as often as it follows the event ("5月31日，市委人大工作会议召开"),
        # so a sentence is the reach here, not a clause.
        shape = _DATE_OR_OCCASION if asked.given in _ANY_TIME else _DATE
        mass = {f: weights[f] for f in asked.focus if weights and f in weights}
        if not mass or PRINTED in context:  # a masthead's or byline's date is the or the article's
            return any(shape.search(s) for s in _sentences_with(folded_text, present))
        # "镇江市地方立法研究中心是哪年成立的" is not answered by a year beside 地方立法 alone.
        need = EVENT_SHARE * sum(mass.values())
        return any(
            shape.search(s) for s in _SENTENCE.split(folded_text) if sum(w for f, w in mass.items() if f in s) >= need
        )
    # "哪位领导到场", "哪位领导跟着去了": the leader is asked for by being there, which the chronicle
    # writes as attending with the name alone (胡宗元出席…, 胡敷成参加活动), whatever verb the question used.
    if (
        asked.kind == "who"
        and asked.focus
        and set(asked.focus) <= _SOMEONE
        and _name_acting(list(words(folded_text)), _ATTENDED, known, cut_surnames=True)
    ):
        return True
    # A colon joins a key to its value in a masthead or colophon (主编:王丰江, 邮编:212050): for a person
    # or a bare value ("邮编是多少") it does not end the clause.
    clauses = (_CLAUSE_WHO if asked.kind == "who" or asked.value else _CLAUSE).split(folded_text) if present else []
    qualifiers = _qualifiers(asked, words) if asked.kind == "who" else []
    for clause in clauses:
        spots = [spot for f in present if f in clause for spot in _spots(clause, f)]
        if not spots:
            continue
        if asked.kind == "who":
            # The officer of another level's body (市人大常委会主任 for 省人大常委会主任) is not the one asked for.
            bodies = {m.group(0) for m in _ANY_OFFICE.finditer(clause)}
            if asked.office and bodies and asked.office not in bodies:
                continue
            # Nor the holder of the same title in another body: 组织部部长 is not 统战部部长, 第二党支部书记
            # not 党组书记.
            if not all(m in clause for m in qualifiers):
                continue
            tokens = list(words(clause))
            if has_name(tokens, known) or (_ASSIGNED.search(clause) and _ASKS_HOLDER.search(asked.given)):
                return True
            # A masthead's role and its holder: "执行编辑:丁剑峰", "摄影 / 马镇丹".
            for f in present:
                for m in _holder(f).finditer(clause):
                    if _is_name(m.group(1).replace(" ", ""), known):
                        return True
            # The chronicle names who acted without a title: "胡宗元出席会议并讲话".
            if asked.act and _name_acting(tokens, (asked.act,), known):
                return True
            if (
                asked.act
                and asked.act in clause
                and any((_BODY.search(t) or name_tags().get(t) == "nt") and t not in asked.given for t in tokens)
            ):
                return True
            continue
        shape = _VALUE if asked.value else _SHAPES[asked.kind]
        # "一共多少条" is not answered by "制定5部": a count in a measure word of its own
        # (条, 部, 场) must be given in that word; 个, 次 and the units for people stand for any.
        own_unit = asked.unit if asked.unit and asked.unit not in _COMMON_UNITS else ""
        for m in shape.finditer(clause):
            # A figure the question gives (7200多名 of "那7200多名人大代表里有几位") does not answer it.
            if (own_unit and not m.group(0).rstrip().endswith(own_unit)) or _is_given(m.group(0), asked.figures):
                continue
            if any(m.start() - b <= REACH and a - m.end() <= REACH for a, b in spots):
                return True
        named = (re.search(_NUMERAL + _NAMING + "$", clause[:a]) for a, _ in spots) if asked.kind == "count" else ()
        if any(m is not None and not _is_given(m.group(0), asked.figures) for m in named):
            return True  # the figure names the thing counted: 五计划, 三方面工作, “五个深刻把握”
    if asked.kind == "count" and asked.few and asked.unit in _ITEM_UNITS:
        if _kinds_listed(folded_text, asked.focus):
            return True  # 几种风气: "端正学风、改进文风、转变会风"
        if present:
            if _listed(folded_text, present) or len(_ORDINAL_ITEM.findall(folded_text)) >= _LIST_ITEMS:
                return True  # …几点考虑:一是…二是…三是…
            if any(re.search(re.escape(f) + _OPENS_LIST, folded_text) for f in present):
                return True  # "基于这么几点考虑:一是…": the list of what is counted starts here
            if any(re.search(_ENUMERATED + re.escape(f), folded_text) for f in present):
                return True  # "通过支部学习、理论培训、专题讲座等形式": the items stand right before what they are
            # One item of a numbered series (一要在…上聚焦发力。二要…精准发力。): the series answers "几个发力",
            # and this paragraph is one of what is counted when its opening sentence carries the focus.
            if BODY_LEAD.match(folded_text) or HEADING_MARK.match(folded_text):
                head = _SENTENCE.split(folded_text, maxsplit=1)[0]
                if any(f in head for f in present):
                    return True
        if asked.act and re.search(re.escape(asked.act) + _LIST_AFTER_ACT, folded_text):
            return True  # "组织代表参加执法检查、视察调研…": the items follow what was done with them
    # "全文一共20条": the figure may refer back to the focus across a sentence
    # when it is given in the very measure word asked for — not in 个, 次 or a
    # unit for people, which every paragraph of figures uses for something.
    # The reference reaches the next sentence, not the rest of a long paragraph ("省委14号文件中存在的20条"
    # four hundred characters on says nothing about a 条例 named at its start).
    if asked.unit and asked.unit not in _COMMON_UNITS and present:
        figure = re.compile(rf"{_NUMERAL}\s*(?:多|余)?\s*{re.escape(asked.unit)}")
        sentences = _SENTENCE.split(folded_text)
        for i, sentence in enumerate(sentences):
            found = (m.group(0) for s in sentences[i : i + 2] for m in figure.finditer(s))
            if any(f in sentence for f in present) and any(not _is_given(m, asked.figures) for m in found):
                return True  # not the figure the question gives itself (那20篇调研报告里…有几篇)
    return False


# A qualifier is a word of Han characters that is no pointer or question word (那个, 这位, 哪个, 哪位).
_QUALIFIER = re.compile(r"(?![那这哪])[\u4e00-\u9fff]{2,}")
_TITLE_WORD = re.compile(f"(?:{TITLES}|一把手)")


def _qualifiers(asked: Asked, words: Callable[[str], Sequence[str]]) -> list[str]:
    """The words that say whose title the question asks about: the one right before each title it names
    (组织部 of 组织部部长, 党支部 of 第二党支部书记), when it is a word of content."""
    tokens = list(words(asked.given))
    return [
        tokens[i - 1]
        for i, token in enumerate(tokens)
        if i
        and token in asked.focus
        and _TITLE_WORD.fullmatch(token)
        and len(tokens[i - 1]) >= 2
        and _QUALIFIER.fullmatch(tokens[i - 1])
        and not _is_level(tokens[i - 1])
    ]


def _is_level(word: str) -> bool:
    """A place or a level's body (镇江, 市委, 江苏省委): whose title it is, the place rules decide."""
    return word[-1] in LEVELS or word.endswith("委") or name_tags().get(word) == "ns"


def _head(word: str, known: Callable[[str], bool]) -> str:
    """The compound's head: its longest proper ending of two or more characters that is a word (人大代表 → 代表)."""
    return next((word[i:] for i in range(1, len(word) - 1) if known(word[i:])), "")


def _is_name(word: str, known: Callable[[str], bool], tags: tuple[str, ...] = ("nr", "nrt", "ns")) -> bool:
    """A name as segmentation leaves it: up to three Han characters, outside the dictionary or tagged ``tags``."""
    return len(word) <= 3 and all(_HAN.match(c) for c in word) and (not known(word) or name_tags().get(word) in tags)


def _name_acting(
    tokens: Sequence[str], acts: tuple[str, ...], known: Callable[[str], bool], cut_surnames: bool = False
) -> bool:
    """A personal name right before one of ``acts`` (胡宗元|出席): how the chronicle names who acted.

    Segmentation may cut a surname off a name it does not know (胡|敷成|参加): with ``cut_surnames``
    the pair is tried as well.  Only the attendance check does: for an act the question names, trying
    it moved two tuning questions, one answer down from rank 1.
    """
    return any(
        tokens[i + 1].startswith(acts)
        and (
            _person(tokens[i], known)
            or (cut_surnames and i > 0 and len(tokens[i - 1]) == 1 and _person(tokens[i - 1] + tokens[i], known))
        )
        for i in range(len(tokens) - 1)
    )


def _person(word: str, known: Callable[[str], bool]) -> bool:
    """A personal name standing alone (胡宗元 of 胡宗元出席): two or three characters, not a place."""
    return len(word) >= 2 and _is_name(word, known, ("nr", "nrt"))


def _place(word: str, given: str) -> bool:
    """A place name the question does not already give: jieba's place tag, or a word ending in a place's kind."""
    if len(word) < 2 or word in given or (word[-1] in "省市区县" and word[:-1] in given):
        return False  # 南京市 is the 南京 the question names
    return name_tags().get(word) == "ns" or _PLACE_KIND.search(word) is not None


def _organisation(tokens: list[str], given: str) -> bool:
    """An organisation the question does not name: a word ending in a kind of organisation (排水公司,
    办公室), or such a kind word with the word before it (官塘创新社区: 创新 + 社区; 社区 alone, or the
    社区 of 哪个社区, names nobody).  The bodies every paragraph of this corpus names (人大, 市委) are
    not read as answers: a "which unit" question is about some other organisation."""
    for i, token in enumerate(tokens):
        if not _ORG_KIND.search(token):
            continue
        before = tokens[i - 1] if i else ""
        # A kind the question names itself (养老院 of 哪几家养老院) is a name only with the word before it.
        own = len(token) >= 3 and token not in given
        name = token if own else (before + token if len(before) >= 2 and _HAN.match(before) else "")
        if name and name not in given:
            return True
    return False


def _listed(folded_text: str, present: Sequence[str]) -> bool:
    """Is a focus word repeated as the items of a list ("破除二线思维。…破除老爷思维。…", 在…上发力 ×4)?

    A question for "几种思维" is answered by the passage that lists them for
    the reader to count: the focus stands in two or more of its clauses.  The
    items may each open a sentence of their own, so the whole paragraph is the
    reach; the rule is kept to counts asked with 几 in a unit for items
    (:data:`_ITEM_UNITS`), where a figure is not what the reader wants.
    """
    items = _ITEM.split(folded_text)
    return any(sum(focus in item for item in items) >= _LIST_ITEMS for focus in present)


def _kinds_listed(folded_text: str, focus: Sequence[str]) -> bool:
    """Does a sentence list kinds of the thing counted, each named by a morpheme of it (学风、文风、会风 of 风气)?

    Chinese names the kinds of a thing by a compound ending in its head
    morpheme, so a count of 风气 is answered by items that end in 风 without
    the text ever saying 风气.  Three or more such items in a row, in one
    sentence, sharing that last character: a list, not a coincidence.
    """
    heads = {ch for f in focus for ch in f if _HAN.match(ch)}
    if not heads:
        return False
    for sentence in _SENTENCE.split(folded_text):
        run, last = 0, ""
        for item in _ITEM.split(sentence):
            item = item.strip()
            end = item[-1:] if 2 <= len(item) <= 16 else ""
            run = run + 1 if end and end == last else 1
            last = end
            if run >= _KINDS and end in heads:
                return True
    return False


def has_name(tokens: list[str], known: Callable[[str], bool]) -> bool:
    """A title with a name right after it (主任孔令俊, 主任、党组书记王荣) or right before it (高亚光主任, 喻海同志).

    A name is what segmentation leaves outside the dictionary (孔令俊, 高亚光)
    or what the dictionary tags as a name (王安顺; 胡 of 胡敷成); a title
    followed by an ordinary word (主任会议) names nobody.
    """
    for i, token in enumerate(tokens):
        if token == "同志" and i > 0 and len(tokens[i - 1]) >= 2 and _is_name(tokens[i - 1], known):
            return True  # how a speech names a colleague: 喻海同志, 李健同志
        if not _TITLES.search(token):
            continue
        j = i + 1
        while j < len(tokens) and (tokens[j] == "副" or _TITLES.search(tokens[j])):
            j += 1  # a chain of titles: 主任、党组副书记
        # A one-character name token (胡 of 胡敷成) needs the rest of the name after it.
        whole = j < len(tokens) and (len(tokens[j]) >= 2 or (j + 1 < len(tokens) and _HAN.match(tokens[j + 1][:1])))
        if whole and _is_name(tokens[j], known):
            return True
        if i > 0 and len(tokens[i - 1]) >= 2 and _is_name(tokens[i - 1], known):
            return True
        # A surname that segmentation split from the given name: 栗 + 战书 before 委员长.
        surname, given = (tokens[i - 2], tokens[i - 1]) if i > 1 else ("", "")
        if len(surname) == 1 and name_tags().get(surname) == "nr" and len(given) == 2 and _HAN.match(given[0]):
            return True
    return False
