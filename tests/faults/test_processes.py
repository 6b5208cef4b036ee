"""Real `nemobot telegram` processes stopped, killed and restarted at points of a turn, an
upload and a render; Redis stopped and restarted under them; Telegram's 429s. Each
scenario checks: every message answered or resumed with a clear notice, each agent
message sent to NemoVideo once, each video delivered once, no chat stuck."""

from __future__ import annotations

import asyncio
import math
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from core.embedded_redis import EmbeddedRedis
from core.i18n import t
from core.keys import Keys
from core.messages import ChatKey
from core.simulator import Fault, Simulator
from core.simulator.agent import chat_answer
from core.store import SessionStore
from tests.fakes.telegram_api import FakeChat, FakeTelegram, FakeUser
from tests.kits.bot_process import BotProcess, BotWorld, bot_world
from tests.kits.telegram_bot import CLIP, TINY_DRAFT, bot_messages, calls, shown
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures"]

WAIT = 30.0
RESTARTED = "I was restarted while working on"


@pytest.fixture
async def world(fake_telegram: FakeTelegram, simulator: Simulator,
                redis_server: EmbeddedRedis, tmp_path: Path) -> AsyncIterator[BotWorld]:
    async with bot_world(fake_telegram, simulator, redis_server, tmp_path) as w:
        yield w


def texts(world: BotWorld, chat: FakeChat) -> list[str]:
    """What the bot shows in a chat now."""
    return [shown(m) for m in bot_messages(world.fake, chat)]


async def bot_says(world: BotWorld, chat: FakeChat, part: str, within: float = WAIT) -> str:
    """Wait until a bot message in `chat` contains `part`."""
    return await wait_until(
        lambda: next((t for t in texts(world, chat) if part in t), None), within=within,
        what=f"{part!r} in chat {chat.id}", changes=world.fake.changes,
        show=lambda: texts(world, chat))


async def agent_calls(world: BotWorld, count: int, within: float = WAIT) -> None:
    """Wait until `count` messages reached the agent."""
    await wait_until(lambda: world.agent_calls() >= count, within=within,
                     what=f"{count} agent call(s)")


async def turn_over(sessions: SessionStore, chat: FakeChat, world: BotWorld) -> bool:
    """Whether the chat's first message has been with the agent and its turn is over."""
    session = await sessions.load(ChatKey("telegram", str(chat.id)))
    return world.agent_calls() == 1 and session.inflight is None and bool(session.session_id)


async def answer_recorded(sessions: SessionStore, chat: FakeChat, text: str) -> bool:
    """Whether the chat's message in flight is `text`, with the agent's answer recorded."""
    inflight = (await sessions.load(ChatKey("telegram", str(chat.id)))).inflight
    return inflight is not None and inflight.text == text and bool(inflight.answer)


def no_errors(world: BotWorld, chat: FakeChat) -> None:
    """No "something went wrong" in the chat."""
    assert not any("something went wrong" in t for t in texts(world, chat)), texts(world, chat)


async def test_sigterm_mid_turn_lets_it_finish_within_the_grace(world: BotWorld) -> None:
    world.simulator.config.agent_delay = 1.5
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start(stop_grace=15)
    world.fake.text(dm, alice, "hello")
    await agent_calls(world, 1)
    assert await bot.stop() == 0
    assert texts(world, dm) and not any(RESTARTED in t for t in texts(world, dm))
    assert "stopping: running work gets 15.0 s" in bot.log()
    assert world.agent_calls() == 1


async def test_sigterm_while_the_bot_api_does_not_answer_stops_in_time(
        world: BotWorld) -> None:
    """getUpdates hangs (the Bot API unreachable): the stop does not wait out its
    timeouts (compose kills a container 20 s after SIGTERM), nor logs a traceback."""
    bot = await world.start(stop_grace=1)
    world.fake.hang("getUpdates", count=None)
    polls = len(world.fake.calls_to("getUpdates"))
    await wait_until(lambda: len(world.fake.calls_to("getUpdates")) > polls, within=WAIT,
                     what="a poll that hangs", changes=world.fake.changes)
    assert await bot.stop(within=12) == 0
    assert "Traceback" not in bot.log()
    assert "polling did not stop within 5 s" in bot.log()


