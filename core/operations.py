"""What an operator sees of a process: start-up checks, health, metrics and probes.

* `core.startup.StartupError`: a reason the process cannot start, in one line;
* `wait_for_redis`: a short, bounded wait for Redis at start;
* `check_nemo`: whether NemoVideo answers (and takes NEMO_TOKEN); unreachable at
  start is only a warning, since it may come back;
* `operating`: for the life of a runtime, the readiness checks, the health and
  metrics server on METRICS_PORT with the metrics probe installed, and the
  NemoVideo probe at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import httpx
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from core import observe
from core.aio import end_tasks
from core.keys import Keys
from core.messages import ChatKey
from core.migrate import stranded_renders
from core.nemo.client import NemoClient
from core.nemo.errors import NemoConnectionError, NemoError, ServerError, TokenExpired
from core.nemo.models import Credentials
from core.observed_redis import RedisClient
from core.settings import Settings
from core.startup import StartupError
from core.store import text_of

if TYPE_CHECKING:
    from core.health import Health
    from core.metrics import Metrics

log = logging.getLogger(__name__)

#: at most this many chats' queues are counted for the queue gauge
QUEUES_COUNTED = 1000


async def redis_answers(redis: RedisClient, within: float = 2.0) -> None:
    """Return when Redis answers PING within `within` seconds; raise otherwise."""
    async with asyncio.timeout(within):
        await redis.ping()


async def wait_for_redis(redis: RedisClient, settings: Settings) -> None:
    """Wait up to REDIS_START_WAIT seconds for Redis to answer; StartupError when it does
    not (the URL shown without its password)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.redis_start_wait
    delay = 0.25
    while True:
        try:
            await redis_answers(redis, max(0.5, min(2.0, deadline - loop.time())))
        except Exception as exc:  # refused, timed out, wrong password...
            reason = _reason(exc)
            if not_a_cluster(exc):
                raise StartupError(f"Redis at {settings.redis_shown} {NOT_A_CLUSTER}") from exc
            if loop.time() + delay > deadline:
                raise StartupError(
                    f"Redis is not answering at {settings.redis_shown} ({reason}) after "
                    f"{settings.redis_start_wait:g} s: start it, or set REDIS_URL to a server "
                    "that answers") from exc
            log.debug("Redis at %s is not answering yet (%s); retrying", settings.redis_shown,
                      reason)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
            continue
        if await plain_client_on_a_cluster(redis):
            raise StartupError(f"Redis at {settings.redis_shown} {A_CLUSTER}")
        return


async def plain_client_on_a_cluster(redis: RedisClient) -> bool:
    """Whether `redis` is a one-Redis client talking to a node of a Redis Cluster."""
    if isinstance(redis, RedisCluster):
        return False
    info = await redis.info("server")
    return isinstance(info, dict) and info.get("redis_mode") == "cluster"


#: what to do when REDIS_CLUSTER names a Redis that is not a cluster
NOT_A_CLUSTER = ("is not a Redis Cluster: set REDIS_CLUSTER=false (and a redis:// URL "
                 "without +cluster)")


#: what to do when REDIS_URL names a node of a Redis Cluster without REDIS_CLUSTER: the
#: plain client would be answered MOVED for every key of another node's slots
A_CLUSTER = ("is a node of a Redis Cluster: set REDIS_CLUSTER=true (or a redis+cluster:// "
             "URL) so that each key goes to the node that serves it")


def not_a_cluster(exc: BaseException) -> bool:
    """Whether `exc` is the cluster client meeting a Redis that is not a cluster."""
    return "cluster mode is not enabled" in str(exc).lower()


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, TimeoutError) or not text:
        return "no answer" if isinstance(exc, TimeoutError) else type(exc).__name__
    return text[:200]


@dataclass(frozen=True)
class NemoVerdict:
    """What `check_nemo` found: whether all is well, and a line saying what."""

    ok: bool
    detail: str
    reachable: bool = True


async def check_nemo(settings: Settings) -> NemoVerdict:
    """Ask NemoVideo for the credit balance (with NEMO_TOKEN when set), once, without
    retries: is it reachable, and is the token accepted?"""
    quick = settings.model_copy(update={"nemo_retry_attempts": 0,
                                        "nemo_call_timeout": min(settings.nemo_call_timeout, 15)})
    async with NemoClient(quick) as nemo:
        if settings.nemo_token is None:
            return await _reachable(nemo, quick)
        try:
            credits = await nemo.credits(Credentials(settings.nemo_token))
        except (NemoConnectionError, ServerError) as exc:
            return NemoVerdict(False, f"not reachable at {settings.api_url}: {exc}",
                               reachable=False)
        except TokenExpired as exc:
            return NemoVerdict(False, f"NEMO_TOKEN was refused ({exc}): set a valid token, "
                               "or leave it empty for anonymous tokens")
        except NemoError as exc:
            return NemoVerdict(False, f"answered with an error: {exc!r}")
    shown = credits.texts()
    return NemoVerdict(True, f"token accepted, {shown['available']} credits available "
                       f"({shown['frozen']} reserved)")


