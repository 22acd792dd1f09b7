"""Building the on-disk library: ingestion, then segmentation into int32 term ids, on every core.

Two passes, because the analyzer's dictionary holds the quoted formulas
harvested from the whole corpus before any paragraph may be segmented:

1. ingest each file (worker processes, file by file): texts go straight to
   the text columns, paragraph metadata to small arrays, document metadata
   to ``documents.json``; nothing per paragraph stays in Python objects;
2. segment chunks of paragraphs (worker processes read the folded column
   themselves): a worker returns its chunk's tokens as int32 ids into a
   chunk-local vocabulary plus the chunk's bigram postings; the main process
   maps ids to the global vocabulary, appends the forward index and keeps
   the chunk's postings compactly until the final merge.

Small corpora (the seeds, the tests) run both passes in-process: starting
workers costs more than it saves.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TypeVar

import numpy as np

from .analysis import Analyzer, fold, harvest_terms
from .context import paragraph_contexts
from .index import BM25Index, term_postings
from .ingest import IngestError, list_sources
from .model import Document
from .phrase import BigramIndex, chunk_postings
from .postings import PostingsBuilder
from .store import ArrayWriter, TextColumn, TextWriter

CHUNK = 2048  # paragraphs per segmentation task
PARALLEL_BYTES = 4 * 1024 * 1024  # below this much source text one process is faster
T = TypeVar("T")
R = TypeVar("R")


def file_entry(path: Path, folder: Path, digest: str | None = None) -> dict:
    """What the manifest records of a source file: name, size, mtime and content hash."""
    st = path.stat()
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"name": str(path.relative_to(folder)), "size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": digest}


# --- pass 1: ingestion ----------------------------------------------------------


@dataclass
class Ingested:
    """One source file after ingestion, in the compact form the build writes (no Paragraph objects)."""

    name: str
    digest: str
    error: str = ""
    meta: dict = field(default_factory=dict)  # the Document's fields except its paragraphs
    texts: list[str] = field(default_factory=list)
    folded: list[str] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)
    sections: list[tuple[str, ...]] = field(default_factory=list)
    lines: np.ndarray = field(default_factory=lambda: np.zeros((3, 0), np.int32))  # line_start, line_end, article
    harvested: list[str] = field(default_factory=list)
    fingerprint: str = ""  # sha256 of the folded paragraphs joined by newlines: duplicate uploads are refused by it


def document_meta(doc: Document) -> dict:
    """A document's fields without its paragraphs (``asdict`` would convert every paragraph first)."""
    return {
        f.name: [asdict(x) for x in getattr(doc, f.name)] if f.name in ("articles", "outline") else getattr(doc, f.name)
        for f in fields(doc)
        if f.name != "paragraphs"
    }


def ingest_file(path: Path) -> Ingested:
    """Read, clean and structure one source file; a refused file comes back with ``error`` set."""
    from .corpus import load_document

    try:
        doc = load_document(path)
    except (IngestError, OSError) as exc:
        try:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            digest = ""
        return Ingested(path.name, digest, error=f"{path.name}: skipped: {exc}")
    paras = doc.paragraphs
    folded = [fold(p.text) for p in paras]
    return Ingested(
        name=path.name,
        digest=doc.sha256,
        meta=document_meta(doc),
        texts=[p.text for p in paras],
        folded=folded,
        contexts=paragraph_contexts(doc),
        sections=[p.section for p in paras],
        lines=np.array(
            [[p.line_start for p in paras], [p.line_end for p in paras], [p.article for p in paras]], np.int32
        ),
        harvested=harvest_terms(folded),
        fingerprint=hashlib.sha256("\n".join(folded).encode("utf-8")).hexdigest(),
    )


def _ingest_task(path: str) -> Ingested:
    return ingest_file(Path(path))


# --- pass 2: segmentation -------------------------------------------------------

_worker: dict = {}
_KNOWN_RUNS = 200_000  # runs whose term ids a segmenting worker remembers


