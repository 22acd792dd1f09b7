"""Turning an uploaded file into plain text for ingestion: .txt, .md, .docx, .pdf, .html.

Each format uses its well-kept reader (python-docx, pypdf, BeautifulSoup);
the text then goes through the same ingestion as the seeds, which already
copes with hard wraps, page breaks and web residue.
"""

from __future__ import annotations

import io
import re
import zipfile

from .ingest import IngestError, decode_bytes

FORMATS = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")


def to_text(filename: str, data: bytes) -> str:
    """Plain text of a file, or IngestError saying why it cannot be read."""
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    if suffix not in FORMATS:
        raise IngestError(f"unsupported file type {suffix or '(none)'}; send .txt, .md, .docx, .pdf or .html")
    if not data.strip():
        raise IngestError("empty file")
    if suffix in (".txt", ".md"):
        return decode_bytes(data)[0]
    if suffix == ".docx":
        return _docx(data)
    if suffix == ".pdf":
        return _pdf(data)
    return _html(data)


def _docx(data: bytes) -> str:
    from docx import Document as DocxDocument

    try:
        doc = DocxDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError("not a readable .docx file") from exc
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    text = "\n\n".join(line for line in lines if line.strip())
    if not text.strip():
        raise IngestError("the .docx file holds no text")
    return text


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise IngestError("not a readable .pdf file") from exc
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
