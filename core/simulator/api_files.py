"""File routes: finished renders at their output URLs, uploads at their `cdn_url`, and
generated clips and tones (rendered the first time they are asked for)."""

from __future__ import annotations

import re

from aiohttp import web

from core.simulator.api_base import Routes
from core.simulator.media import MEDIA_TYPES, extension


class Files(Routes):
    """`/outputs/...` and `/cdn/...`."""

    def routes(self, app: web.Application) -> None:
        """Register the routes; a route's name starts with its request-log kind."""
        r = app.router
        r.add_get("/outputs/{name}", self.output, name="output")
        r.add_get("/cdn/gen/{name}", self.generated_file, name="media.gen")
        r.add_get("/cdn/{mid}/{name}", self.media_file, name="media")

    async def output(self, request: web.Request) -> web.StreamResponse:
        """A finished render at its public output URL."""
        name = request.match_info["name"]
        if not re.fullmatch(r"[0-9a-f]{16}\.mp4", name):
            raise web.HTTPNotFound()
        path = self.sim.output_dir / name
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path, headers={"Content-Type": "video/mp4"})

    async def media_file(self, request: web.Request) -> web.StreamResponse:
        """An uploaded file at its `cdn_url`."""
        media = self.sim.store.media.get(request.match_info["mid"])
        if media is None or not media.path.is_file():
            raise web.HTTPNotFound()
        content_type = MEDIA_TYPES.get(extension(media.filename), "application/octet-stream")
        return web.FileResponse(media.path, headers={"Content-Type": content_type})

    async def generated_file(self, request: web.Request) -> web.StreamResponse:
        """A generated clip or tone; rendered the first time it is asked for."""
        name = request.match_info["name"]
        gen = self.sim.store.generated.get(name.rsplit(".", 1)[0])
        if gen is None:
            raise web.HTTPNotFound()
        async with self.sim.generation_lock(gen.gen_id):
            if gen.path is None or not gen.path.is_file():
                path = self.sim.generated_dir / name
                await self.sim.renderer.write_generated(gen.kind, gen.spec, path)
                gen.path = path
        content_type = "video/mp4" if gen.kind == "video" else "audio/mp4"
        return web.FileResponse(gen.path, headers={"Content-Type": content_type})

