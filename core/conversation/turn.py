"""What a handler gets for one step: the message, the chat's session, the language and
the outgoing side that answers it. Collaborators (NemoVideo, renders, ...) are given
to handlers explicitly, not reached through the turn."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from core import i18n
from core.buttons import action_buttons
from core.language_guess import guess_language
from core.messages import ChatKey, IncomingMessage
from core.outgoing import Action, Button, Outgoing, Sent
from core.store import ChatSession

log = logging.getLogger(__name__)

Saver = Callable[[ChatSession], Awaitable[None]]


@dataclass
class Turn:
    """One event of a chat being handled, under the chat's lock.

    `session` is the chat's state, loaded after the lock was taken; handlers
    change it in place (or replace it) and call `persist` when a change must
    survive a crash mid-turn (the dispatcher saves it after the event anyway).
    `out` sends answers as replies to `message`.
    """

    message: IncomingMessage
    session: ChatSession
    lang: str
    out: Outgoing
    saver: Saver
    #: renders this turn started (quotas count them)
    renders_started: int = 0
    #: the step's answer is on its way: what the user sends now comes after it
    answered: bool = False
    #: the chat's current event in Redis says this step may be with the agent (a typed
    #: message): a process that stops meanwhile leaves it to be recovered, never sent
    #: again, without an in-flight record saved before the agent call
    marked_by_event: bool = False
    #: the step's message has gone to the agent (it must never be sent again)
    with_the_agent: bool = False
    #: work that waits until the event is saved: once the answer is out, nothing may
    #: delay the save that says so (a process killed meanwhile would show it again)
    after_save: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    #: the event's later steps are moot (its files were all refused: its words, a caption,
    #: were about them), so they do not run
    rest_moot: bool = False
    #: what an export says instead of starting a render (a quota is used up); an unchanged
    #: draft's finished render is still sent again, which starts none
    render_refusal: str | None = None

    @property
    def chat(self) -> ChatKey:
        """The message's chat."""
        return self.message.chat

    def text(self, key: str, **kwargs: object) -> str:
        """A user-facing text in the turn's language."""
        return i18n.t(self.lang, key, **kwargs)

    def buttons(self, *actions: Action) -> tuple[Button, ...]:
        """Action buttons labelled in the turn's language."""
        return action_buttons(self.lang, *actions)

    async def say(self, key: str, *, buttons: tuple[Button, ...] = (), **kwargs: object) -> Sent:
        """Send a user-facing text."""
        return await self.out.send_text(self.chat, self.text(key, **kwargs), buttons)

    async def send(self, text: str, buttons: tuple[Button, ...] = ()) -> Sent:
        """Send a text as it is."""
        return await self.out.send_text(self.chat, text, buttons)

    async def persist(self) -> None:
        """Save the session now (raises LockLost when the chat's lock is gone)."""
        await self.saver(self.session)


def language_of(message: IncomingMessage, session: ChatSession | None = None) -> str:
    """The one language of the reply to `message`: the message's own when it is clearly
    written in one of ours ("余额" -> zh, "hola" -> es), else the user's (their /language
    choice or their platform's, see `core.conversation.languages`), else the chat's."""
    user = i18n.ui_language(message.user.language or (session.language if session else None))
    return guess_language(message.text, hint=user) or user


async def notify(out: Outgoing, chat: ChatKey, text: str) -> None:
    """Send a notice; a failure is logged (a notice is not worth failing for)."""
    try:
        await out.send_text(chat, text)
    except Exception as exc:
        log.warning("chat %s: a notice could not be sent: %r", chat, exc)
