"""Conversations as a person means them: courtesies, who said it, follow-ups that keep the topic, speeches."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.engine import Engine
from bot.messages import Incoming
from bot.render import marked


@pytest.fixture
def engine(tmp_path: Path, library) -> Engine:
    eng = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    yield eng
    eng.store.close()


def ask(engine: Engine, text: str, chat: int = 5, chat_type: str = "private", **kw) -> list:
    return asyncio.run(engine.handle_message(Incoming(chat, 5, text, chat_type=chat_type, **kw)))


def test_thanks_get_a_short_reply_in_private_and_none_in_a_group(engine) -> None:
    ask(engine, "四个机关指的是哪四个机关")
    (reply,) = ask(engine, "好的，谢谢")
    assert reply.html == "不客气。有问题随时发给我。" and not reply.buttons
    ask(engine, "/ask 四个机关指的是哪四个机关", chat=-100, chat_type="group")
    assert ask(engine, "好的，谢谢", chat=-100, chat_type="group", reply_to_bot=True) == []


def test_who_presided_is_answered_from_the_passage_on_screen(engine) -> None:
    (first,) = ask(engine, "市委人大工作会议召开，市委书记马明龙出席会议并讲话")
    assert "第2段" in first.html  # the news item under the masthead (第1段)
    (who,) = ask(engine, "谁主持的？")
    assert who.html.startswith("🗣") and "徐曙海主持会议" in who.html
    assert who.html.index("徐曙海") < who.html.index("马明龙")  # the act asked about comes first
    (spoke,) = ask(engine, "谁讲话了？")
    assert "市委书记马明龙讲话" in spoke.html


def test_who_wrote_a_speech_names_its_speaker_and_date(engine) -> None:
    ask(engine, "全过程人民民主实践创新年活动")
    (who,) = ask(engine, "谁讲的")
    assert "讲话：徐劼" in who.html and "2023年3月7日" in who.html


def test_follow_ups_build_on_the_original_question_not_on_the_last_reading(engine) -> None:
    ask(engine, "镇江市委人大工作会议是哪天召开的")
    (second,) = ask(engine, "那无锡呢？")
    assert "按“无锡市委人大工作会议是哪天召开的”理解" in second.html
    # 无锡市委 is one word to jieba; the question is still about 无锡, which the corpus gives no such date for,
    # so 镇江's 5月31日 is shown only as related, under the notice.
    assert second.html.startswith("⚠️ 文档中没有找到直接回答") and "[相关 1]" in second.html
    (third,) = ask(engine, "具体有哪些措施")
    assert "按“镇江市委人大工作会议是哪天召开的 措施”理解" in third.html


def test_a_follow_up_naming_another_formula_is_answered_about_it(engine) -> None:
    ask(engine, "四个机关指的是哪四个机关")
    (second,) = ask(engine, "那六个必须坚持呢")
    assert "按“六个必须坚持指的是哪些”理解" in second.html
    assert not second.html.startswith("⚠️") and "六个必须坚持" in second.html


def test_a_question_about_what_someone_said_leads_with_their_speech_outline(engine) -> None:
    outline, answer = ask(engine, "马明龙讲了哪几个方面")
    assert outline.html.startswith("📑 <b>马明龙《在市委人大工作会议上的讲话》</b>") and "共 4 个部分" in outline.html
    assert "一、坚持以习近平新时代中国特色社会主义思想定向领航" in outline.html
    assert "🔎" in answer.html


def test_a_capped_list_is_not_called_a_count_and_later_pages_go_back(engine) -> None:
    (first,) = ask(engine, "人大代表")
    assert "共 30 条" not in first.html and "第 1–3 条" in first.html
    assert [b.text for b in first.buttons[0]] == ["更多"]
    (second,) = ask(engine, "更多")
    assert [b.text for b in second.buttons[0]] == ["上一页", "更多"]


def test_an_inline_query_without_hits_says_so_in_a_card(engine) -> None:
    (card,) = engine.answers.inline("量子计算机光刻机")
    assert card.title == "没有找到相关段落" and "量子计算机光刻机" in card.description


def test_later_pages_show_the_excerpts_an_answer_would_have_made_at_once(tmp_path: Path, library) -> None:
    """The bot makes excerpts for the page shown; a later page (even after a restart) makes its own, the same."""
    settings = Settings(data_dir=tmp_path / "data")
    engine = Engine(settings, library=library)
    ask(engine, "人大代表")
    session = engine.sessions.current(5, 5, 3600)
    assert session is not None and all(h.pending for h in session.hits[3:])
    eager = engine.searcher.search("人大代表", top=30, collapse=True).hits
    (second,) = ask(engine, "更多")
    engine.store.close()
    restarted = Engine(settings, library=library)  # the third page comes from the stored session
    (third,) = ask(restarted, "更多")
    restarted.store.close()
    for rank, page in zip(range(3, 9), [second] * 3 + [third] * 3, strict=True):
        hit = eager[rank]
        assert f"[{rank + 1}]" in page.html and hit.citation in page.html
        assert marked(hit.excerpt, hit.marks) in page.html


def test_the_source_views_buttons_typed_move_from_the_paragraph_on_screen(tmp_path: Path, library) -> None:
    """「下一段」「上一段」「返回」 typed as messages do what the buttons do, and still do so after a restart."""
    first = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    try:
        (listing,) = ask(first, "四个机关指的是哪四个机关")
        (nothing_open,) = ask(first, "下一段")
        assert "先打开一条原文" in nothing_open.html  # not searched as a question about 下一段
        (source,) = ask(first, "第一条原文")
        number = int(re.search(r"› 第(\d+)段", source.html).group(1))
        (nxt,) = ask(first, "下一段")
        assert f"第{number + 1}段" in nxt.html and "原文第" in nxt.html
    finally:
        first.store.close()
    again = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    try:
        (back_one,) = ask(again, "上一段。")
        assert f"第{number}段" in back_one.html
        (back,) = ask(again, "返回")
        assert back.html == listing.html  # the page of results the source was opened from
        (earlier,) = ask(again, "上一页")
        assert earlier.html == "已经是第一页了。"
    finally:
        again.store.close()


def test_typed_steps_stop_at_the_documents_edges_and_turn_a_long_paragraphs_pages(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.views.answers as views

    ask(engine, "四个机关指的是哪四个机关")
    ask(engine, "第一条原文")
    for _ in range(40):
        (reply,) = ask(engine, "上一段")
        if reply.html == "已经是第一段了。":
            break
    else:
        pytest.fail("上一段 never reached the document's first paragraph")
    monkeypatch.setattr(views, "SOURCE_PAGE", 200)  # the speech's paragraphs now take several messages
    (opened,) = ask(engine, "第一条原文")
    assert "（第 1/" in opened.html
    (turned,) = ask(engine, "下一页")
    assert "（第 2/" in turned.html and "🔎" not in turned.html  # the paragraph's page, not the results'
    (turned_back,) = ask(engine, "上一页")
    assert "（第 1/" in turned_back.html


def test_who_said_it_is_about_the_paragraph_opened_not_the_first_result(engine) -> None:
    ask(engine, "市委人大工作会议召开")
    (source,) = ask(engine, "第一条原文")
    (nxt,) = ask(engine, "下一段")
    shown = re.search(r"› 第(\d+)段", nxt.html).group(1)
    (who,) = ask(engine, "谁讲的")
    assert who.html.startswith("🗣") and f"第{shown}段" in who.html  # cited to the paragraph on screen
    assert re.search(r"› 第(\d+)段", source.html).group(1) != shown


def test_control_characters_are_dropped_before_anything_is_echoed(engine) -> None:
    (reply,) = ask(engine, "四个\x00机关\x1b[31m指的是哪四个机关\x07")
    assert "\x00" not in reply.html and "\x1b" not in reply.html and "\x07" not in reply.html
    assert "四个机关[31m指的是哪四个机关" in reply.html  # the rest of what was typed, as typed


def test_who_wrote_this_article_is_about_the_passage_and_says_when_it_is_only_related(engine) -> None:
    """「这篇是谁写的」 is 谁写的 about the passage on screen; after "not found" it is marked as related."""
    ask(engine, "依托代表小组成立了多少个党支部")
    (who,) = ask(engine, "这篇是谁写的")
    assert who.html.startswith("🗣") and "相关" not in who.html
    assert ask(engine, "谁写的这篇文章")[0].html == who.html
    (unanswered,) = ask(engine, "北京市人大常委会主任是谁")
    assert "文档中没有找到直接回答" in unanswered.html.splitlines()[0]
    (related,) = ask(engine, "这篇文章是谁写的")
    assert related.html.startswith("🗣") and "没有找到直接回答" in related.html and "不是那个问题的答案" in related.html
