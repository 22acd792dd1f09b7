"""Flood control and delivery retries for every Bot API call the bot makes.

python-telegram-bot's ``AIORateLimiter`` gives up after ``max_retries`` 429s
(the answer is dropped), halts *every* chat while one chat waits out a
``retry_after``, and does not retry 5xx answers or network errors at all.
:class:`FloodControl` replaces it:

* **Per-chat pacing.**  Messages to one private chat are paced at
  ``private`` (1 a second, short bursts allowed), to one group at ``group``
  (20 a minute), and all messages together at ``overall`` (30 a second).
  Each chat has its own gate, so a group that used up its minute waits and
  the other chats don't.
* **429** (``RetryAfter``) pauses only the chat it was answered for, for
  ``retry_after``; the request is then tried again.
* **Transient failures** — network errors, timeouts, HTTP 5xx — are retried
  with exponential backoff (0.5 s doubling to 8 s, with jitter).
* **Migrated groups**: a group that became a supergroup answers with its new
  id (``ChatMigrated``); the request is sent again to the new id.
* **Bounded.**  A request is retried until it is delivered or ``deadline``
  seconds have passed since its first attempt (``answer_deadline`` for
  callback and inline answers, which Telegram stops accepting after about
  15 s).  Giving up is logged at ERROR with the chat and the method and the
  error propagates to the handler, whose error handler tells the user — so
  nothing is dropped silently.

Idempotency: Telegram has no idempotency keys.  A request that failed
before it reached Telegram (connection refused, connect or pool timeout,
429, 5xx) is safe to repeat.  A request whose answer was lost after it was
sent (read timeout, connection dropped mid-response) may have been
delivered; it is retried anyway — the bot chooses *at least once*, because a
rare duplicate answer is better than a lost one — and logged as a possible
duplicate.  The read timeout is set long (see ``REQUEST_TIMEOUTS``), so a
merely slow Bot API is waited for rather than abandoned, which makes that
case rare: a slow response gives the answer once, and no "出错了".
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from telegram.error import BadRequest, ChatMigrated, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Seconds.  Read is long on purpose (see the module docstring); connect and
# pool failures mean nothing was sent, so they may be short.
REQUEST_TIMEOUTS = {"connect_timeout": 5.0, "read_timeout": 30.0, "write_timeout": 20.0, "pool_timeout": 5.0}

# Methods that put something into a chat and so count against its limits.
_SENDING = ("send", "edit", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")
# Errors raised before a request left the machine: repeating them cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class Rate:
    """``count`` requests per ``per`` seconds, allowing ``burst`` at once after a quiet spell."""

    count: float
    per: float
    burst: int = 1


PRIVATE = Rate(1, 1.0, burst=3)
GROUP = Rate(20, 60.0, burst=20)
OVERALL = Rate(30, 1.0, burst=30)


class Pace:
    """A generic cell rate algorithm: each caller reserves the next free slot, in call order.

    Reserving before sleeping keeps callers in FIFO order without a lock, and
    a cancelled caller costs one slot at most.
    """

    def __init__(self, rate: Rate) -> None:
        self.interval = rate.per / rate.count
        self.tolerance = self.interval * (max(1, rate.burst) - 1)
        self.tat = 0.0  # theoretical arrival time of the next request

    def reserve(self, now: float) -> float:
        """Take the next slot; the seconds to wait for it."""
        tat = max(self.tat, now)
        self.tat = tat + self.interval
        return max(0.0, tat - self.tolerance - now)

    def idle(self, now: float) -> bool:
        return self.tat <= now


class _Gate:
    def __init__(self, rate: Rate) -> None:
        self.pace = Pace(rate)
        self.paused_until = 0.0


class DeliveryFailed(NetworkError):
    """Retries ran out of time; raised in place of the last error so the handler knows why."""


def _retry_after_seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)  # a timedelta; the public attribute warns about its type
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value or 1)


class FloodControl(BaseRateLimiter[float]):
    """Per-chat pacing, 429 pauses per chat, and bounded retries of transient failures.

    ``rate_limit_args`` (``rate_limit_args=`` on a bot call) overrides the
    retry deadline in seconds for that call.
    """

    def __init__(
        self,
        private: Rate = PRIVATE,
        group: Rate = GROUP,
        overall: Rate = OVERALL,
        deadline: float = 120.0,
        answer_deadline: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.private = private
        self.group = group
        self.overall = Pace(overall)
        self.deadline = deadline
        self.answer_deadline = answer_deadline
        self.clock = clock
        self._gates: dict[int | str, _Gate] = {}
        self.retried = 0  # transient failures and 429s that were retried (for logs and benchmarks)
        self.given_up = 0

    async def initialize(self) -> None:
        """Nothing to set up: gates are created on first use."""

    async def shutdown(self) -> None:
        """Nothing to release: requests still waiting are finished by the Application first."""

    def _gate(self, chat: int | str) -> _Gate:
        gate = self._gates.get(chat)
        if gate is None:
            if len(self._gates) > 2048:  # forget chats with nothing reserved or paused
                now = self.clock()
                for key in [k for k, g in self._gates.items() if g.pace.idle(now) and g.paused_until <= now]:
                    del self._gates[key]
            is_group = isinstance(chat, str) or chat < 0
            gate = self._gates[chat] = _Gate(self.group if is_group else self.private)
        return gate

    async def _turn(self, gate: _Gate | None, sending: bool) -> None:
        """Wait for this chat's next slot (if sending), any 429 pause on it, then the overall slot."""
        if gate is not None:
            if sending:
                wait = gate.pace.reserve(self.clock())
                if wait > 0:
                    await asyncio.sleep(wait)
            # A 429 may arrive for this chat while we wait: honour every pause, however late.
            while (pause := gate.paused_until - self.clock()) > 0:
                await asyncio.sleep(pause)
        if sending:
            wait = self.overall.reserve(self.clock())
            if wait > 0:
                await asyncio.sleep(wait)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: float | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = _chat_key(data.get("chat_id"))
        gate = self._gate(chat) if chat is not None else None
        sending = endpoint.startswith(_SENDING)
        budget = rate_limit_args or (self.answer_deadline if endpoint.startswith("answer") else self.deadline)
        started: float | None = None
        attempt = 0
        while True:
            await self._turn(gate, sending)
            if started is None:
                started = self.clock()  # the budget is for retries, not for the chat's queue before the first try
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                delay = _retry_after_seconds(exc) + 0.1
                if gate is not None:
                    gate.paused_until = max(gate.paused_until, self.clock() + delay)
                    delay = 0.0  # the pause is waited out in _turn, together with the chat's other requests
                    wait_total = gate.paused_until - started
                else:
                    wait_total = self.clock() + delay - started
                self._check_budget(exc, endpoint, chat, budget, wait_total, attempt)
                log.info("%s to %s: flood control, retrying after %.1f s", endpoint, chat, _retry_after_seconds(exc))
            except ChatMigrated as exc:
                if attempt > 3 or "chat_id" not in data:
                    raise
                log.warning("%s: chat %s became supergroup %s; sending there", endpoint, chat, exc.new_chat_id)
                data["chat_id"] = exc.new_chat_id  # ``data`` is the payload the callback posts
                chat = exc.new_chat_id
                gate = self._gate(chat)
                delay = 0.0
            except BadRequest:
                raise  # the request itself is wrong: repeating it cannot help
            except NetworkError as exc:  # includes TimedOut and HTTP 5xx
                delay = min(8.0, 0.5 * 2**attempt) * random.uniform(0.8, 1.2)
                self._check_budget(exc, endpoint, chat, budget, self.clock() + delay - started, attempt)
                ambiguous = not isinstance(exc.__cause__, _NOT_SENT) and not _is_server_error(exc)
                log.warning(
                    "%s to %s failed (%s), retry %d in %.1f s%s",
                    endpoint,
                    chat,
                    exc,
                    attempt + 1,
                    delay,
                    " — it may have been delivered: possible duplicate" if ambiguous and sending else "",
                )
            attempt += 1
            self.retried += 1
            if delay > 0:
                await asyncio.sleep(delay)

    def _check_budget(
        self, exc: Exception, endpoint: str, chat: int | str | None, budget: float, needed: float, attempt: int
    ) -> None:
        if needed <= budget:
            return
        self.given_up += 1
        log.error(
            "%s to %s not delivered: gave up after %d attempt(s), %.0f s budget: %s",
            endpoint,
            chat,
            attempt + 1,
            budget,
            exc,
        )
        raise DeliveryFailed(f"{endpoint} not delivered after {attempt + 1} attempt(s): {exc}") from exc


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(chat_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(chat_id)  # @channelusername


def _is_server_error(exc: NetworkError) -> bool:
    """An error status the server answered with (5xx): the request was received and refused, not half-done."""
    return exc.__cause__ is None
