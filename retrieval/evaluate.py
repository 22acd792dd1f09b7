"""Quality on a question set: hit@1/3/5 and MRR, for this engine and a naive baseline.

A hit is a returned paragraph whose folded text contains one of the gold
strings; folding is the engine's own (NFKC, Traditional→Simplified, white
space and ``*`` removed), so a gold answer typed in either script counts.
The baseline is what one would build in ten minutes — a line per paragraph,
``jieba.lcut``, rank-bm25 — so the numbers show what the real pipeline buys.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import jieba
import numpy as np
from rank_bm25 import BM25Okapi

from .analysis import fold
from .ingest import IngestError, list_sources, read_source

DEPTH = 10


def load_cases(path: Path) -> list[dict]:
    cases = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            case = json.loads(line)
            if "q" not in case or "gold" not in case:
                raise ValueError(f"{path}:{n}: a case needs 'q' and 'gold'")
            cases.append(case)
    return cases


def eval_fold(text: str) -> str:
    """The evaluation's fold: NFKC, Traditional→Simplified, every white space and ``*`` removed."""
    return fold(text).replace(" ", "")


def first_hit_rank(texts: list[str], gold: list[str]) -> int:
    """1-based rank of the first text holding a gold string, 0 when none does."""
    golds = [eval_fold(g) for g in gold]
    for rank, text in enumerate(texts, start=1):
        folded = eval_fold(text)
        if any(g and g in folded for g in golds):
            return rank
    return 0


Answer = tuple[list[str], bool]  # returned paragraph texts, best first; did the engine say it answers


def score_cases(cases: list[dict], search: Callable[[str], Answer]) -> dict[str, dict[str, float]]:
    """hit@k and MRR over the answerable cases; how often "answered" was right, over all of them.

    A case with an empty gold list asks something the corpus does not say: it
    counts only towards ``said-no`` (the share the engine marked as not
    answered).  ``false-no`` is the share of answerable cases wrongly marked so.
    """
    rows: dict[str, list[tuple[int | None, bool]]] = defaultdict(list)  # (rank or None if no gold, said no)
    for case in cases:
        texts, answered = search(case["q"])
        rank = first_hit_rank(texts[:DEPTH], case["gold"]) if case["gold"] else None
        rows["all"].append((rank, not answered))
        rows[case.get("kind", "-")].append((rank, not answered))
    out = {}
    for kind, results in rows.items():
        ranks = [r for r, _ in results if r is not None]
        wrong_no = [no for r, no in results if r is not None]
        right_no = [no for r, no in results if r is None]
        n = len(ranks)
        out[kind] = {
            "n": n,
            "hit@1": _share(r == 1 for r in ranks),
            "hit@3": _share(1 <= r <= 3 for r in ranks),
            "hit@5": _share(1 <= r <= 5 for r in ranks),
            "mrr": sum(1 / r for r in ranks if r) / n if n else 0.0,
            "false-no": _share(wrong_no),
            "none_n": len(right_no),
            "said-no": _share(right_no),
        }
    return out


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def naive_search(corpus: Path) -> Callable[[str], Answer]:
    """The baseline: each non-empty source line is a paragraph; raw jieba.lcut; BM25Okapi."""
    lines: list[str] = []
    for path in list_sources(corpus):
        try:
            text, _, _ = read_source(path)
        except IngestError:
            continue
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
    bm25 = BM25Okapi([jieba.lcut(line) for line in lines])

    def search(q: str) -> Answer:
        scores = bm25.get_scores(jieba.lcut(q))
        order = np.argsort(-scores, kind="stable")[:DEPTH]
        return [lines[i] for i in order], True

    return search


def format_table(name: str, metrics: dict[str, dict[str, float]]) -> str:
    rows = [f"{name}"]
    kinds = ["all", *sorted(k for k in metrics if k != "all")]
    for kind in kinds:
        m = metrics[kind]
        line = f"  {kind:<10} "
        if m["n"]:
            line += (
                f"n={m['n']:<3} hit@1={m['hit@1']:.2f} hit@3={m['hit@3']:.2f} "
                f"hit@5={m['hit@5']:.2f} MRR={m['mrr']:.3f} false-no={m['false-no']:.2f}"
            )
        if m["none_n"]:
            line += f"{'  ' if m['n'] else ''}unanswerable n={m['none_n']:<3} said-no={m['said-no']:.2f}"
        rows.append(line.rstrip())
    return "\n".join(rows)
