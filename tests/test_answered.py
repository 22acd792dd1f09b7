"""Whether the best evidence answers the question: the demand a question makes, the names it uses, its years."""

from __future__ import annotations

import pytest

from retrieval.analysis import fold
from retrieval.asked import asked_for, has_name, states
from retrieval.question import asked_about, entities
from retrieval.search import _chars_in_stretch
from retrieval.signals import formulas


@pytest.fixture(scope="module")
def analyzer(library):
    return library.analyzer


def _asked(analyzer, question: str):
    return asked_for(fold(question), analyzer.content_words)


def _states(analyzer, text: str, question: str, context: str = "") -> bool:
    demand = _asked(analyzer, question)
    assert demand is not None
    return states(fold(text), demand, analyzer.words, analyzer.is_known, fold(context))


def test_question_filler_words_are_not_content() -> None:
    assert asked_about(["原文", "一共", "哪四敢", "几部", "哪些方面", "那篇", "党支部"]) == ["四敢", "方面", "党支部"]


def test_what_a_question_demands(analyzer) -> None:
    count = _asked(analyzer, "依托代表小组成立了多少个党支部")
    assert count is not None and count.kind == "count" and count.focus == ("党支部",)
    assert _asked(analyzer, "人大代表履职补助一年每人多少钱").kind == "money"
    assert _asked(analyzer, "镇江法检两院工作报告的代表满意率具体是多少").kind == "rate"
    assert _asked(analyzer, "人大代表一届任期是几年").kind == "years"
    who = _asked(analyzer, "法检两院行实施意见起草是哪位副主任牵头的")
    assert who is not None and who.kind == "who" and who.focus == ("副主任",)
    office = _asked(analyzer, "江苏省人大常委会主任是谁")
    assert office is not None and office.office == "省人大常委会"
    # Not demands for a figure or a person: wording, an ordinal, "which ones"; the name of a thing is
    # asked for as a name (a title, a quotation or a body's name), not as a person.
    assert _asked(analyzer, "徐劼讲话里说机关人手紧，一个处就几个人，原文咋讲的") is None
    assert _asked(analyzer, "主题公园是全国第几座") is None
    assert _asked(analyzer, "今年执法检查重点查哪几块") is None
    assert _asked(analyzer, "扬中市人大的三大行动活动意见叫什么").kind == "name"
    # An indefinite amount the question tells (好几年, 十几个, 几十名) asks for nothing.
    assert _asked(analyzer, "路灯坏了好几年没人修，人大督办后修好了没有") is None
    assert _asked(analyzer, "几十名代表联名提的议案后来怎么办的") is None


def test_a_count_must_stand_next_to_what_is_counted(analyzer) -> None:
    assert _states(analyzer, "依托市人大代表小组成立19个党支部", "成立了多少个党支部")
    assert _states(analyzer, "全市1393 個代表“家站點”“三化”建設", "無錫代表「家站點」總共建了幾個")
    assert not _states(analyzer, "依托市人大代表小组成立19个党支部", "成立了多少个党小组")
    # 主任 is counted, not the 副主任 standing in the text.
    assert not _states(analyzer, "市人大常委会副主任3人出席", "人大常委会有几位主任")
    assert _states(analyzer, "确保专职组成人员比例达到60%以上", "专职组成人员比例要达到多少")
    assert not _states(analyzer, "代表的满意率还有待提高", "代表满意率具体是多少")
    assert not _states(analyzer, "健全代表履职补助制度", "人大代表履职补助一年每人多少钱")


def test_a_count_in_its_own_measure_word_needs_a_figure_in_it(analyzer) -> None:
    """Nothing counted is named (一共分了几批): the figure in that word must stand with what was done."""
    question = "在镇江的3900多名五级代表分批轮训，一共分了几批"
    assert not _states(analyzer, "在镇3900多名五级人大代表分批次开展集中轮训,实现政治培训全覆盖", question)
    assert _states(analyzer, "全市3900多名五级人大代表分5批开展集中轮训", question)
    assert not _states(analyzer, "通过人大机关领导干部代表每周一次带头讲", "把人大代表讲坛搬到田间地头，一共讲了多少场")
    assert _states(analyzer, "人大代表讲坛走进田间地头，共开讲120场", "把人大代表讲坛搬到田间地头，一共讲了多少场")
    # The figure the question gives itself is the set it counts within, in the next sentence too.
    question = "南京代表小组写的那20篇调研报告里，养老方面的有几篇"
    text = "代表小组围绕养老方面深入调研。形成调研报告20篇。"
    assert not _states(analyzer, text, question)
    assert _states(analyzer, text.replace("20篇", "20篇，其中养老4篇"), question)
    # A handful of items is still answered by the list to count, not by a figure.
    assert _asked(analyzer, "需要大家做到哪几条，几条") is None


def test_a_person_is_named_next_to_the_title_asked_for(analyzer) -> None:
    assert _states(analyzer, "市人大常委會主任孔令俊要求深化", "扬州市人大常委会主任是谁")
    assert _states(analyzer, "刚才，高亚光主任宣读了表彰通报", "是谁念的表彰通报")
    assert _states(analyzer, "全国人大常委会栗战书委员长也强调", "全国人大常委会委员长是谁")
    assert _states(analyzer, "党支部书记由各小组党员组长担任", "党支部书记由谁担任")
    assert not _states(analyzer, "市人大常委会主任会议成员下沉联系", "人大常委会主任是谁")
    # The director of the city's standing committee is not the province's.
    assert not _states(analyzer, "市人大常委会主任李健出席会议", "江苏省人大常委会主任是谁")
    assert has_name(analyzer.words("秘书长胡敷成主持会议"), analyzer.is_known)
    # A speech names a colleague with 同志 after the name; 同志们 or 老同志 name nobody.
    assert _states(analyzer, "喻海同志还要对如何贯彻落实好本次会议提要求", "哪位同志还要提要求")
    assert not has_name(analyzer.words("同志们，今天召开这次会议"), analyzer.is_known)
    assert not has_name(analyzer.words("要发挥老同志的作用"), analyzer.is_known)


