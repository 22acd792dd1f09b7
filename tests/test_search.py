"""Queries, phrases, filters, excerpts and citations."""

from __future__ import annotations

import pytest

from retrieval.analysis import fold
from retrieval.excerpt import MAX_EXCERPT, citation
from retrieval.search import MAX_QUERY_CHARS, QueryError, Searcher, longest_common_run


def test_fact_question_is_answered_with_a_citation(searcher) -> None:
    result = searcher.search("依托代表小组成立了多少个党支部", top=3)
    top = result.hits[0]
    assert "依托市人大代表小组成立19个党支部" in top.text
    assert top.citation.startswith("《民主法治建設》2022年第6期 › 市人大常委会党组关于开展")
    assert top.citation.endswith(f"第{top.paragraph}段")
    assert top.doc_id.startswith("003") and top.section.endswith("二、组织体系")


def test_traditional_and_full_width_queries_match(searcher) -> None:
    simplified = searcher.search("无锡市设立了什么民主实践平台", top=1).hits[0]
    traditional = searcher.search("無錫市設立了什麼民主實踐平臺", top=1).hits[0]
    assert simplified.position == traditional.position
    assert "議事廳" in traditional.text  # shown in the document's own script
    assert (
        searcher.search("１３２、找代表", top=1).hits[0].position
        == searcher.search("132、找代表", top=1).hits[0].position
    )


def test_quoted_phrase_is_an_exact_lookup(searcher, library) -> None:
    result = searcher.search("“人民选我当代表”", top=10)
    assert result.hits
    assert all("人民选我当代表" in fold(h.text) for h in result.hits)
    assert len(result.hits) == len(library.find_phrase("人民选我当代表"))
    assert result.answered


def test_a_quotation_not_in_the_corpus_is_ranked_by_closeness(searcher) -> None:
    # Half-remembered: the text says 有错必纠, the writer remembers 有错必改.
    result = searcher.search("备案审查那个“有件必备、有备必审、有错必改”", top=3)
    assert "有件必备、有备必审、有错必纠" in fold(result.hits[0].text)
    assert result.answered and result.query.inexact == ["有件必备、有备必审、有错必改"]
    assert any("完全一致" in n for n in result.query.notices)
    made_up = searcher.search('"没有这样一个短语存在"')
    assert not made_up.answered and made_up.query.inexact


def test_a_precise_sentence_inside_a_long_paragraph_wins(library) -> None:
    from retrieval.search import Searcher

    question = "刚调到人大的同志心态上要注意什么"
    with_passages = Searcher(library).search(question, top=1).hits[0]
    assert "失落感" in with_passages.text or "优越感" in with_passages.text
    # The excerpt shows the window that answers, not the paragraph's opening.
    assert "失落" in with_passages.excerpt or "优越" in with_passages.excerpt


def test_lead_in_subject_is_inherited(searcher, library) -> None:
    hit = searcher.search("句容人大的一统领是什么", top=1).hits[0]
    assert fold(hit.text).startswith("一统领:")
    # The item never names what it is an item of: the lead-in before it does.
    assert "一统领、两覆盖、三规范" in library.context(hit.position)
    assert "一统领、两覆盖、三规范" not in fold(hit.text)


def test_byline_place_is_inherited(searcher, library) -> None:
    from retrieval.context import paragraph_contexts

    (danyang,) = [d for d in library.documents if d.doc_id.startswith("003")]
    contexts = paragraph_contexts(danyang)
    article = next(i for i, a in enumerate(danyang.articles) if a.author.startswith("丹阳市"))
    own = [c for p, c in zip(danyang.paragraphs, contexts, strict=True) if p.article == article]
    assert own and all("丹阳市" in c for c in own)
    hit = searcher.search("丹阳人大调研库里放了多少课题", top=3)
    assert any(danyang.paragraphs[h.paragraph - 1].article == article for h in hit.hits if h.doc_id == danyang.doc_id)


