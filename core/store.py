"""Per-chat state in Redis: the NemoVideo session (project) and identity, and the lock.

State is loaded only after the chat's lock is taken, and saved before it is
released; a save checks that the lock is still held, so a holder that lost its
lock (expired during a Redis outage, taken over) can never overwrite what the
new holder saved.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import SecretStr
from redis.exceptions import RedisError

from core.access.crypto import TokenCipher, Undecryptable
from core.keys import Keys
from core.locks import ChatLock, LockLost, release_value
from core.messages import ChatKey
from core.nemo.draft import Draft
from core.observed_redis import RedisClient, redis_client

log = logging.getLogger(__name__)

#: how long an identity (client id, token) is kept after the chat's last activity
IDENTITY_TTL = 90 * 24 * 3600

# KEYS: session, lock, identity[, current].  ARGV: lock token ('' = no check), session
# ttl, identity ttl, field, value, ...  Writes the session only while the lock is held,
# keeps the identity as long as the chat is active, and (with a fourth key) marks the
# chat's current event done in the same step, so a crash can never leave an event that
# was answered looking interrupted.
_SAVE = """
if ARGV[1] ~= '' and redis.call('get', KEYS[2]) ~= ARGV[1] then
  return 0
end
redis.call('hset', KEYS[1], unpack(ARGV, 4))
redis.call('expire', KEYS[1], ARGV[2])
redis.call('expire', KEYS[3], ARGV[3])
if KEYS[4] then
  redis.call('del', KEYS[4])
