"""Worker processes for the bot's CPU-heavy work (searches at scale, uploads), and their lifetime.

Both pools are spawned: a fork of a process that has threads and an open
database is unsafe.  A spawned worker holds both ends of its task queue's
pipe, so when the bot dies without shutting the pool down (kill -9, a
crash, the OOM killer) it never sees the queue close and waits for work
forever, holding its memory; one that is converting an upload goes on for
nobody.  Each worker therefore watches its parent and exits with it: an
upload's result is written atomically and the next start reports the
interrupted upload, and a search has no one left to answer.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor


def spawn_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` spawned workers that end when the bot's process does."""
    spawn = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(processes, mp_context=spawn, initializer=_exit_with_parent)


def _exit_with_parent() -> None:
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), name="exit-with-parent", daemon=True).start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    """Wait for the parent's end of the spawn pipe to close (it exited or was killed), then exit."""
    parent.join()
    os._exit(1)
