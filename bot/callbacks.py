"""Compact, signed callback data (Telegram allows 64 bytes).

Format ``kind:arg:arg:sig``.  The signature is an HMAC over the chat id and
the payload with a key kept in the state database, so data cannot be forged
or replayed into another chat; anything that fails to parse or verify is
refused with a short notice, never an exception.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

# more, source (by rank), previous, next paragraph, back, document list page, continued source (a page of
# it), full text, question anew, removal confirmed or cancelled
KINDS = {"m", "s", "p", "n", "b", "d", "c", "f", "q", "r"}
MAX_DATA = 64  # bytes; Telegram's InlineKeyboardButtonLimit.MAX_CALLBACK_DATA
_ARG = re.compile(r"^[0-9]{1,9}$")


class BadCallback(ValueError):
    """Callback data that is malformed, forged, or from another chat."""


def _sig(secret: bytes, chat_id: int, payload: str) -> str:
    mac = hmac.new(secret, f"{chat_id}|{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:6]).decode().rstrip("=")


def encode(secret: bytes, chat_id: int, kind: str, *args: int) -> str:
    if kind not in KINDS:
        raise ValueError(kind)
    payload = ":".join([kind, *(str(int(a)) for a in args)])
    data = f"{payload}:{_sig(secret, chat_id, payload)}"
    if len(data.encode()) > MAX_DATA:
        raise ValueError(f"callback data over {MAX_DATA} bytes")
    return data


def decode(secret: bytes, chat_id: int, data: str) -> tuple[str, list[int]]:
    if not isinstance(data, str) or len(data) > MAX_DATA:
        raise BadCallback("malformed")
    parts = data.split(":")
    if len(parts) < 3 or parts[0] not in KINDS or not all(_ARG.match(p) for p in parts[1:-1]):
        raise BadCallback("malformed")
    payload = ":".join(parts[:-1])
    if not hmac.compare_digest(parts[-1], _sig(secret, chat_id, payload)):
        raise BadCallback("bad signature")
    return parts[0], [int(p) for p in parts[1:-1]]
