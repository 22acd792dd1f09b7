"""The staff question set is well formed: the split is fixed by id, and every gold string is in the seeds."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.evaluate import eval_fold

ROOT = Path(__file__).resolve().parent.parent
STAFF = ROOT / "eval" / "staff.jsonl"


def test_staff_set_shape_split_and_gold() -> None:
    cases = [json.loads(line) for line in STAFF.read_text(encoding="utf-8").splitlines() if line.strip()]
    seeds = eval_fold("".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))))
    assert len(cases) >= 80
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        # The split is a function of the id, decided before any result was seen.
        assert case["split"] == ("test" if int(case["id"][1:]) % 2 else "tune"), case["id"]
        if case["kind"] == "none":
            assert case["gold"] == [], case["id"]
        else:
            assert case["gold"] and all(eval_fold(g) in seeds for g in case["gold"]), case["id"]
    unanswerable = [c for c in cases if not c["gold"]]
    assert len(unanswerable) >= 15
    assert {c["split"] for c in unanswerable} == {"test", "tune"}


EXTRA = ROOT / "eval" / "tune_extra.jsonl"


def test_tune_extra_set_shape_and_gold_lines() -> None:
    """The extra tuning set is all ``tune``; each gold string is 6–30 characters from one seed line.

    Checking per line (not against the whole corpus) keeps a gold string from
    straddling a line break, where no paragraph the engine returns could hold it.
    """
    cases = [json.loads(line) for line in EXTRA.read_text(encoding="utf-8").splitlines() if line.strip()]
    staff = [json.loads(line) for line in STAFF.read_text(encoding="utf-8").splitlines() if line.strip()]
    lines = [
        eval_fold(line)
        for p in sorted((ROOT / "seeds").glob("*.txt"))
        for line in p.read_text(encoding="utf-8").splitlines()
    ]
    assert len(cases) >= 60
    assert len({c["id"] for c in cases}) == len(cases)
    assert not {c["id"] for c in cases} & {c["id"] for c in staff}
    assert not {c["q"] for c in cases} & {c["q"] for c in staff}
    for case in cases:
        assert set(case) == {"id", "kind", "q", "gold", "split"}, case["id"]
        assert case["split"] == "tune", case["id"]
        if case["kind"] == "none":
            assert case["gold"] == [], case["id"]
            continue
        assert case["gold"], case["id"]
        for gold in case["gold"]:
            assert 6 <= len(gold) <= 30, (case["id"], gold)
            assert any(eval_fold(gold) in line for line in lines), (case["id"], gold)
    kinds = {c["kind"] for c in cases}
    assert {"fact", "context", "paraphrase", "formula", "trad", "none"} <= kinds
    assert sum(c["kind"] == "none" for c in cases) >= 15
