"""``index`` and the bot's library opening, on corpora that are mistyped, partly unreadable, or
paired with a cache that belongs elsewhere."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from retrieval.cli import main as cli_main
from retrieval.library import INDEX_DIR, Library
from retrieval.manage import CorpusError, open_library

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_index_with_a_mistyped_corpus_fails_and_deletes_nothing(tmp_path: Path, capsys) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    other = cache / "library-0123456789abcdef01234567.npz"
    other.write_bytes(b"another corpus's cache")
    assert cli_main(["index", "--corpus", str(tmp_path / "seedz"), "--cache-dir", str(cache)]) == 2
    assert "corpus folder not found" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert cli_main(["index", "--corpus", str(tmp_path / "empty"), "--cache-dir", str(cache)]) == 2
    assert "no .txt or .md documents" in capsys.readouterr().err
    assert sorted(p.name for p in cache.iterdir()) == [other.name]


def test_an_unreadable_corpus_file_is_skipped_and_reported(tmp_path: Path, corpus_copy: Path, monkeypatch, capsys):
    locked = corpus_copy / "zz-locked.txt"
    locked.write_text("锁住的文件\n\n这份文件没有读取权限。\n", encoding="utf-8")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:  # as a file without read permission behaves for a non-root user
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    status = cli_main(["index", "--corpus", str(corpus_copy), "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert status == 0
    assert "documents:      5" in out
    assert "zz-locked.txt: skipped" in out and "Permission denied" in out


@pytest.fixture
def two_corpora(tmp_path: Path, corpus_copy: Path) -> tuple[Path, Path, Path]:
    other = tmp_path / "other"
    other.mkdir()
    (other / "lone.txt").write_text("另一个语料\n\n这里只有一份关于代表建议办理的通知。\n", encoding="utf-8")
    cache = tmp_path / "cache"
    open_library(corpus_copy, cache)
    return corpus_copy, other, cache


def test_a_cache_copied_from_another_corpus_is_rejected(tmp_path: Path, two_corpora) -> None:
    corpus, other, cache = two_corpora
    elsewhere = tmp_path / "elsewhere"
    Library.open(other, elsewhere)
    shutil.rmtree(cache / INDEX_DIR)
    shutil.copytree(elsewhere / INDEX_DIR, cache / INDEX_DIR)  # another corpus's index in this one's place
    lib = open_library(corpus, cache)
    assert sorted(d.doc_id for d in lib.documents) == sorted(p.stem for p in corpus.glob("*.txt"))
    assert not lib.info.from_cache  # its manifest names other files: rebuilt
    again = open_library(corpus, cache)  # the rebuilt cache is the right one and is kept
    assert again.info.from_cache and not any("rejected" in w for w in again.info.warnings)


def test_an_emptied_jieba_dictionary_cache_is_rejected(two_corpora) -> None:
    corpus, _, cache = two_corpora
    (dictionary,) = cache.glob("jieba-freq-*.json")
    dictionary.write_text(json.dumps({"words": [], "freqs": [], "total": 0}), encoding="utf-8")
    lib = open_library(corpus, cache)
    assert lib.analyzer.is_known("中国")
    assert any("jieba dictionary" in w for w in lib.info.warnings)
    assert len(json.loads(dictionary.read_text(encoding="utf-8"))["words"]) > 100_000  # rewritten whole


def test_opening_a_missing_corpus_is_a_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError):
        open_library(tmp_path / "nowhere", tmp_path / "cache")
