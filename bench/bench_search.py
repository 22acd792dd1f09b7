"""Whole-path search benchmark at 10K / 100K / 1M paragraphs, against rank-bm25 and bm25s in the same run.

What a user waits for is the whole path that ``python -m retrieval search
--json`` runs: parsing, analysis, candidates (BM25 top-k, phrase and
verbatim-run look-ups), ranking signals, excerpts and the JSON line.  That
is timed here on synthetic corpora drawn from the seeds (``bench/synth.py``:
three seed sentences a paragraph, 1,000 paragraphs a file), next to

* this engine's bare BM25 top-10 (``BM25Index.top``),
* bm25s (bench-only dependency: ``pip install bm25s``) top-10 on the same
  token ids, ``method="atire", idf_method="robertson"``, numpy backend,
* rank-bm25 ``BM25Okapi`` on the same token ids (``get_scores`` + top-10),
  whose top-10 must equal this engine's BM25 top-10 for every query timed.

Per size it also reports the build (wall time and the peak resident memory
of the build process and its workers together), the cold start of
``python -m retrieval search`` with a warm cache, adding and removing one
document, and one 10,000-character one-token query.

    .venv/bin/python bench/bench_search.py [--sizes 10000 100000 1000000] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synth import make_corpus, seed_sentences  # noqa: E402

CACHE = ROOT / ".cache" / "bench"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the process tree, stdout) of a command."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))
    reader.start()
    while proc.poll() is None:
        peak = max(peak, tree_rss_kb(proc.pid))
        time.sleep(0.2)
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {''.join(out)}")
    return time.perf_counter() - started, peak / 1024, "".join(out)


def cli_env(cache: Path) -> dict[str, str]:
    return {**os.environ, "RETRIEVAL_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}


def cold_start(corpus: Path, cache: Path) -> float:
    cmd = [sys.executable, "-m", "retrieval", "search", "四个机关", "--json", "--corpus", str(corpus)]
    runs = []
    for _ in range(4):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=cli_env(cache), capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    return min(runs[1:])


def make_queries(n: int, seed: int = 11) -> list[str]:
    """The development questions, then fragments of seed sentences and short keyword queries."""
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    queries = (
        [json.loads(line)["q"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
        if dev.exists()
        else []
    )
    rng = random.Random(seed)
    sentences = seed_sentences()
    while len(queries) < n:
        s = rng.choice(sentences)
        if rng.random() < 0.5:
            at = rng.randrange(max(1, len(s) - 16))
            queries.append(s[at : at + rng.randint(4, 16)])  # a half-remembered phrase
        else:
            words = [w for w in s.replace("，", " ").replace("、", " ").split() if len(w) >= 2]
            queries.append(" ".join(rng.sample(words, min(len(words), 2))) or s[:6])
    return queries[:n]


def _measure(corpus: str, cache: str, queries: list[str], n_ref: int, conn) -> None:
    """In a child process: whole path, bare top-k, bm25s and rank-bm25 on the same token ids."""
    from retrieval.analysis import fold
    from retrieval.cli import _result_json
    from retrieval.context import paragraph_contexts
    from retrieval.library import Library
    from retrieval.search import QueryError, Searcher

    lib = Library.open(Path(corpus), Path(cache))
    searcher = Searcher(lib)
    for q in queries[:5]:  # warm the page cache and the analyzer's caches
        searcher.search(q, top=10)
    whole, took = [], []
    for q in queries:
        t = time.perf_counter()
        try:
            line = _result_json(q, searcher.search(q, top=10), "", t)
        except QueryError as exc:
            line = _result_json(q, None, str(exc), t)
        whole.append(time.perf_counter() - t)
        took.append(json.loads(line)["took_ms"])
    vocab = lib.index.vocab
    qtokens = [lib.analyzer.tokens(fold(q)) for q in queries]
    bare, ours_top = [], []
    for toks in qtokens:
        t = time.perf_counter()
        top = lib.index.top(toks, 10)
        bare.append(time.perf_counter() - t)
        ours_top.append(top)
    long_token = {}
    for label, text in (("a×10000", "a" * 10_000), ("哈×10000", "哈" * 10_000)):
        t = time.perf_counter()
        searcher.search(text, top=10)
        long_token[label] = (time.perf_counter() - t) * 1e3

    # The same token ids as the index: each paragraph's own tokens (forward index) and its context's.
    t = time.perf_counter()
    corpus_ids: list[list[int]] = []
    for doc in lib.documents:
        cache_ctx: dict[str, list[int]] = {}
        start = lib.doc_start[doc.doc_id]
        for i, ctx in enumerate(paragraph_contexts(doc)):
            if ctx not in cache_ctx:
                cache_ctx[ctx] = [vocab[x] for x in lib.analyzer.tokens(fold(ctx))] if ctx else []
            corpus_ids.append(lib.token_ids(start + i).tolist() + cache_ctx[ctx])
    token_seconds = time.perf_counter() - t
    q_ids = [[vocab.get(x, -1) for x in toks] for toks in qtokens]

    import bm25s

    t = time.perf_counter()
    retriever = bm25s.BM25(k1=1.5, b=0.75, method="atire", idf_method="robertson")
    retriever.index(
        bm25s.tokenization.Tokenized(ids=corpus_ids, vocab={str(i): i for i in range(len(vocab))}), show_progress=False
    )
    bm25s_build = time.perf_counter() - t
    bm25s_times = []
    for ids in q_ids:
        known = [i for i in ids if i >= 0]
        if not known:
            continue
        # bm25s's own single-query path (scores from its CSC matrix, then top-k), without
        # ``retrieve``'s batching and tokenizer plumbing around it.
        t = time.perf_counter()
        retriever._get_top_k_results(known, k=10, backend="numpy", sorted=True)
        bm25s_times.append(time.perf_counter() - t)
    del retriever

    from rank_bm25 import BM25Okapi

    t = time.perf_counter()
    ref = BM25Okapi(corpus_ids)
    ref_build = time.perf_counter() - t
    del corpus_ids
    ref_times, equal, compared = [], 0, 0
    for ids, top in zip(q_ids[:n_ref], ours_top[:n_ref], strict=False):
        t = time.perf_counter()
        scores = ref.get_scores(ids)
        order = np.argsort(-scores, kind="stable")[:10]
        ref_times.append(time.perf_counter() - t)
        expected = [int(i) for i in order if scores[i] > 0]
        compared += 1
        equal += [d for d, _ in top] == expected[: len(top)] and len(top) == len(expected)
    conn.send(
        {
            "whole": whole,
            "took": took,
            "bare": bare,
            "bm25s": bm25s_times,
            "bm25s_build": bm25s_build,
            "ref": ref_times,
            "ref_build": ref_build,
            "equal": equal,
            "compared": compared,
            "long_token_ms": long_token,
            "token_seconds": token_seconds,
            "terms": lib.index.n_terms,
            "postings": lib.index.n_postings,
        }
    )
    conn.close()


def measure(corpus: Path, cache: Path, queries: list[str], n_ref: int) -> dict:
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_measure, args=(str(corpus), str(cache), queries, n_ref, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def add_remove(corpus: Path, cache: Path) -> tuple[float, float]:
    """Seconds to open the library after adding one document, then after removing it again."""
    env = cli_env(cache)
    doc = corpus / "zz_added.txt"
    doc.write_text(
        "新增测试文档\n\n" + "人大代表要认真履行代表职责，密切联系群众，反映群众意见和要求。\n" * 3, encoding="utf-8"
    )
    cmd = [sys.executable, "-m", "retrieval", "index", "--corpus", str(corpus)]
    try:
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        added = time.perf_counter() - t
    finally:
        doc.unlink()
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
    return added, time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reference-queries", type=int, default=40)
    parser.add_argument("--reference-queries-1m", type=int, default=20, help="rank-bm25 queries from 1M paragraphs on")
    parser.add_argument("--rebuild", action="store_true", help="build even when a current index is cached")
    parser.add_argument("--no-add", action="store_true", help="skip the add/remove-one-document timing")
    parser.add_argument(
        "--unique", action="store_true", help="spliced clauses that (almost) never repeat, as real text (synth.spliced)"
    )
    args = parser.parse_args()
    queries = make_queries(args.queries)
    failures = 0
    for n in args.sizes:
        tag = f"{n}-unique" if args.unique else f"{n}"
        corpus = make_corpus(CACHE / f"corpus-{tag}", n, unique=args.unique)
        cache = CACHE / f"cache-{tag}"
        cmd = [sys.executable, "-m", "retrieval", "index", "--corpus", str(corpus)] + (
            ["--rebuild"] if args.rebuild else []
        )
        wall, peak_mb, out = run_measured(cmd, cli_env(cache))
        built = "(built)" in out
        manifest = json.loads((cache / "index" / "manifest.json").read_text(encoding="utf-8"))
        print(f"\n== {n:,} paragraphs ({manifest['paragraphs']:,} after ingestion, {manifest['documents']} files)")
        if built:
            print(f"build: {wall:.1f} s wall, peak {peak_mb:,.0f} MB (process tree); stages {manifest.get('seconds')}")
        else:
            print(f"build: cached (open took {wall:.2f} s); run with --rebuild to time the build")
        disk = sum(f.stat().st_size for f in (cache / "index").iterdir()) / 2**20
        print(f"index on disk: {disk:,.0f} MB")
        print(f"cold `python -m retrieval search` with a warm cache: {cold_start(corpus, cache):.2f} s")
        n_ref = args.reference_queries if n < 1_000_000 else args.reference_queries_1m
        r = measure(corpus, cache, queries, n_ref)
        w50, w95 = percentile(r["whole"], 50) * 1e3, percentile(r["whole"], 95) * 1e3
        b50, b95 = percentile(r["bare"], 50) * 1e3, percentile(r["bare"], 95) * 1e3
        s50, s95 = percentile(r["bm25s"], 50) * 1e3, percentile(r["bm25s"], 95) * 1e3
        f50, f95 = percentile(r["ref"], 50) * 1e3, percentile(r["ref"], 95) * 1e3
        ours_ref50 = percentile(r["whole"][: len(r["ref"])], 50) * 1e3
        print(f"{r['terms']:,} terms, {r['postings']:,} postings; {len(r['whole'])} queries")
        print(
            f"  whole path (search --json)   p50 {w50:8.2f} ms  p95 {w95:8.2f} ms"
            f"  (took_ms p50 {percentile(r['took'], 50):.2f})"
        )
        print(f"  our bare BM25 top-10         p50 {b50:8.3f} ms  p95 {b95:8.3f} ms")
        print(f"  bm25s top-10 (numpy)         p50 {s50:8.3f} ms  p95 {s95:8.3f} ms  build {r['bm25s_build']:.1f} s")
        print(
            f"  rank-bm25 get_scores+top-10  p50 {f50:8.2f} ms  p95 {f95:8.2f} ms  build {r['ref_build']:.1f} s"
            f"  ({len(r['ref'])} queries)"
        )
        print(
            f"  ratios: rank-bm25 / whole path {f50 / ours_ref50:.0f}x (p50, same queries);"
            f" whole path / bare bm25s {w50 / s50:.1f}x (p50); bare ours / bare bm25s {b50 / s50:.2f}x"
        )
        print(f"  BM25 top-10 equal to rank-bm25 on {r['equal']}/{r['compared']} queries")
        print(
            "  one 10,000-character token, whole path: "
            + ", ".join(f"{k} {v:.1f} ms" for k, v in r["long_token_ms"].items())
        )
        failures += r["compared"] - r["equal"]
        if not args.no_add:
            added, removed = add_remove(corpus, cache)
            print(f"  add one document: {added:.2f} s; remove it again: {removed:.2f} s (CLI `index`, incl. start-up)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
