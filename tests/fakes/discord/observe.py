"""What a test reads from the fake Discord: requests (with their times), messages as they
are now, interactions and their answers, gateway traffic; and waiting for any of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.model import (
    FakeChannel,
    FakeGuild,
    FakeInteraction,
    FakeMessage,
    FakeUser,
    InteractionResponse,
)
from tests.fakes.discord.records import (
    DispatchedEvent,
    GatewayConnect,
    GatewayOp,
    RecordedRequest,
)
from tests.fakes.discord.server import DiscordServer
from tests.fakes.discord.wire import JSON
from tests.fakes.discord.world import World
from tests.waiting import Changes, wait_until

T = TypeVar("T")


class Observations:
    """The read side of `FakeDiscord` (a mixin over its world, gateway and server)."""

    world: World
    gateway: Gateway
    server: DiscordServer
    changes: Changes

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every HTTP request answered (REST and CDN), in order."""
        return self.server.requests

    @property
    def unknown_requests(self) -> list[RecordedRequest]:
        """REST requests to routes the fake does not implement."""
        return [r for r in self.requests if r.kind == "rest" and not r.known]

    @property
    def gateway_ops(self) -> list[GatewayOp]:
        """Every payload the bot sent on the gateway, in order."""
        return self.gateway.ops

    @property
    def gateway_connects(self) -> list[GatewayConnect]:
        """Every gateway websocket connection, in order."""
        return self.gateway.connects

    @property
    def dispatched(self) -> list[DispatchedEvent]:
        """Every DISPATCH the fake produced, in order."""
        return self.gateway.dispatched

    @property
    def identifies(self) -> list[JSON]:
        """IDENTIFY payloads (``d``) received, with ``intents`` and ``shard``."""
        return [op.d for op in self.gateway_ops if op.op == 2]

    @property
    def resumes(self) -> list[JSON]:
        """RESUME payloads (``d``) received."""
        return [op.d for op in self.gateway_ops if op.op == 6]

    @property
    def heartbeats(self) -> int:
        """How many heartbeats the bot sent."""
        return sum(1 for op in self.gateway_ops if op.op == 1)

    def connected_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every session with an open connection."""
        return self.gateway.connected_shards()

    def guild(self, guild_id: int) -> FakeGuild:
        """A guild by id."""
        return self.world.guild(guild_id)

    def channel(self, channel_id: int) -> FakeChannel:
        """A channel by id (guild, thread or DM)."""
        return self.world.channel(channel_id)

    def user(self, user_id: int) -> FakeUser:
        """A user by id."""
        return self.world.user(user_id)

    def message(self, message_id: int) -> FakeMessage:
        """A stored message by id (including deleted and ephemeral ones)."""
        return self.world.messages[message_id]

    def messages(self, channel: FakeChannel | int, *, author: FakeUser | int | None = None,
                 include_deleted: bool = False) -> list[FakeMessage]:
        """Messages visible in a channel, oldest first (ephemeral ones excluded)."""
        return self.world.visible_messages(channel, author=author,
                                           include_deleted=include_deleted)

    def bot_messages(self, channel: FakeChannel | int) -> list[FakeMessage]:
        """Messages the bot posted in a channel, oldest first."""
        return self.messages(channel, author=self.world.bot)

    def interaction(self, interaction_id: int) -> FakeInteraction:
        """A dispatched interaction by id."""
        return self.world.interactions[interaction_id]

    def interaction_responses(self, interaction_id: int) -> list[InteractionResponse]:
        """Initial responses the bot posted to an interaction (normally one)."""
        return list(self.world.interactions[interaction_id].responses)

    def followups(self, token: str) -> list[FakeMessage]:
        """Messages created through the interaction's webhook (``followup.send``)."""
        return list(self.world.interaction_by_token(token).followups)

    def original_response(self, token: str) -> FakeMessage | None:
        """The interaction's original response message, if any."""
        return self.world.interaction_by_token(token).original

    def synced_commands(self, guild: FakeGuild | int | None = None) -> list[JSON]:
        """Application commands the bot registered, globally or for one guild."""
        gid = guild.id if isinstance(guild, FakeGuild) else guild
        return list(self.world.commands.get(gid, []))

    async def wait_for(self, predicate: Callable[[], T | None],
                       timeout: float = 5.0) -> T:  # noqa: ASYNC109 - reads best in tests
        """Wait until ``predicate()`` is truthy and return its value; it is re-checked after
        every request, gateway payload or connection change the fake sees."""
        return await wait_until(predicate, within=timeout, what="the fake Discord's state",
                                changes=self.changes)

    async def wait_for_request(self, method: str | None = None, path: str | None = None, *,
                               since: int = 0,
                               timeout: float = 5.0) -> RecordedRequest:  # noqa: ASYNC109
        """The first answered request from index ``since`` matching method and path regex."""
        pattern = None if path is None else re.compile(path)

        def find() -> RecordedRequest | None:
            return next((r for r in self.requests[since:]
                         if (method is None or r.method == method)
                         and (pattern is None or pattern.fullmatch(r.path))), None)

        return await wait_until(find, within=timeout, what=f"a request {method} {path}",
                                changes=self.changes,
                                show=lambda: [(r.method, r.path) for r in self.requests[since:]])
