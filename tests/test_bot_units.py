"""The engine's parts without Telegram: follow-up reading, rendering, callback data, state, console."""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
from pathlib import Path

import pytest

from bot import callbacks
from bot.config import ConfigError, Settings, load_settings
from bot.console import Console
from bot.engine import Engine
from bot.followup import read_message
from bot.messages import CallbackIn, Incoming
from bot.render import MAX_MESSAGE, marked, pack, split_block
from bot.sessions import Session, Sessions
from bot.store import Store
from retrieval import Hit


@pytest.fixture
def engine(tmp_path: Path, library) -> Engine:
    eng = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    yield eng
    eng.store.close()


def ask(engine: Engine, text: str, chat: int = 5, user: int = 5, chat_type: str = "private", **kw) -> list:
    return asyncio.run(engine.handle_message(Incoming(chat, user, text, chat_type=chat_type, **kw)))


def is_place(word: str) -> bool:
    return word in {"镇江", "无锡", "无锡市", "镇江市", "泰州"}


@pytest.mark.parametrize(
    ("text", "kind", "rank"),
    [
        ("更多", "more", 0),
        ("下一条", "more", 0),
        ("第二条原文", "source", 2),
        ("原文 3", "source", 3),
        ("第2条", "source", 2),
        ("流浪星球", "new", 0),
    ],
)
def test_paging_and_source_requests(library, text: str, kind: str, rank: int) -> None:
    reading = read_message(text, True, False, library.analyzer, is_place, "四个机关")
    assert reading.kind == kind and reading.rank == rank


def test_follow_up_carries_the_topic_and_swaps_the_place(library) -> None:
    r = read_message("那镇江呢？", True, False, library.analyzer, is_place, "无锡市设立了什么民主实践平台")
    assert r.kind == "followup" and "镇江" in r.query and "无锡" not in r.query and "民主" in r.query
    r = read_message("谁主持的？", True, False, library.analyzer, is_place, "镇江市委人大工作会议是哪天召开的")
    assert r.kind == "who" and r.act == "主持"
    assert read_message("谁讲话了？", True, False, library.analyzer, is_place, "四个机关").act == "讲话"
    r = read_message("具体怎么做的", True, False, library.analyzer, is_place, "三破三立")
    assert r.kind == "followup" and "三破三立" in r.query


def test_a_follow_up_naming_another_formula_swaps_it(library) -> None:
    """The new formula replaces the old; appended, "四个机关…六个必须坚持" was answered as not found."""
    r = read_message("那六个必须坚持呢", True, False, library.analyzer, is_place, "四个机关指的是哪四个机关")
    assert r.kind == "followup" and r.query == "六个必须坚持指的是哪些"
    r = read_message("那四个机关呢？", True, False, library.analyzer, is_place, "镇江市委人大工作会议是哪天开的")
    assert r.kind == "followup" and r.query == "四个机关"
    # The formula already asked about: the place swap still applies.
    r = read_message("那无锡呢", True, False, library.analyzer, is_place, "镇江四个机关建设怎么抓的")
    assert "无锡" in r.query and "四个机关" in r.query and "镇江" not in r.query


def test_standalone_question_starts_a_new_topic(library) -> None:
    assert read_message("泰州有多少名人大代表", True, False, library.analyzer, is_place, "四个机关").kind == "new"
    assert read_message("谁主持的？", False, False, library.analyzer, is_place).kind == "new"
    # A quotation is an exact look-up of its own; chit-chat with words of its own is not a follow-up.
    previous = "一委一品牌、基层有特色"
    assert read_message("“三个更好”指什么", True, False, library.analyzer, is_place, previous).kind == "new"
    assert read_message("今天天气怎么样", True, False, library.analyzer, is_place, previous).kind == "new"


@pytest.mark.parametrize("text", ["好的，谢谢", "谢谢！", "收到", "OK", "辛苦了", "👍"])
def test_thanks_and_acknowledgements_are_not_questions(library, text: str) -> None:
    for is_reply in (False, True):
        assert read_message(text, True, is_reply, library.analyzer, is_place, "四个机关").kind == "thanks"


