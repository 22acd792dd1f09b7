"""Turning an uploaded file into plain text for ingestion: .txt, .md, .docx, .pdf, .html.

Each format uses its well-kept reader (python-docx, pypdf, BeautifulSoup);
the text then goes through the same ingestion as the seeds, which already
copes with hard wraps, page breaks and web residue.

Uploads are untrusted, so every reader is bounded before it runs: a .docx
(a zip) is refused when its members would expand beyond ``MAX_UNZIPPED``
bytes in all, any one XML part beyond ``MAX_XML_PART``, or at a ratio beyond
``MAX_RATIO`` — a 1.5 MB zip bomb that expands to 1.5 GB is refused after
reading its directory, before anything is decompressed.  (``zipfile`` never
returns more than a member's declared size, so the declared sizes bound what
python-docx can read.)  A PDF is refused beyond ``MAX_PDF_PAGES`` pages, and
any format beyond ``MAX_TEXT_CHARS`` characters of text.  Whatever a reader
raises on a malformed file becomes an ``IngestError``: a clear refusal,
never a traceback.
"""

from __future__ import annotations

import io
import re
import zipfile

from .ingest import IngestError, decode_bytes

FORMATS = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")

MAX_UNZIPPED = 60 * 1024 * 1024  # python-docx holds every part in memory, and lxml a tree of the XML
MAX_XML_PART = 25 * 1024 * 1024  # about 2.5 million characters of text in one document.xml
MAX_RATIO = 100  # real .docx parts compress 5-20 times; a bomb a thousand times
MAX_MEMBERS = 5000
MAX_PDF_PAGES = 2000
MAX_TEXT_CHARS = 3_000_000  # the longest policy documents are far below 1 million characters


def to_text(filename: str, data: bytes) -> str:
    """Plain text of a file, or IngestError saying why it cannot be read."""
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if suffix not in FORMATS:
        raise IngestError(f"不支持的文件类型 {suffix or '（无扩展名）'}，请发送 .txt、.md、.docx、.pdf 或 .html 文件")
    if not data.strip():
        raise IngestError("文件是空的")
    if suffix in (".txt", ".md"):
        text = decode_bytes(data)[0]
    elif suffix == ".docx":
        text = _docx(data)
    elif suffix == ".pdf":
        text = _pdf(data)
    else:
        text = _html(data)
    if len(text) > MAX_TEXT_CHARS:
        raise IngestError(f"文字太多（{len(text):,} 字，上限 {MAX_TEXT_CHARS:,} 字）")
    return text


def check_zip(data: bytes, what: str = ".docx") -> None:
    """Refuse a zip whose declared sizes are a bomb, reading only its central directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise IngestError(f"无法读取这个 {what} 文件（不是有效的 zip 压缩包）") from exc
    if len(members) > MAX_MEMBERS:
        raise IngestError(f"这个 {what} 文件不像正常文件（包含 {len(members)} 个部件）")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > MAX_UNZIPPED:
        raise IngestError(f"{what} 文件解压后将有 {total / 1048576:,.0f} MB，超过上限 {MAX_UNZIPPED // 1048576} MB")
    for m in members:
        if m.filename.endswith((".xml", ".rels")) and m.file_size > MAX_XML_PART:
            raise IngestError(f"{what} 文件中的部件 {m.filename} 太大（解压后 {m.file_size / 1048576:,.0f} MB）")
        if m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(1, m.compress_size):
            ratio = m.file_size // max(1, m.compress_size)
            raise IngestError(f"{what} 文件中的部件 {m.filename} 解压后膨胀 {ratio:,} 倍，疑似压缩炸弹")
    if total > 1024 * 1024 and total > MAX_RATIO * max(1, packed):
        raise IngestError(f"{what} 文件解压后膨胀 {total // max(1, packed):,} 倍，疑似压缩炸弹")


def _docx(data: bytes) -> str:
    """A .docx as text in reading order: headings as Markdown headings, each table row where it stands.

    Headings become sections only if they stay marked as headings, and a
    table read after all the paragraphs would be cited under the wrong one.
    """
    from docx import Document as DocxDocument
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data)
    lines: list[str] = []
    try:
        doc = DocxDocument(io.BytesIO(data))
        for child in doc.element.body.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                para = Paragraph(child, doc)
                level = _heading_level(para.style.name if para.style is not None else "")
                text = para.text.strip()
                if text:
                    lines.append(("#" * level + " " if level else "") + text)
            elif tag == "tbl":
                lines.extend(table_rows([[cell.text.strip() for cell in row.cells] for row in Table(child, doc).rows]))
    except Exception as exc:  # lxml, zipfile, python-docx: any of them may fail on a damaged file
        raise IngestError(f"无法读取这个 .docx 文件（{type(exc).__name__}）") from exc
    text = "\n\n".join(lines)
    if not text.strip():
        raise IngestError(".docx 文件中没有文字")
    return text


def _heading_level(style: str) -> int:
    """Word's built-in heading styles, in English or Chinese Word (Heading 2, 标题 2); 0 for body text."""
    m = re.match(r"^(?:Heading|标题|Title)\s*(\d?)$", style.strip())
    if not m:
        return 0
    return int(m.group(1)) if m.group(1) else 1


def table_rows(rows: list[list[str]]) -> list[str]:
    """Each data row as one line that names its columns (督办事项：老旧小区改造；牵头单位：市住建局).

    A row read without its header row loses what its numbers and names
    mean; with the header's own words before each cell it answers a
    question on its own.  Merged cells repeat in python-docx and are kept once.
    """
    rows = [list(dict.fromkeys(row)) for row in rows]
    rows = [row for row in rows if any(row)]
    if len(rows) >= 2 and len(rows[0]) == len(rows[1]) and all(rows[0]):
        header, body = rows[0], rows[1:]
        return ["；".join(f"{h}：{c}" for h, c in zip(header, row, strict=False) if c) for row in body]
    return ["；".join(c for c in row if c) for row in rows]


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise IngestError(f".pdf 文件有 {count:,} 页，超过上限 {MAX_PDF_PAGES:,} 页")
        pages: list[str] = []
        size = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > MAX_TEXT_CHARS:
                raise IngestError(f"文字太多（超过 {MAX_TEXT_CHARS:,} 字）")
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged or hostile files
        raise IngestError(f"无法读取这个 .pdf 文件（{type(exc).__name__}）") from exc
    # A blank line between pages: ingestion re-joins a paragraph cut by the break.
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError(".pdf 文件中没有可提取的文字（可能是扫描图片）")
    return text


def _html(data: bytes) -> str:
    from bs4 import BeautifulSoup

    markup = decode_bytes(data)[0]
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "header", "footer", "form"]):
        tag.decompose()
    blocks = []
    for el in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "div"]):
        if el.find(["p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6"]):
            continue  # only the innermost blocks, so text is not repeated
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True))
        if text:
            level = int(el.name[1]) if el.name.startswith("h") and el.name[1:].isdigit() else 0
            blocks.append(("#" * level + " " if level else "") + text)
    if not blocks:
        text = soup.get_text("\n", strip=True)
        blocks = [text] if text else []
    if not blocks:
        raise IngestError(".html 文件中没有文字")
    return "\n\n".join(blocks)