def test_asked_by_what_is_done_a_body_answers(analyzer) -> None:
    # "向谁通报" asks who receives the report: a body standing with that act answers, not only a person.
    text = "严格落实市委组织部向市人大常委会党组通报人事安排和被推荐人选基本情况制度"
    assert _states(analyzer, text, "市委组织部要向谁通报人事安排")
    assert _states(analyzer, "由市委办公室牵头，市人大常委会办公室参加", "那个专班谁牵头")
    # The body the question names itself is not the answer, and the act must stand in the clause.
    assert not _states(analyzer, "市委组织部要通报人事安排", "市委组织部要向谁通报人事安排")
    assert not _states(analyzer, "市人大常委会办公室负责联络", "那个专班谁牵头")
    # The chronicle names who acted without a title; 领导 after 哪位 is "someone", the act follows it.
    assert _states(analyzer, "13日市人大常委会召开议案督办推进会,胡宗元出席会议并讲话。", "督办推进会是谁出席讲的话")
    assert not _states(analyzer, "13日市人大常委会召开议案督办推进会,会议听取汇报。", "督办推进会是谁出席讲的话")
    assert _asked(analyzer, "座谈那回是哪位领导到场").act == "到场"
    # A title asked for still needs a person: a body next to 主任 names nobody.
    assert not _states(analyzer, "市人大常委会主任会议研究通过", "市人大常委会主任是谁")
    assert not _states(analyzer, "赛珍珠研究会举办纪念活动", "赛珍珠研究会的会长是谁")
    assert _states(analyzer, "赛珍珠研究会会长王敏出席", "赛珍珠研究会的会长是谁")


def test_people_need_a_title_and_places_come_from_the_corpus(analyzer) -> None:
    # jieba tags 库里 (cut out of 调研库里) as a person; no title stands next to it.
    words = analyzer.words(fold("丹阳人大调研库里放了多少课题"))
    assert ("库里",) not in entities(words, people_need_title=True)
    assert ("库里",) in entities(words)
    assert ("赵乐际",) in entities(analyzer.words("赵乐际委员长对地方人大提了什么要求"), people_need_title=True)
    # jieba tags 连云港 as a person and leaves 句容 untagged; the corpus's headings say they are places.
    subjects = frozenset({"连云港市", "句容市"})
    assert ("连云港",) in entities(analyzer.words("连云港一共有多少名五级人大代表"), True, subjects)
    assert ("连云港",) not in entities(analyzer.words("连云港一共有多少名五级人大代表"), True)
    assert ("句容",) in entities(analyzer.words("句容建了几个功能型党支部"), True, subjects)
    # jieba knows 合肥 as a common noun and 合肥市 as a place: a city named without its level still counts.
    assert ("合肥",) in entities(analyzer.words("合肥的民生实事项目票决从哪年开始"), True)
    assert not any(e[0] in ("各省", "东方") for e in entities(analyzer.words("各省东方城市的人大"), True))
    # jieba also tags ordinary words as places (上台, 东西, 满意度) and pieces of names (魏国 of 魏国强).
    for question in ("机关干部大会上有几个同志上台发言了", "要争取哪些东西落地", "魏国强来调研了什么"):
        assert not entities(analyzer.words(fold(question)), True)
    assert any("北京" in e for e in entities(analyzer.words("北京人大常委会主任是谁"), True))
    # jieba keeps 无锡市委 as one untagged word: the place that opens it is still named.
    assert ("无锡市", "无锡") in entities(analyzer.words("无锡市委人大工作会议是哪天开的"), True)
    assert not entities(analyzer.words("都市报说山区县怎么发展"), True)


def test_which_numbered_key_names_a_formula() -> None:
    assert formulas("四敢精神是哪四敢") == [("四敢", [(4, "敢")])]
    assert formulas("要答好哪三道题") == []
    assert formulas("市人大常委会视察了哪两个地方") == []  # asks which two, names no formula
    assert formulas("四个机关是哪四个") == [("四个机关", [(4, "机关")])]
    assert formulas("实施意见有三个主题,另两个是啥") == [("三个主题", [(3, "主题")])]
    assert formulas("十八条一共明确了多少条关键环节") == []  # 八条 is part of 十八条
    assert formulas("三看三促进是什么") == [("三看三促进", [(3, "看"), (3, "促进")])]


def test_a_day_the_question_names_is_the_day_of_the_answer(searcher) -> None:
    # The chronicle writes "18日" under its month (the article's date, 2022-05): that entry comes first.
    result = searcher.search("5月18号市人大开了什么会", top=3)
    assert result.answered and fold(result.hits[0].text).startswith("18日")
    assert searcher.search("6月2号市人大常委会组织视察了哪两个地方", top=1).answered
    # No paragraph gives a day of June 2022 but 6月2日: the 15th is not in the documents.
    result = searcher.search("2022年6月15号镇江市人大常委会开了什么会", top=3)
    assert result.hits and not result.answered and "6月15日" in result.evidence.missing


@pytest.mark.parametrize(
    "question",
    [
        "徐州市人大常委会有几位副主任",
        "江苏省人大常委会主任是谁",
        "人大代表一届任期是几年",
        "淮安餐厨垃圾管理条例对乱倒餐厨垃圾罚多少钱",
        "连云港一共有多少名五级人大代表",
        "2020年无锡人大完成了多少项重点监督任务",
        # A label the corpus only names does not answer for its items.
        "无锡讲的“七大平台载体”分别是哪七个",
        "淮安说的营商环境“四最”是哪四个最",
        "泰州的“双培双争”分别是哪两培、哪两争",
        "镇江新区的五争一创是哪五争",
        "南京的“民营经济31条”都有哪些条",
        "无锡紧跟省市委全会的“十个聚焦”，十个聚焦具体指啥",
        # Counted in a measure word of its own, with no figure in it (分批次, no number of 批).
        "在镇江的3900多名五级代表分批轮训，一共分了几批",
        # A year beside 地方立法 (自2015年取得地方立法权以来) is not the year the 研究中心 was set up.
        "镇江市地方立法研究中心是哪年成立的",
        # A speaker the bylines name, where nothing of that document names him.
        "马明龙在无锡讲了什么",
        "2023年李健在镇江讲了什么",
    ],
)
def test_near_topic_questions_without_an_answer_say_so(searcher, question: str) -> None:
    result = searcher.search(question, top=3)
    assert result.hits and not result.answered


