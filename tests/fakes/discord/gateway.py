"""The fake Discord gateway: the websocket protocol discord.py speaks (HELLO, IDENTIFY,
READY and GUILD_CREATE, heartbeats, RESUME with replay of missed events, zlib-stream
compression, shards) and the DISPATCH events the fake sends to the bot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.discord.model import FakeMessage
from tests.fakes.discord.payloads import Payloads
from tests.fakes.discord.records import DispatchedEvent, GatewayConnect, GatewayOp
from tests.fakes.discord.wire import (
    API_VERSION,
    HEARTBEAT_INTERVAL_MS,
    JSON,
    PRIVILEGED_INTENTS,
    Intent,
)
from tests.fakes.discord.world import World
from tests.waiting import Changes


class _Connection:
    """One websocket, optionally zlib-stream compressed."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.compressor = zlib.compressobj() if compress else None
        self.session: _Session | None = None
        self._lock = asyncio.Lock()

    async def send(self, payload: JSON) -> bool:
        """Send one payload; False if the connection is gone."""
        text = json.dumps(payload, separators=(",", ":"))
        async with self._lock:
            if self.ws.closed:
                return False
            try:
                if self.compressor is None:
                    await self.ws.send_str(text)
                else:
                    data = self.compressor.compress(text.encode())
                    await self.ws.send_bytes(data + self.compressor.flush(zlib.Z_SYNC_FLUSH))
            except ConnectionError:
                return False
        return True


@dataclass(eq=False)
class _Session:
    id: str
    shard_id: int
    shard_count: int
    intents: int
    connection: _Connection | None = None
    invalidated: bool = False
    seq: int = 0
    sent: list[JSON] = field(default_factory=list)


