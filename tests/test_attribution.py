"""Who said it: reported speakers, bylines of speeches, unsigned documents."""

from __future__ import annotations

from conftest import doc

from retrieval.attribution import Speeches, Statement, attribute, statements


def test_a_news_item_names_who_spoke_and_who_presided(library) -> None:
    magazine = doc(library, "003")
    opening = next(p for p in magazine.paragraphs if not p.printed)  # the news item under the masthead
    found = attribute(magazine, opening)
    assert Statement("市委书记马明龙", "讲话") in found.statements
    assert Statement("市委副书记、市长徐曙海", "主持") in found.statements
    assert found.lines("主持")[0] == "市委副书记、市长徐曙海主持会议（本段所述）"


def test_a_speech_paragraph_is_attributed_to_its_speaker_with_the_date(library) -> None:
    bulletin = doc(library, "000")
    found = attribute(bulletin, bulletin.paragraphs[8])
    assert found.byline == "徐劼" and found.speech
    assert found.lines()[-1].startswith("讲话：徐劼（凝心聚力") and found.lines()[-1].endswith("，2023年3月7日）")
    magazine = doc(library, "003")
    speech = next(p for p in magazine.paragraphs if p.article >= 0 and magazine.articles[p.article].author == "马明龙")
    assert attribute(magazine, speech).byline == "马明龙"


def test_an_anonymised_speech_is_said_to_be_unsigned(library) -> None:
    speech = doc(library, "001")
    lines = attribute(speech, speech.paragraphs[3]).lines()
    assert lines and "未署名" in lines[-1]


def test_an_editors_note_is_unsigned_not_credited_to_the_first_report(library) -> None:
    news = doc(library, "004")
    said = attribute(news, news.paragraphs[0])
    assert said.byline == "未署名" and said.title == "编者按"
    assert not any("南京" in line for line in said.lines())
    assert attribute(news, news.paragraphs[2]).byline == "南京市人大常委會研究室"


def test_statements_read_office_and_name_and_skip_plain_sentences() -> None:
    assert statements("区委书记徐心田同志就做好全区人大工作作了讲话。") == (Statement("区委书记徐心田", "讲话"),)
    assert statements("6日 李健召开群众诉求工作专题座谈会并提出要求，岳卫平主持会议。") == (
        Statement("岳卫平", "主持"),
    )
    assert statements("会议要求，各区人大要扎实做好代表建议督办工作。") == ()


def test_a_question_about_what_someone_said_finds_their_speech_and_its_headings(library) -> None:
    speeches = Speeches(library.documents)
    (ma,) = speeches.asked("马明龙讲了哪几个方面")
    assert ma.title == "在市委人大工作会议上的讲话" and ma.date == "2022-05-31"
    assert [h[:2] for h, _ in ma.headings] == ["一、", "二、", "三、", "四、"]
    (xu,) = speeches.asked("徐劼讲话的主要内容是什么")
    assert xu.doc_id.startswith("000") and len(xu.headings) == 3
    assert speeches.asked("马明龙是谁") == []  # not a question about what he said
    assert speeches.asked("市委书记马明龙出席会议并讲话") == []  # a report that he spoke, not a question


def test_a_question_about_one_of_several_speeches_gets_that_ones_outline_only(library) -> None:
    speeches = Speeches(library.documents)
    magazine = doc(library, "003")
    li_jian = [i for i, a in enumerate(magazine.articles) if a.author.replace(" ", "") == "李健"]
    outlined = speeches.asked("李健讲了哪几个方面")
    assert outlined and all(o.who == "李健" and o.headings for o in outlined)
    # The best passage stands in a speech of his without headings (the 法检两院行 mobilisation):
    # no other speech's outline heads the reply.
    plain = next(i for i in li_jian if (magazine.doc_id, i) not in {(o.doc_id, o.article) for o in outlined})
    assert speeches.asked("李健在法检两院行动员大会上讲了什么", best=lambda: (magazine.doc_id, plain)) == []
    # In a speech with headings: that one alone.
    first = outlined[0]
    assert speeches.asked("李健讲了什么", best=lambda: (first.doc_id, first.article)) == [first]
    # In someone else's article: every speech of his with headings, as before.
    assert speeches.asked("李健讲了哪几个方面", best=lambda: (magazine.doc_id, -1)) == outlined


def test_a_noun_phrase_is_not_a_speaker_and_co_authors_stay_apart(library) -> None:
    from retrieval.excerpt import author_names

    # 重要讲话 alone is what was said, not an act; a clause opening with 是/把 names nobody.
    assert statements("这是对习近平总书记重要讲话精神的贯彻落实。") == ()
    assert statements("把学习贯彻总书记重要讲话作为首要政治任务。") == ()
    assert statements("习近平总书记发表重要讲话。") == (Statement("习近平总书记", "讲话"),)
    assert author_names("李 健") == "李健" and author_names("許君璞 應秀梅") == "許君璞、應秀梅"
    news = doc(library, "004")
    nantong = next(p for p in news.paragraphs if news.articles[p.article].title == "南通市")
    assert attribute(news, nantong).byline == "許君璞、應秀梅"
