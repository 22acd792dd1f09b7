"""The command menu by scope: everyone, private chats, groups, group administrators, the bot's admins."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from botharness import in_process
from conftest import SEEDS, bot_settings
from fakebotapi import FakeBotAPI

from bot.config import Settings
from bot.engine import Engine
from bot.messages import COMMANDS, Incoming

ADMIN, SECOND_ADMIN = 41, 42
EVERYONE = ["start", "help", "ask", "q", "more", "source", "full", "phrase", "docs", "outline", "about", "watching"]
SETTINGS = ["digest", "watch", "unwatch"]


def in_order(names: list[str]) -> list[str]:
    return [name for name in COMMANDS if name in names]


@pytest.fixture
def settings(tmp_path: Path, fake: FakeBotAPI) -> Settings:
    return bot_settings(fake, tmp_path / "data", SEEDS, admin_user_ids=frozenset({ADMIN, SECOND_ADMIN}))


def menus(fake: FakeBotAPI) -> list[tuple[dict, list[str]]]:
    return [(call["scope"], [c["command"] for c in call["commands"]]) for call in fake.sent("setMyCommands")]


async def test_each_scope_gets_the_commands_its_users_may_use(fake, settings, library) -> None:
    async with in_process(settings, library, fake):
        pass
    everyone, with_settings = in_order(EVERYONE), in_order(EVERYONE + SETTINGS)
    admin = in_order(EVERYONE + SETTINGS + ["remove"])
    assert menus(fake) == [
        ({"type": "default"}, everyone),
        ({"type": "all_private_chats"}, with_settings),
        ({"type": "all_group_chats"}, everyone),
        ({"type": "all_chat_administrators"}, with_settings),
        ({"type": "chat", "chat_id": ADMIN}, admin),
        ({"type": "chat", "chat_id": SECOND_ADMIN}, admin),
    ]
    assert set(admin) == set(COMMANDS)  # every command is in some menu
    descriptions = {c["command"]: c["description"] for c in fake.sent("setMyCommands")[-1]["commands"]}
    assert descriptions["full"] == "下载第 N 条结果所在文章的全文" and "remove" in descriptions


async def test_an_admin_telegram_refuses_does_not_stop_the_others(fake, settings, library) -> None:
    fake.fault_next("setMyCommands", "", "", "", "", "400")  # the first admin never opened a chat with the bot
    async with in_process(settings, library, fake):
        pass
    assert [scope for scope, _ in menus(fake)][-1] == {"type": "chat", "chat_id": SECOND_ADMIN}
    assert len(menus(fake)) == 5


async def test_a_former_admin_loses_the_admin_menu_at_the_next_start(fake, settings, library) -> None:
    async with in_process(settings, library, fake):
        pass
    assert fake.sent("deleteMyCommands") == []
    async with in_process(replace(settings, admin_user_ids=frozenset({ADMIN})), library, fake):
        pass
    (deleted,) = fake.sent("deleteMyCommands")
    assert deleted["scope"] == {"type": "chat", "chat_id": SECOND_ADMIN}
    assert menus(fake)[-1][0] == {"type": "chat", "chat_id": ADMIN}


def test_help_mentions_full_digest_and_watch(tmp_path: Path, library) -> None:
    engine = Engine(Settings(data_dir=tmp_path / "data"), library=library)
    (help_,) = asyncio.run(engine.handle_message(Incoming(5, 5, "/help")))
    engine.store.close()
    for command in ("/full", "/digest", "/watch"):
        assert command in help_.html
