"""Each chat's queue of events in Redis, and the event being handled.

An event is a message with the steps the router read from it (routed once, on
arrival). Events wait in the chat's inbox list; the lock holder moves the
oldest one to the chat's `current` list (atomically, LMOVE) and deletes it
there once handled. A process that dies mid-event leaves it in `current`,
so the next holder knows exactly what was interrupted. Chats with queued or
current events are listed in one set, so any process can find them after a
restart or once a dead holder's lock expires.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

from core.intents import Step, route
from core.keys import Keys
from core.messages import AttachmentCodec, ChatKey, IncomingMessage
from core.observed_redis import RedisClient, with_script
from core.store import text_of

#: how many events may wait in one chat's queue by default (CHAT_QUEUE_MAX)
QUEUE_MAX = 20
#: how many of a chat's latest message ids are remembered, to take each message once
REMEMBERED = 200

# KEYS: inbox, taken ids.  ARGV: event, expiry (s), most events waiting, message id ("":
# none), ids remembered.  The new length; -1 (nothing added) when the queue is full; -2
# when the message id was taken before.
_PUSH = """
if ARGV[4] ~= '' and redis.call('zscore', KEYS[2], ARGV[4]) then
  return -2
end
if redis.call('llen', KEYS[1]) >= tonumber(ARGV[3]) then
  return -1
end
local n = redis.call('rpush', KEYS[1], ARGV[1])
redis.call('expire', KEYS[1], ARGV[2])
if ARGV[4] ~= '' then
  local t = redis.call('time')
  redis.call('zadd', KEYS[2], tonumber(t[1]) * 1000000 + tonumber(t[2]), ARGV[4])
  redis.call('zremrangebyrank', KEYS[2], 0, -tonumber(ARGV[5]) - 1)
  redis.call('expire', KEYS[2], ARGV[2])
end
return n
"""


class InboxFull(Exception):
    """The chat already has as many events waiting as it may (`Inbox.most`)."""


class AlreadyTaken(Exception):
    """The chat's queue took this message (its id) before: the platform sent it again."""


@dataclass(frozen=True)
class ChatEvent:
    """A message and the steps it asks for; `done` steps of it are already handled."""

    message: IncomingMessage
    steps: tuple[Step, ...]
    done: int = 0

    @classmethod
    def of(cls, message: IncomingMessage) -> ChatEvent:
        """Route a message (the only place a message is routed)."""
        return cls(message, tuple(route(message.text, bool(message.attachments))))

    @property
    def chat(self) -> ChatKey:
        """The event's chat."""
        return self.message.chat

    @property
    def remaining(self) -> tuple[Step, ...]:
        """The steps not handled yet."""
        return self.steps[self.done:]

    def advanced(self, done: int) -> ChatEvent:
        """The same event with `done` steps handled."""
        return dataclasses.replace(self, done=done)

    def to_json(self) -> str:
        """The stored form (the platform's `raw` payload is not kept)."""
        return json.dumps({"message": self.message.to_dict(),
                           "steps": [s.to_dict() for s in self.steps], "done": self.done})

    @classmethod
    def from_json(cls, raw: bytes | str, codec: AttachmentCodec) -> ChatEvent:
        """Inverse of `to_json`."""
        data: dict[str, Any] = json.loads(raw)
        return cls(IncomingMessage.from_dict(data["message"], codec),
                   tuple(Step.from_dict(s) for s in data["steps"]), int(data.get("done", 0)))


