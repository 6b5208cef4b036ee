"""The dispatcher's promises under faults, against a real Redis (stopped, restarted with
its data, restarted empty) and the simulator: nothing lost, nothing run twice, nothing
stuck, no secret stored or echoed."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from core.collecting import CollectingOutput
from core.conversation.middleware import Middleware, StepCall
from core.conversation.turn import Turn
from core.embedded_redis import EmbeddedRedis
from core.inbox import ChatEvent
from core.intents import Intent, Step
from core.keys import Keys
from core.locks import ChatLock, LockLost
from core.logs import Outage
from core.messages import ChatKey
from core.outgoing import Action, Button, Sent
from core.simulator import Fault, Simulator
from core.store import IDENTITY_TTL
from tests.kits.conversation import CHAT, Kit, kit
from tests.waiting import wait_until

UNAVAILABLE = "can't take messages right now"


def agent_calls(k: Kit) -> int:
    """How many messages reached the agent."""
    return k.kinds().count("run_sse")


async def with_the_agent(k: Kit, count: int = 1) -> None:
    """Wait until `count` messages reached the agent."""
    await wait_until(lambda: agent_calls(k) >= count, what=f"{count} agent call(s)")


def restart_empty(server: EmbeddedRedis) -> None:
    """Kill Redis, wipe its data, start it again on the same port."""
    server.stop(kill=True)
    shutil.rmtree(server.data_dir)
    server.start()


async def test_a_message_while_redis_is_down_is_refused_clearly_and_the_chat_goes_on(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    async with kit(simulator, redis_server.url) as k:
        redis_server.stop()
        await k.say("hello")  # never raises: the platform would consider it delivered
        assert UNAVAILABLE in k.last()
        await k.say("/cancel")
        assert UNAVAILABLE in k.last()
        assert agent_calls(k) == 0
        redis_server.start()
        await k.say("hello")
        assert agent_calls(k) == 1
        assert UNAVAILABLE not in k.last()


async def test_a_turn_that_lost_its_lock_to_an_empty_redis_stops_writing(
        simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    simulator.inject(Fault("sse_stall", seconds=30.0))
    async with kit(simulator, redis_server.url, chat_lock_ttl=1.0) as k:
        first = k.dispatcher.submit(k.message("hello"))
        await with_the_agent(k)
        restart_empty(redis_server)
        await wait_until(lambda: first.done(), what="the turn that lost its lock to stop")
        assert "lost its lock: Redis no longer has it" in caplog.text
        assert not await k.sessions.redis.exists(k.sessions.keys.session(CHAT)), \
            "the stopped turn wrote nothing into the new Redis"
        await k.say("hello again")  # the chat is free again
        assert agent_calls(k) == 2


async def test_a_save_that_fails_is_logged_and_the_message_resumes_without_a_resend(
        simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    simulator.config.agent_delay = 1.0
    async with kit(simulator, redis_server.url) as k:
        k.dispatcher.save_patience = 0.3
        first = k.dispatcher.submit(k.message("hello"))
        await with_the_agent(k)
        redis_server.stop()  # with its data: the in-flight record was saved before
        await wait_until(lambda: first.done(), what="the turn to end")
        # the turn's last Redis calls (state, saves) failed, and it says so
        assert "could not be saved" in caplog.text or "Redis unavailable" in caplog.text
        redis_server.start()
        await k.dispatcher.resume()
        assert any("I was restarted while working on" in t for t in k.out.texts())
        assert not any("connection to NemoVideo dropped" in t for t in k.out.texts()), (
            "the restart is said once, not as a dropped connection too")
        assert agent_calls(k) == 1, "the message never reaches the agent twice"
        assert await k.inbox.current(CHAT) is None


async def test_graceful_stop_mid_turn_leaves_the_message_for_the_next_process(
        simulator: Simulator, redis_url: str) -> None:
    simulator.inject(Fault("sse_stall", seconds=30.0))
    async with kit(simulator, redis_url) as k:
        k.dispatcher.submit(k.message("make it blue"))
        await with_the_agent(k)
        await k.dispatcher.stop(0.2)  # the grace runs out: the turn is stopped
        assert (await k.sessions.load(CHAT)).inflight is not None, "cancelling kept the record"
        assert await k.inbox.current(CHAT) is not None
    async with kit(simulator, redis_url) as after:
        await after.dispatcher.resume()
        assert any('working on "make it blue"' in t for t in after.out.texts())
        assert agent_calls(after) == 1
        assert (await after.sessions.load(CHAT)).inflight is None


async def test_a_first_message_stopped_before_its_project_existed_is_answered(
        simulator: Simulator, redis_url: str) -> None:
    """A holder took a new chat's first message and died before making its project (a
    project is saved before the agent is called): the message cannot have reached the
    agent, so the next process sends it, rather than saying "I was restarted, checking"
    and then nothing (there is no project to check)."""
    async with kit(simulator, redis_url) as k:
        await k.inbox.push(ChatEvent.of(k.message("what can you do?")))
        assert await k.inbox.take(CHAT) is not None  # the holder's, then it died
        await k.dispatcher.resume()
        texts = k.out.texts()
        assert not any("I was restarted" in t for t in texts), texts
        assert "NemoVideo simulator" in k.last()
        assert agent_calls(k) == 1 and await k.inbox.current(CHAT) is None


async def test_a_typed_message_stopped_with_the_agent_is_recovered_from_its_event_alone(
        simulator: Simulator, redis_url: str) -> None:
    # a chat that talks already: its typed message goes to the agent without a save
    # before (its event in Redis says it may be with the agent); stopped there, it is
    # recovered by the next process, never sent again
    async with kit(simulator, redis_url) as k:
        await k.say("hello")
        simulator.inject(Fault("sse_stall", seconds=30.0))
        k.dispatcher.submit(k.message("make it blue"))
        await with_the_agent(k, 2)
        await k.dispatcher.stop(0.2)
        assert (await k.sessions.load(CHAT)).inflight is None, "no save before the call"
        assert await k.inbox.current(CHAT) is not None
    async with kit(simulator, redis_url) as after:
        await after.dispatcher.resume()
        assert any('working on "make it blue"' in t for t in after.out.texts())
        assert agent_calls(after) == 2, "never sent again (the simulator counts both kits)"
        assert await after.inbox.current(CHAT) is None


async def monitored(server: EmbeddedRedis, lines: list[str]) -> None:
    """Append the server's MONITOR feed to `lines` until cancelled."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        writer.write(b"MONITOR\r\n")
        await writer.drain()
        while line := await reader.readline():
            lines.append(line.decode(errors="replace"))
    finally:
        writer.close()


