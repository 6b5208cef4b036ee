"""What a worker does with one job when its turn comes: the job's state machine.

A job `submitting` waits for its submitter (or, when that went quiet, finishes
the submission itself); a job `rendering` is polled, and then its progress is
shown, or it is delivered, retried with a new render, reported failed, timed
out or cancelled. A poll costs no Redis command unless it changes something
(a progress edit, a retry, the end); see `core.renders.delivery` for how
delivery stays exactly-once.
"""

from __future__ import annotations

import asyncio
import logging
import time

from redis.exceptions import RedisError

from core.i18n import t
from core.identity import Identities
from core.logs import log_fields
from core.nemo.api import NemoApi
from core.nemo.errors import RenderNotFound, SessionNotFound
from core.nemo.models import RenderPhase, RenderStatus
from core.outgoing import Button
from core.renders.delivery import Courier
from core.renders.handover import Handover
from core.renders.job_record import JobState, RenderJob, new_render_id
from core.renders.jobs import JobStore, Transition
from core.renders.polling import REFUSED, Missed, poll
from core.renders.progress import cancel_button, progress_text
from core.renders.scheduler import Scheduler, Slot, Tracked
from core.renders.submit import Submission, Submitted, Submitter, explain, refused_text
from core.renders.texts import export_button, timed_out_text
from core.settings import Settings

log = logging.getLogger(__name__)