def test_a_speaker_named_by_the_question_is_read_from_the_bylines(searcher, library, monkeypatch) -> None:
    """“李健讲…”: the paragraph of his own speech answers, not the city's document on the same duty.

    李健 is in no dictionary; the bylines the structure recovered say he signs articles.
    """
    import retrieval.search as search_module
    from retrieval.question import entities

    signers = searcher.signers()
    assert {"李健", "马明龙", "徐劼"} <= signers and "未署名" not in signers
    words = library.analyzer.words(fold("李健讲人大选举任免要做到什么"))
    assert entities(words, people_need_title=True, subjects=searcher.subjects()) == ()
    assert ("李健",) in entities(words, people_need_title=True, subjects=searcher.subjects(), signers=signers)

    def first() -> str:
        return Searcher(library).search("李健讲人大选举任免要做到什么", top=3).hits[0].citation

    assert "（李健）" in first()
    # Without the inherited subject, the 市委 document on 选举任免 (no byline of his) comes first.
    monkeypatch.setattr(search_module, "SUBJECT_WEIGHT", 0.0)
    assert "（李健）" not in first()


def test_a_one_speech_document_lends_its_title_to_every_paragraph(searcher, library) -> None:
    from retrieval.context import paragraph_contexts

    (speech,) = [d for d in library.documents if d.doc_id.startswith("002")]
    assert all("动员会" in c for c in paragraph_contexts(speech))
    # "四个机关动员会" names 002's title, not the 000 speech that also speaks of 四个机关 at a 动员会.
    hit = searcher.search("四个机关动员会说紧跟市委部署，要在哪两个里头找切入点", top=1).hits[0]
    assert hit.doc_id.startswith("002") and "切入点" in hit.text
    # A title the reader compiled ("标题系整理") is no title of the text's own.
    (compiled,) = [d for d in library.documents if d.doc_id.startswith("001")]
    assert compiled.derived_title and not any(fold(compiled.title) in c for c in paragraph_contexts(compiled))


def test_news_items_are_named_by_their_byline_place(library) -> None:
    (news,) = [d for d in library.documents if d.doc_id.startswith("004")]
    titles = [news.articles[p.article].title for p in news.paragraphs]
    assert titles[2] == "南京市"
    assert "連云港市" in titles and "云港市" not in titles
    # The source line in brackets is the item's byline, and the citation shows it.
    xuzhou = next(p for p in news.paragraphs if news.articles[p.article].title == "徐州市")
    assert "徐州市（吳迪）" in citation(news, xuzhou)
    # The editor's note that opens the issue is the editors', not 南京's: 南京's report begins where it names 南京.
    assert titles[:3] == ["编者按", "编者按", "南京市"] and news.paragraphs[2].text.startswith("南京市各級人大")
    assert news.articles[0].author == "" and "› 编者按 › 第1段" in citation(news, news.paragraphs[0])


def test_citations_shorten_the_title_but_keep_byline_and_date(library) -> None:
    (magazine,) = [d for d in library.documents if d.doc_id.startswith("003")]
    p = next(
        p for p in magazine.paragraphs if p.article >= 0 and magazine.articles[p.article].title.startswith("把人民")
    )
    cite = citation(magazine, p)
    assert "…（李健，2022年6月2日）" in cite
    (bulletin,) = [d for d in library.documents if d.doc_id.startswith("000")]
    assert "（徐劼，2023年3月7日）" in citation(bulletin, bulletin.paragraphs[5])


def test_untitled_documents_get_a_derived_title_and_unsigned_speeches_say_so(library) -> None:
    docs = {d.doc_id[:3]: d for d in library.documents}
    speech, feature, titled = docs["001"], docs["004"], docs["002"]
    assert speech.derived_title and speech.title.startswith("讲话：") and "日期不详" in speech.title
    assert speech.label.endswith("〔标题系整理〕") and "《" not in speech.label
    assert speech.author == "未署名"
    assert feature.derived_title and "牢記囑托、感恩奮進" in feature.title and "2023年12月8日" in feature.title
    assert not titled.derived_title and titled.label == "《在市人大常委会“四个机关”建设动员会上的讲话》"
    assert "（未署名，2024年1月12日）" in citation(titled, titled.paragraphs[0])


