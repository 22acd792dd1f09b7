"""Adding and removing corpus documents, with every check done before the corpus is touched.

A file is converted, ingested and compared with the documents already
present in memory first; only a file that passes is written (to a temporary
name, then renamed), so a refused file leaves the corpus exactly as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .analysis import fold
from .convert import to_text
from .corpus import load_document, parse_text
from .ingest import IngestError, list_sources
from .model import Document

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.-]+")


@dataclass
class Added:
    document: Document
    path: Path


def _fingerprint(doc: Document) -> str:
    return hashlib.sha256("\n".join(fold(p.text) for p in doc.paragraphs).encode()).hexdigest()


def _target(corpus: Path, filename: str, markdown: bool) -> Path:
    stem = _UNSAFE.sub("_", Path(filename).stem).strip("._") or "document"
    stem = stem[:80]
    suffix = ".md" if markdown else ".txt"
    path = corpus / f"{stem}{suffix}"
    n = 2
    taken = {p.stem for p in list_sources(corpus)}
    while path.exists() or path.stem in taken:
        path = corpus / f"{stem}-{n}{suffix}"
        n += 1
    return path


def add_file(
    corpus: Path, filename: str, data: bytes, existing: list[Document], max_bytes: int = DEFAULT_MAX_BYTES
) -> Added:
    """Validate and add one file; raise IngestError (corpus untouched) when it is refused."""
    if len(data) > max_bytes:
        raise IngestError(f"file too large ({len(data) / 1048576:.1f} MB; the limit is {max_bytes / 1048576:.0f} MB)")
    text = to_text(filename, data)
    markdown = filename.lower().endswith((".md", ".html", ".htm"))
    probe = parse_text("new", filename, text)
    if not probe.paragraphs:
        raise IngestError("no text paragraphs found")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    fingerprint = _fingerprint(probe)
    for doc in existing:
        if doc.sha256 == digest or _fingerprint(doc) == fingerprint:
            raise IngestError(f"duplicate of document {doc.doc_id} ({doc.title})")
    corpus.mkdir(parents=True, exist_ok=True)
    path = _target(corpus, filename, markdown)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    try:
        doc = load_document(path)
    except (IngestError, OSError):
        path.unlink(missing_ok=True)
        raise
    return Added(doc, path)


def remove_document(corpus: Path, doc_id: str) -> Path:
    """Delete the source file of a document; raise KeyError when there is none."""
    for path in list_sources(corpus):
        if path.stem == doc_id:
            path.unlink()
            return path
    raise KeyError(doc_id)
