"""Telling senders that their message waits behind the one being handled.

Notices of one chat are coalesced: messages queued within `window` seconds of
each other get one notice ("Got it. After this: …" for one, "Got it: 3
messages are waiting" for several), sent only for those still waiting when it
goes out, so a burst of messages does not become a burst of notices racing the
answers, and no notice arrives after its message was taken up. "Several" counts
every message of the chat still waiting, not only the batch's. Where the platform
already holds the chat's messages back (`Outgoing.backlog` past `CROWDED` seconds:
a busy group at Telegram's 20 a minute), no notice is sent: it would only take an
answer's place. A notice that cannot be sent is logged, never raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from redis.exceptions import RedisError

from core import i18n
from core.conversation.queueing import queued_text
from core.conversation.turn import language_of, notify
from core.i18n import texts
from core.inbox import ChatEvent, Inbox
from core.messages import ChatKey
from core.outgoing import Outgoing

log = logging.getLogger(__name__)

#: seconds of platform pacing a chat's next message would wait past which notices are
#: left out (each one would delay the answers it announces)
CROWDED = 1.0

texts({
    "queued_many": {
        "en": "Got it: {count} messages are waiting. I'll answer them in order.",
        "zh": "收到：有 {count} 条消息在排队，我会按顺序回复。",
    },
    "queue_full": {
        "en": "{count} messages are already waiting here, so I didn't take this one. "
              "Please send it again once I've answered them.",
        "zh": "这里已经有 {count} 条消息在排队，所以这条没有收下。请等我回复后再发送。",
    },
})


@dataclass
class _Batch:
    """Events of one chat queued within one window, and the task that tells about them."""

    events: list[tuple[ChatEvent, Outgoing]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None


class QueueNotices:
    """Sends the "your message waits" notices of every chat, coalesced per chat."""

    def __init__(self, inbox: Inbox, *, window: float = 0.3,
                 pause: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.inbox = inbox
        self.window = window
        #: how a batch waits out its window (tests hold it until their burst is in)
        self.pause = pause
        self._batches: dict[ChatKey, _Batch] = {}

    async def queued(self, event: ChatEvent, out: Outgoing) -> None:
        """Note that `event` waits; returns once the notice that covers it went out (or
        was not needed)."""
        batch = self._batches.get(event.chat)
        if batch is None:
            batch = self._batches[event.chat] = _Batch()
            batch.task = asyncio.create_task(self._tell(event.chat, batch),
                                             name=f"queue notice {event.chat}")
        batch.events.append((event, out))
        assert batch.task is not None
        await asyncio.shield(batch.task)

    async def refused(self, event: ChatEvent, out: Outgoing) -> None:
        """Tell the sender their message was not taken: the chat's queue is full."""
        lang = language_of(event.message)
        await notify(out, event.chat, i18n.t(lang, "queue_full", count=self.inbox.most))

    async def _tell(self, chat: ChatKey, batch: _Batch) -> None:
        try:
            await self.pause(self.window)
        finally:
            self._batches.pop(chat, None)
        waiting = []
        for event, out in batch.events:
            found, position = await self._position(event)
            if found:
                waiting.append((event, out, position))
        if not waiting:
            return
        event, out, position = waiting[-1]
        if out.backlog(chat) > CROWDED:
            log.debug("chat %s: no queue notice, the platform holds its messages back", chat)
            return
        lang = language_of(event.message)
        if len(waiting) == 1:
            text = queued_text(lang, position, event.message.text)
        else:  # the places count from 0: the last one's place + 1 are waiting
            known = [place + 1 for _, _, place in waiting if place is not None]
            count = max(len(waiting), *known)
            text = i18n.t(lang, "queued_many", count=count)
        await notify(out, chat, text)

    async def _position(self, event: ChatEvent) -> tuple[bool, int | None]:
        """Whether the event still waits, and its place (None: unknown)."""
        try:
            position = await self.inbox.position(event)
        except RedisError as exc:
            log.warning("chat %s: queue position unknown: %r", event.chat, exc)
            return True, None
        return position is not None, position
