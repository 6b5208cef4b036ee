"""Starting and stopping the Discord bot: client, runtime, render worker, commands.

`open_discord_bot` is the whole bot as an async context manager (the tests
drive it against a fake Discord); `run_discord` is `nemobot discord`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import httpx
import yarl

from bots.common import lifecycle
from bots.common.lifecycle import NotTheApi, serving
from bots.discord_adapter.commands import permission
from bots.discord_adapter.events import DiscordAdapter
from bots.discord_adapter.inbound import PLATFORM, Fetch, register_attachments
from bots.discord_adapter.outbound import DiscordOutput
from bots.discord_adapter.ratelimits import count_rate_limits
from bots.discord_adapter.settings import DiscordSettings
from core.messages import AttachmentUnavailable
from core.renders import RenderWorker
from core.runtime import Runtime, open_runtime
from core.settings import Settings

log = logging.getLogger(__name__)



def configure_endpoints(config: DiscordSettings) -> None:
    """Point discord.py at DISCORD_API_BASE / DISCORD_GATEWAY_URL when they are set."""
    if config.discord_api_base is not None:
        discord.http.Route.BASE = str(config.discord_api_base).rstrip("/")
    if config.discord_gateway_url is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
            str(config.discord_gateway_url))


def intents() -> discord.Intents:
    """The defaults without the privileged message-content intent: mentions and DMs
    carry their content anyway."""
    wanted = discord.Intents.default()
    wanted.message_content = False
    wanted.members = False
    wanted.presences = False
    return wanted


def make_client(config: DiscordSettings, **options: Any) -> discord.Client:
    """A plain client, or an auto-sharded one when DISCORD_SHARDS is set (running only the
    shards of DISCORD_SHARD_IDS when that is set: the others run in other processes)."""
    # the bot never joins voice: no warnings about voice libraries
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False
    options = {"intents": intents(), "allowed_mentions": discord.AllowedMentions.none(),
               "chunk_guilds_at_startup": False,
               # a rate limit asking for longer raises (the turn goes on, or is told)
               # rather than holding the chat: discord.py's least is 30 s
               "max_ratelimit_timeout": 60.0, **options}
    shards = config.discord_shards
    if shards is None:
        return discord.Client(**options)
    if config.discord_shard_ids:
        options["shard_ids"] = list(config.discord_shard_ids)
    return discord.AutoShardedClient(shard_count=None if shards == "auto" else shards, **options)



def http_fetch(http: httpx.AsyncClient) -> Fetch:
    """Streams a URL's bytes with the process's HTTP client (the attachment fallback)."""
    async def fetch(url: str) -> AsyncIterator[bytes]:
        name = url.split("?", 1)[0].rsplit("/", 1)[-1]
        try:
            async with http.stream("GET", url) as response:
                if response.status_code != 200:
                    # deleted with its message, an expired signed link, a CDN outage
                    raise AttachmentUnavailable(
                        f"{name}: the download answered HTTP {response.status_code}")
                async for chunk in response.aiter_bytes(1 << 18):
                    yield chunk
        except httpx.HTTPError as exc:  # its message names the signed URL: not logged
            raise AttachmentUnavailable(f"{name}: download failed ({type(exc).__name__})") \
                from None
    return fetch


@dataclass
class DiscordBot:
    """A running bot: its client, adapter, outgoing side, runtime and render worker."""

    client: discord.Client
    adapter: DiscordAdapter
    out: DiscordOutput
    runtime: Runtime
    worker: RenderWorker
    connection: asyncio.Task[None]


@contextlib.asynccontextmanager
async def open_discord_bot(settings: Settings, config: DiscordSettings, *,
                           client_options: Mapping[str, Any] | None = None,
                           prepare: Callable[[discord.Client], None] | None = None,
                           ready_timeout: float = 60.0,
                           stop_grace: float | None = None,
                           probe_backend: bool = False) -> AsyncIterator[DiscordBot]:
    """Log in, sync the slash commands, connect, and serve until the block ends.

    `settings` are the core's, `config` the bot's own (DISCORD_*).

    `client_options` go to the discord.py client; `prepare` sees the client
    before it logs in; `probe_backend` warns once at start when NemoVideo is
    unreachable. On exit: messages being handled get `stop_grace` seconds
    (None: STOP_GRACE), the render worker stops (its jobs stay queued for the next
    start), and the client disconnects.
    """
    if config.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    configure_endpoints(config)
    client = make_client(config, **dict(client_options or {}))
    if prepare is not None:
        prepare(client)
    out = DiscordOutput(client)
    async with contextlib.AsyncExitStack() as stack:
        stack.push_async_callback(_close, client)
        runtime = await stack.enter_async_context(
            open_runtime(settings, out, platform=PLATFORM, probe_backend=probe_backend))
        fetch = http_fetch(runtime.nemo.http)
        register_attachments(runtime.codec, fetch)
        adapter = DiscordAdapter(client, runtime.dispatcher, out, fetch,
                                 new_permission=permission(config.discord_new_permission))

        try:
            await client.login(config.discord_token.get_secret_value())
        except (TypeError, KeyError, ValueError) as exc:  # a page, not the API's JSON
            raise NotTheApi(f"its answer to the login could not be read: {exc}") from exc
        await adapter.setup()
        connection = asyncio.create_task(_connected(client), name="discord gateway")
        await _until_ready(client, connection, ready_timeout)
        log.info("discord: connected as %s", client.user)
        runtime.health.add(PLATFORM, lambda: client.is_ready() and not client.is_closed())
        count_rate_limits()
        try:
            async with serving(runtime, adapter.tasks, grace=stop_grace):
                yield DiscordBot(client, adapter, out, runtime, runtime.worker, connection)
        finally:
            await _close(client)
            await _closed(connection, settings.stop_grace if stop_grace is None else stop_grace)


async def _connected(client: discord.Client) -> None:
    """The gateway connection; the gateway refusing the token (close code 4004: reset or
    revoked while the bot ran) ends it as a refused token at the start does."""
    try:
        await client.connect()
    except discord.ConnectionClosed as exc:
        if exc.code == 4004:
            raise discord.LoginFailure("the gateway refused the token (close code 4004)") from exc
        raise


async def _closed(connection: asyncio.Task[None], within: float) -> None:
    """Wait for the gateway connection to end after the client closed (cancel it late)."""
    await asyncio.wait({connection}, timeout=within)
    if not connection.done():
        connection.cancel()
        await asyncio.wait({connection})
    if not connection.cancelled() and (error := connection.exception()) is not None:
        log.debug("discord: the gateway connection ended with %r", error)


async def _close(client: discord.Client) -> None:
    try:
        await client.close()
    except Exception:  # a sharded client that never connected cannot close cleanly
        log.debug("discord: closing the client failed", exc_info=True)


async def _until_ready(client: discord.Client, connection: asyncio.Task[None],
                       within: float) -> None:
    ready = asyncio.create_task(client.wait_until_ready())
    try:
        done, _ = await asyncio.wait({ready, connection}, timeout=within,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        ready.cancel()
    if connection in done:
        connection.result()  # the reason it stopped (bad token, disallowed intents...)
        raise RuntimeError("the Discord connection ended before it was ready")
    if ready not in done:
        connection.cancel()
        raise TimeoutError(f"Discord not ready after {within:.0f} s")


async def serve(settings: Settings, config: DiscordSettings) -> int:
    """Run until SIGINT/SIGTERM or until the gateway connection ends for good."""
    api = str(config.discord_api_base or discord.http.Route.BASE).rstrip("/")
    return await lifecycle.serve(
        open_discord_bot(settings, config, probe_backend=True), PLATFORM,
        refusals={discord.LoginFailure: "the token was refused: check DISCORD_TOKEN (from the "
                                        "developer portal)",
                  discord.PrivilegedIntentsRequired: "{error}",
                  aiohttp.ClientConnectionError: f"cannot reach the Discord API at {api} "
                                                 "({error}): check the network, or "
                                                 "DISCORD_API_BASE",
                  discord.GatewayNotFound: "cannot reach the Discord gateway ({error}): "
                                           "check the network, or DISCORD_GATEWAY_URL",
                  TimeoutError: "{error}: check the network, or DISCORD_GATEWAY_URL",
                  NotTheApi: f"{api} does not answer as the Discord API ({{error}}): check "
                             "DISCORD_API_BASE",
                  # any other refusal of the API (an outage's 5xx, a wrong DISCORD_API_BASE)
                  discord.HTTPException: "the Discord API refused to start the bot ({error}): "
                                         "check DISCORD_API_BASE, or try again later"},
        ended=lambda bot: bot.connection)


def run_discord(settings: Settings, config: DiscordSettings) -> int:
    """`nemobot discord`: the exit status."""
    problems = []
    if config.discord_token is None:
        problems.append("DISCORD_TOKEN is not set: create a bot in the Discord developer "
                        "portal and put its token in the environment or .env")
    return lifecycle.run(lambda: serve(settings, config), problems)
