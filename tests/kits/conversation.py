"""Building the conversation dispatcher against a real Redis and the simulator, for tests."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import AnyHttpUrl, SecretStr

from core.collecting import CollectingOutput
from core.conversation.build import build_dispatcher
from core.conversation.cancel import IsAdmin
from core.conversation.dispatcher import Dispatcher
from core.conversation.middleware import Middleware
from core.identity import Identities
from core.inbox import Inbox
from core.locks import ChatLock
from core.messages import Attachment, ChatKey, IncomingMessage, User
from core.nemo.client import NemoClient
from core.renders import Renders, RenderWorker
from core.settings import Settings
from core.signals import ChatSignals
from core.simulator import Simulator
from core.store import SessionStore
from tests.kits.renders import OPERATOR_TOKEN, running

FAST = {
    "edit_interval": 0.0,
    "still_working_interval": 60.0,
    "recovery_first_wait": 0.0,
    "recovery_wait": 0.0,
    "nemo_retry_backoff": 0.0,
    "nemo_rate_limit_wait": 0.0,
    "nemo_heartbeat_timeout": 5.0,
    "render_first_poll": 0.05,
    "render_poll_max": 0.2,
    "render_claim_idle": 1.0,
}


def test_settings(simulator: Simulator, **overrides: Any) -> Settings:
    """Settings pointing at the simulator, with fast schedules."""
    values: dict[str, Any] = {**FAST, "nemo_api_url": AnyHttpUrl(simulator.base_url), **overrides}
    if isinstance(values.get("nemo_token"), str):
        values["nemo_token"] = SecretStr(values["nemo_token"])
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Recorded:
    """Waits recorded instead of slept."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class Kit:
    """A dispatcher with its pieces, as a test uses them."""

    dispatcher: Dispatcher
    out: CollectingOutput
    sessions: SessionStore
    inbox: Inbox
    nemo: NemoClient
    simulator: Simulator
    sleeps: Recorded
    renders: Renders | None = None
    counter: int = 0

    async def say(self, text: str = "", *, chat: ChatKey | None = None,
                  attachments: tuple[Attachment, ...] = (), language: str | None = "en",
                  private: bool = True, user: User | None = None) -> None:
        """Send one message and wait until it is handled."""
        await self.dispatcher.handle(self.message(text, chat=chat, attachments=attachments,
                                              language=language, private=private,
                                              user=user))

    def message(self, text: str = "", *, chat: ChatKey | None = None,
                attachments: tuple[Attachment, ...] = (), language: str | None = "en",
                private: bool = True, user: User | None = None) -> IncomingMessage:
        """A message from the test user (Ada, unless `user` says who)."""
        # ids never repeat, as on a platform: a chat's queue takes each message id once
        self.counter = next(_MESSAGE_IDS)
        sender = user or User("u1", "Ada", language)
        return IncomingMessage(chat or CHAT, sender, str(self.counter), text, attachments,
                               is_private=private)

    def held_elsewhere(self, chat: ChatKey | None = None) -> ChatLock:
        """The chat's lock as another process would take it (not yet acquired)."""
        return ChatLock(self.sessions.redis, self.sessions.keys.lock(chat or CHAT),
                        self.sessions.lock_ttl, owner="another-process")

    def kinds(self) -> list[str]:
        """The simulator's request log, as request kinds."""
        return [r["kind"] for r in self.simulator.requests]

    def last(self, chat: ChatKey | None = None) -> str:
        """The final text of the last message sent."""
        return self.out.texts(chat or CHAT)[-1]


CHAT = ChatKey("test", "100")
_INSTANCES = itertools.count(1)
_MESSAGE_IDS = itertools.count(1)


@contextlib.asynccontextmanager
async def kit(simulator: Simulator, redis_url: str, *, out: CollectingOutput | None = None,
              renders: bool = False, middlewares: Sequence[Middleware] = (),
              link_enabled: bool = True, is_admin: IsAdmin | None = None,
              **overrides: Any) -> AsyncIterator[Kit]:
    """A dispatcher (with its own client and Redis connections, like a process of its
    own) against the simulator; with `renders`, also its render jobs and a running render
    worker (the simulator then takes the operator token); `middlewares` come where the
    access middlewares do."""
    if renders:
        simulator.config.operator_tokens = [OPERATOR_TOKEN]
        overrides = {"nemo_token": OPERATOR_TOKEN, **overrides}
    settings = test_settings(simulator, **overrides)
    instance = f"test-{next(_INSTANCES)}"
    sessions = SessionStore.from_url(redis_url, lock_ttl=settings.chat_lock_ttl, owner=instance)
    inbox = Inbox(sessions.redis, most=settings.chat_queue_max)
    sleeps = Recorded()
    nemo = NemoClient(settings, sleep=sleeps)
    output = out or CollectingOutput()
    identities = Identities(sessions, nemo, settings.nemo_token)
    jobs = Renders(sessions.redis, nemo, identities, output) if renders else None
    dispatcher = build_dispatcher(
        settings, sessions=sessions, inbox=inbox, nemo=nemo, identities=identities,
        out=output, renders=jobs, signals=ChatSignals(sessions.redis, instance, poll=0.2),
        sleep=sleeps, middlewares=middlewares, link_enabled=link_enabled, is_admin=is_admin)
    async with contextlib.AsyncExitStack() as stack:
        if jobs is not None:
            worker = RenderWorker(CHAT.platform, instance, output, redis=sessions.redis,
                                  nemo=nemo, identities=identities, settings=settings)
            await stack.enter_async_context(running(worker))
        try:
            yield Kit(dispatcher, output, sessions, inbox, nemo, simulator, sleeps, jobs)
        finally:
            await dispatcher.stop(5.0)
            await stack.aclose()
            await nemo.aclose()
            await sessions.close()
