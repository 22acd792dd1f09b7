"""The command-line contract (other tools depend on it): thin wrappers over Library and Searcher."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from .excerpt import render_marked
from .library import Library
from .model import Document
from .search import DEFAULT_VARIANT, VARIANTS, QueryError, Searcher, SearchResult


def _corpus_default() -> str:
    return os.environ.get("CORPUS_DIR", "seeds")


def _open(args: argparse.Namespace) -> Library:
    folder = Path(args.corpus)
    if not folder.is_dir():
        raise SystemExit(f"corpus folder not found: {folder}")
    return Library.open(folder, Path(args.cache_dir) if args.cache_dir else None)


def _one_doc(lib: Library, ref: str) -> Document | None:
    """The one document ``ref`` names (id, id prefix or title word); an error line otherwise."""
    docs = lib.resolve_doc(ref)
    if len(docs) != 1:
        print(f"error: no single document matches {ref!r}", file=sys.stderr)
        return None
    return docs[0]


def cmd_index(args: argparse.Namespace) -> int:
    from .manage import CorpusError, open_library

    folder = Path(args.corpus)
    try:
        lib = open_library(folder, Path(args.cache_dir) if args.cache_dir else None, use_cache=not args.rebuild)
    except CorpusError as exc:
        print(f"error: {exc}; nothing was indexed and no cache was changed", file=sys.stderr)
        return 2
    print(f"documents:      {len(lib.documents)}")
    print(f"paragraphs:     {len(lib.paragraphs)}")
    print(f"distinct terms: {lib.index.n_terms}")
    print(f"time:           {lib.info.seconds:.2f} s ({'cache' if lib.info.from_cache else 'built'})")
    for d in lib.documents:
        print(f"  {d.doc_id}  {d.date or '----------'}  {len(d.paragraphs):>4} 段  {d.title}")
        for w in d.warnings:
            print(f"      warning: {w}")
    for w in lib.info.warnings:
        print(f"warning: {w}")
    return 0


def _result_text(result: SearchResult) -> str:
    out = [*result.query.notices]
    if result.query.filters:
        out.append("筛选：" + "；".join(result.query.filters))
    if not result.hits:
        out.append("没有找到相关段落。")
        if result.suggestions:
            out.append("语料中相近的词：" + "、".join(result.suggestions))
        return "\n".join(out)
    for hit in result.hits:
        out.append(f"{hit.rank}. [{hit.score:.3f}] {hit.citation}")
        out.append(f"   {render_marked(hit.excerpt, hit.marks)}")
    return "\n".join(out)


def _result_json(raw: str, result: SearchResult | None, error: str = "", started: float | None = None) -> str:
    """One output line; ``took_ms`` (like Elasticsearch's ``took``) is this query's time in the search path.

    It runs from before parsing to the end of building the result objects
    (excerpts included), so it is what a caller of the library waits for.
    """
    payload: dict = {"query": raw, "results": [h.to_json() for h in result.hits] if result else []}
    payload["answered"] = bool(result and result.answered)
    if started is not None:
        payload["took_ms"] = round((time.perf_counter() - started) * 1000, 3)
    if result is not None:
        if result.query.notices:
            payload["notices"] = result.query.notices
        if result.query.filters:
            payload["filters"] = result.query.filters
        if not result.hits and result.suggestions:
            payload["suggestions"] = result.suggestions
    if error:
        payload["error"] = error
    return json.dumps(payload, ensure_ascii=False)


def cmd_search(args: argparse.Namespace) -> int:
    lib = _open(args)
    searcher = Searcher(lib, args.variant)
    if args.query == "-":
        # One query per line, one JSON object (or text block) per line: many
        # queries share one start-up.
        status = 0
        for line in sys.stdin:
            raw = line.rstrip("\n")
            started = time.perf_counter()
            try:
                result = searcher.search(raw, top=args.top)
            except QueryError as exc:
                status = 2
                print(_result_json(raw, None, str(exc), started) if args.json else f"error: {exc}", flush=True)
                continue
            print(_result_json(raw, result, "", started) if args.json else _result_text(result) + "\n", flush=True)
        return status
    started = time.perf_counter()
    try:
        result = searcher.search(args.query, top=args.top)
    except QueryError as exc:
        if args.json:
            print(_result_json(args.query, None, str(exc), started))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(_result_json(args.query, result, "", started) if args.json else _result_text(result))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    lib = _open(args)
    doc = _one_doc(lib, args.doc_id)
    if doc is None:
        return 2
    if not 1 <= args.paragraph <= len(doc.paragraphs):
        print(f"error: {doc.doc_id} has paragraphs 1 to {len(doc.paragraphs)}", file=sys.stderr)
        return 2
    from .excerpt import citation

    searcher = Searcher(lib)
    for p in searcher.context(doc.doc_id, args.paragraph, args.context):
        marker = ">>" if p.number == args.paragraph else "  "
        print(f"{marker} {citation(doc, p)}  (lines {p.line_start}-{p.line_end})")
        print(f"{p.text}\n")
    return 0


def cmd_outline(args: argparse.Namespace) -> int:
    lib = _open(args)
    doc = _one_doc(lib, args.doc_id)
    if doc is None:
        return 2
    print(f"{doc.doc_id}: {doc.title}")
    if doc.publication:
        print(f"  publication: {doc.publication} {doc.issue}")
    print(
        f"  date: {doc.date or 'unknown'}   paragraphs: {len(doc.paragraphs)}   source: {doc.source} ({doc.encoding})"
    )
    for art in doc.articles:
        print(
            f"  article from ¶{art.first_paragraph}: {art.title}"
            + (f" — {art.author}" if art.author else "")
            + (f" ({art.date})" if art.date else "")
        )
    print()
    for e in doc.outline:
        if e.kind == "toc" and not args.all:
            continue
        indent = "  " * e.level
        para = f" ¶{e.paragraph}" if e.paragraph else ""
        print(f"{e.line:>5} {indent}[{e.kind}] {e.text}{para}")
    for w in doc.warnings:
        print(f"warning: {w}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import Answer, first_hit_rank, format_table, load_cases, naive_search, score_cases

    lib = _open(args)
    cases = load_cases(Path(args.file))
    if args.split:
        cases = [c for c in cases if c.get("split") == args.split]
    variants = list(VARIANTS) if args.variants else [args.variant]
    for variant in variants:
        searcher = Searcher(lib, variant)

        def run(q: str, s: Searcher = searcher) -> Answer:
            try:
                result = s.search(q, top=10)
            except QueryError:
                return [], False
            return [h.text for h in result.hits], result.answered

        label = "engine" if variant == args.variant and not args.variants else f"engine [{variant}]"
        print(format_table(label, score_cases(cases, run)))
    print(
        format_table(
            "naive baseline (line = paragraph, jieba.lcut, rank-bm25)",
            score_cases(cases, naive_search(Path(args.corpus))),
        )
    )
    if args.misses:
        searcher = Searcher(lib, args.variant)
        for case in cases:
            result = searcher.search(case["q"], top=10)
            if not case["gold"]:
                if result.answered:
                    print(f"answered-but-none {case.get('id')} q={case['q']}")
                continue
            rank = first_hit_rank([h.text for h in result.hits], case["gold"])
            if rank != 1 or not result.answered:
                print(f"miss {case.get('id')} rank={rank} answered={result.answered} q={case['q']}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from .ingest import IngestError
    from .manage import add_file

    folder = Path(args.corpus)
    source = Path(args.file)
    try:
        data = source.read_bytes()
    except OSError as exc:
        print(f"error: cannot read {source}: {exc.strerror}", file=sys.stderr)
        return 2
    lib = _open(args)
    try:
        added = add_file(folder, source.name, data, lib, max_bytes=args.max_mb * 1024 * 1024)
    except IngestError as exc:
        print(f"error: {source.name} not added: {exc}", file=sys.stderr)
        return 2
    lib = _open(args)
    doc = added.document
    print(f"added {added.path.name} as {doc.doc_id}: {doc.title}")
    print(f"  {len(doc.paragraphs)} paragraphs, date {doc.date or 'unknown'}")
    for w in doc.warnings:
        print(f"  warning: {w}")
    print(f"index: {len(lib.documents)} documents, {len(lib.paragraphs)} paragraphs")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from .manage import remove_document

    lib = _open(args)
    doc = _one_doc(lib, args.doc_id)
    if doc is None:
        return 2
    path = remove_document(Path(args.corpus), doc.doc_id)
    lib = _open(args)
    print(f"removed {path.name} ({doc.title})")
    print(f"index: {len(lib.documents)} documents, {len(lib.paragraphs)} paragraphs")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description="Search the policy corpus.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", default=_corpus_default(), help="corpus folder (default: $CORPUS_DIR or seeds)")
    common.add_argument(
        "--cache-dir", default=None, help="index cache folder (default: $RETRIEVAL_CACHE_DIR or .cache/retrieval)"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", parents=[common], help="build (or load) the index and report it")
    p.add_argument("--rebuild", action="store_true", help="ignore the cache")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", parents=[common], help="ranked, cited excerpts for a query ('-' reads stdin)")
    p.add_argument("query")
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument("--variant", default=DEFAULT_VARIANT, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("show", parents=[common], help="a paragraph with its neighbours")
    p.add_argument("doc_id")
    p.add_argument("paragraph", type=int)
    p.add_argument("--context", type=int, default=0)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("outline", parents=[common], help="the recovered structure of a document")
    p.add_argument("doc_id")
    p.add_argument("--all", action="store_true", help="include table-of-contents lines")
    p.set_defaults(func=cmd_outline)

    p = sub.add_parser("eval", parents=[common], help="hit@k and MRR on a JSONL question set")
    p.add_argument("file")
    p.add_argument("--variant", default=DEFAULT_VARIANT)
    p.add_argument("--variants", action="store_true", help="compare every ranking variant")
    p.add_argument("--misses", action="store_true", help="list questions not answered at rank 1")
    p.add_argument("--split", choices=("tune", "test"), help="only the cases of this half of the set")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("add", parents=[common], help="add a .txt/.md/.docx/.pdf/.html file to the corpus and re-index")
    p.add_argument("file")
    p.add_argument("--max-mb", type=int, default=20, help="size limit in MB (default 20)")
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", parents=[common], help="remove a document from the corpus and re-index")
    p.add_argument("doc_id")
    p.set_defaults(func=cmd_remove)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "top", 1) < 1:
        print("error: --top must be at least 1", file=sys.stderr)
        return 2
    return int(args.func(args))