async def test_sigterm_past_the_grace_leaves_the_turn_to_the_next_process(
        world: BotWorld) -> None:
    world.simulator.inject(Fault("sse_stall", seconds=3.0))
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start(stop_grace=0.5)
    world.fake.text(dm, alice, "make it blue")
    await agent_calls(world, 1)
    assert await bot.stop() == 0
    await world.start()
    await bot_says(world, dm, f'{RESTARTED} "make it blue"')
    await wait_until(lambda: len(texts(world, dm)) >= 2, what="the outcome after the notice")
    assert world.agent_calls() == 1, "the request was never sent twice"
    no_errors(world, dm)


async def test_sigkill_mid_turn_restarted_at_once_resumes_and_answers_the_queue(
        world: BotWorld) -> None:
    world.simulator.inject(Fault("sse_stall", seconds=2.0))
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    world.fake.text(dm, alice, "one")
    await agent_calls(world, 1)
    world.fake.text(dm, alice, "two")
    await bot_says(world, dm, "next in line: two")
    await bot.kill()
    loop = asyncio.get_running_loop()
    killed = loop.time()
    await world.start()  # within the lock's expiry, as a restart policy does
    await bot_says(world, dm, f'{RESTARTED} "one"')
    await agent_calls(world, 2)  # "two", without a new message
    assert loop.time() - killed < 3 + 3 / 3 + 15, "taken up once the dead holder's lock expired"
    await asyncio.sleep(0)  # let the last edits land
    assert world.agent_calls() == 2
    no_errors(world, dm)


async def killed_while_showing(world: BotWorld, bot: BotProcess, chat: FakeChat,
                               user: FakeUser, request: str, *, first: bool = False) -> str:
    """Send `request` once the chat's first turn is over (or as the chat's `first`
    message), its answer streamed slowly (its live message is sent, with its first
    words, well before its end) and every edit hanging (it never shows in full); once
    the answer is recorded, kill the process and start another. Returns the recorded
    answer."""
    sessions = SessionStore.from_url(world.redis.url)
    try:
        if not first:
            await wait_until(lambda: turn_over(sessions, chat, world), within=WAIT,
                             what="the first message's turn over")
        world.fake.hang("editMessageText", count=None)
        world.simulator.inject(Fault("sse_slow", delay=0.1))
        world.fake.text(chat, user, request)
        # the agent answered (its answer is recorded): the process dies while showing it
        await wait_until(lambda: answer_recorded(sessions, chat, request), within=WAIT,
                         what="the answer recorded")
        inflight = (await sessions.load(ChatKey("telegram", str(chat.id)))).inflight
        assert inflight is not None and inflight.answer is not None
        recorded = inflight.answer
    finally:
        await sessions.close()
    await bot.kill()
    world.fake.clear_faults()
    await world.start()
    return recorded