def test_a_reprinted_official_notice_is_its_own_article(library) -> None:
    (magazine,) = [d for d in library.documents if d.doc_id.startswith("003")]
    notices = [a for a in magazine.articles if a.title.startswith("关于") and "丽水" in a.title]
    assert [a.author for a in notices] == ["中共丽水市人大代表联络委员会", "中共丽水市人大常委会党组"]
    for p in magazine.paragraphs:
        assert not any("丽水" in part and "文件" in part for part in p.section)  # never a heading of Zhenjiang's
    headings = [e.text for e in magazine.outline if e.kind == "heading"]
    assert not any(h.endswith(("、", "—")) for h in headings)  # list items and blanks are not headings


def test_an_official_head_is_printed_with_the_notice_below_it(library) -> None:
    """The masthead and file number stand above the notice's title, not after the notice before it."""
    (magazine,) = [d for d in library.documents if d.doc_id.startswith("003")]
    (notice,) = [a for a in magazine.articles if a.author == "中共丽水市人大常委会党组"]
    index = magazine.articles.index(notice)
    (head,) = [p for p in magazine.paragraphs if p.printed and "丽人常发〔2022〕7号" in p.text]
    assert "中共丽水市人大常委会党组文件" in head.text and notice.title in head.text
    assert head.article == index and head.number == notice.first_paragraph


@pytest.mark.parametrize(
    "question",
    ["北京市人大常委会主任是谁", "杭州人大代表联络站一共建了多少个", "赵乐际委员长对地方人大提了什么要求"],
)
def test_questions_the_corpus_does_not_answer_say_so(searcher, question: str) -> None:
    result = searcher.search(question, top=3)
    assert result.hits  # the closest passages are still offered, as related
    assert not result.answered


@pytest.mark.parametrize(
    "question",
    ["依托代表小组成立了多少个党支部", "四个机关指的是哪四个机关", "無錫市設立了什麼民主實踐平臺", "流浪星球"],
)
def test_answerable_questions_stay_answered(searcher, question: str) -> None:
    assert searcher.search(question, top=3).answered


def test_verbatim_run_outranks_scattered_words(searcher) -> None:
    hit = searcher.search("人大不是二线，是全过程人民民主建设的第一线", top=1).hits[0]
    assert "是全过程人民民主建设的第一线" in fold(hit.text)


def test_formula_question_prefers_the_enumeration(searcher) -> None:
    text = fold(searcher.search("四个机关指的是哪四个机关", top=1).hits[0].text)
    assert "政治机关" in text and "国家权力机关" in text and "工作机关" in text and "代表机关" in text


def test_excerpt_is_short_marked_and_verbatim(searcher) -> None:
    for q in ("法规草案提请表决前提前多少天征求市委常委意见", "流浪星球", "泰州有多少名人大代表"):
        for hit in searcher.search(q, top=3).hits:
            assert len(hit.excerpt) <= MAX_EXCERPT + 2
            inner = hit.excerpt.strip("…")
            assert inner in hit.text  # the paragraph's own words
            assert hit.marks and all(0 <= s < e <= len(hit.excerpt) for s, e in hit.marks)
            if not hit.excerpt.startswith("…"):
                assert hit.text.startswith(inner)


def test_excerpt_marks_cover_query_terms(searcher) -> None:
    hit = searcher.search("流浪星球", top=1).hits[0]
    assert any(hit.excerpt[s:e] == "流浪星球" for s, e in hit.marks)
    assert hit.excerpt.startswith("…")  # the paragraph is longer than the excerpt


