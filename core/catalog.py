"""A chat's recent projects and the last video delivered for each, in Redis.

The chat's session (`core.store`) holds the project it works on now; the catalog
remembers the others, so /new never loses a project and /projects can switch back
to one. For each project it also keeps the last video delivered (how to send it
again without rendering: the platform's file reference, or a download link, and a
hash of the draft it was made from), for /last and for an export of a draft that
has not changed since.

Two hashes per chat, field = NemoVideo session id: the projects (written under the
chat's lock by the conversation) and the videos (written by whichever render worker
delivered one). Each write is one command on one key, so neither side can overwrite
the other's, and both expire `CATALOG_TTL` after the last write.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from typing import Any, TypeVar

from core.keys import Keys
from core.messages import ChatKey
from core.nemo.draft import Draft, TrackKind
from core.observed_redis import RedisClient
from core.store import text_of

log = logging.getLogger(__name__)

#: how long a chat's catalog is kept after its last change
CATALOG_TTL = 30 * 24 * 3600
#: how many projects a chat's list keeps (the oldest edited go first)
MAX_PROJECTS = 10

T = TypeVar("T", "ProjectEntry", "Video")

#: titles that name nothing (the task name the bot gives every NemoVideo project)
_NO_TITLE = frozenset({"project", "untitled", "未命名"})


def project_title(draft: Draft) -> str | None:
    """The video's title: its first title text, else the draft's own title (unless it is
    a placeholder)."""
    for track in draft.tracks:
        if track.kind is TrackKind.TEXT and track.texts:
            return track.texts[0]
    title = draft.metadata.title
    return title if title and title.strip().lower() not in _NO_TITLE else None


@dataclass
class ProjectEntry:
    """One project of the chat: enough to switch back to it."""

    session_id: str
    task_id: str = ""
    claim_token: str = ""
    name: str = ""
    aspect: str = ""
    seconds: int = 0
    created_at: float = 0.0
    edited_at: float = 0.0


@dataclass
class Video:
    """The last video delivered for a project, and how to send it again."""

    session_id: str
    job_id: str = ""
    draft_hash: str = ""
    delivered_at: float = 0.0
    #: the platform's reference to the sent file (`Sent.file_ref`), if it has one
    file_ref: str = ""
    #: NemoVideo's download link of the render
    url: str = ""
    caption: str = ""
    project_url: str = ""


def _load(cls: type[T], raw: bytes | str | None) -> T | None:
    if raw is None:
        return None
    try:
        data: dict[str, Any] = json.loads(raw)
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
    except (ValueError, TypeError) as exc:
        log.warning("a damaged catalog entry was skipped: %r", exc)
        return None


class Catalog:
    """Reads and writes the chats' project lists and last videos; keys come from `Keys`."""

    def __init__(self, redis: RedisClient, keys: Keys | None = None, *,
                 ttl: int = CATALOG_TTL) -> None:
        self.redis = redis
        self.keys = keys or Keys()
        self.ttl = ttl

    async def _put(self, key: str, field: str, value: object) -> int:
        """Write one field and push the key's expiry; returns how many fields it has."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, field, json.dumps(asdict(value)))  # type: ignore[call-overload]
            pipe.expire(key, self.ttl)
            pipe.hlen(key)
            return int((await pipe.execute())[-1])

    # -- projects ----------------------------------------------------------
    async def projects(self, chat: ChatKey) -> list[ProjectEntry]:
        """The chat's projects, the most recently edited first."""
        raw = await self.redis.hgetall(self.keys.projects(chat))
        entries = [e for e in (_load(ProjectEntry, v) for v in raw.values()) if e is not None]
        return sorted(entries, key=lambda e: (e.edited_at, e.created_at), reverse=True)

    async def project(self, chat: ChatKey, session_id: str) -> ProjectEntry | None:
        """One project of the chat."""
        return _load(ProjectEntry,
                     await self.redis.hget(self.keys.projects(chat), session_id))

    async def keep(self, chat: ChatKey, entry: ProjectEntry) -> None:
        """Write a project, and forget the oldest beyond `MAX_PROJECTS`."""
        key = self.keys.projects(chat)
        if await self._put(key, entry.session_id, entry) > MAX_PROJECTS:
            stale = (await self.projects(chat))[MAX_PROJECTS:]
            if stale:
                await self.redis.hdel(key, *[e.session_id for e in stale])

    async def forget(self, chat: ChatKey, session_id: str) -> None:
        """Drop a project (NemoVideo lost it) and its video."""
        await self.redis.hdel(self.keys.projects(chat), session_id)
        await self.redis.hdel(self.keys.videos(chat), session_id)

    # -- videos ------------------------------------------------------------
    async def record_video(self, chat: ChatKey, video: Video) -> None:
        """Remember the video just delivered for its project."""
        await self._put(self.keys.videos(chat), video.session_id, video)

    async def video(self, chat: ChatKey, session_id: str) -> Video | None:
        """The last video delivered for a project."""
        return _load(Video, await self.redis.hget(self.keys.videos(chat), session_id))

    async def videos(self, chat: ChatKey) -> dict[str, Video]:
        """The last video of each of the chat's projects, by session id."""
        raw = await self.redis.hgetall(self.keys.videos(chat))
        found = {text_of(k): _load(Video, v) for k, v in raw.items()}
        return {k: v for k, v in found.items() if v is not None}

    async def last_video(self, chat: ChatKey, session_id: str | None) -> Video | None:
        """The project's last video, else the chat's most recent one."""
        videos = await self.videos(chat)
        if session_id and session_id in videos:
            return videos[session_id]
        return max(videos.values(), key=lambda v: v.delivered_at, default=None)
