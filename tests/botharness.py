"""Running the real Application against the fake Bot API, for the end-to-end tests."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fakebotapi import FakeBotAPI, FakeRequest
from telegram import Update
from telegram.ext import Application

from bot.config import Settings
from bot.engine import Engine
from bot.flood import FloodControl
from bot.telegram_app import WEBHOOK_PATH, build_application, webhook_options


@asynccontextmanager
async def running(
    settings: Settings, library, flood: FloodControl | None = None, **options
) -> AsyncIterator[tuple[Engine, Application]]:
    """The bot polling the fake server until the block ends, then shut down as in production.

    ``options`` go to :func:`build_application` (a digest period, a clock, a document-work runner).
    """
    app = build_application(settings, library, flood, **options)
    engine: Engine = app.bot_data["engine"]
    await app.initialize()
    if app.post_init:  # run_polling / run_webhook call it between initialize and start
        await app.post_init(app)
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield engine, app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:  # run_polling / run_webhook call it after shutdown
            await app.post_shutdown(app)
        engine.store.close()


@asynccontextmanager
async def serving_webhook(settings: Settings, library) -> AsyncIterator[tuple[Engine, str]]:
    """The bot serving its webhook on 127.0.0.1 (as ``run_webhook`` would) until the block ends; yields its URL."""
    app = build_application(settings, library)
    engine: Engine = app.bot_data["engine"]
    await app.initialize()
    await app.post_init(app)  # as run_webhook does
    await app.start()
    await app.updater.start_webhook(**webhook_options(settings))
    try:
        yield engine, f"http://127.0.0.1:{settings.webhook_port}/{WEBHOOK_PATH}"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:  # run_polling / run_webhook call it after shutdown
            await app.post_shutdown(app)
        engine.store.close()


class InProcess:
    """The real Application, its handlers and flood control, with updates handed in one at a time.

    ``send`` returns when the bot has finished with the update (its answers
    are in ``fake``), so tests need no polling, no waiting and no sleeps.
    What it leaves out is the transport: long polling, the per-chat update
    processor and the jobs (the end-to-end tests keep those).
    """

    def __init__(self, app: Application) -> None:
        self.app = app
        self.engine: Engine = app.bot_data["engine"]
        self._ids = itertools.count(1)

    async def send(self, *updates: dict) -> None:
        for raw in updates:
            raw["update_id"] = next(self._ids)
            await self.app.process_update(Update.de_json(raw, self.app.bot))


@asynccontextmanager
async def in_process(settings: Settings, library, fake: FakeBotAPI, **options) -> AsyncIterator[InProcess]:
    """The bot answering ``fake`` in-process (see :class:`InProcess`), started and shut down as in production."""
    app = build_application(settings, library, request=FakeRequest(fake), **options)
    await app.initialize()
    await app.post_init(app)  # as run_polling does: commands, interrupted uploads
    try:
        yield InProcess(app)
    finally:
        await app.shutdown()
        await app.post_shutdown(app)  # as run_polling does: the search workers end
        app.bot_data["engine"].store.close()


async def wait_for(check: Callable[[], object], timeout: float = 15.0) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting for the bot")
