"""Reading a corpus folder into Documents: ingestion then structure, file by file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .ingest import IngestError, assemble, clean_lines, drop_duplicates, list_sources, read_source
from .model import Document
from .structure import build_document, toc_titles


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files skipped, with the reason


def doc_id_for(path: Path) -> str:
    """The document id is the file name without its suffix: stable across rebuilds."""
    return path.stem


def parse_text(doc_id: str, source: str, text: str) -> Document:
    """Clean, re-join and structure one document's text."""
    lines, dropped = clean_lines(text)
    blocks = assemble(lines)
    # Titles listed in a table of contents must not be glued to the text
    # that follows them, so a second pass knows them.
    titles = toc_titles(blocks)
    if titles:
        blocks = assemble(lines, titles)
    blocks, notes = drop_duplicates(blocks)
    warnings = [f"去掉了 {dropped} 行网页残留（广告、页面控件等）"] if dropped else []
    warnings += notes
    return build_document(doc_id, source, blocks, warnings)


def load_document(path: Path) -> Document:
    text, encoding, digest = read_source(path)
    doc = parse_text(doc_id_for(path), path.name, text)
    doc.sha256 = digest
    doc.encoding = encoding
    if not doc.paragraphs:
        raise IngestError("没有找到正文段落")
    return doc


def load_corpus(folder: Path) -> Corpus:
    """Every readable document of the folder; unreadable files are reported, not fatal."""
    corpus = Corpus()
    for path in list_sources(folder):
        try:
            corpus.documents.append(load_document(path))
        except (IngestError, OSError) as exc:
            corpus.errors.append(f"{path.name}: skipped: {exc}")
    return corpus
