"""Load on the whole bot: the real Application against the fake Bot API, under a 429 storm and random faults.

``--chats`` chats (a quarter of them groups using ``/ask``) each send
``--questions`` development questions: ``--mode burst`` sends them all at
once (the worst case: one user firing ten questions is paced at Telegram's 1
message a second per chat), ``--mode conversation`` sends each chat's next
question ``--think`` seconds after the previous one was answered.  The fake Bot
API first answers ``--storm`` sendMessage calls in a row with 429
(``retry_after`` ``--retry-after`` s), and afterwards answers each call at
random with 429, 500 or a dropped connection (``--p429``, ``--p500``,
``--pdrop``).  Printed: answers lost, duplicated and error notices; the
longest time until each user was told something; message -> reply p50 / p95
/ max; how many requests were retried; peak memory.

    .venv/bin/python bench/bench_bot_load.py [--chats 40 --questions 10 --storm 60]

Telegram's real limits apply (1 message a second per private chat with
bursts of 3, 20 a minute per group, 30 a second overall), so the figures
include the pacing a real deployment would see.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fakebotapi import TOKEN, FakeBotAPI, message_update  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.flood import FloodControl  # noqa: E402
from bot.telegram_app import build_application  # noqa: E402
from retrieval.library import Library  # noqa: E402

_ASKED = re.compile(r"🔎 <b>(.*?)</b>|没有找到与“(.*?)”")


def asked_in(text: str) -> str | None:
    """The question an answer is for, from its header (excerpts may quote other questions' words)."""
    m = _ASKED.search(text)
    return (m.group(1) or m.group(2)) if m else None


def chat_ids(n: int) -> list[int]:
    """Every fourth chat is a supergroup (negative id), the others private chats."""
    return [-(100_000_000 + i) if i % 4 == 3 else 50_000 + i for i in range(n)]


async def run(args: argparse.Namespace, questions: list[str], library: Library, data: Path) -> dict:
    fake = FakeBotAPI().start()
    flood = FloodControl()
    settings = Settings(
        token=TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.base_url.replace("/bot", "/file/bot"),
        data_dir=data,
        corpus_dir=ROOT / "seeds",
    )
    app = build_application(settings, library, flood)
    engine: Engine = app.bot_data["engine"]
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    chats = chat_ids(args.chats)
    asked: dict[tuple[int, str], float] = {}
    try:
        fake.fault_next("sendMessage", *[f"429:{args.retry_after}"] * args.storm)
        fake.chaos = {
            "429": args.p429,
            "500": args.p500,
            "drop": args.pdrop,
            "lost": args.plost,
            "retry_after": args.retry_after,
        }
        started = time.time()
        deadline = time.monotonic() + args.timeout

        def ask(i: int, chat: int, q: str) -> None:
            group = chat < 0
            text = f"/ask {q}" if group else q
            fake.push(
                message_update(
                    chat, chat if chat > 0 else 9_000 + i, text, chat_type="supergroup" if group else "private"
                )
            )
            asked[(chat, q)] = time.time()

        def answered(chat: int, q: str) -> bool:
            return any(asked_in(m["text"]) == q or "出错了" in m["text"] for m in fake.sent(chat_id=chat))

        async def converse(i: int, chat: int) -> None:
            for n in range(args.questions):
                q = questions[(i + n) % len(questions)]
                ask(i, chat, q)
                while not answered(chat, q) and time.monotonic() < deadline:
                    await asyncio.sleep(0.02)
                await asyncio.sleep(args.think)

        if args.mode == "conversation":
            await asyncio.gather(*(converse(i, chat) for i, chat in enumerate(chats)))
        else:
            for n in range(args.questions):
                for i, chat in enumerate(chats):
                    ask(i, chat, questions[(i + n) % len(questions)])
            while time.monotonic() < deadline and not all(answered(c, q) for c, q in list(asked)):
                await asyncio.sleep(0.25)
        await asyncio.sleep(1.0)  # let stragglers (duplicates, if any) arrive
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        engine.store.close()
        fake.chaos = {}
        fake.stop()
    delivered = [(p["chat_id"], p["text"], t) for m, p, t in fake.delivered if m == "sendMessage"]
    latencies, lost, duplicated, errors = [], 0, 0, 0
    first_told: dict[int, float] = {}
    for chat, text, t in delivered:
        first_told[chat] = min(first_told.get(chat, t), t)
        errors += "出错了" in text
    for (chat, q), t0 in asked.items():
        times = [t for c, text, t in delivered if c == chat and asked_in(text) == q]
        if not times:
            lost += 1
            continue
        duplicated += len(times) > 1
        latencies.append(min(times) - t0)
    return {
        "questions": len(asked),
        "lost": lost,
        "duplicated": duplicated,
        "error_notices": errors,
        "chats_never_told": len(set(chats) - set(first_told)),
        "max_first_told_s": max((first_told[c] - started for c in first_told), default=float("nan")),
        "latencies": latencies,
        "attempts": len(fake.attempts()),
        "sends": len(delivered),
        "retried": flood.retried,
        "given_up": flood.given_up,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=40)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--storm", type=int, default=60, help="429s in a row at the start")
    parser.add_argument("--retry-after", type=int, default=2)
    parser.add_argument("--p429", type=float, default=0.03)
    parser.add_argument("--p500", type=float, default=0.05)
    parser.add_argument("--pdrop", type=float, default=0.02)
    parser.add_argument(
        "--plost", type=float, default=0.0, help="delivered but the answer lost: shows the at-least-once duplicates"
    )
    parser.add_argument("--mode", choices=("burst", "conversation"), default="burst")
    parser.add_argument("--think", type=float, default=0.0, help="conversation: seconds before the next question")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    questions = [json.loads(line)["q"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    library = Library.open(ROOT / "seeds", ROOT / ".cache" / "bench")
    with tempfile.TemporaryDirectory() as tmp:
        r = asyncio.run(run(args, questions, library, Path(tmp)))
    lat = np.array(r["latencies"]) if r["latencies"] else np.array([float("nan")])
    print(
        f"{args.mode}{f' (think {args.think:g} s)' if args.mode == 'conversation' else ''}:"
        f" {r['questions']} questions from {args.chats} chats ({args.chats // 4} groups);"
        f" storm {args.storm} x 429"
        f" (retry_after {args.retry_after} s), then random 429 {args.p429:.0%} / 500 {args.p500:.0%}"
        f" / dropped connection {args.pdrop:.0%}" + (f" / answer lost {args.plost:.0%}" if args.plost else "")
    )
    print(f"answers lost:        {r['lost']}")
    print(f"answers duplicated:  {r['duplicated']}")
    print(f"error notices:       {r['error_notices']}")
    print(f"chats never told:    {r['chats_never_told']}")
    print(f"max time until a user was told something: {r['max_first_told_s']:.1f} s")
    print(
        f"message -> reply:    p50 {np.percentile(lat, 50):.2f} s   p95 {np.percentile(lat, 95):.2f} s"
        f"   max {lat.max():.2f} s"
    )
    print(
        f"sendMessage attempts {r['attempts']}, delivered {r['sends']}, retried {r['retried']},"
        f" given up {r['given_up']}"
    )
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0 if r["lost"] == 0 and r["duplicated"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