async def _reachable(nemo: NemoClient, settings: Settings) -> NemoVerdict:
    """Without a token: does the API answer at all? (It refuses the balance without one,
    which is expected, so nothing is reported as a failed call.)"""
    url = settings.api_url + "/api/credits/balance/simple"
    try:
        async with asyncio.timeout(settings.nemo_call_timeout):
            response = await nemo.http.get(url, headers=settings.attribution_headers)
    except (httpx.HTTPError, TimeoutError) as exc:
        return NemoVerdict(False, f"not reachable at {settings.api_url}: "
                           f"{type(exc).__name__}", reachable=False)
    if response.status_code >= 500:
        return NemoVerdict(False, f"not answering at {settings.api_url}: HTTP "
                           f"{response.status_code}", reachable=False)
    if response.status_code in (404, 405) or json_object(response) is None:
        kind = response.headers.get("content-type", "no type").partition(";")[0]
        return NemoVerdict(False, f"{settings.api_url} does not answer as the NemoVideo API "
                           f"(HTTP {response.status_code}, {kind}): check NEMO_API_URL")
    return NemoVerdict(True, "reachable (no NEMO_TOKEN: each chat gets an anonymous token)")


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The answer's JSON object (NemoVideo's envelope, an error's too; a platform API's
    answer); None when it is none (a web page, a proxy's error page)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def _warn_about_nemo(settings: Settings) -> None:
    verdict = await check_nemo(settings)
    if verdict.ok:
        log.info("NemoVideo: %s", verdict.detail)
    elif not verdict.reachable:
        log.warning("NemoVideo is %s; chats are told it isn't answering until it comes back",
                    verdict.detail)
    else:
        log.warning("NemoVideo: %s", verdict.detail)


async def _warn_about_stranded(runtime: Operated) -> None:
    """Warn once at the start when renders wait where no worker reads (RENDER_SHARDS
    changed, or an earlier version's streams) until `nemobot migrate` moves them."""
    try:
        stranded = await stranded_renders(runtime.redis, runtime.keys)
    except RedisError as exc:
        log.info("could not look for renders left on other render streams: %r", exc)
        return
    if stranded:
        log.warning("%d render(s) wait on render streams this version does not read (from "
                    "an earlier version, or another RENDER_SHARDS than %d): they are not "
                    "delivered until `nemobot migrate` moves them (run it with the bots "
                    "stopped)", stranded, runtime.keys.render_shards)


async def read_queues(metrics: Metrics, redis: RedisClient, keys: Keys, platform: str) -> None:
    """Set the queue gauges from Redis: chats waiting, events queued, live renders."""
    members = list(await redis.smembers(keys.pending_chats()))
    chats = [ChatKey.parse(text_of(m)) for m in members[:QUEUES_COUNTED]]
    shards = keys.render_shards_of(platform)
    async with redis.pipeline(transaction=False) as pipe:
        for chat in chats:
            pipe.llen(keys.inbox(chat))
        for shard in shards:
            pipe.xlen(keys.render_stream(shard))
        counts = await pipe.execute()
    metrics.chats_waiting.set(len(members))
    metrics.events_queued.set(sum(int(n) for n in counts[:len(chats)]))
    metrics.renders_live.labels(platform).set(sum(int(n) for n in counts[len(chats):]))


class Operated(Protocol):
    """What `operating` needs of a process's runtime (`core.runtime.Runtime`)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def redis(self) -> RedisClient: ...

    @property
    def keys(self) -> Keys: ...

    @property
    def health(self) -> Health: ...

    @property
    def simulator_url(self) -> str | None: ...

    @property
    def worker_running(self) -> bool: ...


@contextlib.asynccontextmanager
async def operating(runtime: Operated, platform: str, *,
                    probe_backend: bool = False) -> AsyncIterator[Health]:
    """For the life of `runtime`: wait for Redis (StartupError when it does not answer),
    register the readiness checks, serve health and metrics when METRICS_PORT is set,
    and with `probe_backend` look at NemoVideo once in the background (a warning when
    it is unreachable)."""
    settings = runtime.settings
    await wait_for_redis(runtime.redis, settings)
    health = runtime.health
    health.add("redis", lambda: redis_answers(runtime.redis))
    health.add("renders", lambda: runtime.worker_running)
    async with contextlib.AsyncExitStack() as stack:
        if settings.metrics_port is not None:
            await _serve(stack, runtime, platform, settings.metrics_port)
        if probe_backend and runtime.simulator_url is None:
            probe = asyncio.create_task(_warn_about_nemo(settings), name="NemoVideo probe")
            stack.callback(probe.cancel)
        if probe_backend:  # on the process's Redis client: ended before it closes
            look = asyncio.create_task(_warn_about_stranded(runtime), name="stranded renders")
            stack.push_async_callback(end_tasks, [look], what="look at render streams")
        yield health


async def _serve(stack: contextlib.AsyncExitStack, runtime: Operated, platform: str,
                 port: int) -> None:
    from core.metrics import Metrics

    async def refresh(metrics: Metrics) -> None:
        await read_queues(metrics, runtime.redis, runtime.keys, platform)

    metrics = Metrics(refresh)
    listen = runtime.settings.metrics_listen
    try:
        await runtime.health.start(listen, port, metrics.exposition)
    except OSError as exc:
        raise StartupError(
            f"METRICS_PORT {port} cannot be used on {listen} ({exc.strerror or exc}): choose "
            "a free port, or leave METRICS_PORT empty") from exc
    stack.push_async_callback(runtime.health.stop)
    previous = observe.install(metrics)
    stack.callback(observe.install, previous)
