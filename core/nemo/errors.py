"""Typed errors of the NemoVideo backend, one class per documented code.

No exception here ever holds a token: messages come from the server's JSON
`message` field or from fixed text, never from request headers.
"""

from __future__ import annotations


class NemoError(Exception):
    """Any failure talking to NemoVideo."""

    code: int | None = None

    def __init__(self, message: str = "", *, code: int | None = None, status: int | None = None):
        super().__init__(message or self.__class__.__doc__ or "NemoVideo error")
        self.message = message
        if code is not None:
            self.code = code
        self.status = status
        #: the call was made on the operator's account (NEMO_TOKEN), which the users cannot
        #: top up or upgrade: set by `core.identity.Identities.call`
        self.operators = False

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(code={self.code!r}, status={self.status!r}, {self.message!r})"


class TokenExpired(NemoError):
    """The token is invalid or expired (1001): get a new one with the same client id."""

    code = 1001


class SessionNotFound(NemoError):
    """The session is gone (1002): create a new one and tell the user."""

    code = 1002


class OutOfCredits(NemoError):
    """No credits left (2001)."""

    code = 2001

    def __init__(self, message: str = "", *, user_id: str | None = None, **kw: int | None):
        super().__init__(message, **kw)
        self.user_id = user_id

    @property
    def is_anonymous(self) -> bool:
        """Anonymous users (`anon_*`) get a registration link instead of a top-up hint."""
        return bool(self.user_id and self.user_id.startswith("anon_"))


class UnsupportedFile(NemoError):
    """The file type is not accepted (4001)."""

    code = 4001


class FileTooLarge(NemoError):
    """The file is over 500 MB (4002)."""

    code = 4002


class MissingClientId(NemoError):
    """HTTP 400 from the anonymous-token endpoint: no X-Client-Id header."""


class ExportBlocked(NemoError):
    """HTTP 402: the plan does not allow export (not a credits problem)."""


class RateLimited(NemoError):
    """HTTP 429, still refused after the one retry. `waitable`: not retried yet (a call
    that is not repeated by the transport), and the wait it asks for is not too long."""

    def __init__(self, message: str = "", *, retry_after: float | None = None,
                 waitable: bool = False, asked: float | None = None, **kw: int | None):
        super().__init__(message, **kw)
        self.retry_after = retry_after
        self.waitable = waitable
        #: the wait the answer asked for, uncapped (None: it named none)
        self.asked = asked


class ServerError(NemoError):
    """HTTP 5xx, still failing after the retries allowed for the request."""


class NemoConnectionError(NemoError):
    """The backend could not be reached, or the connection broke."""


class TooSlow(NemoConnectionError):
    """The backend was reached, but a call (a download) ran past its whole deadline."""


class StreamInterrupted(NemoConnectionError):
    """An agent stream broke before it closed normally. Never re-send the message."""


class StreamTimedOut(NemoError):
    """An agent stream sent only heartbeats for too long."""


class RenderNotFound(NemoError):
    """The backend does not know the render id (HTTP 404, or a "not found" answer to a poll)."""


class DuplicateRenderId(NemoError):
    """Render submit refused the id as already used: submit again with a new id."""


class ProtocolError(NemoError):
    """The backend answered something this client does not understand."""


CODE_ERRORS: dict[int, type[NemoError]] = {
    cls.code: cls
    for cls in (TokenExpired, SessionNotFound, OutOfCredits, UnsupportedFile, FileTooLarge)
    if cls.code is not None
}
