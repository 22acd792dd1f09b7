"""Adding and removing documents at run time: every accepted format, every refusal, and answering during a rebuild."""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from pathlib import Path

import pytest
from conftest import Warm, in_thread
from pdfdata import pdf_bytes

from bot.config import Settings
from bot.engine import Engine
from bot.handlers.documents import in_fresh_process
from bot.messages import CallbackIn, Incoming
from retrieval.cli import main as cli_main

ADMIN, STRANGER = 7, 8
BODY = "市人大常委会召开专题会议，研究部署“数字人大”建设工作，要求加快建设代表履职服务平台。"


def corpus_state(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def make_engine(warm: Warm, run_heavy=in_thread) -> Engine:
    settings = Settings(data_dir=warm.data, corpus_dir=warm.corpus, admin_user_ids=frozenset({ADMIN}), max_upload_mb=1)
    return Engine(settings, library=warm.library, run_heavy=run_heavy)


@pytest.fixture
def setup(warm: Warm):
    """The engine over a warm copy of the seeds; conversion and indexing run in a thread (the process is
    exercised by the rebuild test below and by tests/test_delivery.py)."""
    eng = make_engine(warm)
    yield eng, warm.corpus
    eng.store.close()


def make_docx(text: str) -> bytes:
    from docx import Document

    doc = Document()
    doc.add_heading("数字人大建设", level=1)
    doc.add_paragraph(text)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def make_pdf(lines: list[str]) -> bytes:
    """A minimal one-page PDF with Helvetica text (ASCII), written by hand."""
    content = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_bytes(objects)


FILES = {
    "notice.txt": ("通知\n\n" + BODY + "\n").encode("utf-8"),
    "notice-gbk.txt": ("通知\n\n" + BODY.replace("数字人大", "智慧人大") + "\n").encode("gb18030"),
    "notice.md": ("# 通知\n\n**一、总体要求**\n\n" + BODY.replace("数字人大", "阳光人大") + "\n").encode("utf-8"),
    "notice.docx": make_docx(BODY.replace("数字人大", "法治人大建设年")),
    "notice.pdf": make_pdf(
        ["People's Congress digital platform notice.", "Deputies will use the new service platform from January."]
    ),
    "notice.html": (
        "<html><head><style>p{}</style><script>var ad=1;</script></head><body><h1>通知</h1><p>"
        + BODY.replace("数字人大", "清廉人大")
        + "</p><footer>版权所有</footer></body></html>"
    ).encode("utf-8"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_each_format_is_added_and_searchable(setup, name: str) -> None:
    eng, _corpus = setup
    (reply,) = asyncio.run(eng.add_document(ADMIN, "private", name, FILES[name]))
    assert "已添加" in reply.html and "6 篇文档" in reply.html
    assert len(eng.lib.documents) == 6
    query = "service platform deputies" if name.endswith(".pdf") else "代表履职服务平台"
    hits = eng.searcher.search(query, top=10).hits
    new_doc = next(d for d in eng.lib.documents if "notice" in d.doc_id)
    assert any(h.doc_id == new_doc.doc_id for h in hits)
    if name.endswith(".html"):
        assert "var ad" not in "".join(p.text for p in new_doc.paragraphs)


def test_the_upload_journal_lists_the_corpus_off_the_event_loop(setup, monkeypatch) -> None:
    """Listing a thousand corpus files on the loop held every chat's answer for it."""
    import threading

    from bot.uploads import UploadJournal

    eng, _corpus = setup
    listed_in: list[int] = []
    names = UploadJournal._names

    def spy(self: UploadJournal) -> list[str]:
        listed_in.append(threading.get_ident())
        return names(self)

    monkeypatch.setattr(UploadJournal, "_names", spy)

    async def upload() -> int:
        await eng.add_document(ADMIN, "private", "journal.txt", FILES["notice.txt"])
        return threading.get_ident()

    loop_thread = asyncio.run(upload())
    assert listed_in and loop_thread not in listed_in


def test_a_long_chinese_file_name_is_stored_under_the_byte_limit(setup) -> None:
    """80 characters of Chinese are 240 bytes; with the temporary name's suffix they passed 255."""
    eng, corpus = setup
    name = "关于进一步加强人大代表建议办理工作" * 8 + ".txt"
    (reply,) = asyncio.run(eng.add_document(ADMIN, "private", name, FILES["notice.txt"]))
    assert "已添加" in reply.html
    stored = [p for p in corpus.iterdir() if p.name.startswith("005_")]
    assert len(stored) == 1 and len(stored[0].name.encode("utf-8")) <= 200


BAD = {
    "binary.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100), "二进制"),
    "undecodable.txt": (bytes(range(128, 256)) * 20, "无法识别文字编码"),
    "empty.txt": (b"", "空"),
    "broken.docx": (b"PK\x03\x04 not really a zip", "docx"),
    "broken.pdf": (b"%PDF-1.4 nothing here", "pdf"),
    "big.txt": (("人大代表" * 100_000).encode("utf-8"), "大"),
    "image.png": (b"\x89PNG", "不支持"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_files_leave_corpus_and_index_unchanged(setup, name: str) -> None:
    eng, corpus = setup
    before, lib_before = corpus_state(corpus), eng.lib
    data, reason = BAD[name]
    (reply,) = asyncio.run(eng.add_document(ADMIN, "private", name, data))
    assert reason in reply.html
    assert corpus_state(corpus) == before and eng.lib is lib_before


def test_duplicate_is_refused(setup) -> None:
    eng, corpus = setup
    seed = next(corpus.glob("002_*.txt"))
    before = corpus_state(corpus)
    (reply,) = asyncio.run(eng.add_document(ADMIN, "private", "copy.txt", seed.read_bytes()))
    assert "重复" in reply.html and corpus_state(corpus) == before
    asyncio.run(eng.add_document(ADMIN, "private", "a.txt", FILES["notice.txt"]))
    after_first = corpus_state(corpus)
    (again,) = asyncio.run(eng.add_document(ADMIN, "private", "b.txt", FILES["notice.txt"]))
    assert "重复" in again.html and corpus_state(corpus) == after_first


def test_only_admins_in_private_chats_may_upload(setup) -> None:
    eng, corpus = setup
    before = corpus_state(corpus)
    assert "只有管理员" in asyncio.run(eng.add_document(STRANGER, "private", "n.txt", FILES["notice.txt"]))[0].html
    assert "私聊" in asyncio.run(eng.add_document(ADMIN, "group", "n.txt", FILES["notice.txt"]))[0].html
    assert corpus_state(corpus) == before


def test_remove_document(setup) -> None:
    eng, corpus = setup
    asyncio.run(eng.add_document(ADMIN, "private", "notice.txt", FILES["notice.txt"]))
    refused = asyncio.run(eng.handle_message(Incoming(STRANGER, STRANGER, "/remove notice")))
    assert "只有管理员" in refused[0].html and len(eng.lib.documents) == 6
    (asked,) = asyncio.run(eng.handle_message(Incoming(ADMIN, ADMIN, "/remove notice")))
    assert "确认移除" in asked.html and len(eng.lib.documents) == 6  # asked, not yet removed
    confirm = asked.buttons[0][0]
    assert confirm.text == "确认移除"
    done = asyncio.run(eng.handle_callback(CallbackIn(ADMIN, ADMIN, confirm.data)))
    assert "已移除" in done.html and done.edit and len(eng.lib.documents) == 5
    assert not list(corpus.glob("*notice*"))


def test_answers_keep_working_while_the_index_is_rebuilt(warm: Warm) -> None:
    """A question asked during an upload is answered while the conversion and re-indexing are still running.

    The document work is the real one (a fresh process); only its start and
    end are timed.  Were it to block the event loop, no answer could be
    completed between the two.
    """
    heavy: dict[str, float] = {}

    async def timed(fn, *args):
        heavy["start"] = time.monotonic()
        try:
            return await in_fresh_process(fn, *args)
        finally:
            heavy["end"] = time.monotonic()

    eng = make_engine(warm, run_heavy=timed)

    async def scenario() -> tuple[list, float, list]:
        upload = asyncio.create_task(eng.add_document(ADMIN, "private", "notice.txt", FILES["notice.txt"]))
        while "start" not in heavy:
            await asyncio.sleep(0.01)
        answer = await eng.handle_message(Incoming(1, 1, "四个机关指的是哪四个机关"))
        answered = time.monotonic()
        return answer, answered, await upload

    answer, answered, added = asyncio.run(scenario())
    assert heavy["start"] < answered < heavy["end"]  # answered while the index was being rebuilt
    assert "[1]" in answer[0].html and "已添加" in added[0].html
    assert len(eng.lib.documents) == 6 and any(d.doc_id == "005_notice" for d in eng.lib.documents)
    eng.store.close()


def test_cli_add_and_remove(tmp_path: Path, warm: Warm, capsys) -> None:
    corpus_copy, cache = warm.corpus, str(warm.data / "cache")
    docx = tmp_path / "report.docx"
    docx.write_bytes(FILES["notice.docx"])
    assert cli_main(["add", str(docx), "--corpus", str(corpus_copy), "--cache-dir", cache]) == 0
    assert "added 005_report.txt" in capsys.readouterr().out
    before = corpus_state(corpus_copy)
    assert cli_main(["add", str(docx), "--corpus", str(corpus_copy), "--cache-dir", cache]) == 2
    assert "重复" in capsys.readouterr().err and corpus_state(corpus_copy) == before
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    assert cli_main(["add", str(empty), "--corpus", str(corpus_copy), "--cache-dir", cache]) == 2
    assert cli_main(["remove", "report", "--corpus", str(corpus_copy), "--cache-dir", cache]) == 0
    assert not (corpus_copy / "report.txt").exists()
