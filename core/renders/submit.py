"""Submitting a job's render to NemoVideo, with one retry under a new id."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from enum import StrEnum

from core import observe
from core.conversation import texts as _texts  # noqa: F401  (registers the err_* texts said here)
from core.formats import output_extras
from core.i18n import t
from core.identity import AnonymousTokenRefused, Identities, LinkedTokenExpired
from core.messages import ChatKey
from core.nemo.api import NemoApi
from core.nemo.draft import Draft
from core.nemo.errors import (
    ExportBlocked,
    NemoError,
    OutOfCredits,
    RateLimited,
    ServerError,
    SessionNotFound,
    TokenExpired,
)
from core.nemo.models import Credentials
from core.outgoing import Button
from core.renders.job_record import JobState, RenderJob, new_render_id
from core.renders.jobs import JobStore
from core.renders.texts import export_button

log = logging.getLogger(__name__)

OUTPUT: dict[str, object] = {"format": "mp4", "quality": "high"}

#: what a call through `Identities` may raise besides success
CALL_ERRORS = (NemoError, LinkedTokenExpired, AnonymousTokenRefused)


class Submitted(StrEnum):
    """How a submission ended."""

    STARTED = "started"  # NemoVideo accepted it; the job is rendering
    NO_DRAFT = "no_draft"  # nothing exportable in the project
    SESSION_LOST = "session_lost"  # the project is gone (1002)
    BLOCKED = "blocked"  # HTTP 402: the plan does not allow export
    NO_CREDITS = "no_credits"  # 2001: the account is out of credits
    FAILED = "failed"  # refused twice (error in `error`)
    SUPERSEDED = "superseded"  # the job changed meanwhile (cancelled, or taken over)
    REUSED = "reused"  # the draft did not change: a running or delivered render serves it
    ALREADY = "already"  # the export request has its job already (not rendered again)
    REFUSED = "refused"  # the credentials were refused (`error`: the text that says so)
    OVER_QUOTA = "over_quota"  # a quota of the bot's allows no render now (nothing submitted)


@dataclass(frozen=True)
class Submission:
    """The outcome of `Submitter.submit`."""

    outcome: Submitted
    error: str = ""
    anonymous_user: str | None = None
    #: out of credits on the operator's account (NEMO_TOKEN), which users cannot top up
    operators: bool = False


class Submitter:
    """Submits renders for jobs in the `submitting` state.

    The render id to submit is always persisted in the job before the request,
    so a crash never orphans a render: a worker finding the job still
    `submitting` later checks whether that id exists (see `RenderWorker`).
    """

    def __init__(self, store: JobStore, nemo: NemoApi, identities: Identities) -> None:
        self.store = store
        self.nemo = nemo
        self.identities = identities

    async def read_draft(self, chat: ChatKey,
                         session_id: str) -> tuple[Draft | None, Submission | None]:
        """The project's current draft, or the outcome that ends the export."""
        try:
            state = await self.identities.call(
                chat, lambda creds: self.nemo.state(creds, session_id))
        except SessionNotFound:
            return None, Submission(Submitted.SESSION_LOST)
        if not state.draft.is_exportable:
            # files sent but not on the timeline yet: the advice is not to upload them
            return None, Submission(Submitted.NO_DRAFT, error="media" if state.has_media else "")
        return state.draft, None

    async def submit(self, job: RenderJob, draft: Draft) -> Submission:
        """Submit `job.render_id`; on failure (or a duplicate id) once more with a new id.

        The output size of the job's format goes as an optional extra of the first
        try only: the contract says a render's resolution and fps are honoured "if
        supported", so a backend refusing them still renders on the retry.
        `job` is updated in place to what was stored.
        """
        for tries_left in (1, 0):
            render_id = job.render_id
            creds_used: list[Credentials] = []
            output = output_of(job) if tries_left else OUTPUT

            async def send(creds: Credentials, rid: str = render_id,
                           used: list[Credentials] = creds_used,
                           out: dict[str, object] = output) -> None:
                used.append(creds)
                await self.nemo.submit_render(creds, rid, job.session_id, draft, out)

            try:
                await self.identities.call(job.chat, send)
            except ENDING_ERRORS as exc:  # another render id cannot help
                log.warning("render %s of job %s refused: %s", render_id, job.id,
                            type(exc).__name__)
                return ended(exc, creds_used[-1] if creds_used else None)
            except CALL_ERRORS as exc:
                error = describe(exc)
                log.warning("render %s of job %s refused: %s", render_id, job.id, error)
                if not tries_left:
                    return Submission(Submitted.FAILED, error=error)
                fresh = new_render_id()
                ids = [*job.render_ids, fresh]
                now = time.time()
                moved = await self.store.transition(
                    job, [JobState.SUBMITTING], expect_render=render_id,
                    render_id=fresh, render_ids=ids, submit_started_at=now, updated_at=now)
                if not moved.ok:
                    return Submission(Submitted.SUPERSEDED)
                job.render_id, job.render_ids, job.submit_started_at = fresh, ids, now
                continue
            return await self.started(job, render_id)
        raise AssertionError("unreachable")

    async def started(self, job: RenderJob, render_id: str) -> Submission:
        """Record that NemoVideo accepted `render_id`; cancel it if the job moved on."""
        now = time.time()
        moved = await self.store.transition(
            job, [JobState.SUBMITTING], expect_render=render_id,
            state=JobState.RENDERING, attempts=job.attempts + 1, submitted_at=now,
            progress=0, updated_at=now)
        if moved.ok:
            job.state, job.attempts, job.submitted_at, job.progress = (
                JobState.RENDERING, job.attempts + 1, now, 0)
            observe.report(lambda p: p.render(job.chat.platform, "submitted", job.id))
            return Submission(Submitted.STARTED)
        current = await self.store.load(job.chat, job.id)
        if current is None or current.render_id != render_id or current.state.finished:
            log.info("job %s moved on while render %s was submitted; cancelling it",
                     job.id, render_id)
            await self.cancel_remote(job, render_id)
        return Submission(Submitted.SUPERSEDED)

    async def cancel_remote(self, job: RenderJob, render_id: str) -> bool:
        """Ask NemoVideo to cancel a render; False when that failed (it is not retried)."""
        try:
            await self.identities.call(
                job.chat, lambda creds: self.nemo.cancel_render(creds, render_id))
        except CALL_ERRORS as exc:
            log.info("could not cancel render %s: %s", render_id, describe(exc))
            return False
        return True