@pytest.mark.parametrize(
    "question",
    [
        "扬州市人大常委会主任是谁",
        "镇江京口区代表建议办成率力争达到多少",
        "丹阳人大调研库里放了多少课题",
        "江苏镇江丹徒区人大对今年的重要建议是怎么督办的",
        "盐城人大开展的代表小组建支部活动叫什么",
        # 润州 is named in the article (by a 润州三组 deputy), not in the paragraph; the
        # masthead's 镇江市 the paragraph inherits is the magazine's setting, not its subject.
        "钱进说润州三组的代表要当好哪四大员",
        "镇江是哪年取得地方立法权的",
        # 数数 says how to answer (count them), not what is counted: the list 询问、质询、评议… answers.
        "十八条第16条，要进一步深化哪些监督方式，数数几种",
        "这期杂志哪天出版的",
    ],
)
def test_answerable_figure_and_place_questions_stay_answered(searcher, question: str) -> None:
    assert searcher.search(question, top=3).answered


def test_a_masthead_role_names_its_holder(analyzer) -> None:
    assert _states(analyzer, "执行编辑:丁剑峰", "这期杂志的执行编辑是哪位")
    assert _states(analyzer, "摄影 / 马镇丹", "封面照片的摄影是谁")
    assert not _states(analyzer, "执行编辑:负责本期", "这期杂志的执行编辑是哪位")


def test_a_colophon_line_answers_who_edits_the_magazine(searcher) -> None:
    result = searcher.search("民主法治建设杂志的主编是谁", top=3)
    assert result.answered and result.hits[0].text == "主 编:王丰江"


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("马明龙在市委人大工作会议上的讲话在目录第几页", "- 4 在市委人大工作会议上的讲话 / 马明龙"),
        ("大事记印在哪一页", "52 2022年5月份"),
    ],
)
def test_a_page_question_is_answered_by_the_contents_entry(searcher, question: str, entry: str) -> None:
    assert searcher.search(question, top=3).hits[0].text == entry


def test_contents_entries_answer_no_question_about_what_an_article_says(searcher) -> None:
    # The entry "- 1 着力加强和改进新时代人大工作 / 任言平" holds the author and, in its section, 卷首语.
    for question in ("任言平那篇卷首语讲了什么", "李健在培训班上发言讲了哪几点"):
        hits = searcher.search(question, top=5).hits
        assert hits and not any("目录" in h.section for h in hits)


def test_a_cover_credit_names_the_photographer(searcher) -> None:
    assert searcher.search("杂志封面照片是谁拍的", top=3).hits[0].text == "封面 市委人大工作会议\n摄影 / 马镇丹"


def test_a_colophon_value_answers_what_it_is(searcher) -> None:
    # The one paragraph with the question's rarest word (邮编) reaches stage two, and a colon joins key and value.
    result = searcher.search("镇江市人大常委会的邮编是多少", top=3)
    assert result.answered and result.hits[0].text == "邮 编: 212050"


def test_coverage_alone_refuses_only_questions_the_passage_hardly_touches(searcher) -> None:
    # A colloquial question shares few words with the chronicle that answers it; nothing it names is missing.
    result = searcher.search("大事记里5月份哪些全省的会是开视频会的", top=3)
    assert result.answered and "视频会议" in result.hits[0].text
    # Asked as a count, the same entry (one meeting, no figure) gives none: refused by the count rule, not coverage.
    counted = searcher.search("大事记里5月份有几个全省的会是开视频会的", top=3)
    assert counted.evidence is not None and counted.evidence.coverage == result.evidence.coverage
    assert not counted.answered and not counted.evidence.stated


def test_a_year_without_documents_is_searched_as_text(searcher) -> None:
    result = searcher.search("2014年总书记在镇江提出了什么", top=3)
    assert result.query.year == "" and any("2014" in n for n in result.query.notices)
    assert "全面从严治党" in fold(result.hits[0].text) and result.answered
    # The year is then part of what the question is about: a passage without it does not answer.
    assert not searcher.search("2021年无锡人大完成了几个立法项目", top=3).answered


def test_four_gan_question_prefers_the_enumeration(searcher) -> None:
    assert "敢为、敢闯、敢干、敢首创" in fold(searcher.search("四敢精神是哪四敢", top=1).hits[0].text)


def test_characters_of_words_the_corpus_never_uses_weigh_softly(library, searcher) -> None:
    from retrieval.question import soft_words

    folded = fold("李健说要理解法院检察院案子多、人手不够")
    words = searcher.question_words(folded)
    soft = soft_words(library, folded, words, 1.0)
    # 人手 is nowhere in the corpus (案子 is): its characters count, the rarer the more.
    assert set(soft) == {"人", "手"} and soft["手"] > soft["人"]
    assert all(w not in soft for w in words)
    assert soft_words(library, fold("四个机关指的是哪四个机关"), searcher.question_words(fold("四个机关")), 1.0) == {}


@pytest.mark.parametrize("question", ["人大工作的五个一工程是指什么", "法检两院行的四看四促进是什么"])
def test_a_numbered_formula_the_corpus_never_names_is_not_answered(searcher, question: str) -> None:
    assert not searcher.search(question, top=3).answered


def test_formula_names_read_with_a_character_too_many_still_count(searcher) -> None:
    # 三破三立中 (of 三破三立中的三破) is not in the corpus, 三破三立 is.
    assert searcher._names_formula("三破三立中") and not searcher._names_formula("五个一工程")
    assert searcher.search("三破三立中的三破是什么", top=1).answered


def test_spelling_fixes_only_what_reads_as_a_typo(searcher) -> None:
    # A stretch that cuts 机制 in two is not a misspelt 人大代表工作站.
    assert searcher.corrections("淮安人大代表工作机制群众提代表定") == {}
    # 哪个城市 and 有个代表 are what the question means, not 五个城市 and 有为代表 typed wrong.
    assert searcher.corrections("人大代表议事厅在哪个城市") == {}
    assert searcher.corrections("南通有个代表在田间地头") == {}
    # 几 in place of a formula's numeral asks which one is meant.
    assert "一要点四计划" in searcher.corrections("常委会年度工作是一要点几计划").get("一要点几计划", [])
    assert searcher.corrections("法检两院行的三看三促近具体是什么") == {"三看三促近": ["三看三促进"]}
    # A place the corpus names is meant as typed: 丹徒人大 is not a misspelt 丹阳人大, and the search keeps 丹徒.
    assert searcher.corrections("丹徒人大推行的审议后续制度有几个") == {}
    assert "丹徒" in searcher.search("丹徒人大推行的审议后续制度有几个", top=1).query.text


def test_a_filter_year_chooses_documents_and_is_not_also_a_search_word(searcher) -> None:
    # As a word, 2022 favoured a paragraph citing a file numbered 〔2022〕 over the chronicle asked for.
    result = searcher.search("镇江 2022年 大事记", top=1)
    assert result.query.year == "2022" and "大事记" in result.hits[0].section


