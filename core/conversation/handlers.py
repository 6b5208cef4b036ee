"""One small handler per intent, registered in `HANDLERS`."""

from __future__ import annotations

import logging
import re

from pydantic import SecretStr

from core.conversation.engine import RESULT_BUTTONS, Handler, Turn
from core.conversation.texts import ACCEPTED_FORMATS
from core.conversation.uploads import upload
from core.intents import Intent, Step
from core.nemo import errors
from core.nemo.draft import Draft
from core.store import ChatSession

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"^nmv_[A-Za-z0-9_\-]{6,}$")


async def start(turn: Turn, step: Step) -> None:
    """Greet and set up the project."""
    await turn.project()
    await turn.say("welcome", buttons=RESULT_BUTTONS)


async def help_(turn: Turn, step: Step) -> None:
    """List what the bot understands."""
    await turn.say("help", formats=ACCEPTED_FORMATS)


async def new_project(turn: Turn, step: Step) -> None:
    """Forget the current project (the identity stays) and start a new one."""
    turn.session = ChatSession(language=turn.session.language)
    await turn.engine.store.forget_session(turn.chat)
    await turn.project()
    await turn.say("new_project")


async def credits(turn: Turn, step: Step) -> None:
    """Show the balance; anonymous users also get the registration link."""
    balance = await turn.call(turn.nemo.credits)
    text = turn.text("credits", available=balance.available, frozen=balance.frozen,
                     total=balance.total)
    creds = await turn.engine.identities.credentials(turn.chat)
    if creds.is_anonymous and creds.user_id:
        text += "\n" + turn.text("credits_anonymous",
                                 url=turn.nemo.registration_url(creds.user_id))
    await turn.out.send_text(turn.chat, text)


async def status(turn: Turn, step: Step) -> None:
    """Show the timeline summary (and renders in progress)."""
    session_id = await turn.project()
    state = await turn.call(lambda c: turn.nemo.state(c, session_id))
    turn.session.draft = state.draft.raw
    draft: Draft = state.draft
    lines = [draft.summary() if draft.is_exportable else turn.text("status_empty")]
    renders = turn.engine.renders
    if renders is not None and (active := await renders.active_count(turn.chat)):
        lines.append(turn.text("status_renders", count=active))
    await turn.out.send_text(turn.chat, "\n".join(lines), RESULT_BUTTONS)


async def export(turn: Turn, step: Step) -> None:
    """Hand over to the render service."""
    if turn.engine.renders is None:
        await turn.say("export_unavailable")
        return
    await turn.project()
    await turn.engine.renders.export(turn)


async def cancel(turn: Turn, step: Step) -> None:
    """Drop the queue and cancel renders (normally handled before queueing)."""
    await turn.engine.cancel_now(turn)


async def link(turn: Turn, step: Step) -> None:
    """Link the user's own NemoVideo token; only in private chats."""
    message = turn.message
    token = step.text.strip()
    if not message.is_private:
        deleted = bool(token) and await _delete(turn)
        log.info("chat %s: /link refused in a group (message deleted: %s)", turn.chat, deleted)
        await turn.say("link_private_only")
        return
    if not _TOKEN.match(token):
        await turn.say("link_usage")
        return
    deleted = await _delete(turn)
    try:
        await turn.engine.identities.link(turn.chat, SecretStr(token))
    except (errors.TokenExpired, errors.NemoError):
        await turn.say("link_refused")
        return
    await turn.say("link_done" if deleted else "link_done_not_deleted")


async def _delete(turn: Turn) -> bool:
    try:
        return await turn.out.delete_message(turn.chat, turn.message.message_id)
    except Exception:
        log.warning("chat %s: could not delete a message holding a token", turn.chat)
        return False


async def upload_(turn: Turn, step: Step) -> None:
    """Upload the message's attachments or links."""
    if not turn.message.attachments and not step.urls:
        await turn.say("upload_what", formats=ACCEPTED_FORMATS)
        return
    await upload(turn, step)


async def agent(turn: Turn, step: Step) -> None:
    """Everything else goes to the NemoVideo agent."""
    await turn.engine.relay.send(turn, step.text)


HANDLERS: dict[Intent, Handler] = {
    Intent.START: start,
    Intent.HELP: help_,
    Intent.NEW: new_project,
    Intent.CREDITS: credits,
    Intent.STATUS: status,
    Intent.EXPORT: export,
    Intent.CANCEL: cancel,
    Intent.LINK: link,
    Intent.UPLOAD: upload_,
    Intent.AGENT: agent,
}