class Steps:
    """The steps of the jobs of one worker (`name` is its consumer name, for logs)."""

    def __init__(self, name: str, platform: str, *, settings: Settings, store: JobStore,
                 nemo: NemoApi, identities: Identities, submitter: Submitter,
                 courier: Courier, scheduler: Scheduler) -> None:
        self.name = name
        self.platform = platform
        self.settings = settings
        self.store = store
        self.nemo = nemo
        self.identities = identities
        self.submitter = submitter
        self.courier = courier
        self.scheduler = scheduler
        self.handover = Handover(name, store, courier, self)

    def first_delay(self, job: RenderJob, tr: Tracked) -> float:
        """Delay before the first poll of a job just taken (its render may be running
        for a while already)."""
        since = time.time() - (job.submitted_at or job.submit_started_at or job.created_at)
        self.anchor(job, tr)
        return max(0.0, tr.plan.first_delay() - since)

    def anchor(self, job: RenderJob, tr: Tracked) -> None:
        """Tell the job's poll plan when its render was submitted (its progress counts
        from then)."""
        if job.state is JobState.RENDERING and job.submitted_at:
            since = max(0.0, time.time() - job.submitted_at)
            tr.plan.started(asyncio.get_running_loop().time() - since)

    async def step(self, tr: Tracked, slot: Slot) -> None:
        """Look at the job once, and act on what is found (log lines carry the job's chat
        and render id)."""
        with log_fields(chat=tr.job.chat, render_id=tr.job.render_id):
            await self._step(tr, slot)

    async def _step(self, tr: Tracked, slot: Slot) -> None:
        job = tr.job
        if job.state is JobState.SUBMITTING:
            await self._check_submitting(tr)
            return
        if job.state.finished:
            await self.drop(tr, release=True)
            return
        try:
            status = await self._poll(tr)
        except SessionNotFound:  # the contract's 1002: polling on would never end
            await self._project_gone(tr)
            return
        except REFUSED as exc:  # 1001 after the one renewal there may be: for good
            await self._refused(tr, exc)
            return
        except RenderNotFound:
            if job.state is JobState.DELIVERING:
                # only the delivery is left to finish; there is no output link to give
                status = RenderStatus(job.render_id, RenderPhase.FAILED)
            else:
                await self._render_failed(tr, "render not found")
                return
        if isinstance(status, Missed):
            await self._missed(tr, status.delay)
            return
        if job.state is JobState.DELIVERING or status.status is RenderPhase.COMPLETED:
            # the download runs on the poll slot; the upload trades it for a delivery slot
            await self.handover.deliver(tr, status, lambda: self.scheduler.delivering(slot))
        elif status.status is RenderPhase.FAILED:
            await self._render_failed(tr, status.error or "render failed")
        elif status.status is RenderPhase.CANCELLED:
            await self._remote_cancelled(tr)
        else:
            await self._running(tr, status.progress)

    def _time_left(self, job: RenderJob) -> float | None:
        """Seconds until the render times out; None when it was not submitted yet."""
        if job.state is not JobState.RENDERING or not job.submitted_at:
            return None
        return job.submitted_at + self.settings.render_timeout - time.time()

    async def _running(self, tr: Tracked, progress: int) -> None:
        """The render is still running: time it out, or show progress and wait."""
        remaining = self._time_left(tr.job)
        if remaining is not None and remaining <= 0:
            await self._time_out(tr)
            return
        delay = tr.plan.after_poll(asyncio.get_running_loop().time(), progress)
        if not await self._progress(tr, progress):
            return
        if remaining is not None:
            delay = min(delay, remaining + 0.01)
        self.scheduler.schedule(tr, delay)

    async def _missed(self, tr: Tracked, delay: float) -> None:
        """The poll got no answer: time the render out when it is overdue (a render
        that keeps being refused must still end), else try again after `delay`."""
        remaining = self._time_left(tr.job)
        if remaining is not None and remaining <= 0:
            await self._time_out(tr)
            return
        if remaining is not None:
            delay = min(delay, remaining + 0.01)
        self.scheduler.schedule(tr, delay)

    async def _poll(self, tr: Tracked) -> RenderStatus | Missed:
        return await poll(tr, self.identities, self.nemo, self.settings, self.name)

    async def _progress(self, tr: Tracked, progress: int) -> bool:
        """Edit the progress message when it moved enough; False when the job is no
        longer rendering (and was dropped or resynced)."""
        job, settings = tr.job, self.settings
        now = time.time()
        since = now - job.edited_at
        moved = progress - job.edited_progress
        if moved <= 0 or since < settings.edit_interval:
            return True
        if moved < settings.render_edit_step and since < settings.render_edit_interval:
            return True
        # One read keeps a cancelled job's message from being edited back to progress;
        # the progress itself stays in memory (a worker taking over starts afresh).
        state, render_id = await self.store.peek(job)
        if state is not JobState.RENDERING or render_id != job.render_id:
            await self._resync(tr, Transition(False, state))
            return False
        job.progress = job.edited_progress = progress
        job.edited_at = now
        left = tr.plan.remaining(asyncio.get_running_loop().time())
        await self.courier.progress(job, progress, progress_text(job.language, progress, left),
                                    (cancel_button(job.language, job.id),))
        return True

    # --------------------------------------------------------------- submitting

    async def _check_submitting(self, tr: Tracked) -> None:
        """A job still `submitting`: wait for its submitter, or finish its work."""
        job = await self.store.load(tr.job.chat, tr.job.id)
        if job is None or job.state.finished:
            await self._over(tr, job)
            return
        tr.job = job
        if job.state is not JobState.SUBMITTING:
            self.scheduler.schedule(tr, self.first_delay(job, tr))
            return
        age = time.time() - job.submit_started_at
        grace = self.settings.render_submit_grace
        if age < grace:
            self.scheduler.schedule(tr, min(grace - age, tr.plan.after_error()))
            return
        # Its submitter went quiet (it crashed, most likely): whether NemoVideo
        # accepted the persisted render id decides what is left to do.
        log.info("%s: job %s stayed submitting for %.0f s; checking render %s",
                 self.name, job.id, age, job.render_id)
        try:
            status = await self._poll(tr)
        except RenderNotFound:
            await self._resubmit(tr)
            return
        if isinstance(status, Missed):
            self.scheduler.schedule(tr, status.delay)
            return
        await self._after_submission(tr, await self.submitter.started(job, job.render_id))

    async def _resubmit(self, tr: Tracked) -> None:
        """Submit the persisted render id that NemoVideo never saw."""
        job, now = tr.job, time.time()
        moved = await self.store.transition(
            job, [JobState.SUBMITTING], expect_render=job.render_id,
            submit_started_at=now, updated_at=now)
        if not moved.ok:
            await self._resync(tr, moved)
            return
        job.submit_started_at = now
        await self._submit(tr)

    async def _submit(self, tr: Tracked) -> None:
        job = tr.job
        draft, refusal = await self.submitter.read_draft(job.chat, job.session_id)
        if refusal is None and draft is not None:
            submission = await self.submitter.submit(job, draft)
        else:
            submission = refusal or Submission(Submitted.NO_DRAFT)
        await self._after_submission(tr, submission)

    async def _after_submission(self, tr: Tracked, submission: Submission) -> None:
        job = tr.job
        if submission.outcome is Submitted.STARTED:
            tr.plan.restart()
            self.anchor(job, tr)
            self.scheduler.schedule(tr, tr.plan.first_delay())
            return
        if submission.outcome is Submitted.SUPERSEDED:
            current = await self.store.load(job.chat, job.id)
            if current is None or current.state.finished:
                await self._over(tr, current)
                return
            tr.job = current
            self.scheduler.schedule(tr, tr.plan.after_error())
            return
        text, buttons = explain(submission, job.language, self.nemo)
        check = await self.store.transition(job, [JobState.SUBMITTING],
                                            expect_render=job.render_id)
        if check.gone:
            await self.vanished(tr)
            return
        if check.ok:
            await self.courier.edit(job, text, buttons)
            await self.store.finish(job, JobState.FAILED, [JobState.SUBMITTING],
                                    error=submission.outcome.value, updated_at=time.time())
        await self.drop(tr, release=True)

    # ------------------------------------------------------------------ endings

    async def _render_failed(self, tr: Tracked, error: str) -> None:
        job = tr.job
        log.info("%s: job %s: render %s failed (attempt %d): %s", self.name, job.id,
                 job.render_id, job.attempts, error)
        if job.attempts < self.settings.render_attempts:
            await self._retry(tr, error[:200])
            return
        await self._end(tr, JobState.FAILED, [JobState.RENDERING], error[:200],
                        t(job.language, "render.failed", error=error[:200]),
                        (export_button(job.language),), expect_render=job.render_id)

    async def _refused(self, tr: Tracked, exc: BaseException) -> None:
        """NemoVideo refuses the credentials the render is polled with (the contract's
        1001 once the token was renewed where it can be, a linked token expired): polling
        on would only ask for tokens again and again, then blame a slow render. The job
        ends, and the user is told why."""
        job = tr.job
        log.warning("%s: job %s: NemoVideo refuses the credentials render %s is polled "
                    "with (%s); the job ends", self.name, job.id, job.render_id,
                    type(exc).__name__)
        await self._end(tr, JobState.FAILED, [JobState.RENDERING, JobState.DELIVERING],
                        f"credentials refused ({type(exc).__name__})",
                        t(job.language, refused_text(exc)), (export_button(job.language),),
                        expect_render=job.render_id)

    async def _project_gone(self, tr: Tracked) -> None:
        """The render's project is gone (1002): the job ends, and the user is told so."""
        await self._end(tr, JobState.FAILED, [JobState.RENDERING, JobState.DELIVERING],
                        "project gone (1002)", t(tr.job.language, "render.session_lost"))

    async def _end(self, tr: Tracked, state: JobState, live: list[JobState], error: str,
                   text: str, buttons: tuple[Button, ...] = (), *,
                   expect_render: str = "") -> bool:
        """Finish a job still in one of `live` as `state`, its message saying `text`;
        False when it moved on meanwhile (this worker then follows it)."""
        job = tr.job
        check = await self.store.transition(job, live, expect_render=expect_render)
        if not check.ok:
            await self._resync(tr, check)
            return False
        await self.courier.edit(job, text, buttons)
        await self.store.finish(job, state, live, error=error, updated_at=time.time())
        await self.drop(tr)
        return True

    async def _retry(self, tr: Tracked, error: str) -> None:
        """Render again under a new id."""
        job, now = tr.job, time.time()
        fresh = new_render_id()
        ids = [*job.render_ids, fresh]
        moved = await self.store.transition(
            job, [JobState.RENDERING], expect_render=job.render_id,
            state=JobState.SUBMITTING, render_id=fresh, render_ids=ids,
            submit_started_at=now, error=error, edited_progress=0, updated_at=now)
        if not moved.ok:
            await self._resync(tr, moved)
            return
        job.state, job.render_id, job.render_ids = JobState.SUBMITTING, fresh, ids
        job.submit_started_at, job.error, job.edited_progress = now, error, 0
        await self.courier.edit(job, t(job.language, "render.retrying"),
                                (cancel_button(job.language, job.id),))
        await self._submit(tr)

    async def _time_out(self, tr: Tracked) -> None:
        job, lang = tr.job, tr.job.language
        if await self._end(tr, JobState.TIMED_OUT, [JobState.RENDERING], "timed out",
                           timed_out_text(lang, self.settings.render_timeout),
                           (export_button(lang),), expect_render=job.render_id):
            log.info("%s: job %s: render %s timed out", self.name, job.id, job.render_id)
            await self.submitter.cancel_remote(job, job.render_id)

    async def _remote_cancelled(self, tr: Tracked) -> None:
        job = tr.job
        current = await self.store.load(job.chat, job.id)
        if current is None or current.state.finished:
            await self._over(tr, current)
            return
        await self.courier.edit(job, t(job.language, "render.cancelled_remote"),
                                (export_button(job.language),))
        await self.store.finish(job, JobState.CANCELLED,
                                [JobState.RENDERING, JobState.SUBMITTING],
                                error="cancelled by NemoVideo", updated_at=time.time())
        await self.drop(tr)

    # ------------------------------------------------------------------ helpers

    async def _resync(self, tr: Tracked, outcome: Transition) -> None:
        """The job changed under this worker (cancelled, finished, taken over, gone)."""
        if outcome.gone:
            await self.vanished(tr)
            return
        if outcome.before is not None and outcome.before.finished:
            await self.drop(tr, release=True)
            return
        current = await self.store.load(tr.job.chat, tr.job.id)
        if current is None or current.state.finished:
            await self._over(tr, current)
            return
        tr.job = current
        self.scheduler.schedule(tr, tr.plan.after_error())

    async def _over(self, tr: Tracked, current: RenderJob | None) -> None:
        """Nothing is left to do here: the job finished (elsewhere, or was cancelled),
        or it is gone."""
        if current is None:
            await self.vanished(tr)
        else:
            await self.drop(tr, release=True)

    async def vanished(self, tr: Tracked) -> None:
        """The job's hash is gone (Redis lost it, or it expired), so nobody can finish
        it: tell the user from what this worker still knows, rather than leave them
        looking at the last progress, and cancel its render."""
        if not self.scheduler.forget(tr):
            return
        job = tr.job
        log.warning("%s: job %s is gone from Redis; telling %s it was lost",
                    self.name, job.id, job.chat)
        if await self._project_kept(job):  # Export can start it again
            await self.courier.edit(job, t(job.language, "render.lost"),
                                    (export_button(job.language),))
        else:  # Redis lost the chat's project too: Export would find nothing
            await self.courier.edit(job, t(job.language, "render.lost_project"))
        try:
            await self.store.release(tr.shard, tr.entry)
        except Exception as exc:  # the stream went with the job, most likely
            log.info("%s: job %s: could not release entry %s: %s", self.name, job.id,
                     tr.entry, exc)
        if job.state is not JobState.DELIVERING:
            await self.submitter.cancel_remote(job, job.render_id)

    async def _project_kept(self, job: RenderJob) -> bool:
        """Whether the chat still has its project in Redis (True when it cannot tell)."""
        try:
            return bool(await self.store.redis.exists(self.store.keys.session(job.chat)))
        except RedisError:
            return True

    async def drop(self, tr: Tracked, *, release: bool = False) -> None:
        """Stop holding the job; with `release`, also acknowledge its entry."""
        self.scheduler.forget(tr)
        if release:
            await self.store.release(tr.shard, tr.entry)