def test_a_count_in_its_own_measure_word_must_be_given_in_it(analyzer) -> None:
    # 多少条 is not answered by a figure in 部, nor by a 条 far from the thing counted.
    assert not _states(
        analyzer, "全年制定5 部地方性法规,其中全国首部新能源产业促进条例提请审议", "新能源产业促进条例一共多少条"
    )
    far = "新能源产业促进条例提请审议。会议听取了报告。梳理省委文件中存在的20条具体问题"
    assert not _states(analyzer, far, "新能源产业促进条例一共多少条")
    assert _states(analyzer, "出台了新能源产业促进条例。条例共有45条，自明年施行", "新能源产业促进条例一共多少条")
    # 个 and 次 stand for any measure word: 几个 is answered with 名 or 项.
    assert _states(analyzer, "明确20项具体行动", "一共明确了几个具体行动")


def test_a_figure_the_question_gives_does_not_answer_it(analyzer, searcher) -> None:
    # "那7200多名人大代表里，全国人大代表有几位": 7200多名 is the set counted within, not the answer.
    text = "以全市449个代表小组为单元,组织全市7200多名各级人大代表开展大学习活动"
    assert not _states(analyzer, text, "泰州那7200多名人大代表里，全国人大代表有几位")
    assert _states(analyzer, text, "泰州一共有多少名人大代表")
    assert _states(analyzer, text, "泰州那7200多名人大代表分成了几个代表小组")
    # Through the whole search: the chronicle's 3968名 is the figure the question gives.
    assert not searcher.search("去年选出的3968名三级人大代表里，市人大代表有几名", top=1).answered


def test_a_quoted_label_asked_for_its_items_needs_them_listed() -> None:
    from retrieval.signals import asks_items, label_formula, lists_items

    assert label_formula("七大平台载体") == ("七大平台载体", [(7, "平台载体")])
    assert label_formula("四最") == ("四最", [(4, "最")])
    assert label_formula("人民就是江山") is None
    # Only the parts that count two or more are a list: one key point is no list of points.
    assert label_formula("一要点五计划") == ("一要点五计划", [(5, "计划")])
    assert label_formula("五争一创") == ("五争一创", [(5, "争")])
    # A part may put 个 between its numeral and key.
    assert label_formula("四个要看、四个更要看") == ("四个要看、四个更要看", [(4, "要看"), (4, "更要看")])
    assert label_formula("双培双争") == ("双培双争", [(2, "培"), (2, "争")])
    assert label_formula("一践行、两服务") == ("一践行、两服务", [(2, "服务")])
    # Counted in digits; a longer run of digits is a code, not a count.
    assert label_formula("民营经济31条") == ("民营经济31条", [(31, "条")])
    assert label_formula("20项措施") == ("20项措施", [(20, "措施")])
    assert label_formula("132、找代表") is None and label_formula("310工程") is None
    assert asks_items("具体是哪七个平台") and asks_items("分别指什么") and not asks_items("出自哪篇讲话")
    # Asking after each key in turn asks for the items.
    assert asks_items("盐城“三比三创”比什么、创什么") and asks_items("到底践行啥、服务啥")
    assert not asks_items("是什么会议上提出的")
    # 是啥 asks for the items where it ends the question, not where it asks for something it names.
    assert asks_items("那19项调研课题具体是啥") and asks_items("三个更好是啥？")
    assert not asks_items("6个市区人大同台答题,围绕的是啥重大要求")
    # A compound label is listed only where each part is: “A、B” beside its name is not enough.
    three_three = label_formula("三比三创")
    assert three_three is not None
    assert not lists_items(fold("开展“三比三创”活动，推动学习、调研、实践走深走实"), three_three)
    assert lists_items(fold("“三比三创”：比学习、比作风、比实绩，创一流班子、创一流队伍、创一流业绩"), three_three)
    four_gan = label_formula("四敢")
    assert four_gan is not None
    assert lists_items(fold("大力弘扬敢为、敢闯、敢干、敢首创的“四敢”精神"), four_gan)
    assert not lists_items(fold("要弘扬“四敢”精神，奋勇争先"), four_gan)
    seven = label_formula("七大平台载体")
    assert seven is not None
    assert not lists_items(fold("要健全“七大平台载体”，拓宽民主民意表达渠道，注重一体推进、功能整合"), seven)
    four_members = label_formula("四大员")
    assert four_members is not None
    assert lists_items(
        fold("当好“四大员”：一是当好“组织员”。二是当好“宣传员”。三是当好“联络员”。四是当好“监督员”"), four_members
    )


def test_a_formula_asked_for_its_items_is_the_one_asked_about() -> None:
    from retrieval.signals import asks_items_of, formulas

    def asks(question: str) -> bool:
        return any(asks_items_of(question, f) for f in formulas(question))

    assert asks("五个必须是哪五个") and asks("五争一创 争什么创什么") and asks("三高一争里三高指哪三高")
    # What stands right after the name asks for its content.
    assert asks("十个聚焦具体指啥") and asks("四个必须是什么") and asks("五个必须包括哪些")
    # The formula only sets the scene; what is asked for is something else.
    assert not asks("推进四个机关建设，人大干部分别要实现哪些化")
    assert not asks("四个机关建设动员会是哪天开的")


@pytest.mark.parametrize(
    "question",
    ["“攀高比强、跨越赶超”", "“江山就是人民、人民就是江山”出自哪篇讲话", "四敢精神“敢为、敢闯、敢干、敢首创”"],
)
def test_a_quotation_found_verbatim_still_answers(searcher, question: str) -> None:
    assert searcher.search(question, top=3).answered


def test_of_the_paragraphs_holding_a_quoted_label_those_listing_its_items_come_first(searcher) -> None:
    result = searcher.search("“四个机关”分别是哪四个", top=3)
    top = fold(result.hits[0].text)
    assert "四个机关" in top and "政治机关" in top and "代表机关" in top and result.answered
    assert all("四个机关" in fold(h.text) for h in result.hits)  # still an exact look-up
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)