def test_a_follow_up_keeps_the_original_wording_and_adds_no_fragments(library) -> None:
    r = read_message("具体讲了哪些措施", True, False, library.analyzer, is_place, "三看三促进")
    assert r.kind == "followup" and r.query == "三看三促进 措施"
    r = read_message("那具体怎么做", True, False, library.analyzer, is_place, "民生实事项目票决制")
    assert r.query == "民生实事项目票决制"


def test_marked_escapes_everything() -> None:
    assert marked("<a>&x", [(1, 2)]) == "&lt;<b>a</b>&gt;&amp;x"


def test_long_text_is_split_without_breaking_tags() -> None:
    block = "<b>" + "人民代表大会制度是根本政治制度。" * 600 + "</b>" + "<i>出处：《文档》 › 第1段</i>"
    pieces = split_block(block)
    assert len(pieces) > 1 and all(len(p) <= MAX_MESSAGE for p in pieces)
    for p in pieces:
        assert p.count("<b>") == p.count("</b>") and p.count("<i>") == p.count("</i>")
    assert "".join(re.sub("</?[bi]>", "", p) for p in pieces) == re.sub("</?[bi]>", "", block)
    messages = pack(["短块一", "短块二", "x" * 3000, "y" * 3000])
    assert messages[0] == "短块一\n\n短块二\n\n" + "x" * 3000 and messages[1] == "y" * 3000


def test_callback_data_is_compact_signed_and_chat_bound() -> None:
    secret = b"k" * 16
    data = callbacks.encode(secret, -100123, "n", 123456789, 30, 241)
    assert len(data.encode()) <= 64
    assert callbacks.decode(secret, -100123, data) == ("n", [123456789, 30, 241])
    for bad in (
        data.replace("n:", "p:", 1),
        data[:-1] + ("A" if data[-1] != "A" else "B"),
        "",
        "x" * 80,
        "m:1:2",
        "m:-1:sig",
    ):
        with pytest.raises(callbacks.BadCallback):
            callbacks.decode(secret, -100123, bad)
    with pytest.raises(callbacks.BadCallback):
        callbacks.decode(secret, 42, data)


def test_question_paging_and_source_in_the_engine(engine) -> None:
    (answer,) = ask(engine, "四个机关指的是哪四个机关")
    assert "[1]" in answer.html and "— <i>《" in answer.html
    more = answer.buttons[0][0]
    page2 = asyncio.run(engine.handle_callback(CallbackIn(5, 5, more.data)))
    assert page2.edit and "第 4–6 条" in page2.html
    (source,) = ask(engine, "/source 2")
    assert source.html.startswith("📄") and [b.text for b in source.buttons[0]][-1] == "返回"


def test_bad_messages_get_clear_answers(engine) -> None:
    assert "没有文字" in ask(engine, "？？！")[0].html
    assert "用法" in ask(engine, "/ask")[0].html
    assert "用法" in ask(engine, "/source abc")[0].html
    assert "不认识的命令" in ask(engine, "/nonsense")[0].html
    long = ask(engine, "四个机关" + "。" * 20_000)
    assert "消息过长" in long[0].html
    (nothing,) = ask(engine, "量子计算机")
    assert "没有找到" in nothing.html and "相近的词" in nothing.html
    assert "请先提一个问题" in ask(engine, "更多", chat=77, user=77)[0].html


def test_group_chatter_is_ignored(engine) -> None:
    assert ask(engine, "四个机关", chat=-5, chat_type="group", addressed=False) == []
    assert ask(engine, "四个机关", chat=-5, chat_type="group", addressed=True)


def test_docs_outline_about_help(engine) -> None:
    docs = ask(engine, "/docs")[0].html
    assert docs.count("•") == 5 and "2022-06" in docs
    outline = ask(engine, "/outline 003")[0].html
    assert "在市委人大工作会议上的讲话（马明龙）" in outline
    assert "词项" in ask(engine, "/about")[0].html
    help_text = ask(engine, "/help")[0].html
    assert "/phrase" in help_text and "/ask" in help_text