def _segmenter(folder: str, cache_dir: str | None) -> dict:
    """The worker's state for this build, set up on its first task (one pool serves both passes).

    Term ids are the worker's own, kept across its tasks, so a run seen
    before costs one look-up; the main process maps them to the build's ids
    (``token`` names the mapping, ``new`` holds the terms not reported yet).
    """
    if _worker.get("folder") != folder:
        terms = json.loads((Path(folder) / "domain_terms.json").read_text(encoding="utf-8"))
        analyzer = Analyzer(terms, cache_dir=Path(cache_dir) if cache_dir else None)
        analyzer.use_compiled()
        _worker.clear()
        _worker.update(
            folder=folder,
            column=TextColumn(Path(folder), "folded"),
            analyzer=analyzer,
            token=uuid.uuid4().hex,
            vocab={},
            new=[],
            runs={},
            contexts={},
        )
    return _worker


def _term_ids(state: dict, terms: Iterable[str]) -> list[int]:
    vocab: dict[str, int] = state["vocab"]
    out = []
    for t in terms:
        i = vocab.get(t)
        if i is None:
            i = vocab[t] = len(vocab)
            state["new"].append(t)
        out.append(i)
    return out


def _segment_task(task: tuple[str, str | None, int, int, list[str]]) -> dict:
    """Tokens of paragraphs ``first … last−1`` as the worker's term ids (and where each starts), and their bigrams.

    A paragraph's tokens are its runs' tokens one after the other
    (:meth:`Analyzer.runs`), so each distinct run is turned into ids once,
    and offsets are shifted to the paragraph with one array operation.
    """
    folder, cache_dir, first, last, contexts = task
    state = _segmenter(folder, cache_dir)
    column, analyzer = state["column"], state["analyzer"]
    known: dict[str, tuple[list[int], tuple[int, ...]]] = state["runs"]
    known_ctx: dict[str, list[int]] = state["contexts"]
    n = last - first
    own_ids: list[int] = []
    offsets: list[int] = []
    bases: list[int] = []
    sizes: list[int] = []
    own_len = np.zeros(n, np.int32)
    ctx_ids: list[int] = []
    ctx_len = np.zeros(n, np.int32)
    texts = [column[i] for i in range(first, last)]
    for i, (text, ctx) in enumerate(zip(texts, contexts, strict=True)):
        count = 0
        for at, run in analyzer.runs(text):
            got = known.get(run)
            if got is None:
                if len(known) >= _KNOWN_RUNS:
                    known.clear()
                terms, offs = analyzer.run_tokens(run, remember=False)
                got = known[run] = (_term_ids(state, terms), offs)
            ids = got[0]
            if ids:
                own_ids.extend(ids)
                offsets.extend(got[1])
                bases.append(at)
                sizes.append(len(ids))
                count += len(ids)
        own_len[i] = count
        cids = known_ctx.get(ctx)
        if cids is None:
            if len(known_ctx) >= _KNOWN_RUNS:
                known_ctx.clear()
            cids = known_ctx[ctx] = _term_ids(state, analyzer.tokens(fold(ctx)) if ctx else ())
        ctx_ids.extend(cids)
        ctx_len[i] = len(cids)
    keys, docs = chunk_postings(texts, first)
    own_starts = np.asarray(offsets, np.int32) + np.repeat(np.asarray(bases, np.int32), sizes)
    new, state["new"] = state["new"], []
    return {
        "first": first,
        "worker": state["token"],
        "vocab": new,
        "own_ids": np.asarray(own_ids, np.int32),
        "own_starts": own_starts,
        "own_len": own_len,
        "ctx_ids": np.asarray(ctx_ids, np.int32),
        "ctx_len": ctx_len,
        "bigram_keys": keys,
        "bigram_docs": docs,
    }


# --- the build ---------------------------------------------------------------------