def test_a_question_for_a_date_needs_a_date_next_to_its_event(analyzer, searcher) -> None:
    when = _asked(analyzer, "哪一年开始搞的镇江“政治体检”")
    assert when is not None and when.kind == "when" and "政治体检" in when.focus
    assert "镇江" not in when.focus  # the place it happened is no event a date stands next to
    # The date may open the sentence; 当年 ("the same year") names no year of its own.
    assert _states(analyzer, "5月31日，市委人大工作会议召开。", "市委人大工作会议是哪天召开的")
    assert _states(analyzer, "6日 李健召开群众诉求工作专题座谈会。", "李健哪天开的群众诉求座谈会")
    assert not _states(analyzer, "首次实现法规当年调研、当年审议、当年通过。", "这部条例是哪天表决通过的")
    assert not _states(analyzer, "由镇江探索开展的“政治体检”工作在全省得到推广。", "政治体检是哪一年开始的")
    # Through the search: the date is in the corpus for one, not for the other.
    assert searcher.search("镇江市委人大工作会议是哪天召开的", top=1).answered
    assert not searcher.search("哪一年开始搞的镇江“政治体检”", top=1).answered


def test_a_compound_label_asked_for_its_items_needs_them_listed(searcher) -> None:
    from retrieval.signals import asks_items, label_formula, lists_items

    assert label_formula("四亮四比") == ("四亮四比", [(4, "亮"), (4, "比")])
    assert label_formula("一委一品牌") is None  # one of each is no list
    assert all(asks_items(fold(q)) for q in ("都是啥城市", "亮的是啥", "有哪些内容", "分别指什么"))
    assert not asks_items(fold("出自哪篇讲话"))
    named_only = fold("要以“四亮四比”抓执行落实专项行动为抓手，健全作风建设长效机制。")
    listed = fold("开展“四亮四比”活动：亮身份比奉献、亮职责比作为、亮承诺比担当、亮实绩比成效。")
    formula = label_formula("四亮四比")
    assert formula is not None and not lists_items(named_only, formula) and lists_items(listed, formula)
    # The corpus names this label but never lists it: the answer says so.
    assert not searcher.search("“四亮四比”抓执行落实专项行动，亮的是啥、比的是啥", top=1).answered
    assert searcher.search("“四亮四比”出自哪篇讲话", top=1).answered


def test_a_code_of_digits_is_answered_for_its_meaning_only_where_defined(searcher) -> None:
    """The corpus names “132、找代表” but never says what 132 stands for."""
    asked = searcher.search("无锡的“132、找代表”活动，132指的是什么", top=3)
    assert asked.hits and not asked.answered
    assert "132、找代表" in asked.evidence.missing
    # The same quotation asked for where it stands, or looked up alone, is answered.
    assert searcher.search("“132、找代表”联系服务群众日活动是哪个市搞的", top=3).answered
    assert searcher.search("“132、找代表”", top=3).answered


def test_a_handful_asked_with_ji_is_answered_by_the_list_to_count(analyzer) -> None:
    # "几种思维": the passage that lists them answers, whether in one sentence or one sentence each.
    listed = "必须做到“三破三立”。“三破”:即破除二线思维。人大不是二线。破除老爷思维。破除惯性思维。"
    assert _states(analyzer, listed, "动员会上说人大干部要破掉几种思维")
    # One item of a numbered series, the focus in its opening sentence, is one of what is counted.
    item = "三要在依法讨论决定重大事项和做好选举任免工作上协同发力。讨论、决定重大事项，是宪法赋予的职权。"
    assert _states(analyzer, item, "四点意见那篇讲服务中心大局，一共几个“发力”")
    assert not _states(analyzer, "讨论、决定重大事项，要协同发力。", "四点意见那篇讲服务中心大局，一共几个“发力”")
    # 多少 asks for a figure, which a list does not give; nor does one mention of the focus.
    assert not _states(analyzer, listed, "动员会上说人大干部要破掉多少种思维")
    assert not _states(analyzer, "破除二线思维，当好主角", "动员会上说人大干部要破掉几种思维")


def test_a_handful_of_kinds_is_answered_by_items_named_by_its_morpheme(analyzer) -> None:
    """几种风气: "端正学风、改进文风、转变会风" lists three without saying 风气; a list of other things does not."""
    question = "市委意见要求人大机关改几种风气"
    assert _states(analyzer, "要进一步端正学风、改进文风、转变会风，提高工作效率。", question)
    assert not _states(analyzer, "要进一步端正学风、改进文风，提高工作效率。", question)  # two are not a list
    assert not _states(analyzer, "要加强学习、改进方法、转变观念，提高工作效率。", question)  # no 风 among them


def test_a_rule_naming_the_post_answers_who_holds_it_not_which_person(analyzer) -> None:
    """ "由市人大常委会副主任担任党委书记" says which post holds it (由谁担任), not which 副主任 it is."""
    rule = "依托人代联工委成立人大代表联合党委，由市人大常委会副主任担任党委书记。"
    assert _states(analyzer, rule, "人大代表联合党委书记由谁担任")
    assert not _states(analyzer, rule, "人大代表联合党委书记具体是哪位副主任")
    assert _states(analyzer, "联合党委书记由市人大常委会副主任岳卫平担任。", "人大代表联合党委书记具体是哪位副主任")


def test_words_of_company_are_neither_the_act_nor_what_is_asked_about(analyzer) -> None:
    """还有谁一块儿参加 asks who 参加; 另外那个号 asks for a number, not for an 另外."""
    entry = "30日 李健赴市历史文化名城研究会进行专题调研，胡敷成、张伟清参加会议。"
    assert _states(analyzer, entry, "5月30日李健去历史文化名城研究会调研，还有谁一块儿参加")
    assert "一块儿" not in _asked(analyzer, "还有谁一块儿参加调研").focus
    assert "另外" not in _asked(analyzer, "编辑部电话另外那个号是多少").focus


def test_a_byline_answers_who_wrote_without_a_title(searcher) -> None:
    """On the printed lines a name is the author's (任言平 under his title): 谁写的 is answered there."""
    found = searcher.search("着力加强和改进新时代人大工作这篇是谁写的", top=3)
    assert found.hits[0].section.endswith("标题署名图注") and "任言平" in found.hits[0].text
    assert found.answered


def test_when_in_any_terms_is_answered_by_a_period_as_well_as_a_date(analyzer) -> None:
    """啥时候测评: "在代表集中活动周期间进行测评" says when; 哪天测评 still needs a day."""
    text = "将学习实践活动列入代表履职清单，在代表集中活动周期间进行测评。"
    assert _states(analyzer, text, "列进代表履职清单以后，放在啥时候测评")
    assert not _states(analyzer, text, "列进代表履职清单以后，哪天测评")


