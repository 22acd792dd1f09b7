"""Concurrent update processing that keeps each chat's updates in order.

python-telegram-bot processes one update at a time unless told otherwise,
so one chat's slow upload, slow search or flood wait held every other chat
behind it.  With ``concurrent_updates`` set to :class:`PerChatUpdateProcessor`
updates from different chats run at once, while the updates of one chat (a
question, then "更多", then a button) still run one after the other in the
order Telegram delivered them — a follow-up must read the answer before it.

The key is the chat (private chats, groups and button presses in them) or,
for inline queries, which belong to no chat, the user.  Updates waiting for
their chat's turn hold one of ``max_concurrent_updates`` slots, so the limit
is set high: waiting costs a suspended task, not a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def update_key(update: object) -> Hashable | None:
    """What an update must be ordered with: its chat, else its user; None for anything else."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Runs updates concurrently, serialised per :func:`update_key` in arrival order (FIFO locks)."""

    def __init__(self, max_concurrent_updates: int = 1024) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None:
            await coroutine
            return
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:  # asyncio.Lock wakes waiters first come, first served
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: the Application waits for running updates before shutting down."""
