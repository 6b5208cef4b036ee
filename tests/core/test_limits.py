"""The skill's limits, told kindly: streaming-service links are not uploaded (the built-in
library is offered), and photos alone are explained as a slideshow."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from core.conversation.limits import streaming_service
from core.embedded_redis import EmbeddedRedis
from core.messages import LocalFileAttachment
from core.simulator import Simulator
from tests.kits.conversation import kit


@pytest.mark.parametrize(("url", "service"), [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "YouTube"),
    ("https://youtu.be/dQw4w9WgXcQ", "YouTube"),
    ("https://music.youtube.com/watch?v=1", "YouTube"),
    ("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "Spotify"),
    ("https://music.apple.com/us/album/x/1?i=2", "Apple Music"),
    ("https://soundcloud.com/artist/track", "SoundCloud"),
    ("https://vm.tiktok.com/ZM123/", "TikTok"),
    ("https://example.com/youtube.com/clip.mp4", None),
    ("https://notyoutube.com/a.mp4", None),
    ("https://cdn.example.com/song.mp3", None),
])
def test_streaming_services_are_recognised(url: str, service: str | None) -> None:
    assert streaming_service(url) == service


async def test_streaming_links_are_answered_with_the_built_in_library(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC "
                    "https://youtu.be/dQw4w9WgXcQ")
        reply = k.out.records[-1]
        assert "I can't use Spotify, YouTube links" in reply.text
        assert "built-in library has similar styles" in reply.text
        [library] = reply.buttons
        assert library.label == "Use built-in music"
        assert "upload_urls" not in k.kinds(), "nothing was sent to the upload"
        await k.say(f"/choose {library.value}")
        assert k.kinds().count("run_sse") == 1, "the library's music was asked of the agent"


async def test_photos_alone_are_explained_as_a_slideshow(
        simulator: Simulator, redis_server: EmbeddedRedis, tmp_path: Path) -> None:
    photo = tmp_path / "beach.png"
    photo.write_bytes(png())
    async with kit(simulator, redis_server.url) as k:
        await k.say("", attachments=(LocalFileAttachment(photo),))
        reply = k.out.records[-1]
        assert "Received: beach.png" in k.last()
        assert "Photos alone make a slideshow" in k.last()
        [slideshow] = reply.buttons
        assert slideshow.label == "Make a slideshow"
        await k.say(f"/choose {slideshow.value}")
        assert k.kinds().count("run_sse") == 1


def png(width: int = 16, height: int = 16) -> bytes:
    """A valid red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))
