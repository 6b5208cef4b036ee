"""Every Bot API request (but getUpdates) passes here: flood limits and network blips.

What counts as a message
    Sends (`send…` but sendChatAction: sendMessage, sendVideo, sendMediaGroup
    counted once per item…), `copyMessage`, `forwardMessage` and every edit
    (`editMessage…`: Telegram counts edits against a chat's budget). Nothing
    else is a message: chat actions, answerCallbackQuery, getFile, getMe,
    setMyCommands, deleteMessage, webhook calls and the like are sent at once.

Pacing (messages only; Telegram's documented limits, "about" each)
    * the whole bot: at most 30 in any second (a sliding window a thirtieth of a
      second longer, so no way of counting sees more), at most 10 at once; when
      several processes send as the bot (`share`), each keeps to its part. The
      window counts the messages given their times and those that really left (a
      loop busy elsewhere wakes several late at once);
    * each chat, private chats too: 1 a second after a burst of 3;
    * each group or channel (a negative chat id or an `@username`): also at
      most 20 in any 60 seconds.
    Messages of a chat leave in the order they arrived; a chat waiting for its
    own budget never delays the other chats.

Chat actions ("typing…")
    Decoration: they use no budget, and while a flood wait is active for their
    chat (or the whole bot) they are dropped, not sent: the call raises
    `RetryAfter` at once. A chat action refused with a 429 is not retried and
    quiets that chat's actions for the wait Telegram named.

Flood waits (429, `RetryAfter`)
    A refused message holds its chat's messages (the whole bot's when it named
    no chat) for the wait Telegram named; then they resume one at a time at the
    chat's pace (the bot's, after a bot-wide wait), the refused one first.
    A message is retried as often as Telegram refuses it until its `deadline`
    (seconds after the call, five minutes by default): an answer the agent
    already produced should arrive late rather than never. Any wait is honoured
    in full, however long; a wait that would end past the deadline is not
    started: `RetryAfter` is raised (and logged) at once. Other calls refused
    with a 429 wait and retry the same way, holding nothing else.

Network blips
    A request that certainly did not reach Telegram (the connection failed,
    the pool was full, or a gateway answered 502 or 503) is retried twice with
    a short backoff. Edits, deletions, chat actions and other idempotent calls
    are also retried after a timeout; a message send that timed out is not,
    since it may have arrived (a duplicate video is worse than the link the
    render worker sends instead).
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import enum
import itertools
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import BaseRateLimiter

from core import observe
from core.peers import BEAT

from .pacing import NEVER, Lane, Pace

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]
ChatRef = int | str

#: calls that can be repeated without a visible effect
IDEMPOTENT = frozenset({
    "answerCallbackQuery", "deleteMessage", "deleteMyCommands", "deleteWebhook",
    "editMessageCaption", "editMessageReplyMarkup", "editMessageText", "getFile", "getMe",
    "getMyCommands", "getWebhookInfo", "sendChatAction", "setMyCommands", "setWebhook",
})
CHAT_ACTION = "sendChatAction"
#: calls that are messages for Telegram's flood limits (see the module docstring)
MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage", "editMessage")
#: failures that mean the request never left this process
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: answers of a gateway in front of the Bot API: the request was not handled
_UNHANDLED = ("bad gateway", "service unavailable")
#: added to every flood wait: Telegram rounds its waits
_MARGIN = 0.1


class Kind(enum.Enum):
    """How a Bot API call is treated by the flood control."""

    MESSAGE = "message"  #: paced, held during flood waits
    ACTION = "action"  #: not paced, dropped during flood waits
    OTHER = "other"  #: not paced, not held


def call_kind(endpoint: str) -> Kind:
    """Whether `endpoint` is a message, a chat action or something else."""
    if endpoint == CHAT_ACTION:
        return Kind.ACTION
    if endpoint.startswith(MESSAGE_PREFIXES):
        return Kind.MESSAGE
    return Kind.OTHER


def message_weight(endpoint: str, data: dict[str, Any]) -> int:
    """How many messages a call is: an album is one message per item."""
    media = data.get("media")
    if endpoint == "sendMediaGroup" and isinstance(media, list | tuple):
        return max(1, len(media))
    return 1


def retry_after_seconds(exc: RetryAfter) -> float:
    """The wait a 429 asks for, in seconds (PTB gives a timedelta or a number)."""
    value: Any = exc._retry_after  # the timedelta itself, without PTB's deprecation warning
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)


def may_retry(endpoint: str, exc: NetworkError) -> bool:
    """Whether a failed call can be repeated without risking a duplicate message (nor
    repeating what Telegram refused for good, like a file over its limit)."""
    if isinstance(exc, BadRequest):
        return False
    cause = exc.__cause__
    if cause is None:  # an HTTP answer: only a gateway's says the request was not handled
        text = exc.message.lower()
        return any(phrase in text for phrase in _UNHANDLED) or (
            endpoint in IDEMPOTENT and "server error" in text)
    return endpoint in IDEMPOTENT or isinstance(cause, _NOT_SENT)


class FloodControl(BaseRateLimiter[int]):
    """PTB's rate-limiter hook: paces messages by Telegram's limits, rides out 429s until a
    deadline and retries network blips (see the module docstring)."""

    def __init__(self, *, overall_rate: float = 30, overall_burst: int = 10,
                 chat_rate: float = 1.0, chat_burst: int = 3, group_rate: int = 20,
                 group_period: float = 60, deadline: float = 300.0, network_retries: int = 2,
                 backoff: float = 0.25) -> None:
        self.chat_rate, self.chat_burst = chat_rate, chat_burst
        self.group_rate, self.group_period = group_rate, group_period
        self.deadline, self.network_retries, self.backoff = deadline, network_retries, backoff
        self.overall_rate, self.overall_burst = overall_rate, overall_burst
        self.overall = Lane(*self._bot_pace(1))
        self._lanes: dict[ChatRef, Lane] = {}
        self._sweep_at = 1024
        self._tickets = itertools.count()
        self._departures = asyncio.Lock()

    def _bot_pace(self, processes: int) -> tuple[Pace, int, float]:
        """The pace, window and period of the bot's messages from this process, one of
        `processes` sending as the bot; the burst never takes a second past the rate: a
        sliding window of one second."""
        rate = self.overall_rate / processes
        burst = max(1, self.overall_burst // processes)
        return Pace(rate, burst), int(rate), 1.0 + (1 / rate if rate > 0 else 0.0)

    def share(self, processes: int, first: bool = False) -> None:
        """`processes` send as the bot (this one included): keep to this one's part of
        the bot-wide limits. Messages waiting keep their places; the new pace applies
        from the next one on. `first`: this process has just joined the others, who
        send at their larger shares until they count it (`core.peers.BEAT`): its
        messages wait that long."""
        processes = max(1, processes)
        self.overall.retune(*self._bot_pace(processes))
        wait = BEAT if first and processes > 1 else 0.0
        if wait:
            self.overall.hold(asyncio.get_running_loop().time() + wait)
        observe.report(lambda p: p.senders("telegram", processes))
        log.info("telegram: %d process(es) send as this bot; this one sends at most %.3g "
                 "messages a second%s", processes, self.overall_rate / processes,
                 f", from {wait:g} s on (the others count it by then)" if wait else "")

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(self, callback: Callback, args: Any, kwargs: dict[str, Any],
                              endpoint: str, data: dict[str, Any],
                              rate_limit_args: int | None) -> bool | JSONDict | list[JSONDict]:
        """Run one request within the limits, retrying as the module describes."""
        loop = asyncio.get_running_loop()
        kind, chat = call_kind(endpoint), chat_ref(data)
        deadline = loop.time() + self.deadline
        weight, ticket = message_weight(endpoint, data), next(self._tickets)
        blips = 0
        while True:
            if kind is Kind.MESSAGE:
                await self._admit(chat, ticket, weight, deadline)
            elif kind is Kind.ACTION:
                self._check_quiet(chat)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                await self._flood_wait(exc, endpoint, kind, chat, deadline)
            except NetworkError as exc:
                if blips >= self.network_retries or not may_retry(endpoint, exc):
                    raise
                blips += 1
                delay = self.backoff * 4 ** (blips - 1)
                log.info("telegram: %s failed (%s); retrying in %.2f s", endpoint, exc.message,
                         delay)
                await asyncio.sleep(delay)

    def lane(self, chat: ChatRef) -> Lane:
        """The pacing of `chat`'s messages."""
        found = self._lanes.get(chat)
        if found is None:
            if len(self._lanes) >= self._sweep_at:
                now = asyncio.get_running_loop().time()
                self._lanes = {k: v for k, v in self._lanes.items() if not v.idle(now)}
                self._sweep_at = max(1024, 2 * len(self._lanes))
            group = not isinstance(chat, int) or chat < 0
            found = Lane(Pace(self.chat_rate, self.chat_burst),
                         self.group_rate if group else 0, self.group_period)
            self._lanes[chat] = found
        return found

    def backlog(self, chat: ChatRef | None) -> float:
        """Seconds a message to `chat` would wait now: for its chat's budget, the bot's,
        or a flood wait."""
        lane = self._lanes.get(chat) if chat is not None else None
        ready = max(self.overall.ready_at(1), lane.ready_at(1) if lane else NEVER)
        return max(0.0, ready - asyncio.get_running_loop().time(), self.flood_wait(chat))

    def flood_wait(self, chat: ChatRef | None) -> float:
        """Seconds until the flood wait holding `chat`'s messages (or all) ends; 0: none."""
        lane = self._lanes.get(chat) if chat is not None else None
        until = max(self.overall.held_until, lane.held_until if lane else NEVER)
        return max(0.0, until - asyncio.get_running_loop().time())

    # ------------------------------------------------------------ internals

    async def _admit(self, chat: ChatRef | None, ticket: int, weight: int,
                     deadline: float) -> None:
        """Wait until a message may leave: its chat's turn and budget, then the bot's."""
        loop = asyncio.get_running_loop()
        while True:
            lane = self.lane(chat) if chat is not None else None
            if lane is None:
                self._check_deadline(self.overall, deadline, chat)
                at = self._reserve(weight)
            else:
                async with lane.gate.turn(ticket):
                    if not await self._until_ready(lane, weight, deadline, chat, ticket):
                        continue  # an earlier message came back after a 429: it goes first
                    at = self._reserve(weight)
                    lane.take(at, weight)
            holds = (lane.holds if lane else 0, self.overall.holds)

            def unheld(holds: tuple[int, int] = holds, lane: Lane | None = lane) -> bool:
                """No 429 came while this message waited for the bot's budget."""
                return holds == (lane.holds if lane else 0, self.overall.holds)

            if at > loop.time():
                await asyncio.sleep(at - loop.time())
            if unheld() and await self._leave(weight, unheld):
                return

    async def _leave(self, weight: int, unheld: Callable[[], bool]) -> bool:
        """Leave within the bot's window counted on the messages that really left (a
        loop busy elsewhere wakes the senders of several times at once, late), in the
        order they woke, which is their times' (a chat's messages keep their order).
        False: a 429 came meanwhile; the message must be admitted again."""
        loop = asyncio.get_running_loop()
        async with self._departures:
            while True:  # the window slides as others leave: look again after each wait
                if not unheld():
                    return False
                wait = self.overall.leave_at(loop.time(), weight) - loop.time()
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            self.overall.leaves(loop.time(), weight)
            return True

    async def _until_ready(self, lane: Lane, weight: int, deadline: float,
                           chat: ChatRef | None, ticket: int) -> bool:
        """Wait, holding the chat's gate, for its budget; False: give the gate up first."""
        loop = asyncio.get_running_loop()
        while (ready := max(lane.ready_at(weight), self.overall.held_until)) > loop.time():
            self._check_deadline(lane, deadline, chat)
            self._check_deadline(self.overall, deadline, chat)
            await asyncio.sleep(ready - loop.time())
            if lane.gate.outranked(ticket):
                return False
        return True

    def _reserve(self, weight: int) -> float:
        """The time this message leaves in the bot's budget, counted at once."""
        at = max(asyncio.get_running_loop().time(), self.overall.ready_at(weight))
        self.overall.take(at, weight)
        return at

    def _check_deadline(self, lane: Lane, deadline: float, chat: ChatRef | None) -> None:
        if lane.held_until > deadline:
            wait = lane.held_until - asyncio.get_running_loop().time()
            log.warning("telegram: gave up a message to chat %s: flood wait of %.0f s ends "
                        "past its deadline", chat, wait)
            raise RetryAfter(dtm.timedelta(seconds=wait))

    def _check_quiet(self, chat: ChatRef | None) -> None:
        """Drop a chat action while a flood wait is active for its chat or the bot."""
        lane = self._lanes.get(chat) if chat is not None else None
        quiet = lane.quiet_until - asyncio.get_running_loop().time() if lane else 0.0
        wait = max(self.flood_wait(chat), quiet)
        if wait > 0:
            log.debug("telegram: chat action in %s dropped (flood wait, %.1f s)", chat, wait)
            raise RetryAfter(dtm.timedelta(seconds=wait))

    async def _flood_wait(self, exc: RetryAfter, endpoint: str, kind: Kind,
                          chat: ChatRef | None, deadline: float) -> None:
        """After a 429: hold what it concerns, or raise when the deadline would pass."""
        observe.report(lambda p: p.rate_limited("telegram"))
        wait = retry_after_seconds(exc) + _MARGIN
        now = asyncio.get_running_loop().time()
        if kind is Kind.ACTION:
            if chat is not None:
                lane = self.lane(chat)
                lane.quiet_until = max(lane.quiet_until, now + wait)
            raise exc
        if kind is Kind.MESSAGE:  # held even when given up: the next message need not try
            (self.lane(chat) if chat is not None else self.overall).hold(now + wait)
        if now + wait > deadline:
            log.warning("telegram: gave up %s in chat %s: flood wait of %.0f s ends past its "
                        "deadline", endpoint, chat, wait)
            raise exc
        log.info("telegram: flood control on %s in chat %s: waiting %.1f s", endpoint, chat,
                 wait)
        if kind is Kind.OTHER:
            await asyncio.sleep(wait)


def chat_ref(data: dict[str, Any]) -> ChatRef | None:
    """The chat a request is aimed at: its id, or `@username` (None: no chat)."""
    value = data.get("chat_id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value or None
    return None
