"""The Telegram bot end to end: real python-telegram-bot against the fake Bot API server,
the NemoVideo simulator and a real Redis, in polling and in webhook mode."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, cast

import pytest

from core.embedded_redis import EmbeddedRedis
from core.renders import JobState
from core.simulator import Fault, Simulator
from core.simulator.stream import fragments
from tests.fakes.telegram_api import MB, FakeTelegram
from tests.kits.renders import job_states, wait_for
from tests.kits.simulator import samples
from tests.kits.telegram_bot import (
    CLIP,
    WAIT,
    WEBHOOK_SECRET,
    bot_message,
    bot_messages,
    bot_settings,
    buttons_of,
    calls,
    chat_of,
    containing,
    exportable_project,
    kinds,
    running_bot,
    shown,
    uploaded_names,
)
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures"]

MODES = pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
HELP = "Send clips, photos or music"
EMPTY = "The timeline is empty"


# ------------------------------------------------------------------ inputs


@MODES
async def test_album_is_one_upload_and_one_agent_message(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        webhook: bool) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake, webhook=webhook)) as bot:
        fake.album(dm, alice, [CLIP, CLIP + b"2"], "combine these")
        received = await bot_message(fake, dm, containing("Received"))
        await fake.wait_until(lambda: "run_sse" in kinds(simulator), WAIT)
        await bot.adapter.tasks.idle()
    assert kinds(simulator, "upload") == ["upload_files"], "one upload for the album"
    assert kinds(simulator, "run_sse") == ["run_sse"], "one agent message"
    assert len(uploaded_names(simulator)) == 2
    assert shown(received).count(".mp4") == 2
    assert len(calls(fake, "getFile")) == 2
    assert all(fake.token not in str(r) for r in simulator.requests), "no file URL left"


async def test_album_parts_on_two_replicas_are_one_message(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    first = bot_settings(simulator, redis_server, fake, webhook=True)
    second = bot_settings(simulator, redis_server, fake, webhook=True)
    async with running_bot(first) as one, running_bot(second) as two:
        assert one.webhook_url and two.webhook_url and one.webhook_url != two.webhook_url
        parts = fake.album(dm, alice, [CLIP, CLIP + b"2"], "combine these", queue=False)
        # a load balancer sends each part to another replica
        for part, replica in zip(parts, (one, two), strict=True):
            status = await fake.post_to_webhook(part, secret_token=WEBHOOK_SECRET,
                                                url=replica.webhook_url)
            assert status == 200
        await bot_message(fake, dm, containing("Received"))
        await fake.wait_until(lambda: "run_sse" in kinds(simulator), WAIT)
        await one.adapter.tasks.idle()
        await two.adapter.tasks.idle()
    assert kinds(simulator, "upload") == ["upload_files"]
    assert kinds(simulator, "run_sse") == ["run_sse"]
    assert len(uploaded_names(simulator)) == 2


@MODES
async def test_an_album_arriving_at_shutdown_is_uploaded_once(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        webhook: bool) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    settings = bot_settings(simulator, redis_server, fake, webhook=webhook,
                            telegram_album_wait=0.5)
    async with running_bot(settings):
        parts = fake.album(dm, alice, [CLIP, CLIP + b"2"], "combine these")
        await fake.wait_delivered(parts[-1])
    # stopped while the album was being gathered (webhook: taken and finished while
    # stopping) or before PTB handed it over (polling: Telegram sends it again)
    if webhook:
        assert kinds(simulator, "upload") == ["upload_files"], "finished while stopping"
    async with running_bot(settings) as bot:
        await fake.wait_until(lambda: "run_sse" in kinds(simulator), WAIT)
        await bot.adapter.tasks.idle()
        await bot.runtime.dispatcher.wait_idle()
    assert kinds(simulator, "upload") == ["upload_files"]
    assert kinds(simulator, "run_sse") == ["run_sse"]


async def test_text_sent_right_after_an_album_comes_after_it(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.album(dm, alice, [CLIP, CLIP + b"2"])
        fake.text(dm, alice, "combine these")
        await fake.wait_until(lambda: "run_sse" in kinds(simulator), WAIT)
        await bot.adapter.tasks.idle()
        await bot.runtime.dispatcher.wait_idle()
        session = await bot.runtime.sessions.load(chat_of(dm))
    assert [k for k in kinds(simulator) if k in ("upload_files", "run_sse")] == [
        "upload_files", "run_sse"], "the clips were there before the instruction"
    assert session.session_id
    assert simulator.store.sessions[session.session_id].draft.get("t"), "they were combined"


async def test_every_kind_of_file_is_taken(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.video(dm, alice, CLIP, file_name="beach.mp4")
        photo = fake.photo(dm, alice, samples()["photo"].read_bytes(), width=2560,
                           height=1440)
        fake.document(dm, alice, CLIP, file_name="drone.mov", mime_type="video/quicktime")
        fake.audio(dm, alice, samples()["song"].read_bytes(), file_name="song.mp3")
        fake.animation(dm, alice, CLIP)
        fake.video_note(dm, alice, CLIP)
        fake.voice(dm, alice, b"OggS" + bytes(200))
        await fake.wait_until(lambda: len(uploaded_names(simulator)) == 6, WAIT)
        await bot_message(fake, dm, containing("that file type isn't supported"))
        await bot.adapter.tasks.idle()
        await bot.runtime.dispatcher.wait_idle()
    names = uploaded_names(simulator)
    assert {"beach.mp4", "drone.mov", "song.mp3"} <= set(names)
    assert sum(n.startswith("photo_20") and n.endswith(".jpg") for n in names) == 1
    largest = photo["message"]["photo"][-1]["file_id"]
    assert largest in [c.params["file_id"] for c in calls(fake, "getFile")]
    assert all(fake.token not in str(r) for r in simulator.requests)


async def test_file_over_20_mb_on_the_cloud_api_gets_a_clear_reply(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.video(dm, alice, size=30 * MB, caption="trim it to 10 seconds")
        reply = await bot_message(fake, dm, containing("20 MB"))
        await bot.adapter.tasks.idle()
    assert "link" in shown(reply) and "local Bot API server" in shown(reply)
    assert calls(fake, "getFile") == [] and fake.downloads == [], "nothing was fetched"
    assert simulator.requests == [], "the caption was about that file: nothing else was done"
    assert len(fake.sent_messages(dm.id)) == 1


async def test_in_a_group_the_file_size_refusal_replies_to_the_file(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    group = fake.supergroup("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        sent = fake.video(group, alice, size=30 * MB, caption=f"@{fake.bot_username} trim it")
        reply = await bot_message(fake, group, containing("20 MB"))
        await bot.adapter.tasks.idle()
    assert reply["reply_to_message"]["message_id"] == sent["message"]["message_id"]


async def test_local_bot_api_server_files_are_read_from_its_disk(
        fake_telegram_local: FakeTelegram, simulator: Simulator,
        redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram_local
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        assert bot.out.max_file_size(chat_of(dm)) == 2000 * MB
        fake.video(dm, alice, size=30 * MB, file_name="long take.mp4")
        await bot_message(fake, dm, containing("Received"))
        await bot.adapter.tasks.idle()
    assert kinds(simulator, "upload") == ["upload_files"]
    assert len(calls(fake, "getFile")) >= 1
    assert fake.downloads == [], "read from the server's disk, not over HTTP"
    assert not any("20 MB" in t for t in fake.sent_texts(dm.id))


# ------------------------------------------------------------------ who it listens to


async def test_group_message_not_for_the_bot_is_ignored(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    group = fake.group("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(group, alice, "make me a video of the sea")
        fake.video(group, alice, CLIP, caption="look at this")
        fake.album(group, alice, [CLIP, CLIP], "holiday")
        fake.text(group, alice, "/help@some_other_bot")
        fake.text(group, alice, "/help")  # a later message it does answer
        await bot_message(fake, group, containing(HELP))
        await bot.adapter.tasks.idle()
    assert len(fake.sent_messages(group.id)) == 1
    assert simulator.requests == []
    assert calls(fake, "getFile") == []


async def test_in_a_group_other_bots_commands_are_theirs_and_a_bare_mention_is_greeted(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    group = fake.supergroup("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(group, alice, "/help")
        help_message = await bot_message(fake, group, containing(HELP))
        # another bot's command, even in a reply to this bot; a command this bot lacks
        fake.text(group, alice, "/export@other_bot", reply_to=help_message["message_id"])
        fake.text(group, alice, "/ban spammer")
        # a message that only mentions the bot asks what it is
        fake.text(group, alice, f"@{fake.bot_username}")
        greeting = await bot_message(fake, group, containing("Ready when you are"))
        # an anonymous admin writes as the group, with a placeholder bot as the sender
        anonymous = fake.text(group, alice, f"/status@{fake.bot_username}", queue=False)
        anonymous["message"]["from"] = {"id": 1087968824, "is_bot": True,
                                        "first_name": "Group",
                                        "username": "GroupAnonymousBot"}
        anonymous["message"]["sender_chat"] = group.to_dict()
        fake.feed.queue(anonymous)
        await bot_message(fake, group, containing(EMPTY))
        await bot.adapter.tasks.idle()
    texts = [shown(m) for m in fake.sent_messages(group.id)]
    assert len(texts) == 3, texts
    assert greeting is not None
    assert [r for r in simulator.requests if r["kind"] == "render_submit"] == []


async def test_in_a_privacy_mode_group_the_greeting_and_help_say_what_the_bot_sees(
        simulator: Simulator, redis_server: EmbeddedRedis, tmp_path: Path) -> None:
    """Telegram's default privacy mode hides a group's other messages from the bot: a
    member following the greeting literally (sending a clip, a request) would be
    ignored. The greeting and /help there say how to reach it; a private chat, or a
    bot that reads every group message, is not told."""
    seen = "In this group I see only commands, messages that mention @nemo_test_bot"
    async with FakeTelegram(files_dir=tmp_path / "files", privacy_mode=True) as fake:
        alice = fake.user("Alice")
        group, dm = fake.group("Editors"), fake.private_chat(alice)
        async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
            fake.text(group, alice, "make me a video of the sea")  # never reaches the bot
            fake.text(group, alice, f"/start@{fake.bot_username}")
            greeting = await bot_message(fake, group, containing("Ready when you are"))
            fake.text(group, alice, "/help")
            help_message = await bot_message(fake, group, containing(HELP))
            fake.text(dm, alice, "/help")
            private_help = await bot_message(fake, dm, containing(HELP))
            await bot.adapter.tasks.idle()
    assert seen in shown(greeting) and "send files as a reply" in shown(greeting)
    assert shown(help_message).startswith(seen)
    assert seen not in shown(private_help)
    assert kinds(simulator, "run_sse") == [], "the message without a mention was not seen"


async def test_a_file_telegram_does_not_hand_over_is_said_plainly(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        gone = fake.register_file(CLIP, kind="video", file_name="clip.mp4",
                                  mime_type="video/mp4")
        del fake.files.by_path[gone.file_path]  # its download answers 404
        fake.video(dm, alice, file=gone, caption="make it pop")
        reply = await bot_message(fake, dm, containing("send it again"))
        await bot.runtime.dispatcher.wait_idle()
        # in an album, the reply names the file that failed and says none was uploaded
        lost = fake.register_file(CLIP + b"2", kind="video", file_name="drone.mp4",
                                  mime_type="video/mp4")
        del fake.files.by_path[lost.file_path]
        fake.album(dm, alice, [CLIP, lost], "combine these")
        album_reply = await bot_message(fake, dm, containing("send them again"))
        await bot.runtime.dispatcher.wait_idle()
        # getFile refusing the file (not its size) is said the same way, no traceback
        fake.fail_next("getFile", 400, "Bad Request: wrong file_id or the file is temporarily "
                       "unavailable")
        fake.video(dm, alice, CLIP, file_name="late.mp4")
        await wait_until(lambda: sum("send it again" in shown(m)
                                     for m in fake.sent_messages(dm.id)) == 2,
                         within=WAIT, what="the second file's reply", changes=fake.changes)
        await bot.runtime.dispatcher.wait_idle()
    assert "couldn't fetch the file" in shown(reply)
    assert "couldn't fetch drone.mp4" in shown(album_reply)
    assert "none of the 2 files you sent were uploaded" in shown(album_reply)
    assert not any("went wrong" in shown(m) for m in fake.sent_messages(dm.id))
    assert kinds(simulator, "run_sse") == []
    assert kinds(simulator, "upload") == []


async def test_group_mention_reply_and_forum_topic(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    studio = fake.supergroup("Studio", forum=True)
    topic = fake.forum_topic(studio, "B-roll")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(studio, alice, f"@{fake.bot_username} /new confirm")
        new = await bot_message(fake, studio, containing("New project"))
        fake.text(studio, alice, "status", reply_to=new["message_id"])
        await bot_message(fake, studio, containing(EMPTY))

        fake.text(studio, alice, "/new confirm", thread_id=topic)
        in_topic = await bot_message(fake, studio, lambda m: m.get("message_thread_id") == topic)
        await bot.adapter.tasks.idle()
        store = bot.runtime.sessions
        general = await store.load(chat_of(studio))
        side = await store.load(chat_of(studio, topic))
    assert "New project" in shown(in_topic)
    assert general.session_id and side.session_id and general.session_id != side.session_id


async def test_replies_follow_the_users_language(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    li = fake.user("Li", language_code="zh-hans")
    dm = fake.private_chat(li)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, li, "/help")
        await bot_message(fake, dm, containing("发送视频"))


# ------------------------------------------------------------------ outputs


@MODES
async def test_export_sends_the_mp4(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        webhook: bool) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake, webhook=webhook)) as bot:
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.text(dm, alice, "export")
        call = await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok, WAIT)
        await bot_message(fake, dm, containing("Rendering done"))
    video = call.files["video"]
    assert video.data[4:8] == b"ftyp" and len(video.data) > 1000
    assert video.filename.endswith(".mp4")
    assert call.params["supports_streaming"] is True
    # what ffmpeg read from the file: half a second of 320x180, and a frame of it
    assert (call.params["duration"], call.params["width"], call.params["height"]) == (1, 320, 180)
    sent = call.result
    thumb = sent["video"]["thumbnail"]
    assert (thumb["width"], thumb["height"]) == (320, 180)
    assert (sent["video"]["width"], sent["video"]["height"]) == (320, 180)
    assert sent["caption"] == "Video ready: Red\nTimeline (1 track): 1. Video: red (0-0.5s)"
    assert video.filename == "red.mp4", "named after the project"
    [project] = buttons_of(sent)
    assert project["text"] == "Open project" and "/workspace/claim?ct=" in project["url"]
    assert "upload_video" in fake.chat_actions(dm.id)
    assert len([c for c in calls(fake, "sendVideo") if c.ok]) == 1


@pytest.mark.parametrize("refused_by", ["telegram", "adapter"])
async def test_video_over_the_upload_limit_is_a_link(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        refused_by: str) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        if refused_by == "telegram":
            fake.upload_limit = 1000  # Telegram answers 413
        else:
            bot.out.upload_limit = 1000  # known beforehand: nothing is downloaded
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.text(dm, alice, "/export")
        link = await bot_message(fake, dm, lambda m: any(
            b.get("text") == "Download" for b in buttons_of(m)))
    [download] = [b for b in buttons_of(link) if b["text"] == "Download"]
    assert download["url"].startswith(simulator.base_url)
    assert ("could not be sent here as a file" if refused_by == "telegram"
            else "It is over 1000 bytes, the largest file I can send here") in shown(link)
    refused = [c for c in calls(fake, "sendVideo") if not c.ok]
    assert len(refused) == (1 if refused_by == "telegram" else 0), "never retried"
    assert not any(c.ok for c in calls(fake, "sendVideo"))
    assert sum(1 for m in bot_messages(fake, dm)
               if any(b.get("text") == "Download" for b in buttons_of(m))) == 1


async def test_local_mode_sends_the_video_by_path(
        fake_telegram_local: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        tmp_path: Path) -> None:
    fake = fake_telegram_local
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    shared = tmp_path / "shared"
    settings = bot_settings(simulator, redis_server, fake, telegram_shared_dir=shared)
    async with running_bot(settings) as bot:
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.text(dm, alice, "export")
        call = await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok, WAIT)
    assert str(call.params["video"]).startswith(f"file://{shared}")
    uploads = list(call.files.values())
    assert all(f.data[:3] == b"\xff\xd8\xff" for f in uploads), "only the thumbnail went up"
    assert str(call.params["thumbnail"]).startswith("attach://")
    [message] = [m for m in fake.sent_messages(dm.id) if "video" in m]
    assert message["video"]["file_size"] > 1000


async def test_streamed_answer_is_one_message_edited_a_few_times(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    answer = " ".join(f"word{i:03d}" for i in range(200))
    monkeypatch.setattr("core.simulator.agent.chat_answer", lambda message, chinese: answer)
    simulator.inject(Fault("sse_slow", delay=0.05))  # 50 fragments in 2.5 s
    settings = bot_settings(simulator, redis_server, fake, edit_interval=1.0)
    async with running_bot(settings):
        fake.text(dm, alice, "tell me a story")
        final = await bot_message(fake, dm, lambda m: shown(m).endswith("word199"))
    assert len(fragments(answer)) >= 40, "the agent streamed dozens of fragments"
    streamed = [m for m in fake.sent_messages(dm.id) if "word000" in shown(m)]
    assert [m["message_id"] for m in streamed] == [final["message_id"]], "one message"
    assert 1 <= len(fake.edits(final["message_id"], dm.id)) <= 3, "edited a few times"


async def test_quick_answer_is_one_message_without_edits_nor_typing(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    settings = bot_settings(simulator, redis_server, fake, edit_interval=1.0)

    def answered(text: str) -> bool:
        count = 1 if text == "hello" else 2
        return len([m for m in bot_messages(fake, dm) if "NemoVideo editor" in shown(m)]) >= count
    async with running_bot(settings):
        for text in ("hello", "hi again"):
            fake.text(dm, alice, text)
            await wait_until(lambda t=text: answered(t), what=f"the answer to {text!r}")
    answers = [m for m in fake.sent_messages(dm.id) if "NemoVideo editor" in shown(m)]
    assert len(answers) == 2
    assert not [e for m in answers for e in fake.edits(m["message_id"], dm.id)], "no edit"
    assert not fake.chat_actions(dm.id), "no typing for an answer that came at once"


async def test_no_token_nor_broken_character_from_nemovideo_reaches_the_chat(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """The agent quoting a token, half a surrogate pair in its words: the answer is shown
    (no platform encodes a lone surrogate), without the token, and the chat goes on."""
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    words = "Your token is nmv_usr_SECRETOPERATORTOKEN123, keep it. Lone \ud83c half."
    simulator.inject(Fault("sse_say", text=words))
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, alice, "what is my token?")
        message = await bot_message(fake, dm, containing("keep it"))
        fake.text(dm, alice, "what can you do?")
        await bot_message(fake, dm, containing("NemoVideo simulator"))
    assert "Your token is nmv_usr_***, keep it. Lone \ufffd half." in shown(message)
    assert not [m for m in fake.sent_messages(dm.id) if "SECRET" in shown(m)]


async def test_what_the_bot_cannot_use_is_answered_in_a_private_chat(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """A location (or a sticker, a contact...) gets a word on what the bot takes, rather
    than silence; nothing reaches NemoVideo."""
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.incoming.message(dm, alice, {"location": {"latitude": 48.85, "longitude": 2.35}},
                              reply_to=None, thread_id=None, queue=True)
        await bot_message(fake, dm, containing("I can't use that"))
    assert "run_sse" not in kinds(simulator)


async def test_an_update_the_library_cannot_read_is_skipped_and_the_others_answered(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """A Bot API server of another version sends an update python-telegram-bot cannot
    read (here a poll without fields it requires): it failed the whole batch, whose
    offset was never confirmed, so the same updates came again forever and no chat was
    answered any more. It is skipped; the updates around it are handled."""
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    poll = {"id": "p1", "question": "Which cut?", "options": [], "total_voter_count": 0,
            "is_closed": False, "is_anonymous": True, "type": "regular",
            "allows_multiple_answers": False}  # no allows_revoting, members_only...
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        bob_dm = fake.private_chat(bob)
        fake.incoming.message(fake.private_chat(alice), alice, {"poll": poll}, reply_to=None,
                              thread_id=None, queue=True)
        fake.text(bob_dm, bob, "/help")  # in the same batch as the poll
        await bot_message(fake, bob_dm, containing("/export"))
        fake.text(bob_dm, bob, "/status")  # and after it
        await bot_message(fake, bob_dm, containing("timeline"))
    updates = calls(fake, "getUpdates")
    assert len(updates) < 20, "the unreadable update is not asked for again and again"


async def test_text_is_sent_plain(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    tricky = "*bold* _it_ <b>tag</b> [link](http://example.com) `code` & 1 < 2 \\"
    monkeypatch.setattr("core.simulator.agent.chat_answer", lambda message, chinese: tricky)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.text(dm, alice, "what can you do <i>really</i>?")
        message = await bot_message(fake, dm, containing("1 < 2"))
    assert tricky in shown(message) and "entities" not in message
    texts = calls(fake, "sendMessage") + calls(fake, "editMessageText")
    assert texts and all("parse_mode" not in c.params for c in texts)


async def test_button_press_is_answered_and_acted_on(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    group = fake.group("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(group, alice, "/start")
        welcome = await bot_message(fake, group, lambda m: bool(buttons_of(m)))
        rows = welcome["reply_markup"]["inline_keyboard"]
        assert [[b["callback_data"] for b in row] for row in rows] == [
            ["nemo:choose:1.0", "nemo:choose:1.1"], ["nemo:choose:1.2"]]
        assert [b["text"] for b in buttons_of(welcome)] == [
            "Generate a 30s promo clip", "Generate a 10-second video of the sea at sunset",
            "What can you do?"]
        # anyone in the group may press it: the example goes to the agent
        press = fake.callback(group, bob, welcome["message_id"], "nemo:choose:1.1")
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok
                            and c.chat_id == group.id and "Ready" not in c.params["text"], WAIT)
        await bot.runtime.dispatcher.wait_idle()
    assert fake.callback_answer(press["callback_query"]["id"]) is not None
    assert kinds(simulator, "run_sse") == ["run_sse"]


async def test_a_refused_cancel_press_in_a_group_is_shown_to_its_presser_alone(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Bob presses Cancel on Alice's render: the refusal is the press's own answer (an
    alert only he sees), not a message to the whole group."""
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    group = fake.group("Editors")
    simulator.config.render_seconds = 30
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, group, alice)
        fake.text(group, alice, "/export")
        progress = await bot_message(fake, group, lambda m: any(
            b.get("callback_data", "").startswith("nemo:cancel") for b in buttons_of(m)))
        before = len(fake.sent_messages(group.id))
        cancel = next(b["callback_data"] for b in buttons_of(progress)
                      if b.get("callback_data", "").startswith("nemo:cancel"))
        press = fake.callback(group, bob, progress["message_id"], cancel)
        query = press["callback_query"]["id"]
        await fake.wait_for(lambda c: c.method == "answerCallbackQuery", WAIT)
        await bot.adapter.tasks.idle()
        await bot.runtime.dispatcher.wait_idle()
        answer = fake.callback_answer(query)
        assert len(fake.sent_messages(group.id)) == before, "nothing posted to the group"
        fake.callback(group, alice, progress["message_id"], cancel)  # hers: it stops
        await bot_message(fake, group, containing("Render cancelled"))
    assert answer is not None and answer.get("show_alert"), answer
    assert answer.get("text") == ("Only the person who asked for this video, or an admin, "
                                  "can cancel it.")


