"""What an admin is told about an upload."""

from __future__ import annotations

from retrieval import Document, Library

from .. import callbacks
from ..render import Button, Reply, esc


def added(lib: Library, doc: Document) -> Reply:
    lines = [
        f"已添加 <b>{esc(doc.title)}</b>",
        f"编号 <code>{esc(lib.short_id(doc.doc_id))}</code> · 日期 {esc(doc.date or '不详')}"
        f" · {len(doc.paragraphs)} 段",
    ]
    lines += [f"⚠️ {esc(w)}" for w in doc.warnings]
    lines.append(f"现在共有 {len(lib.documents)} 篇文档、{len(lib.paragraphs)} 个段落。")
    return Reply("\n".join(lines))


def not_added(filename: str, reason: str) -> Reply:
    return Reply(f"没有添加 {esc(filename)}：{esc(reason)}。语料和索引保持不变。")


def processing(filename: str) -> str:
    return f"正在处理 {esc(filename)}，索引重建期间仍可正常提问……"


def confirm_removal(lib: Library, doc: Document, secret: bytes, chat_id: int, token: int) -> Reply:
    """What /remove would take out, shown before anything happens; the buttons carry only a token."""
    lines = [
        "确认移除这篇文档吗？",
        f"<b>{esc(doc.title)}</b>",
        f"编号 <code>{esc(lib.short_id(doc.doc_id))}</code>（<code>{esc(doc.doc_id)}</code>）"
        f" · 日期 {esc(doc.date or '不详')} · {len(doc.paragraphs)} 段",
        "移除后它的源文件从语料目录中删除，答案不再引用它。",
    ]
    yes = Button("确认移除", callbacks.encode(secret, chat_id, "r", token, 1))
    no = Button("取消", callbacks.encode(secret, chat_id, "r", token, 0))
    return Reply("\n".join(lines), [[yes, no]])
