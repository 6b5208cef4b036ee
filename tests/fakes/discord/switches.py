"""Fault switches of the fake Discord, each answering as Discord does when it happens: a
channel the bot may not write to (50013), a deleted channel (10003), rate limits (429 with
``retry_after``), failing servers (5xx), requests that hang past the client's timeout, and a
dropped gateway connection."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.model import FakeChannel
from tests.fakes.discord.payloads import Payloads
from tests.fakes.discord.records import RecordedRequest
from tests.fakes.discord.server import DiscordServer
from tests.fakes.discord.wire import RateLimit, Reply
from tests.fakes.discord.world import World


def _hits(path: str | None, method: str | None,
          channel: FakeChannel | int | None) -> Callable[[RecordedRequest], bool]:
    """REST requests whose path below ``/api/v10`` fully matches the regex ``path`` (None:
    any), of ``method`` (None: any), about ``channel`` (None: any)."""
    pattern = None if path is None else re.compile(path)
    channel_id = channel.id if isinstance(channel, FakeChannel) else channel
    in_channel = None if channel_id is None else re.compile(rf"/channels/{channel_id}(/.*)?")

    def applies(rec: RecordedRequest) -> bool:
        return (rec.kind == "rest" and (method is None or rec.method == method)
                and (pattern is None or pattern.fullmatch(rec.path) is not None)
                and (in_channel is None or in_channel.fullmatch(rec.path) is not None))

    return applies


class FaultSwitches:
    """The fault side of `FakeDiscord` (a mixin over its world, payloads, gateway, server)."""

    world: World
    payloads: Payloads
    gateway: Gateway
    server: DiscordServer

    def deny_channel(self, channel: FakeChannel | int) -> None:
        """The bot loses Send Messages there: sends answer 403 Missing Permissions (50013)."""
        self.world.channel(channel).denied = True

    def allow_channel(self, channel: FakeChannel | int) -> None:
        """Undo `deny_channel` (and `deny_files`)."""
        self.world.channel(channel).denied = False
        self.world.channel(channel).no_files = False

    def deny_files(self, channel: FakeChannel | int) -> None:
        """The bot loses Attach Files there (only): a message with files answers 403
        Missing Permissions (50013); text still goes."""
        self.world.channel(channel).no_files = True

    async def delete_channel(self, channel: FakeChannel | int, *, notify: bool = True) -> None:
        """Delete a channel: its routes answer 404 Unknown Channel (10003). With ``notify`` a
        CHANNEL_DELETE goes to the connected bot."""
        ch = self.world.channel(channel)
        ch.deleted = True
        if notify and ch.guild_id is not None:
            await self.gateway.dispatch("CHANNEL_DELETE", self.payloads.channel(ch), ch.guild_id,
                                        required=False)

    def rate_limit(self, path: str | None = None, *, method: str | None = None,
                   channel: FakeChannel | int | None = None, retry_after: float = 0.05,
                   count: int | None = 1, is_global: bool = False, scope: str = "user") -> None:
        """Answer the next ``count`` matching REST requests (None: until `clear_faults`) with
        429 Too Many Requests and ``retry_after`` seconds.

        ``path`` is a regular expression matched in full against the path below ``/api/v10``;
        ``channel`` limits it to one channel's routes. discord.py sleeps ``retry_after`` and
        retries, or raises ``RateLimited`` past the client's ``max_ratelimit_timeout``.
        """
        self.server.faults.add(_hits(path, method, channel), count=count,
                               error=RateLimit(retry_after, is_global, scope))

    def fail_next(self, path: str | None = None, *, method: str | None = None,
                  channel: FakeChannel | int | None = None, status: int = 500, code: int = 0,
                  message: str = "500: Internal Server Error", count: int | None = 1) -> None:
        """Answer the next ``count`` matching REST requests with an error body (a 5xx by
        default; discord.py retries 500/502/504 itself after a 1 s, 3 s... backoff)."""
        self.server.faults.add(_hits(path, method, channel), count=count,
                               error=Reply(status, {"message": message, "code": code}))

    def hang(self, path: str | None = None, *, method: str | None = None,
             channel: FakeChannel | int | None = None, count: int | None = 1,
             seconds: float = math.inf, takes_effect: bool = False) -> None:
        """Hold the next ``count`` matching REST requests for ``seconds`` (by default until
        the client gives up or the fake stops).

        The request is recorded (``hung=True``) when the hang begins. Without
        ``takes_effect`` it is not carried out; with it, it is carried out first and only the
        answer is held (the message was posted but the bot never heard back).
        """
        self.server.faults.add(_hits(path, method, channel), count=count, hang=seconds,
                               takes_effect=takes_effect)

    def clear_faults(self) -> None:
        """Remove every rate limit, error and hang (denied and deleted channels stay)."""
        self.server.faults.clear()

    async def disconnect_gateway(self, *, shard_id: int | None = None, code: int = 4000,
                                 invalidate_session: bool = False) -> None:
        """Drop the gateway connection(s), forcing discord.py to reconnect.

        By default the session survives and the bot RESUMEs, receiving the events dispatched
        meanwhile; with ``invalidate_session`` its RESUME gets op 9 (Invalid Session) and it
        identifies again. Close codes 4004 and 4010-4014 are fatal for discord.py.
        """
        await self.gateway.disconnect(shard_id=shard_id, code=code,
                                      invalidate=invalidate_session)
