"""Who a chat is to NemoVideo: the operator's token, a linked token, or an anonymous one."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import SecretStr

from core.messages import ChatKey
from core.nemo.api import NemoApi
from core.nemo.errors import MissingClientId, NemoError, RateLimited, TokenExpired
from core.nemo.models import Credentials
from core.store import SessionStore

log = logging.getLogger(__name__)
T = TypeVar("T")


class LinkedTokenExpired(Exception):
    """A user's own token was refused: only the user can link a new one."""


class AnonymousTokenRefused(Exception):
    """NemoVideo refused a new anonymous token (per-IP or per-client limit, HTTP 429)."""


#: how long nobody asks for an anonymous token after NemoVideo refused one (429): what
#: it asked for, within these bounds; REFUSED_WAIT when it named no wait
REFUSED_WAIT = 300.0
REFUSED_WAIT_MIN = 60.0
REFUSED_WAIT_MAX = 6 * 3600.0


class Identities:
    """Resolves and renews the credentials a chat talks to NemoVideo with.

    With an operator token every chat uses it. Otherwise each chat has its own
    persisted client id and an anonymous token minted for it (renewed with the
    same client id on 1001), unless a user linked their own token.
    """

    def __init__(self, sessions: SessionStore, nemo: NemoApi,
                 operator_token: SecretStr | None = None) -> None:
        self.sessions = sessions
        self.nemo = nemo
        self.operator_token = operator_token

    async def credentials(self, chat: ChatKey, *, renew: bool = False) -> Credentials:
        """The chat's credentials, minting (or, with `renew`, re-minting) a token if needed.

        Raises RateLimited when NemoVideo refuses a new anonymous token, and
        LinkedTokenExpired when a linked token needs replacing.
        """
        identity = await self.sessions.load_identity(chat)
        if identity.kind == "linked":
            # no token: it could not be decrypted (its key left SECRET_KEY); link again
            if renew or identity.token is None:
                raise LinkedTokenExpired(str(chat))
            return Credentials(identity.token, identity.user_id)
        if self.operator_token is not None:
            return Credentials(self.operator_token, None)
        if identity.token is not None and not renew:
            return Credentials(identity.token, identity.user_id)
        refused = self.sessions.keys.anonymous_refused()
        if await self.sessions.redis.exists(refused):  # asked again later, not now
            raise AnonymousTokenRefused(f"{chat}: NemoVideo refuses new tokens for now")
        if identity.token is None:  # the client id is kept before NemoVideo sees it
            await self.sessions.save_identity(chat, identity)
        try:
            try:
                minted = await self.nemo.anonymous_token(identity.client_id)
            except MissingClientId:
                # NemoVideo did not take this client id (HTTP 400): a new one, kept first
                log.warning("chat %s: NemoVideo refused the client id; making a new one", chat)
                identity.client_id = str(uuid.uuid4())
                await self.sessions.save_identity(chat, identity)
                minted = await self.nemo.anonymous_token(identity.client_id)
        except RateLimited as exc:
            # the server's limit: every chat is refused, so none asks until the wait is over
            asked = exc.asked if exc.asked is not None else REFUSED_WAIT
            wait = min(max(asked, REFUSED_WAIT_MIN), REFUSED_WAIT_MAX)
            await self.sessions.redis.set(refused, "1", ex=int(wait))
            log.warning("NemoVideo refuses new anonymous tokens; not asking again for %.0f s",
                        wait)
            raise AnonymousTokenRefused(str(chat)) from exc
        identity.token = minted.credentials.token
        identity.user_id = minted.credentials.user_id
        identity.kind = "anonymous"
        await self.sessions.save_identity(chat, identity)
        log.info("chat %s: new anonymous NemoVideo token (user %s)", chat, identity.user_id)
        return minted.credentials

    async def learn_user(self, chat: ChatKey, user_id: str) -> None:
        """Keep the NemoVideo user an anonymous token belongs to when its own answer did
        not name it (the create-session answer does): the registration link needs it."""
        identity = await self.sessions.load_identity(chat)
        if identity.kind != "anonymous" or identity.user_id or identity.token is None:
            return
        identity.user_id = user_id
        await self.sessions.save_identity(chat, identity)

    def is_operators(self, creds: Credentials) -> bool:
        """Whether `creds` are the operator's (NEMO_TOKEN): every chat shares that account,
        so its users cannot top it up."""
        return self.operator_token is not None and (
            creds.token.get_secret_value() == self.operator_token.get_secret_value())

    async def link(self, chat: ChatKey, token: SecretStr) -> Credentials:
        """Use a user's own token for this chat from now on (checked with a credits read)."""
        creds = Credentials(token, None)
        await self.nemo.credits(creds)
        identity = await self.sessions.load_identity(chat)
        identity.token, identity.user_id, identity.kind = token, None, "linked"
        await self.sessions.save_identity(chat, identity)
        return creds

    async def call(self, chat: ChatKey,
                   fn: Callable[[Credentials], Awaitable[T]]) -> T:
        """Run `fn` with the chat's credentials; on 1001 renew the token once and retry."""
        creds = await self.credentials(chat)
        try:
            return await fn(creds)
        except TokenExpired:
            if self.operator_token is not None:
                raise
            creds = await self.credentials(chat, renew=True)
            return await fn(creds)
        except NemoError as exc:  # out of credits, export blocked: whose account says who acts
            exc.operators = self.is_operators(creds)
            raise
