"""Opening, adding and removing corpus documents, with every check done before anything is touched.

A file is converted, ingested and compared with the documents already
present in memory first; only a file that passes is written (to a temporary
name, then renamed), so a refused file leaves the corpus exactly as it was.

:func:`open_library` is how the bot and ``index`` open a corpus: it refuses
a folder that does not exist or holds no documents (so a typo cannot wipe
other corpora's caches), skips and reports files it cannot read instead of
stopping, and checks a cached library against the corpus it claims to be
(its documents' names and hashes, and a jieba dictionary that still knows
common words), rebuilding a foreign or damaged cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .analysis import fold
from .convert import to_text
from .corpus import load_document, parse_text
from .ingest import IngestError, list_sources
from .library import INDEX_DIR, Library, default_cache_dir
from .model import Document

log = logging.getLogger(__name__)

# Words every healthy jieba dictionary knows; an emptied or truncated dictionary cache does not.
_COMMON_WORDS = ("中国", "发展", "我们", "工作", "经济")
_JIEBA_CACHE_GLOB = "jieba-freq-*.json"


class CorpusError(ValueError):
    """The corpus folder cannot be indexed (missing, or no documents in it)."""


def open_library(folder: Path, cache_dir: Path | None = None, use_cache: bool = True) -> Library:
    """The library of a corpus folder, checked: see the module docstring.

    Unreadable sources are skipped by the build itself and reported in the
    library's warnings; the manifest already ties the cache to this folder's
    files, so what remains to check is what a manifest cannot see.
    """
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    if not list_sources(folder):
        raise CorpusError(f"no .txt or .md documents in {folder}")
    cache_dir = cache_dir or default_cache_dir()
    lib = Library.open(folder, cache_dir, use_cache=use_cache)
    problems = library_problems(lib, folder)
    if problems:  # once: a rebuild from the files themselves cannot be foreign
        log.warning("index cache rejected (%s); rebuilding", "; ".join(problems))
        forget_cache(cache_dir)
        lib = Library.open(folder, cache_dir, use_cache=use_cache)
        lib.info.warnings.insert(0, f"index cache rejected and rebuilt: {'; '.join(problems)}")
    return lib


def library_problems(lib: Library, folder: Path) -> list[str]:
    """Why a library does not describe ``folder``: foreign documents, changed files, a broken dictionary."""
    problems = []
    if not all(lib.analyzer.is_known(w) for w in _COMMON_WORDS):
        problems.append("the jieba dictionary cache is empty or damaged")
    sources = {p.stem: p for p in list_sources(folder)}
    foreign = [d for d in lib.doc_ids if d not in sources]
    if foreign:
        problems.append(f"{len(foreign)} document(s) not in {folder}, e.g. {foreign[0]}")
    # A file whose size and mtime are those the library's manifest recorded
    # was hashed then (the manifest's rule): only the others are read again,
    # not the whole corpus at every open (seconds at a million paragraphs).
    recorded = lib.source_stats()
    changed = [
        m["doc_id"]
        for m in lib.doc_meta()
        if m["doc_id"] in sources
        and m["sha256"]
        and not _unchanged(sources[m["doc_id"]], recorded.get(m["path"]))
        and _sha256(sources[m["doc_id"]]) not in (m["sha256"], None)
    ]
    if changed:
        problems.append(f"{len(changed)} document(s) differ from their files, e.g. {changed[0]}")
    return problems


def forget_cache(cache_dir: Path) -> None:
    """Remove the cached index and the jieba dictionary cache, so both are rebuilt."""
    shutil.rmtree(cache_dir / INDEX_DIR, ignore_errors=True)
    for path in cache_dir.glob(_JIEBA_CACHE_GLOB):
        path.unlink(missing_ok=True)


def _unchanged(path: Path, entry: tuple[int, int] | None) -> bool:
    """Whether a file still has the (size, mtime_ns) a manifest recorded for it."""
    if entry is None:
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == entry


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w\u4e00-\u9fff.-]+")


@dataclass
class Added:
    document: Document
    path: Path


def _fingerprint(doc: Document) -> str:
    return hashlib.sha256("\n".join(fold(p.text) for p in doc.paragraphs).encode()).hexdigest()


_NUMBERED = re.compile(r"^(\d{3,})(?:_|$)")


STEM_BYTES = 180  # of a stored upload's name: its number, suffix and temporary ".<pid>.part" fit in 255


def _target(corpus: Path, filename: str, markdown: bool) -> Path:
    """Where an upload is stored: the next free number, then the file name (``005_常州代表工作.txt``).

    The number is the document's id for people — short, typeable in
    ``/remove 005`` or ``doc:005`` and in the same style as the seeds — and
    the file name after it keeps the folder readable.
    """
    stem = _UNSAFE.sub("_", Path(filename).stem).strip("._") or "document"
    # A file name is limited in bytes (255 on common file systems), and the temporary name written
    # first adds a dot, the process id and ".part": 80 characters of Chinese are 240 bytes.
    stem = stem[:80].encode("utf-8")[:STEM_BYTES].decode("utf-8", "ignore").strip("._") or "document"
    suffix = ".md" if markdown else ".txt"
    taken = {p.stem for p in list_sources(corpus)}
    numbers = [int(m.group(1)) for s in taken if (m := _NUMBERED.match(s))]
    n = max(numbers, default=-1) + 1
    while True:
        path = corpus / f"{n:03d}_{stem}{suffix}"
        if not path.exists() and path.stem not in taken:
            return path
        n += 1


def add_file(
    corpus: Path, filename: str, data: bytes, existing: Sequence[Document] | Library, max_bytes: int = DEFAULT_MAX_BYTES
) -> Added:
    """Validate and add one file; raise IngestError (corpus untouched) when it is refused.

    ``existing`` is the library (its documents' fingerprints were recorded
    at build time) or a list of documents (fingerprinted here).
    """
    if len(data) > max_bytes:
        raise IngestError(f"文件太大（{len(data) / 1048576:.1f} MB，上限 {max_bytes / 1048576:.0f} MB）")
    text = to_text(filename, data)
    markdown = filename.lower().endswith((".md", ".html", ".htm"))
    probe = parse_text("new", filename, text)
    if not probe.paragraphs:
        raise IngestError("没有找到正文段落")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    fingerprint = _fingerprint(probe)
    known = (
        existing.fingerprints()
        if isinstance(existing, Library)
        else [(d.doc_id, d.title, d.sha256, _fingerprint(d)) for d in existing]
    )
    for doc_id, title, sha, print_ in known:
        if sha == digest or print_ == fingerprint:
            raise IngestError(f"与已有文档 {doc_id}（{title}）内容重复")
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
    _keep_original(corpus, path.stem, filename, data)
    return Added(doc, path)


# An upload that had to be converted (.docx, .pdf, .html) is kept as it was sent, beside the corpus in
# ``originals/<doc_id><suffix>``: the text in the corpus is what is searched and quoted, but a reader
# may need the file with its layout, tables and seal.  A .txt or .md upload *is* its text, so only
# converted formats are kept; their suffixes are not sources, so the folder is never indexed.
ORIGINALS = "originals"
_CONVERTED = (".docx", ".pdf", ".html", ".htm")


def original_file(corpus: Path, doc_id: str) -> Path | None:
    """The file an admin uploaded for ``doc_id`` before conversion, or None (a seed, a .txt upload)."""
    for suffix in _CONVERTED:
        path = corpus / ORIGINALS / f"{doc_id}{suffix}"
        if path.is_file():
            return path
    return None


def _keep_original(corpus: Path, doc_id: str, filename: str, data: bytes) -> None:
    """Keep a converted upload's own bytes; failing to is logged, never a refusal (the text is in)."""
    _drop_originals(corpus, doc_id)  # a stale one, e.g. left by hand, must not pass for this document's
    suffix = Path(filename).suffix.lower()
    if suffix not in _CONVERTED:
        return
    target = corpus / ORIGINALS / f"{doc_id}{suffix}"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        target.parent.mkdir(exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        log.warning("the original of %s could not be kept: %s", doc_id, exc)


def _drop_originals(corpus: Path, doc_id: str) -> None:
    for suffix in _CONVERTED:
        (corpus / ORIGINALS / f"{doc_id}{suffix}").unlink(missing_ok=True)


def add_and_index(corpus: Path, cache_dir: Path, filename: str, data: bytes, max_bytes: int) -> Added:
    """Add one file and build the new index cache: the whole CPU-heavy part of an upload, in one call.

    The bot runs it in a separate process, so converting a long PDF or
    re-segmenting the corpus takes the other core instead of the GIL its
    answers need; the bot then only loads the fresh cache.
    """
    _yield_to_answers()
    lib = open_library(corpus, cache_dir)
    added = add_file(corpus, filename, data, lib, max_bytes)
    open_library(corpus, cache_dir)
    return added


def remove_and_index(corpus: Path, cache_dir: Path, doc_id: str) -> Path:
    """Remove a document's file and build the new index cache (see :func:`add_and_index`)."""
    _yield_to_answers()
    path = remove_document(corpus, doc_id)
    open_library(corpus, cache_dir)
    return path


def _yield_to_answers() -> None:
    """In a worker process (the bot's upload), run at a lower CPU priority than the bot itself.

    The machine may have two cores and the bot's answers use them: an upload
    converting and segmenting at equal priority made other chats' answers a
    third slower.  Called in-process (tests, the command line) it changes nothing.
    The build's own workers inherit the priority.
    """
    if multiprocessing.parent_process() is not None and hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(10)


def remove_document(corpus: Path, doc_id: str) -> Path:
    """Delete the source file of a document, and its kept original; raise KeyError when there is none."""
    for path in list_sources(corpus):
        if path.stem == doc_id:
            path.unlink()
            _drop_originals(corpus, doc_id)
            return path
    raise KeyError(doc_id)
