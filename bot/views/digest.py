"""The daily digest and the digest settings as messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval import Document, Paragraph, citation, make_excerpt

from ..render import esc, pack
from .cited import cited_excerpt

MAX_WATCH_HITS = 5


@dataclass
class NewDocument:
    doc: Document
    keywords: list[str]


@dataclass
class WatchNews:
    """A watched phrase in the new documents: how many paragraphs hold it, and the first few of them."""

    phrase: str
    folded: str
    count: int = 0
    first: list[tuple[Document, Paragraph]] = field(default_factory=list)


def digest_parts(
    day: str, new_docs: list[NewDocument], watches: list[WatchNews], pick: tuple[Document, Paragraph] | None
) -> list[str]:
    """The digest's messages: new documents, watched phrases, 今日一段 — split below the message limit."""
    blocks = [f"📰 <b>每日摘要</b> · {day}"]
    if new_docs:
        blocks.append(f"<b>新增或更新的文档（{len(new_docs)}）</b>")
        blocks.extend(_doc_block(d) for d in new_docs)
    else:
        blocks.append("自上次摘要以来，语料没有新增或更新的文档。")
    if watches:
        blocks.append("<b>关注的提法</b>")
        blocks.extend(_watch_block(w) for w in watches)
    if pick is not None:
        doc, p = pick
        blocks.append(f"<b>今日一段</b>\n{esc(p.text)}\n— <i>{esc(citation(doc, p))}</i>")
    return pack(blocks)


def _doc_block(new: NewDocument) -> str:
    doc = new.doc
    lines = [f"<b>{esc(doc.title)}</b>（{esc(doc.date or '日期不详')}，{len(doc.paragraphs)} 段）"]
    if new.keywords:
        lines.append("关键词：" + "、".join(esc(k) for k in new.keywords))
    first = next((p for p in doc.paragraphs if not p.printed), None)  # the text's opening, not its title
    if first is not None:
        opening, _ = make_excerpt(first.text, [])
        lines.append(f"开头：{esc(opening)}\n— <i>{esc(citation(doc, first))}</i>")
    return "\n".join(lines)


def _watch_block(w: WatchNews) -> str:
    if not w.count:
        return f"🔔 “{esc(w.phrase)}”：没有新的出处。"
    lines = [f"🔔 “{esc(w.phrase)}”：{w.count} 处新出处"]
    lines += [cited_excerpt(doc, p, [w.folded]) for doc, p in w.first]
    if w.count > len(w.first):
        lines.append(f"（另有 {w.count - len(w.first)} 处，可用 /phrase {esc(w.phrase)} 查看全部）")
    return "\n".join(lines)


def preview(parts: list[str]) -> list[str]:
    return ["（预览，不影响每日推送）\n" + parts[0], *parts[1:]]


def settings_status(digest_on: bool, digest_time: str, timezone: str, watches: int) -> str:
    state = f"开启，每天 {digest_time}（{esc(timezone)}）" if digest_on else "关闭"
    return "\n".join(
        [
            f"<b>每日摘要</b>：{state}",
            f"关注的提法：{watches} 个（/watching 查看）",
            "用 <code>/digest on 08:30</code> 开启，<code>/digest off</code> 关闭，<code>/digest now</code> 预览。",
        ]
    )
