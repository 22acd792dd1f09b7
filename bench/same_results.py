"""Do two versions of the code rank the same?  Dump ``search --json --top 10`` for a query set, then diff two dumps.

Speed work on the ranking must not change what users get.  This runs the
command-line contract (``python -m retrieval search --json --top 10 -``) over
every question of ``../shared/eval/dev.jsonl`` and ``eval/staff.jsonl`` on the
seeds (each ranking variant), and optionally over the benchmark queries on a
synthetic corpus, and writes one JSON line per query without ``took_ms``.
It also records what the bot asks for on the seeds (three hits, thirty
ranked, near-duplicates folded) at full float precision.  ``diff`` compares
two dumps: top-10 positions, ``answered``, notices and excerpts, and scores
(reported separately).

    .venv/bin/python bench/same_results.py dump before.jsonl [--synthetic 100000]
    .venv/bin/python bench/same_results.py diff before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def questions() -> list[str]:
    out: list[str] = []
    for path in (ROOT.parent / "shared" / "eval" / "dev.jsonl", ROOT / "eval" / "staff.jsonl"):
        if path.exists():
            out += [json.loads(line)["q"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


def run(corpus: Path, cache: Path, queries: list[str], variant: str | None) -> list[dict]:
    cmd = [sys.executable, "-m", "retrieval", "search", "-", "--json", "--top", "10", "--corpus", str(corpus)]
    if variant:
        cmd += ["--variant", variant]
    # A fixed hash seed: the RM3 variant breaks ties between expansion terms in
    # set order, which otherwise changes from one process to the next.
    env = {**os.environ, "RETRIEVAL_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, input="\n".join(queries) + "\n", capture_output=True, text=True, check=False
    )
    rows = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    if len(rows) != len(queries):
        raise SystemExit(f"{len(rows)} answers for {len(queries)} queries: {proc.stderr[-2000:]}")
    for row in rows:
        row.pop("took_ms", None)
        row["variant"] = variant or "default"
        row["corpus"] = corpus.name
    return rows


def bot_rows(cache: Path) -> list[dict]:
    """What the bot asks for (three hits, thirty ranked, near-duplicates folded), at full float precision."""
    from retrieval.library import Library
    from retrieval.search import QueryError, Searcher

    searcher = Searcher(Library.open(ROOT / "seeds", cache))
    rows: list[dict] = []
    for q in questions():
        try:
            r = searcher.search(q, top=3, depth=30, collapse=True)
        except QueryError as exc:
            rows.append({"query": q, "error": str(exc), "results": [], "answered": False})
            continue
        rows.append(
            {
                "query": q,
                "results": [{"doc_id": "", "paragraph": p, "score": s, "excerpt": ""} for p, s in r.ranked],
                "answered": r.answered,
                "notices": [*r.query.notices, *(f"{k}<{v}" for k, v in sorted(r.also.items()))],
                "excerpts": [h.excerpt for h in r.hits],
            }
        )
    return rows


def dump(out: Path, synthetic: list[int]) -> None:
    from retrieval.search import VARIANTS

    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        qs = questions()
        rows += run(ROOT / "seeds", Path(tmp) / "seeds", qs, None)
        for variant in VARIANTS:
            rows += run(ROOT / "seeds", Path(tmp) / "seeds", qs, variant)
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": str(ROOT)}
        code = f"import json, sys; sys.path.insert(0, {str(ROOT / 'bench')!r}); from same_results import bot_rows; "
        code += f"print(json.dumps(bot_rows(__import__('pathlib').Path({str(Path(tmp) / 'seeds')!r}))))"
        cmd = [sys.executable, "-c", code]
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
        for row in json.loads(proc.stdout):
            rows.append({**row, "variant": "bot (collapse, depth 30)", "corpus": "seeds"})
    if synthetic:
        from bench_search import CACHE, make_queries
        from synth import make_corpus

        for n in synthetic:
            corpus = make_corpus(CACHE / f"corpus-{n}", n)
            rows += run(corpus, CACHE / f"cache-{n}", make_queries(200), None)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} answers written to {out}")


def key(row: dict) -> tuple:
    return (
        [(r["doc_id"], r["paragraph"]) for r in row["results"]],
        row["answered"],
        row.get("notices"),
        row.get("error"),
        [r["excerpt"] for r in row["results"]],
    )


def diff(a: Path, b: Path) -> int:
    rows_a = [json.loads(x) for x in a.read_text(encoding="utf-8").splitlines()]
    rows_b = [json.loads(x) for x in b.read_text(encoding="utf-8").splitlines()]
    if len(rows_a) != len(rows_b):
        print(f"different lengths: {len(rows_a)} vs {len(rows_b)}")
        return 1
    changed = score_diffs = 0
    worst = 0.0
    for ra, rb in zip(rows_a, rows_b, strict=True):
        if key(ra) != key(rb):
            changed += 1
            print(f"CHANGED [{ra['corpus']} {ra['variant']}] {ra['query']!r}")
            labels = ("top-10", "answered", "notices", "error", "excerpts")
            for label, x, y in zip(labels, key(ra), key(rb), strict=True):
                if x != y:
                    print(f"   {label}: {x}\n   {' ' * len(label)}  {y}")
            continue
        for ha, hb in zip(ra["results"], rb["results"], strict=True):
            if ha["score"] != hb["score"]:
                score_diffs += 1
                worst = max(worst, abs(ha["score"] - hb["score"]))
    print(f"{len(rows_a)} answers compared: {changed} with a different top-10/answered/notice/excerpt")
    print(f"scores differing (same order): {score_diffs} hits, largest difference {worst:.2e}")
    return 1 if changed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("dump")
    p.add_argument("out", type=Path)
    p.add_argument("--synthetic", type=int, nargs="*", default=[], help="also the bench queries at these sizes")
    p = sub.add_parser("diff")
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.cmd == "dump":
        dump(args.out, args.synthetic)
        return 0
    return diff(args.a, args.b)


if __name__ == "__main__":
    raise SystemExit(main())