class _Pool:
    """A process pool on every core, or the same calls in-process for small corpora."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool = mp.get_context("spawn").Pool(workers) if workers > 1 else None

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
        if self._pool is None:
            return map(fn, items)
        return self._pool.imap(fn, items, chunksize=1)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


def default_workers(sources: Sequence[Path]) -> int:
    total = sum(p.stat().st_size for p in sources)
    return min(os.cpu_count() or 1, 8) if total >= PARALLEL_BYTES else 1


class DeltaRefused(Exception):
    """The added documents would change the analyzer's dictionary: only a full rebuild is exact."""


def build_library(
    corpus: Path,
    folder: Path,
    cache_dir: Path | None,
    code_version: str,
    workers: int | None = None,
    sources: list[Path] | None = None,
    domain_terms: list[str] | None = None,
) -> dict:
    """Write a library for ``corpus`` (or only its files ``sources``) into ``folder``; returns its manifest.

    ``domain_terms`` fixes the analyzer's harvested terms (a delta segment
    must segment exactly as its base did); if the documents harvest a term
    outside them, :class:`DeltaRefused` is raised.
    """
    sources = list_sources(corpus) if sources is None else sources
    pool = _Pool(default_workers(sources) if workers is None else workers)
    try:
        return _build(corpus, sources, folder, cache_dir, code_version, pool, domain_terms)
    finally:
        pool.close()
        _worker.clear()  # in-process builds: the next one may reuse this folder's name


