"""Index benchmark: this engine's inverted BM25 against rank-bm25's BM25Okapi, in the same run.

A synthetic corpus is drawn from the seeds' own vocabulary: paragraph lengths
follow the seeds' paragraphs, tokens follow the seeds' token frequencies, so
posting-list lengths look like the real corpus scaled up.  For each size the
script reports build time, peak memory (of a child process that builds only
that index), query p50/p95, and the speed-up over rank-bm25; it asserts that
both return the same top-10 for every query it timed against the reference.
A cold ``python -m retrieval search`` with a warm cache is timed last.

    .venv/bin/python bench/bench_index.py [--sizes 10000 100000 1000000] [--reference-max 100000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rank_bm25 import BM25Okapi  # noqa: E402

from retrieval.analysis import fold  # noqa: E402
from retrieval.index import BM25Index  # noqa: E402
from retrieval.library import Library, index_tokens  # noqa: E402


def seed_model(cache: Path) -> tuple[list[str], np.ndarray, np.ndarray, list[list[str]]]:
    """Vocabulary, token probabilities and paragraph lengths of the seeds, and realistic queries."""
    lib = Library.open(ROOT / "seeds", cache)
    lists = index_tokens(lib.analyzer, lib.documents, lib.folded)
    counts: dict[str, int] = {}
    for tokens in lists:
        for t in tokens:
            counts[t] = counts.get(t, 0) + 1
    vocab = list(counts)
    probs = np.array([counts[t] for t in vocab], dtype=np.float64)
    probs /= probs.sum()
    lengths = np.array([len(t) for t in lists])
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    questions = (
        [json.loads(line)["q"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
        if dev.exists()
        else []
    )
    queries = [lib.analyzer.tokens(fold(q)) for q in questions]
    return vocab, probs, lengths, queries


def synthetic_corpus(
    n: int, vocab: list[str], probs: np.ndarray, lengths: np.ndarray, seed: int = 7
) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    doc_len = rng.choice(lengths, size=n)
    ids = rng.choice(len(vocab), size=int(doc_len.sum()), p=probs)
    words = np.array(vocab, dtype=object)[ids]
    out: list[list[str]] = []
    pos = 0
    for length in doc_len:
        out.append(words[pos : pos + length].tolist())
        pos += length
    return out


def random_queries(k: int, vocab: list[str], probs: np.ndarray, seed: int = 11) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    # Users ask about content words: draw from the middle of the frequency range.
    order = np.argsort(-probs)
    content = order[20 : max(40, len(order) // 2)]
    return [[vocab[i] for i in rng.choice(content, size=rng.integers(2, 6))] for _ in range(k)]


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q)) if values else float("nan")


def _child(kind: str, n: int, cache: str, queries: list[list[str]], n_ref: int, conn) -> None:
    vocab, probs, lengths, _ = seed_model(Path(cache))
    corpus = synthetic_corpus(n, vocab, probs, lengths)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    if kind == "engine":
        index = BM25Index.build(corpus)
        del corpus
        build = time.perf_counter() - started
        times, tops = [], []
        for q in queries:
            t = time.perf_counter()
            top = index.top(q, 10)
            times.append(time.perf_counter() - t)
            tops.append(top)
        extra = {"terms": index.n_terms, "postings": int(index.docs.shape[0])}
    else:
        ref = BM25Okapi(corpus)
        del corpus
        build = time.perf_counter() - started
        times, tops = [], []
        for q in queries[:n_ref]:
            t = time.perf_counter()
            scores = ref.get_scores(q)
            order = np.argsort(-scores, kind="stable")[:10]
            times.append(time.perf_counter() - t)
            tops.append([(int(i), float(scores[i])) for i in order if scores[i] > 0])
        extra = {}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    conn.send(
        {
            "build": build,
            "peak_mb": peak / 1024,
            "delta_mb": (peak - base) / 1024,
            "times": times,
            "tops": tops,
            **extra,
        }
    )
    conn.close()


def measure(kind: str, n: int, cache: Path, queries: list[list[str]], n_ref: int) -> dict:
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(kind, n, str(cache), queries, n_ref, child))
    proc.start()
    result = parent.recv()
    proc.join()
    return result


def same_ranking(ours: list[tuple[int, float]], theirs: list[tuple[int, float]]) -> bool:
    """Equal top-10, allowing only the order of exactly tied scores (to 1e-9) to differ."""
    if len(ours) != len(theirs):
        return False
    for (d1, s1), (d2, s2) in zip(ours, theirs, strict=True):
        if abs(s1 - s2) > 1e-9 * max(1.0, abs(s2)):
            return False
        if d1 != d2 and not any(d == d1 and abs(s - s1) <= 1e-9 * max(1.0, abs(s)) for d, s in theirs):
            return False
    return True


def cold_cli(cache: Path) -> float:
    env = {**os.environ, "RETRIEVAL_CACHE_DIR": str(cache)}
    cmd = [sys.executable, "-m", "retrieval", "search", "四个机关", "--json"]
    subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)  # warm the cache
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    return min(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--reference-max", type=int, default=100_000, help="largest size rank-bm25 is run at")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--reference-queries", type=int, default=40)
    parser.add_argument("--cache-dir", default=str(ROOT / ".cache" / "bench"))
    args = parser.parse_args()
    cache = Path(args.cache_dir)

    vocab, probs, lengths, dev_queries = seed_model(cache)
    queries = (dev_queries + random_queries(args.queries, vocab, probs))[: args.queries]
    print(f"seed model: {len(vocab)} terms, mean paragraph length {lengths.mean():.0f} tokens, {len(queries)} queries")
    print(f"{'size':>9} {'engine':>7} {'build s':>8} {'peak MB':>8} {'p50 ms':>8} {'p95 ms':>8} {'speed-up p50':>13}")
    failures = 0
    for n in args.sizes:
        ours = measure("engine", n, cache, queries, 0)
        p50, p95 = percentile(ours["times"], 50) * 1e3, percentile(ours["times"], 95) * 1e3
        line = f"{n:>9} {'ours':>7} {ours['build']:>8.2f} {ours['peak_mb']:>8.0f} {p50:>8.3f} {p95:>8.3f}"
        print(line + f"   ({ours['terms']} terms, {ours['postings']} postings)")
        if n <= args.reference_max:
            ref = measure("rank-bm25", n, cache, queries, args.reference_queries)
            r50, r95 = percentile(ref["times"], 50) * 1e3, percentile(ref["times"], 95) * 1e3
            ours50 = percentile(ours["times"][: args.reference_queries], 50) * 1e3
            print(
                f"{n:>9} {'rank-bm25':>7} {ref['build']:>8.2f} {ref['peak_mb']:>8.0f} {r50:>8.3f} {r95:>8.3f}"
                f" {r50 / ours50:>12.0f}x"
            )
            bad = [i for i, (a, b) in enumerate(zip(ours["tops"], ref["tops"], strict=False)) if not same_ranking(a, b)]
            failures += len(bad)
            print(f"{'':>9} top-10 equal to rank-bm25 on {len(ref['tops']) - len(bad)}/{len(ref['tops'])} queries")
    print(f"cold `python -m retrieval search` with a warm cache: {cold_cli(cache):.2f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
