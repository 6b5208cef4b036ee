"""Handing a finished render to the chat: as a file when the platform takes it,
otherwise as a link, always with the project link.

Exactly-once, and the choice made for the one window no store can close
(between the platform accepting a message and Redis recording that it did):

* A job's result is sent only by the worker that takes the job's delivery
  marker (`SET <job>:delivered` inside a script that also checks the job is
  still rendering, so a cancelled job is never delivered). The marker is taken
  after the file is downloaded, right before the adapter call, and never
  expires while the job lives. A worker that reclaims the job later (after a
  delivery, before the acknowledgement) finds the marker and does not send
  again: **sending the video is at most once**.
* A worker that dies inside that window leaves a marker but no record. The
  worker reclaiming the job does not know whether the video arrived, so it
  does the only idempotent thing: it edits the job's progress message into
  "Video ready" with the download and project links. Edits can repeat
  harmlessly, so **the final status edit is at least once**, and a user never
  ends up without the video (a duplicate file would be the alternative; a
  second copy of a large video is the worse failure for a chat).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import httpx
from redis.exceptions import RedisError

from core.i18n import t
from core.identity import Identities
from core.nemo.api import NemoApi
from core.nemo.models import RenderStatus
from core.outgoing import (
    Busy,
    Button,
    Outgoing,
    ProgressReport,
    Sent,
    Unreachable,
    when_allowed,
)
from core.renders.again import video_caption, video_filename
from core.renders.job_record import JobState, RenderJob
from core.renders.jobs import JobStore
from core.renders.submit import CALL_ERRORS
from core.renders.texts import project_button

log = logging.getLogger(__name__)

#: seconds a finished render's download may take before its message says it is coming
FETCHING_AFTER = 3.0


class Sending(StrEnum):
    """What reached the chat."""

    FILE = "file"
    LINK = "link"
    TEXT = "text"  # "ready" without a link: NemoVideo gave none


@dataclass(frozen=True)
class Prepared:
    """A finished render made ready to send: a local file, or a link to give."""

    path: Path | None
    url: str | None
    reason: str  # the text key explaining why it is a link, when it is one


def size_words(size: int | None) -> str:
    """A file size limit as people say it ("50 MB", "8 MB", "2000 MB")."""
    if not size:
        return "?"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"


class _TooLarge(Exception):
    """The download grew past what the platform can take."""


class Courier:
    """Fetches a finished render and sends it through the adapter."""

    def __init__(self, outgoing: Outgoing, nemo: NemoApi, identities: Identities,
                 tmp_dir: Path | None = None, *, store: JobStore | None = None) -> None:
        self.outgoing = outgoing
        self.nemo = nemo
        self.identities = identities
        self.tmp_dir = tmp_dir
        self.store = store

    async def project_url(self, job: RenderJob) -> str | None:
        """The browser link to the project (a claim token; never an API token)."""
        token = job.claim_token
        if not token and job.task_id and job.session_id:
            try:
                claim = await self.identities.call(
                    job.chat,
                    lambda creds: self.nemo.claim_token(creds, job.task_id, job.session_id))
            except CALL_ERRORS as exc:
                log.info("job %s: no project link (%s)", job.id, type(exc).__name__)
                return None
            token = job.claim_token = claim.claim_token
        return self.nemo.claim_url(token) if token else None

    @contextlib.asynccontextmanager
    async def prepare(self, job: RenderJob, status: RenderStatus) -> AsyncIterator[Prepared]:
        """Download the render to a temporary file when the platform can take its size;
        yields a `Prepared` and removes the file afterwards."""
        limit = self.outgoing.max_file_size(job.chat)
        if limit is None:
            yield Prepared(None, status.output_url, "render.ready_link_only")
            return
        if status.size is not None and status.size > limit:
            yield Prepared(None, status.output_url, "render.ready_link")
            return
        fd, name = tempfile.mkstemp(prefix="nemobot-render-", suffix=".mp4", dir=self.tmp_dir)
        os.close(fd)
        path = Path(name)
        try:
            reason = ""
            try:
                await self._download(job, status, path, limit)
            except _TooLarge:
                reason = "render.ready_link"
            except (*CALL_ERRORS, OSError, httpx.HTTPError) as exc:
                log.warning("job %s: download of %s failed (%s); sending a link",
                            job.id, status.render_id, exc)
                reason = "render.ready_fetch_failed"
            if reason:
                yield Prepared(None, status.output_url, reason)
            else:
                yield Prepared(path, status.output_url, "")
        finally:
            await asyncio.to_thread(path.unlink, missing_ok=True)

    async def _download(self, job: RenderJob, status: RenderStatus, path: Path,
                        limit: int) -> None:
        def check(received: int, total: int | None) -> None:
            if received > limit or (total is not None and total > limit):
                raise _TooLarge

        editing: list[bool] = []  # the notice's edit started: it is let finish
        telling = asyncio.create_task(self._fetching(job, editing),
                                      name=f"job {job.id}: fetching")
        try:
            await self.identities.call(
                job.chat,
                lambda creds: self.nemo.download(creds, status.render_id, status.output_url,
                                                 path, on_progress=check))
        finally:
            if not editing:
                telling.cancel()  # the download was quick: nothing to say
            with contextlib.suppress(asyncio.CancelledError):
                await telling
        size = (await asyncio.to_thread(path.stat)).st_size
        if size > limit:
            raise _TooLarge

    async def _fetching(self, job: RenderJob, editing: list[bool]) -> None:
        """A download still going after `FETCHING_AFTER` seconds: the progress message
        says the render is done and the video on its way (no Cancel left to press)."""
        await asyncio.sleep(FETCHING_AFTER)
        editing.append(True)
        await self.edit(job, t(job.language, "render.fetching"))

    async def send(self, job: RenderJob, prepared: Prepared,
                   project: str | None) -> tuple[Sending, Sent]:
        """Send the video (or its link). Adapter errors propagate; a file the adapter
        refuses is offered once more as a link when there is one."""
        lang = job.language
        buttons = project_button(lang, project)
        reply_to = job.reply_to or None
        if prepared.path is not None:
            try:
                sent = await self.outgoing.send_file(
                    job.chat, prepared.path, video_filename(job), caption=video_caption(job),
                    buttons=buttons, reply_to=reply_to)
                return Sending.FILE, sent
            except (Unreachable, Busy):
                raise  # nor would a link reach the chat (now)
            except Exception as exc:
                if not prepared.url:
                    raise
                log.warning("job %s: the adapter refused the file (%r); sending the link",
                            job.id, exc)
        if prepared.url:
            # a file the adapter refused after the download: the platform said no
            reason = prepared.reason or "render.ready_link_refused"
            text = t(lang, reason, limit=size_words(self.outgoing.max_file_size(job.chat)))
            sent = await self.outgoing.send_link(
                job.chat, "\n".join(filter(None, (text, job.summary))),
                prepared.url, t(lang, "render.download"), buttons=buttons, reply_to=reply_to)
            return Sending.LINK, sent
        sent = await self.outgoing.send_text(job.chat, t(lang, "render.ready_no_file"), buttons,
                                             reply_to=reply_to)
        return Sending.TEXT, sent

    async def recovered(self, job: RenderJob, url: str | None, project: str | None, *,
                        busy_patience: float = 0.0) -> bool:
        """The idempotent ending after a delivery whose outcome is unknown: the progress
        message becomes "Video ready" with the download and project links. A platform
        that is busy (`Busy`) gets the edit again once it allows, for up to
        `busy_patience` seconds of waits. False when the edit failed."""
        buttons: tuple[Button, ...] = ()
        if url:
            buttons = (Button(t(job.language, "render.download"), url=url),)
        return await self.edit(job, t(job.language, "render.done_recovered"),
                               buttons + project_button(job.language, project),
                               busy_patience=busy_patience)

    async def progress(self, job: RenderJob, percent: int, text: str,
                       buttons: tuple[Button, ...] = ()) -> bool:
        """Show the render's progress in its message; adapter errors are logged, not raised."""
        if not job.message_id:
            return False
        report = ProgressReport("render", percent, 100, text, buttons)
        try:
            shown = await self.outgoing.progress(job.chat, Sent(job.message_id), report)
        except Exception as exc:  # a deleted chat or message must not stop the render
            log.warning("job %s: could not show progress in %s: %r", job.id, job.chat, exc)
            return False
        await self._follow(job, shown)
        return True

    async def edit(self, job: RenderJob, text: str, buttons: tuple[Button, ...] = (), *,
                   busy_patience: float = 0.0) -> bool:
        """Edit the job's progress message; adapter errors are logged, not raised. A
        platform that is busy gets the edit again once it allows, for up to
        `busy_patience` seconds of waits (30 s when it names none)."""
        if not job.message_id:
            return False
        message = Sent(job.message_id)
        try:
            shown = await when_allowed(
                lambda: self.outgoing.edit_text(job.chat, message, text, buttons),
                patience=busy_patience, pause=30.0, growth=1.0, what=f"job {job.id}")
        except Exception as exc:  # a deleted chat or message must not stop the render
            log.warning("job %s: could not edit message %s in %s: %r", job.id, job.message_id,
                        job.chat, exc)
            return False
        await self._follow(job, shown)
        return True

    async def _follow(self, job: RenderJob, shown: Sent) -> None:
        """The user deleted the job's message and the adapter sent it anew: the next
        edits go to the new one (or a copy with a live Cancel button stays behind)."""
        if not shown.message_id or shown.message_id == job.message_id:
            return
        job.message_id = shown.message_id
        if self.store is not None:
            try:
                await self.store.transition(job, list(JobState), message_id=shown.message_id)
            except RedisError as exc:  # this process edits the new one all the same
                log.info("job %s: its new message %s was not recorded: %r", job.id,
                         shown.message_id, exc)
