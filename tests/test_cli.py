"""The command-line contract: text and JSON output, stdin batches, exit codes, cache behaviour.

The CLI's ``main`` runs in-process (output captured); one test runs ``python -m retrieval`` as
other tools do, to hold the entry point itself.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEV_SET, ROOT, SEEDS, Warm

from retrieval.cli import main as cli_main
from retrieval.library import Library


@pytest.fixture
def cli(cache_dir: Path, library, capsys, monkeypatch):
    """``python -m retrieval ARGS`` on the seeds, in-process: (exit status, stdout, stderr)."""

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        status = cli_main([*args, "--corpus", str(SEEDS), "--cache-dir", str(cache_dir)])
        out = capsys.readouterr()
        return status, out.out, out.err

    return run


def test_search_json_contract_as_a_separate_process(cache_dir: Path, library) -> None:
    env = {**os.environ, "RETRIEVAL_CACHE_DIR": str(cache_dir)}
    out = subprocess.run(
        [sys.executable, "-m", "retrieval", "search", "人民选我当代表", "--top", "3", "--json", "--corpus", str(SEEDS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["query"] == "人民选我当代表"
    assert 1 <= len(payload["results"]) <= 3
    for rank, r in enumerate(payload["results"], start=1):
        assert set(r) >= {"rank", "score", "doc_id", "doc_title", "section", "paragraph", "citation", "excerpt", "text"}
        assert r["rank"] == rank and isinstance(r["score"], float) and isinstance(r["paragraph"], int)
    assert "人民选我当代表" in payload["results"][0]["text"]
    assert isinstance(payload["took_ms"], float) and 0 <= payload["took_ms"] < 60_000


def test_search_text_output(cli) -> None:
    status, out, _ = cli("search", "流浪星球")
    assert status == 0
    assert out.startswith("1. [") and "**流浪星球**" in out and "第" in out


def test_stdin_batch_prints_one_object_per_line(cli) -> None:
    status, out, _ = cli("search", "--json", "--top", "2", "-", stdin="四个机关\n\n双周五微论坛\n")
    lines = out.strip().splitlines()
    assert len(lines) == 3
    first, empty, third = (json.loads(line) for line in lines)
    assert first["query"] == "四个机关" and first["results"]
    assert empty["results"] == [] and "error" in empty
    assert "双周五微论坛" in third["results"][0]["text"]
    assert all(isinstance(obj["took_ms"], float) for obj in (first, empty, third))
    assert status == 2  # one query in the batch was unusable


@pytest.mark.parametrize("query", ["", "   ", "？？！"])
def test_bad_query_exits_2_with_a_message(cli, query: str) -> None:
    status, _, err = cli("search", query)
    assert status == 2 and "error:" in err


def test_no_hits_is_said_plainly(cli) -> None:
    status, out, _ = cli("search", "“量子纠缠”")
    assert status == 0 and "没有找到相关段落" in out


def test_show_outline_and_index(cli) -> None:
    status, show, _ = cli("show", "003", "10", "--context", "1")
    assert status == 0 and show.count("第") >= 3 and ">> " in show
    status, outline, _ = cli("outline", "003")
    assert status == 0 and "[article]" in outline and "马明龙" in outline
    _, index, _ = cli("index")
    assert "documents:      5" in index and "distinct terms:" in index
    assert cli("show", "003", "9999")[0] == 2


@pytest.mark.skipif(not DEV_SET.exists(), reason="the shared development set is not beside the repository")
def test_eval_prints_metrics_for_engine_and_baseline(cli) -> None:
    status, out, err = cli("eval", str(DEV_SET))
    assert status == 0, err
    assert "engine" in out and "naive baseline" in out
    engine_line = out.splitlines()[1]
    hit1 = float(engine_line.split("hit@1=")[1].split()[0])
    assert hit1 >= 0.9


def test_cache_is_rebuilt_when_the_corpus_changes(warm: Warm) -> None:
    corpus_copy, cache = warm.corpus, warm.data / "cache"  # a built cache, reused as is (the fixture checks)
    (corpus_copy / "005_new.txt").write_text(
        "新增文件\n\n人大代表要认真履行代表职责，密切联系群众。\n", encoding="utf-8"
    )
    added = Library.open(corpus_copy, cache)
    assert not added.info.from_cache and "005_new" in added.doc_by_id
    (corpus_copy / "005_new.txt").unlink()
    removed = Library.open(corpus_copy, cache)
    assert "005_new" not in removed.doc_by_id
    seed = next(corpus_copy.glob("002_*.txt"))
    seed.write_text(seed.read_text(encoding="utf-8") + "\n补充一段新的内容，用于检验缓存。\n", encoding="utf-8")
    changed = Library.open(corpus_copy, cache)
    assert not changed.info.from_cache
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith("index")) == ["index"]  # nothing stale left


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        ("bm25_values.npy", b""),
        ("bm25_docs.npy", b"not an array at all"),
        ("folded.bin", b"\x93NUMPY garbage"),
        ("manifest.json", b"{not json"),
        ("para_doc.npy", None),  # missing
    ],
)
def test_corrupt_cache_is_rebuilt(warm: Warm, name: str, damage: bytes | None) -> None:
    corpus_copy, cache = warm.corpus, warm.data / "cache"
    path = cache / "index" / name
    if damage is None:
        path.unlink()
    else:
        path.write_bytes(damage)
    lib = Library.open(corpus_copy, cache)
    assert not lib.info.from_cache and len(lib.documents) == 5
    assert any("unreadable" in w for w in lib.info.warnings)
    assert Library.open(corpus_copy, cache).info.from_cache


@pytest.mark.parametrize("name", ["text.bin", "bm25_docs.npy"])
def test_a_column_damaged_in_place_is_rebuilt(warm: Warm, name: str) -> None:
    """Bytes overwritten with the size unchanged: questions failed to decode the text (or read past the
    arrays) at every start; the file's modification time, recorded at the build, tells."""
    corpus_copy, cache = warm.corpus, warm.data / "cache"
    path = cache / "index" / name
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.seek(size // 2)
        f.write(b"\xff" * 200)
    assert path.stat().st_size == size
    lib = Library.open(corpus_copy, cache)
    assert not lib.info.from_cache and any("unreadable" in w for w in lib.info.warnings)
    assert all(p.text for p in lib.paragraphs)  # every text decodes again
    assert Library.open(corpus_copy, cache).info.from_cache


def test_foreign_cache_is_rebuilt(warm: Warm) -> None:
    corpus_copy, cache = warm.corpus, warm.data / "cache"
    manifest = cache / "index" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "format": "something-else"}), encoding="utf-8")
    lib = Library.open(corpus_copy, cache)
    assert not lib.info.from_cache and len(lib.paragraphs) > 300
