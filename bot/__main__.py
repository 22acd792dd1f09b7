"""``python -m bot``: the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the terminal console.

Start-up problems an operator can fix (a bad setting, a locked, read-only or
full data folder, a missing corpus) end with one clear line and exit status
2, not a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sys

from retrieval import CorpusError

from .config import ConfigError, load_settings
from .store import StateError


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if settings.token and not settings.corpus_dir.is_dir():
        print(f"configuration error: CORPUS_DIR {settings.corpus_dir} is not a folder", file=sys.stderr)
        return 2
    try:
        if settings.token:
            from telegram.error import InvalidToken, NetworkError

            from .telegram_app import run_bot

            try:
                run_bot(settings)
            except InvalidToken:
                print("cannot start: Telegram refused TELEGRAM_BOT_TOKEN (check it with @BotFather)", file=sys.stderr)
                return 2
            except NetworkError as exc:
                print(f"cannot start: the Bot API at {settings.base_url} cannot be reached: {exc}", file=sys.stderr)
                return 2
            return 0
        print("TELEGRAM_BOT_TOKEN is not set: starting the console instead of the Telegram bot.", file=sys.stderr)
        logging.getLogger().setLevel(logging.WARNING)
        from .console import Console
        from .engine import Engine

        asyncio.run(Console(Engine(settings)).run())
    except (StateError, CorpusError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
