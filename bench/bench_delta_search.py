"""Search after an upload: the base alone against the base joined with a delta, as the bot searches.

An upload adds a small delta segment; until the next full build every
search reads the base and the delta through the joined view
(``retrieval/segment.py``), whose weights and lists are computed for the
joined statistics on first use.  This times the development questions the
way the bot asks them (``top=30, collapse=True, excerpts=3``) on hard-linked
copies of ``bench_search.py``'s corpus and cache, so the originals stay as
they are:

* first pass: each question once on a freshly opened library (cold lists);
* warm: best of three per question afterwards, p50 / p95 / mean;
* open: how long opening the joined library takes once it is built.

    .venv/bin/python bench/bench_delta_search.py [--size 1000000] [--upload-paragraphs 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_bot_1m import linked_copy, upload_text  # noqa: E402
from bench_search import CACHE  # noqa: E402
from synth import make_corpus  # noqa: E402

from retrieval.library import Library  # noqa: E402
from retrieval.search import Searcher  # noqa: E402

OPTIONS = {"top": 30, "collapse": True, "excerpts": 3}  # as bot/handlers/answers.py searches


def timed(lib: Library, questions: list[str]) -> tuple[float, list[float]]:
    """Mean ms of a first pass over the questions, then each question's best of three (ms)."""
    searcher = Searcher(lib)
    started = time.perf_counter()
    for q in questions:
        searcher.search(q, **OPTIONS)
    first = (time.perf_counter() - started) / len(questions) * 1e3
    best = []
    for q in questions:
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            searcher.search(q, **OPTIONS)
            runs.append(time.perf_counter() - t)
        best.append(min(runs) * 1e3)
    return first, sorted(best)


def line(label: str, first: float, ms: list[float]) -> str:
    p50, p95, mean = ms[len(ms) // 2], ms[int(len(ms) * 0.95)], sum(ms) / len(ms)
    return f"  {label:12} first pass {first:6.1f} ms   warm p50 {p50:6.1f}  p95 {p95:6.1f}  mean {mean:6.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="synthetic paragraphs (bench_search.py's corpus)")
    parser.add_argument("--upload-paragraphs", type=int, default=2000)
    args = parser.parse_args()
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    questions = [json.loads(row)["q"] for row in dev.read_text(encoding="utf-8").splitlines() if row.strip()]
    source = make_corpus(CACHE / f"corpus-{args.size}", args.size)
    Library.open(source, CACHE / f"cache-{args.size}")  # builds when the cache is not current (minutes at 1M)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        corpus = linked_copy(source, Path(tmp) / "corpus")
        cache = linked_copy(CACHE / f"cache-{args.size}", Path(tmp) / "cache")
        base = Library.open(corpus, cache)
        print(f"{len(base.paragraphs):,} paragraphs; the {len(questions)} development questions, {OPTIONS}")
        print(line("base", *timed(base, questions)))
        (corpus / "bench_upload.txt").write_bytes(upload_text(args.upload_paragraphs, "上传"))
        t = time.perf_counter()
        Library.open(corpus, cache)
        built = time.perf_counter() - t
        t = time.perf_counter()
        joined = Library.read_only(cache)  # as a search worker opens it
        opened = time.perf_counter() - t
        print(line("base + delta", *timed(joined, questions)))
        print(f"  delta of {args.upload_paragraphs} paragraphs built in {built:.1f} s; opened in {opened:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
