"""The searchable corpus: documents, their folded texts, the analyzer and the indexes, mapped from disk.

Building costs minutes at a million paragraphs (segmentation); the built
library is a folder of columns (see ``build``) that a cold start maps in
milliseconds.  Nothing per paragraph is materialised when the library opens:
``paragraphs``, ``folded``, ``documents`` and each document's ``paragraphs``
are views that decode one entry when it is asked for.

Freshness comes from ``manifest.json``: each source file's name, size and
mtime, with its content hash checked only for files whose size or mtime
changed.  A folder with a foreign format, another code version or an
unreadable column is rebuilt, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

import numpy as np

from .analysis import Analyzer, fold
from .build import FORMAT, build_library, write_manifest
from .context import paragraph_contexts
from .delta import DELTA_DIR, Delta, read_delta_manifest, update_delta
from .index import BM25Index
from .ingest import list_sources
from .model import Article, Document, OutlineEntry, Paragraph, is_printed
from .phrase import BigramIndex
from .postings import in_sorted
from .segment import JoinedColumn, JoinedIndex, JoinedPhrases, Segment
from .store import TextColumn, replace_dir

_CODE_DIR = Path(__file__).parent
INDEX_DIR = "index"
CONTEXT_CACHE = 65_536  # distinct decoded contexts a library keeps


def default_cache_dir() -> Path:
    return Path(os.environ.get("RETRIEVAL_CACHE_DIR", ".cache/retrieval"))


def code_version() -> str:
    """A hash of the retrieval code and its data files: any change invalidates caches."""
    h = hashlib.sha256()
    for path in sorted([*_CODE_DIR.glob("*.py"), *(_CODE_DIR / "data").glob("*.txt")]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@dataclass
class BuildInfo:
    seconds: float = 0.0
    from_cache: bool = False
    warnings: list[str] = field(default_factory=list)


def check_fresh(manifest: dict, corpus: Path, version: str) -> tuple[bool, bool]:
    """(fresh, restamp): does the manifest still describe ``corpus``, and do recorded mtimes need updating?

    Only files whose size or mtime differ are hashed, so an unchanged corpus
    of a thousand files costs a thousand ``stat`` calls, not reading them.
    """
    if manifest.get("format") != FORMAT or manifest.get("code_version") != version:
        return False, False
    recorded = {f["name"]: f for f in manifest.get("files", [])}
    sources = list_sources(corpus)
    if sorted(recorded) != sorted(str(p.relative_to(corpus)) for p in sources):
        return False, False
    restamp = False
    for path in sources:
        entry = recorded[str(path.relative_to(corpus))]
        st = path.stat()
        if st.st_size == entry["size"] and st.st_mtime_ns == entry["mtime_ns"]:
            continue
        if st.st_size != entry["size"] or hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            return False, False
        entry["mtime_ns"] = st.st_mtime_ns  # touched, not changed
        restamp = True
    return True, restamp


class Library:
    """Everything a query needs, aligned by global paragraph position, over mapped segments."""

    def __init__(
        self, base: Segment, manifest: dict, cache_dir: Path | None = None, delta: Delta | None = None
    ) -> None:
        if manifest.get("format") != FORMAT:
            raise ValueError("foreign index folder")
        self.folder = base.folder
        self.manifest = manifest
        self.cache_dir = cache_dir
        # Which build (and delta) this is: a process that opens the cache on its own checks it holds the same.
        self.generation = (str(manifest.get("build_id", "")), str(delta.manifest.get("build_id", "")) if delta else "")
        self.segments = [base] if delta is None else [base, delta.segment]
        if delta is None:
            self._doc_meta: list[dict] = base.doc_meta
            self.doc_of = base.doc_of
            self._seg: np.ndarray | None = None
            self._local: np.ndarray | None = None
            self._luts: list[np.ndarray | None] = [None]
            self.index: BM25Index | JoinedIndex = base.index
            self.phrases: BigramIndex | JoinedPhrases = base.phrases
            self.folded: TextColumn | JoinedColumn = base.folded
            n = base.n
        else:
            n = self._join(base, delta)
        self.doc_ids = [d["doc_id"] for d in self._doc_meta]
        self.doc_start = {d["doc_id"]: d["start"] for d in self._doc_meta}
        self._doc_index = {d: i for i, d in enumerate(self.doc_ids)}
        self.documents = DocumentList(self)
        self.doc_by_id = DocsById(self)
        self.paragraphs = ParagraphList(self, 0, n)
        self.analyzer = Analyzer.shared(manifest["domain_terms"], cache_dir=cache_dir)
        errors = delta.manifest.get("errors", []) if delta is not None else manifest.get("errors", [])
        current = delta.manifest if delta is not None else manifest
        self._stats = {f["name"]: (f["size"], f["mtime_ns"]) for f in current.get("files", [])}
        self.info = BuildInfo(warnings=list(errors))
        self._years: np.ndarray | None = None
        self._printed: np.ndarray | None = None
        self._masks: dict[tuple, np.ndarray] = {}
        self._dated: dict[tuple, bool] = {}
        self._contexts: dict[tuple[int, int], str] = {}

    def _join(self, base: Segment, delta: Delta) -> int:
        """Number the live documents of both segments as a full rebuild would (by file path)."""
        removed = set(delta.manifest["removed"])
        entries = [(Path(m["path"]), 0, m) for m in base.doc_meta if m["doc_id"] not in removed]
        entries += [(Path(m["path"]), 1, m) for m in delta.segment.doc_meta]
        entries.sort(key=lambda e: e[0])
        n = sum(m["count"] for _, _, m in entries)
        l2g = [np.full(base.n, -1, np.int32), np.full(delta.segment.n, -1, np.int32)]
        self._seg = np.zeros(n, np.int8)
        self._local = np.zeros(n, np.int64)
        metas, at = [], 0
        for _, seg, m in entries:
            count, local = m["count"], m["start"]
            l2g[seg][local : local + count] = np.arange(at, at + count)
            self._seg[at : at + count] = seg
            self._local[at : at + count] = np.arange(local, local + count)
            metas.append({**m, "start": at})
            at += count
        self._doc_meta = metas
        self.doc_of = np.repeat(np.arange(len(metas), dtype=np.int32), [m["count"] for m in metas])
        terms = list(base.index.vocab)
        known = base.index.vocab
        extra = [t for t in delta.segment.index.vocab if t not in known]
        ids = {t: len(terms) + i for i, t in enumerate(extra)}
        lut_delta = np.array([known.get(t, ids.get(t, -1)) for t in delta.segment.index.vocab], np.int64)
        lut_base = np.arange(len(terms), dtype=np.int64)
        self._luts = [None, lut_delta.astype(np.int32)]
        self.index = JoinedIndex(
            [(base, l2g[0], lut_base), (delta.segment, l2g[1], lut_delta)],
            terms + extra,
            n,
            delta.removed_df,
            base.index.params,
        )
        self.phrases = JoinedPhrases([(base.phrases, l2g[0]), (delta.segment.phrases, l2g[1])])
        self.folded = JoinedColumn([base.folded, delta.segment.folded], self._seg, self._local)
        return n

    def _where(self, pos: int) -> tuple[Segment, int]:
        if self._seg is None:
            return self.segments[0], pos
        return self.segments[int(self._seg[pos])], int(self._local[pos])

    # --- construction ------------------------------------------------------

    @classmethod
    def open(
        cls, folder: Path, cache_dir: Path | None = None, use_cache: bool = True, workers: int | None = None
    ) -> Library:
        """The library for a corpus folder: from the cache when current, with a delta when little changed."""
        started = time.perf_counter()
        cache_dir = cache_dir or default_cache_dir()
        target = cache_dir / INDEX_DIR
        version = code_version()
        notes: list[str] = []
        manifest_path = target / "manifest.json"
        if use_cache and manifest_path.is_file():
            try:
                manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
                lib = cls._from_cache(folder, cache_dir, manifest, version)
                if lib is not None:
                    lib.info.seconds = time.perf_counter() - started
                    return lib
            except (OSError, ValueError, KeyError, TypeError) as exc:
                notes.append(f"index cache {target.name} unreadable ({type(exc).__name__}); rebuilt")
        tmp = cache_dir / f"{INDEX_DIR}.build.{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        manifest = build_library(folder, tmp, cache_dir, version, workers)
        write_manifest(tmp, manifest)
        shutil.rmtree(cache_dir / DELTA_DIR, ignore_errors=True)  # merged into the new base
        try:
            replace_dir(tmp, target)
            lib = cls(Segment(target, manifest), manifest, cache_dir)
        except OSError as exc:
            lib = cls(Segment(tmp, manifest), manifest, cache_dir)
            notes.append(f"could not write the index cache: {exc}")
        lib.info.warnings[:0] = notes
        lib.info.seconds = time.perf_counter() - started
        return lib

    @classmethod
    def read_only(cls, cache_dir: Path, reuse: Library | None = None) -> Library:
        """The library exactly as the cache holds it (base and delta), without looking at the corpus or writing.

        For processes that only read beside the one that owns the cache (the
        bot's search workers): they must never start a build of their own,
        and the owner tells them which :attr:`generation` to expect.
        ``reuse``, a library the process already has open, lends its base
        segment when the cache still holds that build (an upload adds only a
        delta): mapping the base afresh makes every page a search touches fault
        in again (at 1M after an upload: the first question 185 → 137 ms, later
        ones 14.1 → 13.5 ms in one process).
        Raises ValueError (or OSError) when the cache is missing or of another version.
        """
        target = cache_dir / INDEX_DIR
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("code_version") != code_version():
            raise ValueError(f"the index cache in {cache_dir} is of another version")
        delta_dir = cache_dir / DELTA_DIR
        delta_manifest = read_delta_manifest(delta_dir, manifest)
        delta = Delta.open(delta_dir, delta_manifest) if delta_manifest is not None else None
        held = reuse.segments[0] if reuse is not None else None
        if held is None or held.folder != target or held.build_id != str(manifest.get("build_id", "")):
            held = Segment(target, manifest)
        return cls(held, manifest, cache_dir, delta)

    @classmethod
    def _from_cache(cls, corpus: Path, cache_dir: Path, manifest: dict, version: str) -> Library | None:
        """The cached library if it (with its delta) describes ``corpus``, after updating the delta if needed."""
        target = cache_dir / INDEX_DIR
        if manifest.get("format") != FORMAT or manifest.get("code_version") != version:
            return None
        delta_dir = cache_dir / DELTA_DIR
        delta_manifest = read_delta_manifest(delta_dir, manifest)
        state = delta_manifest if delta_manifest is not None else manifest
        fresh, restamp = check_fresh(state, corpus, version)
        base = Segment(target, manifest)
        if fresh:
            if restamp:
                write_manifest(delta_dir if delta_manifest is not None else target, state)
            delta = Delta.open(delta_dir, delta_manifest) if delta_manifest is not None else None
            lib = cls(base, manifest, cache_dir, delta)
            lib.info.from_cache = True
            return lib
        updated, delta = update_delta(corpus, cache_dir, base, manifest, version)
        if not updated:
            return None
        return cls(base, manifest, cache_dir, delta)

    # --- look-ups ------------------------------------------------------------

    def paragraph(self, pos: int) -> Paragraph:
        """The paragraph at a global position, decoded from its segment's columns."""
        meta = self._doc_meta[int(self.doc_of[pos])]
        seg, local = self._where(pos)
        return seg.paragraph(local, meta["doc_id"], pos - meta["start"] + 1)

    def section(self, pos: int) -> tuple[str, ...]:
        """A paragraph's section path alone, without decoding its text (ranking reads it per candidate)."""
        seg, local = self._where(pos)
        sec = seg.sections[int(seg.section[local])]
        return tuple(sec.split("\x1f")) if sec else ()

    def printed(self, pos: int) -> bool:
        """Whether a paragraph is lines printed around the text (title, byline…): no quote, formula or digest."""
        return bool(in_sorted(self.printed_positions(), np.asarray([pos]))[0])

    def text_only(self, positions: Sequence[int]) -> list[int]:
        """``positions`` without the printed lines' paragraphs, in the same order."""
        arr = np.asarray(positions, dtype=np.int64)
        return arr[~in_sorted(self.printed_positions(), arr)].tolist()

    def locate(self, pos: int) -> tuple[str, int]:
        """(document id, paragraph number) of a position, from the position tables alone: no text is decoded."""
        doc_id = self.doc_ids[int(self.doc_of[pos])]
        return doc_id, pos - self.doc_start[doc_id] + 1

    def quoting_paragraphs(self, min_chars: int, max_chars: int) -> list[int]:
        """Positions of the paragraphs that quote something (hold “) and are ``min_chars``–``max_chars`` long.

        Candidates come from the bigram index, so only paragraphs holding the
        mark are read, and only their text: at a million paragraphs this is
        a fraction of a pass over ``paragraphs``, which decodes every field.
        """
        out: list[int] = []
        for pos in self.text_only(self.phrase_positions(["“"])):
            seg, local = self._where(pos)
            text = seg.texts[local]
            if min_chars <= len(text) <= max_chars and "“" in text:
                out.append(pos)
        return out

    @property
    def n_terms(self) -> int:
        """Distinct terms in the index."""
        return self.index.n_terms

    def domain_terms(self) -> list[str]:
        """The domain dictionary, folded: curated terms first, then the formulas harvested from the corpus."""
        return self.analyzer.domain_terms

    def position(self, doc_id: str, number: int) -> int | None:
        i = self._doc_index.get(doc_id)
        if i is None or not 1 <= number <= self._doc_meta[i]["count"]:
            return None
        return self.doc_start[doc_id] + number - 1

    def document_of(self, pos: int) -> Document:
        return self.documents[int(self.doc_of[pos])]

    def find_phrase(
        self, folded_phrase: str, limit: int | None = None, allowed: np.ndarray | None = None
    ) -> list[tuple[int, int]]:
        """Every (paragraph position, offset in its folded text) where a folded phrase occurs.

        Candidates come from the bigram index and are confirmed on their own
        text; ``allowed`` (a boolean mask) drops paragraphs before they are
        checked and ``limit`` stops after that many paragraphs (in corpus order).
        """
        if not folded_phrase:
            return []
        return self.phrases.find(folded_phrase, self.folded, limit, allowed)

    def phrase_positions(
        self, folded_phrases: Sequence[str], limit: int | None = None, allowed: np.ndarray | None = None
    ) -> np.ndarray:
        """Positions (ascending) of the paragraphs that hold every folded phrase, without offsets."""
        phrases = [p for p in folded_phrases if p]
        if not phrases:
            return np.zeros(0, np.int64)
        return self.phrases.positions(phrases, self.folded, limit, allowed)

    def paragraphs_with(self, folded_phrase: str, doc_ids: Sequence[str] | None = None) -> list[int]:
        """Positions (ascending) of the text's paragraphs holding a folded phrase; only in ``doc_ids`` when given.

        The documents are a mask applied before any text is read, so a phrase
        common in the corpus costs nothing for the documents not asked about.
        """
        return self.text_only(self.phrase_positions([folded_phrase], allowed=self.filter_mask(doc_ids, "")))

    def phrase_candidates(
        self, folded_phrases: Sequence[str], allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, Callable[[int], bool] | None]:
        """Positions that may hold every folded phrase, and the check that a candidate does (None: all do).

        For a caller that needs only the best few matches (ranked exact
        look-ups): it can order the candidates first and read only the texts
        it is about to return, instead of every candidate's.
        """
        phrases = [p for p in folded_phrases if p]
        if not phrases:
            return np.zeros(0, np.int64), None
        cand, needles = self.phrases.candidates_of(phrases, allowed)
        if not needles:
            return cand, None
        folded = self.folded
        return cand, lambda pos: all(folded.contains(pos, n) for n in needles)

    def context(self, pos: int) -> str:
        """The folded text a paragraph inherits (see :mod:`retrieval.context`), as the index saw it."""
        seg, local = self._where(pos)
        return seg.contexts[int(seg.context_of[local])]

    def contexts(self, positions: Sequence[int]) -> list[str]:
        """:meth:`context` of many paragraphs at once (ranking reads one per candidate).

        Paragraphs share contexts (a document's masthead, an article's
        section path), so each distinct one is decoded once and kept.
        """
        if self._seg is None:
            keys = [(0, c) for c in self.segments[0].context_of[np.asarray(positions, np.int64)].tolist()]
        else:
            keys = []
            for pos in positions:
                i, local = int(self._seg[pos]), int(self._local[pos])
                keys.append((i, int(self.segments[i].context_of[local])))
        cache = self._contexts
        out: list[str] = []
        for key in keys:
            text = cache.get(key)
            if text is None:
                if len(cache) >= CONTEXT_CACHE:
                    cache.clear()
                text = cache[key] = self.segments[key[0]].contexts[key[1]]
            out.append(text)
        return out

    def folded_many(self, positions: Sequence[int]) -> list[str]:
        """The folded texts of many paragraphs, in the order asked."""
        return self.folded.many(positions)

    def token_ids(self, pos: int) -> np.ndarray:
        """Term ids (int32) of a paragraph's own words in text order, as the index saw them.

        With :meth:`token_starts` this is the paragraph's forward index,
        stored at build time: passage scoring reads it to score sentence
        windows without segmenting the text again at query time.
        """
        seg, local = self._where(pos)
        ids = seg.fwd_ids[int(seg.fwd_off[local]) : int(seg.fwd_off[local + 1])]
        lut = self._luts[0 if self._seg is None else int(self._seg[pos])]
        return ids if lut is None else lut[ids]

    def token_starts(self, pos: int) -> np.ndarray:
        """Offsets (int32) in ``folded[pos]`` where each token of :meth:`token_ids` starts."""
        seg, local = self._where(pos)
        return seg.fwd_starts[int(seg.fwd_off[local]) : int(seg.fwd_off[local + 1])]

    def printed_positions(self) -> np.ndarray:
        """Positions (ascending, int64) of the paragraphs made of printed lines (``model.PRINTED``).

        Computed once per library from the section column (a few per cent of
        the paragraphs), so a search can leave them out of its candidates at a
        cost that grows with their number, not with the corpus.
        """
        if self._printed is None:
            flags = []
            for seg in self.segments:
                ids = [i for i, sec in enumerate(seg.sections) if is_printed(tuple(sec.split("\x1f")))]
                flags.append(np.isin(np.asarray(seg.section), np.asarray(ids, np.int64)))
            if self._seg is None:
                self._printed = np.flatnonzero(flags[0])
            else:
                flag = np.zeros(self._seg.shape[0], dtype=bool)
                for i, seg_flags in enumerate(flags):
                    at = self._seg == i
                    flag[at] = seg_flags[self._local[at]]
                self._printed = np.flatnonzero(flag)
        return self._printed

    def paragraph_years(self) -> np.ndarray:
        """Per paragraph, the year (int) of its article's date or else its document's; 0 when unknown.

        Computed once per library from the document metadata, so a year
        filter costs one comparison over an array per query.
        """
        if self._years is None:
            table: list[int] = []
            base = np.zeros(len(self._doc_meta), np.int64)
            for i, meta in enumerate(self._doc_meta):
                base[i] = len(table)
                table.append(_year(meta["date"]))
                table.extend(_year(a["date"] or meta["date"]) for a in meta["articles"])
            doc = np.asarray(self.doc_of, np.int64)
            if self._seg is None:
                art = np.asarray(self.segments[0].article, np.int64)
            else:
                art = np.zeros(doc.shape[0], np.int64)
                for i, seg in enumerate(self.segments):
                    at = self._seg == i
                    art[at] = seg.article[self._local[at]]
            n_art = np.asarray([len(m["articles"]) for m in self._doc_meta], np.int64)
            valid = (art >= 0) & (art < n_art[doc])
            self._years = np.asarray(table, np.int32)[base[doc] + np.where(valid, art + 1, 0)]
        return self._years

    def filter_mask(self, doc_ids: Sequence[str] | None, year: str) -> np.ndarray | None:
        """The boolean mask of paragraphs in ``doc_ids`` (all when None) and ``year``; cached per library.

        A year keeps the paragraphs dated that year or undated, and those that name it.
        """
        if doc_ids is None and not year:
            return None
        key = (tuple(doc_ids) if doc_ids is not None else None, year)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.ones(len(self.paragraphs), dtype=bool)
            if doc_ids is not None:
                wanted = set(doc_ids)
                ok = np.array([d in wanted for d in self.doc_ids], dtype=bool)
                mask &= ok[np.asarray(self.doc_of)]
            if year:
                # A document of unknown date ("日期不详") may well be of that year: it is not filtered out;
                # nor is a paragraph of another year's document that speaks of it (a 2023 report looking
                # back: "2022年是…本届人大常委会履职开局之年").
                years = self.paragraph_years()
                said = np.zeros(len(self.paragraphs), dtype=bool)
                said[self.phrase_positions([f"{year}年"])] = True
                mask &= (years == int(year)) | (years == 0) | said
            if len(self._masks) > 64:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    def dated(self, doc_ids: Sequence[str] | None, year: str) -> bool:
        """Is any paragraph of ``doc_ids`` (all when None) dated ``year``, not merely of unknown date?

        The year filter keeps undated paragraphs, so its mask alone cannot tell that no
        document is of that year; cached per library like the masks.
        """
        key = (tuple(doc_ids) if doc_ids is not None else None, year)
        if key not in self._dated:
            years = self.paragraph_years() == int(year)
            within = self.filter_mask(doc_ids, "")
            if len(self._dated) > 64:
                self._dated.clear()
            self._dated[key] = bool((years if within is None else years & within).any())
        return self._dated[key]

    def source_stats(self) -> dict[str, tuple[int, int]]:
        """(size, mtime_ns) of each source file (by its path in the corpus) as the manifest recorded it."""
        return self._stats

    def doc_meta(self) -> list[dict]:
        """Each document's stored metadata (doc_id, title, path, sha256, …), without building documents."""
        return self._doc_meta

    def fingerprints(self) -> list[tuple[str, str, str, str]]:
        """(doc_id, title, sha256 of the source file, fingerprint of the folded text) of every document.

        The fingerprint is recorded at build time, so refusing a duplicate
        upload reads no paragraph: folding every paragraph of a million-paragraph
        corpus to compare took most of an upload's 46 s.
        """
        return [(m["doc_id"], m["title"], m["sha256"], m["fingerprint"]) for m in self._doc_meta]

    def short_id(self, doc_id: str) -> str:
        """The shortest prefix (at least three characters) that names only this document."""
        for size in range(3, len(doc_id)):
            prefix = doc_id[:size]
            if sum(1 for d in self.doc_ids if d.startswith(prefix)) == 1:
                return prefix
        return doc_id

    def resolve_doc(self, ref: str) -> list[Document]:
        """Documents named by an id, an id prefix, the file name after an upload's number, or a word of their title."""
        ref_f = fold(ref)
        if not ref_f:
            return []
        if ref in self._doc_index:
            return [self.doc_by_id[ref]]
        by_prefix = [d for d in self.doc_ids if d.startswith(ref) or d.partition("_")[2].startswith(ref)]
        if by_prefix:
            return [self.doc_by_id[d] for d in by_prefix]
        return [
            self.documents[i]
            for i, m in enumerate(self._doc_meta)
            if ref_f in fold(m["title"]) or ref_f in fold(m["publication"])
        ]

    def _document(self, i: int) -> Document:
        meta = self._doc_meta[i]
        skip = ("start", "count", "harvested", "articles", "outline", "path", "fingerprint")
        fields = {k: v for k, v in meta.items() if k not in skip}
        return Document(
            **fields,
            paragraphs=ParagraphList(self, meta["start"], meta["start"] + meta["count"]),  # type: ignore[arg-type]
            articles=[Article(**a) for a in meta["articles"]],
            outline=[OutlineEntry(**o) for o in meta["outline"]],
        )


def _year(date: str) -> int:
    return int(date[:4]) if len(date) >= 4 and date[:4].isdigit() else 0


class ParagraphList(Sequence[Paragraph]):
    """Paragraphs ``start … end−1`` of a library, decoded on access (``lib.paragraphs``, ``doc.paragraphs``)."""

    def __init__(self, lib: Library, start: int, end: int) -> None:
        self._lib, self._start, self._end = lib, start, end

    def __len__(self) -> int:
        return self._end - self._start

    @overload
    def __getitem__(self, i: int) -> Paragraph: ...
    @overload
    def __getitem__(self, i: slice) -> list[Paragraph]: ...
    def __getitem__(self, i: int | slice) -> Paragraph | list[Paragraph]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return self._lib.paragraph(self._start + _checked(i, len(self)))

    def __iter__(self) -> Iterator[Paragraph]:
        for i in range(len(self)):
            yield self[i]


def _checked(i: int, size: int) -> int:
    """A sequence index as Python reads it (negative from the end), or IndexError."""
    if i < 0:
        i += size
    if not 0 <= i < size:
        raise IndexError(i)
    return i


class DocumentList(Sequence[Document]):
    """The documents in corpus order, each built from its metadata on first access."""

    def __init__(self, lib: Library) -> None:
        self._lib = lib
        self._cache: dict[int, Document] = {}

    def __len__(self) -> int:
        return len(self._lib.doc_ids)

    @overload
    def __getitem__(self, i: int) -> Document: ...
    @overload
    def __getitem__(self, i: slice) -> list[Document]: ...
    def __getitem__(self, i: int | slice) -> Document | list[Document]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = _checked(i, len(self))
        doc = self._cache.get(i)
        if doc is None:
            doc = self._cache[i] = self._lib._document(i)
        return doc

    def __iter__(self) -> Iterator[Document]:
        for i in range(len(self)):
            yield self[i]


class DocsById(Mapping[str, Document]):
    """``doc_id → Document`` without building every document up front."""

    def __init__(self, lib: Library) -> None:
        self._lib = lib

    def __getitem__(self, doc_id: str) -> Document:
        return self._lib.documents[self._lib._doc_index[doc_id]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lib.doc_ids)

    def __len__(self) -> int:
        return len(self._lib.doc_ids)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._lib._doc_index


def index_tokens(analyzer: Analyzer, documents: Sequence[Document], folded: Sequence[str]) -> list[list[str]]:
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
