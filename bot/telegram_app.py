"""The Telegram adapter: python-telegram-bot's Application around the conversation engine.

Handlers only translate: Telegram objects become :class:`Incoming` or
:class:`CallbackIn`, engine replies become messages, edits and toasts.
Updates run concurrently, in order within a chat (:mod:`bot.updates`);
every Bot API call goes through :class:`bot.flood.FloodControl` (per-chat
pacing, 429 pauses per chat, bounded retries of network errors and 5xx).
An error in one update is logged with its context, the user is told (a
button press always gets its query answered), and the bot carries on.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import (
    ChatMemberStatus,
    ChatType,
    FileSizeLimit,
    InlineQueryLimit,
    InlineQueryResultLimit,
    MessageLimit,
    ParseMode,
)
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from retrieval import Library

from .config import Settings
from .digest import ChatGone
from .engine import Engine
from .flood import REQUEST_TIMEOUTS, FloodControl
from .health import HEARTBEAT_EVERY, beat
from .messages import COMMANDS, CallbackIn, Incoming
from .render import Attachment, Button, Reply, split_block
from .telegram_commands import register_commands
from .updates import PerChatUpdateProcessor
from .views.documents import processing

log = logging.getLogger(__name__)
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
# Seconds to upload one file: a full text or an original can be tens of megabytes on a slow line,
# far more than a message's write timeout allows.
FILE_WRITE_TIMEOUT = 120.0


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    rows = []
    for row in buttons:
        keys = []
        for b in row:
            if b.switch_inline is not None:
                keys.append(InlineKeyboardButton(b.text, switch_inline_query_current_chat=b.switch_inline))
            else:
                keys.append(InlineKeyboardButton(b.text, callback_data=b.data))
        if keys:
            rows.append(keys)
    return InlineKeyboardMarkup(rows) if rows else None


def _mentions_me(message: Message, username: str, bot_id: int) -> bool:
    for entity in message.entities or ():
        if entity.type == MessageEntity.MENTION:
            if message.parse_entity(entity).lstrip("@").lower() == username.lower():
                return True
        elif entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id:
            return True
    return False


def incoming(message: Message, user_id: int, username: str, bot_id: int) -> Incoming:
    """The message as the engine reads it, with the one decision of whether it is for this bot.

    A command naming another bot (``/ask@other_bot``) is not, in any chat.
    In a group (privacy mode) the bot is addressed by one of its commands,
    a mention, or a reply to one of its messages; other chatter is not for
    it.  The bot's own ``@name`` is taken out of the text, so the engine
    sees the question and the command alone.
    """
    text = message.text or ""
    reply = message.reply_to_message
    reply_to_bot = bool(reply and reply.from_user and reply.from_user.id == bot_id)
    group = message.chat.type != ChatType.PRIVATE
    if text.startswith("/"):
        name, _, target = text.split(maxsplit=1)[0][1:].partition("@")
        addressed = target.lower() == username.lower() if target else (not group or name.lower() in COMMANDS)
    else:
        addressed = not group or reply_to_bot or _mentions_me(message, username, bot_id)
    if username:
        text = re.sub(rf"@{re.escape(username)}\b", " ", text, flags=re.IGNORECASE).strip()
    markup = reply.reply_markup if reply_to_bot and reply is not None else None
    buttons = tuple(
        b.callback_data
        for row in (markup.inline_keyboard if markup else ())
        for b in row
        if isinstance(b.callback_data, str)
    )
    return Incoming(message.chat.id, user_id, text, message.chat.type, addressed, reply_to_bot, buttons)


async def is_chat_admin(bot: Bot, chat_id: int, user_id: int) -> bool:
    member = await bot.get_chat_member(chat_id, user_id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


class TelegramAdapter:
    def __init__(self, engine: Engine, bot: Bot) -> None:
        self.engine = engine
        self.bot = bot

    async def send_digest_part(self, chat_id: int, text: str) -> None:
        try:
            await self.bot.send_message(chat_id, text, link_preview_options=NO_PREVIEW)
        except Forbidden as exc:
            raise ChatGone(chat_id) from exc  # the digest service unsubscribes the chat

    def chat_gone(self, chat_id: int, exc: Exception) -> None:
        """The chat blocked or removed the bot (403 for ever): stop its digests instead of retrying."""
        if self.engine.digests.unsubscribe(chat_id):
            log.warning("chat %s blocked or removed the bot (%s): its daily digest is switched off", chat_id, exc)
        else:
            log.info("chat %s blocked or removed the bot: %s", chat_id, exc)

    async def digest_tick(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one scheduled job: every minute, send the digests that are due (see :mod:`bot.digest`)."""
        await self.engine.digests.send_due(self.send_digest_part)

    async def on_document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        user = update.effective_user
        if message is None or user is None or message.document is None:
            return
        document = message.document
        filename = document.file_name or "document.txt"
        if message.chat.type != ChatType.PRIVATE and user.id not in self.engine.settings.admin_user_ids:
            return  # files shared in a group are not for the bot
        if not self.engine.allowed(message.chat.id, user.id):
            await message.reply_text(self.engine.refusal)
            return
        refusal = self.engine.upload_refusal(user.id, message.chat.type, filename, document.file_size)
        if refusal:
            await message.reply_text(refusal)
            return
        await message.reply_text(processing(filename))
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
        replies = await self.engine.add_document(user.id, message.chat.type, filename, data, chat_id=message.chat.id)
        await self.send(message, replies)

    async def send(self, message: Message, replies: list[Reply]) -> None:
        for reply in replies:
            if reply.html:
                # The engine keeps replies short; a reply that is not is split rather than refused by Telegram.
                too_long = len(reply.html) > MessageLimit.MAX_TEXT_LENGTH
                pieces = split_block(reply.html) if too_long else [reply.html]
                for i, piece in enumerate(pieces):
                    markup = keyboard(reply.buttons) if i == len(pieces) - 1 else None
                    await message.reply_text(piece, reply_markup=markup, link_preview_options=NO_PREVIEW)
            for file in reply.files:
                await self.send_file(message, file)

    async def send_file(self, message: Message, file: Attachment) -> None:
        """One file as a document; a caption over Telegram's limit goes on in messages rather than being refused."""
        if len(file.data) > FileSizeLimit.FILESIZE_UPLOAD:  # the engine says so in words; never a 413 here
            log.error("file %s (%d bytes) is over the Bot API upload limit; not sent", file.filename, len(file.data))
            return
        pieces = split_block(file.caption, MessageLimit.CAPTION_LENGTH) if file.caption else []
        await message.reply_document(
            file.data,
            filename=file.filename,
            caption=pieces[0] if pieces else None,
            write_timeout=FILE_WRITE_TIMEOUT,
        )
        for piece in pieces[1:]:
            await message.reply_text(piece, link_preview_options=NO_PREVIEW)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or update.effective_user is None or not message.text:
            return
        msg = incoming(message, update.effective_user.id, context.bot.username, context.bot.id)
        await self.send(message, await self.engine.handle_message(msg))

    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Apply a button press; its query is answered whatever happens, or the button keeps spinning."""
        query = update.callback_query
        if query is None:
            return
        message = query.message
        if not isinstance(message, Message):
            await query.answer("这条消息已无法操作，请重新提问。")
            return
        try:
            reply = await self.engine.handle_callback(CallbackIn(message.chat.id, query.from_user.id, query.data or ""))
            if reply.html and reply.edit and not reply.files:
                try:
                    await query.edit_message_text(
                        reply.html, reply_markup=keyboard(reply.buttons), link_preview_options=NO_PREVIEW
                    )
                except BadRequest as exc:
                    if "not modified" not in str(exc).lower():
                        raise
            elif reply.html or reply.files:
                await self.send(message, [reply])
        except Exception:
            with contextlib.suppress(TelegramError):
                await query.answer("出错了，请稍后再试。")
            raise  # logged by on_error, which knows the query is answered
        await query.answer(reply.notice or None)

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Excerpt cards, only for users allowed to use the bot, and never shared between users."""
        inline = update.inline_query
        if inline is None:
            return
        if not self.engine.inline_allowed(inline.from_user.id):
            await inline.answer(
                [],
                cache_time=0,
                is_personal=True,
                button=InlineQueryResultsButton(text="没有使用权限", start_parameter="no_access"),
            )
            return
        cards = await self.engine.inline(inline.from_user.id, inline.query) if inline.query.strip() else []
        results = [
            InlineQueryResultArticle(
                id=card.id[: InlineQueryResultLimit.MAX_ID_LENGTH],
                title=card.title,
                description=card.description,
                input_message_content=InputTextMessageContent(card.html, parse_mode=ParseMode.HTML),
            )
            for card in cards[: InlineQueryLimit.RESULTS]
        ]
        await inline.answer(results, cache_time=30, is_personal=True)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failed update; tell the user in the way that fits the update, never by a traceback."""
        where = update.to_dict() if isinstance(update, Update) else repr(update)
        if not isinstance(update, Update):
            log.error("failure outside an update: %s", where, exc_info=context.error)
            return
        chat = update.effective_chat
        if isinstance(context.error, Forbidden) and chat is not None:
            self.chat_gone(chat.id, context.error)  # nobody there to tell
            return
        log.error("update failed: %s", where, exc_info=context.error)
        if update.callback_query is not None:
            return  # on_callback answered the query with the error notice
        if update.inline_query is not None:
            with contextlib.suppress(TelegramError):
                await update.inline_query.answer([], cache_time=0, is_personal=True)
            return
        if update.effective_message is not None:
            try:
                await update.effective_message.reply_text("抱歉，处理这条消息时出错了，请稍后再试。")
            except TelegramError:
                log.error("could not tell chat %s about the error either", chat.id if chat else "?", exc_info=True)

    async def heartbeat(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Proof of life for ``python -m bot --check``: the loop, the job queue and the database all work."""
        beat(self.engine.store)

    async def prune(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        removed = self.engine.prune()
        if any(removed.values()):
            log.info("pruned old state: %s", removed)


def _schedule(app: Application) -> None:
    """The bot's only jobs, none per chat (JobQueue keeps nothing across restarts, so there is nothing to re-create).

    Scheduled as the application starts rather than when it is built: a
    job's first time is counted from when it is added, and one that has
    already passed when the scheduler starts waits a whole period.
    """
    adapter: TelegramAdapter = app.bot_data["adapter"]
    every: float = app.bot_data["digest_every"]
    jobs = app.job_queue
    assert jobs is not None  # checked by build_application
    jobs.run_repeating(adapter.heartbeat, interval=HEARTBEAT_EVERY, first=0.1, name="heartbeat")
    jobs.run_repeating(adapter.digest_tick, interval=every, first=min(DIGEST_FIRST, every), name="digests")
    jobs.run_repeating(adapter.prune, interval=6 * 3600, first=60, name="prune")


async def _post_init(app: Application) -> None:
    engine: Engine = app.bot_data["engine"]
    _schedule(app)
    await register_commands(app.bot, engine.settings.admin_user_ids, engine.store)
    for chat_id, text in engine.uploads.interrupted(engine.lib):
        try:
            await app.bot.send_message(chat_id, text)
        except TelegramError:
            log.error("could not tell chat %s what became of its interrupted upload", chat_id, exc_info=True)


async def _post_shutdown(app: Application) -> None:
    app.bot_data["engine"].close()  # the search workers end with the bot


DIGEST_EVERY = 60.0  # seconds between digest runs: a digest goes out within a minute of its time
DIGEST_FIRST = 2.0  # the first run soon after start: what was missed while the bot was down


def build_application(
    settings: Settings,
    library: Library | None = None,
    flood: FloodControl | None = None,
    digest_every: float = DIGEST_EVERY,
    request: BaseRequest | None = None,
    **engine_options: Any,
) -> Application:
    """The real Application with its engine, handlers and jobs, talking to ``settings.base_url``.

    The engine is built here, after the bot, so that what only Telegram can
    tell (whether a user administers a group) is handed to its constructor.
    ``flood`` replaces the default limits and ``digest_every`` the digest
    period (tests and benchmarks use shorter ones); ``request`` replaces
    the HTTP layer (tests answer in-process); ``engine_options`` go to
    :class:`Engine` (a clock, a document-work runner).
    """
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .rate_limiter(flood or FloodControl())
        .concurrent_updates(PerChatUpdateProcessor())
        # A question deleted before its answer is sent must not make Telegram refuse the answer.
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz, allow_sending_without_reply=True))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if request is None:
        builder = (
            builder.connect_timeout(REQUEST_TIMEOUTS["connect_timeout"])
            .read_timeout(REQUEST_TIMEOUTS["read_timeout"])
            .write_timeout(REQUEST_TIMEOUTS["write_timeout"])
            .pool_timeout(REQUEST_TIMEOUTS["pool_timeout"])
        )
    else:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    engine = Engine(settings, library=library, chat_admin=functools.partial(is_chat_admin, app.bot), **engine_options)
    adapter = TelegramAdapter(engine, app.bot)
    app.bot_data["engine"] = engine
    app.bot_data["adapter"] = adapter
    app.add_handler(MessageHandler(filters.TEXT & ~filters.UpdateType.EDITED, adapter.on_text))
    # An edited message that carries a document is the old upload, not a new one.
    app.add_handler(MessageHandler(filters.Document.ALL & ~filters.UpdateType.EDITED, adapter.on_document))
    app.add_handler(CallbackQueryHandler(adapter.on_callback))
    app.add_handler(InlineQueryHandler(adapter.on_inline))
    app.add_error_handler(adapter.on_error)
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without its job-queue extra")
    app.bot_data["digest_every"] = digest_every  # the jobs are scheduled at start-up (_post_init)
    return app


WEBHOOK_PATH = "telegram"


def webhook_options(settings: Settings) -> dict:
    """Arguments for ``run_webhook`` / ``Updater.start_webhook``, shared by production and the tests.

    ``secret_token`` makes python-telegram-bot register the secret with
    ``setWebhook`` and answer 403 to any request whose
    ``X-Telegram-Bot-Api-Secret-Token`` header is missing or wrong, so only
    Telegram can deliver updates.
    """
    if not settings.webhook_secret:
        raise ValueError("webhook mode needs a secret token (WEBHOOK_SECRET, or one generated at start-up)")
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": WEBHOOK_PATH,
        "webhook_url": settings.webhook_url,
        "secret_token": settings.webhook_secret,
        "allowed_updates": Update.ALL_TYPES,
    }


def run_bot(settings: Settings) -> None:
    app = build_application(settings)
    if settings.webhook_url:
        app.run_webhook(**webhook_options(settings))
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
