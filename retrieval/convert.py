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
        raise IngestError(f"unsupported file type {suffix or '(none)'}; send .txt, .md, .docx, .pdf or .html")
    if not data.strip():
        raise IngestError("empty file")
    if suffix in (".txt", ".md"):
        text = decode_bytes(data)[0]
    elif suffix == ".docx":
        text = _docx(data)
    elif suffix == ".pdf":
        text = _pdf(data)
    else:
        text = _html(data)
    if len(text) > MAX_TEXT_CHARS:
        raise IngestError(f"too much text ({len(text):,} characters; the limit is {MAX_TEXT_CHARS:,})")
    return text


def check_zip(data: bytes, what: str = ".docx") -> None:
    """Refuse a zip whose declared sizes are a bomb, reading only its central directory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise IngestError(f"not a readable {what} file (not a zip archive)") from exc
    if len(members) > MAX_MEMBERS:
        raise IngestError(f"not a plausible {what} file ({len(members)} parts)")
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > MAX_UNZIPPED:
        raise IngestError(
            f"{what} file would expand to {total / 1048576:,.0f} MB (the limit is {MAX_UNZIPPED // 1048576} MB)"
        )
    for m in members:
        if m.filename.endswith((".xml", ".rels")) and m.file_size > MAX_XML_PART:
            raise IngestError(f"{what} part {m.filename} is too large ({m.file_size / 1048576:,.0f} MB)")
        if m.file_size > 1024 * 1024 and m.file_size > MAX_RATIO * max(1, m.compress_size):
            raise IngestError(f"{what} part {m.filename} expands {m.file_size // max(1, m.compress_size):,} times")
    if total > 1024 * 1024 and total > MAX_RATIO * max(1, packed):
        raise IngestError(f"{what} file expands {total // max(1, packed):,} times")


def _docx(data: bytes) -> str:
    from docx import Document as DocxDocument

    check_zip(data)
    try:
        doc = DocxDocument(io.BytesIO(data))
        lines = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                lines.append(" ".join(cell.text for cell in row.cells))
    except Exception as exc:  # lxml, zipfile, python-docx: any of them may fail on a damaged file
        raise IngestError(f"not a readable .docx file ({type(exc).__name__})") from exc
    text = "\n\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise IngestError("the .docx file holds no text")
    return text


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise IngestError(f"the .pdf file has {count:,} pages (the limit is {MAX_PDF_PAGES:,})")
        pages: list[str] = []
        size = 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > MAX_TEXT_CHARS:
                raise IngestError(f"too much text (over {MAX_TEXT_CHARS:,} characters)")
    except IngestError:
        raise
    except Exception as exc:  # pypdf raises many kinds of error on damaged or hostile files
        raise IngestError(f"not a readable .pdf file ({type(exc).__name__})") from exc
    # A blank line between pages: ingestion re-joins a paragraph cut by the break.
    text = "\n\n".join(pages)
    if not text.strip():
        raise IngestError("the .pdf file holds no extractable text (scanned images?)")
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
        raise IngestError("the .html file holds no text")
    return "\n\n".join(blocks)
