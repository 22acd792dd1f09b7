"""What a reader sees when browsing: phrase listings, long sources, choices that follow the screen, help."""

from __future__ import annotations

import asyncio
import io
import itertools
import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.console import Console
from bot.engine import Engine
from bot.messages import CallbackIn, Incoming
from bot.render import MAX_MESSAGE, text_pages
from retrieval.library import Library


@pytest.fixture
def engine(tmp_path: Path, library) -> Engine:
    eng = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    yield eng
    eng.store.close()


def ask(engine: Engine, text: str, chat: int = 5) -> list:
    return asyncio.run(engine.handle_message(Incoming(chat, 5, text)))


def press(engine: Engine, button, chat: int = 5):
    return asyncio.run(engine.handle_callback(CallbackIn(chat, 5, button.data)))


def labels(reply) -> list[str]:
    return [b.text for row in reply.buttons for b in row]


def button(reply, text: str):
    return next(b for row in reply.buttons for b in row if b.text == text)


def test_phrase_lists_each_paragraph_once_with_its_count_and_a_summary(engine, searcher) -> None:
    (first,) = ask(engine, "/phrase 全过程人民民主")
    listing = searcher.phrase_listing("全过程人民民主")
    # Every occurrence is counted, every paragraph listed once.
    assert listing.occurrences == len(searcher.occurrences("全过程人民民主")) > listing.paragraphs
    assert sum(listing.counts) <= listing.occurrences and max(listing.counts) > 1
    assert f"共出现 {listing.occurrences} 次" in first.html and f"{listing.paragraphs} 段" in first.html
    # One summary line per document, with its own counts adding up to the total.
    summary = re.findall(r"• (.+?)：(\d+) 次，(\d+) 段", first.html)
    assert len(summary) == len(listing.documents) == 5
    assert sum(int(n) for _, n, _ in summary) == listing.occurrences
    # A paragraph saying it several times is one item marked ×N; no paragraph is listed twice.
    assert "（×" in first.html
    assert len(listing.hits) == len({(h.doc_id, h.paragraph) for h in listing.hits})
    # 「更多」 instead of "另有 N 处未列出", and it pages on.
    assert "未列出" not in first.html and "更多" in labels(first)
    second = press(engine, button(first, "更多"))
    assert second.edit and "[6]" in second.html and "[1]" not in second.html
    assert "上一页" in labels(second)
    # The summary is on the first page only; a source opens from the listing like from an answer.
    assert not re.search(r"• .+?：\d+ 次，\d+ 段", second.html)
    source = press(engine, button(second, "原文 7"))
    assert source.html.startswith("📄") and "<b>全过程人民民主</b>" in source.html


def test_typed_choices_follow_what_is_on_screen(engine) -> None:
    (answer,) = ask(engine, "四个机关指的是哪四个机关")
    second_hit = answer.html.split("<b>[2]</b>")[1].split("— <i>")[1].split("</i>")[0]
    page2 = press(engine, button(answer, "更多"))
    fifth_hit = page2.html.split("<b>[5]</b>")[1].split("— <i>")[1].split("</i>")[0]
    (typed,) = ask(engine, "第二条原文")  # the second item shown now is [5]
    assert fifth_hit in typed.html
    (by_label,) = ask(engine, "第4条原文")  # a number shown on screen is that item
    assert page2.html.split("<b>[4]</b>")[1].split("— <i>")[1].split("</i>")[0] in by_label.html
    (explicit,) = ask(engine, "/source 2")  # /source N is the result's own number
    assert second_hit in explicit.html


def test_a_long_paragraph_is_paged_never_cut(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    sentences = [f"第{i}项措施是加强代表联络站建设并定期听取群众意见建议。" for i in range(300)]
    (corpus / "long.md").write_text("# 长段落测试\n\n" + "".join(sentences) + "\n\n第二段很短。\n", encoding="utf-8")
    lib = Library.open(corpus, tmp_path / "cache")
    (title, long, _short) = lib.paragraphs
    assert title.printed and title.text == "长段落测试"
    text = long.text
    assert len(text) > 7000
    eng = Engine(Settings(data_dir=tmp_path / "data"), library=lib)
    try:
        (answer,) = ask(eng, "代表联络站建设")
        page = press(eng, button(answer, "原文 1"))
        seen = []
        while True:
            assert len(page.html) <= MAX_MESSAGE and "页）" in page.html
            body = page.html.split("\n\n")[1]
            seen.append(re.sub(r"</?b>", "", body).strip("…"))
            if "下一页" not in labels(page):
                break
            page = press(eng, button(page, "下一页"))
        assert "".join(seen) == text  # every character, in order, on exactly one page
        assert len(seen) == len(text_pages(text, 3000)) >= 3
        back = press(eng, button(page, "上一页"))
        assert f"（第 {len(seen) - 1}/{len(seen)} 页）" in back.html
        assert "《长段落测试》 · 原文第" in back.html  # the footer names the document, not an internal id
    finally:
        eng.store.close()


def test_outline_of_a_place_lists_the_documents_that_name_it(engine) -> None:
    (reply,) = ask(engine, "/outline 镇江")
    lines = [line for line in reply.html.splitlines() if line.startswith("•")]
    assert lines and "/outline 003" in lines[0]  # the magazine names 镇江 most
    assert all("提到" in line for line in lines)
    assert "没有找到" in ask(engine, "/outline 火星")[0].html


def test_english_input_gets_the_english_help(engine) -> None:
    (reply,) = ask(engine, "hello, how do I use this bot?")
    assert reply.html.startswith("This bot quotes Chinese policy documents") and "/help" in reply.html
    (gdp,) = ask(engine, "GDP")  # a Latin word the corpus does use is still searched
    assert "[1]" in gdp.html


def test_console_says_a_choice_is_missing_instead_of_searching_it(engine) -> None:
    out = io.StringIO()
    script = io.StringIO("四个机关指的是哪四个机关\n12\nquit\n")
    asyncio.run(Console(engine, out=out).run(script))
    text = out.getvalue()
    offered = re.findall(r"\[(\d+)\] ", text.split("第 1–3 条")[1])
    assert len(offered) < 12 and f"没有第 12 个选项，可选 1–{len(offered)}。" in text
    assert "没有找到与“12”" not in text


def test_text_pages_cut_after_sentences_and_cover_everything() -> None:
    text = "一二三四五。" * 50 + "&" * 30
    spans = text_pages(text, 100)
    assert spans[0][0] == 0 and spans[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    assert all(text[e - 1] == "。" for _, e in spans[:-2])
