"""A fast fake Telegram Bot API for benchmarks: no flood control, no checks beyond the
shapes python-telegram-bot needs, every request recorded with the time it arrived.

It serves ``/bot<token>/<method>`` on a loopback port for any number of bots (one
state per token): ``getUpdates`` long polls (answered as soon as an update is
queued), ``sendMessage`` and ``editMessageText`` (kept as the chat's bot messages),
``sendChatAction``, ``deleteMessage``, ``getMe``, ``setMyCommands``,
``deleteWebhook`` and ``answerCallbackQuery``; any other method is answered
``true`` and recorded as unknown. `on_text` is called for every text the bot
shows (a new message or an edit), which is how a benchmark sees answers arrive.

The tests' fake (`tests/fakes/telegram`) checks much more of the Bot API; this one
only has to keep up with hundreds of chats at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

JSONDict = dict[str, Any]

#: methods whose answer is a plain ``true``
ANSWERED_TRUE = frozenset({"sendchataction", "deletemessage", "setmycommands", "deletewebhook",
                           "setwebhook", "answercallbackquery", "deletemycommands"})


@dataclass(frozen=True)
class Request:
    """One Bot API request: its method, chat, and ``time.monotonic()`` on arrival."""

    method: str
    chat_id: int | None
    at: float


@dataclass(frozen=True)
class Shown:
    """A text the bot put in a chat: a new message or an edit of one."""

    token: str
    chat_id: int
    message_id: int
    text: str
    #: the user message it replies to (reply_parameters), if any
    reply_to: int | None
    edit: bool
    at: float


@dataclass
class BotState:
    """What the fake knows of one bot: its pending updates and its requests."""

    token: str
    bot_id: int
    pending: list[JSONDict] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    #: (chat, message id) -> the user message a bot message replies to
    replies: dict[tuple[int, int], int | None] = field(default_factory=dict)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def next_message_id(self) -> int:
        """Message ids are shared by users' and the bot's messages, as in a chat."""
        return next(self._message_ids)

    def queue(self, update: JSONDict) -> int:
        """Queue an update for the bot; returns its update_id."""
        update_id = next(self._update_ids)
        self.pending.append({"update_id": update_id, **update})
        self.wake.set()
        return update_id

    def counts(self, since: float = 0.0, until: float = float("inf")) -> dict[str, int]:
        """Requests by method that arrived in [since, until)."""
        counts: dict[str, int] = {}
        for request in self.requests:
            if since <= request.at < until:
                counts[request.method] = counts.get(request.method, 0) + 1
        return counts


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FakeBotApi:
    """The fake server. `start()` returns the base URL to give a bot (``.../bot``)."""

    def __init__(self, on_text: Callable[[Shown], None] | None = None) -> None:
        self.on_text = on_text
        self.bots: dict[str, BotState] = {}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    def bot(self, token: str) -> BotState:
        """The state of the bot with this token (made on first use)."""
        if token not in self.bots:
            self.bots[token] = BotState(token, bot_id=7_000_000 + len(self.bots))
        return self.bots[token]

    async def start(self) -> str:
        """Listen on a free loopback port; returns the Bot API base URL."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        return self.base_url

    async def stop(self) -> None:
        """End every long poll and stop listening."""
        for state in self.bots.values():
            state.wake.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def send_text(self, token: str, chat_id: int, text: str, *, user_id: int | None = None,
                  language: str = "en") -> int:
        """A user writes `text` in a private chat; returns the message id."""
        state = self.bot(token)
        message_id = state.next_message_id()
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": f"User {chat_id}",
                "language_code": language}
        state.queue({"message": {
            "message_id": message_id, "date": int(time.time()), "text": text, "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": user["first_name"]},
        }})
        return message_id

    # -- HTTP ---------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        state = self.bot(request.match_info["token"])
        method = request.match_info["method"]
        params = await self._params(request)
        state.requests.append(Request(method, _int(params.get("chat_id")), arrived))
        handler = getattr(self, f"_m_{method.lower()}", None)
        result: Any = True
        if handler is not None:
            result = await handler(state, params, arrived)
        elif method.lower() not in ANSWERED_TRUE:
            state.unknown.add(method)
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    async def _params(request: web.Request) -> JSONDict:
        if request.content_type == "application/json":
            body = await request.json()
            return dict(body) if isinstance(body, dict) else {}
        if request.can_read_body:
            form = await request.post()
            return {key: value for key, value in form.items() if isinstance(value, str)}
        return dict(request.query)

    # -- methods ------------------------------------------------------------------------
    async def _m_getupdates(self, state: BotState, params: JSONDict, at: float) -> Any:
        offset = _int(params.get("offset")) or 0
        if offset > 0:
            state.pending = [u for u in state.pending if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not state.pending and timeout > 0:
            state.wake.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await state.wake.wait()
        limit = min(max(_int(params.get("limit")) or 100, 1), 100)
        return state.pending[:limit]

    async def _m_getme(self, state: BotState, params: JSONDict, at: float) -> Any:
        return {"id": state.bot_id, "is_bot": True, "first_name": "Bench",
                "username": f"bench_{state.bot_id}_bot", "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _message(self, state: BotState, chat_id: int, message_id: int, text: str) -> JSONDict:
        return {"message_id": message_id, "date": int(time.time()), "text": text,
                "chat": {"id": chat_id, "type": "private"},
                "from": {"id": state.bot_id, "is_bot": True, "first_name": "Bench"}}

    async def _m_sendmessage(self, state: BotState, params: JSONDict, at: float) -> Any:
        chat_id = _int(params.get("chat_id")) or 0
        text = str(params.get("text") or "")
        reply = params.get("reply_parameters")
        if isinstance(reply, str):
            reply = json.loads(reply)
        reply_to = _int(reply.get("message_id")) if isinstance(reply, dict) else None
        message_id = state.next_message_id()
        state.replies[(chat_id, message_id)] = reply_to
        self._shown(Shown(state.token, chat_id, message_id, text, reply_to, False, at))
        return self._message(state, chat_id, message_id, text)

    async def _m_editmessagetext(self, state: BotState, params: JSONDict, at: float) -> Any:
        chat_id = _int(params.get("chat_id")) or 0
        message_id = _int(params.get("message_id")) or 0
        text = str(params.get("text") or "")
        reply_to = state.replies.get((chat_id, message_id))
        self._shown(Shown(state.token, chat_id, message_id, text, reply_to, True, at))
        return self._message(state, chat_id, message_id, text)

    def _shown(self, shown: Shown) -> None:
        if self.on_text is not None:
            self.on_text(shown)

    async def _m_getmycommands(self, state: BotState, params: JSONDict, at: float) -> Any:
        return []
