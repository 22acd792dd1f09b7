"""Adding or removing a few documents without rebuilding the whole index: a delta segment.

When the corpus changed a little since the base segment was built, only
the added (or changed) files are ingested and segmented, into a small
segment of their own, and the base documents that are gone are listed as
removed.  The delta is rebuilt from all added files at every change (it
stays small); once it outgrows ``MAX_SHARE`` of the base, the next open
does a full rebuild, which merges everything into a new base (Lucene's
small segments merged later).

A delta is exact or refused: it must segment as a full rebuild would, so
if the added documents quote a formula the base's dictionary lacks, or the
removed ones took the last quote of one away, the library is rebuilt.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .build import DeltaRefused, build_library, file_entry, write_manifest
from .ingest import list_sources
from .segment import Segment
from .store import open_array, replace_dir, save_array

DELTA_DIR = "delta"
MAX_SHARE = 0.05  # of the base's bytes (added) or paragraphs (removed)
MIN_BYTES = 2 * 1024 * 1024  # a small base still takes a document or two this way
MIN_PARAGRAPHS = 2000


@dataclass
class Delta:
    folder: Path
    manifest: dict
    segment: Segment
    removed_df: np.ndarray  # per base term: how many removed paragraphs hold it

    @classmethod
    def open(cls, folder: Path, manifest: dict) -> Delta:
        return cls(folder, manifest, Segment(folder, manifest), open_array(folder, "removed_df", np.int64))


def read_delta_manifest(folder: Path, base_manifest: dict) -> dict | None:
    """The delta's manifest when it was built on this base; None otherwise (a stale delta is ignored)."""
    path = folder / "manifest.json"
    if not path.is_file():
        return None
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("kind") != "delta" or manifest.get("base_id") != base_manifest.get("build_id"):
        return None
    return manifest


def update_delta(
    corpus: Path, cache_dir: Path, base: Segment, base_manifest: dict, version: str
) -> tuple[bool, Delta | None]:
    """Bring ``base`` up to ``corpus``: (False, None) when a full rebuild is needed, else (True, the delta).

    The delta is None when the corpus is back to the base's documents: the
    base alone serves it again, at full speed.
    """
    recorded = {f["name"]: f for f in base_manifest["files"]}
    sources = list_sources(corpus)
    entries: list[dict] = []
    added: list[Path] = []
    for path in sources:
        name = str(path.relative_to(corpus))
        old = recorded.get(name)
        st = path.stat()
        if old is not None and st.st_size == old["size"] and st.st_mtime_ns == old["mtime_ns"]:
            entries.append(old)
            continue
        entry = file_entry(path, corpus)
        entries.append(entry)
        if old is None or entry["sha256"] != old["sha256"]:
            added.append(path)
    current = {str(p.relative_to(corpus)) for p in sources}
    gone = {n for n in recorded if n not in current} | {str(p.relative_to(corpus)) for p in added}
    removed = [m for m in base.doc_meta if m["path"] in gone]
    target = cache_dir / DELTA_DIR
    if not added and not gone:
        shutil.rmtree(target, ignore_errors=True)
        write_manifest(base.folder, {**base_manifest, "files": entries})
        return True, None
    base_bytes = sum(f["size"] for f in base_manifest["files"])
    if sum(p.stat().st_size for p in added) > max(MIN_BYTES, MAX_SHARE * base_bytes):
        return False, None
    if sum(m["count"] for m in removed) > max(MIN_PARAGRAPHS, MAX_SHARE * base.n):
        return False, None
    tmp = cache_dir / f"{DELTA_DIR}.build.{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        manifest = build_library(
            corpus, tmp, cache_dir, version, workers=1, sources=added, domain_terms=base_manifest["domain_terms"]
        )
        new_docs = json.loads((tmp / "documents.json").read_text(encoding="utf-8"))
        removed_ids = {m["doc_id"] for m in removed}
        live_terms = {t for m in base.doc_meta if m["doc_id"] not in removed_ids for t in m["harvested"]}
        live_terms |= {t for m in new_docs for t in m["harvested"]}
        if live_terms != set(base_manifest["domain_terms"]):
            raise DeltaRefused("removed documents held the only quote of a domain term")
    except DeltaRefused:
        shutil.rmtree(tmp, ignore_errors=True)
        return False, None
    mask = np.zeros(base.n + 1, bool)
    for m in removed:
        mask[m["start"] : m["start"] + m["count"]] = True
    hits = np.concatenate(([0], np.cumsum(mask[base.index.docs], dtype=np.int64)))
    offsets = np.asarray(base.index.offsets)
    save_array(tmp, "removed_df", hits[offsets[1:]] - hits[offsets[:-1]])
    names_gone = {Path(n).name for n in gone}
    kept_errors = [e for e in base_manifest.get("errors", []) if e.split(":", 1)[0] not in names_gone]
    manifest.update(
        kind="delta",
        base_id=base_manifest["build_id"],
        removed=sorted(removed_ids),
        files=entries,
        errors=kept_errors + manifest.get("errors", []),
    )
    write_manifest(tmp, manifest)
    replace_dir(tmp, target)
    return True, Delta.open(target, manifest)
