"""Shared fixtures: the seed library is built once per session into a private cache folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from retrieval.library import Library
from retrieval.search import Searcher

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.jsonl"


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


def doc(library: Library, prefix: str):
    (found,) = [d for d in library.documents if d.doc_id.startswith(prefix)]
    return found
