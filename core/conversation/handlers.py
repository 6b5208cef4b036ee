"""One small handler per intent, each given exactly the collaborators it uses.

`build_handlers` makes the table the dispatcher runs under the chat's lock;
`link` runs when its message arrives, before any queue (its text holds a token
that must never wait in Redis or be echoed).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Protocol

from pydantic import SecretStr

from core.conversation.formats import format_buttons
from core.conversation.help import help_
from core.conversation.projects import Projects
from core.conversation.relay import Relay
from core.conversation.turn import Turn
from core.conversation.uploads import Uploader
from core.conversation.welcome import start
from core.identity import Identities
from core.intents import Intent, Step
from core.messages import ChatKey, User
from core.nemo import errors
from core.nemo.api import NemoApi
from core.outgoing import Action, Outgoing, Sent
from core.store import ChatSession, SessionStore

log = logging.getLogger(__name__)

Handler = Callable[[Turn, Step], Awaitable[None]]

_TOKEN = re.compile(r"^nmv_[A-Za-z0-9_\-]{6,}$")

#: the buttons under a greeting or a status (labelled per turn: `Turn.buttons`)
RESULT_ACTIONS = (Action.EXPORT, Action.STATUS, Action.CREDITS, Action.NEW)


class ExportOutcome(Protocol):
    """What an export did, as far as the conversation cares."""

    @property
    def started(self) -> bool:
        """True when a new render was started."""


class RenderService(Protocol):
    """What the handlers need of the render jobs (`core.renders.Renders`)."""

    async def export(self, chat: ChatKey, user: User, session: ChatSession,
                     language: str | None = None, progress_message: Sent | None = None, *,
                     reply_to: str | None = None, request: str = "",
                     refusal: str | None = None) -> ExportOutcome:
        """Start rendering the chat's project and report progress to the chat; run again
        for the same `request`, find the render it started instead of starting another.
        With `refusal`, start none: say it, unless an unchanged draft's render serves."""

    async def active_count(self, chat: ChatKey) -> int:
        """How many renders of the chat are not finished."""

    async def cancel_chat(self, chat: ChatKey, *, by: str = "") -> int:
        """Cancel the chat's unfinished renders (with `by`, a user id, those that user
        asked for); returns how many."""

    async def cancel_job(self, chat: ChatKey, job_id: str, *, by: str = "") -> str:
        """Cancel one render of the chat: "cancelled", "finished", "unknown" or
        "not_yours" (`by`, a user id, did not ask for it)."""


async def new_project(turn: Turn, step: Step, *, projects: Projects,
                      sessions: SessionStore) -> None:
    """Start a new project (the old one stays in /projects; the identity stays) and offer
    its format."""
    turn.session = ChatSession(language=turn.session.language)
    await sessions.forget_session(turn.chat)
    await projects.ensure(turn)
    await turn.send("\n".join([turn.text("new_project"), turn.text("format.pick")]),
                    format_buttons(turn.lang))


async def credits(turn: Turn, step: Step, *, nemo: NemoApi, identities: Identities) -> None:
    """Show the balance; anonymous users also get the registration link."""
    balance = await identities.call(turn.chat, nemo.credits)
    text = turn.text("credits", **balance.texts())
    creds = await identities.credentials(turn.chat)
    if creds.is_anonymous and creds.user_id:
        text += "\n" + turn.text("credits_anonymous", url=nemo.registration_url(creds.user_id))
    await turn.send(text)


async def status(turn: Turn, step: Step, *, projects: Projects, nemo: NemoApi,
                 identities: Identities, renders: RenderService | None) -> None:
    """Show the timeline summary (and renders in progress)."""
    session_id = await projects.ensure(turn)
    state = await identities.call(turn.chat, lambda c: nemo.state(c, session_id))
    turn.session.draft, turn.session.draft_at = state.draft.raw, time.time()
    draft = state.draft
    lines = [draft.summary(turn.lang) if draft.is_exportable else turn.text("status_empty")]
    if renders is not None and (active := await renders.active_count(turn.chat)):
        lines.append(turn.text("status_renders", count=active))
    await turn.send("\n".join(lines), turn.buttons(*RESULT_ACTIONS))


async def export(turn: Turn, step: Step, *, projects: Projects,
                 renders: RenderService | None) -> None:
    """Hand over to the render jobs. The message is the export's request: an export run
    again (resumed after a restart) finds the render it started rather than rendering
    twice."""
    if renders is None:
        await turn.say("export_unavailable")
        return
    await projects.ensure(turn)
    user, message_id = turn.message.user, turn.message.message_id
    result = await renders.export(turn.chat, User(user.id, user.display_name), turn.session,
                                  turn.lang, reply_to=message_id, request=message_id,
                                  refusal=turn.render_refusal)
    if result.started:
        turn.renders_started += 1


async def link(turn: Turn, step: Step, *, identities: Identities) -> None:
    """Link the user's own NemoVideo token; only in private chats."""
    message = turn.message
    token = step.text.strip()
    if not message.is_private:
        deleted = bool(token) and await _delete(turn.out, turn)
        log.info("chat %s: /link refused in a group (message deleted: %s)", turn.chat, deleted)
        await turn.say("link_private_only_not_deleted" if token and not deleted
                       else "link_private_only")
        return
    if not _TOKEN.match(token):
        await turn.say("link_usage")
        return
    deleted = await _delete(turn.out, turn)
    try:
        await identities.link(turn.chat, SecretStr(token))
    except errors.NemoError:
        await turn.say("link_refused")
        return
    await turn.say("link_done" if deleted else "link_done_not_deleted")


async def _delete(out: Outgoing, turn: Turn) -> bool:
    try:
        return await out.delete_message(turn.chat, turn.message.message_id)
    except Exception as exc:
        log.warning("chat %s: could not delete a message holding a token: %r", turn.chat, exc)
        return False


def build_handlers(*, projects: Projects, sessions: SessionStore, nemo: NemoApi,
                   identities: Identities, relay: Relay, uploader: Uploader,
                   renders: RenderService | None) -> dict[Intent, Handler]:
    """The handlers of the intents handled under the chat's lock."""
    return {
        Intent.START: partial(start, projects=projects),
        Intent.HELP: help_,
        Intent.NEW: partial(new_project, projects=projects, sessions=sessions),
        Intent.CREDITS: partial(credits, nemo=nemo, identities=identities),
        Intent.STATUS: partial(status, projects=projects, nemo=nemo, identities=identities,
                               renders=renders),
        Intent.EXPORT: partial(export, projects=projects, renders=renders),
        Intent.UPLOAD: uploader.upload,
        Intent.AGENT: relay.send,
        Intent.RESUME: relay.resume,
    }