class Inbox:
    """The chats' event queues; all keys come from `Keys`."""

    def __init__(self, redis: RedisClient, *, keys: Keys | None = None,
                 idle_ttl: int = 7 * 24 * 3600, codec: AttachmentCodec | None = None,
                 most: int = QUEUE_MAX) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.idle_ttl = idle_ttl
        self.codec = codec or AttachmentCodec()
        self.most = most
        self._push = redis.register_script(_PUSH)
        # chats whose unmarking may have happened without the look that follows it
        self._unsure: set[ChatKey] = set()

    async def push(self, event: ChatEvent) -> int:
        """Append an event to its chat's queue; returns how many are waiting.

        Raises InboxFull when `most` events wait already, AlreadyTaken when the chat's
        queue took a message with this id before (a platform sending it again: a webhook
        whose answer was lost); nothing is added then, and the chat is marked (its first
        arrival may be queued still, by a process that died before marking it).
        """
        chat = event.chat
        # The chat is marked in the same round trip, after the event is queued (on one
        # Redis; on a cluster the two run on their nodes at once): a holder settling the
        # chat meanwhile may have unmarked it before it could see the event (see
        # `settle`). Two commands rather than one script: the set and the queue are in
        # different slots. A process that dies before the mark leaves the event queued
        # but unmarked: the chat's next message, or the platform sending this one again,
        # marks it. A chat whose queue is full is marked too: it has events waiting.
        pending = self.keys.pending_chats()
        answers = await with_script(
            self.redis, self._push, [self.keys.inbox(chat), self.keys.taken(chat)],
            [event.to_json(), self.idle_ttl, self.most, event.message.message_id,
             REMEMBERED], lambda pipe: pipe.sadd(pending, str(chat)))
        waiting = int(answers[0])
        if waiting == -2:
            raise AlreadyTaken(f"{chat} {event.message.message_id}")
        if waiting < 0:
            raise InboxFull(str(chat))
        return waiting

    async def position(self, event: ChatEvent) -> int | None:
        """Where a queued event waits (0: next), or None when it is no longer queued."""
        found = await self.redis.lpos(self.keys.inbox(event.chat), event.to_json())
        return found if isinstance(found, int) else None

    async def take(self, chat: ChatKey) -> ChatEvent | None:
        """Move the oldest queued event to the chat's `current` list and return it."""
        raw = await self.redis.lmove(self.keys.inbox(chat), self.keys.current(chat),
                                     "LEFT", "RIGHT")
        if raw is None:
            return None
        await self.redis.expire(self.keys.current(chat), self.idle_ttl)
        return ChatEvent.from_json(raw, self.codec)

    async def current(self, chat: ChatKey) -> ChatEvent | None:
        """The event a previous holder was handling when it stopped, if any."""
        raw = await self.redis.lindex(self.keys.current(chat), 0)
        return ChatEvent.from_json(raw, self.codec) if raw is not None else None

    async def advance(self, event: ChatEvent) -> None:
        """Record that the event's first `done` steps are handled."""
        await self.redis.lset(self.keys.current(event.chat), 0, event.to_json())

    async def finish(self, chat: ChatKey) -> None:
        """The current event is handled."""
        await self.redis.delete(self.keys.current(chat))

    async def drop(self, chat: ChatKey) -> int:
        """Empty the chat's queue; returns how many events were dropped."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.llen(self.keys.inbox(chat))
            pipe.delete(self.keys.inbox(chat))
            result = await pipe.execute()
        return int(result[0])

    async def length(self, chat: ChatKey) -> int:
        """How many events wait."""
        return int(await self.redis.llen(self.keys.inbox(chat)))

    async def pending_chats(self) -> list[ChatKey]:
        """Chats with queued or interrupted events (and those this process unmarked
        without knowing whether one was queued meanwhile: see `settle`)."""
        for chat in sorted(self._unsure, key=str):
            await self.redis.sadd(self.keys.pending_chats(), str(chat))
            self._unsure.discard(chat)
        members = await self.redis.smembers(self.keys.pending_chats())
        return sorted((ChatKey.parse(text_of(m)) for m in members), key=str)

    async def settle(self, chat: ChatKey) -> bool:
        """Unmark the chat when nothing waits and nothing is current; True when done.

        Call it after releasing the chat's lock: an event queued meanwhile is then
        either seen here (the chat is marked again) or taken by its sender, who finds
        the lock free (`push` marks the chat again once the event is queued). The
        unmarking and the look go in one round trip: on one Redis in that order; on a
        cluster each on its node, so an event queued between them may lose its mark,
        its sender taking it all the same (only that sender dying before it is done
        leaves it to the chat's next message). A Redis failure between the unmarking and
        the look leaves the chat to be marked again by the next `pending_chats` (the
        sweep's).
        """
        # Until the second look is done, the chat may be unmarked with an event queued:
        # if Redis fails meanwhile, it is marked again once Redis answers.
        self._unsure.add(chat)
        async with self.redis.pipeline(transaction=False) as pipe:  # one round trip
            pipe.srem(self.keys.pending_chats(), str(chat))
            pipe.exists(self.keys.inbox(chat), self.keys.current(chat))
            _, waiting = await pipe.execute()
        if waiting:
            await self.redis.sadd(self.keys.pending_chats(), str(chat))
            self._unsure.discard(chat)
            return False
        self._unsure.discard(chat)
        return True
