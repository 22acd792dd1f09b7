"""The command-line contract: text and JSON output, stdin batches, exit codes, cache behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEV_SET, ROOT, SEEDS

from retrieval.library import Library


def run_cli(*args: str, cache: Path, stdin: str | None = None, corpus: Path = SEEDS) -> subprocess.CompletedProcess:
    env = {**os.environ, "RETRIEVAL_CACHE_DIR": str(cache)}
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args, "--corpus", str(corpus)],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_search_json_contract(cache_dir: Path) -> None:
    out = run_cli("search", "人民选我当代表", "--top", "3", "--json", cache=cache_dir)
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["query"] == "人民选我当代表"
    assert 1 <= len(payload["results"]) <= 3
    for rank, r in enumerate(payload["results"], start=1):
        assert set(r) >= {"rank", "score", "doc_id", "doc_title", "section", "paragraph", "citation", "excerpt", "text"}
        assert r["rank"] == rank and isinstance(r["score"], float) and isinstance(r["paragraph"], int)
    assert "人民选我当代表" in payload["results"][0]["text"]
    assert isinstance(payload["took_ms"], float) and 0 <= payload["took_ms"] < 60_000


def test_search_text_output(cache_dir: Path) -> None:
    out = run_cli("search", "流浪星球", cache=cache_dir)
    assert out.returncode == 0
    assert out.stdout.startswith("1. [") and "**流浪星球**" in out.stdout and "第" in out.stdout


def test_stdin_batch_prints_one_object_per_line(cache_dir: Path) -> None:
    out = run_cli("search", "--json", "--top", "2", "-", cache=cache_dir, stdin="四个机关\n\n双周五微论坛\n")
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 3
    first, empty, third = (json.loads(line) for line in lines)
    assert first["query"] == "四个机关" and first["results"]
    assert empty["results"] == [] and "error" in empty
    assert "双周五微论坛" in third["results"][0]["text"]
    assert all(isinstance(obj["took_ms"], float) for obj in (first, empty, third))
    assert out.returncode == 2  # one query in the batch was unusable


@pytest.mark.parametrize("query", ["", "   ", "？？！"])
def test_bad_query_exits_2_with_a_message(cache_dir: Path, query: str) -> None:
    out = run_cli("search", query, cache=cache_dir)
    assert out.returncode == 2 and "error:" in out.stderr


def test_no_hits_is_said_plainly(cache_dir: Path) -> None:
    out = run_cli("search", "“量子纠缠”", cache=cache_dir)
    assert out.returncode == 0 and "没有找到相关段落" in out.stdout


def test_show_outline_and_index(cache_dir: Path) -> None:
    show = run_cli("show", "003", "10", "--context", "1", cache=cache_dir)
    assert show.returncode == 0 and show.stdout.count("第") >= 3 and ">> " in show.stdout
    outline = run_cli("outline", "003", cache=cache_dir)
    assert outline.returncode == 0 and "[article]" in outline.stdout and "马明龙" in outline.stdout
    index = run_cli("index", cache=cache_dir)
    assert "documents:      5" in index.stdout and "distinct terms:" in index.stdout
    assert run_cli("show", "003", "9999", cache=cache_dir).returncode == 2


@pytest.mark.skipif(not DEV_SET.exists(), reason="the shared development set is not beside the repository")
def test_eval_prints_metrics_for_engine_and_baseline(cache_dir: Path) -> None:
    out = run_cli("eval", str(DEV_SET), cache=cache_dir)
    assert out.returncode == 0, out.stderr
    assert "engine" in out.stdout and "naive baseline" in out.stdout
    engine_line = out.stdout.splitlines()[1]
    hit1 = float(engine_line.split("hit@1=")[1].split()[0])
    assert hit1 >= 0.9


def test_cache_is_rebuilt_when_the_corpus_changes(corpus_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = Library.open(corpus_copy, cache)
    assert not first.info.from_cache
    assert Library.open(corpus_copy, cache).info.from_cache
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
def test_corrupt_cache_is_rebuilt(corpus_copy: Path, tmp_path: Path, name: str, damage: bytes | None) -> None:
    cache = tmp_path / "cache"
    Library.open(corpus_copy, cache)
    path = cache / "index" / name
    if damage is None:
        path.unlink()
    else:
        path.write_bytes(damage)
    lib = Library.open(corpus_copy, cache)
    assert not lib.info.from_cache and len(lib.documents) == 5
    assert any("unreadable" in w for w in lib.info.warnings)
    assert Library.open(corpus_copy, cache).info.from_cache


def test_foreign_cache_is_rebuilt(corpus_copy: Path, tmp_path: Path) -> None:
    import json

    cache = tmp_path / "cache"
    Library.open(corpus_copy, cache)
    manifest = cache / "index" / "manifest.json"
    data = json.loads(manifest.read_text(encoding="utf-8"))
    manifest.write_text(json.dumps({**data, "format": "something-else"}), encoding="utf-8")
    lib = Library.open(corpus_copy, cache)
    assert not lib.info.from_cache and len(lib.paragraphs) > 300
