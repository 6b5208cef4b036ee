"""Who may use the bot: ALLOW, BLOCK and ADMINS, plus what admins change at run time.

A message carries a few entries: its sender (`telegram:user:5`), its chat
(`telegram:chat:-100`, `discord:channel:9`, and a thread's own id), and on
Discord its guild and the sender's roles. A message is refused when one of
them is blocked (BLOCK or `/block`, unless lifted by `/unblock`), or when the
allow list (ALLOW plus `/allow`) is not empty and none of them is on it.
Admins (ADMINS) are never refused. The lists changed at run time live in
Redis, shared by every process; each process reads them again at most every
`LISTS_FRESH` seconds (a change made through it applies at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from core.fresh import Fresh
from core.keys import Keys
from core.messages import IncomingMessage
from core.observed_redis import RedisClient
from core.store import text_of

#: seconds the run-time lists are kept before they are read again
LISTS_FRESH = 5.0


def user_entry(message: IncomingMessage) -> str:
    """The sender's entry (`telegram:user:5`)."""
    return f"{message.chat.platform}:user:{message.user.id}"


def chat_entry(message: IncomingMessage) -> str:
    """The chat's entry: `discord:channel:<id>` on Discord (a thread counts as its
    parent channel), `<platform>:chat:<id>` elsewhere."""
    kind = "channel" if message.chat.platform == "discord" else "chat"
    return f"{message.chat.platform}:{kind}:{message.chat.chat_id}"


def group_of(message: IncomingMessage) -> str | None:
    """The chat's entry when the message was sent in a group (a Telegram group, a Discord
    server channel, also through a command answered privately there), else None."""
    if message.is_private and message.origin.guild_id is None:
        return None
    return chat_entry(message)


def entries_of(message: IncomingMessage) -> frozenset[str]:
    """Every entry a message matches."""
    platform = message.chat.platform
    found = {user_entry(message), chat_entry(message)}
    if platform == "discord" and message.chat.thread_id is not None:
        found.add(f"discord:channel:{message.chat.thread_id}")
    if message.origin.guild_id is not None:
        found.add(f"{platform}:guild:{message.origin.guild_id}")
    found.update(f"{platform}:role:{role}" for role in message.origin.role_ids)
    return frozenset(found)


class Verdict(StrEnum):
    """What the rules say about a message."""

    ADMIN = "admin"
    ALLOWED = "allowed"
    BLOCKED = "blocked"
    NOT_ALLOWED = "not_allowed"

    @property
    def refused(self) -> bool:
        """True when nothing of the message may go further."""
        return self in (Verdict.BLOCKED, Verdict.NOT_ALLOWED)


@dataclass(frozen=True)
class Lists:
    """The lists in force: the settings' and the run-time changes."""

    allow: frozenset[str] = field(default_factory=frozenset)
    block: frozenset[str] = field(default_factory=frozenset)
    #: run-time additions, for /admin
    added_allow: frozenset[str] = field(default_factory=frozenset)
    added_block: frozenset[str] = field(default_factory=frozenset)
    unblocked: frozenset[str] = field(default_factory=frozenset)


class AccessRules:
    """The lists of the settings plus the changes admins made (in Redis)."""

    def __init__(self, redis: RedisClient, keys: Keys, *, allow: tuple[str, ...] = (),
                 block: tuple[str, ...] = (), admins: tuple[str, ...] = (),
                 trust_everyone: bool = False) -> None:
        self.redis = redis
        self.keys = keys
        self.allow = frozenset(allow)
        self.block = frozenset(block)
        self.admins = frozenset(admins)
        self.trust_everyone = trust_everyone
        self._stored: Fresh[tuple[frozenset[str], ...]] = Fresh(self._read, LISTS_FRESH)

    def is_admin(self, message: IncomingMessage) -> bool:
        """Whether the sender is in ADMINS (everyone is, with `trust_everyone`: the
        terminal chat, whose user runs the bot)."""
        return self.trust_everyone or user_entry(message) in self.admins

    async def _read(self) -> tuple[frozenset[str], ...]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for name in ("allow", "block", "unblocked"):
                pipe.smembers(self.keys.access_list(name))
            return tuple(frozenset(text_of(v) for v in found) for found in await pipe.execute())

    async def lists(self) -> Lists:
        """The lists in force now (see `LISTS_FRESH`)."""
        allow, block, unblocked = await self._stored.get()
        return Lists(allow=self.allow | allow, block=(self.block | block) - unblocked,
                     added_allow=allow, added_block=block, unblocked=unblocked)

    async def verdict(self, message: IncomingMessage) -> Verdict:
        """What the rules say about `message`."""
        if self.is_admin(message):
            return Verdict.ADMIN
        lists = await self.lists()
        entries = entries_of(message)
        if entries & lists.block:
            return Verdict.BLOCKED
        if lists.allow and not entries & lists.allow:
            return Verdict.NOT_ALLOWED
        return Verdict.ALLOWED

    async def add_allow(self, entry: str) -> None:
        """Put `entry` on the allow list."""
        await self.redis.sadd(self.keys.access_list("allow"), entry)
        self._stored.forget()

    async def add_block(self, entry: str) -> None:
        """Block `entry` (also when /unblock had lifted its BLOCK setting)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(self.keys.access_list("block"), entry)
            pipe.srem(self.keys.access_list("unblocked"), entry)
            await pipe.execute()
        self._stored.forget()

    async def unblock(self, entry: str) -> bool:
        """Lift a block of `entry` (from /block or BLOCK); False when it was not blocked."""
        removed = int(await self.redis.srem(self.keys.access_list("block"), entry))
        self._stored.forget()
        if entry in self.block:
            added = int(await self.redis.sadd(self.keys.access_list("unblocked"), entry))
            self._stored.forget()
            return bool(removed or added)
        return bool(removed)