end
return 1
"""


@dataclass
class Identity:
    """Who the chat is to NemoVideo.

    `kind` is "anonymous" (a token minted for the chat's own client id) or
    "linked" (a user's own token, from /link). With an operator token set,
    no token is stored for anonymous chats.
    """

    client_id: str = ""
    token: SecretStr | None = None
    user_id: str | None = None
    kind: str = "anonymous"


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
    #: the options last offered as buttons: {"v": offer number, "options": [texts]}
    choices: dict[str, Any] = field(default_factory=dict)
    #: the project's format: aspect ratio ("9:16"; "" = not chosen) and target length (s)
    aspect: str = ""
    seconds: int = 0
    #: the project's name in /projects (its title, or its first instruction)
    name: str = ""
    #: when `draft` was last read from NemoVideo (or made: a new project's is empty)
    draft_at: float = 0.0

    @property
    def last_draft(self) -> Draft:
        """The last draft we saw, for diffs."""
        return Draft.from_raw(self.draft)


class SessionStore:
    """Reads and writes chats' sessions and identities; all keys come from `Keys`.

    `owner` names this process in the locks it takes (see `ChatLock`). With a
    `cipher`, tokens are stored encrypted (`token_enc`); without one, as they are.
    """

    def __init__(self, redis: RedisClient, *, keys: Keys | None = None,
                 idle_ttl: int = 7 * 24 * 3600, lock_ttl: float = 30.0,
                 owner: str = "", cipher: TokenCipher | None = None) -> None:
        self.redis = redis
        self.cipher = cipher
        self.keys = keys or Keys()
        self.idle_ttl = idle_ttl
        self.lock_ttl = lock_ttl
        self.owner = owner
        self._save = redis.register_script(_SAVE)

    @classmethod
    def from_url(cls, url: str, *, cluster: bool = False, **kwargs: Any) -> SessionStore:
        """A store on a new Redis client (of a Redis Cluster, with `cluster`)."""
        return cls(redis_client(url, cluster=cluster), **kwargs)

    async def close(self) -> None:
        """Close the Redis connection pool."""
        await self.redis.aclose()

    def lock(self, chat: ChatKey) -> ChatLock:
        """The chat's lock (not yet acquired)."""
        return ChatLock(self.redis, self.keys.lock(chat), self.lock_ttl, owner=self.owner)

    async def break_lock(self, chat: ChatKey, value: bytes) -> bool:
        """Delete the chat's lock if its value is still `value` (a holder known to be gone);
        True when deleted."""
        return await release_value(self.redis, self.keys.lock(chat), value)

    async def lock_owner(self, chat: ChatKey) -> bytes | None:
        """The value of the chat's lock key (see `locks.owner_of`), None when free."""
        value = await self.redis.get(self.keys.lock(chat))
        return value if isinstance(value, bytes) or value is None else str(value).encode()

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
            choices=json.loads(data["choices"]) if data.get("choices") else {},
            aspect=data.get("aspect") or "",
            seconds=int(data.get("seconds") or 0),
            name=data.get("name") or "",
            draft_at=float(data.get("draft_at") or 0.0),
        )

    async def save(self, chat: ChatKey, session: ChatSession, *,
                   lock: ChatLock | None = None, finish: bool = False) -> None:
        """Write the whole session and push its idle expiry (and the identity's) forward.

        With `lock`, the write happens only while that lock is held; LockLost otherwise.
        With `finish`, the chat's current event (`Inbox.current`) is done in the same step.
        """
        fields = {
            "session_id": session.session_id or "",
            "task_id": session.task_id or "",
            "claim_token": session.claim_token or "",
            "language": session.language,
            "draft": json.dumps(session.draft),
            "inflight": json.dumps(asdict(session.inflight)) if session.inflight else "",
            "choices": json.dumps(session.choices) if session.choices else "",
            "aspect": session.aspect,
            "seconds": str(session.seconds),
            "name": session.name,
            "draft_at": str(session.draft_at),
            "updated_at": str(time.time()),
        }
        args: list[str | int] = [lock.token if lock is not None else "", self.idle_ttl,
                                 IDENTITY_TTL]
        for name, value in fields.items():
            args += [name, value]
        keys = [self.keys.session(chat), self.keys.lock(chat), self.keys.identity(chat)]
        if finish:
            keys.append(self.keys.current(chat))
        if not await self._save(keys=keys, args=args):
            raise LockLost(str(chat))

    async def save_patiently(self, chat: ChatKey, session: ChatSession, *, lock: ChatLock,
                             finish: bool, patience: float) -> None:
        """`save`, retried through a Redis outage for up to `patience` seconds; the last
        error is logged and raised."""
        loop = asyncio.get_running_loop()
        delay, deadline = 0.1, loop.time() + patience
        while True:
            try:
                await self.save(chat, session, lock=lock, finish=finish)
                return
            except RedisError as exc:
                if loop.time() + delay > deadline:
                    log.error("chat %s: the session could not be saved: %r", chat, exc)
                    raise
                log.warning("chat %s: saving the session failed (%r); retrying", chat, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

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
        token, rewrite = self._token_of(chat, data)
        identity = Identity(
            client_id=data["client_id"],
            token=SecretStr(token) if token else None,
            user_id=data.get("user_id") or None,
            kind=data.get("kind") or "anonymous",
        )
        if rewrite:
            await self.save_identity(chat, identity)
        return identity

    def _token_of(self, chat: ChatKey, data: dict[str, str]) -> tuple[str | None, bool]:
        """The stored token, and whether to write it again (under the first key, or
        encrypted for the first time)."""
        sealed = data.get("token_enc")
        if not sealed:
            plain = data.get("token") or None
            return plain, bool(plain and self.cipher is not None)
        if self.cipher is None:
            log.warning("chat %s: its NemoVideo token is encrypted but SECRET_KEY is not set",
                        chat)
            return None, False
        try:
            return self.cipher.decrypt(sealed)
        except Undecryptable:
            log.warning("chat %s: no SECRET_KEY key opens its NemoVideo token", chat)
            return None, False

    async def save_identity(self, chat: ChatKey, identity: Identity) -> None:
        """Write the identity (the token is stored, encrypted when there is a cipher: it is
        what the chat uses)."""
        key = self.keys.identity(chat)
        token = identity.token.get_secret_value() if identity.token else ""
        sealed = self.cipher.encrypt(token) if token and self.cipher is not None else ""
        mapping: dict[str, str] = {
            "client_id": identity.client_id,
            "token": "" if sealed else token,
            "token_enc": sealed,
            "user_id": identity.user_id or "",
            "kind": identity.kind,
        }
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(key, IDENTITY_TTL)
            await pipe.execute()


def text_of(value: bytes | str) -> str:
    """A Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else value


def _text_dict(raw: dict[Any, Any]) -> dict[str, str]:
    return {text_of(k): text_of(v) for k, v in raw.items()}