def test_a_half_remembered_quotation_counts_the_characters_it_keeps(searcher) -> None:
    """One character wrong breaks most of a short quotation's character pairs, not of its characters."""
    assert _chars_in_stretch("钱包子", "著眼守护好百姓“钱袋子”，在全省率先") == pytest.approx(2 / 3)
    assert _chars_in_stretch("加强运行管理、持续迭代升级", "要加强管理运行、持续优化升级。") > 0.8
    assert _chars_in_stretch("五个一", "开展“三个一”活动") == 0.0  # another number is another formula
    found = searcher.search("徐州那个反电诈决定，说是着眼守护好百姓的“钱包子”？", top=3)
    assert found.answered and "錢袋子" in found.hits[0].text


def test_where_as_a_place_needs_a_place_the_question_does_not_name(analyzer) -> None:
    question = "常州人大历史展示馆建在哪条路上"
    assert _asked(analyzer, question).kind == "where"
    assert _states(analyzer, "人大历史展示馆建在延陵西路，免费开放", question)
    # Only the city the question names (南京市 is its 南京) is no answer, in the text or inherited.
    assert not _states(analyzer, "建设人大历史展示馆，讲好人大故事", question, context="常州市人大常委会研究室")
    assert not _states(analyzer, "南京市建成宪法公园", "南京宪法公园在哪个区")
    # The place a paragraph inherits from its section answers: a 无锡 section's 议事厅 is in 无锡.
    assert _states(analyzer, "设立“人大代表议事厅”民主实践平台", "人大代表议事厅在哪个城市", context="无锡市")
    # A clause of its own asks where the thing of the question is.
    assert _asked(analyzer, "宿迁那个主题公园叫啥名字，在哪个区").focus
    # 在哪 alone asks for a speech or an article, not a place.
    assert _asked(analyzer, "这话在哪说的") is None


def test_a_day_or_year_asked_for_must_stand_with_the_event(searcher) -> None:
    # The corpus names 南通人才日 and the year of a law, but never the day it falls on: related, not answered.
    result = searcher.search("南通人才日是每年几月几号", top=3)
    assert result.hits and "人才日" in fold(result.hits[0].text) and not result.answered
    assert result.evidence is not None and result.evidence.asks == "date" and not result.evidence.typed
    # A day that stands with its event still answers, written before it or after it in its clause.
    assert searcher.search("镇江新区党工委人大工作会议是几月几号开的", top=1).answered


def test_which_organisation_needs_one_the_question_does_not_name(analyzer) -> None:
    question = "这本杂志是哪家印刷厂印的"
    demand = _asked(analyzer, question)
    assert demand is not None and demand.kind == "org"
    # A colophon joins key and value with a colon; the organisation ends in its kind (公司).
    assert _states(analyzer, "承 印: 镇江新民洲印刷有限公司", "这本杂志是哪家单位承印的")
    assert not _states(analyzer, "法律顾问:程美瑛", "杂志的法律顾问程美瑛是哪家律所的")
    # The question's own 社区 names nobody; 官塘创新社区 does.
    assert _states(analyzer, "胡宗元听取官塘创新社区工作情况汇报", "胡宗元听了哪个社区的工作汇报")
    assert not _states(analyzer, "胡宗元到社区听取工作汇报", "胡宗元听了哪个社区的工作汇报")


def test_which_several_asks_for_named_places_or_bodies_as_which_one_does(analyzer) -> None:
    """哪几家养老院, 哪两个镇: a list of bodies or places is answered by naming them, as 哪家 / 哪个 are."""
    assert _asked(analyzer, "王主任调研去了哪几家养老院").kind == "org"
    assert _asked(analyzer, "试点放在哪几个镇").kind == "where"
    assert _asked(analyzer, "无锡表彰的先进集体是哪两个处室").kind == "org"
    question = "王主任来镇江搞养老服务立法调研，去了哪几家养老院"
    assert not _states(analyzer, "王主任率队来镇开展养老服务条例立法调研", question)
    assert _states(analyzer, "王主任率队调研京口区康乐养老院和润州区福寿养老院", question)
    # Items of a formula are still asked with 哪几个 and answered by the list, not by a name.
    assert _asked(analyzer, "活力机关具体体现在哪几个方面") is None


def test_spoken_ways_of_asking_a_date(analyzer) -> None:
    assert _asked(analyzer, "句容市委召开人大工作会议的具体日子").kind == "when"
    assert _asked(analyzer, "那次视察是啥时间").kind == "when"
    # 好日子 is a life, not a date.
    assert _asked(analyzer, "老百姓过上好日子靠什么") is None
    assert _asked(analyzer, "讲话批评混日子的想法，原文怎么写的") is None


def test_a_handful_is_answered_by_numbered_items(analyzer) -> None:
    question = "徐劼列了几点考虑"
    # The list of what is counted opens here ("这么几点考虑:一是…"), or its numbered items stand here.
    assert _states(analyzer, "会议主要基于这么几点考虑:一是在今年省人代会上", question)
    assert _states(analyzer, "我们有所考虑。一是抓学习，二是抓落实。", question)
    assert not _states(analyzer, "会议作了认真考虑,一是抓学习", question)


@pytest.mark.parametrize("question", ["干在实处，后面四个字是啥", "感恩奋进前面四个字是啥"])
def test_a_count_of_characters_asks_for_wording_not_for_a_formula(searcher, question: str) -> None:
    """ "四个字" counts the words of a quotation: it is no numbered formula the passage must list."""
    assert formulas(fold(question)) == []
    assert formulas(fold("四个机关是什么")) == [("四个机关", [(4, "机关")])]
    assert searcher.search(question, top=3).answered


def test_a_handful_is_answered_by_items_listed_right_before_it(analyzer) -> None:
    """ "通过几种形式": the items joined by 、 that end at the focus (…、…、…等形式) are the ones to count."""
    listed = "抓好干部学习,通过集中学习、专题辅导、实地调研等形式,营造学习氛围。"
    assert _states(analyzer, listed, "干部学习通过几种形式")
    assert not _states(analyzer, "抓好干部学习,不断创新学习形式,营造学习氛围。", "干部学习通过几种形式")
    parts = "构建完善日常管理、活动组织、意见处理的全流程运作机制。"
    assert _states(analyzer, parts, "全流程运作机制包括几块")
    # A figure is asked with 多少, and a list gives none.
    assert not _states(analyzer, listed, "干部学习通过多少种形式")


