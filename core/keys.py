"""Every Redis key the service uses is built here, and only here.

Keys are laid out for Redis Cluster, where a script or a transaction may only
touch keys of one hash slot (the part of a key between the first `{` and the
next `}`, its hash tag, picks the slot):

* a chat's own keys carry the chat as their tag (`nemobot:chat:{telegram:42}:session`),
  so its session, lock, queue and current event are always together;
* render jobs live in shards: a platform's renders are spread over
  `render_shards` streams, a chat's renders always in the same one (`render_shard`),
  and the stream, its jobs, their delivery markers and the chat's set of live
  renders share the shard's tag (`nemobot:{r:telegram:3}:renders`), so every step of
  a job is one script while the shards spread the work over the cluster;
* the few keys shared by every chat (pending chats, quota counters, usage) are
  only ever touched one at a time, or share one tag (`{quota}`).

All processes of a deployment must use the same prefix and RENDER_SHARDS:
`nemobot migrate` moves keys written under older names (or another shard count)
to the names built here.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from core.messages import ChatKey

#: render streams per platform unless RENDER_SHARDS says otherwise
DEFAULT_RENDER_SHARDS = 4


@dataclass(frozen=True, order=True)
class RenderShard:
    """One of a platform's render streams, with the jobs queued on it."""

    platform: str
    index: int

    def __str__(self) -> str:
        return f"{self.platform}:{self.index}"


