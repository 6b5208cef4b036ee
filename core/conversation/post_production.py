"""A generation's second stage, after its answer: NemoVideo adds music and a title by
itself once the raw video is made (the contract's two-stage generation), maybe after
its stream ended. The project is read now and then for a while, and what was added
is shown with the choice to keep it or remove it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from core.conversation.choices import offer
from core.conversation.suggestions import added_tracks, generation_choices
from core.conversation.turn import Turn
from core.identity import AnonymousTokenRefused, Identities, LinkedTokenExpired
from core.messages import ChatKey
from core.nemo import errors
from core.nemo.draft import TrackKind
from core.nemo.models import Credentials, SessionState
from core.outgoing import Action, Button

log = logging.getLogger(__name__)

#: the tracks of a generation's second stage (music, a title)
FINISHING = frozenset({TrackKind.AUDIO, TrackKind.TEXT})


async def watch_post_production(
    turn: Turn, session_id: str, watch: float, *,
    waiting: Callable[[ChatKey], Awaitable[bool]],
    read: Callable[[Credentials], Awaitable[SessionState]],
    identities: Identities,
    notify: Callable[[Turn, str, tuple[Button, ...]], Awaitable[None]],
) -> None:
    """After a generation whose answer showed the raw video only: read the project
    (`read`) now and then for `watch` seconds, giving way at once when `waiting` says
    the chat's next message waits (its turn reads the state) or the process stops; show
    what was added, with the choice to keep or remove it."""
    shown = turn.session.last_draft
    if watch <= 0 or not shown.is_exportable or any(t.kind in FINISHING for t in shown.tracks):
        return
    poll = min(5.0, watch / 6)
    tick = min(1.0, poll)
    waited = since_read = 0.0
    while waited < watch:
        await asyncio.sleep(tick)
        waited, since_read = waited + tick, since_read + tick
        if await waiting(turn.chat):
            return
        if since_read < poll:
            continue
        since_read = 0.0
        try:
            state = await identities.call(turn.chat, read)
        except (errors.NemoError, LinkedTokenExpired, AnonymousTokenRefused) as exc:
            log.info("chat %s: post-production not followed: %r", turn.chat, exc)
            return
        added = added_tracks(shown, state.draft)
        if added:
            turn.session.draft, turn.session.draft_at = state.draft.raw, time.time()
            line, options = generation_choices(turn, added)
            buttons = offer(turn, options) + turn.buttons(Action.EXPORT)
            await notify(turn, "\n\n".join([line, state.draft.summary(turn.lang)]), buttons)
            return
