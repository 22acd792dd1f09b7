"""A fake Telegram Bot API on 127.0.0.1 for trying the container without Telegram (tests/fakebotapi.py).

    .venv/bin/python docker/fake_telegram.py [--port 8081] [--serve 600]

It listens on 127.0.0.1:PORT (use ``docker run --network host``), prints the
``TELEGRAM_BOT_TOKEN`` and ``TELEGRAM_BASE_URL`` to give the bot, queues one
private message (the question below), prints the bot's first reply to it, and
goes on answering (getUpdates, the heartbeat's world) for ``--serve`` seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakebotapi import TOKEN, FakeBotAPI, message_update

QUESTION = "四个机关指的是哪四个机关"
CHAT = USER = 4242


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--serve", type=float, default=600.0, help="seconds to keep answering after the reply")
    args = parser.parse_args()
    fake = FakeBotAPI(port=args.port).start()
    print(f"TELEGRAM_BOT_TOKEN={TOKEN}\nTELEGRAM_BASE_URL={fake.base_url}", flush=True)
    fake.push(message_update(CHAT, USER, QUESTION))
    print(f"queued: {QUESTION}", flush=True)
    try:
        while not fake.sent(chat_id=CHAT):
            time.sleep(0.2)
        first = fake.sent(chat_id=CHAT)[0]
        print(f"reply ({len(fake.sent(chat_id=CHAT))} message(s)):\n{first['text']}", flush=True)
        time.sleep(args.serve)
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