@dataclass(frozen=True)
class Keys:
    """Builds Redis keys under one prefix (so several deployments can share a Redis)."""

    prefix: str = "nemobot"
    #: how many render streams each platform's renders are spread over
    render_shards: int = DEFAULT_RENDER_SHARDS

    def __post_init__(self) -> None:
        if "{" in self.prefix or "}" in self.prefix:
            raise ValueError("a key prefix may not contain braces (they choose hash slots)")
        if self.render_shards < 1:
            raise ValueError("render_shards must be at least 1")

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    @staticmethod
    def _tag(text: str) -> str:
        """`text` as a hash tag (a closing brace would end the tag early: it is escaped)."""
        return "{" + text.replace("}", "%7D") + "}"

    def _chat(self, chat: ChatKey, *parts: str) -> str:
        return self._k("chat", self._tag(str(chat)), *parts)

    # -- per chat ---------------------------------------------------------
    def session(self, chat: ChatKey) -> str:
        """Hash: the chat's NemoVideo session, language, last draft, message in flight."""
        return self._chat(chat, "session")

    def identity(self, chat: ChatKey) -> str:
        """Hash: the chat's NemoVideo identity (client id, token, user id). Kept longer."""
        return self._chat(chat, "identity")

    def inbox(self, chat: ChatKey) -> str:
        """List: messages waiting for the chat's turn, oldest first."""
        return self._chat(chat, "inbox")

    def taken(self, chat: ChatKey) -> str:
        """Sorted set: ids of the chat's latest messages taken into its queue (a platform
        that sends a message again finds it there)."""
        return self._chat(chat, "taken")

    def current(self, chat: ChatKey) -> str:
        """List (at most one item): the event being handled, until it is done; what a
        restarted process finds here was interrupted."""
        return self._chat(chat, "current")

    def lock(self, chat: ChatKey) -> str:
        """String: the chat's lock (holder token, with expiry)."""
        return self._chat(chat, "lock")

    def export_request(self, chat: ChatKey, request: str) -> str:
        """Hash: what one export request of the chat (the id of the message asking for it)
        made so far: its progress message and its render job, so running it again finds
        them (`core.renders.requests`). In the chat's render shard, beside its jobs: the
        script that makes a job records it here in the same step."""
        return self._chat_render(chat, "export", request)

    def projects(self, chat: ChatKey) -> str:
        """Hash: the chat's recent projects, by NemoVideo session id (`core.catalog`)."""
        return self._chat(chat, "projects")

    def videos(self, chat: ChatKey) -> str:
        """Hash: the last video delivered for each of the chat's projects, by session id."""
        return self._chat(chat, "videos")

    def album(self, chat: ChatKey, group_id: str) -> str:
        """List: parts of a media album being gathered."""
        return self._chat(chat, "album", group_id)

    def album_taker(self, chat: ChatKey, group_id: str) -> str:
        """String (with expiry): the process handing the gathered album to the chat."""
        return self._chat(chat, "album", group_id, "taker")

    def album_unanswered(self, chat: ChatKey, group_id: str) -> str:
        """Sorted set (with expiry): message ids of an album's parts stored but not yet
        acknowledged to the platform (by the time they were stored)."""
        return self._chat(chat, "album", group_id, "unanswered")

    def album_done(self, chat: ChatKey, group_id: str) -> str:
        """Set (with expiry): message ids of a delivered album's parts (a part sent again
        is not a new album)."""
        return self._chat(chat, "album", group_id, "done")

    # -- per user ---------------------------------------------------------
    def user_language(self, platform: str, user_id: str) -> str:
        """String: the reply language a user chose with /language (on one platform)."""
        return self._k("user", platform, user_id, "language")

    # -- render jobs, by shard ----------------------------------------------
    def render_shard(self, chat: ChatKey) -> RenderShard:
        """The shard that holds the chat's renders (the same in every process)."""
        index = zlib.crc32(str(chat).encode()) % self.render_shards
        return RenderShard(chat.platform, index)

    def render_shards_of(self, platform: str) -> list[RenderShard]:
        """Every render shard of a platform (a render worker reads them all)."""
        return [RenderShard(platform, i) for i in range(self.render_shards)]

    def _render(self, shard: RenderShard, *parts: str) -> str:
        return self._k(self._tag(f"r:{shard}"), *parts)

    def _where(self, where: ChatKey | RenderShard) -> RenderShard:
        return where if isinstance(where, RenderShard) else self.render_shard(where)

    def render_stream(self, where: ChatKey | RenderShard) -> str:
        """Stream: render jobs to poll (a shard's, or the chat's shard's); one consumer
        group per platform."""
        return self._render(self._where(where), "renders")

    def render_job(self, where: ChatKey | RenderShard, job_id: str) -> str:
        """Hash: one render job (in its chat's shard)."""
        return self._render(self._where(where), "render", job_id)

    def render_delivered(self, where: ChatKey | RenderShard, job_id: str) -> str:
        """String: set once when the render's result was delivered."""
        return self._render(self._where(where), "render", job_id, "delivered")

    def _chat_render(self, chat: ChatKey, *parts: str) -> str:
        """A key of the chat that render scripts touch: in the chat's render shard."""
        return self._render(self.render_shard(chat), "chat", str(chat), *parts)

    def chat_renders(self, chat: ChatKey) -> str:
        """Set: render ids of the chat that are not finished (in the chat's shard)."""
        return self._chat_render(chat, "renders")

    def render_job_match(self, platform: str = "*") -> str:
        """A SCAN pattern matching every render job hash of a platform (and, with them,
        their delivery markers: see `render_job_of`)."""
        return self._k("{r:" + platform + ":*}", "render", "*")

    def _shard_of(self, head: str) -> RenderShard | None:
        """The shard of a key's start, `<prefix>:{r:<platform>:<index>}`."""
        tag = self._k("{r:")
        if not head.startswith(tag) or not head.endswith("}"):
            return None
        platform, _, index = head[len(tag):-1].rpartition(":")
        return RenderShard(platform, int(index)) if platform and index.isdigit() else None

    def render_job_of(self, key: str) -> tuple[RenderShard, str] | None:
        """The shard and job id of a render job hash's key; None for another key."""
        head, sep, job_id = key.rpartition(":render:")
        shard = self._shard_of(head) if sep and ":" not in job_id else None
        return (shard, job_id) if shard is not None else None

    def render_stream_match(self) -> str:
        """A SCAN pattern matching every render stream (see `render_stream_of`)."""
        return self._k("{r:*:*}", "renders")

    def render_stream_of(self, key: str) -> RenderShard | None:
        """The shard of a render stream's key; None for another key."""
        return self._shard_of(key.removesuffix(":renders")) if key.endswith(":renders") \
            else None

    def chat_renders_match(self) -> str:
        """A SCAN pattern matching every chat's render set (see `chat_renders_of`)."""
        return self._k("{r:*:*}", "chat", "*", "renders")

    def export_requests_match(self) -> str:
        """A SCAN pattern matching every export request's hash (see `export_request_of`)."""
        return self._k("{r:*:*}", "chat", "*", "export", "*")

    def export_request_of(self, key: str) -> tuple[ChatKey, str] | None:
        """The chat and request of an export request's key; None for another key."""
        head, sep, rest = key.partition(":chat:")
        chat, found, request = rest.rpartition(":export:")
        if not sep or not found or not request or self._shard_of(head) is None:
            return None
        try:
            return ChatKey.parse(chat), request
        except ValueError:
            return None

    def chat_renders_of(self, key: str) -> tuple[RenderShard, ChatKey] | None:
        """The shard and chat of a chat's render set's key; None for another key."""
        head, sep, rest = key.partition(":chat:")
        shard = self._shard_of(head) if sep and rest.endswith(":renders") else None
        if shard is None:
            return None
        try:
            return shard, ChatKey.parse(rest.removesuffix(":renders"))
        except ValueError:
            return None

    def render_group(self, platform: str) -> str:
        """The consumer group of a platform's render streams (a name, not a key)."""
        return self._k("render-workers", platform)

    # -- across chats ----------------------------------------------------
    def pending_chats(self) -> str:
        """Set: chats with queued or in-flight messages (for resuming after a restart)."""
        return self._k("pending-chats")

    def anonymous_refused(self) -> str:
        """String with expiry: NemoVideo refuses new anonymous tokens to this server (a 429
        on the anonymous-token call: its per-IP limit) until it expires."""
        return self._k("anonymous-refused")

    def open_albums(self, platform: str) -> str:
        """Sorted set: albums being gathered ("<chat>|<group id>", by the time of their
        last part), so a live process delivers those whose gatherers died."""
        return self._k("albums", platform)

    def senders(self, platform: str) -> str:
        """Sorted set: the processes sending as the platform's bot, by their last beat
        (`core.peers`), so they share the bot-wide limits."""
        return self._k("senders", platform)

    def signals(self, instance: str) -> str:
        """List: signals for one running process (chats whose turn it should stop)."""
        return self._k("process", instance, "signals")

    # -- access, quotas, usage, alerts ----------------------------------------
    def access_list(self, name: str) -> str:
        """Set: entries an admin added at run time to a list ("allow", "block", or
        "unblocked": BLOCK entries lifted by /unblock)."""
        return self._k("access", name)

    def access_told(self, user: str) -> str:
        """String with expiry: a refused user was told so (once a day)."""
        return self._k("access", "told", user)

    def quota(self, kind: str, subject: str, window: str) -> str:
        """String counter with expiry: what `subject` (a user or chat entry) used of a
        quota in one window (`window` names its start, e.g. 2024-05-01T13). All counters
        share one hash tag: a sender's and a chat's are counted in one script."""
        return self._k("{quota}", kind, subject, window)

    def quota_overrides(self) -> str:
        """Hash: per-subject limits set by admins, field `<subject>|<kind>`."""
        return self._k("quota-overrides")

    def quota_told(self, kind: str, subject: str, chat: ChatKey) -> str:
        """String with expiry: a chat was told that `subject` is over a quota."""
        return self._k("quota", "told", kind, subject, str(chat))

    def usage(self, subject: str, period: str) -> str:
        """Hash with expiry: messages, renders and credits of a subject (a user, a chat,
        or "all") in one day or month (`period`: d2024-05-01, m2024-05)."""
        return self._k("usage", subject, period)

    def usage_top(self, period: str) -> str:
        """Sorted set with expiry: users by messages in a period."""
        return self._k("usage-top", period)

    def backend_errors(self, minute: int) -> str:
        """String counter with expiry: NemoVideo failures in one minute (Unix minute)."""
        return self._k("backend-errors", str(minute))

    def alert_sent(self, kind: str) -> str:
        """String with expiry: an alert of this kind was posted (rate limit)."""
        return self._k("alert", kind)


