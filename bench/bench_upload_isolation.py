"""Do other chats' answers slow down while an admin's upload is converted and indexed?

Questions go through ``Engine.handle_message`` from five chats, first with
nothing else happening, then while a large document (``--paragraphs``
numbered paragraphs) is added — which converts, segments and re-indexes the
corpus in a separate process (see ``Engine._in_document_process``) — and,
for comparison in the same run, while the same work runs in a thread of the
bot's own process.  Printed: message -> reply p50 / p95 in each phase.

    .venv/bin/python bench/bench_upload_isolation.py [--paragraphs 8000]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
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

QUESTIONS = [
    "四个机关指的是哪四个机关",
    "代表小组",
    "全过程人民民主",
    "人民选我当代表",
    "镇江市委人大工作会议是哪天召开的",
]
ADMIN = 1


async def ask(engine: Engine, n: int) -> list[float]:
    took = []
    for i in range(n):
        started = time.perf_counter()
        await engine.handle_message(Incoming(100 + i % 5, 100 + i % 5, QUESTIONS[i % 5]))
        took.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)  # a user's pace, not a tight loop
    return took


async def during_upload(engine: Engine, name: str, paragraphs: int) -> tuple[list[float], str]:
    body = "".join(f"第{i}条 市人大常委会召开第{i}次专题会议，研究部署{name}代表工作。\n\n" for i in range(paragraphs))
    upload = asyncio.create_task(engine.add_document(ADMIN, "private", f"{name}.txt", (name + "\n\n" + body).encode()))
    during: list[float] = []
    while not upload.done():
        during += await ask(engine, 5)
    return during, (await upload)[0].html.splitlines()[0]


async def in_thread(fn, *args):
    """The same document work in the bot's own process, for comparison."""
    return await asyncio.to_thread(fn, *args)


async def run(engine: Engine, paragraphs: int) -> dict[str, list[float]]:
    phases = {"no upload": await ask(engine, 100)}
    phases["upload in a process"], outcome = await during_upload(engine, "huibian", paragraphs)
    print(f"upload of {paragraphs} paragraphs: {outcome}")
    threaded = Engine(engine.settings, library=engine.lib, store=engine.store, run_heavy=in_thread)
    phases["upload in a thread"], _ = await during_upload(threaded, "xuanbian", paragraphs)
    return phases


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=8000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(ROOT / "seeds", corpus)
        library = Library.open(corpus, Path(tmp) / "cache")
        settings = Settings(data_dir=Path(tmp) / "data", corpus_dir=corpus, admin_user_ids=frozenset({ADMIN}))
        engine = Engine(settings, library=library)
        phases = asyncio.run(run(engine, args.paragraphs))
        engine.store.close()
    for name, took in phases.items():
        ms = np.array(took) * 1e3
        print(
            f"{name:20} {len(ms):4d} answers  p50 {np.percentile(ms, 50):6.1f} ms  p95 {np.percentile(ms, 95):6.1f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
