"""The fake Discord's HTTP side on a free loopback port: the REST API under ``/api/v10``
(every request recorded with the time it arrived, passed through the injected faults),
the gateway websocket, and the attachment CDN with signed, expiring links."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import BodyPartReader, web

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.model import FakeAttachment
from tests.fakes.discord.records import RecordedFile, RecordedRequest
from tests.fakes.discord.wire import (
    API_PREFIX,
    MIB,
    ApiError,
    RateLimit,
    Reply,
    ratelimit_headers,
)
from tests.fakes.discord.world import World
from tests.fakes.faults import Fault, Faults, hold
from tests.waiting import Changes

Handler = Callable[..., Awaitable[Reply]]


@dataclass
class _Route:
    name: str
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    auth: bool


class DiscordServer:
    """Routes requests to handlers, records them, and applies the faults."""

    def __init__(self, world: World, gateway: Gateway, changes: Changes, token: str) -> None:
        self.world = world
        self.gateway = gateway
        self.changes = changes
        self.token = token
        #: Every HTTP request answered, in order (hung ones when they hung).
        self.requests: list[RecordedRequest] = []
        self.faults: Faults[RecordedRequest] = Faults()
        self._routes: list[_Route] = []
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def add(self, method: str, template: str, handler: Handler, *, auth: bool = True) -> None:
        """Serve ``method template`` (``{name}`` parts become handler arguments)."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
        self._routes.append(_Route(f"{method} {template}", method, re.compile(regex), handler,
                                   auth))

    async def start(self) -> None:
        """Listen on a free loopback port."""
        if self._runner is not None:
            raise RuntimeError("FakeDiscord is already running")
        self._released.clear()
        app = web.Application(client_max_size=1024 * MIB)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._handle_api)
        app.router.add_get("/attachments/{channel_id}/{attachment_id}/{filename}",
                           self._handle_cdn)
        app.router.add_get("/", self.gateway.handle)
        app.router.add_get("/resume", self.gateway.handle)
        # handler_cancellation: a client that gives up on a hung request cancels its handler
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0,
                               handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        """Release hung requests, close the gateway and stop listening."""
        if self._runner is None:
            return
        self._released.set()
        await self.gateway.close_all()
        await self._runner.cleanup()
        self._runner = None

    def _log(self, rec: RecordedRequest) -> None:
        if not rec._logged:
            rec._logged = True
            self.requests.append(rec)
        self.changes.notify()

    def _match(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self._routes:
            found = route.pattern.fullmatch(path) if route.method == method else None
            if found:
                return route, found.groupdict()
        return None, {}

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        rec = await _parse_request(request, path, "rest")
        route, params = self._match(request.method, path)
        rec.route = None if route is None else route.name
        bucket = hashlib.sha1(  # noqa: S324 - an opaque bucket id, not security
            f"{request.method} {rec.route or path}".encode()).hexdigest()[:16]
        fault = self.faults.take(rec) if route is not None else None
        if fault is not None and fault.hang is not None and not fault.takes_effect:
            await self._hang(rec, fault.hang)
        reply = await self._reply(request, rec, route, params, fault, bucket)
        rec.status, rec.response = reply.status, reply.body
        self._log(rec)
        if fault is not None and fault.hang is not None and fault.takes_effect:
            await self._hang(rec, fault.hang)
        return _response(reply, bucket)

    async def _hang(self, rec: RecordedRequest, seconds: float) -> None:
        rec.hung = True
        self._log(rec)
        await hold(seconds, self._released)

    async def _reply(self, request: web.Request, rec: RecordedRequest, route: _Route | None,
                     params: dict[str, str], fault: Fault[RecordedRequest] | None,
                     bucket: str) -> Reply:
        try:
            if route is None:
                raise ApiError(404, 0, "404: Not Found")
            if route.auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise ApiError(401, 0, "401: Unauthorized")
            error = fault.error if fault is not None else None
            if isinstance(error, RateLimit):
                return error.reply(bucket)
            if isinstance(error, Reply):
                return error
            return await route.handler(rec, **params)
        except ApiError as exc:
            return Reply(exc.status, exc.body())

    async def _handle_cdn(self, request: web.Request) -> web.StreamResponse:
        rec = await _parse_request(request, request.path, "cdn")
        rec.route = "cdn"
        status, attachment = self._check_cdn(request)
        rec.status = status
        self._log(rec)
        if attachment is None:
            return web.Response(status=status, text="This content is no longer available.")
        response = web.StreamResponse(status=200, headers={
            "Content-Type": attachment.content_type or "application/octet-stream"})
        response.content_length = attachment.size
        await response.prepare(request)
        if request.method != "HEAD":
            await _write_body(response, attachment)
        await response.write_eof()
        return response

    def _check_cdn(self, request: web.Request) -> tuple[int, FakeAttachment | None]:
        """200 and the attachment for a valid, unexpired link; else 403 or 404."""
        try:
            attachment = self.world.attachments[int(request.match_info["attachment_id"])]
        except (KeyError, ValueError):
            return 404, None
        if (str(attachment.channel_id) != request.match_info["channel_id"]
                or attachment.filename != request.match_info["filename"]):
            return 404, None
        ex, is_, hm = (request.query.get(k, "") for k in ("ex", "is", "hm"))
        expected = self.world.cdn_signature(request.path, ex, is_)
        if not (ex and is_ and hm) or not hmac.compare_digest(expected, hm):
            return 403, None
        try:
            expires = int(ex, 16)
        except ValueError:
            return 403, None
        return (404, None) if expires < self.world.now() else (200, attachment)


async def _write_body(response: web.StreamResponse, attachment: FakeAttachment) -> None:
    if attachment.data is not None:
        await response.write(attachment.data)
        return
    remaining = attachment.size  # a declared size is served as zeros, never held in memory
    chunk = bytes(min(remaining, 1 << 20))
    while remaining > 0:
        await response.write(chunk[:remaining])
        remaining -= len(chunk)


def _response(reply: Reply, bucket: str) -> web.Response:
    headers = {"Via": "1.1 google"}
    if 200 <= reply.status < 300:
        headers.update(ratelimit_headers(bucket, 4, 1.0))
    headers.update(reply.headers)
    if reply.body is None:
        return web.Response(status=reply.status, headers=headers)
    # discord.py only parses a body as JSON when Content-Type is exactly this.
    headers["Content-Type"] = "application/json"
    return web.Response(status=reply.status, body=json.dumps(reply.body).encode(),
                        headers=headers)


async def _parse_request(request: web.Request, path: str, kind: str) -> RecordedRequest:
    rec = RecordedRequest(method=request.method, path=path, query=dict(request.query),
                          headers=dict(request.headers), kind="cdn" if kind == "cdn" else "rest",
                          at=time.monotonic())
    if not request.can_read_body:
        return rec
    if request.content_type != "multipart/form-data":
        body = await request.read()
        if body:
            try:
                rec.json = json.loads(body)
            except ValueError:
                rec.json = body.decode("utf-8", "replace")
        return rec
    async for part in await request.multipart():
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read(decode=False)
        if part.name == "payload_json":
            rec.json = json.loads(data)
        elif part.filename is not None:
            rec.files.append(RecordedFile(field=part.name or "", filename=part.filename,
                                          content_type=part.headers.get("Content-Type"),
                                          data=bytes(data)))
    return rec