def test_doc_filter_and_year_filter(searcher) -> None:
    result = searcher.search("doc:002 四个机关", top=10)
    assert result.hits and {h.doc_id[:3] for h in result.hits} == {"002"}
    assert result.query.filters
    by_name = searcher.search("doc:无锡人大通报 四个机关", top=5)
    assert {h.doc_id[:3] for h in by_name.hits} == {"000"}
    year = searcher.search("2022年 人大工作会议 召开", top=10)
    # 003 is of 2022; 001 has no date ("日期不详") and may be of any year; 000 (2023) and 002 (2024) are out.
    assert year.query.year == "2022" and {h.doc_id[:3] for h in year.hits} <= {"003", "001"}
    undated = searcher.search("四点意见那篇讲话说2022年是市里第几届人大常委会的开局之年", top=1)
    assert undated.query.year == "2022" and undated.hits[0].doc_id[:3] == "001"
    assert "开局之年" in undated.hits[0].text
    # A paragraph of a later document that speaks of the year is kept: 000 (2023) looks back on 2022.
    back = searcher.search("2022年对无锡这一届人大常委会来说算个啥年头", top=3)
    assert back.query.year == "2022" and "开局之年" in back.hits[0].text and back.hits[0].doc_id.startswith("000")
    assert all("2022" in h.text or h.doc_id[:3] in {"003", "001"} for h in back.hits)
    # The year of a file number names the document, it does not choose the year.
    numbered = searcher.search("丽委办〔2021〕10号是什么文件", top=3)
    assert numbered.query.year == "" and not numbered.query.filters
    with pytest.raises(QueryError, match="没有找到文档"):
        searcher.search("doc:nonexistent 人大")
    # Typed full width, as a Chinese keyboard gives it: the same filter.
    for typed in ("ｄｏｃ：００２ 四个机关", "ＤＯＣ:002 四个机关"):
        wide = searcher.search(typed, top=10)
        assert wide.query.filters and {h.doc_id[:3] for h in wide.hits} == {"002"}


def test_notices_quote_a_long_input_briefly(searcher) -> None:
    """A 6,000-character quotation or document name is not echoed whole in the notice."""
    result = searcher.search("“" + "人民" * 3000 + "”", top=3)
    assert any("共 6000 字" in n for n in result.query.notices)
    assert all(len(n) < 200 for n in result.query.notices)
    with pytest.raises(QueryError) as raised:
        searcher.search("doc:" + "测" * 5000 + " 人大")
    assert len(str(raised.value)) < 200


@pytest.mark.parametrize("query", ["", "   ", "？！。，", "...", "“”"])
def test_empty_or_punctuation_queries_are_refused(searcher, query: str) -> None:
    with pytest.raises(QueryError):
        searcher.search(query)


def test_very_long_query_is_cut_with_a_notice(searcher) -> None:
    result = searcher.search("人民代表大会制度" * 2000, top=1)
    assert result.query.notices and len(result.query.raw) == MAX_QUERY_CHARS


def test_no_hits_suggests_corpus_terms(searcher) -> None:
    result = searcher.search("量子计算机", top=3)
    assert result.hits == []
    assert 1 <= len(result.suggestions) <= 5
    index = searcher.lib.index
    for word in result.suggestions:
        assert index.df(word) > 0 and len(word) >= 2  # words the corpus uses …
        assert set(word) & set("量子计算机")  # … that share a character with the query
    assert "质量" in result.suggestions  # the commonest corpus word with half its characters in the query


def test_suggestions_come_from_the_commonest_terms_of_a_large_vocabulary(library, monkeypatch) -> None:
    """A real million-paragraph vocabulary holds 481,155 terms: only the commonest are compared with the query."""
    import retrieval.search as search_module

    everything = Searcher(library).search("量子计算机", top=3).suggestions
    monkeypatch.setattr(search_module, "SUGGEST_TERMS", 200)
    few = Searcher(library)
    common = few._suggestable()
    assert len(common) == 200 and all(len(t) >= 2 for t in common)
    index = library.index
    least = min(index.df(t) for t in common)
    rarer = [t for t in index.vocab if len(t) >= 2 and t not in set(common)]
    assert rarer and max(index.df(t) for t in rarer) <= least  # the 200 kept are the commonest
    suggested = few.search("量子计算机", top=3).suggestions
    assert suggested and set(suggested) <= set(common)
    assert "质量" in suggested and "质量" in everything  # the commonest match is suggested either way


