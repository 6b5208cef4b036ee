"""Per-chat state in Redis: the NemoVideo session (project) and identity (their records:
`core.session`), and the lock.

State is loaded only after the chat's lock is taken, and saved before it is
released; a save checks that the lock is still held, so a holder that lost its
lock (expired during a Redis outage, taken over) can never overwrite what the
new holder saved.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from redis.exceptions import RedisError

from core.access.crypto import TokenCipher, Undecryptable
from core.keys import Keys
from core.locks import ChatLock, LockLost, release_value
from core.messages import ChatKey
from core.observed_redis import RedisClient, redis_client
from core.session import ChatSession, Identity, InFlight, session_fields, session_of

# the records the store reads and writes are part of its interface: callers import them here
__all__ = ["IDENTITY_TTL", "ChatSession", "Identity", "InFlight", "Opened", "SessionStore",
           "text_of"]

log = logging.getLogger(__name__)

#: how long an identity (client id, token) is kept after the chat's last activity
IDENTITY_TTL = 90 * 24 * 3600

# KEYS: session, lock, identity[, current[, inbox]].  ARGV: lock token ('' = no check),
# session ttl, identity ttl, this save's mark, field, value, ...  Writes the session only
# while the lock is held, keeps the identity as long as the chat is active (the expiries
# move with the last save of each event, and when a save makes the session), and (with
# a fourth key) marks the chat's current event done in the same step, so a crash can
# never leave an event that was answered looking interrupted. With a fifth key it also releases
# the lock when no event waits. Returns 0 (the lock is not held), 1 (saved) or 2 (saved
# and released; also when an earlier try of the same save, its mark in the session,
# released it and its answer was lost).
_SAVE = """
if ARGV[1] ~= '' and redis.call('get', KEYS[2]) ~= ARGV[1] then
  if KEYS[5] and redis.call('hget', KEYS[1], 'saved') == ARGV[4] then
    return 2
  end
  return 0
end
local made = redis.call('hset', KEYS[1], 'saved', ARGV[4], unpack(ARGV, 5))
if KEYS[4] or made > 0 then
  redis.call('expire', KEYS[1], ARGV[2])
  redis.call('expire', KEYS[3], ARGV[3])
end
if KEYS[4] then
  redis.call('del', KEYS[4])
end
if KEYS[5] and redis.call('llen', KEYS[5]) == 0 then
  redis.call('del', KEYS[2])
  return 2
end
return 1
"""

# KEYS: lock, session, identity, current, inbox.  ARGV: lock token, lock ttl (ms), current
# ttl (s).  Takes the chat's lock when it is free (else returns nothing) and, in the same
# step, reads the session and the identity and the event a stopped holder left in
# `current`; when there is none, the inbox's oldest event is moved to `current` (taken).
_OPEN = """
if not redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return false
end
local event = redis.call('lindex', KEYS[4], 0)
local taken = 0
if not event then
  event = redis.call('lmove', KEYS[5], KEYS[4], 'LEFT', 'RIGHT')
  if event then
    redis.call('expire', KEYS[4], ARGV[3])
    taken = 1
  end