async def test_once_the_answer_is_out_the_events_save_comes_first(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    # a first message names the chat's project, which is written to the catalog: only
    # after the save that marks the event done (a process killed between the answer and
    # that save shows the answer again after a restart)
    lines: list[str] = []
    watch = asyncio.create_task(monitored(redis_server, lines))
    try:
        await wait_until(lambda: bool(lines), what="the MONITOR feed")
        async with kit(simulator, redis_server.url) as k:
            await k.say("make a video of the sea")
            keys = k.sessions.keys
            projects, current = keys.projects(CHAT), keys.current(CHAT)
            await wait_until(lambda: any(f'"{projects}"' in line for line in lines),
                             what="the catalog written")
    finally:
        watch.cancel()
    written = next(n for n, line in enumerate(lines) if f'"{projects}"' in line)
    finished = [n for n, line in enumerate(lines)
                if '"EVALSHA"' in line.upper() and f'"{current}"' in line]
    assert finished and finished[-1] < written, lines


async def test_graceful_stop_lets_a_turn_finish_within_the_grace(
        simulator: Simulator, redis_url: str) -> None:
    simulator.config.agent_delay = 0.5
    async with kit(simulator, redis_url) as k:
        k.dispatcher.submit(k.message("hello"))
        await with_the_agent(k)
        await k.dispatcher.stop(10.0)
        assert k.out.texts(CHAT), "the answer went out before the stop"
        assert (await k.sessions.load(CHAT)).inflight is None
        assert await k.inbox.current(CHAT) is None


async def test_a_chat_whose_holder_died_is_taken_up_without_a_new_message(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url, chat_lock_ttl=1.5) as k:
        # what a killed process leaves: its lock (expiring) and a queued message
        dead = k.held_elsewhere()
        await k.sessions.redis.set(dead.key, "dead-process/0", px=1500)
        await k.say("hello")
        assert "next in line: hello" in k.last()
        k.dispatcher.start()  # the sweep, every third of the lock's expiry
        await wait_until(lambda: agent_calls(k) == 1, what="the queued message answered")
        await k.dispatcher.wait_idle()
        assert await k.inbox.length(CHAT) == 0


async def test_a_message_sent_again_to_another_process_is_taken_once(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    # a webhook whose answer was lost (its replica died after queueing the message) gets
    # the update again, and a load balancer hands it to another replica
    async with kit(simulator, redis_server.url) as one, kit(simulator, redis_server.url) as two:
        message = one.message("hello")
        await one.dispatcher.handle(message)
        await two.dispatcher.handle(message)
        await two.dispatcher.handle(one.message("and this"))  # the next message, as usual
        assert agent_calls(one) == 2, "the repeated message was not run again"
        assert len(two.out.texts(CHAT)) == 1, "no reply at all to the repeated message"
        assert await one.inbox.length(CHAT) == 0


async def test_a_message_queued_by_a_process_that_died_before_marking_it_is_answered_again(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    # what a webhook replica killed between queueing a message and marking its chat
    # leaves: the message queued, the chat unmarked (no sweep finds it), no answer to
    # Telegram, which sends the update again to another replica
    async with kit(simulator, redis_server.url) as one, kit(simulator, redis_server.url) as two:
        message = one.message("hello")
        await one.inbox.push(ChatEvent.of(message))
        await one.inbox.redis.srem(Keys().pending_chats(), str(CHAT))
        await two.dispatcher.handle(message)
        await wait_until(lambda: agent_calls(two) == 1, what="the queued message answered")
        await two.dispatcher.wait_idle()
        assert sum("your NemoVideo editor" in t for t in two.out.texts(CHAT)) == 1, \
            "answered once"
        assert await two.inbox.length(CHAT) == 0


class StopsRedisBeforeTheAgent(Middleware):
    """Once armed, stops the real Redis server as a typed message's step begins and then
    reads from it (as the access middlewares do): the step fails before the agent call."""

    def __init__(self, server: EmbeddedRedis) -> None:
        self.server = server
        self.armed = False

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Fail the armed step on Redis, else pass it."""
        if self.armed and step.intent is Intent.AGENT:
            self.armed = False
            await asyncio.to_thread(self.server.stop)
            await turn.persist()  # raises: Redis is away
        await call_next(turn, step)


async def test_a_message_that_failed_on_redis_before_the_agent_call_is_sent_once_redis_is_back(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    stopper = StopsRedisBeforeTheAgent(redis_server)
    async with kit(simulator, redis_server.url, middlewares=[stopper]) as k:
        await k.say("hello")
        stopper.armed = True
        await k.say("make it blue")
        assert agent_calls(k) == 1, "Redis went away before the agent call"
        await asyncio.to_thread(redis_server.start)
        await wait_until(k.dispatcher.resume, what="the message taken up again")
        await k.dispatcher.wait_idle()
        assert agent_calls(k) == 2, "sent to the agent once Redis was back"
        assert not any("didn't finish" in t for t in k.out.texts(CHAT)), k.out.texts(CHAT)


async def test_a_busy_chat_does_not_hold_up_the_sweep_for_the_others(
        simulator: Simulator, redis_url: str) -> None:
    """One chat kept busy (its turn blocked here) must not keep the sweep from taking up
    another chat whose holder died meanwhile."""
    release = asyncio.Event()

    async def blocked(turn: Turn, step: Step) -> None:
        await release.wait()
        await turn.send("busy chat done")

    other = ChatKey("test", "900")
    async with kit(simulator, redis_url, chat_lock_ttl=1.5) as k:
        k.dispatcher.handlers[Intent.STATUS] = blocked
        await k.inbox.push(ChatEvent.of(k.message("status")))  # left by a process that died
        k.dispatcher.start()
        await wait_until(lambda: CHAT in k.dispatcher._working, what="the busy chat taken up")
        await k.inbox.push(ChatEvent.of(k.message("credits", chat=other)))  # another, later
        try:
            await wait_until(lambda: any("Credits:" in t for t in k.out.texts(other)),
                             what="the other chat answered while the first is busy")
        finally:
            release.set()
        await k.dispatcher.wait_idle()


async def test_cancel_stops_a_running_turn_in_this_process(
        simulator: Simulator, redis_url: str) -> None:
    simulator.inject(Fault("sse_stall", seconds=30.0))
    async with kit(simulator, redis_url) as k:
        running = k.dispatcher.submit(k.message("hello"))
        await with_the_agent(k)
        await k.say("/cancel")
        await wait_until(lambda: running.done(), what="the turn to stop")
        assert any("may still charge" in t for t in k.out.texts())
        assert agent_calls(k) == 1


async def test_link_while_busy_is_never_echoed_nor_stored(
        simulator: Simulator, redis_server: EmbeddedRedis,
        redis_client: aioredis.Redis) -> None:
    token = "nmv_usr_secret_0123456789"
    simulator.config.operator_tokens = [token]
    async with kit(simulator, redis_server.url) as k:
        busy = k.held_elsewhere()
        assert await busy.acquire()
        try:
            await k.say("hello")
            await k.say(f"/link {token}")
            await k.say("add a title")
        finally:
            await busy.release()
        assert all("secret_0123" not in t for t in k.out.texts()), k.out.texts()
        identity = Keys().identity(CHAT)
        async for key in redis_client.scan_iter():
            if key.decode() == identity:
                continue  # the token the chat uses, by design
            assert b"secret_0123" not in await dump(redis_client, key), key
        assert (await k.sessions.load_identity(CHAT)).kind == "linked"


async def dump(redis: aioredis.Redis, key: bytes) -> bytes:
    """Every value stored under a key, as bytes."""
    kind = (await redis.type(key)).decode()
    if kind == "string":
        return bytes(await redis.get(key) or b"")
    if kind == "list":
        return b"|".join(await redis.lrange(key, 0, -1))
    if kind == "hash":
        return b"|".join(k + b"=" + v for k, v in (await redis.hgetall(key)).items())
    if kind == "set":
        return b"|".join(await redis.smembers(key))
    if kind == "zset":
        return b"|".join(await redis.zrange(key, 0, -1))
    if kind == "stream":
        entries = await redis.xrange(key)
        return b"|".join(k + b"=" + v for _, fields in entries for k, v in fields.items())
    return b""


async def test_a_full_queue_refuses_with_a_notice(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url, chat_queue_max=2) as k:
        busy = k.held_elsewhere()
        assert await busy.acquire()
        try:
            for text in ("one", "two", "three"):
                await k.say(text)
            assert await k.inbox.length(CHAT) == 2
            assert "2 messages are already waiting" in k.last()
        finally:
            await busy.release()


@contextlib.asynccontextmanager
async def gated_notices(k: Kit) -> AsyncIterator[asyncio.Event]:
    """The chat held by another process, its queue notices going out once the yielded
    event is set: a burst's window lasts until its arrivals are in, however busy the
    machine is (a timed window of 2 s once missed one, on a cluster)."""
    burst_in = asyncio.Event()

    async def window(_: float) -> None:
        await burst_in.wait()

    k.dispatcher.notices.pause = window
    busy = k.held_elsewhere()
    assert await busy.acquire()
    try:
        yield burst_in
    finally:
        await busy.release()


async def burst(k: Kit, burst_in: asyncio.Event, texts: list[str]) -> None:
    """Send `texts` at once; their notice goes out when all of them are queued."""
    burst_in.clear()
    sent = asyncio.gather(*(k.say(text) for text in texts))
    await wait_until(lambda: len(getattr(k.dispatcher.notices._batches.get(CHAT), "events",
                                         [])) == len(texts), what="the burst queued")
    burst_in.set()
    await sent


async def test_queue_notices_of_a_burst_are_coalesced(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k, gated_notices(k) as burst_in:
        await burst(k, burst_in, [f"message {n}" for n in range(3)])
    assert k.out.texts(CHAT) == ["Got it: 3 messages are waiting. I'll answer them in order."]


async def test_a_second_burst_counts_every_message_waiting_and_a_crowded_chat_gets_none(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k, gated_notices(k) as burst_in:
        await burst(k, burst_in, ["message 0", "message 1"])
        await burst(k, burst_in, ["message 2", "message 3"])
        # the platform holds this chat's messages back: a notice would take an answer's
        # place (a busy group at Telegram's 20 messages a minute)
        k.out.backlog = lambda chat: 3.0  # type: ignore[method-assign]
        burst_in.set()
        await asyncio.gather(*(k.say(f"later {n}") for n in range(2)))
    assert k.out.texts(CHAT) == [
        "Got it: 2 messages are waiting. I'll answer them in order.",
        "Got it: 4 messages are waiting. I'll answer them in order."]


async def test_no_notice_for_a_message_taken_up_before_it_went_out(
        simulator: Simulator, redis_url: str) -> None:
    async with kit(simulator, redis_url) as k:
        other = ChatKey("test", "300")
        await k.say("hello", chat=other)
        assert not any("in line" in t or "After this" in t for t in k.out.texts(other))


async def test_the_identity_is_kept_as_long_as_the_chat_is_active(
        simulator: Simulator, redis_server: EmbeddedRedis,
        redis_client: aioredis.Redis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("hello")
        identity = Keys().identity(CHAT)
        await redis_client.expire(identity, 60)  # as if the chat had been quiet for months
        await k.say("hello again")
        assert await redis_client.ttl(identity) > IDENTITY_TTL - 60


async def test_the_last_save_of_a_message_releases_the_lock_once_even_when_retried(
        simulator: Simulator, redis_server: EmbeddedRedis,
        redis_client: aioredis.Redis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("hello")
        assert await redis_client.get(Keys().lock(CHAT)) is None, "released with the last save"
        lock = k.sessions.lock(CHAT)
        opened = await k.sessions.open(CHAT, lock, event_ttl=60)
        assert opened is not None and opened.event is None and opened.session.session_id
        await k.sessions.save(CHAT, opened.session, lock=lock, finish=True, release=True,
                              mark="one")
        assert not lock.held and await redis_client.get(lock.key) is None
        # the same save again, as when its answer was lost on the way back
        await k.sessions.save(CHAT, opened.session, lock=lock, finish=True, release=True,
                              mark="one")
        with pytest.raises(LockLost):
            await k.sessions.save(CHAT, opened.session, lock=lock, finish=True, mark="two")


async def test_the_holder_keeps_the_lock_while_events_wait(
        simulator: Simulator, redis_server: EmbeddedRedis,
        redis_client: aioredis.Redis) -> None:
    async with kit(simulator, redis_server.url) as k:
        lock = k.sessions.lock(CHAT)
        opened = await k.sessions.open(CHAT, lock, event_ttl=60)
        assert opened is not None
        try:
            await k.inbox.push(ChatEvent.of(k.message("queued meanwhile")))
            await k.sessions.save(CHAT, opened.session, lock=lock, finish=True, release=True)
            assert lock.held and await redis_client.get(lock.key) is not None
        finally:
            await lock.release()
        await k.dispatcher.resume()
        assert k.kinds().count("run_sse") == 1, "the queued message was answered"


async def test_the_identity_is_read_once_per_event(
        simulator: Simulator, redis_server: EmbeddedRedis,
        redis_client: aioredis.Redis) -> None:
    async with kit(simulator, redis_server.url) as k:
        await k.say("hello")
        lock = k.sessions.lock(CHAT)
        assert await k.sessions.open(CHAT, lock, event_ttl=60) is not None
        try:
            first = await k.sessions.load_identity(CHAT)
            await redis_client.delete(Keys().identity(CHAT))  # not read again meanwhile
            assert (await k.sessions.load_identity(CHAT)).client_id == first.client_id
            k.sessions.forget_identity(CHAT)  # the next event reads it
            assert (await k.sessions.load_identity(CHAT)).client_id != first.client_id
        finally:
            await lock.release()


class SlowToConfirm(CollectingOutput):
    """A platform that shows each answer at once but confirms it slowly; the user, who
    sees it, sends the next message straight away."""

    def __init__(self) -> None:
        super().__init__()
        self.on_answer: Callable[[], None] = lambda: None

    async def send_text(self, chat: ChatKey, text: str, buttons: tuple[Button, ...] = (), *,
                        reply_to: str | None = None) -> Sent:
        sent = await super().send_text(chat, text, buttons, reply_to=reply_to)
        await self._shown(text, buttons)
        return sent

    async def edit_text(self, chat: ChatKey, sent: Sent, text: str,
                        buttons: tuple[Button, ...] = ()) -> Sent:
        edited = await super().edit_text(chat, sent, text, buttons)
        await self._shown(text, buttons)
        return edited

    async def _shown(self, text: str, buttons: tuple[Button, ...]) -> None:
        final = not any(b.action is Action.CANCEL for b in buttons)
        if "NemoVideo editor" in text and final:
            self.on_answer()
            await asyncio.sleep(0.6)  # the platform's slow answer, not a synchronisation


async def test_no_notice_for_a_message_sent_after_the_answer_arrived(
        simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    out = SlowToConfirm()
    async with kit(simulator, redis_server.url, out=out) as k:
        follow_ups = iter(["hi again", "hey there"])
        out.on_answer = lambda: next((k.dispatcher.submit(k.message(t)) for t in follow_ups),
                                     None)
        await k.say("hello")
        await wait_until(lambda: agent_calls(k) == 3, what="three answers",
                         show=lambda: (k.kinds(), out.texts(CHAT)))
        await k.dispatcher.wait_idle()
    assert not [t for t in out.texts(CHAT) if "in line" in t], out.texts(CHAT)


class FinishesCancelledCommands(aioredis.Redis):
    """A client that, like redis-py at times, finishes a script it was cancelled in and
    returns its answer; each script first waits a moment (`started` is set then)."""

    started: asyncio.Event

    async def eval(self, *args: Any) -> Any:  # type: ignore[override]
        self.started.set()

        async def slow() -> Any:
            await asyncio.sleep(0.2)  # a slow answer, not a synchronisation
            return await super(FinishesCancelledCommands, self).eval(*args)

        command = asyncio.ensure_future(slow())
        try:
            return await asyncio.shield(command)
        except asyncio.CancelledError:
            return await command


async def test_a_lock_released_during_a_renewal_is_not_reported_lost(
        redis_server: EmbeddedRedis, caplog: pytest.LogCaptureFixture) -> None:
    client = FinishesCancelledCommands.from_url(redis_server.url)
    client.started = asyncio.Event()
    lock = ChatLock(client, "test-lock", ttl=1.0)
    try:
        assert await lock.acquire()
        await client.started.wait()  # a renewal is on its way
        await client.delete("test-lock")  # as the holder's last save does
        async with asyncio.timeout(1.0):
            await lock.released()
        assert not lock.lost.is_set()
        assert "was lost" not in caplog.text
    finally:
        await client.aclose()


def test_a_loops_outage_is_one_warning_then_one_line_when_it_works_again(
        caplog: pytest.LogCaptureFixture) -> None:
    """While Redis is down, a background loop failing every turn logs one warning, not
    one a turn; when it works again, one line says so."""
    caplog.set_level(logging.DEBUG, logger="core.test")
    outage = Outage(logging.getLogger("core.test"), "reading the stream")
    for _ in range(5):
        outage.failed(ConnectionError("Connection refused"))
    outage.worked()
    outage.worked()
    outage.failed(ConnectionError("again"))
    said = [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records]
    assert said == [("WARNING", "reading the stream failed"),
                    *[("DEBUG", "reading the stream failed again")] * 4,
                    ("INFO", "reading the stream works again"),
                    ("WARNING", "reading the stream failed")]


def test_redis_out_of_reach_is_one_warning_for_all_the_loops_and_one_line_when_back(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="core.test")
    loops = [Outage(logging.getLogger("core.test"), f"loop {n}") for n in range(4)]
    for _ in range(3):
        for outage in loops:
            outage.failed(RedisConnectionError("Connection refused"))
    for outage in loops:
        outage.worked()
    loops[0].failed(ResponseError("WRONGTYPE"))  # an error answer is the loop's own
    said = [(r.levelname, r.getMessage().split(" (")[0].split(":")[0]) for r in caplog.records
            if r.levelno >= logging.INFO]
    assert said == [("WARNING", "Redis is unavailable"), ("INFO", "Redis works again after 0 s"),
                    ("WARNING", "loop 0 failed")]
