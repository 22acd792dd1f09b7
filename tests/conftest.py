"""Shared fixtures: the seed library is built once per session into a private cache folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from retrieval.library import Library
from retrieval.search import Searcher

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"


def jieba_reference(tokenizer):
    """Plain jieba on the analyzer's dictionary, keeping the shorter word where two routes score alike.

    That tie-break is the analyzer's one deliberate difference from jieba
    (jieba keeps the longer word; the compiled cut the builds use keeps the
    shorter): everything else is jieba's own code.
    """
    from math import log

    import jieba

    class ShorterOnTies(jieba.Tokenizer):
        def calc(self, sentence, DAG, route):
            n = len(sentence)
            route[n] = (0, 0)
            logtotal = log(self.total)
            for idx in range(n - 1, -1, -1):
                score, neg_end = max(
                    (log(self.FREQ.get(sentence[idx : x + 1]) or 1) - logtotal + route[x + 1][0], -x) for x in DAG[idx]
                )
                route[idx] = (score, -neg_end)

    ref = ShorterOnTies()
    ref.FREQ, ref.total, ref.initialized = tokenizer.FREQ, tokenizer.total, True
    return ref


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def library(cache_dir: Path) -> Library:
    return Library.open(SEEDS, cache_dir)


@pytest.fixture(scope="session")
def searcher(library: Library) -> Searcher:
    return Searcher(library)


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the seeds that a test may change."""
    target = tmp_path / "corpus"
    shutil.copytree(SEEDS, target)
    return target


@dataclass
class Warm:
    corpus: Path  # a private copy of the seeds
    data: Path  # a data folder whose cache/ holds the seeds' index, as the bot's own would
    library: Library  # opened from that cache


@pytest.fixture
def warm(tmp_path: Path, cache_dir: Path, library: Library) -> Warm:
    """A copy of the seeds that a test may change, with a copy of the session's built index beside it.

    Opening it loads the cache instead of building one (seconds per test);
    ``copytree`` keeps the files' modification times, which is what the
    cache's manifest checks.
    """
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    data = tmp_path / "data"
    shutil.copytree(cache_dir, data / "cache")
    lib = Library.open(corpus, data / "cache")
    assert lib.info.from_cache, "the copied index was not reused"
    return Warm(corpus, data, lib)


async def in_thread(fn, *args):
    """Document work in a worker thread instead of a fresh process: for tests about what it does, not where."""
    import asyncio

    return await asyncio.to_thread(fn, *args)


@pytest.fixture
def fake():
    """A fake Telegram Bot API on 127.0.0.1, for running the real Application end to end."""
    from fakebotapi import FakeBotAPI

    server = FakeBotAPI().start()
    yield server
    server.stop()


def bot_settings(fake, data_dir: Path, corpus_dir: Path = SEEDS, **extra):
    """Settings for the real bot talking to ``fake`` (base URLs, token), with per-test overrides."""
    from fakebotapi import TOKEN

    from bot.config import Settings

    return Settings(
        token=TOKEN,
        base_url=fake.base_url,
        base_file_url=fake.base_url.replace("/bot", "/file/bot"),
        data_dir=data_dir,
        corpus_dir=corpus_dir,
        **extra,
    )


def doc(library: Library, prefix: str):
    (found,) = [d for d in library.documents if d.doc_id.startswith(prefix)]
    return found