async def test_sigkill_after_the_agent_answered_shows_its_answer_once_after_the_restart(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    world.fake.text(dm, alice, "hello")  # first contact: greeting and answer
    await killed_while_showing(world, bot, dm, alice, "what can you do?")
    answer = chat_answer("what can you do?", chinese=False)
    await bot_says(world, dm, answer)
    shown = texts(world, dm)
    assert sum(answer[:20] in t for t in shown) == 1, "\n---\n".join(shown)
    assert not any(RESTARTED in t or "didn't finish" in t for t in shown), shown
    assert world.agent_calls() == 2, "never sent again"


async def test_sigkill_while_a_welcomed_answer_is_shown_keeps_the_welcome_after_the_restart(
        world: BotWorld) -> None:
    """A private chat's typed first request is answered under the welcome: the answer
    shown after a restart keeps it."""
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    await killed_while_showing(world, bot, dm, alice, "what can you do?", first=True)
    answer = chat_answer("what can you do?", chinese=False)
    await bot_says(world, dm, answer)
    shown = texts(world, dm)
    answers = [t for t in shown if answer[:20] in t]
    assert len(answers) == 1 and answers[0].startswith("Ready when you are."), shown
    assert sum("Ready when you are." in t for t in shown) == 1, shown
    assert world.agent_calls() == 1, "never sent again"


async def test_sigkill_while_an_edit_is_shown_shows_its_whole_answer_after_the_restart(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    await with_a_project(world, dm, alice)
    recorded = await killed_while_showing(world, bot, dm, alice, "add the title Urban Dreams")
    # what is recorded is the whole answer as shown: the agent's words and the timeline
    assert "Urban Dreams" in recorded and "Timeline" in recorded, recorded
    await bot_says(world, dm, recorded)
    shown = texts(world, dm)
    assert sum("Timeline" in t and "Urban Dreams" in t for t in shown) == 1, shown
    assert not any(RESTARTED in t or "didn't finish" in t for t in shown), shown
    assert world.agent_calls() == 2, "never sent again"


async def test_sigkill_during_an_upload_is_reported_after_the_restart(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    world.fake.hang("getFile")  # the upload reads the clip from Telegram: it hangs there
    world.fake.video(dm, alice, CLIP, file_name="beach.mp4")
    await world.fake.wait_for("getFile", timeout=WAIT)
    await bot.kill()
    world.fake.clear_faults()
    await world.start()
    await bot_says(world, dm, "Your upload of beach.mp4 was interrupted")
    assert "upload_files" not in [r["kind"] for r in world.simulator.requests]


async def test_sigkill_during_a_render_another_replica_delivers_it_once(
        world: BotWorld) -> None:
    world.simulator.config.render_seconds = 2.0
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    first = await world.start("a")
    world.fake.text(dm, alice, "hello")
    await agent_calls(world, 1)
    await wait_until(lambda: len(world.simulator.store.sessions) == 1, what="the project")
    session = next(iter(world.simulator.store.sessions.values()))
    session.draft = dict(TINY_DRAFT)
    world.fake.text(dm, alice, "/export")
    await wait_until(lambda: any(r["kind"] == "render_poll" for r in world.simulator.requests),
                     within=WAIT, what="the render being polled")
    await first.kill()
    await world.start("b")  # another replica: another render consumer name
    await wait_until(lambda: calls(world.fake, "sendVideo", dm), within=WAIT,
                     what="the video", changes=world.fake.changes)
    await asyncio.sleep(0)
    assert len(calls(world.fake, "sendVideo", dm)) == 1
    assert [r["kind"] for r in world.simulator.requests].count("render_submit") == 1


async def with_a_project(world: BotWorld, chat: FakeChat, user: FakeUser) -> None:
    """A first message makes the chat's project; it gets an exportable draft."""
    world.fake.text(chat, user, "hello")
    await agent_calls(world, 1)
    await wait_until(lambda: len(world.simulator.store.sessions) == 1, what="the project")
    next(iter(world.simulator.store.sessions.values())).draft = dict(TINY_DRAFT)


def renders_submitted(world: BotWorld) -> int:
    """Render submissions NemoVideo accepted (not the ones a fault answered)."""
    return sum(1 for r in world.simulator.requests
               if r["kind"] == "render_submit" and not r.get("fault"))


async def test_sigkill_during_an_export_the_resumed_export_renders_once(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    first = await world.start("a")
    await with_a_project(world, dm, alice)
    # the submission waits out a 429: the job exists, the /export event is not done
    world.simulator.inject(Fault("rate_limit", path="/api/render/proxy/lambda",
                                 retry_after=30))
    world.fake.text(dm, alice, "/export")
    await wait_until(lambda: any(r.get("fault") == "rate_limit"
                                 for r in world.simulator.requests),
                     within=WAIT, what="the render submission to be rate limited")
    await first.kill()
    redis = aioredis.Redis.from_url(world.redis.url)
    keys, chat = Keys(), ChatKey("telegram", str(dm.id))
    try:
        # The dead holder's lock outlives the render, as it does with the default
        # CHAT_LOCK_TTL (30 s): the restarted process delivers the video first...
        assert await redis.pexpire(keys.lock(chat), 120_000), "the dead holder's lock"
        await world.start("a")
        await wait_until(lambda: calls(world.fake, "sendVideo", dm), within=WAIT,
                         what="the video", changes=world.fake.changes)
        # ...and then, the lock expired, resumes the interrupted /export
        await redis.delete(keys.lock(chat))

        async def resumed() -> bool:
            return not await redis.exists(keys.current(chat))

        await wait_until(resumed, within=WAIT, what="the interrupted /export to be resumed")
    finally:
        await redis.aclose()
    assert renders_submitted(world) == 1, "the resumed /export found its render"
    assert len(calls(world.fake, "sendVideo", dm)) == 1
    no_errors(world, dm)


async def test_sigkill_during_the_export_of_make_it_and_export_resumes_the_export(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    await with_a_project(world, dm, alice)
    started = t("en", "render.started")
    # the export's "Rendering…" never leaves: the agent's part is done, the export not
    world.fake.server.faults.add(
        lambda call: call.method == "sendMessage" and call.params.get("text") == started,
        count=1, hang=math.inf)
    world.fake.text(dm, alice, "make it blue and export")
    await world.fake.wait_for(lambda call: call.method == "sendMessage" and call.hung,
                              timeout=WAIT)
    await bot.kill()
    await world.start()
    await wait_until(lambda: calls(world.fake, "sendVideo", dm), within=WAIT,
                     what="the video", changes=world.fake.changes,
                     show=lambda: texts(world, dm))
    assert world.agent_calls() == 2, "the agent's part was not sent again"
    assert not any(RESTARTED in text for text in texts(world, dm)), \
        "the agent's part had finished: nothing to resume there"
    assert renders_submitted(world) == 1
    no_errors(world, dm)


async def test_redis_stopped_then_back_the_bot_refuses_clearly_and_goes_on(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    world.fake.text(dm, alice, "hello")
    await agent_calls(world, 1)
    world.redis.stop()
    world.fake.text(dm, alice, "are you there?")
    await bot_says(world, dm, "can't take messages right now")
    world.fake.album(dm, alice, [CLIP, CLIP + b"2"], "combine these")
    await wait_until(lambda: sum("can't take messages" in t for t in texts(world, dm)) >= 2,
                     what="the album refused clearly", changes=world.fake.changes,
                     show=lambda: texts(world, dm))
    world.redis.start()
    assert bot.running
    world.fake.text(dm, alice, "make it blue")
    await agent_calls(world, 2)
    assert bot.running
    await wait_until(lambda: "Redis works again" in bot.log(), within=WAIT,
                     what="the background work to say Redis is back")
    said = [line for line in bot.log().splitlines() if "WARNING" in line]
    away = [line for line in said if "until it works" in line or "Redis is unavailable" in line]
    assert len(away) == 1, "one warning for the outage, not one a background loop:\n" + \
        "\n".join(away)


async def test_redis_stopped_while_the_agent_thinks_the_answer_is_shown_all_the_same(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start(edit_interval=60.0)  # the answer is shown once it is whole
    world.fake.text(dm, alice, "hello")
    await bot_says(world, dm, chat_answer("hello", chinese=False)[:40])
    world.simulator.config.agent_delay = 2.0
    world.fake.text(dm, alice, "what can you do?")
    await agent_calls(world, 2)
    world.redis.stop()  # the answer comes while Redis is away: it cannot be recorded
    await bot_says(world, dm, chat_answer("what can you do?", chinese=False))
    world.simulator.config.agent_delay = 0.0
    world.redis.start()
    world.fake.text(dm, alice, "make it blue")
    await agent_calls(world, 3)
    assert bot.running
    no_errors(world, dm)


async def test_redis_restarted_empty_mid_turn_stops_the_turn_and_the_chat_goes_on(
        world: BotWorld) -> None:
    world.simulator.inject(Fault("sse_stall", seconds=6.0))
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    bot = await world.start()
    world.fake.text(dm, alice, "one")
    await agent_calls(world, 1)
    world.redis.stop(kill=True)
    shutil.rmtree(world.redis.data_dir)
    world.redis.start()
    await wait_until(lambda: "lost its lock" in bot.log(), within=WAIT,
                     what="the running turn to notice its lock is gone")
    world.fake.text(dm, alice, "two")
    await agent_calls(world, 2)
    assert bot.running


@pytest.mark.slow
@pytest.mark.timeout(180)
async def test_fifteen_quick_messages_under_flood_limits_are_each_answered_once(
        world: BotWorld) -> None:
    alice = world.fake.user("Alice")
    dm = world.fake.private_chat(alice)
    await world.start(chat_queue_max=20, edit_interval=1.0)
    world.fake.flood(retry_after=1, method="sendMessage", chat_id=dm.id, count=3)
    world.fake.flood(retry_after=1, method="editMessageText", chat_id=dm.id, count=3)
    for n in range(15):
        world.fake.text(dm, alice, f"say {n}")
    await agent_calls(world, 15, within=150)
    await wait_until(lambda: not world.fake.pending_updates, what="every update taken")
    await asyncio.sleep(0)
    assert world.agent_calls() == 15, "each message reached the agent once"
    no_errors(world, dm)
