"""`FakeDiscord`: Discord's REST API, gateway and attachment CDN on loopback, as tests drive it.

Point discord.py at it with `FakeDiscord.patch_discord` (or hand ``api_base`` and
``gateway_url`` to the bot's settings), build users, guilds and channels, make users write,
run slash commands and press buttons, then read what the bot did and inject faults::

    async with FakeDiscord() as fake:
        with fake.patch_discord():
            user = fake.add_user("alice")
            channel = fake.add_channel(fake.add_guild("Studio", members=[user]), "renders")
            async with fake.running(discord.Client(intents=discord.Intents.default())):
                await fake.dispatch_message(channel, user, "make a trailer", mentions_bot=True)
                fake.rate_limit(channel=channel, retry_after=0.5)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any, TypeVar

import discord
import discord.asset
import discord.gateway
import discord.http
import yarl

from tests.fakes.discord.app import AppRoutes
from tests.fakes.discord.gateway import Gateway
from tests.fakes.discord.incoming import Dispatching
from tests.fakes.discord.interactions import Interactions
from tests.fakes.discord.messages import Messages
from tests.fakes.discord.observe import Observations
from tests.fakes.discord.payloads import Payloads
from tests.fakes.discord.server import DiscordServer
from tests.fakes.discord.switches import FaultSwitches
from tests.fakes.discord.wire import API_PREFIX, FAST_CLIENT_OPTIONS, PRIVILEGED_INTENTS
from tests.fakes.discord.world import World
from tests.waiting import Changes

ClientT = TypeVar("ClientT", bound=discord.Client)


class _OnWorld:
    """A setting of the fake that lives on its `World`."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        return getattr(obj.world, self.name)

    def __set__(self, obj: Any, value: Any) -> None:
        setattr(obj.world, self.name, value)


