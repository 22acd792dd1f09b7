"""A local fake of the Telegram Bot API on 127.0.0.1, for running the real bot end to end.

It answers the methods the bot uses, records every call, queues updates for
getUpdates, and misbehaves on request the way Telegram and networks do:
HTTP 429 with a ``retry_after`` (flood control), HTTP 500, a connection
dropped before the request is handled, a slow answer, 403 ``Forbidden``
for chats that blocked the bot, 400 for a message over 4,096 characters or a
caption over 1,024, and 413 for a file over 50 MB.  ``calls`` holds every attempt;
``delivered`` (and :meth:`FakeBotAPI.sent`) only what was accepted.  Files the
bot uploads (``multipart/form-data``: sendDocument) arrive as :class:`Upload`
values of their parameters, with the name and the bytes Telegram would have received.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from telegram.error import NetworkError
from telegram.request import BaseRequest, RequestData

BOT_ID = 777000
BOT_USERNAME = "policy_test_bot"
TOKEN = "123456:TEST-token"


def _decode(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


@dataclass(frozen=True)
class Upload:
    """A file the bot uploaded, as Telegram would have received it."""

    filename: str
    data: bytes
    content_type: str = ""


def parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    """A ``multipart/form-data`` body as parameters: JSON-decoded fields and :class:`Upload` files.

    Written out rather than left to a library so that what the bot sent is
    checked byte for byte (the ``cgi`` module is gone from recent Pythons).
    """
    boundary = next(
        (part.split("=", 1)[1].strip().strip('"') for part in content_type.split(";") if "boundary=" in part), ""
    )
    if not boundary:
        raise ValueError("multipart body without a boundary")
    params: dict[str, Any] = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, _, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = dict(
            (k.strip(), v.strip().strip('"'))
            for k, _, v in (p.partition("=") for p in headers.get("content-disposition", "").split(";")[1:])
        )
        name = disposition.get("name", "")
        if "filename" in disposition:
            params[name] = Upload(disposition["filename"], data, headers.get("content-type", ""))
        else:
            params[name] = _decode(data.decode("utf-8"))
    return params


class FakeBotAPI:
    def __init__(self, port: int = 0) -> None:
        """Listens on 127.0.0.1:``port`` (a free one by default)."""
        self.calls: list[tuple[str, dict[str, Any], float]] = []  # every attempt
        self.delivered: list[tuple[str, dict[str, Any], float]] = []  # attempts answered with ok
        self.updates: list[dict] = []
        self.faults: dict[str, list[str]] = {}  # method -> faults for its next calls: "429:N", "500", "drop", "slow:S"
        self.chaos: dict[str, float] = {}  # random faults: {"429": p, "500": p, "drop": p}, "retry_after": seconds
        self.chaos_methods: tuple[str, ...] = ("sendMessage",)
        self.blocked: set[int] = set()  # chats that blocked the bot: 403 Forbidden
        self.deleted: set[int] = set()  # message ids deleted meanwhile: replying to them needs permission
        self.migrated: dict[int, int] = {}  # group id -> the supergroup it became
        self._random = random.Random(8)
        self.admins: set[int] = set()
        self.files: dict[str, bytes] = {}  # file_id -> content, served under /file/bot<token>/
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._lock = threading.Lock()
        # Telegram answers a long poll the moment an update arrives: a waiting getUpdates is woken by push().
        self._pushed = threading.Condition(self._lock)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def start(self) -> FakeBotAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- test helpers -----------------------------------------------------------

    def push(self, update: dict) -> None:
        with self._lock:
            update["update_id"] = next(self._update_ids)
            self.updates.append(update)
            self._pushed.notify_all()

    def sent(self, method: str = "sendMessage", chat_id: int | None = None) -> list[dict[str, Any]]:
        """What the bot got through (accepted calls), in order."""
        with self._lock:
            return [p for m, p, _ in self.delivered if m == method and (chat_id is None or p.get("chat_id") == chat_id)]

    def attempts(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        with self._lock:
            return [p for m, p, _ in self.calls if m == method]

    def fail_next(self, method: str, retry_after: int) -> None:
        self.fault_next(method, f"429:{retry_after}")

    def fault_next(self, method: str, *faults: str) -> None:
        """Misbehave on the next calls of ``method``: "429:N", "400", "500", "slow:S", "drop" (cut before
        the request is handled), "lost" (handled and delivered, but the answer never reaches the bot)."""
        with self._lock:
            self.faults.setdefault(method, []).extend(faults)

    def _fault(self, method: str, chat_id: object) -> str:
        with self._lock:
            pending = self.faults.get(method)
            if pending:
                return pending.pop(0)
        if method.startswith("send") and chat_id in self.blocked:
            return "403"
        if method in self.chaos_methods and self.chaos:
            roll = self._random.random()
            for kind in ("429", "500", "drop", "lost"):
                p = self.chaos.get(kind, 0.0)
                if roll < p:
                    return f"429:{int(self.chaos.get('retry_after', 1))}" if kind == "429" else kind
                roll -= p
        return ""

    # --- answering a call (both transports: HTTP and FakeRequest) ------------------------

    def receive(self, method: str, params: dict[str, Any]) -> tuple[tuple[int, dict] | None, str]:
        """Record a call; (status and error answer, "") when it is refused, else (None, the fault still to apply)."""
        with self._lock:
            self.calls.append((method, params, time.time()))
        fault = self._fault(method, params.get("chat_id"))
        if fault.startswith("429"):
            retry = int(fault.partition(":")[2] or 1)
            return _error(429, f"Too Many Requests: retry after {retry}", retry_after=retry), ""
        if fault == "500":
            return _error(500, "Internal Server Error"), ""
        text = params.get("text")
        if fault == "400" or (method in ("sendMessage", "editMessageText") and len(str(text or "")) > 4096):
            return _error(400, "Bad Request: message is too long"), ""
        if len(str(params.get("caption") or "")) > 1024:
            return _error(400, "Bad Request: message caption is too long"), ""
        if any(isinstance(v, Upload) and len(v.data) > 50_000_000 for v in params.values()):
            return _error(413, "Request Entity Too Large"), ""
        if params.get("chat_id") in self.migrated:
            new_id = self.migrated[params["chat_id"]]
            return _error(
                400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=new_id
            ), ""
        quoted = params.get("reply_parameters") or {}
        if (
            quoted.get("message_id") in self.deleted
            and not quoted.get("allow_sending_without_reply")
            and method.startswith("send")
        ):
            return _error(400, "Bad Request: message to be replied not found"), ""
        if fault == "403":
            return _error(403, "Forbidden: bot was blocked by the user"), ""
        return None, fault

    def deliver(self, method: str, params: dict[str, Any]) -> dict:
        """Carry out an accepted call; the answer body."""
        result = self._result(method, params)
        entry = (method, params, time.time())
        with self._lock:
            self.delivered.append(entry)
        self.on_delivered(entry)
        return {"ok": True, "result": result}

    def on_delivered(self, entry: tuple[str, dict[str, Any], float]) -> None:
        """Called with each accepted call once it is recorded (from the request's own thread)."""

    # --- the server ---------------------------------------------------------------

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        now = int(time.time())
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Policy", "username": BOT_USERNAME}
        if method == "getMe":
            return {
                **bot,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": True,
            }
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            deadline = time.time() + min(float(params.get("timeout") or 0), 0.3)
            with self._lock:
                while True:
                    # As Telegram does: an offset confirms (and forgets) every earlier update.
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                    left = deadline - time.time()
                    if self.updates or left <= 0:
                        return list(self.updates)
                    self._pushed.wait(left)
        if method in ("sendMessage", "editMessageText", "sendDocument"):
            chat_id = params.get("chat_id")
            message = {
                "message_id": int(params.get("message_id") or next(self._ids) + 1000),
                "date": now,
                "chat": {"id": chat_id, "type": "private" if isinstance(chat_id, int) and chat_id > 0 else "group"},
                "from": bot,
            }
            upload = params.get("document")
            if isinstance(upload, Upload):
                file_id = f"sent{message['message_id']}"
                self.files[file_id] = upload.data
                message["document"] = {
                    "file_id": file_id,
                    "file_unique_id": f"u{file_id}",
                    "file_name": upload.filename,
                    "file_size": len(upload.data),
                }
                message["caption"] = params.get("caption", "")
            else:
                message["text"] = params.get("text", "")
            return message
        if method == "getChatMember":
            user_id = int(params.get("user_id") or 0)
            status = "administrator" if user_id in self.admins else "member"
            member = {"status": status, "user": {"id": user_id, "is_bot": False, "first_name": "U"}}
            if status == "administrator":
                member.update(
                    {
                        key: True
                        for key in (
                            "can_be_edited",
                            "is_anonymous",
                            "can_manage_chat",
                            "can_delete_messages",
                            "can_manage_video_chats",
                            "can_restrict_members",
                            "can_promote_members",
                            "can_change_info",
                            "can_invite_users",
                            "can_post_stories",
                            "can_edit_stories",
                            "can_delete_stories",
                        )
                    }
                )
            return member
        if method == "getFile":
            file_id = str(params.get("file_id"))
            data = self.files.get(file_id, b"")
            return {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "file_size": len(data),
                "file_path": f"documents/{file_id}",
            }
        return True  # deleteWebhook, setMyCommands, answerCallbackQuery, answerInlineQuery, ...

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as Telegram's servers: the bot's HTTP client reuses its connections
            # (HTTP/1.0 closed each one, and the bot paid a TCP connect and close per call).
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: with Nagle's algorithm the body of a kept-alive
            # connection would wait for the client's delayed ACK (40 ms on Linux).
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _respond(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # The bot may shut down while a long poll is open.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_GET(self) -> None:
                prefix = f"/file/bot{TOKEN}/documents/"
                path = unquote(self.path)  # python-telegram-bot percent-encodes the file URL
                if path.startswith(prefix):
                    data = fake.files.get(path[len(prefix) :])
                    if data is None:
                        self._respond(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                        return
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.do_POST()

            def do_POST(self) -> None:
                parts = self.path.split("/")
                if len(parts) < 3 or parts[1] != f"bot{TOKEN}":
                    self._respond(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                    return
                method = parts[2]
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("multipart/form-data"):
                    params = parse_multipart(body, content_type)
                elif content_type.startswith("application/json"):
                    params = json.loads(body.decode() or "{}")
                else:
                    params = {k: _decode(v[0]) for k, v in parse_qs(body.decode()).items()}
                error, fault = fake.receive(method, params)
                if error is not None:
                    self._respond(*error)
                    return
                if fault == "drop":  # the connection dies before the request is handled
                    self._cut()
                    return
                if fault.startswith("slow"):
                    time.sleep(float(fault.partition(":")[2] or 6))
                answer = fake.deliver(method, params)
                if fault == "lost":  # handled and delivered, but the answer never reaches the bot
                    self._cut()
                    return
                self._respond(200, answer)

            def _cut(self) -> None:
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True

        return Handler


class FakeRequest(BaseRequest):
    """python-telegram-bot's HTTP layer answered by a :class:`FakeBotAPI` in the same process.

    No socket and no polling: tests hand updates to ``Application.process_update``
    and every Bot API call the bot makes is answered at once, through the
    same :meth:`FakeBotAPI.receive` and :meth:`FakeBotAPI.deliver` as over
    HTTP.  Faults behave as they do there: "drop" and "lost" raise the
    ``NetworkError`` of a cut connection ("lost" after delivering), "slow:S"
    answers after S seconds.
    """

    def __init__(self, fake: FakeBotAPI) -> None:
        self.fake = fake

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    @property
    def read_timeout(self) -> float | None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        path = unquote(urlsplit(url).path)
        prefix = f"/file/bot{TOKEN}/documents/"
        if path.startswith(prefix):
            data = self.fake.files.get(path[len(prefix) :])
            return (200, data) if data is not None else (404, json.dumps(_error(404, "Not Found")[1]).encode())
        parts = path.split("/")
        if len(parts) < 3 or parts[1] != f"bot{TOKEN}":
            return 401, json.dumps(_error(401, "Unauthorized")[1]).encode()
        endpoint = parts[2]
        # Through JSON, as over the wire: the fake records what Telegram would have received.
        params = json.loads(json.dumps(request_data.parameters)) if request_data else {}
        if request_data is not None and request_data.contains_files:
            for name, (filename, content, mime) in request_data.multipart_data.items():
                data = content if isinstance(content, bytes) else content.read()
                params[name] = Upload(filename, data, mime)
        error, fault = self.fake.receive(endpoint, params)
        if error is not None:
            return error[0], json.dumps(error[1]).encode()
        if fault == "drop":
            raise NetworkError("connection dropped before the request was handled")
        if fault.startswith("slow"):
            await asyncio.sleep(float(fault.partition(":")[2] or 6))
        answer = self.fake.deliver(endpoint, params)
        if fault == "lost":
            raise NetworkError("connection lost before the answer arrived")
        return 200, json.dumps(answer).encode()


def _error(status: int, description: str, **parameters: int) -> tuple[int, dict]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


def user(user_id: int, name: str = "Tester") -> dict:
    return {"id": user_id, "is_bot": False, "first_name": name}


def message_update(
    chat_id: int,
    user_id: int,
    text: str,
    chat_type: str = "private",
    reply_to: dict | None = None,
    entities: list | None = None,
) -> dict:
    chat = {"id": chat_id, "type": chat_type}
    if chat_type != "private":
        chat["title"] = "人大工作群"
    msg: dict[str, Any] = {
        "message_id": int(time.time() * 1000) % 1_000_000,
        "date": int(time.time()),
        "chat": chat,
        "from": user(user_id),
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    if entities:
        msg["entities"] = entities
    if reply_to is not None:
        msg["reply_to_message"] = reply_to
    return {"message": msg}


def bot_message(chat_id: int, message_id: int, reply_markup: dict | None = None) -> dict:
    """One of the bot's own messages in a group, as Telegram quotes it in a reply (with its buttons)."""
    msg = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "supergroup", "title": "人大工作群"},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "P", "username": BOT_USERNAME},
        "text": "…",
    }
    return {**msg, "reply_markup": reply_markup} if reply_markup is not None else msg


def document_update(
    chat_id: int, user_id: int, file_id: str, file_name: str, size: int, chat_type: str = "private"
) -> dict:
    update = message_update(chat_id, user_id, "", chat_type=chat_type)
    msg = update["message"]
    del msg["text"]
    msg["document"] = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": file_name, "file_size": size}
    return update


def callback_update(chat_id: int, user_id: int, data: str, message_id: int = 1001, chat_type: str = "private") -> dict:
    return {
        "callback_query": {
            "id": str(int(time.time() * 1e6)),
            "from": user(user_id),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": chat_type},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Policy", "username": BOT_USERNAME},
                "text": "answer",
            },
        }
    }


def inline_update(user_id: int, query: str) -> dict:
    return {"inline_query": {"id": str(int(time.time() * 1e6)), "from": user(user_id), "query": query, "offset": ""}}