def test_a_list_counts_only_in_the_labels_clause_or_the_one_it_introduces() -> None:
    from retrieval.signals import lists_items

    three = ("三化", [(3, "化")])
    elsewhere = "全面完成全市1393个代表“家站点”“三化”建设,构建完善“家站点”日常管理、活动组织、意见处理、服务保障的全流程运作机制"
    assert not lists_items(fold(elsewhere), three)  # that list is the 机制's, not the 三化's
    four_gan = ("四敢", [(4, "敢")])
    assert lists_items(fold("弘扬“四敢”精神，即敢为、敢闯、敢干、敢首创"), four_gan)
    assert lists_items(fold("“四敢”：敢为、敢闯、敢干、敢首创"), four_gan)
    assert not lists_items(fold("弘扬“四敢”精神，奋勇争先，做好监督、调研、立法、代表工作"), four_gan)


def test_a_set_counted_in_digits_is_answered_only_where_it_is_listed(searcher) -> None:
    from retrieval.signals import counted_sets, lists_items

    (listed,) = counted_sets(fold("连云港人大明确的那19项调研课题具体是哪些"))
    assert listed == ("19项调研", [(19, "调研")])
    assert counted_sets(fold("开了1次会")) == []  # one of something is no list
    assert counted_sets(fold("市委意见第6条讲地方立法，是立足哪八个字")) == []  # an ordinal counts nothing
    three = counted_sets(fold("那3项重点课题是啥"))[0]
    assert lists_items(fold("确定3项重点课题：乡村振兴、生态环保、民生实事。"), three)
    assert not lists_items(fold("围绕发展大局确定3项重点课题，深入开展调研。"), three)
    # The corpus gives 南京's count of research topics (调研课题36项), never the topics.
    result = searcher.search("南京人大定的那36项调研课题分别是啥", top=5)
    assert result.hits and not result.answered
    assert searcher.search("四个机关指的是哪四个机关", top=5).answered


def test_a_recipient_asked_with_who_may_be_a_body(analyzer) -> None:
    """报给谁, 归谁管, 在谁的领导下, 替谁: official writing names a body or a place there as often as a person."""
    for question in (
        "十八条说重大问题报给谁",
        "另一边还归谁管",
        "始终在谁的领导下干",
        "评议结果交给谁",
        "总书记是替谁的高质量发展作的部署",  # 为江苏乃至全国的高质量发展
    ):
        assert _asked(analyzer, question) is None, question
    # A person is still asked for where 谁 is the subject, including after 现在 (not the preposition 在).
    for question in ("丹徒区人大现在谁当家", "谁主持的会议", "市人大常委会主任是谁"):
        asked = _asked(analyzer, question)
        assert asked is not None and asked.kind == "who", question


def test_a_count_of_a_compound_is_answered_by_its_head_word(analyzer, searcher) -> None:
    """「无锡市人大代表有多少名」: 004's 无锡 report says 「8300 余名代表」, dropping the qualifier 人大."""
    assert _states(analyzer, "8300 余名代表按照四个方面要求", "无锡市人大代表有多少名")
    assert not _states(analyzer, "代表们积极参加学习，深入基层走访群众", "无锡市人大代表有多少名")
    result = searcher.search("无锡市人大代表有多少名", top=3)
    assert result.answered and "8300" in result.hits[0].text


def test_a_post_asked_for_needs_a_title_beside_the_name(analyzer, searcher) -> None:
    """「张伟清在市人大是啥职务」 is answered by 「二级巡视员张伟清」, not by 「张伟清出席会议」."""
    office = _asked(analyzer, "张伟清在市人大是啥职务")
    assert office is not None and office.kind == "office" and office.focus == ("张伟清",)
    assert _states(analyzer, "副主任岳卫平、张红娣，二级巡视员张伟清参加座谈调研", "张伟清在市人大是啥职务")
    assert not _states(analyzer, "市人大常委会召开会议，张伟清出席会议并讲话。", "张伟清在市人大是啥职务")
    # A name in a clause before the question, with only 同志 beside it in the text, is not given a post.
    assert _asked(analyzer, "马明龙讲话里提到的喻海同志，是什么职务").focus == ("喻海",)
    first = searcher.search("张伟清在市人大是啥职务", top=3)
    assert first.answered and "二级巡视员张伟清" in first.hits[0].text
    assert not searcher.search("马明龙讲话里提到的喻海同志，是什么职务", top=3).answered


def test_a_school_asked_for_is_an_organisation_named(analyzer) -> None:
    question = "无锡那个地方立法研究基地，是跟哪所高校合建的"
    assert _asked(analyzer, question).kind == "org"
    assert _states(analyzer, "市人大常委会与江南大学合建地方立法研究基地", question)
    assert not _states(analyzer, "市人大常委会合建地方立法研究基地，推进科学立法", question)


def test_a_meeting_asked_for_must_be_named_with_the_act(analyzer) -> None:
    question = "两院行实施意见起草，李健是在哪个会上专门研究的"
    assert _asked(analyzer, question).kind == "meeting"
    assert _states(analyzer, "今年3月份，主任李健在主任办公会上专题研究《实施意见》起草工作。", question)
    assert not _states(analyzer, "今年3月份，主任李健专题研究《实施意见》起草工作。", question)
    venue = _asked(analyzer, "那堂专题党课具体在哪个会场讲的")
    assert venue.kind == "venue"  # a room, not a meeting
    assert _states(analyzer, "王安顺在市人大机关第一会议室为党员讲授专题党课。", "王安顺那堂专题党课在哪个会议室讲的")
    assert not _states(analyzer, "王安顺为党员干部讲授专题党课。", "王安顺那堂专题党课在哪个会议室讲的")


def test_a_name_asked_for_must_be_given(analyzer) -> None:
    question = "无锡搞数字人大打造的那个线上平台，具体叫啥名字"
    assert _asked(analyzer, question).kind == "name"
    assert _states(analyzer, "打造“智慧人大”线上平台，方便代表履职。", question)
    assert not _states(analyzer, "打造线上平台，方便代表履职。", question)
    # The question's own quotation is not the name it asks for; a contents entry is a title.
    assert not _states(analyzer, "打造“数字人大”线上平台。", "“数字人大”那个线上平台叫啥名字")
    assert _states(analyzer, "47 坚持政治引领不动摇 聚焦重点提质效", "京口那篇交流稿，题目叫啥", context="目录")