async def test_a_button_too_old_to_name_its_forum_topic_is_not_acted_on_elsewhere(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Telegram hands a press on a message older than 48 hours without the message: its
    chat is known, its forum topic is not. Acting on the General topic's project would
    be acting on the wrong project: the user is told instead."""
    fake = fake_telegram
    alice = fake.user("Alice")
    studio = fake.supergroup("Studio", forum=True)
    topic = fake.forum_topic(studio, "B-roll")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(studio, alice, "/start", thread_id=topic)
        welcome = await bot_message(fake, studio, lambda m: bool(buttons_of(m)))
        before = len(fake.sent_messages(studio.id))
        press = fake.callback(studio, alice, welcome["message_id"], "nemo:choose:1.1",
                              queue=False)
        press["callback_query"]["message"] = {"chat": studio.to_dict(),
                                              "message_id": welcome["message_id"], "date": 0}
        fake.feed.queue(press)
        await fake.wait_for(lambda c: c.method == "answerCallbackQuery", WAIT)
        await bot.adapter.tasks.idle()
        await bot.runtime.dispatcher.wait_idle()
    answer = fake.callback_answer(press["callback_query"]["id"])
    assert answer is not None and "too old" in answer.get("text", ""), answer
    assert answer["show_alert"]
    assert len(fake.sent_messages(studio.id)) == before
    assert kinds(simulator, "run_sse") == []


async def test_commands_are_published_in_every_language(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        menus = {code: fake.commands(code) for code in ("", "zh", "es", "ja", "pt")}
    names = ["start", "new", "export", "status", "format", "projects", "last", "credits",
             "cancel", "link", "stats", "language", "help"]
    assert all([c["command"] for c in menu] == names for menu in menus.values())
    assert [menu[2]["description"] for menu in menus.values()] == [
        "Render the video and send it here", "渲染视频并发送到这里",
        "Renderizar el video y enviarlo aquí", "動画をレンダリングしてここに送る",
        "Renderizar o vídeo e enviá-lo aqui"]


async def test_link_in_a_group_deletes_the_token_message(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    group = fake.group("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        update = fake.text(group, alice, "/link nmv_usr_not_a_real_token_123")
        await bot_message(fake, group, containing("only in a private chat"))
    assert update["message"]["message_id"] in fake.deleted(group.id)


# ------------------------------------------------------------------ webhook


async def test_webhook_refuses_updates_without_the_secret(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake, webhook=True)) as bot:
        assert fake.webhook_url == bot.webhook_url
        update = fake.text(dm, alice, "/help", queue=False)
        assert await fake.post_to_webhook(update, secret_token="not-the-secret") == 403
        assert await fake.post_to_webhook(update, secret_token=None) == 403
        assert await fake.post_to_webhook(update, secret_token=WEBHOOK_SECRET) == 200
        await bot_message(fake, dm, containing(HELP))
        # JSON that is no update is refused; an update the library cannot read is skipped
        # (answered 200: Telegram would send it again and hold the ones after it)
        for body in ([], "x", 123, None, {"message": {}}):
            not_update = cast(dict[str, Any], body)
            assert await fake.post_to_webhook(not_update, secret_token=WEBHOOK_SECRET) == 400
        unreadable = {"update_id": update["update_id"] + 1, "message": "x"}
        assert await fake.post_to_webhook(unreadable, secret_token=WEBHOOK_SECRET) == 200
        await bot.adapter.tasks.idle()
    assert len(fake.sent_messages(dm.id)) == 1, "only the update with the secret was read"


# ------------------------------------------------------------------ failures


async def test_blocked_and_deleted_chats_do_not_stop_the_others(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        caplog: pytest.LogCaptureFixture) -> None:
    fake = fake_telegram
    alice, bob, carol = fake.user("Alice"), fake.user("Bob"), fake.user("Carol")
    alice_dm, bob_dm = fake.private_chat(alice), fake.private_chat(bob)
    group = fake.group("Gone")
    caplog.set_level(logging.WARNING)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.block(alice_dm.id)
        fake.chat_not_found(group.id)
        fake.text(alice_dm, alice, "/help")
        fake.text(group, carol, "/help")
        await fake.wait_for(lambda c: c.chat_id == alice_dm.id and c.error_code == 403, WAIT)
        await fake.wait_for(lambda c: c.chat_id == group.id and c.error_code == 400, WAIT)
        await bot.adapter.tasks.idle()

        fake.text(bob_dm, bob, "/help")
        await bot_message(fake, bob_dm, containing(HELP))
        fake.unblock(alice_dm.id)  # she changed her mind: the bot answers again
        fake.text(alice_dm, alice, "/help")
        await bot_message(fake, alice_dm, containing(HELP))
    lines = [r.getMessage().lower() for r in caplog.records if r.name.startswith("bots.telegram")]
    assert any("blocked by the user" in line for line in lines)
    assert any("chat not found" in line for line in lines)


async def test_a_chat_that_takes_no_message_is_not_written_to_again(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """A 403 (blocked, kicked) or a chat that is gone is final: the answer is given up
    at once rather than sent again for a minute while the chat's queue waits."""
    fake = fake_telegram
    alice, carol = fake.user("Alice"), fake.user("Carol")
    alice_dm, group, muted = fake.private_chat(alice), fake.group("Gone"), fake.group("Muted")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        fake.text(alice_dm, alice, "/new")
        await bot_message(fake, alice_dm, containing("New project"))
        fake.block(alice_dm.id)
        fake.text(alice_dm, alice, "what can you do?")
        fake.chat_not_found(group.id)
        fake.text(group, carol, "@nemo_test_bot what can you do?")
        fake.fail_next("sendMessage", 400, "Bad Request: have no rights to send a message",
                       chat_id=muted.id, count=None)  # an admin muted the bot
        fake.text(muted, carol, "@nemo_test_bot what can you do?")
        await fake.wait_for(lambda c: c.chat_id == alice_dm.id and c.error_code == 403, WAIT)
        await fake.wait_for(lambda c: c.chat_id == group.id and c.error_code == 400, WAIT)
        await fake.wait_for(lambda c: c.chat_id == muted.id and c.error_code == 400, WAIT)
        await bot.runtime.dispatcher.wait_idle()
    assert len([c for c in calls(fake, "sendMessage", alice_dm) if c.error_code]) == 1
    for chat in (group, muted):
        refused = [c.params["text"] for c in calls(fake, "sendMessage", chat) if c.error_code]
        assert len(refused) == 2 and "Ready when you are" in refused[0], (
            "the group's greeting and its answer, each tried once")


async def test_a_group_upgraded_to_a_supergroup_keeps_its_project_and_its_video(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Mid-render, the group becomes a supergroup (a new chat id): the video arrives in
    the supergroup, and the project is there too."""
    fake = fake_telegram
    carol = fake.user("Carol")
    group, supergroup = fake.group("Editors"), fake.supergroup("Editors")
    simulator.config.render_seconds = 1.5
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, group, carol)
        fake.text(group, carol, "/export")
        await bot_message(fake, group, containing("Rendering"))
        for method in ("sendMessage", "sendVideo", "editMessageText"):
            fake.fail_next(method, 400, "Bad Request: group chat was upgraded to a supergroup "
                           "chat", chat_id=group.id, count=None,
                           parameters={"migrate_to_chat_id": supergroup.id})
        fake.incoming.message(supergroup, carol, {"migrate_from_chat_id": group.id},
                              reply_to=None, thread_id=None, queue=True)
        await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok
                            and c.chat_id == supergroup.id, WAIT)
        fake.text(supergroup, carol, "/status")
        status = await bot_message(fake, supergroup, containing("Timeline"))
    assert "red" in shown(status), shown(status)


async def test_a_group_found_upgraded_by_a_refused_send_keeps_its_project(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """The bot never saw the upgrade's service messages: a send refused with the new chat
    id is sent there, and the group's project follows it too."""
    fake = fake_telegram
    carol = fake.user("Carol")
    group, supergroup = fake.group("Editors"), fake.supergroup("Editors")
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        await exportable_project(bot, fake, simulator, group, carol)
        fake.fail_next("sendMessage", 400, "Bad Request: group chat was upgraded to a "
                       "supergroup chat", chat_id=group.id, count=None,
                       parameters={"migrate_to_chat_id": supergroup.id})
        fake.text(group, carol, "/status")
        await bot_message(fake, supergroup, containing("Timeline"))
        await bot.adapter.tasks.idle()
        fake.text(supergroup, carol, "/status")  # written in the supergroup from now on
        await wait_until(lambda: sum("Timeline" in shown(m)
                                     for m in fake.sent_messages(supergroup.id)) == 2,
                         within=WAIT, what="the supergroup's own status", changes=fake.changes)
    statuses = [shown(m) for m in fake.sent_messages(supergroup.id) if "Timeline" in shown(m)]
    assert statuses[0] == statuses[1], "the same project, asked from either chat"


async def test_a_deleted_progress_message_is_followed_to_its_copy(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """The user deletes "Rendering…": the progress goes on in a new message, and that
    one, not the deleted one, ends as the render ends (no Cancel button left behind)."""
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    simulator.config.render_seconds = 2.0
    async with running_bot(bot_settings(simulator, redis_server, fake,
                                        render_edit_interval=0.2)) as bot:
        await exportable_project(bot, fake, simulator, dm, alice)
        fake.text(dm, alice, "export")
        progress = await bot_message(fake, dm, containing("Rendering"))
        fake.chats.messages[(dm.id, progress["message_id"])].deleted = True  # by the user
        await fake.wait_for(lambda c: c.method == "sendVideo" and c.ok, WAIT)
        await bot.runtime.dispatcher.wait_idle()
        await wait_until(lambda: not [m for m in bot_messages(fake, dm) if any(
            "cancel" in b.get("callback_data", "") for b in buttons_of(m))],
            within=WAIT, what="no Cancel button left", changes=fake.changes,
            show=lambda: [(shown(m), buttons_of(m)) for m in bot_messages(fake, dm)])
    copies = [m for m in bot_messages(fake, dm) if m["message_id"] > progress["message_id"]
              and "Render" in shown(m)]
    assert copies, "the progress went on in a new message"


async def test_render_for_a_blocked_chat_does_not_stop_other_deliveries(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice, bob = fake.user("Alice"), fake.user("Bob")
    alice_dm, bob_dm = fake.private_chat(alice), fake.private_chat(bob)
    async with running_bot(bot_settings(simulator, redis_server, fake)) as bot:
        for user, dm in ((alice, alice_dm), (bob, bob_dm)):
            await exportable_project(bot, fake, simulator, dm, user)
        fake.text(alice_dm, alice, "export")
        await bot_message(fake, alice_dm, containing("Rendering"))
        fake.block(alice_dm.id)  # before her render can finish (it takes 0.3 s at least)
        fake.text(bob_dm, bob, "export")
        await fake.wait_for(lambda c: c.method == "sendVideo" and c.chat_id == bob_dm.id
                            and c.ok, WAIT)

        async def hers_undeliverable() -> bool:
            return (await job_states(bot.worker.store))[JobState.UNDELIVERABLE] == 1

        await wait_for(hers_undeliverable, WAIT, "her render to be undeliverable")
    assert len([c for c in calls(fake, "sendVideo") if c.ok]) == 1
    assert not [c for c in calls(fake, "sendMessage", alice_dm) if c.error_code], (
        "no link offered where the video could not go")


async def test_flood_wait_is_waited_once(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # as `nemobot telegram` runs
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.flood(retry_after=1, chat_id=dm.id, method="sendMessage", count=1)
        fake.text(dm, alice, "/help")
        await bot_message(fake, dm, containing(HELP))
    assert [c.error_code for c in calls(fake, "sendMessage", dm)] == [429, None]


async def test_network_blip_is_retried(
        fake_telegram: FakeTelegram, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    fake = fake_telegram
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    async with running_bot(bot_settings(simulator, redis_server, fake)):
        fake.fail_next("sendMessage", 502, "Bad Gateway", chat_id=dm.id)
        fake.text(dm, alice, "/help")
        await bot_message(fake, dm, containing(HELP))
    assert [c.error_code for c in calls(fake, "sendMessage", dm)] == [502, None]
    assert len(bot_messages(fake, dm)) == 1
