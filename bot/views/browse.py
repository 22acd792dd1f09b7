"""Reference replies: help, about, the document list, a document's outline, every occurrence of a phrase."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from retrieval import Document, Paragraph

from .. import callbacks
from ..render import Button, Reply, brief, esc, pack
from .cited import cited_excerpt, suggestions_line

DOCS_PAGE = 20  # 20 entries of at most ~190 characters stay below the message limit
PHRASE_LIST = 20  # occurrences listed per document


def help_text(term: str, doc_hint: str) -> Reply:
    """Usage with examples that work on the corpus loaded: its most quoted formula, one of its documents."""
    lines = [
        "<b>政策文件问答</b>：在语料中查找原文段落，每条都注明出处（文档 › 文章 › 章节 › 段落）。",
        "",
        "直接提问，例如：",
        f"• <code>{esc(term)}指的是什么</code>",
        "• <code>六个必须坚持包括哪些内容</code>",
        "• <code>無錫市設立了什麼民主實踐平臺</code>（繁体、全角也可以）",
        "",
        "追问：<code>那镇江呢？</code>、<code>谁主持的？</code>、<code>更多</code>、<code>第二条原文</code>；也可以直接回复机器人的消息。",
        "",
        "命令：",
        "/ask 问题（/q）— 提问（群里用 /ask@机器人 或 @机器人）",
        "/more — 下一页",
        "/source 序号 — 查看第 N 条的原文和上下段",
        "/full 序号 — 第 N 条所在文章的全文（.txt 文件，开头注明出处；上传的文档另附原件）",
        f"/phrase 短语 — 逐条列出一个提法的全部出处，按文档日期排列，例如 <code>/phrase {esc(term)}</code>",
        "/docs — 文档列表",
        f"/outline 文档 — 文档结构，例如 <code>/outline {esc(doc_hint)}</code>",
        "/about — 关于",
        "/digest on 08:30 — 每天定时收到新文档摘要（/digest off 关闭，/digest now 立即预览）",
        "/watch 短语 — 关注一个提法，摘要中报告它的新出处（/unwatch 取消，/watching 查看）；群里由管理员设置",
        "",
        f"用引号查精确短语：<code>“{esc(term)}”</code>；"
        f"限定文档或年份：<code>doc:{esc(doc_hint)} 代表小组</code>、<code>2022年 人大工作会议</code>。",
    ]
    return Reply("\n".join(lines))


def about(documents: int, paragraphs: int, terms: int) -> Reply:
    return Reply(
        "<b>关于</b>\n"
        f"语料：{documents} 篇文档，{paragraphs} 个段落，{terms} 个词项。\n"
        "检索：jieba 分词 + BM25（与 rank-bm25 的 BM25Okapi 一致），繁简、全半角统一匹配，摘录保留原文。\n"
        "每条结果都注明文档、文章、章节和段落序号，可用 /source 查看原文。"
    )


def docs_page(
    docs: Sequence[Document],
    offset: int,
    short_id: Callable[[str], str],
    button: Callable[[str, int], Button] | None,
    edit: bool,
) -> Reply:
    """One page of the document list; ``button(label, offset)`` makes 「上一页」「下一页」 (None: no paging)."""
    shown = docs[offset : offset + DOCS_PAGE]
    head = f"<b>文档列表</b>（共 {len(docs)} 篇）"
    if len(docs) > DOCS_PAGE:
        head += f" 第 {offset + 1}–{offset + len(shown)} 篇"
    lines = [head]
    for d in shown:
        lines.append(
            f"• <code>{esc(short_id(d.doc_id))}</code> {esc(d.title[:80])}"
            f" — {esc(d.date or '日期不详')}，{len(d.paragraphs)} 段"
        )
    lines.append("\n用 <code>/outline 编号</code> 查看结构，用 <code>doc:编号</code> 限定检索范围。")
    row = []
    if button is not None and offset > 0:
        row.append(button("上一页", offset - DOCS_PAGE))
    if button is not None and offset + DOCS_PAGE < len(docs):
        row.append(button("下一页", offset + DOCS_PAGE))
    return Reply("\n".join(lines), [row] if row else [], edit=edit)


def docs_button(secret: bytes, chat_id: int) -> Callable[[str, int], Button]:
    """The page buttons of one chat's document list, signed for that chat."""
    return lambda label, offset: Button(label, callbacks.encode(secret, chat_id, "d", offset))


def outline(doc: Document) -> list[Reply]:
    lines = [f"<b>{esc(doc.title)}</b>", f"日期：{esc(doc.date or '不详')}　段落：{len(doc.paragraphs)}"]
    for e in doc.outline:
        if e.kind in ("article", "heading"):
            indent = "　" * e.level
            para = f"（第{e.paragraph}段起）" if e.paragraph else ""
            lines.append(f"{indent}{'▪' if e.kind == 'article' else '·'} {esc(e.text[:60])}{para}")
    return [Reply(m) for m in pack(lines, sep="\n")]


def unknown_document(ref: str) -> Reply:
    return Reply(f"没有唯一匹配“{esc(brief(ref))}”的文档。用 /docs 查看编号。")


def phrase_missing(phrase: str, suggestions: list[str]) -> Reply:
    hint = "\n" + suggestions_line(suggestions) if suggestions else ""
    return Reply(f"语料中没有“{esc(brief(phrase))}”这一提法。{hint}")


def phrase_occurrences(phrase: str, folded: str, found: list[tuple[Document, Paragraph, int]]) -> list[Reply]:
    """Every occurrence, counted and listed per document in the order found (documents by date)."""
    per_doc: dict[str, list[tuple[Document, Paragraph]]] = {}
    for doc, para, _ in found:
        per_doc.setdefault(doc.doc_id, []).append((doc, para))
    blocks = [
        f"“<b>{esc(brief(phrase))}</b>”共出现 {len(found)} 次，"
        f"见于 {len(per_doc)} 篇文档（按文档日期排列，最早的在前）："
    ]
    for items in per_doc.values():
        doc = items[0][0]
        # Paragraphs, not occurrences: a paragraph saying it twice is shown once.
        paragraphs = list({p.number: p for _, p in items}.values())
        lines = [f"<b>{esc(doc.label)}</b>（{esc(doc.date or '日期不详')}）— {len(items)} 次"]
        lines += [cited_excerpt(doc, p, [folded]) for p in paragraphs[:PHRASE_LIST]]
        if len(paragraphs) > PHRASE_LIST:
            lines.append(f"（另有 {len(paragraphs) - PHRASE_LIST} 处未列出）")
        blocks.append("\n".join(lines))
    return [Reply(m) for m in pack(blocks)]
