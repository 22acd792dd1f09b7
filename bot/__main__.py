"""``python -m bot``: the Telegram bot when TELEGRAM_BOT_TOKEN is set, otherwise the terminal console.

``python -m bot --check`` says whether a running bot is healthy (exit 0) or
not (exit 1), in one line; it imports neither Telegram nor the search
library, so a container can run it every minute.  Start-up problems an
operator can fix (a bad setting, a locked, read-only or full data folder, a
missing corpus) end with one clear line and exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .config import ConfigError, Settings, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="The policy-document bot.")
    parser.add_argument("--check", action="store_true", help="report whether the running bot is healthy, and exit")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        from .health import check

        healthy, why = check(settings)
        print(("healthy: " if healthy else "unhealthy: ") + why)
        return 0 if healthy else 1
    return run(settings)


def run(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if settings.token and not settings.corpus_dir.is_dir():
        print(f"configuration error: CORPUS_DIR {settings.corpus_dir} is not a folder", file=sys.stderr)
        return 2
    from retrieval import CorpusError

    from .store import StateError

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

        engine = Engine(settings)
        try:
            asyncio.run(Console(engine).run())
        finally:
            engine.close()
    except (StateError, CorpusError) as exc:
        print(f"cannot start: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