def output_of(job: RenderJob) -> dict[str, object]:
    """The render's `output`: MP4 in high quality, plus the job's size when it has one."""
    return {**OUTPUT, **output_extras(job.width, job.height)}


#: what ends a submission at once: the plan, the project, the credits, the account
ENDING_ERRORS = (ExportBlocked, SessionNotFound, OutOfCredits, LinkedTokenExpired,
                 AnonymousTokenRefused, TokenExpired)


def ended(exc: BaseException, creds: Credentials | None) -> Submission:
    """The outcome of a submission refused with one of ENDING_ERRORS (`creds`: those it
    was sent with, when known)."""
    if isinstance(exc, ExportBlocked):
        anon = creds.user_id if creds is not None and creds.is_anonymous else None
        return Submission(Submitted.BLOCKED, anonymous_user=anon, operators=exc.operators)
    if isinstance(exc, SessionNotFound):
        return Submission(Submitted.SESSION_LOST)
    if isinstance(exc, OutOfCredits):
        return Submission(Submitted.NO_CREDITS, operators=exc.operators,
                          anonymous_user=exc.user_id if exc.is_anonymous else None)
    return Submission(Submitted.REFUSED, error=refused_text(exc))


def refused_text(exc: BaseException) -> str:
    """The text that tells a user why their account was refused (see FailureReplies)."""
    if isinstance(exc, LinkedTokenExpired):
        return "err_linked_expired"
    if isinstance(exc, AnonymousTokenRefused):
        return "err_token_limit_no_link"
    return "err_auth"


def describe(exc: BaseException) -> str:
    """A failed call in words for a user (no class names)."""
    if isinstance(exc, RateLimited):
        return "NemoVideo is busy"
    if isinstance(exc, ServerError):  # its message names the request, for the log
        return f"NemoVideo had a server error (HTTP {exc.status})"
    if isinstance(exc, NemoError) and exc.message:
        return exc.message[:120]
    return "NemoVideo could not be reached"


def explain(submission: Submission, language: str,
            nemo: NemoApi) -> tuple[str, tuple[Button, ...]]:
    """What to tell the user when a submission did not start a render."""
    outcome = submission.outcome
    if outcome is Submitted.NO_DRAFT:
        if submission.error == "media":
            return t(language, "render.no_draft_media"), ()
        return t(language, "render.no_draft"), ()
    if outcome is Submitted.SESSION_LOST:
        return t(language, "render.session_lost"), ()
    if outcome is Submitted.BLOCKED:
        if submission.operators:  # the users have no account of their own to upgrade
            return t(language, "render.blocked_operator"), ()
        buttons: tuple[Button, ...] = ()
        if submission.anonymous_user:
            buttons = (Button(t(language, "render.register"),
                              url=nemo.registration_url(submission.anonymous_user)),)
        return t(language, "render.blocked"), buttons
    if outcome is Submitted.NO_CREDITS:
        if submission.operators:
            return t(language, "err_no_credits_operator"), ()
        if submission.anonymous_user:
            return t(language, "render.no_credits_anonymous"), (
                Button(t(language, "render.register"),
                       url=nemo.registration_url(submission.anonymous_user)),)
        return t(language, "render.no_credits"), (export_button(language),)
    if outcome is Submitted.REFUSED:
        return t(language, submission.error), ()
    return (t(language, "render.submit_failed", error=submission.error or "?"),
            (export_button(language),))
