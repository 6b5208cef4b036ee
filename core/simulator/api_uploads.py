"""Upload routes: files (multipart) or links (JSON) added to a session, probed with
ffmpeg, all or nothing."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web

from core.simulator.api_base import Routes, json_body, ok
from core.simulator.errors import bad_request
from core.simulator.media import Probe, file_type_of, probe
from core.simulator.state import MediaFile, Session
from core.simulator.uploads import (
    Received,
    receive_parts,
    receive_urls,
    unreadable_file,
)
from core.simulator.uploads import delete as delete_received


class Uploads(Routes):
    """`/api/upload-video/...`."""

    def routes(self, app: web.Application) -> None:
        """Register the routes; a route's name starts with its request-log kind."""
        r = app.router
        r.add_post("/api/upload-video/nemo_agent/me/{sid}", self.upload, name="upload")

    async def upload(self, request: web.Request) -> web.Response:
        """`POST /api/upload-video/nemo_agent/me/<sid>`: multipart files or JSON URLs."""
        _, user = self._auth(request)
        session = self._session(request.match_info["sid"], user)
        limit = self.sim.config.max_upload_bytes
        if request.content_type.startswith("multipart/"):
            received = await receive_parts(request, self.sim.media_dir, limit)
        elif request.content_type == "application/json":
            body = await json_body(request)
            received = await receive_urls(body, self.sim.http, self.sim.media_dir, limit)
        else:
            raise bad_request("send multipart files or JSON {urls: [...]}")
        probes = [await probe(item.path, file_type_of(item.filename) or "video")
                  for item in received]
        unreadable = [item.filename for item, info in zip(received, probes, strict=True)
                      if not info.readable]
        if unreadable:
            # All or nothing, as for a refused type: nothing of the request is kept.
            await delete_received(received)
            raise unreadable_file(unreadable)
        files = [self._store_media(session, item, info)
                 for item, info in zip(received, probes, strict=True)]
        return ok({"files": [f.info() for f in files], "session_state_applied": True})

    def _store_media(self, session: Session, item: Received, info: Probe) -> MediaFile:
        file_type = file_type_of(item.filename) or "video"
        media = MediaFile(
            media_id=item.media_id,
            filename=item.filename,
            file_type=file_type,
            path=item.path,
            url=self.sim.url_for(f"/cdn/{item.media_id}/{quote(item.filename, safe='')}"),
            size=item.size,
            hash=item.hash,
            duration=info.duration,
            width=info.width,
            height=info.height,
            fps=info.fps,
            has_video=info.has_video,
            has_audio=info.has_audio,
        )
        self.sim.store.media[item.media_id] = media
        session.media.append(media)
        session.analyses.append(_analysis(media))
        return media


def _analysis(media: MediaFile) -> dict[str, Any]:
    """A short description of an uploaded file, as `state.video_analyses` lists it."""
    if media.file_type == "audio":
        summary = f"Audio, {media.duration:g} s" if media.duration else "Audio"
    elif media.width and media.height:
        kind = "Picture" if media.file_type == "image" else "Video"
        length = f", {media.duration:g} s" if media.duration and media.file_type == "video" else ""
        summary = f"{kind}, {media.width}x{media.height}{length}"
    else:
        summary = "Unreadable media"
    return {"filename": media.filename, "file_type": media.file_type, "summary": summary}
