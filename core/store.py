"""Per-chat state in Redis: the NemoVideo identity and session, and the chat's queue.

State is loaded only after the chat's lock is taken, and saved before it is
released, so no process ever works from a stale copy.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import SecretStr
from redis.asyncio import Redis
from redis.typing import EncodableT, FieldT

from core.keys import Keys
from core.locks import ChatLock
from core.messages import AttachmentCodec, ChatKey, IncomingMessage
from core.nemo.draft import Draft
from core.nemo.models import Credentials

#: how long an identity (client id, token) is kept after the chat's last message
IDENTITY_TTL = 90 * 24 * 3600


@dataclass
class Identity:
    """Who the chat is to NemoVideo.

    `kind` is "anonymous" (a token minted for the chat's own client id) or
    "linked" (a user's own token, from /link). With an operator token set,
    no identity is stored at all.
    """

    client_id: str = ""
    token: SecretStr | None = None
    user_id: str | None = None
    kind: str = "anonymous"

    def credentials(self) -> Credentials | None:
        """The bearer credentials, when there is a token."""
        if self.token is None:
            return None
        return Credentials(self.token, self.user_id)


@dataclass
class InFlight:
    """A message handed to the agent and not yet answered (survives restarts)."""

    text: str
    started_at: float
    draft_before: dict[str, Any] = field(default_factory=dict)
    progress_message_id: str | None = None


@dataclass
class ChatSession:
    """The chat's NemoVideo project and conversation state."""

    session_id: str | None = None
    task_id: str | None = None
    claim_token: str | None = None
    language: str = "en"
    draft: dict[str, Any] = field(default_factory=dict)
    inflight: InFlight | None = None

    @property
    def last_draft(self) -> Draft:
        """The last draft we saw, for diffs."""
        return Draft.from_raw(self.draft)


class SessionStore:
    """Reads and writes chats' state; all keys come from `Keys`."""

    def __init__(self, redis: Redis, *, keys: Keys | None = None,
                 idle_ttl: int = 7 * 24 * 3600, lock_ttl: float = 30.0,
                 codec: AttachmentCodec | None = None) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.idle_ttl = idle_ttl
        self.lock_ttl = lock_ttl
        self.codec = codec or AttachmentCodec()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> SessionStore:
        """A store on a new Redis connection pool."""
        return cls(Redis.from_url(url), **kwargs)

    async def close(self) -> None:
        """Close the Redis connection pool."""
        await self.redis.aclose()

    def lock(self, chat: ChatKey) -> ChatLock:
        """The chat's lock (not yet acquired)."""
        return ChatLock(self.redis, self.keys.lock(chat), self.lock_ttl)

    # -- session ---------------------------------------------------------
    async def load(self, chat: ChatKey) -> ChatSession:
        """The chat's session; a new empty one when there is none (or it expired)."""
        data = _text_dict(await self.redis.hgetall(self.keys.session(chat)))
        inflight = json.loads(data["inflight"]) if data.get("inflight") else None
        return ChatSession(
            session_id=data.get("session_id") or None,
            task_id=data.get("task_id") or None,
            claim_token=data.get("claim_token") or None,
            language=data.get("language") or "en",
            draft=json.loads(data["draft"]) if data.get("draft") else {},
            inflight=InFlight(**inflight) if inflight else None,
        )

    async def save(self, chat: ChatKey, session: ChatSession) -> None:
        """Write the whole session and push its idle expiry forward."""
        key = self.keys.session(chat)
        mapping: dict[FieldT, EncodableT] = {
            "session_id": session.session_id or "",
            "task_id": session.task_id or "",
            "claim_token": session.claim_token or "",
            "language": session.language,
            "draft": json.dumps(session.draft),
            "inflight": json.dumps(asdict(session.inflight)) if session.inflight else "",
            "updated_at": str(time.time()),
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, self.idle_ttl)
            if session.inflight:
                pipe.sadd(self.keys.pending_chats(), str(chat))
            await pipe.execute()

    async def forget_session(self, chat: ChatKey) -> None:
        """Drop the project (a new one is made on the next message); identity stays."""
        await self.redis.delete(self.keys.session(chat))

    # -- identity --------------------------------------------------------
    async def load_identity(self, chat: ChatKey) -> Identity:
        """The chat's identity; a fresh client id is made (and kept) when it has none."""
        key = self.keys.identity(chat)
        data = _text_dict(await self.redis.hgetall(key))
        if not data.get("client_id"):
            identity = Identity(client_id=str(uuid.uuid4()))
            await self.save_identity(chat, identity)
            return identity
        token = data.get("token")
        return Identity(
            client_id=data["client_id"],
            token=SecretStr(token) if token else None,
            user_id=data.get("user_id") or None,
            kind=data.get("kind") or "anonymous",
        )

    async def save_identity(self, chat: ChatKey, identity: Identity) -> None:
        """Write the identity (the token is stored: it is what the chat uses)."""
        key = self.keys.identity(chat)
        mapping: dict[FieldT, EncodableT] = {
            "client_id": identity.client_id,
            "token": identity.token.get_secret_value() if identity.token else "",
            "user_id": identity.user_id or "",
            "kind": identity.kind,
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, IDENTITY_TTL)
            await pipe.execute()

    # -- the chat's queue ------------------------------------------------
    async def enqueue(self, message: IncomingMessage) -> int:
        """Append a message to the chat's queue; returns how many are waiting."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self.keys.inbox(message.chat), json.dumps(message.to_dict()))
            pipe.expire(self.keys.inbox(message.chat), self.idle_ttl)
            pipe.sadd(self.keys.pending_chats(), str(message.chat))
            result = await pipe.execute()
        return int(result[0])

    async def next_message(self, chat: ChatKey) -> IncomingMessage | None:
        """Take the oldest queued message, or None."""
        raw = await self.redis.lpop(self.keys.inbox(chat))
        if raw is None or isinstance(raw, list):
            return None
        return IncomingMessage.from_dict(json.loads(raw), self.codec)

    async def queued(self, chat: ChatKey) -> list[IncomingMessage]:
        """The queued messages, oldest first, without taking them."""
        raws = await self.redis.lrange(self.keys.inbox(chat), 0, -1)
        return [IncomingMessage.from_dict(json.loads(r), self.codec) for r in raws]

    async def drop_queue(self, chat: ChatKey) -> int:
        """Empty the chat's queue; returns how many messages were dropped."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.llen(self.keys.inbox(chat))
            pipe.delete(self.keys.inbox(chat))
            result = await pipe.execute()
        return int(result[0])

    async def queue_length(self, chat: ChatKey) -> int:
        """How many messages wait."""
        return int(await self.redis.llen(self.keys.inbox(chat)))

    async def pending_chats(self) -> list[ChatKey]:
        """Chats that had queued or in-flight messages (to resume after a restart)."""
        members = await self.redis.smembers(self.keys.pending_chats())
        return sorted((ChatKey.parse(_text(m)) for m in members), key=str)

    async def done_pending(self, chat: ChatKey) -> None:
        """Unmark a chat once its queue is empty and nothing is in flight."""
        await self.redis.srem(self.keys.pending_chats(), str(chat))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _text_dict(raw: dict[Any, Any]) -> dict[str, str]:
    return {_text(k): _text(v) for k, v in raw.items()}
