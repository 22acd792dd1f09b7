"""The shape the code keeps: one door from bot/ into retrieval, and no hub classes in bot/."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_CLASS_LINES = 250


def banned() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["ruff"]["lint"]["flake8-tidy-imports"]["banned-api"]


def test_every_retrieval_module_is_closed_to_bot() -> None:
    modules = {f"retrieval.{p.stem}" for p in (ROOT / "retrieval").glob("*.py") if p.stem != "__init__"}
    assert modules == set(banned()), "a retrieval module added or removed: update the banned-api list in pyproject.toml"


def ruff_findings(code: str, as_file: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "TID251", "--stdin-filename", as_file, "-"],
        input=code,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    return run.stdout + run.stderr


def test_the_lint_refuses_an_internal_import_in_bot_only() -> None:
    internal = "from retrieval.library import Library\n\nprint(Library)\n"
    assert "TID251" in ruff_findings(internal, "bot/probe.py")
    assert "TID251" in ruff_findings("from retrieval import search\n\nprint(search)\n", "bot/handlers/probe.py")
    assert "TID251" not in ruff_findings("from retrieval import Library\n\nprint(Library)\n", "bot/probe.py")
    assert "TID251" not in ruff_findings(internal, "tests/probe.py")


def test_bot_imports_only_public_names_of_retrieval() -> None:
    import retrieval

    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "retrieval" and node.level == 0:
                missing = {a.name for a in node.names} - set(retrieval.__all__)
                assert not missing, f"{path.relative_to(ROOT)} imports {missing}, which retrieval does not export"


def test_no_class_in_bot_is_a_hub() -> None:
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                size = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                assert size <= MAX_CLASS_LINES, f"{path.relative_to(ROOT)}: class {node.name} has {size} lines"
