"""What the user is told when a step fails: a reply per known error, an apology with an
error id (also in the log) for the unexpected."""

from __future__ import annotations

import logging
import secrets

from core.conversation.texts import ACCEPTED_FORMATS
from core.conversation.turn import Turn
from core.identity import AnonymousTokenRefused, LinkedTokenExpired
from core.messages import AttachmentUnavailable
from core.nemo import errors
from core.nemo.api import NemoApi
from core.outgoing import Unreachable

log = logging.getLogger(__name__)


class FailureReplies:
    """Turns a step's exception into a reply in the user's language.

    `operator_told` says whether a refused operator token reaches the operator (an
    alert chat this process posts to); only then do users read that they were told.
    `link_enabled`: users may link their own accounts (/link), so advice may say so.
    """

    def __init__(self, nemo: NemoApi, *, operator_told: bool = False,
                 link_enabled: bool = True) -> None:
        self.nemo = nemo
        self.operator_told = operator_told
        self.link_enabled = link_enabled

    async def report(self, turn: Turn, exc: BaseException) -> None:
        """Tell the user what went wrong; log the unexpected with an error id. A chat
        that takes no message (`Unreachable`) is told nothing: one line in the log."""
        if isinstance(exc, Unreachable):
            log.warning("chat %s: the chat takes no message: %s", turn.chat, exc)
            return
        reply = self.reply_for(turn, exc)
        if reply is None:
            error_id = secrets.token_hex(4)
            log.error("chat %s: unexpected error %s", turn.chat, error_id, exc_info=exc,
                      extra={"error_id": error_id, "message_id": turn.message.message_id})
            # an answer of NemoVideo's unlike the contract's is not the bot's doing
            unreadable = isinstance(exc, errors.ProtocolError)
            reply = turn.text("err_bad_answer" if unreadable else "err_unexpected",
                              error_id=error_id)
        else:  # NemoVideo's errors name their request, status and code (no secrets)
            log.info("chat %s: %s", turn.chat, repr(exc)[:300] if isinstance(
                exc, errors.NemoError) else type(exc).__name__)
        try:
            await turn.send(reply)
        except Exception as send_error:
            log.warning("chat %s: could not send the error reply: %r", turn.chat, send_error)

    def reply_for(self, turn: Turn, exc: BaseException) -> str | None:
        """The reply for a known failure; None for the unexpected."""
        if isinstance(exc, AttachmentUnavailable) and exc.among > 1:
            return turn.text("err_files_unavailable", name=exc.name, count=exc.among)
        if isinstance(exc, errors.OutOfCredits):
            if exc.operators:
                return turn.text("err_no_credits_operator")
            if exc.is_anonymous and exc.user_id:
                url = self.nemo.registration_url(exc.user_id)
                return turn.text("err_no_credits_anonymous", url=url)
            return turn.text("err_no_credits")
        simple: list[tuple[type[BaseException] | tuple[type[BaseException], ...], str]] = [
            (errors.UnsupportedFile, "err_unsupported"),
            (errors.FileTooLarge, "err_too_large"),
            (errors.ExportBlocked, "err_export_blocked"),
            # /link links a private chat's account: no use to a group
            (AnonymousTokenRefused, "err_token_limit" if self.link_enabled
             and turn.message.is_private else "err_token_limit_no_link"),
            (errors.RateLimited, "err_rate_limited"),
            (LinkedTokenExpired, "err_linked_expired"),
            (errors.TokenExpired, "err_auth_told" if self.operator_told else "err_auth"),
            ((errors.ServerError, errors.NemoConnectionError), "err_unavailable"),
            # the new project made for a lost one is not found either (see ProjectLost)
            (errors.SessionNotFound, "err_project_lost_again"),
            (AttachmentUnavailable, "err_file_unavailable"),
            # the anonymous-token call refused a new client id too (HTTP 400 twice)
            (errors.MissingClientId, "err_token_limit_no_link"),
        ]
        for kinds, key in simple:
            if isinstance(exc, kinds):
                return turn.text(key, formats=ACCEPTED_FORMATS)
        return None
