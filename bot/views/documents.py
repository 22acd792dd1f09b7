"""What an admin is told about an upload."""

from __future__ import annotations

from retrieval import Document, Library

from ..render import Reply, esc


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
