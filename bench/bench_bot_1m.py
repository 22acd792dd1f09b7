"""The bot at a million paragraphs: 20 chats asking at once, message → reply, and whether an upload slows them.

The real Application (python-telegram-bot, ``bot.telegram_app``) runs against
the fake Bot API of the tests (``tests/fakebotapi.py``), as in
``bench_bot_load.py``, over the synthetic corpus of ``bench_search.py``
(``bench/synth.py``; built on first use, which takes minutes at 1M).  The bot
works on hard-linked copies of that corpus and its index cache, so an upload
changes neither.

Each round, ``--chats`` private chats send one development question each at
the same moment; the next round starts once every chat has its answer and a
little more than a second has passed (Telegram's pace for a private chat is
one message a second, so pacing never delays an answer here).  Timed:
message → reply, from the update being handed to the Bot API to the answer
being accepted by it (polling included).  Phases:

* ``quiet``: nothing else happening;
* ``upload``: while an admin's document (``--upload-paragraphs``) is
  converted, indexed as a delta segment and loaded — rounds run until the
  admin is told it was added;
* ``after``: the library now joined from the base and the delta;
* ``rebuild`` (``--rebuild``): while a document whose quoted formula is new
  to the corpus forces a full rebuild (minutes at 1M).

    .venv/bin/python bench/bench_bot_1m.py [--size 1000000] [--chats 20] [--rounds 10] [--processes N] [--rebuild]

``--processes 0`` searches in threads (the bot's choice below 100K
paragraphs); by default the bot decides, which at 1M is one worker process
per core (``bot/searchpool.py``).  Run it both ways to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_bot_load import asked_in  # noqa: E402
from bench_search import CACHE  # noqa: E402
from fakebotapi import TOKEN, FakeBotAPI, document_update, message_update  # noqa: E402
from synth import make_corpus  # noqa: E402

from bot.config import Settings  # noqa: E402
from bot.flood import FloodControl  # noqa: E402
from bot.telegram_app import build_application  # noqa: E402
from retrieval.library import Library  # noqa: E402

ADMIN = 7


PAUSE = 1.1  # seconds between a chat's questions: above Telegram's one message a second per private chat


def linked_copy(source: Path, target: Path) -> Path:
    """A copy whose files are hard links: instant, and replacing a file in it leaves the original alone."""
    shutil.copytree(source, target, copy_function=os.link)
    return target


def upload_text(paragraphs: int, tag: str, formula: str = "") -> bytes:
    """A document for the admin to upload; ``formula`` (quoted) is a term the corpus has never quoted."""
    lines = [f"关于做好{tag}代表工作的通知", ""]
    for i in range(paragraphs):
        quote = f"，落实“{formula}”要求" if formula and i == 0 else ""
        lines += [f"第{i + 1}条 市人大常委会召开第{i + 1}次专题会议{quote}，研究部署{tag}代表联络站建设工作。", ""]
    return "\n".join(lines).encode("utf-8")


class _ReportingFake(FakeBotAPI):
    """The fake Bot API in its own process, reporting each accepted call to the bench as it happens."""

    def __init__(self, conn: Connection) -> None:
        super().__init__()
        self._conn = conn
        self._send_lock = threading.Lock()

    def on_delivered(self, entry: tuple[str, dict, float]) -> None:
        # This call's own entry: ``delivered[-1]``, read after the lock is released, may be
        # another thread's, and then one answer is reported twice and another never.
        with self._send_lock:
            self._conn.send(("delivered", entry))


def _serve_fake(conn: Connection) -> None:
    """Run the fake Bot API and obey the bench over a pipe."""
    fake = _ReportingFake(conn).start()
    with fake._send_lock:
        conn.send(("url", fake.base_url))
    while True:
        command, *args = conn.recv()
        if command == "push":
            fake.push(args[0])
        elif command == "file":
            fake.files[args[0]] = args[1]
        elif command == "stop":
            fake.stop()
            with fake._send_lock:
                conn.send(("stopped",))
            return


class RemoteFake:
    """The fake Bot API in a child process: Telegram's servers do not share the bot's interpreter.

    In the bot's process, the fake's request threads took the GIL from the
    event loop at every send (a profile showed each write to the fake's
    socket costing 0.8 ms of waiting).  Deliveries come back over a pipe
    that the event loop reads when it is readable, so the bench never
    blocks the loop to look.  The fake's CPU still counts against the
    machine's two cores, and is reported.
    """

    def __init__(self) -> None:
        self._conn, child = mp.get_context("spawn").Pipe()
        self._process = mp.get_context("spawn").Process(target=_serve_fake, args=(child,), daemon=True)
        self._process.start()
        _, self.base_url = self._conn.recv()
        self.delivered: list[tuple[str, dict, float]] = []
        self.pid = self._process.pid
        self._stopped = False

    def watch(self) -> None:
        """Start reading deliveries as they come (needs the running event loop)."""
        asyncio.get_running_loop().add_reader(self._conn.fileno(), self._read)

    def _read(self) -> None:
        while self._conn.poll():
            kind, *rest = self._conn.recv()
            if kind == "delivered":
                self.delivered.append(rest[0])
            elif kind == "stopped":
                self._stopped = True

    def push(self, update: dict) -> None:
        self._conn.send(("push", update))

    def set_file(self, file_id: str, data: bytes) -> None:
        self._conn.send(("file", file_id, data))

    def stop(self) -> None:
        asyncio.get_running_loop().remove_reader(self._conn.fileno())
        self._conn.send(("stop",))
        while not self._stopped:
            self._conn.poll(5)
            self._read()
        self._process.join(5)


class LocalFake(FakeBotAPI):
    """The fake Bot API in the bot's own process (``--fake-in-process``), with RemoteFake's interface."""

    pid = None

    def set_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def watch(self) -> None:
        pass


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (``/proc/<pid>/stat``), 0 where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(exclude: int | None = None) -> list[int]:
    """The bot's child processes (its search workers, and an upload's process while one runs)."""
    pids: list[int] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            pids += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return [p for p in pids if p != exclude]


class Bench:
    def __init__(self, fake: RemoteFake | LocalFake, chats: list[int], questions: list[str]) -> None:
        self.fake, self.chats, self.questions = fake, chats, questions
        self.asked: list[tuple[int, str, float, str]] = []  # chat, question, when, phase
        self.round = 0
        self._read = 0  # how much of fake.delivered ``_replies`` has seen
        self._replied: dict[int, list[tuple[str, float]]] = {}  # chat -> (question answered or error, when)
        self.cpu: dict[str, tuple[float, float, int]] = {}  # phase -> (bot process s, workers s, messages)

    def _replies(self) -> dict[int, list[tuple[str, float]]]:
        """Answers by chat, reading only what was delivered since the last look.

        Rescanning every message delivered so far, for every waiting chat,
        every 5 ms took the GIL from the bot it measures.
        """
        delivered = self.fake.delivered
        end = len(delivered)
        for m, p, t in delivered[self._read : end]:
            if m == "sendMessage":
                text = p.get("text", "")
                asked = "出错了" if "出错了" in text else asked_in(text)
                self._replied.setdefault(p.get("chat_id"), []).append((asked or "", t))
        self._read = end
        return self._replied

    def answered(self, chat: int, q: str, since: float) -> bool:
        return any(t >= since and a in (q, "出错了") for a, t in self._replies().get(chat, []))

    async def rounds(self, phase: str, count: int | None = None, until: asyncio.Task | None = None) -> int:
        """Rounds of every chat asking at once: ``count`` of them, or as long as ``until`` runs."""
        done = 0
        workers = children(exclude=self.fake.pid)
        fake_pid = self.fake.pid
        before = (
            cpu_seconds(os.getpid()),
            sum(cpu_seconds(p) for p in workers),
            cpu_seconds(fake_pid) if fake_pid else 0.0,
        )
        while (count is not None and done < count) or (until is not None and not until.done()):
            started = time.time()
            pending = []
            for i, chat in enumerate(self.chats):
                q = self.questions[(self.round * len(self.chats) + i) % len(self.questions)]
                self.fake.push(message_update(chat, chat, q))
                self.asked.append((chat, q, time.time(), phase))
                pending.append((chat, q, time.time()))
            deadline = time.monotonic() + 60
            while pending and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
                pending = [(c, q, t) for c, q, t in pending if not self.answered(c, q, t)]
            self.round += 1
            done += 1
            await asyncio.sleep(max(0.0, PAUSE - (time.time() - started)))
        own = cpu_seconds(os.getpid()) - before[0]
        fake = (cpu_seconds(fake_pid) if fake_pid else 0.0) - before[2]
        self.cpu[phase] = (own, sum(cpu_seconds(p) for p in workers) - before[1], fake, done * len(self.chats))
        return done

    def latencies(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        sent = [(p.get("chat_id"), p["text"], t) for m, p, t in self.fake.delivered if m == "sendMessage"]
        for chat, q, t0, phase in self.asked:
            times = [t for c, text, t in sent if c == chat and t >= t0 and asked_in(text) == q]
            out.setdefault(phase, []).append((min(times) - t0) if times else float("inf"))
        return out


async def upload(fake: RemoteFake | LocalFake, file_id: str, name: str, data: bytes) -> float:
    """The admin sends a document; returns the seconds until the bot says it was added (or refused)."""
    fake.set_file(file_id, data)
    started = time.time()
    fake.push(document_update(ADMIN, ADMIN, file_id, name, len(data)))
    while True:
        for m, p, t in list(fake.delivered):
            text = p.get("text", "")
            if m == "sendMessage" and p.get("chat_id") == ADMIN and t >= started and ("添加" in text or "出错" in text):
                return t - started
        await asyncio.sleep(0.05)


async def run(args: argparse.Namespace, corpus: Path, cache: Path, data: Path, questions: list[str]) -> dict:
    """One bot over ``corpus``: the quiet, upload and after phases (and the rebuild), searches as ``args.mode`` says."""
    fake = LocalFake().start() if args.fake_in_process else RemoteFake()
    fake.watch()
    os.environ["RETRIEVAL_CACHE_DIR"] = str(cache)  # Settings.cache_dir (and the upload's process) read it
    settings = Settings(
        token=TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.base_url.replace("/bot", "/file/bot"),
        data_dir=data,
        corpus_dir=corpus,
        admin_user_ids=frozenset({ADMIN}),
        search_processes=args.processes,
    )
    t = time.perf_counter()
    library = Library.open(corpus, cache)
    opened = time.perf_counter() - t
    app = build_application(settings, library, FloodControl())
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    chats = [50_000 + i for i in range(args.chats)]
    bench = Bench(fake, chats, questions)
    timings: dict[str, float] = {"open": opened}
    engine = app.bot_data["engine"]
    pool = engine.corpus.pool
    try:
        await bench.rounds("warm-up", 3)
        await bench.rounds("quiet", args.rounds)
        job = asyncio.ensure_future(
            upload(fake, "up1", "bench_upload.txt", upload_text(args.upload_paragraphs, "上传"))
        )
        timings["upload rounds"] = await bench.rounds("upload", until=job)
        timings["upload"] = await job
        await bench.rounds("after", args.rounds)
        if args.rebuild:
            job = asyncio.ensure_future(
                upload(fake, "up2", "bench_rebuild.txt", upload_text(50, "重建", formula="三联三融四强化"))
            )
            timings["rebuild rounds"] = await bench.rounds("rebuild", until=job)
            timings["rebuild"] = await job
            await bench.rounds("after rebuild", args.rounds)
        served = pool.served if pool is not None else 0
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        engine.store.close()
        fake.stop()
    return {
        "latencies": bench.latencies(),
        "timings": timings,
        "paragraphs": len(library.paragraphs),
        "served": served,
        "cpu": bench.cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="synthetic paragraphs (bench_search.py's corpus)")
    parser.add_argument("--chats", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10, help="rounds per phase (every chat asks once a round)")
    parser.add_argument("--upload-paragraphs", type=int, default=2000)
    parser.add_argument(
        "--fake-in-process",
        action="store_true",
        help="run the fake Bot API in the bot's process (as before: its threads then compete for the bot's GIL)",
    )
    parser.add_argument("--rebuild", action="store_true", help="also time answers during a full rebuild (minutes)")
    parser.add_argument(
        "--processes",
        type=int,
        default=None,
        help="search worker processes (0: threads; default: the bot's own choice, one per core at this size)",
    )
    args = parser.parse_args()
    dev = ROOT.parent / "shared" / "eval" / "dev.jsonl"
    questions = [json.loads(line)["q"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    source = make_corpus(CACHE / f"corpus-{args.size}", args.size)
    cache = CACHE / f"cache-{args.size}"
    Library.open(source, cache)  # builds the index when the cache is not current (minutes at 1M)
    # Hard links only work within one file system: the work copies live next to the cache.
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        corpus = linked_copy(source, Path(tmp) / "corpus")
        work_cache = linked_copy(cache, Path(tmp) / "cache")
        r = asyncio.run(run(args, corpus, work_cache, Path(tmp) / "data", questions))
    print(
        f"{r['paragraphs']:,} paragraphs, {args.chats} chats asking at once, {args.rounds} rounds a phase;"
        f" library opened in {r['timings']['open']:.2f} s; searches answered by worker processes: {r['served']}"
        f" (SEARCH_PROCESSES={'auto' if args.processes is None else args.processes})"
    )
    failures = 0
    for phase, lat in r["latencies"].items():
        ms = np.array(lat) * 1e3
        lost = int(np.isinf(ms).sum())
        failures += lost
        ms = ms[np.isfinite(ms)] if lost < len(ms) else np.array([float("nan")])
        print(
            f"  {phase:14} {len(lat):4d} answers  message -> reply p50 {np.percentile(ms, 50):7.1f} ms"
            f"  p95 {np.percentile(ms, 95):7.1f} ms  max {ms.max():7.1f} ms"
            + (f"  ({lost} unanswered)" if lost else "")
        )
        own, workers, fake, messages = r["cpu"].get(phase, (0.0, 0.0, 0.0, 0))
        if messages and phase != "warm-up":
            # Twenty messages at once on two cores: their p95 is about this CPU times twenty, over two.
            where = "(the fake Bot API's share included)" if args.fake_in_process else ""
            print(
                f"  {'':14} CPU a message: bot's process {own / messages * 1e3:.1f} ms {where},"
                f" its search workers (and upload) {workers / messages * 1e3:.1f} ms"
                + (f", fake Bot API {fake / messages * 1e3:.1f} ms" if not args.fake_in_process else "")
            )
    t = r["timings"]
    added = f"added after {t['upload']:.1f} s ({t['upload rounds']} rounds)"
    print(f"  upload of {args.upload_paragraphs} paragraphs: {added}")
    if "rebuild" in t:
        print(f"  upload forcing a full rebuild: added after {t['rebuild']:.1f} s ({t['rebuild rounds']} rounds)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
