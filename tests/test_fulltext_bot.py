"""「全文」 and /full: a cited result's whole article as a .txt file, and the uploaded original beside it.

Through the engine (files in the reply), the console (files written, paths
printed) and the Telegram adapter against the fake Bot API (sendDocument, in
process and once over HTTP, where the multipart body is parsed byte for byte).
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from botharness import in_process, running, wait_for
from conftest import SEEDS, Warm, bot_settings, doc, in_thread
from fakebotapi import FakeBotAPI, Upload, callback_update, message_update
from telegram import Message
from telegram.constants import FileSizeLimit, MessageLimit
from test_uploads import make_docx

from bot import callbacks
from bot.config import Settings
from bot.console import Console
from bot.engine import Engine
from bot.messages import CallbackIn, Incoming
from bot.render import MAX_CAPTION, MAX_FILE_BYTES, Attachment, Reply
from bot.views import fulltext as fulltext_view
from retrieval import full_text

QUESTION = "依托代表小组成立了多少个党支部"  # answered from an article of the magazine (003)
ADMIN, ALICE = 7, 1001


@pytest.fixture
def engine(tmp_path: Path, library) -> Engine:
    eng = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    yield eng
    eng.store.close()


def say(engine: Engine, text: str, chat: int = 5) -> list[Reply]:
    return asyncio.run(engine.handle_message(Incoming(chat, chat, text)))


def press(engine: Engine, data: str, chat: int = 5) -> Reply:
    return asyncio.run(engine.handle_callback(CallbackIn(chat, chat, data)))


def labelled(reply: Reply, label: str) -> str:
    return next(b.data for row in reply.buttons for b in row if b.text == label)


def expected(library, hit_doc: str, paragraph: int):
    d = library.doc_by_id[hit_doc]
    return full_text(d, d.paragraphs[paragraph - 1])


def test_full_n_sends_the_article_of_result_n_as_utf8_text_with_its_citation_on_top(engine, library) -> None:
    say(engine, QUESTION)
    session = engine.sessions.current(5, 5, 60)
    hit = session.hits[0]
    (reply,) = say(engine, "/full 1")
    (file,) = reply.files  # a seed: no uploaded original to send beside it
    want = expected(library, hit.doc_id, hit.paragraph)
    assert file.filename == want.filename and file.filename.endswith(".txt")
    text = file.data.decode("utf-8")
    assert text == want.text
    lines = text.splitlines()
    assert lines[0].startswith("标题：") and "出处：《民主法治建設》2022年第6期" in lines and "日期：2022年6月" in lines
    magazine = doc(library, "003")
    assert want.last - want.first + 1 < len(magazine.paragraphs)  # the article, not the whole magazine
    assert magazine.paragraphs[hit.paragraph - 1].text in text
    assert file.caption.startswith("📄 <b>全文</b>") and len(file.caption) <= MAX_CAPTION
    assert f"第 {want.first}–{want.last} 段" in file.caption


def test_full_text_buttons_beside_the_sources_and_under_a_paragraph(engine, library) -> None:
    (answer,) = say(engine, QUESTION)
    assert [b.text for b in answer.buttons[-1]] == ["全文 1", "全文 2", "全文 3"]
    second = press(engine, labelled(answer, "全文 2"))
    hit2 = engine.sessions.current(5, 5, 60).hits[1]
    assert second.notice == "全文已发送" and not second.edit
    assert second.files[0].data.decode() == expected(library, hit2.doc_id, hit2.paragraph).text
    # Under a paragraph the button follows the paragraph shown, wherever 上一段/下一段 led.
    source = press(engine, labelled(answer, "原文 1"))
    assert source.buttons[0][0].text == "全文"
    shown = press(engine, labelled(source, "下一段"))
    hit1 = engine.sessions.current(5, 5, 60).hits[0]
    under = press(engine, labelled(shown, "全文"))
    assert under.files[0].data.decode() == expected(library, hit1.doc_id, hit1.paragraph + 1).text


def test_bad_full_requests_get_clear_answers(engine) -> None:
    assert "先提一个问题" in say(engine, "/full 1")[0].html
    assert "用法" in say(engine, "/full")[0].html and "用法" in say(engine, "/full x<y")[0].html
    (answer,) = say(engine, QUESTION)
    assert "1 到" in say(engine, "/full 99")[0].html and "1 到" in say(engine, "/full " + "9" * 5000)[0].html
    good = labelled(answer, "全文 1")
    sid = good.split(":")[1]
    assert press(engine, good, chat=6).notice == "无效的按钮"  # replayed in another chat
    assert press(engine, f"f:{sid}:1:AAAAAAAA").notice == "无效的按钮"  # forged signature
    assert press(engine, callbacks.encode(engine.secret, 5, "f", int(sid), 99)).notice == "这个按钮已过期，请重新提问"
    assert press(engine, callbacks.encode(engine.secret, 5, "f", 999999)).notice == "这个按钮已过期，请重新提问"


def test_a_full_text_over_telegrams_upload_limit_is_said_not_sent(engine, monkeypatch) -> None:
    say(engine, QUESTION)
    monkeypatch.setattr(fulltext_view, "MAX_FILE_BYTES", 100)
    (reply,) = say(engine, "/full 1")
    assert reply.files == [] and "超过 Telegram 机器人" in reply.html


def test_the_file_limits_are_telegrams() -> None:
    assert MAX_CAPTION == MessageLimit.CAPTION_LENGTH and MAX_FILE_BYTES == FileSizeLimit.FILESIZE_UPLOAD


BODY = "市人大常委会召开专题会议，研究部署法治人大建设年工作，要求加快建设代表履职服务平台。"


def test_an_uploaded_original_is_kept_sent_beside_the_text_and_removed_with_the_document(warm: Warm) -> None:
    settings = Settings(data_dir=warm.data, corpus_dir=warm.corpus, admin_user_ids=frozenset({ADMIN}))
    engine = Engine(settings, library=warm.library, run_heavy=in_thread)
    original = make_docx(BODY)
    (added,) = asyncio.run(engine.add_document(ADMIN, "private", "法治人大.docx", original))
    assert "已添加" in added.html
    kept = warm.corpus / "originals" / "005_法治人大.docx"
    assert kept.read_bytes() == original
    assert "005_法治人大" in engine.lib.doc_by_id and len(engine.lib.documents) == 6  # the original is not a source
    say(engine, "doc:005 法治人大建设年", chat=ADMIN)
    (reply,) = say(engine, "/full 1", chat=ADMIN)
    text, sent = reply.files
    assert "法治人大建设年" in text.data.decode("utf-8") and text.filename.endswith(".txt")
    assert sent.filename == "005_法治人大.docx" and sent.data == original and "原始上传文件" in sent.caption
    (asked,) = say(engine, "/remove 005", chat=ADMIN)
    asyncio.run(engine.handle_callback(CallbackIn(ADMIN, ADMIN, labelled(asked, "确认移除"))))
    assert "005_法治人大" not in engine.lib.doc_by_id and not kept.exists()
    engine.store.close()


def test_a_text_upload_has_no_original_beyond_its_text(warm: Warm) -> None:
    settings = Settings(data_dir=warm.data, corpus_dir=warm.corpus, admin_user_ids=frozenset({ADMIN}))
    engine = Engine(settings, library=warm.library, run_heavy=in_thread)
    asyncio.run(engine.add_document(ADMIN, "private", "通知.txt", ("通知\n\n" + BODY + "\n").encode()))
    assert not (warm.corpus / "originals").exists()
    say(engine, "doc:005 法治人大建设年", chat=ADMIN)
    (reply,) = say(engine, "/full 1", chat=ADMIN)
    assert len(reply.files) == 1
    engine.store.close()


def test_the_console_writes_the_file_and_prints_its_path(engine, tmp_path: Path, library) -> None:
    out = io.StringIO()
    console = Console(engine, out=out, files_dir=tmp_path / "files")
    asyncio.run(console.run(io.StringIO(f"{QUESTION}\n/full 1\n5\nquit\n")))  # choice 5: 「全文 1」
    hit = engine.sessions.current(1, 1, 60).hits[0]
    want = expected(library, hit.doc_id, hit.paragraph)
    path = (tmp_path / "files" / want.filename).resolve()
    assert path.read_text(encoding="utf-8") == want.text
    assert out.getvalue().count(f"已保存到：{path}") == 2 and "📎 📄 【全文】" in out.getvalue()


@pytest.fixture
def tg_settings(tmp_path: Path, fake: FakeBotAPI) -> Settings:
    return bot_settings(fake, tmp_path / "data", SEEDS)


def full_answers(fake: FakeBotAPI, chat: int) -> list[dict]:
    return fake.sent("sendDocument", chat_id=chat)


async def test_telegram_sends_the_full_text_with_send_document(fake, tg_settings, library) -> None:
    async with in_process(tg_settings, library, fake) as bot:
        await bot.send(message_update(ALICE, ALICE, QUESTION))
        (answer,) = fake.sent(chat_id=ALICE)
        keys = {b["text"]: b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row}
        await bot.send(callback_update(ALICE, ALICE, keys["全文 1"]))
        await bot.send(message_update(ALICE, ALICE, "/full 2"))
        hits = bot.engine.sessions.current(ALICE, ALICE, 60).hits
    first, second = full_answers(fake, ALICE)
    for sent, hit in ((first, hits[0]), (second, hits[1])):
        upload = sent["document"]
        want = expected(library, hit.doc_id, hit.paragraph)
        assert isinstance(upload, Upload) and upload.filename == want.filename
        assert upload.data == want.text.encode("utf-8")
        assert sent["parse_mode"] == "HTML" and sent["caption"].startswith("📄 <b>全文</b>")
    (toast,) = fake.sent("answerCallbackQuery")
    assert toast["text"] == "全文已发送" and fake.sent("editMessageText") == []


async def _question_then_full_text(fake: FakeBotAPI, asked: str) -> dict:
    """Over polling: QUESTION, then ``asked`` (/full 1, 全文); the one document sent."""
    fake.push(message_update(ALICE, ALICE, QUESTION))
    await wait_for(lambda: fake.sent(chat_id=ALICE))
    fake.push(message_update(ALICE, ALICE, asked))
    (sent,) = await wait_for(lambda: full_answers(fake, ALICE))
    return sent


async def test_full_text_over_http_arrives_as_multipart_with_its_name_and_bytes(fake, tg_settings, library) -> None:
    async with running(tg_settings, library) as (engine, _app):
        sent = await _question_then_full_text(fake, "/full 1")
        hit = engine.sessions.current(ALICE, ALICE, 60).hits[0]
    want = expected(library, hit.doc_id, hit.paragraph)
    upload = sent["document"]
    assert upload.filename == want.filename and upload.data.decode("utf-8") == want.text
    assert sent["chat_id"] == ALICE and "第 " in sent["caption"]


async def test_typed_full_text_and_a_full_width_command_over_polling(fake, tg_settings, library) -> None:
    """Polling over HTTP: typed 「全文」 arrives as a document, 「／ｓｏｕｒｃｅ　１」 as the source view."""
    async with running(tg_settings, library) as (engine, _app):
        sent = await _question_then_full_text(fake, "全文")
        fake.push(message_update(ALICE, ALICE, "／ｓｏｕｒｃｅ　１"))
        await wait_for(lambda: len(fake.sent("sendMessage", chat_id=ALICE)) >= 2)
        hit = engine.sessions.current(ALICE, ALICE, 60).hits[0]
    assert sent["document"].data.decode("utf-8") == expected(library, hit.doc_id, hit.paragraph).text
    source = fake.sent("sendMessage", chat_id=ALICE)[-1]["text"]
    assert f"第{hit.paragraph}段" in source and "用法" not in source


async def test_an_original_is_sent_as_a_second_document(fake, tmp_path: Path, warm: Warm) -> None:
    settings = bot_settings(fake, warm.data, warm.corpus, admin_user_ids=frozenset({ADMIN}))
    original = make_docx(BODY)
    async with in_process(settings, warm.library, fake, run_heavy=in_thread) as bot:
        await bot.engine.add_document(ADMIN, "private", "法治人大.docx", original)
        await bot.send(message_update(ADMIN, ADMIN, "doc:005 法治人大建设年"))
        await bot.send(message_update(ADMIN, ADMIN, "/full 1"))
    text, sent = full_answers(fake, ADMIN)
    assert text["document"].filename.endswith(".txt") and "法治人大建设年" in text["document"].data.decode()
    assert sent["document"].filename == "005_法治人大.docx" and sent["document"].data == original


async def test_a_caption_over_telegrams_limit_goes_on_in_messages(fake, tg_settings, library) -> None:
    caption = "<b>" + "一段很长的说明，" * 300 + "</b>"
    async with in_process(tg_settings, library, fake) as bot:
        message = Message.de_json(message_update(ALICE, ALICE, "x")["message"], bot.app.bot)
        files = [Attachment("说明.txt", "正文".encode(), caption)]
        await bot.app.bot_data["adapter"].send(message, [Reply("", files=files)])
    (sent,) = full_answers(fake, ALICE)
    rest = [m["text"] for m in fake.sent(chat_id=ALICE)]
    assert sent["document"].data == "正文".encode() and len(sent["caption"]) <= MessageLimit.CAPTION_LENGTH
    assert rest and all(p.count("<b>") == p.count("</b>") for p in [sent["caption"], *rest])
    assert "".join(p.replace("<b>", "").replace("</b>", "") for p in [sent["caption"], *rest]) == caption[3:-4]


def test_typed_full_text_sends_what_its_button_would(engine, library) -> None:
    """「全文」 typed is the button, not a search for the word: the paragraph on screen, or result N."""
    assert "先提一个问题" in say(engine, "全文")[0].html
    say(engine, QUESTION)
    hits = engine.sessions.current(5, 5, 60).hits
    (first,) = say(engine, "看全文")
    assert first.files[0].data.decode() == expected(library, hits[0].doc_id, hits[0].paragraph).text
    (second,) = say(engine, "第二条全文")
    assert second.files[0].data.decode() == expected(library, hits[1].doc_id, hits[1].paragraph).text
    assert say(engine, "全文 2")[0].files[0].data == second.files[0].data
    assert "1 到" in say(engine, "全文 99")[0].html
    # After 原文 1 and 下一段, 全文 is the article of the paragraph on screen.
    say(engine, "第一条原文")
    say(engine, "下一段")
    (shown,) = say(engine, "全文")
    assert shown.files[0].data.decode() == expected(library, hits[0].doc_id, hits[0].paragraph + 1).text
    assert not say(engine, "全文有多少字")[0].files  # a question that mentions 全文 is searched


def test_a_full_width_command_is_read_as_typed_half_width(engine) -> None:
    """A Chinese input method types 「／ｓｏｕｒｃｅ　２」; it is /source 2, not a search."""
    say(engine, QUESTION)
    (typed,) = say(engine, "／ｓｏｕｒｃｅ　２")
    assert typed.html == say(engine, "/source 2")[0].html
    assert say(engine, "／ｆｕｌｌ　１")[0].files
