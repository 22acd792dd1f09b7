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
