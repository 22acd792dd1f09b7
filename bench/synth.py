"""Synthetic corpora drawn from the seeds: three seed sentences a paragraph, 1,000 paragraphs a file.

The sentences are the seeds' own, so segmentation, posting-list lengths,
phrases and excerpts behave as on the real corpus scaled up.  The same size
and seed always give the same files, and a finished folder is reused.
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from retrieval.corpus import load_corpus  # noqa: E402

_SENTENCE = re.compile(r"[^。！？]+[。！？]")


def seed_sentences() -> list[str]:
    """Every sentence (8 to 200 characters) of the seeds' body paragraphs."""
    out: list[str] = []
    for doc in load_corpus(ROOT / "seeds").documents:
        for p in doc.paragraphs:
            out.extend(s for s in _SENTENCE.findall(p.text) if 8 <= len(s) <= 200)
    return out


_CLAUSE = re.compile(r"[^，、；：]+[，、；：]?")


def spliced(rng: random.Random, sentences: list[str]) -> str:
    """A sentence whose clauses are each the head of one seed clause and the tail of another.

    Real text seldom repeats a clause, and the build remembers the clauses it
    has segmented; a corpus that repeats the seeds' clauses measures that
    memory, not segmentation.  Spliced clauses keep the seeds' characters and
    most of their words, and are new almost every time.
    """
    clauses = _CLAUSE.findall(rng.choice(sentences))
    out = []
    for clause in clauses:
        other = rng.choice(_CLAUSE.findall(rng.choice(sentences)) or [clause])
        cut, cut2 = rng.randint(1, max(1, len(clause) - 1)), rng.randint(0, max(0, len(other) - 1))
        out.append(clause[:cut] + other[cut2:])
    return "".join(out)


def make_corpus(folder: Path, paragraphs: int, per_file: int = 1000, seed: int = 7, unique: bool = False) -> Path:
    """Write (once) a corpus of ``paragraphs`` synthetic paragraphs into ``folder`` (``unique``: spliced clauses)."""
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sentences = seed_sentences()
    for f in range(0, (paragraphs + per_file - 1) // per_file):
        n = min(per_file, paragraphs - f * per_file)
        pick = (lambda: spliced(rng, sentences)) if unique else (lambda: rng.choice(sentences))
        body = ["".join(pick() for _ in range(3)) for _ in range(n)]
        text = f"合成文档第{f + 1}号\n\n" + "\n\n".join(body) + "\n"
        (folder / f"synth_{f:05d}.txt").write_text(text, encoding="utf-8")
    done.write_text("ok\n")
    return folder
