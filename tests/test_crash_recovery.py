"""``python -m bot`` killed with SIGKILL in the middle of an upload, then started again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import Warm
from fakebotapi import TOKEN, FakeBotAPI, document_update

ROOT = Path(__file__).resolve().parent.parent
ADMIN = 4711


def journal(db: Path) -> str:
    """The upload journal row, read as an operator would while the bot runs."""
    if not db.exists():
        return ""
    try:
        with sqlite3.connect(db, timeout=1) as con:
            row = con.execute("SELECT value FROM meta WHERE key='upload_in_progress'").fetchone()
    except sqlite3.Error:
        return ""
    return row[0] if row else ""


def wait(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_kill_9_during_an_upload_is_reported_to_the_admin_at_the_next_start(
    tmp_path: Path, fake: FakeBotAPI, warm: Warm
) -> None:
    corpus_copy = warm.corpus
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": fake.base_url,
        "BOT_DATA_DIR": str(warm.data),
        "CORPUS_DIR": str(corpus_copy),
        "RETRIEVAL_CACHE_DIR": str(warm.data / "cache"),  # the seeds' index, already built: a start takes a second
        "ADMIN_USER_IDS": str(ADMIN),
    }
    body = "".join(
        f"第{i}条 市人大常委会召开第{i}次专题会议，研究部署代表工作，听取意见建议。\n\n" for i in range(20000)
    )
    fake.files["big"] = ("会议纪要汇编\n\n" + body).encode()
    bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait(lambda: fake.sent("setMyCommands"))  # started and polling
        fake.push(document_update(ADMIN, ADMIN, "big", "会议纪要汇编.txt", len(fake.files["big"])))
        wait(lambda: journal(warm.data / "state.sqlite3"))  # the upload is being processed
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        before = len(fake.sent(chat_id=ADMIN))
        bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        told = wait(lambda: [m for m in fake.sent(chat_id=ADMIN)[before:] if "重启" in m["text"]], timeout=90)
    finally:
        bot.send_signal(signal.SIGTERM)
        try:
            bot.wait(timeout=20)
        except subprocess.TimeoutExpired:
            bot.kill()
    assert "会议纪要汇编.txt" in told[0]["text"]
    assert ("已加入语料" in told[0]["text"]) or ("没有加入语料" in told[0]["text"])
    assert not list(corpus_copy.glob(".*.part"))


def test_a_refused_token_ends_start_up_with_a_clear_line(
    tmp_path: Path, fake: FakeBotAPI, cache_dir: Path, library
) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "1:wrong", "TELEGRAM_BASE_URL": fake.base_url}
    env["BOT_DATA_DIR"] = str(tmp_path / "data")
    env["RETRIEVAL_CACHE_DIR"] = str(cache_dir)  # the seeds' index, already built
    run = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1].startswith("cannot start: Telegram refused TELEGRAM_BOT_TOKEN")
