"""The export and cancel actions the conversation engine calls."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from core.aio import stopped_by_user
from core.catalog import Catalog, project_title
from core.formats import output_extras, preset
from core.i18n import t
from core.identity import AnonymousTokenRefused, Identities, LinkedTokenExpired
from core.keys import Keys
from core.messages import ChatKey, User
from core.nemo.api import NemoApi
from core.nemo.draft import Draft
from core.nemo.errors import TokenExpired
from core.observed_redis import RedisClient
from core.outgoing import Outgoing, Sent
from core.renders.again import draft_hash
from core.renders.delivery import Courier
from core.renders.job_record import JobState, RenderJob, new_render_id
from core.renders.jobs import ExportExists, JobStore
from core.renders.progress import cancel_button
from core.renders.requests import ExportRequest, ExportRequests
from core.renders.reuse import Reuse
from core.renders.submit import (
    CALL_ERRORS,
    OUTPUT,
    Submission,
    Submitted,
    Submitter,
    describe,
    explain,
    refused_text,
)
from core.store import ChatSession

log = logging.getLogger(__name__)

#: a claim token with less than this left to live (seconds) is made anew
CLAIM_MARGIN = 24 * 3600.0


@dataclass(frozen=True)
class ExportResult:
    """What `Renders.export` did: the job (when one was made) and the progress message."""

    outcome: Submitted
    job_id: str | None = None
    message: Sent | None = None
    error: str = ""

    @property
    def started(self) -> bool:
        """True when a render is running and a worker will deliver it."""
        return self.outcome is Submitted.STARTED


class Renders:
    """Starts and cancels a chat's renders; `RenderWorker`s poll and deliver them.

    Call `export` and `cancel_chat` under the chat's lock, like every action.
    """

    def __init__(self, redis: RedisClient, nemo: NemoApi, identities: Identities,
                 outgoing: Outgoing, *, keys: Keys | None = None) -> None:
        self.store = JobStore(redis, keys)
        self.nemo = nemo
        self.identities = identities
        self.outgoing = outgoing
        self.submitter = Submitter(self.store, nemo, identities)
        self.courier = Courier(outgoing, nemo, identities, store=self.store)
        self.catalog = Catalog(redis, keys)
        self.requests = ExportRequests(redis, keys)
        self.reuse = Reuse(outgoing, self.catalog, self.requests)
        self._groups: set[str] = set()

    async def export(self, chat: ChatKey, user: User, session: ChatSession,
                     language: str | None = None,
                     progress_message: Sent | None = None, *,
                     reply_to: str | None = None, request: str = "",
                     refusal: str | None = None) -> ExportResult:
        """Render the chat's project and have a worker deliver the video.

        Says "Rendering…" at once (editing `progress_message` when given, else in a
        new message that later shows progress and the outcome), checks that the
        draft is exportable, persists the job and submits the render, retrying
        once with a new id. A draft unchanged since a running or delivered render
        of the project is not rendered again (`core.renders.reuse`). The project's format sets
        the output size. When the session has no claim token yet one is made and
        set on `session` (the caller saves the session as usual).

        `refusal` (a quota used up) is said instead of starting a render; an unchanged
        draft's render is still sent again (outcome `REUSED`: no render starts).

        `request` (the id of the message asking for the export) makes it idempotent:
        run again for the same request (resumed after a restart, or by the chat's next
        holder), it finds the job the first run made, running or finished, and starts
        nothing (outcome `ALREADY`); before that job exists it goes on in the same
        progress message (see `core.renders.requests`).
        """
        lang = language or session.language
        begun = await self._begin(chat, lang, request, progress_message, reply_to)
        if isinstance(begun, ExportResult):
            return begun
        sent, noted = begun
        try:  # from "Rendering…" on: a `/cancel` before the job exists is said here
            if request and sent.message_id != noted:
                await self.requests.note_message(chat, request, sent.message_id)
            return await self._render(chat, user, session, lang, sent, reply_to, request,
                                      refusal)
        except asyncio.CancelledError as stop:
            if stopped_by_user(stop):  # before its job exists, `/cancel` finds no render
                await self.outgoing.edit_text(chat, sent, t(lang, "render.cancelled"))
            raise

    async def _render(self, chat: ChatKey, user: User, session: ChatSession, lang: str,
                      sent: Sent, reply_to: str | None, request: str,
                      refusal: str | None = None) -> ExportResult:
        """`export` once "Rendering…" is said in `sent`."""
        draft = await self._read(chat, session, sent, lang)
        if isinstance(draft, ExportResult):
            return draft
        size = preset(session.aspect)
        width, height = (size.width, size.height) if size is not None else (0, 0)
        digest = draft_hash(draft.raw, {**OUTPUT, **output_extras(width, height)})
        assert session.session_id is not None
        claim = await self._claim_token(chat, session)
        project = self.nemo.claim_url(claim) if claim else None
        reused = await self.reuse.serve(chat, await self.pending(chat), session.session_id,
                                        digest, sent, lang, reply_to=reply_to, request=request,
                                        project_url=project)
        if reused is not None:
            return ExportResult(reused[0], reused[1], sent)
        if refusal is not None:
            await self.outgoing.edit_text(chat, sent, refusal)
            return ExportResult(Submitted.OVER_QUOTA, None, sent)
        render_id = new_render_id()
        job = RenderJob(
            id=render_id, chat=chat, render_id=render_id, session_id=session.session_id,
            task_id=session.task_id or "", claim_token=claim or "", user_id=user.id,
            user_name=user.display_name, message_id=sent.message_id, language=lang,
            state=JobState.SUBMITTING, submit_started_at=time.time(), reply_to=reply_to or "",
            draft_hash=digest, name=session.name or project_title(draft) or "",
            summary=draft.summary(), width=width, height=height, request=request,
        )
        return await self._start(job, draft, sent)

    async def _begin(self, chat: ChatKey, lang: str, request: str, message: Sent | None,
                     reply_to: str | None) -> tuple[Sent, str] | ExportResult:
        """Say "Rendering…" (in the message an earlier run of the request said it in), and
        return where, with the message the request has noted so far; or, when the request
        has its job already, say nothing and return that."""
        earlier = await self.requests.load(chat, request) if request else ExportRequest()
        if earlier.job_id:
            log.info("export in %s: request %s has job %s already; not rendering again",
                     chat, request, earlier.job_id)
            await self.reuse.finish(chat, request, earlier, lang)
            return ExportResult(Submitted.ALREADY, earlier.job_id)
        if earlier.message_id and message is None:
            message = Sent(earlier.message_id)  # what the first run said
        sent = await self._say(chat, t(lang, "render.started"), message, reply_to)
        return sent, earlier.message_id

    async def _start(self, job: RenderJob, draft: Draft, sent: Sent) -> ExportResult:
        """Persist the job (unless its request has one already) and submit its render."""
        chat, lang = job.chat, job.language
        await self._ensure_group(chat.platform)
        try:
            await self.store.create(job)
        except ExportExists as exc:
            return await self._made_meanwhile(job, sent, exc.job_id)
        log.info("export in %s by %s: job %s", chat, job.user_id, job.id)
        await self.courier.edit(job, t(lang, "render.started"), (cancel_button(lang, job.id),))
        submission = await self.submitter.submit(job, draft)
        if submission.outcome in (Submitted.STARTED, Submitted.SUPERSEDED):
            return ExportResult(submission.outcome, job.id, sent)
        text, buttons = explain(submission, lang, self.nemo)
        await self.store.finish(job, JobState.FAILED, [JobState.SUBMITTING],
                                error=submission.outcome.value, updated_at=time.time())
        await self.courier.edit(job, text, buttons)
        return ExportResult(submission.outcome, job.id, sent, submission.error)

    async def _read(self, chat: ChatKey, session: ChatSession, sent: Sent,
                    lang: str) -> Draft | ExportResult:
        """The project's exportable draft, or the refusal the user was given."""
        if not session.session_id:
            return await self._refuse(chat, sent, Submission(Submitted.NO_DRAFT), lang)
        try:
            draft, refusal = await self.submitter.read_draft(chat, session.session_id)
        except (LinkedTokenExpired, AnonymousTokenRefused, TokenExpired) as exc:
            log.warning("export in %s: credentials refused: %s", chat, type(exc).__name__)
            return await self._refuse(
                chat, sent, Submission(Submitted.REFUSED, error=refused_text(exc)), lang)
        except CALL_ERRORS as exc:
            log.warning("export in %s: could not read the state: %r", chat, exc)
            return await self._refuse(
                chat, sent, Submission(Submitted.FAILED, error=describe(exc)), lang)
        if refusal is not None or draft is None:
            return await self._refuse(chat, sent, refusal or Submission(Submitted.NO_DRAFT),
                                      lang)
        session.draft = draft.raw  # the last draft seen (it names the project)
        return draft

    async def cancel_job(self, chat: ChatKey, job_id: str, *, by: str = "") -> str:
        """Cancel one render of the chat (its progress message's Cancel button):
        "cancelled", "finished" (too late: done, failed or being delivered), "unknown",
        or "not_yours" when `by` (a user id; "" for anyone) did not ask for it."""
        job = await self.store.load(chat, job_id)
        if job is None or job.chat != chat:
            return "unknown"
        if not _may_cancel(job, by):
            log.info("render job %s in %s: a cancel by user %s refused (asked for by %s)",
                     job_id, chat, by, job.user_id)
            return "not_yours"
        render_id = await self.store.cancel(job_id, chat)
        if render_id is None:
            return "finished"
        log.info("cancelled render job %s in %s", job_id, chat)
        await self.submitter.cancel_remote(job, render_id)
        await self.courier.edit(job, t(job.language, "render.cancelled"))
        return "cancelled"

    async def cancel_chat(self, chat: ChatKey, *, by: str = "") -> int:
        """Cancel the chat's renders that are not being delivered yet (with `by`, a user
        id, those that user asked for); returns how many.

        Each job is marked cancelled (so no worker delivers it), its render is
        cancelled on NemoVideo, and its progress message says so.
        """
        job_ids = await self.store.chat_jobs(chat)
        jobs = await self.store.load_many(chat, job_ids)
        cancelled = 0
        for job_id in job_ids:
            job = jobs.get(job_id)
            if job is not None and not _may_cancel(job, by):
                continue
            render_id = await self.store.cancel(job_id, chat)
            if render_id is None or job is None:
                continue
            cancelled += 1
            await self.submitter.cancel_remote(job, render_id)
            await self.courier.edit(job, t(job.language, "render.cancelled"))
        if cancelled:
            log.info("cancelled %d render(s) in %s", cancelled, chat)
        return cancelled

    async def active_count(self, chat: ChatKey) -> int:
        """How many renders of the chat are not finished."""
        return len(await self.store.chat_jobs(chat))

    async def wait_idle(self, chat: ChatKey, interval: float = 0.2) -> None:
        """Wait until the chat has no unfinished render (e.g. before a one-shot
        terminal session exits); bound it with `asyncio.timeout` if needed."""
        # The renders may be delivered by a worker in another process: only Redis knows.
        while await self.active_count(chat):  # noqa: ASYNC110
            await asyncio.sleep(interval)

    async def pending(self, chat: ChatKey) -> list[RenderJob]:
        """The chat's renders that are not finished, oldest first."""
        jobs = await self.store.load_many(chat, await self.store.chat_jobs(chat))
        return sorted((j for j in jobs.values() if j is not None), key=lambda j: j.created_at)

    async def _say(self, chat: ChatKey, text: str, message: Sent | None,
                   reply_to: str | None) -> Sent:
        if message is not None:
            try:
                return await self.outgoing.edit_text(chat, message, text)
            except Exception as exc:  # deleted meanwhile, most likely: say it anew
                log.info("export in %s: message %s not edited (%r); sending a new one",
                         chat, message.message_id, exc)
        return await self.outgoing.send_text(chat, text, reply_to=reply_to)

    async def _made_meanwhile(self, job: RenderJob, sent: Sent, job_id: str) -> ExportResult:
        """Another run of the same request (a holder that had not yet noticed it lost the
        chat) made its job first: that job goes on. This run's own progress message, if
        it has one of its own, says so."""
        log.info("export in %s: job %s was made meanwhile for request %s", job.chat, job_id,
                 job.request)
        made = await self.store.load(job.chat, job_id)
        if made is None or made.message_id != sent.message_id:
            await self.courier.edit(job, t(job.language, "render.reused_running"))
        return ExportResult(Submitted.ALREADY, job_id, sent)

    async def _refuse(self, chat: ChatKey, sent: Sent, submission: Submission,
                      lang: str) -> ExportResult:
        text, buttons = explain(submission, lang, self.nemo)
        await self.outgoing.edit_text(chat, sent, text, buttons)
        return ExportResult(submission.outcome, None, sent, submission.error)

    async def _claim_token(self, chat: ChatKey, session: ChatSession) -> str | None:
        """The project's claim token: the session's while it has a day or more to live
        (a project link must still open when the video is watched), else a new one."""
        now = time.time()
        if session.claim_token and session.claim_expires_at - now > CLAIM_MARGIN:
            return session.claim_token
        if not (session.task_id and session.session_id):
            return None
        task_id, session_id = session.task_id, session.session_id
        try:
            claim = await self.identities.call(
                chat, lambda creds: self.nemo.claim_token(creds, task_id, session_id))
        except CALL_ERRORS as exc:
            log.info("export in %s: no claim token (%s)", chat, type(exc).__name__)
            return session.claim_token  # an old link may still open: better than none
        session.claim_token = claim.claim_token
        session.claim_expires_at = now + claim.expires_in if claim.expires_in else 0.0
        return claim.claim_token

    async def _ensure_group(self, platform: str) -> None:
        if platform not in self._groups:
            await self.store.ensure_group(platform)
            self._groups.add(platform)


def _may_cancel(job: RenderJob, by: str) -> bool:
    """Whether user `by` ("": anyone) may cancel the job: the one who asked for it may
    (a job that does not say who did, anyone)."""
    return not by or not job.user_id or job.user_id == by