def test_neighbours_and_occurrences(searcher) -> None:
    around = searcher.context("003_deb3f2e9e80aa41f", 10, 1)
    assert [p.number for p in around] == [9, 10, 11]
    assert [p.number for p in searcher.context("003_deb3f2e9e80aa41f", 1, 2)] == [1, 2, 3]
    occ = searcher.occurrences("四个机关")
    dates = [searcher._year_of(p) for _, p, _ in occ]
    dated = [d for d in dates if d]
    assert dated == sorted(dated) and dates[: len(dated)] == dated  # undated documents come last
    assert len({d.doc_id for d, _, _ in occ}) >= 3


def test_longest_common_run() -> None:
    assert longest_common_run("abcxyz", "zzabcq") == (3, "abc")
    assert longest_common_run("", "abc") == (0, "")


def test_answer_must_share_a_clause_with_the_question() -> None:
    import re as _re

    from retrieval.signals import answer_pattern, answers_in_clause, counted_noun

    date = answer_pattern("会议是哪天召开的")
    assert date is not None and date[0] == "date"
    assert answers_in_clause("5月31日,市委人大工作会议召开。", date, ["市委人大工作会议"])
    assert answers_in_clause("5月31日召开的镇江市委人大工作会议,号召全市上下。", date, ["市委人大工作会议"])
    assert not answers_in_clause("贯彻市委人大工作会议精神,6月2日,新区召开党工委会议。", date, ["市委人大工作会议"])
    assert not answers_in_clause("5月31日,市委召开常委会。市委人大工作会议另行安排。", date, ["市委人大工作会议"])
    # Every occurrence of the matched words counts, not only the first (which may be another event's).
    anchor = ["人大工作会议"]
    assert answers_in_clause("贯彻市委人大工作会议精神,6月2日,新区召开党工委人大工作会议。", date, anchor)
    # A date may follow the subject inside its own clause ("X于5月31日召开"), not across a comma.
    assert answers_in_clause("市委人大工作会议于5月31日召开。", date, ["市委人大工作会议"])
    assert not answers_in_clause("市委人大工作会议精神,6月2日新区也召开了会议。", date, ["市委人大工作会议"])
    count = answer_pattern("成立了多少个党支部")
    assert count is not None and count[0] == "count" and isinstance(count[1], _re.Pattern)
    assert answers_in_clause("依托市人大代表小组成立19个党支部(解放军代表除外)", count, ["党支部"])
    assert answer_pattern("四个机关有哪些") is None
    # The count of exactly what is asked stands right before its noun; words between may narrow it.
    counted = counted_noun("泰州有多少名人大代表")
    assert counted is not None and counted.search("泰州市各级人大和7200多名人大代表认真学习")
    assert not counted.search("组织全市7200多名各级人大代表开展大学习")
    assert counted_noun("开了几次会") is None  # no noun of two characters follows the measure word
    define = answer_pattern("一统领是什么")
    assert define is not None and define[0] == "define"
    assert answers_in_clause("一统领:坚持以政治建设为统领。", define, ["统领", "一统领"])
    assert not answers_in_clause("将坚持“一统领、两覆盖”工作机制。", define, ["一统领"])


def test_date_question_prefers_the_date_of_the_event_asked_about(searcher) -> None:
    texts = [h.text for h in searcher.search("镇江市委人大工作会议是哪天召开的", top=3).hits]
    assert any(t.startswith("5月31日，市委人大工作会议召开") for t in texts)
    assert not any("6月2日，镇江新区召开" in t for t in texts)