def test_a_speaker_named_chooses_the_documents_that_name_him(searcher) -> None:
    """徐劼 is named only in his own speech (000): a question naming him is answered from it first."""
    result = searcher.search("对内对外都得拧成一股绳，徐劼那段最后要凝成个啥样的劲儿", top=3)
    assert result.answered and result.hits[0].doc_id.startswith("000")
    # Not answered by another speaker's words: 马明龙 spoke in 镇江, and no 无锡 paragraph names him.
    other = searcher.search("马明龙在无锡讲了什么", top=3)
    assert not other.answered and not any(h.doc_id.startswith("000") and h.rank == 1 for h in other.hits)


def test_a_handful_is_answered_by_items_following_what_was_done_with_them(analyzer) -> None:
    """ "组织代表参加了几类活动": the items listed right after the act (参加执法检查、视察调研…) are the ones to count."""
    listed = "组织代表参加执法检查、视察调研,列席常委会会议代表座谈会等,引导代表深入群众。"
    assert _asked(analyzer, "组织代表参加了几类活动").act == "参加"
    assert _states(analyzer, listed, "组织代表参加了几类活动")
    assert not _states(analyzer, "组织代表参加执法检查,引导代表深入群众。", "组织代表参加了几类活动")
    # 几方面的创新: 方面 is the measure word, 创新 what is counted, and items ending in it list them.
    asked = _asked(analyzer, "推进了几方面的创新")
    assert (asked.unit, asked.focus) == ("方面", ("创新",))
    assert _states(analyzer, "不断推进代表工作机制创新、平台创新和服务创新。", "推进了几方面的创新")


def test_several_before_another_question_word_is_not_what_is_asked(analyzer) -> None:
    """几 is "several" when a question word follows it: that word asks, and no figure is demanded."""
    assert _asked(analyzer, "那几条希望里，最后一条是要给哪儿作贡献") is None
    assert _asked(analyzer, "几位先进代表发完言，让人看到了啥样的精气神") is None
    assert _asked(analyzer, "代表小组一共有几个").kind == "count"


def test_a_full_name_asked_for_is_a_document_title_written_without_quotes(analyzer) -> None:
    """ "…的办法，全名叫啥": 全名 is the word for what is asked, the thing named is before it, and official
    text names a document as 关于…的实施办法 without 《》."""
    question = "南通出的全省首部民生实事全链条监督的办法，全名叫啥"
    asked = _asked(analyzer, question)
    assert asked.kind == "name" and "全名" not in asked.focus and "办法" in asked.focus
    titled = "南通市人大常委会推出全省首部关于加强民生实事项目全链条监督和全过程人民民主的实施办法。"
    assert _states(analyzer, titled, question)
    assert not _states(analyzer, "南通市人大常委会推出全省首部民生实事全链条监督办法。", question)


def test_which_leader_was_there_is_answered_by_a_name_attending(analyzer) -> None:
    """哪位领导到场 / 跟着去了: the chronicle names the leader attending, with no title and another verb."""
    question = "环资城建委跟对口部门座谈那回，是哪位领导到场"
    assert _states(analyzer, "市人大常委会召开环资城建委组成人员和对口联系部门座谈会，胡宗元出席会议并讲话。", question)
    # A surname segmentation cut off an unknown name (胡|敷成) still makes the name.
    other = "京口三组调研传统企业智改数转，哪位领导跟着去了"
    assert _states(analyzer, "市人大代表京口三组调研传统企业“智改数转”工作，胡敷成参加活动。", other)
    assert not _states(analyzer, "市人大代表京口三组调研传统企业“智改数转”工作。", other)


def test_a_name_counts_as_given_whatever_quotes_or_brackets_the_text_puts_in_it() -> None:
    from retrieval.search import _names

    text = fold("率先推出基层“家站点”二维码,6个市(区)人大常委会同台答题")
    assert _names(("家站点二维码",), text) and _names(("6个市区",), text)
    assert not _names(("7个市区",), text)


def test_a_common_word_a_numeral_opens_is_no_numbered_formula(searcher) -> None:
    """二维码 is not two 维码, 五花八门 not five 花: jieba's own words, unlike the corpus's formulas."""

    def names(question: str) -> list[str]:
        return [name for name, _ in searcher.formulas(fold(question))]

    assert names("家站点二维码一码通是为了啥") == []
    assert names("打官司想要的东西越来越五花八门") == []
    assert names("四个机关指的是哪四个机关") == ["四个机关"]
    assert names("三破三立中的三破是什么") != []
    assert names("人大工作的五个一工程是指什么") != []  # a numeral with 个 always counts


def test_a_label_that_is_one_member_of_a_list_does_not_have_that_list_for_items() -> None:
    from retrieval.signals import asks_items_of, label_formula, lists_items

    label = label_formula("三个年")
    assert label is not None
    member = fold("如东“五聚焦五争先”活动、启东“六六行动”、海门“8+N”及“三个年”活动等区域人大工作品牌开展得有声有色")
    assert not lists_items(member, label)
    assert lists_items(fold("开展“三个年”活动：作风建设年、能力提升年、服务提质年"), label)
    # The items before a label that sums them up still count (敢为、敢闯、敢干的“三敢”).
    three = label_formula("三敢")
    assert three is not None and lists_items(fold("弘扬敢为、敢闯、敢干的“三敢”精神"), three)
    # 是哪三个年 asks for the items, though the name stands inside the asking words.
    assert asks_items_of(fold("南通海门那个“三个年”活动,是哪三个年"), label)


def test_who_holds_a_title_is_answered_by_that_body_s_holder_only(analyzer) -> None:
    """组织部部长 is not 统战部部长, a 第二党支部书记 not a 党组书记; a place or level before the title is
    left to the place rules (镇江市长 answered by 市长徐曙海)."""
    text = "市委书记马明龙出席会议并讲话。市委副书记、市委统战部部长巩海滨出席会议。"
    assert not _states(analyzer, text, "镇江市委组织部部长叫啥名")
    assert _states(analyzer, "市委常委、组织部部长王伟出席会议。", "镇江市委组织部部长叫啥名")
    assert not _states(analyzer, "市人大常委会党组书记、主任李健出席会议", "市人大常委会机关第二党支部书记是谁")
    assert _states(analyzer, "市委副书记、市长徐曙海主持会议。", "镇江市长是谁")
    assert _states(analyzer, text, "镇江市委统战部部长是谁")