class FakeDiscord(Dispatching, Observations, FaultSwitches):
    """Discord's REST API, gateway and attachment CDN for discord.py, on 127.0.0.1.

    ``approved_intents`` are the privileged intents enabled for the application: identifying
    with any other privileged intent closes the gateway with 4014. ``interaction_ack_deadline``
    (3 s) and ``interaction_token_ttl`` (15 min) are measured on the fake's clock, which
    `advance_clock` moves forward; each can be changed at any time.
    """

    approved_intents = _OnWorld()
    interaction_ack_deadline = _OnWorld()
    interaction_token_ttl = _OnWorld()
    attachment_url_ttl = _OnWorld()

    def __init__(self, *, token: str = "fake-bot-token",  # noqa: S107 - the fake's own
                 bot_name: str = "nemobot", approved_intents: int = PRIVILEGED_INTENTS,
                 interaction_ack_deadline: float | None = 3.0,
                 interaction_token_ttl: float = 15 * 60.0,
                 attachment_url_ttl: float = 24 * 3600.0) -> None:
        self.token = token
        self.changes = Changes()
        self.world = World(bot_name=bot_name, approved_intents=approved_intents,
                           interaction_ack_deadline=interaction_ack_deadline,
                           interaction_token_ttl=interaction_token_ttl,
                           attachment_url_ttl=attachment_url_ttl)
        self.payloads = Payloads(self.world)
        self.gateway = Gateway(self.world, self.payloads, self.changes, token)
        self.server = DiscordServer(self.world, self.gateway, self.changes, token)
        self._add_routes()
        # the world's setup and clock, as the fake's own
        self.bot, self.application_id = self.world.bot, self.world.application_id
        self.add_user, self.add_guild = self.world.add_user, self.world.add_guild
        self.add_member, self.add_channel = self.world.add_member, self.world.add_channel
        self.dm_channel, self.add_attachment = self.world.dm_channel, self.world.add_attachment
        self.sign_attachment_url = self.world.sign_attachment_url
        self.now, self.advance_clock = self.world.now, self.world.advance_clock
        self.snowflake, self.snowflake_for_shard = (self.world.snowflake,
                                                    self.world.snowflake_for_shard)

    def _add_routes(self) -> None:
        app = AppRoutes(self.world, self.payloads)
        messages = Messages(self.world, self.payloads, self.gateway)
        ix = Interactions(self.world, self.payloads, self.gateway, messages)
        add = self.server.add
        add("GET", "/users/@me", app.get_me)
        # discord.py's application_info() (called by login) uses the oauth2 path.
        add("GET", "/oauth2/applications/@me", app.get_application)
        add("GET", "/applications/@me", app.get_application)
        add("PUT", "/applications/{app_id}/commands", app.bulk_commands)
        add("PUT", "/applications/{app_id}/guilds/{guild_id}/commands", app.bulk_commands)
        add("POST", "/channels/{channel_id}/messages", messages.create)
        add("PATCH", "/channels/{channel_id}/messages/{message_id}", messages.edit)
        add("DELETE", "/channels/{channel_id}/messages/{message_id}", messages.delete)
        add("POST", "/channels/{channel_id}/typing", messages.typing)
        add("POST", "/interactions/{interaction_id}/{token}/callback", ix.callback, auth=False)
        hook = "/webhooks/{app_id}/{token}"
        add("POST", hook, ix.execute_webhook, auth=False)
        add("GET", hook + "/messages/{message_id}", ix.get_message, auth=False)
        add("PATCH", hook + "/messages/{message_id}", ix.edit_message, auth=False)
        add("DELETE", hook + "/messages/{message_id}", ix.delete_message, auth=False)

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> FakeDiscord:
        """Listen on a free loopback port."""
        await self.server.start()
        self.world.base_url = self.base_url
        self.gateway.url = self.gateway_url
        return self

    async def stop(self) -> None:
        """Close every gateway connection and stop listening."""
        await self.server.stop()

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        if not self.server.port:
            raise RuntimeError("FakeDiscord is not running")
        return f"http://127.0.0.1:{self.server.port}"

    @property
    def api_base(self) -> str:
        """The value for ``discord.http.Route.BASE``."""
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        """The gateway URL."""
        return f"ws://127.0.0.1:{self.server.port}"

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py at this fake for the duration, then restore its globals:
        ``Route.BASE`` (REST), ``DiscordWebSocket.DEFAULT_GATEWAY`` and ``Asset.BASE`` (so
        avatar and icon URLs never leave loopback)."""
        saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
                 discord.asset.Asset.BASE)
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url + "/")
        discord.asset.Asset.BASE = self.base_url
        try:
            yield
        finally:
            (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
             discord.asset.Asset.BASE) = saved

    @contextlib.asynccontextmanager
    async def running(self, client: ClientT, *,
                      timeout: float = 10.0,  # noqa: ASYNC109 - bounds start and stop together
                      fast_startup: bool = True) -> AsyncIterator[ClientT]:
        """Log ``client`` in, wait for ``on_ready``, and close it on exit.

        An error that stops the client before it is ready (bad token, disallowed intents...)
        is raised from here. With ``fast_startup`` the client's quiet window before
        ``on_ready`` is cut to 50 ms and its 5 s pause before every non-initial IDENTIFY is
        skipped; both are client-side waits that model Discord's timing.
        """
        if fast_startup:
            _make_startup_fast(client)
        try:
            await client.login(self.token)
        except BaseException:
            await client.close()
            raise
        connect = asyncio.create_task(client.connect(), name="fake-discord-client")
        try:
            await _until_ready(client, connect, timeout)
            yield client
        except BaseException:
            await _close(client, connect, timeout, quiet=True)
            raise
        await _close(client, connect, timeout, quiet=False)


async def _until_ready(client: discord.Client, connect: asyncio.Task[None],
                       within: float) -> None:
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait({connect, ready}, timeout=within,
                                 return_when=asyncio.FIRST_COMPLETED)
    if ready in done:
        return
    ready.cancel()
    if connect in done:
        connect.result()
        raise RuntimeError("discord client stopped before it was ready")
    raise TimeoutError(f"discord client not ready after {within} s")


async def _close(client: discord.Client, connect: asyncio.Task[None], within: float, *,
                 quiet: bool) -> None:
    """Close the client and wait for its connection task; ``quiet`` when an error is already
    on its way (the body's error wins)."""
    await client.close()
    await asyncio.wait({connect}, timeout=within)
    if not connect.done():
        connect.cancel()
        if not quiet:
            raise TimeoutError("discord client did not stop")
    elif quiet and not connect.cancelled():
        connect.exception()
    elif not quiet:
        connect.result()


def _make_startup_fast(client: discord.Client) -> None:
    async def before_identify_hook(shard_id: int | None, *, initial: bool = False) -> None:
        return None

    # discord.py sleeps 5 s before every non-initial IDENTIFY; the hook is documented
    # as overridable for exactly this reason.
    client.before_identify_hook = before_identify_hook  # type: ignore[method-assign]
    state = getattr(client, "_connection", None)
    if state is not None and hasattr(state, "guild_ready_timeout"):
        state.guild_ready_timeout = min(state.guild_ready_timeout,
                                        FAST_CLIENT_OPTIONS["guild_ready_timeout"])
