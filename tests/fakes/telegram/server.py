"""The fake Bot API's HTTP side: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` on
a free loopback port. Every call is recorded with the time it arrived, passes the injected
faults, and is answered ``{"ok": true, "result": ...}`` or with Telegram's error body."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.faults import Fault, Faults, hold
from tests.fakes.telegram.files import FileLimits, FileStore
from tests.fakes.telegram.methods import Handler
from tests.fakes.telegram.state import Chats, chat_key
from tests.fakes.telegram.wire import (
    LOCAL_UPLOAD_LIMIT,
    MB,
    BotApiError,
    JSONDict,
    UploadedFile,
    bad_request,
    parse_request,
)
from tests.waiting import Changes


@dataclass
class RecordedCall:
    """One Bot API request and the answer the fake gave to it."""

    method: str
    params: JSONDict
    files: dict[str, UploadedFile]
    #: ``time.monotonic()`` when the request arrived.
    at: float
    ok: bool = False
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    parameters: JSONDict | None = None
    #: False for a method the fake does not implement (answered 404).
    known: bool = True
    #: Held by an injected hang (recorded when the hang began).
    hung: bool = False
    _logged: bool = field(default=False, repr=False)

    @property
    def chat_id(self) -> Any:
        """The request's chat_id parameter, if any."""
        return self.params.get("chat_id")

    @property
    def retry_after(self) -> int | None:
        """The ``retry_after`` of a 429 answer."""
        return (self.parameters or {}).get("retry_after")

    def fail(self, error: BotApiError) -> None:
        """Record an error answer."""
        self.ok = False
        self.error_code, self.description = error.error_code, error.description
        self.parameters = error.parameters

    def body(self) -> tuple[JSONDict, int]:
        """The JSON answer and its HTTP status."""
        if self.ok:
            return {"ok": True, "result": self.result}, 200
        error = BotApiError(self.error_code or 500, self.description or "", self.parameters)
        return error.payload(), error.error_code


class BotApiServer:
    """Serves one fake's methods and files over HTTP, recording every call."""

    def __init__(self, token: str, handlers: dict[str, Handler], chats: Chats,
                 files: FileStore, limits: FileLimits, changes: Changes) -> None:
        self.token = token
        self._handlers = {name.lower(): (name, handler) for name, handler in handlers.items()}
        self.chats = chats
        self.files = files
        self.limits = limits
        self.changes = changes
        self.faults: Faults[RecordedCall] = Faults()
        self.blocked: set[int] = set()
        self.missing: set[int] = set()
        #: Every Bot API call, in the order they were answered (hung ones when they hung).
        self.calls: list[RecordedCall] = []
        #: file_ids of every file download, in order.
        self.downloads: list[str] = []
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self) -> None:
        """Listen on a free loopback port."""
        app = web.Application(client_max_size=LOCAL_UPLOAD_LIMIT + MB)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # handler_cancellation: a client that gives up on a hung call cancels its handler
        self._runner = web.AppRunner(app, handler_cancellation=True, access_log=None,
                                     shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        self._released.clear()

    async def stop(self) -> None:
        """Release hung calls and stop listening."""
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _log(self, call: RecordedCall) -> None:
        if not call._logged:
            call._logged = True
            self.calls.append(call)
        self.changes.notify()

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        name = request.match_info["method"]
        entry = self._handlers.get(name.lower())
        call = RecordedCall(entry[0] if entry else name, {}, {}, at=time.monotonic(),
                            known=entry is not None)
        fault: Fault[RecordedCall] | None = None
        try:
            call.params, call.files = await parse_request(request)
            fault = self.faults.take(call)
        except BotApiError as error:
            call.fail(error)
        else:
            if fault is not None and fault.hang is not None and not fault.takes_effect:
                await self._hang(call, fault.hang)
            await self._run(call, entry[1] if entry else None, fault)
        self._log(call)
        if fault is not None and fault.hang is not None and fault.takes_effect:
            await self._hang(call, fault.hang)
        body, status = call.body()
        return web.json_response(body, status=status)

    async def _hang(self, call: RecordedCall, seconds: float) -> None:
        call.hung = True
        self._log(call)
        await hold(seconds, self._released)

    async def _run(self, call: RecordedCall, handler: Handler | None,
                   fault: Fault[RecordedCall] | None) -> None:
        try:
            if fault is not None and fault.error is not None:
                raise fault.error
            self._check_chat(call)
            if handler is None:
                raise BotApiError(404, "Not Found")
            result = await handler(call.params, call.files)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # a parameter of the wrong type or shape: Telegram answers 400, and so do we,
            # with the detail in the description so a fault in the fake stays visible
            call.fail(bad_request(f"invalid parameters ({exc.__class__.__name__}: {exc})"))
        except BotApiError as error:
            call.fail(error)
        else:
            call.ok, call.result = True, result

    def _check_chat(self, call: RecordedCall) -> None:
        chat_id = chat_key(call.chat_id)
        if chat_id in self.blocked:
            chat = self.chats.chats.get(chat_id)
            if chat is not None and chat.type in ("group", "supergroup"):
                raise BotApiError(403, f"Forbidden: bot was kicked from the {chat.type} chat")
            raise BotApiError(403, "Forbidden: bot was blocked by the user")
        if chat_id in self.missing:
            raise bad_request("chat not found")

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        entry = self.files.by_path.get(unquote(request.match_info["path"]))
        limit = self.limits.download
        if (request.match_info["token"] != self.token or entry is None
                or (limit is not None and entry.size > limit)):
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        self.downloads.append(entry.file_id)
        self.changes.notify()
        content_type = entry.mime_type or "application/octet-stream"
        if entry.data is not None:
            return web.Response(body=entry.data, content_type=content_type)
        response = web.StreamResponse(headers={"Content-Type": content_type})
        response.content_length = entry.size
        await response.prepare(request)
        chunk = bytes(64 * 1024)  # a declared size is served as zeros, never held in memory
        remaining = entry.size
        while remaining > 0:
            piece = chunk[:remaining]
            await response.write(piece)
            remaining -= len(piece)
        await response.write_eof()
        return response
