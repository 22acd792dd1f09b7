"""The command menu Telegram shows, one list per scope, so each user is offered what they may use.

Telegram picks the most specific scope that applies: a bot admin's private
chat (``BotCommandScopeChat``) before all private chats, a group's
administrators (``BotCommandScopeAllChatAdministrators``) before all group
members, and ``BotCommandScopeDefault`` for anything else.  Which commands
each kind of user gets is decided in :func:`bot.messages.command_menu`.

A scope for someone who has never opened a chat with the bot is refused by
Telegram ("chat not found"); that admin is logged and the others are still
registered.  The admins registered last time are remembered, so one removed
from ``ADMIN_USER_IDS`` stops being offered /remove at the next start.
"""

from __future__ import annotations

import html
import json
import logging

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
)
from telegram.error import TelegramError

from .messages import command_menu
from .store import Store

log = logging.getLogger(__name__)

_REGISTERED_ADMINS = "command_menu_admins"


def command_scopes(admin_ids: frozenset[int]) -> list[tuple[BotCommandScope, dict[str, str]]]:
    """Every scope the bot registers and its list, least specific first."""
    everyone, with_settings = command_menu(), command_menu(settings=True)
    scopes: list[tuple[BotCommandScope, dict[str, str]]] = [
        (BotCommandScopeDefault(), everyone),
        (BotCommandScopeAllPrivateChats(), with_settings),  # a private chat's settings are its user's own
        (BotCommandScopeAllGroupChats(), everyone),
        (BotCommandScopeAllChatAdministrators(), with_settings),
    ]
    admin = command_menu(settings=True, admin=True)
    scopes += [(BotCommandScopeChat(user_id), admin) for user_id in sorted(admin_ids)]
    return scopes


async def register_commands(bot: Bot, admin_ids: frozenset[int], store: Store) -> None:
    """Set every scope's menu and drop the menus of former admins; a refusal is logged, never fatal."""
    for scope, commands in command_scopes(admin_ids):
        menu = [BotCommand(name, html.unescape(desc)) for name, desc in commands.items()]
        try:
            await bot.set_my_commands(menu, scope=scope)
        except TelegramError:
            log.warning("could not register the command menu for %s", scope.to_dict(), exc_info=True)
    try:
        before = {int(i) for i in json.loads(store.get_meta(_REGISTERED_ADMINS) or "[]")}
    except (ValueError, TypeError):
        before = set()
    for user_id in sorted(before - admin_ids):
        try:
            await bot.delete_my_commands(scope=BotCommandScopeChat(user_id))
        except TelegramError:
            log.warning("could not take the admin menu from former admin %s", user_id, exc_info=True)
    store.set_meta(_REGISTERED_ADMINS, json.dumps(sorted(admin_ids)))
