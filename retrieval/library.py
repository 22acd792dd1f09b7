"""The searchable corpus: documents, their folded texts, the analyzer and the BM25 index.

Building costs a few seconds (segmentation); a cached copy on disk, keyed by
the corpus bytes and the code version, makes a cold start cheap.  The cache
holds only arrays and JSON (``np.load(allow_pickle=False)``), so a damaged or
foreign file is detected and rebuilt, never executed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .analysis import Analyzer, fold, harvest_terms
from .context import paragraph_contexts
from .corpus import Corpus, load_corpus
from .index import BM25Index
from .ingest import list_sources
from .model import Article, Document, OutlineEntry, Paragraph

CACHE_FORMAT = "library-v1"
_CODE_DIR = Path(__file__).parent


def default_cache_dir() -> Path:
    return Path(os.environ.get("RETRIEVAL_CACHE_DIR", ".cache/retrieval"))


def code_version() -> str:
    """A hash of the retrieval code and its data files: any change invalidates caches."""
    h = hashlib.sha256()
    for path in sorted([*_CODE_DIR.glob("*.py"), *(_CODE_DIR / "data").glob("*.txt")]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def corpus_key(folder: Path) -> str:
    h = hashlib.sha256(code_version().encode())
    for path in list_sources(folder):
        h.update(str(path.relative_to(folder)).encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:24]


@dataclass
class BuildInfo:
    seconds: float = 0.0
    from_cache: bool = False
    warnings: list[str] = field(default_factory=list)


class Library:
    """Everything a query needs, aligned by global paragraph position."""

    def __init__(self, documents: list[Document], analyzer: Analyzer, index: BM25Index, folded: list[str]) -> None:
        self.documents = documents
        self.analyzer = analyzer
        self.index = index
        self.paragraphs: list[Paragraph] = [p for d in documents for p in d.paragraphs]
        self.folded = folded
        self.doc_by_id = {d.doc_id: d for d in documents}
        self.doc_start: dict[str, int] = {}
        pos = 0
        for d in documents:
            self.doc_start[d.doc_id] = pos
            pos += len(d.paragraphs)
        self.doc_of = np.repeat(np.arange(len(documents)), [len(d.paragraphs) for d in documents])
        # One string holding every folded paragraph lets a phrase be found
        # with str.find at C speed; the separator can never be typed.
        self._joined = "\x00".join(folded)
        self._joined_starts = np.cumsum([0] + [len(t) + 1 for t in folded[:-1]]) if folded else np.zeros(0, np.int64)
        self.info = BuildInfo()
        self._forward_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._contexts: dict[str, list[str]] = {}

    # --- construction ------------------------------------------------------

    @classmethod
    def build(cls, corpus: Corpus, cache_dir: Path | None = None) -> Library:
        """Fold, segment and index every paragraph of a corpus."""
        folded = [fold(p.text) for d in corpus.documents for p in d.paragraphs]
        analyzer = Analyzer(harvest_terms(folded), cache_dir=cache_dir)
        index = BM25Index.build(index_tokens(analyzer, corpus.documents, folded))
        lib = cls(corpus.documents, analyzer, index, folded)
        lib.info.warnings = list(corpus.errors)
        return lib

    @classmethod
    def open(cls, folder: Path, cache_dir: Path | None = None, use_cache: bool = True) -> Library:
        """The library for a corpus folder, from the cache when it is current."""
        started = time.perf_counter()
        cache_dir = cache_dir or default_cache_dir()
        key = corpus_key(folder)
        path = cache_dir / f"library-{key}.npz"
        notes: list[str] = []
        if use_cache and path.is_file():
            try:
                lib = cls.load(path, cache_dir)
                lib.info.from_cache = True
                lib.info.seconds = time.perf_counter() - started
                return lib
            except Exception as exc:
                notes.append(f"index cache {path.name} unreadable ({type(exc).__name__}); rebuilt")
        lib = cls.build(load_corpus(folder), cache_dir)
        lib.info.warnings[:0] = notes
        if use_cache:
            try:
                lib.save(path)
                for old in cache_dir.glob("library-*.npz"):
                    if old != path:
                        old.unlink(missing_ok=True)
            except OSError as exc:
                lib.info.warnings.append(f"could not write the index cache: {exc}")
        lib.info.seconds = time.perf_counter() - started
        return lib

    # --- persistence ---------------------------------------------------------

    def save(self, path: Path) -> None:
        meta = {
            "format": CACHE_FORMAT,
            "documents": [_doc_to_json(d) for d in self.documents],
            "folded": self.folded,
            "domain_terms": self.analyzer.domain_terms,
            "warnings": self.info.warnings,
        }
        arrays = self.index.to_arrays("bm25_")
        arrays["library"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None = None) -> Library:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads(bytes(arrays["library"]).decode("utf-8"))
        if meta.get("format") != CACHE_FORMAT:
            raise ValueError("foreign cache file")
        documents = [_doc_from_json(d) for d in meta["documents"]]
        index = BM25Index.from_arrays(arrays, "bm25_")
        folded = list(meta["folded"])
        if len(folded) != sum(len(d.paragraphs) for d in documents) or index.n_docs != len(folded):
            raise ValueError("cache arrays disagree with its documents")
        analyzer = Analyzer(meta["domain_terms"], cache_dir=cache_dir)
        lib = cls(documents, analyzer, index, folded)
        lib.info.warnings = list(meta.get("warnings", []))
        return lib

    # --- look-ups ------------------------------------------------------------

    def position(self, doc_id: str, number: int) -> int | None:
        doc = self.doc_by_id.get(doc_id)
        if doc is None or not 1 <= number <= len(doc.paragraphs):
            return None
        return self.doc_start[doc_id] + number - 1

    def document_of(self, pos: int) -> Document:
        return self.documents[int(self.doc_of[pos])]

    def find_phrase(self, folded_phrase: str) -> list[tuple[int, int]]:
        """Every (paragraph position, offset in its folded text) where a folded phrase occurs."""
        out: list[tuple[int, int]] = []
        if not folded_phrase:
            return out
        start = 0
        joined = self._joined
        while True:
            at = joined.find(folded_phrase, start)
            if at < 0:
                return out
            pos = int(np.searchsorted(self._joined_starts, at, side="right")) - 1
            out.append((pos, at - int(self._joined_starts[pos])))
            start = at + 1

    def context(self, pos: int) -> str:
        """The folded text a paragraph inherits (see :mod:`retrieval.context`), as the index saw it."""
        doc = self.document_of(pos)
        contexts = self._contexts.get(doc.doc_id)
        if contexts is None:
            contexts = self._contexts[doc.doc_id] = [fold(c) for c in paragraph_contexts(doc)]
        return contexts[pos - self.doc_start[doc.doc_id]]

    def token_ids(self, pos: int) -> np.ndarray:
        """Term ids (int32) of a paragraph's own words in text order, as the index saw them.

        With :meth:`token_starts` this is the paragraph's forward index:
        passage scoring reads it to score sentence windows without segmenting
        the text again at query time.
        """
        return self._forward(pos)[0]

    def token_starts(self, pos: int) -> np.ndarray:
        """Offsets (int32) in ``folded[pos]`` where each token of :meth:`token_ids` starts."""
        return self._forward(pos)[1]

    def _forward(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        hit = self._forward_cache.get(pos)
        if hit is None:
            vocab = self.index.vocab
            spans = [(vocab[t], at) for t, at in self.analyzer.spans(self.folded[pos]) if t in vocab]
            ids = np.fromiter((t for t, _ in spans), dtype=np.int32, count=len(spans))
            starts = np.fromiter((a for _, a in spans), dtype=np.int32, count=len(spans))
            hit = self._forward_cache[pos] = (ids, starts)
        return hit

    def short_id(self, doc_id: str) -> str:
        """The shortest prefix (at least three characters) that names only this document."""
        for size in range(3, len(doc_id)):
            prefix = doc_id[:size]
            if sum(1 for d in self.documents if d.doc_id.startswith(prefix)) == 1:
                return prefix
        return doc_id

    def resolve_doc(self, ref: str) -> list[Document]:
        """Documents named by an id, an id prefix, or a word of their title."""
        ref_f = fold(ref)
        if not ref_f:
            return []
        exact = [d for d in self.documents if d.doc_id == ref]
        if exact:
            return exact
        by_prefix = [d for d in self.documents if d.doc_id.startswith(ref)]
        if by_prefix:
            return by_prefix
        return [d for d in self.documents if ref_f in fold(d.title) or ref_f in fold(d.publication)]


def index_tokens(analyzer: Analyzer, documents: list[Document], folded: list[str]) -> list[list[str]]:
    """The token list each paragraph is indexed under: its own words and its inherited context's.

    What a paragraph inherits (section path, subtitle, …) is decided by
    :func:`retrieval.context.paragraph_contexts`; equal contexts are segmented once.
    """
    out: list[list[str]] = []
    cache: dict[str, list[str]] = {}
    i = 0
    for doc in documents:
        for ctx in paragraph_contexts(doc):
            if ctx not in cache:
                cache[ctx] = analyzer.tokens(fold(ctx))
            out.append(analyzer.tokens(folded[i]) + cache[ctx])
            i += 1
        cache.clear()
    return out


def _doc_to_json(d: Document) -> dict:
    return asdict(d)


def _doc_from_json(raw: dict) -> Document:
    paragraphs = [Paragraph(**{**p, "section": tuple(p["section"])}) for p in raw.pop("paragraphs")]
    articles = [Article(**a) for a in raw.pop("articles")]
    outline = [OutlineEntry(**o) for o in raw.pop("outline")]
    return Document(**raw, paragraphs=paragraphs, articles=articles, outline=outline)
