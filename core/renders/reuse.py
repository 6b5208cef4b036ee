"""An export served by a render it need not make: the running render of the same draft
(it will deliver), or the last video of an unchanged draft, sent again.

Each export request is served once. It claims the serving job first
(`ExportRequests.claim_job`); a run of the same request that finds it claimed (the
request resumed after a restart, or run by a holder that had not yet noticed it lost
the chat) sends nothing. From the claim on, saying so and sending run to the end even
when the export is stopped meanwhile (a lost lock, a stop): the next run would find the
request served, so stopping there would lose the video. What no process can close is
its own death between the claim and the end: as for a delivery (see
`core.renders.delivery`), a run that finds the request claimed but not known to be
served ends its message the way an edit can repeat ("Video ready. If it did not arrive,
use the link below.", or "already rendering" for a running render), and never sends the
video a second time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence

from core.catalog import Catalog, Video
from core.i18n import t
from core.messages import ChatKey
from core.outgoing import Button, Outgoing, Sent
from core.renders.again import send_again
from core.renders.job_record import RenderJob
from core.renders.requests import ExportRequest, ExportRequests
from core.renders.submit import Submitted

log = logging.getLogger(__name__)

Outcome = tuple[Submitted, str] | None


class Reuse:
    """Serves exports whose draft was rendered already (see the module)."""

    def __init__(self, outgoing: Outgoing, catalog: Catalog, requests: ExportRequests) -> None:
        self.outgoing = outgoing
        self.catalog = catalog
        self.requests = requests
        self._serving: set[asyncio.Task[Outcome]] = set()

    async def serve(self, chat: ChatKey, running: Sequence[RenderJob], session_id: str,
                    digest: str, sent: Sent, lang: str, *, reply_to: str | None,
                    request: str, project_url: str | None = None) -> Outcome:
        """Serve the export from a `running` render of the same draft (`digest`) or the
        project's last video: the outcome (`REUSED`, or `ALREADY` when the request was
        served before) and the serving job; None when it must be rendered. A video sent
        again goes with `project_url` when given (a fresh project link) rather than the
        one it was delivered with."""
        same = next((job for job in running
                     if job.session_id == session_id and job.draft_hash == digest), None)
        if same is not None:
            log.info("export in %s: render %s of this draft is running", chat, same.id)
            text = t(lang, "render.reused_running")
            return await self._claimed(chat, request, same.id, "render.reused_running", "",
                                       lambda: self._say(chat, sent, text))
        video = await self.catalog.video(chat, session_id)
        if video is None or video.draft_hash != digest or not (video.file_ref or video.url):
            return None
        log.info("export in %s: unchanged since job %s; sending it again", chat, video.job_id)
        return await self._claimed(
            chat, request, video.job_id, "render.done_recovered", video.url,
            lambda: self._send(chat, sent, lang, video, reply_to=reply_to, request=request,
                               project_url=project_url))

    async def finish(self, chat: ChatKey, request: str, earlier: ExportRequest,
                     lang: str) -> None:
        """End the message of a request claimed by a run nobody saw end (see the module)."""
        if not earlier.unsure:
            return
        log.info("export in %s: request %s was served by job %s without a known end; "
                 "ending its message", chat, request, earlier.job_id)
        link = (Button(t(lang, "render.download"), url=earlier.url),) if earlier.url else ()
        await self.outgoing.edit_text(chat, Sent(earlier.message_id), t(lang, earlier.ending),
                                      link)
        await self.requests.served(chat, request)

    async def _claimed(self, chat: ChatKey, request: str, job_id: str, ending: str,
                       url: str, serve: Callable[[], Awaitable[bool]]) -> Outcome:
        """Claim the job for the request and serve it, to the end even when the caller is
        stopped meanwhile (a claim made in Redis whose answer was cut off counts too)."""
        task = asyncio.ensure_future(
            self._claim_and_serve(chat, request, job_id, ending, url, serve))
        self._serving.add(task)
        task.add_done_callback(self._done)
        return await asyncio.shield(task)

    def _done(self, task: asyncio.Task[Outcome]) -> None:
        self._serving.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("an export served by an earlier render failed: %r", exc)

    async def _claim_and_serve(self, chat: ChatKey, request: str, job_id: str, ending: str,
                               url: str, serve: Callable[[], Awaitable[bool]]) -> Outcome:
        if request:
            other = await self.requests.claim_job(chat, request, job_id, ending=ending,
                                                  url=url)
            if other:
                log.info("export in %s: request %s was served by job %s already", chat,
                         request, other)
                return Submitted.ALREADY, other
        if not await serve():
            return None
        if request:
            await self.requests.served(chat, request)
        return Submitted.REUSED, job_id

    async def _say(self, chat: ChatKey, sent: Sent, text: str) -> bool:
        await self.outgoing.edit_text(chat, sent, text)
        return True

    async def _send(self, chat: ChatKey, sent: Sent, lang: str, video: Video, *,
                    reply_to: str | None, request: str, project_url: str | None) -> bool:
        """The video again; False (the claim withdrawn) when the platform no longer has
        it and there is no link: then it is rendered."""
        link = (Button(t(lang, "render.download"), url=video.url),) if video.url else ()
        await self.outgoing.edit_text(chat, sent, t(lang, "render.reused_done"), link)
        if project_url:
            video = dataclasses.replace(video, project_url=project_url)
        if await send_again(self.outgoing, chat, video, lang, reply_to=reply_to):
            return True
        if request:
            await self.requests.forget_job(chat, request)
        await self.outgoing.edit_text(chat, sent, t(lang, "render.started"))
        return False