def test_a_formula_with_one_wrong_character_is_found_with_a_notice(searcher) -> None:
    from retrieval.spelling import TermMatcher, within_one_edit

    assert within_one_edit("三看三促近", "三看三促进") and within_one_edit("双周五微论", "双周五微论坛")
    assert not within_one_edit("三看三促进", "三看三促进") and not within_one_edit("三看", "三看三促进")
    assert TermMatcher(["三看三促进", "一要点四计划"]).near("法检两院行的三看三促近") == [("三看三促近", "三看三促进")]
    plain = searcher.search("三看三促近", top=3)
    assert any("三看三促进" in n for n in plain.query.notices)
    assert "三看三促进" in fold(plain.hits[0].text)
    quoted = searcher.search("“双周五微论谈”", top=3)
    assert quoted.query.phrases == ["双周五微论坛"] and quoted.answered
    assert all("双周五微论坛" in fold(h.text) for h in quoted.hits)
    both = searcher.search("一要点三计划", top=3)
    assert any("一要点四计划" in n and "一要点五计划" in n for n in both.query.notices)
    # Words the corpus itself writes are never "corrected".
    assert not any("你是不是" in n for n in searcher.search("一委一品牌基层有特色").query.notices)


def test_excerpt_shows_the_typed_wording(searcher) -> None:
    hit = searcher.search("一委一品牌基层有特色", top=1).hits[0]
    assert "一委一品牌、基层有特色" in hit.excerpt
    quote = searcher.search("“人民选我做代表”", top=1).hits[0]
    assert "人民选我当代表" in fold(quote.excerpt)


def test_printed_lines_answer_only_questions_about_them(searcher, library) -> None:
    """A title, byline or file number is a paragraph (标题署名图注) that only a question about it gets."""
    asked = searcher.search("丽水人大常委会党组发的那份成立支部的通知，标题全称是啥", top=3)
    top = asked.hits[0]
    assert top.section.endswith("标题署名图注") and "关于成立丽水市共产党代表小组" in top.text
    # The same words without asking about the title: the text answers, never the printed lines.
    plain = searcher.search("丽水成立共产党代表小组功能型党支部", top=10)
    assert plain.hits and not any(h.section.endswith("标题署名图注") for h in plain.hits)


def test_a_formula_named_in_a_title_is_counted_where_the_text_says_it(searcher, library) -> None:
    """/phrase counts occurrences in the text: a title naming the formula is not one more."""
    printed = [pos for pos, _ in library.find_phrase(fold("四项职权")) if library.printed(pos)]
    assert printed  # 市人大常委会政治建设统领「四项职权」十八条 is printed as a title
    listing = searcher.phrase_listing("四项职权")
    assert listing.occurrences == len(library.find_phrase(fold("四项职权"))) - len(printed)
    assert not any(h.section.endswith("标题署名图注") for h in listing.hits)


def test_a_paragraph_inherits_what_its_article_says_elsewhere(tmp_path, monkeypatch) -> None:
    """“讲三点意见的那篇”: the speech is named by its opening, and the paragraph that answers does not repeat it."""
    import retrieval.search as search_module
    from retrieval.library import Library
    from retrieval.search import Searcher

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "speech.txt").write_text(
        "在全市人大工作会议上的讲话\n\n今天我讲三点意见，请大家抓好落实。\n\n"
        "要加强区域协同立法，推进长三角立法协作，形成合力。\n\n要加强人大监督，增强监督刚性。\n",
        encoding="utf-8",
    )
    (corpus / "report.txt").write_text(
        "代表工作简报\n\n领导讲话要求，要加强协同立法，提高立法质量。\n\n代表小组开展视察活动。\n", encoding="utf-8"
    )
    lib = Library.open(corpus, tmp_path / "cache")
    question = "讲三点意见的那篇讲话说要加强什么立法"

    def order() -> list[str]:
        hits = Searcher(lib).search(question, top=5).hits
        return [h.doc_id for h in hits if "协同立法" in h.text]

    # The speech's paragraph outranks the other document's, which shares its words and says 讲话 itself.
    assert order() == ["speech", "report"]
    # Without the article's evidence the other document's paragraph wins on its words alone.
    monkeypatch.setattr(search_module, "ARTICLE_WEIGHT", 0.0)
    assert order() == ["report", "speech"]
