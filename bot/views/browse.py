"""Reference replies: help, about, the document list, a document's outline and the documents a name could mean."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from retrieval import Document

from .. import callbacks
from ..render import Button, Reply, brief, esc, pack

DOCS_PAGE = 20  # 20 entries of at most ~190 characters stay below the message limit


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


def candidates(ref: str, docs: list[tuple[Document, int]], total: int, short_id: Callable[[str], str]) -> Reply:
    """The documents a reference could mean, each with the command that opens it (mentions when counted)."""
    lines = [f"“{esc(brief(ref))}”不是唯一的文档编号，可能是指（共 {total} 篇）："]
    for d, mentions in docs:
        said = f"，提到 {mentions} 处" if mentions else ""
        lines.append(
            f"• <code>/outline {esc(short_id(d.doc_id))}</code> {esc(d.label[:80])}"
            f"（{esc(d.date or '日期不详')}{said}）"
        )
    if total > len(docs):
        lines.append(f"（另有 {total - len(docs)} 篇未列出，用 /docs 查看全部）")
    return Reply("\n".join(lines))


def unknown_document(ref: str) -> Reply:
    return Reply(f"没有找到与“{esc(brief(ref))}”对应的文档。用 /docs 查看编号。")
