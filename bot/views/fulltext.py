"""The whole article as files: the .txt with its citation on top, and the original the admin uploaded."""

from __future__ import annotations

from retrieval import Document, FullText, Paragraph, citation

from ..render import MAX_FILE_BYTES, Attachment, Reply, brief, esc

NO_SESSION = "没有可以下载全文的回答，请先提一个问题。"
GONE = "这篇文档已不在语料中（可能已被移除），无法提供全文。"
SENT = "全文已发送"


def full_caption(doc: Document, p: Paragraph, full: FullText) -> str:
    """What the file is, in a line a reader sees before opening it; the file itself starts with the citation."""
    span = f"第 {full.first}–{full.last} 段" if (full.first, full.last) != (1, len(doc.paragraphs)) else "整篇文档"
    return f"📄 <b>全文</b>（{span}，UTF-8 文本）\n<i>{esc(brief(citation(doc, p), 300))}</i>"


def original_caption(name: str) -> str:
    return f"📎 原始上传文件 <code>{esc(brief(name, 120))}</code>（未经转换）"


def too_big(what: str, size: int) -> str:
    limit = MAX_FILE_BYTES // 1_000_000  # Telegram counts decimal megabytes
    return f"⚠️ {what}（{size / 1_000_000:.1f} MB）超过 Telegram 机器人 {limit} MB 的发送上限，没有附上。"


def files(doc: Document, p: Paragraph, full: FullText, original: tuple[str, bytes | int] | None) -> Reply:
    """The full text and, where one was kept, the original: (name, bytes), or (name, size) when it is too big."""
    notes: list[str] = []
    attachments: list[Attachment] = []
    text = full.text.encode("utf-8")
    if len(text) > MAX_FILE_BYTES:
        notes.append(too_big("全文文件", len(text)))
    else:
        attachments.append(Attachment(full.filename, text, full_caption(doc, p, full)))
    if original is not None:
        name, data = original
        if isinstance(data, int):
            notes.append(too_big(f"原始文件 <code>{esc(brief(name, 120))}</code>", data))
        else:
            attachments.append(Attachment(name, data, original_caption(name)))
    return Reply("\n".join(notes), files=attachments, notice=SENT if attachments else "")


def gone() -> Reply:
    return Reply(GONE, notice="文档已不存在")
