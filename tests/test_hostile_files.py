"""Uploads built to hurt: zip bombs, damaged .docx files, PDFs with too many pages, endless text."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pdfdata import pdf_bytes

from retrieval.cli import main as cli_main
from retrieval.convert import MAX_PDF_PAGES, MAX_TEXT_CHARS, to_text
from retrieval.ingest import IngestError

ROOT = Path(__file__).resolve().parent.parent


def write_bomb(path: Path, megabytes: int) -> None:
    """A .docx-shaped zip whose document.xml expands to ``megabytes`` MB of spaces (written streaming)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                member.write(chunk)


def test_a_zip_bomb_is_refused_before_it_is_expanded_with_bounded_memory(tmp_path: Path, corpus_copy: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    write_bomb(bomb, 512)  # about 0.5 MB on disk, 512 MB expanded
    assert bomb.stat().st_size < 2 * 1024 * 1024
    before = sorted(p.name for p in corpus_copy.iterdir())
    # A fresh interpreter, so its peak resident memory is this upload's alone.
    probe = (
        "import re, sys\n"
        "from pathlib import Path\n"
        "from retrieval.ingest import IngestError\n"
        "from retrieval.manage import add_file\n"
        "data = Path(sys.argv[1]).read_bytes()\n"
        "try:\n"
        "    add_file(Path(sys.argv[2]), 'bomb.docx', data, [], 20 * 1024 * 1024)\n"
        "    print('ACCEPTED')\n"
        "except IngestError as exc:\n"
        "    print('REFUSED', exc)\n"
        # VmHWM belongs to this process image (ru_maxrss would count the forking parent too).
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', Path('/proc/self/status').read_text()).group(1)\n"
        "print('PEAK_MB', int(hwm) // 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(bomb), str(corpus_copy)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    lines = out.stdout.splitlines()
    assert lines[0].startswith("REFUSED") and "解压" in lines[0], out.stdout + out.stderr
    peak = int(lines[1].split()[1])
    assert peak <= 300, f"peak resident memory {peak} MB"
    assert sorted(p.name for p in corpus_copy.iterdir()) == before


def test_a_small_bomb_is_refused_by_its_ratio() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/media/image1.png", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(IngestError, match="膨胀"):
        to_text("small.docx", buf.getvalue())


def broken_docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types><Default Extension=")  # cut off mid-tag
        archive.writestr("word/document.xml", "<w:document>")
    return buf.getvalue()


def test_a_broken_docx_is_a_clear_refusal_in_the_cli(tmp_path: Path, corpus_copy: Path, capsys) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(broken_docx())
    before = sorted(p.name for p in corpus_copy.iterdir())
    status = cli_main(["add", str(path), "--corpus", str(corpus_copy), "--cache-dir", str(tmp_path / "cache")])
    err = capsys.readouterr().err
    assert status == 2
    assert "无法读取这个 .docx 文件" in err and "Traceback" not in err
    assert sorted(p.name for p in corpus_copy.iterdir()) == before


def many_page_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` pages sharing one small content stream, written by hand."""
    content = "BT /F1 12 Tf 72 720 Td (page) Tj ET"
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
    ]
    page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>"
    objects += [page] * pages
    return pdf_bytes(objects)


def test_a_pdf_with_too_many_pages_is_refused_before_extraction() -> None:
    with pytest.raises(IngestError, match="页"):
        to_text("long.pdf", many_page_pdf(MAX_PDF_PAGES + 1))


def test_endless_text_is_refused() -> None:
    with pytest.raises(IngestError, match="文字太多"):
        to_text("long.txt", ("人大代表履职。\n" * (MAX_TEXT_CHARS // 7 + 10)).encode())
