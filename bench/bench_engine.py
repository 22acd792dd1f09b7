"""Conversation-engine benchmark: time from an incoming message to its reply, without network.

The development questions go through ``Engine.handle_message`` (search,
session write to SQLite, excerpts, HTML); the same questions through
``Searcher.search`` alone are the reference measured in the same run, so the
ratio shows what the conversation layer adds.

    .venv/bin/python bench/bench_engine.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.messages import Incoming  # noqa: E402
from retrieval.library import Library  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    questions = [json.loads(line)["q"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    library = Library.open(ROOT / "seeds", ROOT / ".cache" / "bench")
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Settings(data_dir=Path(tmp)), library=library)

        async def run() -> tuple[list[float], list[float]]:
            msg_times, search_times = [], []
            for r in range(args.rounds):
                for i, q in enumerate(questions):
                    t = time.perf_counter()
                    engine.searcher.search(q, top=3, depth=30)
                    search_times.append(time.perf_counter() - t)
                    t = time.perf_counter()
                    replies = await engine.handle_message(Incoming(chat_id=10_000 + i, user_id=r + 1, text=q))
                    msg_times.append(time.perf_counter() - t)
                    assert replies and replies[0].html
            return msg_times, search_times

        msg, search = asyncio.run(run())
        engine.store.close()
    p = lambda xs, q: float(np.percentile(np.array(xs) * 1e3, q))  # noqa: E731
    print(f"{len(msg)} messages ({len(questions)} development questions x {args.rounds} rounds)")
    print(f"message -> reply   p50 {p(msg, 50):7.2f} ms   p95 {p(msg, 95):7.2f} ms")
    print(f"search alone (ref) p50 {p(search, 50):7.2f} ms   p95 {p(search, 95):7.2f} ms")
    print(f"engine / search p50 ratio: {p(msg, 50) / p(search, 50):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