end
return {redis.call('hgetall', KEYS[2]), redis.call('hgetall', KEYS[3]), event or '', taken}
"""


@dataclass(frozen=True)
class Opened:
    """What taking a chat's lock found: its session, and the stored event that is either
    interrupted (left by a stopped holder) or `taken` from the inbox just now."""

    session: ChatSession
    event: bytes | None
    taken: bool


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
        self._open = redis.register_script(_OPEN)
        #: the chats' latest locks, and the identity read while each is held
        self._locks: weakref.WeakValueDictionary[ChatKey, ChatLock] = (
            weakref.WeakValueDictionary())
        self._identities: weakref.WeakKeyDictionary[ChatLock, Identity] = (
            weakref.WeakKeyDictionary())

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

    async def open(self, chat: ChatKey, lock: ChatLock, *, event_ttl: int) -> Opened | None:
        """Take the chat's lock and read what its holder needs, in one step (see `_OPEN`);
        None when another holder has the lock. A taken event stays in `current` for
        `event_ttl` seconds unless done. While the lock is held, the identity read here
        is the chat's (`load_identity` reads it no more)."""
        keys = [self.keys.lock(chat), self.keys.session(chat), self.keys.identity(chat),
                self.keys.current(chat), self.keys.inbox(chat)]
        found = await self._open(keys=keys, args=[lock.token, lock.ttl_ms, event_ttl])
        if not lock.taken(bool(found)):
            return None
        session, identity, event, taken = found
        self._locks[chat] = lock
        self._identities[lock] = await self._identity_of(chat, _pairs(identity))
        raw = event.encode() if isinstance(event, str) else event
        return Opened(session_of(_pairs(session)), raw or None, bool(taken))

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
        return session_of(_text_dict(await self.redis.hgetall(self.keys.session(chat))))

    async def save(self, chat: ChatKey, session: ChatSession, *,
                   lock: ChatLock | None = None, finish: bool = False,
                   release: bool = False, mark: str = "") -> None:
        """Write the whole session and push its idle expiry (and the identity's) forward.

        With `lock`, the write happens only while that lock is held; LockLost otherwise.
        With `finish`, the chat's current event (`Inbox.current`) is done in the same step;
        with `release` too, the lock is released in that step when no event waits (then
        `ChatLock.released`). `mark` tells tries of one save apart from other saves (a
        try whose answer was lost may have released the lock).
        """
        args: list[str | int] = [lock.token if lock is not None else "", self.idle_ttl,
                                 IDENTITY_TTL, mark or secrets.token_hex(8)]
        for name, value in session_fields(session).items():
            args += [name, value]
        keys = [self.keys.session(chat), self.keys.lock(chat), self.keys.identity(chat)]
        if finish:
            keys.append(self.keys.current(chat))
            if release and lock is not None:
                keys.append(self.keys.inbox(chat))
        if len(keys) == 5 and lock is not None:
            with lock.releasing():
                saved = int(await self._save(keys=keys, args=args))
        else:
            saved = int(await self._save(keys=keys, args=args))
        if not saved:
            raise LockLost(str(chat))
        if saved == 2 and lock is not None:
            await lock.released()

    async def save_patiently(self, chat: ChatKey, session: ChatSession, *, lock: ChatLock,
                             finish: bool, patience: float, release: bool = False) -> None:
        """`save`, retried through a Redis outage for up to `patience` seconds; the last
        error is logged and raised."""
        loop = asyncio.get_running_loop()
        delay, deadline = 0.1, loop.time() + patience
        mark = secrets.token_hex(8)
        while True:
            try:
                await self.save(chat, session, lock=lock, finish=finish, release=release,
                                mark=mark)
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
        """The chat's identity; a fresh client id is made when it has none (kept once it
        is used: `save_identity`). Read once per event while this process holds the
        chat's lock, then kept."""
        lock = self._locks.get(chat)
        if lock is not None and lock.held and (kept := self._identities.get(lock)):
            return dataclasses.replace(kept)
        identity = await self._identity_of(
            chat, _text_dict(await self.redis.hgetall(self.keys.identity(chat))))
        if lock is not None and lock.held:
            self._identities[lock] = identity
        return dataclasses.replace(identity)

    def forget_identity(self, chat: ChatKey) -> None:
        """Read the chat's identity again at its next use (another event begins)."""
        lock = self._locks.get(chat)
        if lock is not None:
            self._identities.pop(lock, None)

    async def _identity_of(self, chat: ChatKey, data: dict[str, str]) -> Identity:
        """The identity of its stored hash; a new one (a fresh client id, written when a
        token is minted for it: `Identities`) when it has no client id."""
        if not data.get("client_id"):
            return Identity(client_id=str(uuid.uuid4()))
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
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping=mapping)  # type: ignore[arg-type]
            pipe.expire(key, IDENTITY_TTL)
            await pipe.execute()
        lock = self._locks.get(chat)
        if lock is not None and lock in self._identities:
            self._identities[lock] = dataclasses.replace(identity)


def text_of(value: bytes | str) -> str:
    """A Redis reply as text."""
    return value.decode() if isinstance(value, bytes) else value


def _pairs(raw: Any) -> dict[str, str]:
    """A hash as a script returns it (a flat list of fields and values), as text."""
    if isinstance(raw, dict):
        return _text_dict(raw)
    return {text_of(raw[i]): text_of(raw[i + 1]) for i in range(0, len(raw) - 1, 2)}


def _text_dict(raw: dict[Any, Any]) -> dict[str, str]:
    return {text_of(k): text_of(v) for k, v in raw.items()}
