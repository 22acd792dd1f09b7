"""Searches in worker processes: the same answers as in the bot's own thread, the build it answers from, no loss."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import Warm, in_thread

from bot.config import ConfigError, Settings, load_settings
from bot.engine import Engine
from bot.messages import Incoming
from bot.searchpool import POOL_MIN_PARAGRAPHS, PooledSearcher, SearchPool, default_processes
from retrieval import Library, QueryError, Searcher, add_and_index, open_library

ADMIN = 7
QUERIES = [
    "四个机关指的是哪四个机关",
    "镇江市委人大工作会议是哪天召开的",
    "“全过程人民民主”",
    "代表联络站 数字化",
    "北京市人大常委会主任是谁",
]


def _same(a, b) -> None:
    assert [(h.position, round(h.score, 9), h.excerpt, h.marks, h.citation) for h in a.hits] == [
        (h.position, round(h.score, 9), h.excerpt, h.marks, h.citation) for h in b.hits
    ]
    assert (a.answered, a.terms, a.total, a.query.notices) == (b.answered, b.terms, b.total, b.query.notices)


@pytest.fixture
def pool():
    p = SearchPool(1)
    yield p
    p.close()


def test_a_worker_answers_exactly_as_the_bots_own_thread(library: Library, pool: SearchPool) -> None:
    pooled, plain = PooledSearcher(library, pool), Searcher(library)
    for q in QUERIES:
        for options in ({"top": 5}, {"top": 30, "collapse": True, "excerpts": 3}):
            _same(pooled.search(q, **options), plain.search(q, **options))
    assert pool.served == 2 * len(QUERIES)
    with pytest.raises(QueryError) as in_worker:
        pooled.search("？！。")
    with pytest.raises(QueryError) as here:
        plain.search("？！。")
    assert str(in_worker.value) == str(here.value)


def test_a_cache_holding_another_build_is_searched_in_the_bots_own_process(warm: Warm, pool: SearchPool) -> None:
    """The worker never builds and never answers from a build the bot is not answering from."""
    lib = warm.library
    pooled = PooledSearcher(lib, pool)
    _same(pooled.search(QUERIES[0]), Searcher(lib).search(QUERIES[0]))
    assert pool.served == 1
    lib.generation = ("another build", "")  # as if the cache had been rebuilt since this library was opened
    _same(pooled.search(QUERIES[0]), Searcher(lib).search(QUERIES[0]))
    assert pool.served == 1  # answered, by the bot's own process


def test_answers_go_on_when_a_worker_dies(library: Library, pool: SearchPool) -> None:
    pooled = PooledSearcher(library, pool)
    pooled.search(QUERIES[1])
    for pid in list(pool._pool._processes):
        os.kill(pid, signal.SIGKILL)
    for q in QUERIES:
        _same(pooled.search(q), Searcher(library).search(q))  # the first after the kill notices; none is lost
    assert pool.served > 1  # new workers answer again


def test_after_an_upload_the_workers_answer_from_the_new_build(warm: Warm) -> None:
    settings = Settings(
        data_dir=warm.data, corpus_dir=warm.corpus, admin_user_ids=frozenset({ADMIN}), search_processes=1
    )
    engine = Engine(settings, library=warm.library, run_heavy=in_thread)
    try:
        pool = engine.corpus.pool
        assert isinstance(engine.searcher, PooledSearcher) and pool is not None
        body = "句容市人大常委会召开星空议事会，听取群众对老旧小区加装电梯的意见建议。".encode()
        asyncio.run(engine.documents.add(ADMIN, "private", "星空议事会.txt", body, ADMIN))
        assert engine.lib.generation[0] == warm.library.generation[0] and engine.lib.generation[1]  # a delta
        before = pool.served
        (reply,) = asyncio.run(engine.handle_message(Incoming(5, 5, "星空议事会听取了什么意见")))
        assert pool.served == before + 1  # searched in the worker, over the base and the new delta
        assert "加装电梯" in reply.html and "星空议事会" in reply.html
    finally:
        engine.close()
        engine.store.close()


def test_workers_are_for_large_corpora_unless_asked_for(monkeypatch) -> None:
    assert default_processes(POOL_MIN_PARAGRAPHS - 1) == 0
    assert default_processes(POOL_MIN_PARAGRAPHS) == min(os.cpu_count() or 1, 4)
    monkeypatch.setenv("SEARCH_PROCESSES", "0")
    assert load_settings(None).search_processes == 0
    monkeypatch.setenv("SEARCH_PROCESSES", "two")
    with pytest.raises(ConfigError, match="SEARCH_PROCESSES"):
        load_settings(None)
    monkeypatch.delenv("SEARCH_PROCESSES")
    assert load_settings(None).search_processes is None


def test_a_small_corpus_is_searched_in_threads(tmp_path, library: Library) -> None:
    engine = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    assert engine.corpus.pool is None and type(engine.searcher) is Searcher
    engine.close()
    engine.store.close()
    forced = Engine(replace(Settings(data_dir=tmp_path / "data2"), search_processes=1), library=library)
    try:
        assert isinstance(forced.searcher, PooledSearcher)
    finally:
        forced.close()
        forced.store.close()


def test_workers_open_a_new_build_before_the_switch_and_keep_answering_from_the_old(warm: Warm, pool) -> None:
    old = warm.library
    cache = warm.data / "cache"
    pooled_old = PooledSearcher(old, pool)
    pooled_old.search(QUERIES[0])
    body = "丹徒区人大常委会开展云端议事，听取群众对农村公路养护的意见。".encode()
    add_and_index(warm.corpus, cache, "云端议事.txt", body, 1 << 20)
    new = open_library(warm.corpus, cache)
    assert new.generation != old.generation
    pool.prepare(new)  # the bot would now switch to it
    served = pool.served
    _same(pooled_old.search(QUERIES[1]), Searcher(old).search(QUERIES[1]))  # questions still on the old build
    hit = PooledSearcher(new, pool).search("云端议事 农村公路养护").hits[0]
    assert "农村公路养护" in hit.text
    assert pool.served == served + 2  # both in the worker: neither build had to be opened at a question


async def test_the_real_bot_answers_several_chats_from_its_workers_and_stops_them(fake, tmp_path, library) -> None:
    from botharness import running, wait_for
    from conftest import SEEDS, bot_settings
    from fakebotapi import message_update

    settings = bot_settings(fake, tmp_path / "data", SEEDS, search_processes=2)
    questions = {
        2001: "四个机关指的是哪四个机关",
        2002: "镇江市委人大工作会议是哪天召开的",
        2003: "依托代表小组成立了多少个党支部",
    }
    async with running(settings, library) as (engine, _app):
        pool = engine.corpus.pool
        for chat, q in questions.items():
            fake.push(message_update(chat, chat, q))
        await wait_for(lambda: all(fake.sent(chat_id=c) for c in questions))
        workers = list(pool._pool._processes.values())
    assert pool.served >= len(questions)
    expected = {c: Searcher(library).search(q, top=3).hits[0].citation for c, q in questions.items()}
    for chat, citation in expected.items():
        (msg,) = fake.sent(chat_id=chat)
        assert citation in msg["text"]
    await wait_for(lambda: not any(w.is_alive() for w in workers))  # the workers ended with the bot


_ORPHAN_SCRIPT = """
import os, sys
sys.path.insert(0, {root!r})
from bot.workers import spawn_pool
pool = spawn_pool(1)
print(pool.submit(os.getpid).result(), flush=True)
os.kill(os.getpid(), 9)  # the bot dies without shutting its pool down
"""


def test_a_worker_ends_when_the_bot_is_killed(tmp_path) -> None:
    """kill -9 of the bot leaves no worker waiting for work forever (or converting an upload for nobody)."""
    root = str(Path(__file__).resolve().parent.parent)
    out = tmp_path / "worker_pid"
    with out.open("w") as sink:  # not a pipe: the worker inherits it, and a pipe would stay open with it
        done = subprocess.run([sys.executable, "-c", _ORPHAN_SCRIPT.format(root=root)], stdout=sink, timeout=60)
    assert done.returncode == -signal.SIGKILL
    worker = int(out.read_text().split()[0])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the worker outlived the bot")
