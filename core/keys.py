"""Every Redis key the service uses is built here, and only here."""

from __future__ import annotations

from dataclasses import dataclass

from core.messages import ChatKey


@dataclass(frozen=True)
class Keys:
    """Builds Redis keys under one prefix (so several deployments can share a Redis)."""

    prefix: str = "nemobot"

    def _k(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # -- per chat ---------------------------------------------------------
    def session(self, chat: ChatKey) -> str:
        """Hash: the chat's NemoVideo session, language, last draft, message in flight."""
        return self._k("chat", str(chat), "session")

    def identity(self, chat: ChatKey) -> str:
        """Hash: the chat's NemoVideo identity (client id, token, user id). Kept longer."""
        return self._k("chat", str(chat), "identity")

    def inbox(self, chat: ChatKey) -> str:
        """List: messages waiting for the chat's turn, oldest first."""
        return self._k("chat", str(chat), "inbox")

    def taken(self, chat: ChatKey) -> str:
        """Sorted set: ids of the chat's latest messages taken into its queue (a platform
        that sends a message again finds it there)."""
        return self._k("chat", str(chat), "taken")

    def current(self, chat: ChatKey) -> str:
        """List (at most one item): the event being handled, until it is done; what a
        restarted process finds here was interrupted."""
        return self._k("chat", str(chat), "current")

    def lock(self, chat: ChatKey) -> str:
        """String: the chat's lock (holder token, with expiry)."""
        return self._k("chat", str(chat), "lock")

    def chat_renders(self, chat: ChatKey) -> str:
        """Set: render ids of the chat that are not finished."""
        return self._k("chat", str(chat), "renders")

    def projects(self, chat: ChatKey) -> str:
        """Hash: the chat's recent projects, by NemoVideo session id (`core.catalog`)."""
        return self._k("chat", str(chat), "projects")

    def videos(self, chat: ChatKey) -> str:
        """Hash: the last video delivered for each of the chat's projects, by session id."""
        return self._k("chat", str(chat), "videos")

    def album(self, chat: ChatKey, group_id: str) -> str:
        """List: parts of a media album being gathered."""
        return self._k("chat", str(chat), "album", group_id)

    def album_taker(self, chat: ChatKey, group_id: str) -> str:
        """String (with expiry): the process handing the gathered album to the chat."""
        return self._k("chat", str(chat), "album", group_id, "taker")

    def album_done(self, chat: ChatKey, group_id: str) -> str:
        """Set (with expiry): message ids of a delivered album's parts (a part sent again
        is not a new album)."""
        return self._k("chat", str(chat), "album", group_id, "done")

    # -- per user ---------------------------------------------------------
    def user_language(self, platform: str, user_id: str) -> str:
        """String: the reply language a user chose with /language (on one platform)."""
        return self._k("user", platform, user_id, "language")

    # -- across chats ----------------------------------------------------
    def pending_chats(self) -> str:
        """Set: chats with queued or in-flight messages (for resuming after a restart)."""
        return self._k("pending-chats")

    def open_albums(self, platform: str) -> str:
        """Sorted set: albums being gathered ("<chat>|<group id>", by the time of their
        last part), so a live process delivers those whose gatherers died."""
        return self._k("albums", platform)

    def signals(self, instance: str) -> str:
        """List: signals for one running process (chats whose turn it should stop)."""
        return self._k("process", instance, "signals")

    def render_job(self, render_id: str) -> str:
        """Hash: one render job."""
        return self._k("render", render_id)

    def render_stream(self, platform: str) -> str:
        """Stream: render jobs to poll, one consumer group per platform."""
        return self._k("renders", platform)

    def render_delivered(self, render_id: str) -> str:
        """String: set once when the render's result was delivered."""
        return self._k("render", render_id, "delivered")

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

    def render_group(self, platform: str) -> str:
        """The consumer group of a platform's render stream (a name, not a key)."""
        return self._k("render-workers", platform)