def _build(
    corpus: Path,
    sources: list[Path],
    folder: Path,
    cache_dir: Path | None,
    code_version: str,
    pool: _Pool,
    domain_terms: list[str] | None = None,
) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    clock = [time.perf_counter()]
    texts = TextWriter(folder, "text")
    folded = TextWriter(folder, "folded")
    para_cols = {name: ArrayWriter(folder, f"para_{name}", np.int32) for name in PARA_COLUMNS}
    sections: dict[tuple[str, ...], int] = {}
    contexts: dict[str, int] = {}
    ctx_of: list[np.ndarray] = []
    documents: list[dict] = []
    files: list[dict] = []
    errors: list[str] = []
    harvested: dict[str, None] = {}
    pos = 0
    for path, got in zip(sources, pool.map(_ingest_task, [str(p) for p in sources]), strict=True):
        files.append(file_entry(path, corpus, got.digest))
        if got.error:
            errors.append(got.error)
            continue
        n = len(got.texts)
        texts.extend(got.texts)
        folded.extend(got.folded)
        para_cols["doc"].append(np.full(n, len(documents), np.int32))
        for row, name in enumerate(("line_start", "line_end", "article")):
            para_cols[name].append(got.lines[row])
        para_cols["section"].append(np.asarray([sections.setdefault(t, len(sections)) for t in got.sections], np.int32))
        ctx_of.append(np.asarray([contexts.setdefault(c, len(contexts)) for c in got.contexts], np.int32))
        harvested.update(dict.fromkeys(got.harvested))
        documents.append(
            {
                **got.meta,
                "path": str(path.relative_to(corpus)),
                "start": pos,
                "count": n,
                "harvested": got.harvested,
                "fingerprint": got.fingerprint,
            }
        )
        pos += n
    texts.close()
    folded.close()
    for col in para_cols.values():
        col.close()
    section_col = TextWriter(folder, "sections")
    section_col.extend("\x1f".join(s) for s in sections)
    section_col.close()
    (folder / "documents.json").write_text(json.dumps(documents, ensure_ascii=False), encoding="utf-8")

    clock.append(time.perf_counter())
    if domain_terms is not None:
        if not set(harvested) <= set(domain_terms):
            raise DeltaRefused("new quoted terms: " + "、".join(sorted(set(harvested) - set(domain_terms))[:5]))
        harvested = dict.fromkeys(domain_terms)
    (folder / "domain_terms.json").write_text(json.dumps(list(harvested), ensure_ascii=False), encoding="utf-8")
    ctx_texts = list(contexts)
    ctx_all = np.concatenate(ctx_of) if ctx_of else np.zeros(0, np.int32)
    del ctx_of, contexts
    # What each paragraph inherits is kept (folded) for ranking: coverage and
    # passages read it per candidate, and recomputing it needs whole documents.
    context_col = TextWriter(folder, "contexts")
    context_col.extend(fold(c) for c in ctx_texts)
    context_col.close()
    context_of = ArrayWriter(folder, "para_context", np.int32)
    context_of.append(ctx_all)
    context_of.close()
    tasks = (
        (
            str(folder),
            _s(cache_dir),
            first,
            min(first + CHUNK, pos),
            [ctx_texts[c] for c in ctx_all[first : first + CHUNK]],
        )
        for first in range(0, pos, CHUNK)
    )
    vocab: dict[str, int] = {}
    # Postings wait on disk for the merge: memory holds only their distinct keys.
    postings = PostingsBuilder(folder / "spill" / "bm25")
    bigrams = PostingsBuilder(folder / "spill" / "bigram")
    fwd_ids = ArrayWriter(folder, "fwd_ids", np.int32)
    fwd_starts = ArrayWriter(folder, "fwd_starts", np.int32)
    fwd_off = ArrayWriter(folder, "fwd_off", np.int64)
    fwd_off.append(np.zeros(1, np.int64))
    doc_len = np.zeros(pos, np.int32)
    at = 0
    luts: dict[str, np.ndarray] = {}  # per worker: its term ids -> the build's
    for r in pool.map(_segment_task, tasks):
        added = np.fromiter((vocab.setdefault(t, len(vocab)) for t in r["vocab"]), np.int32, count=len(r["vocab"]))
        lut = luts[r["worker"]] = np.concatenate((luts.get(r["worker"], np.zeros(0, np.int32)), added))
        own = lut[r["own_ids"]]
        ctx = lut[r["ctx_ids"]]
        fwd_ids.append(own)
        fwd_starts.append(r["own_starts"])
        at_ends = at + np.cumsum(r["own_len"], dtype=np.int64)
        fwd_off.append(at_ends)
        at = int(at_ends[-1]) if at_ends.size else at
        n = r["own_len"].shape[0]
        first = r["first"]
        doc_len[first : first + n] = r["own_len"] + r["ctx_len"]
        local = np.concatenate(
            (
                np.repeat(np.arange(n, dtype=np.int64), r["own_len"]),
                np.repeat(np.arange(n, dtype=np.int64), r["ctx_len"]),
            )
        )
        postings.add(*term_postings(np.concatenate((own, ctx)), local, n, first))
        bigrams.add(r["bigram_keys"], r["bigram_docs"])
    for w in (fwd_ids, fwd_starts, fwd_off):
        w.close()
    clock.append(time.perf_counter())
    params = BM25Index.write(folder, list(vocab), postings, doc_len)
    del postings
    BigramIndex.write(bigrams, folder)
    del bigrams
    shutil.rmtree(folder / "spill", ignore_errors=True)
    clock.append(time.perf_counter())
    return {
        "format": FORMAT,
        "build_id": uuid.uuid4().hex,
        "code_version": code_version,
        "files": files,
        "errors": errors,
        "paragraphs": pos,
        "documents": len(documents),
        "domain_terms": list(harvested),
        "params": params,
        "seconds": dict(zip(("ingest", "segment", "merge"), np.diff(clock).round(2).tolist(), strict=True)),
    }


def _s(path: Path | None) -> str | None:
    return str(path) if path is not None else None


FORMAT = "library-v2"
PARA_COLUMNS = ("doc", "line_start", "line_end", "article", "section")


def write_manifest(folder: Path, manifest: dict) -> None:
    """The manifest is written last: a folder without one is an unfinished build.

    It records each column file's size and modification time as the build
    left them (kept when a manifest is only re-stamped): a file changed
    since — overwritten in place, damaged by a copy — is then told at the
    next open by a stat, where hashing every column would cost seconds at a
    million paragraphs.
    """
    if "columns" not in manifest:
        manifest["columns"] = {
            p.name: [st.st_size, st.st_mtime_ns]
            for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith("manifest.json")
            for st in [p.stat()]
        }
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / "manifest.json")