def test_follow_up_expires_after_idle_time(tmp_path: Path, library) -> None:
    eng = Engine(Settings(data_dir=tmp_path / "d", session_idle_minutes=1), library=library)
    ask(eng, "镇江市委人大工作会议是哪天召开的")
    eng.store.db.execute("UPDATE current SET updated = updated - 120")
    (reply,) = ask(eng, "谁主持的？")
    assert "按“" not in reply.html
    eng.store.close()


def test_corrupt_state_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    store = Store(path)
    hit = Hit(
        1,
        2.5,
        "doc",
        "标题",
        "一、",
        3,
        "《标题》 › 第3段",
        "摘录",
        [(0, 2)],
        "摘录全文",
        10,
        12,
        7,
        ["《标题》 › 第9段"],
    )
    session = Sessions(store).new(Session(0, 1, 1, "q", "q", [hit], terms=["摘录"]))
    assert Sessions(store).get(session.sid).hits == [hit]  # the hit itself, excerpt and marks included
    assert list(tmp_path.glob("state.sqlite3.corrupt-*"))
    store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1


def test_settings_from_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("ALLOWED_CHAT_IDS", "-100, 42")
    monkeypatch.setenv("BOT_TIMEZONE", "Asia/Shanghai")
    s = load_settings(env_file=None)
    assert s.base_file_url == "http://127.0.0.1:8081/file/bot" and s.allowed_chat_ids == {-100, 42}
    monkeypatch.setenv("BOT_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError):
        load_settings(env_file=None)
    monkeypatch.setenv("BOT_TIMEZONE", "UTC")
    monkeypatch.setenv("ADMIN_USER_IDS", "abc")
    with pytest.raises(ConfigError):
        load_settings(env_file=None)
    env = tmp_path / ".env"
    env.write_text("SESSION_IDLE_MINUTES=5\n", encoding="utf-8")
    monkeypatch.delenv("ADMIN_USER_IDS")
    monkeypatch.delenv("SESSION_IDLE_MINUTES", raising=False)
    assert load_settings(env_file=env).session_idle_minutes == 5


def test_console_script(engine) -> None:
    out = io.StringIO()
    console = Console(engine, out=out)
    script = io.StringIO("四个机关指的是哪四个机关\n2\n3\n谁提出的\n/help\nquit\n这一行不会被读到\n")
    asyncio.run(console.run(script))
    text = out.getvalue()
    assert "【四个机关】" in text  # a matched word marked, as a pipe shows bold
    assert "\033[" not in text  # no terminal escapes into a pipe
    assert "[1] 更多" in text and "[2] 原文 1" in text
    assert "📄" in text and "返回" in text  # choice 2 opened the first source
    assert "/phrase" in text  # help was shown
    assert "这一行不会被读到" not in text


def test_follow_up_swaps_the_place_or_year_in_the_previous_question(library) -> None:
    r = read_message("那无锡呢？", True, False, library.analyzer, is_place, "镇江市委人大工作会议是哪天开的")
    # The same question about 无锡, question words kept (so a date is still what is looked for).
    assert r.kind == "followup" and r.query == "无锡市委人大工作会议是哪天开的"
    r = read_message("那2022年呢", True, False, library.analyzer, is_place, "无锡人大2023年立了几件法")
    assert r.query == "无锡人大2022年立了几件法"
    r = read_message("那丹阳呢", True, False, library.analyzer, is_place, "四个机关")
    assert r.query == "丹阳四个机关"


def test_follow_up_swaps_a_person_or_a_place_only_the_corpus_knows(engine, searcher) -> None:
    """jieba tags neither 句容 nor most officials (李健, 高庆华); the corpus's bylines and headings name them."""
    lib, people, subjects = searcher.lib, engine.corpus.people, searcher.subjects()
    assert {"李健", "高庆华", "徐劼"} <= people and not any("办公室" in p for p in people)

    def read(text: str, previous: str) -> str:
        return read_message(text, True, False, lib.analyzer, is_place, previous, people=people, subjects=subjects).query

    assert read("那高庆华呢？", "钱进那篇文章的题目是什么") == "高庆华那篇文章的题目是什么"
    assert read("那徐劼呢", "李健在法检两院行动员大会上讲了什么") == "徐劼在法检两院行动员大会上讲了什么"
    assert read("那句容呢", "镇江市人大代表小组建了多少个党支部") == "句容人大代表小组建了多少个党支部"
    assert read("那丹阳呢", "句容人大怎么学习会议精神") == "丹阳人大怎么学习会议精神"
    # jieba reads 那马 as a place and 明龙 as a name: the signatory's whole name wins over its pieces.
    assert read("那马明龙呢", "徐曙海在会上讲了什么") == "马明龙在会上讲了什么"
    # A name no byline gives (茅艳 of 004) is still a person's name to the tagger, and swaps a person.
    assert read("那茅艳呢？", "徐曙海在会上讲了什么") == "茅艳在会上讲了什么"
    # A person replaces a person and a place a place.
    assert read("那无锡呢", "李健在镇江讲了什么") == "李健在无锡讲了什么"
    assert read("那高庆华呢", "李健在镇江讲了什么") == "高庆华在镇江讲了什么"
    # Through the engine: the third follow-up of a chain swaps too, read against the chain's first question.
    ask(engine, "镇江市人大代表小组建了多少个党支部")
    ask(engine, "那无锡呢？")
    (third,) = ask(engine, "那句容呢")
    assert "按“句容人大代表小组建了多少个党支部”理解" in third.html


def test_unanswerable_question_is_said_so_first(engine) -> None:
    (reply,) = ask(engine, "北京市人大常委会主任是谁")
    assert reply.html.startswith("⚠️ 文档中没有找到直接回答")
    assert "仅供参考" in reply.html and "[相关 1]" in reply.html and "<b>[1]</b>" not in reply.html
    (reply,) = ask(engine, "依托代表小组成立了多少个党支部")
    assert "没有找到直接回答" not in reply.html and "<b>[1]</b>" in reply.html


def test_swapped_follow_up_without_an_answer_says_so(engine) -> None:
    (first,) = ask(engine, "泰州有多少名人大代表")
    assert "7200多名人大代表" in first.html.replace("<b>", "").replace("</b>", "")
    (second,) = ask(engine, "那北京呢？")
    assert "按“北京有多少名人大代表”理解" in second.html
    assert second.html.startswith("⚠️ 文档中没有找到直接回答")


def test_near_duplicate_paragraphs_are_shown_once_and_named(engine, searcher) -> None:
    question = "市委人大工作会议召开，市委书记马明龙出席会议并讲话"
    magazine = next(d for d in searcher.lib.documents if d.doc_id.startswith("003"))
    # The news item that opens the magazine (under its masthead) and the chronicle's copy of it.
    opening, copy = [p.number for p in magazine.paragraphs if "马明龙出席会议并讲话" in p.text]
    plain = [h.paragraph for h in searcher.search(question, top=5).hits]
    assert opening in plain and copy in plain
    collapsed = searcher.search(question, top=5, collapse=True)
    assert copy not in [h.paragraph for h in collapsed.hits]
    (first,) = [h for h in collapsed.hits if h.paragraph == opening]
    assert first.also and first.also[0].endswith(f"第{copy}段")
    (reply,) = ask(engine, question)
    assert "另见" in reply.html and f"第{copy}段" in reply.html


def test_the_engine_logs_whether_its_index_was_loaded_or_built(warm, monkeypatch, caplog) -> None:
    """The container's start-up log shows that the index baked into the image is loaded, not rebuilt."""
    monkeypatch.delenv("RETRIEVAL_CACHE_DIR", raising=False)  # the cache is the data folder's, as warm made it
    with caplog.at_level("INFO", logger="bot.engine"):
        eng = Engine(Settings(data_dir=warm.data, corpus_dir=warm.corpus))
    eng.store.close()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.engine" and "index of" in r.getMessage()]
    assert f"{len(warm.library.documents)} documents" in line and "loaded from the cache" in line
