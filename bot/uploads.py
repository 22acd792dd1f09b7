"""A journal of the upload being processed, so a crash in the middle is reported at the next start.

Adding a document takes seconds (conversion, indexing).  If the process is
killed meanwhile the admin who sent the file never hears what became of it,
and the next start re-indexes silently.  The journal is one row in the
state database, written before the corpus is touched and cleared when the
admin has been answered; a row still there at start-up means the upload was
interrupted, and the corpus listing then tells whether the file made it in.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from retrieval import Library, list_sources

from .render import esc
from .store import Store

log = logging.getLogger(__name__)

_KEY = "upload_in_progress"


class UploadJournal:
    def __init__(self, store: Store, corpus: Path) -> None:
        self.store = store
        self.corpus = corpus

    def _names(self) -> list[str]:
        if not self.corpus.is_dir():
            return []
        return sorted(str(p.relative_to(self.corpus)) for p in list_sources(self.corpus))

    def begin(self, user_id: int, chat_id: int, filename: str) -> None:
        entry = {"user": user_id, "chat": chat_id, "file": filename, "started": time.time(), "before": self._names()}
        self.store.set_meta(_KEY, json.dumps(entry, ensure_ascii=False))

    def end(self) -> None:
        self.store.set_meta(_KEY, "")

    def interrupted(self, library: Library) -> list[tuple[int, str]]:
        """(chat, message) for an upload cut off by a crash, read against the corpus as it is now; clears it."""
        raw = self.store.get_meta(_KEY)
        if not raw:
            return []
        self.end()
        try:
            entry = json.loads(raw)
            chat, filename, before = int(entry["chat"]), str(entry["file"]), set(entry["before"])
        except (ValueError, KeyError, TypeError):
            log.warning("unreadable upload journal entry dropped: %r", raw[:200])
            return []
        self._remove_partial_files()
        new = {Path(name).stem for name in self._names() if name not in before}
        docs = [d for d in library.documents if d.doc_id in new]
        log.warning("the upload of %s was interrupted by a restart; in the corpus now: %s", filename, sorted(new))
        head = f"机器人在处理你上传的 {esc(filename)} 时重启了。"
        if docs:
            names = "、".join(f"<b>{esc(d.title)}</b>（<code>{esc(library.short_id(d.doc_id))}</code>）" for d in docs)
            return [(chat, f"{head}文件已加入语料并完成索引：{names}。")]
        return [(chat, f"{head}文件没有加入语料，语料和索引保持原样。请重新发送。")]

    def _remove_partial_files(self) -> None:
        """Temporary files of an interrupted write (``.name.pid.part``) are never part of the corpus."""
        if not self.corpus.is_dir():
            return
        for part in self.corpus.rglob(".*.part"):  # the kept originals' folder too
            part.unlink(missing_ok=True)
