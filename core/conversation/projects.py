"""The chat's NemoVideo project: made on first need, remade when NemoVideo lost it."""

from __future__ import annotations

import time

from core import i18n
from core.conversation.turn import Turn
from core.identity import Identities
from core.nemo.api import NemoApi


class Projects:
    """Creates the chat's NemoVideo session when it has none."""

    def __init__(self, nemo: NemoApi, identities: Identities) -> None:
        self.nemo = nemo
        self.identities = identities

    async def ensure(self, turn: Turn, *, persist: bool = True) -> str:
        """The chat's NemoVideo session id, creating the project (and saving it, unless
        the caller saves at once: `persist`) if needed."""
        session = turn.session
        if session.session_id:
            return session.session_id
        language = i18n.nemo_language(turn.message.user.language or session.language)
        created = await self.identities.call(
            turn.chat, lambda creds: self.nemo.create_session(creds, language))
        session.session_id = created.session_id
        session.task_id = created.task_id
        session.claim_token, session.claim_expires_at = None, 0.0
        if created.user_id:
            await self.identities.learn_user(turn.chat, created.user_id)
        session.draft, session.draft_at = {}, time.time()
        if persist:
            await turn.persist()
        return created.session_id
