"""Concurrent update processing that keeps each chat's updates in order.

python-telegram-bot processes one update at a time unless told otherwise,
so one chat's slow upload, slow search or flood wait held every other chat
behind it.  With ``concurrent_updates`` set to :class:`PerChatUpdateProcessor`
updates from different chats run at once, while the updates of one chat (a
question, then "更多", then a button) still run one after the other in the
order Telegram delivered them — a follow-up must read the answer before it.

The key is the chat (private chats, groups and button presses in them) or,
for inline queries, which belong to no chat, the user.

python-telegram-bot takes its concurrency slot *before* handing the update
over, so an update waiting for its chat's turn would hold a slot, and one
chat flooding the bot with updates could fill them all and starve the
others.  The processor therefore gives python-telegram-bot an effectively
unlimited number of slots and bounds, itself, only the updates that are
actually running (``max_running``): waiting for one's chat costs a
suspended task, never another chat's turn.
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
    """Runs up to ``max_running`` updates at once, serialised per :func:`update_key` in arrival order."""

    def __init__(self, max_running: int = 64) -> None:
        super().__init__(max_concurrent_updates=1_000_000)  # waiting is bounded per chat, not here
        self._running = asyncio.Semaphore(max_running)
        self._locks: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = update_key(update)
        if key is None:
            async with self._running:
                await coroutine
            return
        lock, users = self._locks.get(key) or (asyncio.Lock(), 0)
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._running:  # both wake their waiters first come, first served
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
