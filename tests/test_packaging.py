"""Packaging that tells the truth: every runtime dependency declared, runtime and development pins apart,
pins that install on every Python the project admits, and a container without test tools."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DEV_TOOLS = {"pytest", "pytest-asyncio", "ruff", "iniconfig", "pluggy", "pygments", "packaging"}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def requirements(name: str) -> dict[str, Requirement]:
    out = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r"):
            req = Requirement(line)
            out[canonicalize_name(req.name)] = req
    return out


def pins(name: str) -> dict[str, str]:
    """Each requirement's pinned version (every line pins one with ``==``; a marker may limit where)."""
    out = {}
    for package, req in requirements(name).items():
        (spec,) = req.specifier
        assert spec.operator == "==", f"{package} is not pinned"
        out[package] = spec.version
    return out


def imported_distributions() -> set[str]:
    """The distributions that bot/ and retrieval/ import at run time (lazy imports in functions included)."""
    local = {"bot", "retrieval"}
    modules: set[str] = set()
    for package in local:
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules.add(node.module.split(".")[0])
    third_party = modules - local - set(sys.stdlib_module_names)
    owners = metadata.packages_distributions()
    return {canonicalize_name(owners[m][0]) for m in third_party}


def test_pyproject_declares_every_runtime_dependency_with_its_pin() -> None:
    declared = {canonicalize_name(Requirement(r).name): Requirement(r) for r in project()["dependencies"]}
    missing = imported_distributions() - set(declared)
    assert not missing, f"imported by bot/ or retrieval/ but not in pyproject's dependencies: {sorted(missing)}"
    runtime, pinned = pins("requirements.txt"), requirements("requirements.txt")
    for name, req in declared.items():
        assert str(req.specifier) == f"=={runtime[name]}", (
            f"{name}: pyproject says {req.specifier}, requirements.txt {runtime[name]}"
        )
        assert req.marker == pinned[name].marker, f"{name}: installed where pyproject and requirements.txt disagree"


def test_runtime_and_development_pins_are_apart() -> None:
    runtime, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    assert not DEV_TOOLS & set(runtime), "test or lint tools among the runtime pins"
    assert set(dev) >= DEV_TOOLS and not set(dev) & set(runtime)
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text(encoding="utf-8").splitlines()
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run: \$\(STAMP\)$", makefile, re.MULTILINE)  # runtime pins only
    assert re.search(r"^test: \$\(DEV_STAMP\)$", makefile, re.MULTILINE)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install --no-cache-dir -r requirements.txt" in dockerfile and "requirements-dev" not in dockerfile


def test_every_pin_installs_on_the_oldest_python_admitted() -> None:
    """What is installed is what is pinned, and each pinned release accepts Python 3.11.0 (soupsieve 3+ does not)."""
    oldest = re.fullmatch(r">=(\d+\.\d+)", project()["requires-python"]).group(1) + ".0"  # type: ignore[union-attr]
    limited = {
        n: r.marker for n, r in {**requirements("requirements.txt"), **requirements("requirements-dev.txt")}.items()
    }
    for name, version in {**pins("requirements.txt"), **pins("requirements-dev.txt")}.items():
        if limited[name] is not None and not limited[name].evaluate():
            continue  # not for this machine (an optional accelerator without a wheel here)
        dist = metadata.distribution(name)
        assert dist.version == version, f"{name}: {dist.version} installed, {version} pinned"
        requires = dist.metadata.get("Requires-Python")
        if requires:
            assert SpecifierSet(requires).contains(oldest), f"{name}=={version} needs Python {requires}, not {oldest}"


def test_the_image_checks_the_bots_health() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (check,) = re.findall(r"^HEALTHCHECK .*$", dockerfile, re.MULTILINE)
    assert check.endswith('CMD ["python", "-m", "bot", "--check"]')  # the command tests/test_health.py runs


def instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, each on one line (continuations joined, comments dropped)."""
    lines = [line for line in dockerfile.splitlines() if not line.lstrip().startswith("#")]
    return [" ".join(i.split()) for i in "\n".join(lines).replace("\\\n", " ").splitlines() if i.strip()]


def test_the_image_relies_on_nothing_but_python3_and_venv_in_its_base() -> None:
    """Debian's own python3 (docker/local-base.sh's base, where no registry is reachable) has no `python` or
    `pip` and refuses system-wide installs (PEP 668): the image builds FROM a BASE_IMAGE argument whose
    default is the official slim image of a Python the project admits, and runs `python` and `pip` only
    from its own venv, first on PATH."""
    steps = instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    default = re.fullmatch(r"ARG BASE_IMAGE=python:(\d+\.\d+)-slim", steps[0])
    assert default and SpecifierSet(project()["requires-python"]).contains(default.group(1) + ".0")
    assert steps[1] == "FROM ${BASE_IMAGE}"
    (venv,) = [i for i, step in enumerate(steps) if step.startswith("RUN python3 -m venv /opt/venv ")]
    (path,) = [i for i, step in enumerate(steps) if " PATH=" in f" {step}"]
    assert path < venv and " PATH=/opt/venv/bin:$PATH " in f"{steps[path]} "
    for i, step in enumerate(steps):
        if re.match(r"(RUN|CMD|HEALTHCHECK) ", step) and re.search(r"\b(python|pip)\b(?!3)", step):
            assert i >= venv, f"runs the base image's python or pip, before the venv exists: {step}"


def test_httpcore_finds_sniffio_instead_of_searching_for_it_on_every_call() -> None:
    """httpcore asks ``import sniffio`` on each lock and event of a request; without it every ask is a
    failed search of sys.path (a quarter of the bot's event loop under load), so the pin must resolve."""
    import asyncio

    from httpcore._synchronization import current_async_library

    assert asyncio.run(_library_in_a_loop(current_async_library)) == "asyncio"
    assert "sniffio" in sys.modules


async def _library_in_a_loop(current_async_library) -> str:  # type: ignore[no-untyped-def]
    return current_async_library()


def test_the_image_leaves_jiebas_dictionary_cache_readable_to_the_bot() -> None:
    """The index build writes /tmp/jieba.cache as root, mode 600: unreadable, the bot rebuilt it at each start."""
    steps = instructions((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    (build,) = [i for i, step in enumerate(steps) if "python -m retrieval index" in step]
    (user,) = [i for i, step in enumerate(steps) if step == "USER bot"]
    assert "chmod a+r /tmp/jieba.cache" in steps[build] and build < user