#: the kinds of a chat's own keys, as the key names them
CHAT_KINDS = ("session", "identity", "inbox", "current", "lock", "renders", "projects",
              "videos")


@dataclass(frozen=True)
class LegacyKeys:
    """The names keys had before they were laid out for Redis Cluster, read by
    `nemobot migrate` (`core.migrate`) only: per-chat keys without a hash tag, one
    render stream per platform, render jobs and markers by id alone."""

    prefix: str = "nemobot"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def chat(self, chat: ChatKey, kind: str, extra: str = "") -> str:
        """A chat's own key of one kind (`CHAT_KINDS`, or "album" with its id)."""
        return self._k("chat", str(chat), kind, *((extra,) if extra else ()))

    def chat_match(self) -> str:
        """A SCAN pattern matching every per-chat key (new names too: see `chat_key_of`)."""
        return self._k("chat", "*")

    def chat_key_of(self, key: str) -> tuple[ChatKey, str, str] | None:
        """(chat, kind, album id or "") of an old per-chat key; None for another key."""
        start = self._k("chat", "")
        if not key.startswith(start) or "{" in key:
            return None
        parts = key[len(start):].split(":")
        kind, extra = parts[-1], ""
        if len(parts) >= 4 and parts[-2] == "album":
            kind, extra, parts = "album", parts[-1], parts[:-1]
        elif kind not in CHAT_KINDS:
            return None
        try:
            return ChatKey.parse(":".join(parts[:-1])), kind, extra
        except ValueError:
            return None

    def render_match(self) -> str:
        """A SCAN pattern matching old render job hashes and delivery markers."""
        return self._k("render", "*")

    def render_job_of(self, key: str) -> str | None:
        """The job id of an old render job hash's key; None for another key."""
        start = self._k("render", "")
        job_id = key[len(start):] if key.startswith(start) else ""
        return job_id if job_id and ":" not in job_id else None

    def render_job(self, job_id: str) -> str:
        """Hash: one render job."""
        return self._k("render", job_id)

    def render_delivered(self, job_id: str) -> str:
        """String: the job's delivery marker."""
        return self._k("render", job_id, "delivered")

    def render_stream(self, platform: str) -> str:
        """Stream: a platform's one render stream."""
        return self._k("renders", platform)

    def render_stream_match(self) -> str:
        """A SCAN pattern matching the old render streams."""
        return self._k("renders", "*")
