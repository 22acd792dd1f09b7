"""Searches in worker processes over the mapped index, so that a busy bot uses every core.

Python threads run Python one at a time: twenty questions arriving together
at a million paragraphs are searched one after another on one core, and the
event loop that talks to Telegram waits its turn for the same lock.  Worker
processes open the same cache folder read-only — its arrays are mapped, so
the pages are shared, not copied — and a search runs there while the bot's
process keeps its sessions, rendering and network.

The bot's process owns the cache.  A worker never builds: it opens what the
cache holds and checks that it is the build (and delta) the bot answers
from; when it is not — an upload was just written, a rebuild is in
progress — or the pool is broken, the search runs in the bot's own thread
as it would without a pool.  Either way the answer is the same.

Small corpora are searched in threads: a search costs a few milliseconds
there, less than sending it to another process and back, and each worker
holds its own copy of the dictionaries.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from retrieval import Library, QueryError, Searcher, SearchResult, thesaurus

from .workers import spawn_pool

log = logging.getLogger(__name__)

POOL_MIN_PARAGRAPHS = 100_000  # below this a search is cheaper than the round trip to a worker
RESTART_EVERY = 60.0  # seconds: workers that die again sooner are not restarted (threads answer)
WARM_QUERY = "人大代表"  # one search at start-up loads each worker's dictionaries and page cache


class StaleLibrary(RuntimeError):
    """The cache holds another build than the one asked for: the caller searches itself."""


# In a worker: the libraries it has open, most recently used last.  Two are kept: the build the bot
# answers from and the one it is about to answer from (opened before the bot switches to it).
_held: OrderedDict[tuple[str, tuple[str, str]], Searcher] = OrderedDict()
KEEP = 2


def _open(cache_dir: str, generation: tuple[str, str]) -> Searcher:
    key = (cache_dir, generation)
    searcher = _held.get(key)
    if searcher is not None:
        _held.move_to_end(key)
        return searcher
    # The newest library held lends its base maps when only the delta changed (an upload).
    lib = Library.read_only(Path(cache_dir), next((s.lib for s in reversed(_held.values())), None))
    if lib.generation != generation:
        raise StaleLibrary(f"cache holds {lib.generation}, asked for {generation}")
    searcher = _held[key] = Searcher(lib)
    while len(_held) > KEEP:
        _held.popitem(last=False)  # an older build's maps are released
    return searcher


def _search(cache_dir: str, generation: tuple[str, str], raw: str, options: dict) -> SearchResult:
    """In a worker: one search over the library the bot answers from (opened once per build)."""
    return _open(cache_dir, generation).search(raw, **options)


def _warm(cache_dir: str, generation: tuple[str, str]) -> int:
    thesaurus()  # read here, not at the first question typed in words the corpus never uses (~50 ms)
    _search(cache_dir, generation, WARM_QUERY, {"top": 3})
    return os.getpid()


def default_processes(paragraphs: int) -> int:
    """One worker per core (at most four) for a large corpus, none for a small one."""
    return min(os.cpu_count() or 1, 4) if paragraphs >= POOL_MIN_PARAGRAPHS else 0


def _report_warm(future: Future) -> None:
    exc = None if future.cancelled() else future.exception()
    if exc is not None:
        log.warning("a search worker could not open the index (%s); its searches run in threads until it can", exc)


class SearchPool:
    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool = spawn_pool(processes)
        self._restarted = -RESTART_EVERY
        self._broken = False
        self._lock = threading.Lock()
        self.served = 0  # searches answered by a worker (the rest ran in the caller's thread)

    def warm(self, lib: Library) -> list[Future]:
        """Have the workers open ``lib``'s build now rather than at the next question; does not wait."""
        if self._broken or lib.cache_dir is None:
            return []
        try:
            futures = [self._pool.submit(_warm, str(lib.cache_dir), lib.generation) for _ in range(self.processes)]
        except RuntimeError:
            return []
        for f in futures:
            f.add_done_callback(_report_warm)
        return futures

    def prepare(self, lib: Library, timeout: float = 120.0) -> None:
        """Open a new build in the workers before the bot switches to it (blocking: call it off the event loop).

        Questions meanwhile are answered from the build they keep open, so a
        switch costs no one the time of opening the new one.
        """
        futures = self.warm(lib)
        wait(futures, timeout)

    def search(self, lib: Library, raw: str, options: dict) -> SearchResult | None:
        """The worker's result, or None when the caller must search itself (stale cache, broken pool).

        A QueryError (the user's query cannot be searched) is the answer, and is raised as it is.
        """
        if self._broken or lib.cache_dir is None:
            return None
        try:
            future = self._pool.submit(_search, str(lib.cache_dir), lib.generation, raw, options)
        except RuntimeError:  # the pool was shut down (the bot is stopping)
            self._broken = True
            return None
        try:
            result = future.result()
        except QueryError:
            raise
        except (StaleLibrary, OSError, ValueError) as exc:
            log.info("search worker: %s; searched in the bot's process", exc)
            return None
        except BrokenProcessPool as exc:
            self._restart(exc)
            return None
        with self._lock:
            self.served += 1
        return result

    def _restart(self, exc: BaseException) -> None:
        """A worker died (killed, out of memory): a new pool for the next questions, at most once a minute."""
        with self._lock:
            if self._broken:
                return
            now = time.monotonic()
            if now - self._restarted < RESTART_EVERY:
                log.warning("search workers stopped again (%s); searching in threads from now on", exc)
                self._broken = True
                return
            log.warning("search workers stopped (%s); starting new ones", exc)
            self._restarted = now
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = spawn_pool(self.processes)

    def close(self) -> None:
        self._broken = True
        self._pool.shutdown(wait=False, cancel_futures=True)


class PooledSearcher(Searcher):
    """A Searcher whose ``search`` runs in the worker processes; everything else stays in the bot's process."""

    def __init__(self, lib: Library, pool: SearchPool) -> None:
        super().__init__(lib)
        self.pool = pool

    def search(self, raw: str, **options: Any) -> SearchResult:
        """:meth:`Searcher.search` (the same keyword options) in a worker, or here when no worker can."""
        result = self.pool.search(self.lib, raw, options)
        return result if result is not None else super().search(raw, **options)