class Gateway:
    """The gateway of one fake: sessions per shard, and what went over the wire."""

    def __init__(self, world: World, payloads: Payloads, changes: Changes, token: str) -> None:
        self.world = world
        self.payloads = payloads
        self.changes = changes
        self.token = token
        self.url = ""  # ws://127.0.0.1:<port>, set when the server starts
        #: Every payload the bot sent on the gateway, in order.
        self.ops: list[GatewayOp] = []
        #: Every DISPATCH the fake produced, in order.
        self.dispatched: list[DispatchedEvent] = []
        #: Every gateway websocket connection, in order.
        self.connects: list[GatewayConnect] = []
        self._sessions: dict[str, _Session] = {}
        self._shards: dict[int, _Session] = {}
        self._connections: list[_Connection] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve one websocket connection until it closes."""
        ws = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await ws.prepare(request)
        compress = request.query.get("compress") == "zlib-stream"
        conn = _Connection(ws, compress)
        self._connections.append(conn)
        self.connects.append(GatewayConnect(request.path, dict(request.query), compress))
        try:
            await conn.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                await self._on_payload(conn, json.loads(msg.data))
        finally:
            self._connections.remove(conn)
            if conn.session is not None and conn.session.connection is conn:
                conn.session.connection = None
            self.changes.notify()
        return ws

    async def _on_payload(self, conn: _Connection, payload: JSON) -> None:
        op, d, session = int(payload.get("op") or 0), payload.get("d"), conn.session
        if op == 2 and isinstance(d, dict):
            shard = d.get("shard")
            self.ops.append(GatewayOp(2, d, None, None if shard is None else
                                      (int(shard[0]), int(shard[1]))))
            await self._identify(conn, d)
        elif op == 6 and isinstance(d, dict):
            self.ops.append(GatewayOp(6, d, d.get("session_id"), None))
            await self._resume(conn, d)
        else:
            shard_info = None if session is None else (session.shard_id, session.shard_count)
            self.ops.append(GatewayOp(op, d, None if session is None else session.id,
                                      shard_info))
            if op == 1:
                await conn.send({"op": 11})
        self.changes.notify()

    async def _refuse(self, conn: _Connection, d: JSON) -> bool:
        """Close the connection as Discord does for a bad IDENTIFY; True if it did."""
        shard = d.get("shard") or [0, 1]
        refusal: tuple[int, bytes] | None = None
        if d.get("token") != self.token:
            refusal = 4004, b"Authentication failed."
        elif int(shard[1]) < 1 or not 0 <= int(shard[0]) < int(shard[1]):
            refusal = 4010, b"Invalid shard."
        elif int(d.get("intents", 0)) & PRIVILEGED_INTENTS & ~self.world.approved_intents:
            refusal = 4014, b"Disallowed intent(s)."
        if refusal is not None:
            await conn.ws.close(code=refusal[0], message=refusal[1])
        return refusal is not None

    async def _identify(self, conn: _Connection, d: JSON) -> None:
        if await self._refuse(conn, d):
            return
        shard_id, shard_count = (int(x) for x in d.get("shard") or [0, 1])
        session = _Session(secrets.token_hex(16), shard_id, shard_count,
                           int(d.get("intents", 0)), connection=conn)
        previous = self._shards.get(shard_id)
        if previous is not None:
            previous.invalidated = True
        self._sessions[session.id] = session
        self._shards[shard_id] = session
        conn.session = session
        guilds = [g for g in self.world.guilds.values() if g.shard_id(shard_count) == shard_id]
        # READY and every GUILD_CREATE go out back to back, so the client has them all
        # queued before its guild_ready_timeout starts counting.
        await self._send(session, "READY", self._ready(session, guilds))
        for guild in guilds:
            await self._send(session, "GUILD_CREATE",
                             self.payloads.guild_create(guild, session.intents))

    def _ready(self, session: _Session, guilds: list[Any]) -> JSON:
        return {
            "v": API_VERSION, "user": self.payloads.client_user(),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.id, "session_type": "normal",
            "resume_gateway_url": self.url + "/resume",
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.world.application_id),
                            "flags": self.payloads.application_flags()},
            "private_channels": [], "relationships": [], "presences": [],
            "guild_join_requests": [], "geo_ordered_rtc_regions": ["us-east"],
            "user_settings": {}, "auth": {}, "_trace": ["fake-discord"],
        }

    async def _resume(self, conn: _Connection, d: JSON) -> None:
        session = self._sessions.get(str(d.get("session_id")))
        if session is None or session.invalidated or d.get("token") != self.token:
            await conn.send({"op": 9, "d": False})
            return
        old, session.connection, conn.session = session.connection, conn, session
        if old is not None and old is not conn:
            with contextlib.suppress(ConnectionError):
                await old.ws.close(code=4000)
        last_seen = int(d.get("seq") or 0)
        for frame in session.sent:
            if frame["s"] > last_seen:
                await conn.send(frame)
        await self._send(session, "RESUMED", {"_trace": ["fake-discord"]})

    async def _send(self, session: _Session, event: str, data: Any) -> DispatchedEvent:
        session.seq += 1
        frame = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.sent.append(frame)
        conn = session.connection
        delivered = await conn.send(frame) if conn is not None else False
        record = DispatchedEvent(event, session.seq, data,
                                 (session.shard_id, session.shard_count), delivered)
        self.dispatched.append(record)
        self.changes.notify()
        return record

    def _session_for(self, guild_id: int | None) -> _Session | None:
        for session in self._shards.values():
            if session.invalidated:
                continue
            if guild_id is None and session.shard_id == 0:
                return session
            if guild_id is not None and (guild_id >> 22) % session.shard_count == session.shard_id:
                return session
        return None

    async def dispatch(self, event: str, data: Any, guild_id: int | None, *,
                       required: bool) -> DispatchedEvent | None:
        """Send a DISPATCH to the shard that owns ``guild_id`` (shard 0 for None); with no
        such session, raise if ``required``, else drop it."""
        session = self._session_for(guild_id)
        if session is None:
            if required:
                raise RuntimeError(f"cannot dispatch {event}: no bot has identified on the "
                                   "gateway for this shard")
            return None
        return await self._send(session, event, data)

    async def dispatch_message(self, event: str, message: FakeMessage, *,
                               required: bool) -> DispatchedEvent | None:
        """MESSAGE_CREATE/UPDATE/DELETE, if the session's intents let it see the message."""
        session = self._session_for(message.guild_id)
        if session is None:
            return await self.dispatch(event, None, message.guild_id, required=required)
        needed = Intent.DIRECT_MESSAGES if message.guild_id is None else Intent.GUILD_MESSAGES
        if not session.intents & needed:
            return None
        if event == "MESSAGE_DELETE":
            data: JSON = {"id": str(message.id), "channel_id": str(message.channel_id)}
            if message.guild_id is not None:
                data["guild_id"] = str(message.guild_id)
        else:
            data = self.payloads.message(message, intents=session.intents, gateway=True)
        return await self._send(session, event, data)

    async def echo(self, event: str, message: FakeMessage) -> None:
        """Send the bot's own (non-ephemeral) message events back, as Discord does."""
        if not message.ephemeral:
            await self.dispatch_message(event, message, required=False)

    async def disconnect(self, *, shard_id: int | None, code: int, invalidate: bool) -> None:
        """Drop the connection of every session (or one shard's)."""
        for session in list(self._shards.values()):
            if shard_id is not None and session.shard_id != shard_id:
                continue
            session.invalidated = session.invalidated or invalidate
            conn, session.connection = session.connection, None
            if conn is not None:
                with contextlib.suppress(ConnectionError):
                    await conn.ws.close(code=code, message=b"Disconnected by test")
        self.changes.notify()

    async def close_all(self) -> None:
        """Close every connection (the fake is stopping)."""
        for conn in list(self._connections):
            with contextlib.suppress(ConnectionError):
                await conn.ws.close(code=1001, message=b"Going away")

    def connected_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every session with an open connection."""
        return sorted((s.shard_id, s.shard_count) for s in self._shards.values()
                      if s.connection is not None and not s.connection.ws.closed)
