"""The delivery step: a finished render is sent to its chat once (see
`core.renders.delivery` for why "once" holds however workers come and go)."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from core.catalog import Catalog, Video
from core.i18n import t
from core.nemo.models import RenderStatus
from core.outgoing import Sent, when_allowed
from core.renders.again import video_caption
from core.renders.delivery import Courier, Prepared, Sending
from core.renders.job_record import JobState
from core.renders.jobs import JobStore
from core.renders.scheduler import Tracked

log = logging.getLogger(__name__)


Gate = Callable[[], AbstractAsyncContextManager[None]]

#: how long a finished video waits in all for a platform that is busy (a rate limit, a
#: server error), and the first pause when the platform does not say how long
BUSY_PATIENCE = 180.0
FIRST_BUSY_PAUSE = 5.0
#: ... and how long the links that end a video never taken wait for it (edits repeat
#: harmlessly: the one thing a user must not be left without)
LINKS_PATIENCE = 900.0


class Ends(Protocol):
    """How a job leaves the worker (see `Steps`)."""

    async def drop(self, tr: Tracked, *, release: bool = False) -> None:
        """Stop holding the job; with `release`, also acknowledge its entry."""

    async def vanished(self, tr: Tracked) -> None:
        """The job is gone from Redis: tell its user."""


class Handover:
    """Delivers the finished renders of one worker (`name` is its consumer name)."""

    def __init__(self, name: str, store: JobStore, courier: Courier, ends: Ends) -> None:
        self.name = name
        self.store = store
        self.courier = courier
        self.ends = ends
        self.catalog = Catalog(store.redis, store.keys)

    async def deliver(self, tr: Tracked, status: RenderStatus, upload: Gate) -> None:
        """Send the finished render once (see `core.renders.delivery`). The upload runs
        inside `upload()`, the bound on uploads in flight (an adapter may hold the whole
        video in memory while it uploads); the download streams to disk and needs none."""
        job = tr.job
        if not tr.holder:
            tr.holder = f"{self.name}/{uuid.uuid4().hex[:12]}"
        if tr.project is None:
            tr.project = await self.courier.project_url(job) or ""
        earlier = await self.store.delivery_holder(job)
        if earlier is None:
            async with self.courier.prepare(job, status) as prepared:
                verdict, holder = await self.store.claim_delivery(job, tr.holder)
                if verdict == "claimed":
                    await self._send(tr, prepared, upload)
                    return
        else:
            verdict, holder = "taken", earlier
        if verdict == "missing":
            await self.ends.vanished(tr)
        elif verdict != "taken":
            # cancelled or finished meanwhile: nothing to send
            await self.ends.drop(tr, release=True)
        elif holder == tr.holder and tr.sent:
            await self._delivered(tr)
        else:
            await self._recover(tr, status, holder)

    async def _send(self, tr: Tracked, prepared: Prepared, upload: Gate) -> None:
        """Hand the prepared video to the adapter (this worker holds the marker). A
        platform that is busy (`Busy`: nothing was posted) gets it again once it says
        it may, for up to `BUSY_PATIENCE` seconds."""
        job = tr.job

        async def send() -> tuple[Sending, Sent]:
            async with upload():  # not held while waiting for a busy platform
                return await self.courier.send(job, prepared, tr.project or None)

        try:
            sending, sent = await when_allowed(send, patience=BUSY_PATIENCE,
                                               pause=FIRST_BUSY_PAUSE, what=f"job {job.id}")
        except Exception as exc:  # chat deleted, bot blocked...: not ours to fix
            await self._undelivered(tr, prepared, exc)
            return
        tr.sent, tr.sent_message = True, sent.message_id
        await self._remember(tr, sending, sent, prepared)
        await self._delivered(tr)

    async def _undelivered(self, tr: Tracked, prepared: Prepared, exc: BaseException) -> None:
        """The platform did not take the video (nor its link). Its progress message
        becomes "Video ready" with the download and project links, rather than stay at
        its last percentage with a Cancel button: an edit may still go where a new
        message may not (a Discord interaction's message, where the bot may not post)."""
        job = tr.job
        log.warning("%s: job %s could not be delivered to %s: %r", self.name, job.id,
                    job.chat, exc)
        if await self.courier.recovered(job, prepared.url, tr.project or None,
                                        busy_patience=LINKS_PATIENCE):
            await self.store.finish(job, JobState.DELIVERED, [JobState.DELIVERING],
                                    error=f"adapter: {type(exc).__name__}; links given",
                                    updated_at=time.time())
        else:
            await self.store.finish(
                job, JobState.UNDELIVERABLE, [JobState.DELIVERING],
                error=f"adapter: {type(exc).__name__}", updated_at=time.time())
        await self.ends.drop(tr)

    async def _remember(self, tr: Tracked, sending: Sending, sent: Sent,
                        prepared: Prepared) -> None:
        """Keep how to send this video again (/last, an export of the same draft)."""
        job = tr.job
        video = Video(session_id=job.session_id, job_id=job.id, draft_hash=job.draft_hash,
                      delivered_at=time.time(), file_ref=sent.file_ref or "",
                      url=prepared.url or "", caption=video_caption(job),
                      project_url=tr.project or "")
        if sending is Sending.TEXT or not (video.file_ref or video.url):
            return
        try:
            await self.catalog.record_video(job.chat, video)
        except Exception as exc:  # only /last and a later export miss it
            log.warning("%s: job %s: the delivered video was not remembered: %r",
                        self.name, job.id, exc)

    async def _recover(self, tr: Tracked, status: RenderStatus, holder: str) -> None:
        """Someone took the marker and never recorded the outcome: the video may or
        may not have arrived. Never send it twice; make sure the links are there."""
        job = tr.job
        state, _ = await self.store.peek(job)
        if state is None:
            await self.ends.vanished(tr)
            return
        if state.finished:
            # the holder recorded its outcome (this worker held a stale copy of the job)
            await self.ends.drop(tr, release=True)
            return
        log.warning("%s: job %s: delivery by %s has no outcome; finishing with links",
                    self.name, job.id, holder)
        await self.courier.recovered(job, status.output_url, tr.project or None)
        await self.store.finish(job, JobState.DELIVERED, [JobState.DELIVERING],
                                updated_at=time.time())
        await self.ends.drop(tr)

    async def _delivered(self, tr: Tracked) -> None:
        job = tr.job
        await self.courier.edit(job, t(job.language, "render.done"))
        outcome = await self.store.finish(job, JobState.DELIVERED, [JobState.DELIVERING],
                                          delivered_message=tr.sent_message,
                                          updated_at=time.time())
        # gone meanwhile: the video was sent all the same, only its entry is left
        await self.ends.drop(tr, release=outcome.gone)
