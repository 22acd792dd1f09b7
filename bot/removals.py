"""Removals waiting for the admin who asked to press 「确认移除」.

``/remove 003`` only asks; the document goes when its admin confirms.  A
button's data carries a random token, not the document, and the token is
looked up here: the record says who asked, in which chat, and which exact
document (its id and content hash), so a confirmation from someone else, a
replay after the document changed, or a press after the record expired or
was used does nothing.  Records live in the state database (one meta row,
expired ones dropped at every write), so a restart between asking and
confirming does not lose or resurrect one.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from .store import Store

log = logging.getLogger(__name__)

_KEY = "pending_removals"
KEEP_SECONDS = 10 * 60  # a confirmation older than this is stale: ask again


@dataclass(frozen=True)
class PendingRemoval:
    token: int
    user_id: int
    chat_id: int
    doc_id: str
    sha256: str  # the document as it was shown; a changed document is not removed on an old confirmation
    title: str
    asked: float


class PendingRemovals:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def _load(self) -> dict[int, PendingRemoval]:
        raw = self.store.get_meta(_KEY)
        if not raw:
            return {}
        try:
            records = [PendingRemoval(**r) for r in json.loads(raw)]
        except (ValueError, TypeError):
            log.warning("unreadable pending removals dropped: %r", raw[:200])
            return {}
        now = self.clock()
        return {r.token: r for r in records if now - r.asked < KEEP_SECONDS}

    def _save(self, records: dict[int, PendingRemoval]) -> None:
        self.store.set_meta(_KEY, json.dumps([asdict(r) for r in records.values()], ensure_ascii=False))

    def ask(self, user_id: int, chat_id: int, doc_id: str, sha256: str, title: str) -> PendingRemoval:
        """Record a removal to be confirmed; an admin's earlier unconfirmed one in this chat is replaced."""
        records = {t: r for t, r in self._load().items() if not (r.user_id == user_id and r.chat_id == chat_id)}
        token = secrets.randbelow(999_999_999) + 1  # fits the callback data's nine-digit arguments
        record = PendingRemoval(token, user_id, chat_id, doc_id, sha256, title, self.clock())
        records[token] = record
        self._save(records)
        return record

    def get(self, token: int) -> PendingRemoval | None:
        """The record for a live token (None when it was never issued, was used, or expired)."""
        return self._load().get(token)

    def take(self, token: int) -> PendingRemoval | None:
        """Use a token once: a second press of the same button finds nothing."""
        records = self._load()
        record = records.pop(token, None)
        self._save(records)
        return record
