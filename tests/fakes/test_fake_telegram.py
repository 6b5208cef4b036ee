"""The fake Bot API server, proven with the real python-telegram-bot talking to it: the
shapes the library needs, the checks Telegram makes, and the faults it injects."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import filters
from telegram.request import HTTPXRequest

from core.embedded_redis import free_port
from tests.fakes.telegram import MB, FakeTelegram

pytest_plugins = ["tests.fakes.telegram_fixtures"]

VIDEO_BYTES = bytes(range(256)) * 1024  # 256 KiB, every byte value present


def bot_for(fake: FakeTelegram, *, token: str | None = None, local_mode: bool = False) -> Bot:
    """A python-telegram-bot `Bot` aimed at the fake (use it as ``async with``)."""
    return Bot(token or fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url,
               local_mode=local_mode, request=HTTPXRequest(read_timeout=5, connect_timeout=5),
               get_updates_request=HTTPXRequest(read_timeout=35, connect_timeout=5))


# ------------------------------------------------------------------ what the library needs


async def test_get_me_identifies_the_bot(fake_telegram: FakeTelegram) -> None:
    async with bot_for(fake_telegram) as bot:
        assert bot.username == fake_telegram.bot_username
        assert bot.id == fake_telegram.bot_id
        assert (await bot.get_me()).is_bot


async def test_wrong_token_is_refused(fake_telegram: FakeTelegram) -> None:
    requests = HTTPXRequest(), HTTPXRequest()
    bot = Bot("42:wrong", base_url=fake_telegram.base_url, request=requests[0],
              get_updates_request=requests[1])
    try:
        with pytest.raises(InvalidToken):
            await bot.initialize()
    finally:  # PTB skips shutdown() when initialize() failed, leaving its clients open
        for request in requests:
            await request.shutdown()


async def test_update_shapes_parse_in_ptb(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    dave = fake.user("Dave", language_code="de")
    dm = fake.private_chat(dave)
    async with bot_for(fake) as bot:

        def parse(update: dict[str, object]) -> Update:
            parsed = Update.de_json(update, bot)
            assert parsed is not None
            return parsed

        text = parse(fake.text(dm, dave, "/export now, @someone"))
        assert text.effective_message and text.effective_message.date.tzinfo is not None
        assert abs(text.effective_message.date.timestamp() - time.time()) < 60  # seconds
        assert filters.COMMAND.check_update(text)
        assert [e.type for e in text.effective_message.entities] == ["bot_command", "mention"]

        photo = parse(fake.photo(dm, dave, b"\xff\xd8 jpeg bytes", width=2560, height=1440))
        assert photo.effective_message
        sizes = photo.effective_message.photo
        assert [s.width for s in sizes] == [90, 320, 800, 2560]
        assert sizes[-1].file_size == len(b"\xff\xd8 jpeg bytes")

        video = parse(fake.video(dm, dave, b"mp4"))
        assert video.effective_message and video.effective_message.video
        assert len(video.effective_message.video.file_id) > 64  # never fits callback_data

        gif = parse(fake.animation(dm, dave, b"GIF89a"))
        assert filters.ANIMATION.check_update(gif)
        assert filters.Document.ALL.check_update(gif)  # Telegram sets both fields

        for builder, media_filter in [
            (fake.document, filters.Document.ALL),
            (fake.audio, filters.AUDIO),
            (fake.voice, filters.VOICE),
            (fake.video_note, filters.VIDEO_NOTE),
        ]:
            assert media_filter.check_update(parse(builder(dm, dave, b"bytes")))

        reply = parse(fake.text(dm, dave, "this one", reply_to=text.effective_message.message_id))
        assert reply.effective_message and reply.effective_message.reply_to_message
        assert reply.effective_message.reply_to_message.text == "/export now, @someone"


async def test_button_presses_carry_chat_instance_and_are_answered_once(
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    ivan = fake.user("Ivan")
    dm = fake.private_chat(ivan)
    keyboard = InlineKeyboardMarkup.from_button(
        InlineKeyboardButton("Vertical", callback_data="fmt:9x16"))
    async with bot_for(fake) as bot:
        sent = await bot.send_message(dm.id, "Pick", reply_markup=keyboard)
        update = Update.de_json(fake.callback(dm, ivan, sent.message_id, "fmt:9x16"), bot)
        query = update.callback_query if update else None
        assert query and query.chat_instance and query.data == "fmt:9x16"
        assert query.message and query.message.message_id == sent.message_id
        with pytest.raises(ValueError, match="no inline button"):
            fake.callback(dm, ivan, sent.message_id, "fmt:forged")

        assert await bot.answer_callback_query(query.id, "Rendering…")
        with pytest.raises(BadRequest, match="Query is too old"):
            await bot.answer_callback_query(query.id, "again")
    answer = fake.callback_answer(query.id)
    assert answer and answer["text"] == "Rendering…"


# ------------------------------------------------------------------ files


async def test_big_files_are_refused_by_the_cloud_api(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    erin = fake.user("Erin")
    dm = fake.private_chat(erin)
    update = fake.video(dm, erin, size=30 * MB)  # declared size only, nothing allocated
    async with bot_for(fake) as bot:
        with pytest.raises(BadRequest, match="File is too big"):
            await bot.get_file(update["message"]["video"]["file_id"])
        with pytest.raises(BadRequest, match="Invalid file_id"):
            await bot.get_file("not-a-file-id")
        # a declared size below the limit downloads as that many bytes
        small = fake.document(dm, erin, size=5000, file_name="notes.txt")
        tg_file = await bot.get_file(small["message"]["document"]["file_id"])
        assert bytes(await tg_file.download_as_bytearray()) == bytes(5000)
    assert fake.downloads == [small["message"]["document"]["file_id"]]


async def test_local_mode_hands_out_paths_and_takes_file_uris(
    fake_telegram_local: FakeTelegram, tmp_path: Path
) -> None:
    fake = fake_telegram_local
    frank = fake.user("Frank")
    dm = fake.private_chat(frank)
    update = fake.video(dm, frank, size=21 * MB)
    async with bot_for(fake, local_mode=True) as bot:
        tg_file = await bot.get_file(update["message"]["video"]["file_id"])
        assert tg_file.file_path and Path(tg_file.file_path).is_absolute()
        copy = await tg_file.download_to_drive(tmp_path / "copy.mp4")
        assert copy.stat().st_size == 21 * MB

        source = tmp_path / "render.mp4"
        source.write_bytes(VIDEO_BYTES)
        sent = await bot.send_document(dm.id, document=source)

    (call,) = fake.calls_to("sendDocument")
    assert call.params["document"] == source.absolute().as_uri()
    assert call.files == {}
    assert sent.document and sent.document.file_name == "render.mp4"
    assert fake.file(sent.document.file_id).data == VIDEO_BYTES


def _jpeg(width: int, height: int) -> bytes:
    """The start of a baseline JPEG: enough for its frame size to be read."""
    frame = b"\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big") + b"\x03" + bytes(9)
    return b"\xff\xd8\xff\xc0" + (len(frame) + 2).to_bytes(2, "big") + frame + b"\xff\xd9"


async def test_a_video_keeps_its_thumbnail_within_telegrams_rules(
        fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    dm = fake.private_chat(fake.user("Gina"))
    async with bot_for(fake) as bot:
        sent = await bot.send_video(dm.id, VIDEO_BYTES, filename="render.mp4", duration=7,
                                    thumbnail=_jpeg(320, 180))
        too_wide = await bot.send_video(dm.id, VIDEO_BYTES, filename="render.mp4",
                                        thumbnail=_jpeg(640, 360))
        not_jpeg = await bot.send_video(dm.id, VIDEO_BYTES, filename="render.mp4",
                                        thumbnail=b"GIF89a" + bytes(20))
    assert sent.video is not None and sent.video.thumbnail is not None
    assert (sent.video.thumbnail.width, sent.video.thumbnail.height) == (320, 180)
    first = fake.calls_to("sendVideo")[0]
    assert first.result["video"]["duration"] == 7
    assert str(first.params["thumbnail"]).startswith("attach://")
    assert too_wide.video is not None and too_wide.video.thumbnail is None, "ignored"
    assert not_jpeg.video is not None and not_jpeg.video.thumbnail is None


async def test_uploads_arrive_intact(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    gina = fake.user("Gina")
    dm = fake.private_chat(gina)
    async with bot_for(fake) as bot:
        sent = await bot.send_video(dm.id, VIDEO_BYTES, filename="render.mp4",
                                    caption="Your video", width=1080, height=1920,
                                    supports_streaming=True)
        (call,) = fake.calls_to("sendVideo")
        upload = call.files["video"]
        assert (upload.data, upload.filename) == (VIDEO_BYTES, "render.mp4")
        assert upload.content_type == "video/mp4"
        assert call.params["supports_streaming"] is True
        assert sent.video and sent.video.file_size == len(VIDEO_BYTES)
        assert (sent.video.width, sent.video.height) == (1080, 1920)
        assert sent.caption == "Your video"

        downloaded = await (await bot.get_file(sent.video.file_id)).download_as_bytearray()
        assert bytes(downloaded) == VIDEO_BYTES

        again = await bot.send_video(dm.id, sent.video.file_id)
        assert again.video and again.video.file_id == sent.video.file_id
        by_url = await bot.send_document(dm.id, "https://cdn.example.com/out/final.mp4")
        assert by_url.document and by_url.document.file_name == "final.mp4"
        with pytest.raises(BadRequest, match="Wrong file identifier"):
            await bot.send_video(dm.id, "no-such-file-id")

        fake.upload_limit = 1000
        with pytest.raises(NetworkError, match="Request Entity Too Large"):
            await bot.send_document(dm.id, bytes(1001), filename="big.bin")

    assert [u.filename for u in fake.uploads] == ["render.mp4", "big.bin"]


# ------------------------------------------------------------------ what the bot sends


async def test_edit_errors_surface_as_bad_request(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    jan = fake.user("Jan")
    dm = fake.private_chat(jan)
    keyboard = InlineKeyboardMarkup.from_button(InlineKeyboardButton("Stop", callback_data="stop"))
    async with bot_for(fake) as bot:
        sent = await bot.send_message(dm.id, "Rendering… 10%", reply_markup=keyboard)
        with pytest.raises(BadRequest, match=r"^Message is not modified"):
            await bot.edit_message_text("Rendering… 10%", dm.id, sent.message_id,
                                        reply_markup=keyboard)
        await bot.edit_message_text("Rendering… 10%", dm.id, sent.message_id)  # drops keyboard
        await bot.edit_message_text("Rendering… 50%", dm.id, sent.message_id)
        with pytest.raises(BadRequest, match="Message to edit not found"):
            await bot.edit_message_text("x", dm.id, 999)
        user_message = fake.text(dm, jan, "mine")["message"]["message_id"]
        with pytest.raises(BadRequest, match="Message can't be edited"):
            await bot.edit_message_text("x", dm.id, user_message)
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(dm.id, "x", reply_markup=InlineKeyboardMarkup.from_button(
                InlineKeyboardButton("Too long", callback_data="x" * 65)))
        with pytest.raises(BadRequest, match="parse_mode is not modelled"):
            await bot.send_message(dm.id, "<b>bold</b>", parse_mode="HTML")

    current = fake.message(dm.id, sent.message_id)
    assert current and current["text"] == "Rendering… 50%" and "reply_markup" not in current
    edits = fake.edits(sent.message_id)
    assert [e.params["text"] for e in edits] == ["Rendering… 10%", "Rendering… 50%"]
    assert len(fake.calls_to("editMessageText")) == 5


async def test_replies_to_a_deleted_message_need_allow_sending_without_reply(
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    kim = fake.user("Kim")
    dm = fake.private_chat(kim)
    original = fake.text(dm, kim, "make it pop")["message"]["message_id"]
    async with bot_for(fake) as bot:
        answer = await bot.send_message(dm.id, "On it", reply_to_message_id=original)
        assert answer.reply_to_message and answer.reply_to_message.message_id == original
        assert await bot.delete_message(dm.id, original)
        with pytest.raises(BadRequest, match="Message to be replied not found"):
            await bot.send_message(dm.id, "Done", reply_to_message_id=original)
        done = await bot.send_message(dm.id, "Done", reply_to_message_id=original,
                                      allow_sending_without_reply=True)
        assert done.reply_to_message is None


async def test_commands_are_kept_per_language_and_scope(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    async with bot_for(fake) as bot:
        await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("export", "Render")])
        await bot.set_my_commands(
            [BotCommand("start", "Начать"), BotCommand("export", "Рендер")], language_code="ru")
        await bot.set_my_commands([BotCommand("export", "Render")],
                                  scope=BotCommandScopeAllGroupChats())
        with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
            await bot.set_my_commands([BotCommand("/Start", "Wrong")])

    assert [c["command"] for c in fake.commands()] == ["start", "export"]
    assert fake.commands("ru")[0]["description"] == "Начать"
    assert fake.commands(scope={"type": "all_group_chats"}) == [
        {"command": "export", "description": "Render"}]
    assert fake.commands("de") == []


async def test_chat_actions_deletes_and_unknown_methods(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    nia = fake.user("Nia")
    dm = fake.private_chat(nia)
    async with bot_for(fake) as bot:
        await bot.send_chat_action(dm.id, ChatAction.UPLOAD_VIDEO)
        sent = await bot.send_message(dm.id, "temporary")
        assert await bot.delete_message(dm.id, sent.message_id)
        with pytest.raises(BadRequest, match="Message to delete not found"):
            await bot.delete_message(dm.id, sent.message_id)
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("someFutureMethod", api_kwargs={"chat_id": dm.id})

    assert fake.chat_actions(dm.id) == ["upload_video"]
    assert fake.deleted(dm.id) == [sent.message_id]
    (future,) = fake.calls_to("someFutureMethod")
    assert not future.ok and not future.known and future.error_code == 404


async def test_json_and_form_bodies_are_understood(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    pia = fake.user("Pia")
    dm = fake.private_chat(pia)
    url = f"{fake.base_url}{fake.token}/sendMessage"
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json={"chat_id": dm.id, "text": "123"}) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["text"] == "123"
        async with session.post(url, data={"chat_id": str(dm.id), "text": "true"}) as response:
            body = await response.json()
            assert body["ok"] and body["result"]["text"] == "true"
        async with session.post(url, data={"chat_id": str(dm.id)}) as response:
            assert response.status == 400
            assert await response.json() == {"ok": False, "error_code": 400,
                                             "description": "Bad Request: message text is empty"}


# ------------------------------------------------------------------ updates


async def test_long_poll_wakes_on_update_and_honours_offset(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    omar = fake.user("Omar")
    dm = fake.private_chat(omar)
    async with bot_for(fake) as bot:
        assert await bot.get_updates(timeout=0) == ()

        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await fake.wait_for_poll()
        queued = fake.text(dm, omar, "wake up")
        async with asyncio.timeout(5):  # far below the poll's 30 s: the update woke it
            updates = await poll
        assert [u.update_id for u in updates] == [queued["update_id"]]
        await fake.wait_delivered(queued)

        # an unconfirmed update is handed out again; the offset confirms it
        again = await bot.get_updates(timeout=0)
        assert [u.update_id for u in again] == [queued["update_id"]]
        assert await bot.get_updates(offset=queued["update_id"] + 1, timeout=0) == ()
        assert fake.pending_updates == []

        # a second bot instance polling terminates the first one's poll, as on Telegram
        async with bot_for(fake) as other:
            first = asyncio.create_task(bot.get_updates(timeout=30))
            await fake.wait_for_poll()
            second = asyncio.create_task(other.get_updates(timeout=30))
            with pytest.raises(Conflict, match="terminated by other getUpdates request"):
                await first
            fake.text(dm, omar, "for the second instance")
            assert len(await second) == 1


async def test_failed_webhook_deliveries_are_retried(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    fake.webhook_retry_delay = 0.05
    quinn = fake.user("Quinn")
    dm = fake.private_chat(quinn)
    dead_url = f"http://127.0.0.1:{free_port()}/telegram"  # nothing listens there
    async with bot_for(fake) as bot:
        await bot.set_webhook(dead_url, secret_token="s3cret")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        update = fake.text(dm, quinn, "/start")
        await fake.wait_until(lambda: len(fake.webhook_deliveries) >= 2,
                              what="a retried delivery")
        await bot.delete_webhook()

    attempts = fake.webhook_deliveries
    assert {a.update_id for a in attempts} == {update["update_id"]}
    assert not any(a.ok for a in attempts) and attempts[0].secret_token == "s3cret"
    assert attempts[0].error and attempts[0].error.startswith("Connection failed")
    assert [u["update_id"] for u in fake.pending_updates] == [update["update_id"]]


async def test_webhook_deliveries_run_side_by_side_but_one_at_a_time_per_chat(
        fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    ada, bo = fake.user("Ada"), fake.user("Bo")
    one, two = fake.private_chat(ada), fake.private_chat(bo)
    received: list[int] = []
    release = asyncio.Event()

    async def webhook(request: web.Request) -> web.Response:
        update = await request.json()
        received.append(update["update_id"])
        if update["update_id"] == first["update_id"]:
            await release.wait()  # the first update of chat one is slow to be accepted
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    # the public address Telegram is given; a load balancer answers for it on loopback
    fake.webhook_ingress = f"http://127.0.0.1:{port}"
    try:
        async with bot_for(fake) as bot:
            await bot.set_webhook("https://bot.example.invalid:8443/hook", max_connections=5)
            first = fake.text(one, ada, "first")
            second = fake.text(one, ada, "second")
            other = fake.text(two, bo, "meanwhile")
            await fake.wait_delivered(other)
            assert received == [first["update_id"], other["update_id"]], "chat one waits"
            release.set()
            await fake.wait_delivered(second)
    finally:
        await runner.cleanup()
    assert received == [first["update_id"], other["update_id"], second["update_id"]]
    assert {d.url for d in fake.webhook_deliveries} == {"https://bot.example.invalid:8443/hook"}


# ------------------------------------------------------------------ faults


async def test_blocked_missing_and_unknown_chats(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    leo = fake.user("Leo")
    dm = fake.private_chat(leo)
    group = fake.group()
    async with bot_for(fake) as bot:
        fake.block(dm.id)
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(dm.id, "Your video is ready")
        with pytest.raises(Forbidden):
            await bot.send_chat_action(dm.id, ChatAction.UPLOAD_VIDEO)
        fake.unblock(dm.id)
        await bot.send_message(dm.id, "Back")

        fake.chat_not_found(group.id)
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(group.id, "hello")
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(123456, "a chat the bot never saw")

    failed = [c for c in fake.calls if not c.ok]
    assert [(c.method, c.error_code) for c in failed] == [
        ("sendMessage", 403), ("sendChatAction", 403), ("sendMessage", 400), ("sendMessage", 400)]


async def test_flood_hits_the_next_calls_of_a_method_in_one_chat(
    fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = fake_telegram
    mia, ned = fake.user("Mia"), fake.user("Ned")
    dm, other = fake.private_chat(mia), fake.private_chat(ned)
    async with bot_for(fake) as bot:
        sent = await bot.send_message(dm.id, "Rendering… 10%")
        fake.flood(retry_after=7, chat_id=dm.id, method="editMessageText", count=2)
        await bot.send_message(dm.id, "sends are not limited")
        await bot.edit_message_text("elsewhere", other.id,
                                    (await bot.send_message(other.id, "x")).message_id)
        for percent in (20, 30):
            with pytest.raises(RetryAfter) as caught:
                await bot.edit_message_text(f"Rendering… {percent}%", dm.id, sent.message_id)
            assert caught.value.retry_after == dtm.timedelta(seconds=7)
        await bot.edit_message_text("Rendering… 40%", dm.id, sent.message_id)

    flooded = [c for c in fake.calls if c.error_code == 429]
    assert [(c.chat_id, c.retry_after) for c in flooded] == [(dm.id, 7), (dm.id, 7)]
    assert flooded[0].description == "Too Many Requests: retry after 7"
    times = [c.at for c in fake.calls]
    assert times == sorted(times) and times[-1] - times[0] < 5


async def test_flood_without_a_method_hits_every_call_to_the_chat(
    fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = fake_telegram
    pam = fake.user("Pam")
    dm = fake.private_chat(pam)
    fake.flood(retry_after=2, chat_id=dm.id, count=None)
    async with bot_for(fake) as bot:  # getMe and getUpdates are not aimed at a chat
        for _ in range(3):
            with pytest.raises(RetryAfter):
                await bot.send_chat_action(dm.id, ChatAction.TYPING)
        fake.clear_faults()
        await bot.send_message(dm.id, "through")
    assert [c.error_code for c in fake.calls_to("sendChatAction")] == [429, 429, 429]


async def test_server_errors_surface_as_network_errors(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    ola = fake.user("Ola")
    dm = fake.private_chat(ola)
    async with bot_for(fake) as bot:
        fake.server_error("sendMessage", count=2)
        for _ in range(2):
            with pytest.raises(NetworkError, match="Bad Gateway"):
                await bot.send_message(dm.id, "hello")
        await bot.send_message(dm.id, "hello")
    assert [c.error_code for c in fake.calls_to("sendMessage")] == [502, 502, None]
    assert fake.sent_texts(dm.id) == ["hello"]


async def test_a_hung_call_times_the_client_out_and_is_not_carried_out(
    fake_telegram: FakeTelegram,
) -> None:
    fake = fake_telegram
    rae = fake.user("Rae")
    dm = fake.private_chat(rae)
    async with bot_for(fake) as bot:
        fake.hang("sendMessage", chat_id=dm.id)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(dm.id, "lost", read_timeout=0.3)
        assert time.monotonic() - started < 3
        await bot.send_message(dm.id, "next")
    first, second = fake.calls_to("sendMessage")
    assert first.hung and not first.ok and not second.hung and second.ok
    assert fake.sent_texts(dm.id) == ["next"]


async def test_a_hang_that_takes_effect_loses_only_the_answer(fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    sam = fake.user("Sam")
    dm = fake.private_chat(sam)
    async with bot_for(fake) as bot:
        fake.hang("sendVideo", takes_effect=True)
        with pytest.raises(TimedOut):
            await bot.send_video(dm.id, VIDEO_BYTES, filename="render.mp4", read_timeout=0.3)
        fake.hang("sendMessage", seconds=0.2)  # shorter than the client's patience
        slow = await bot.send_message(dm.id, "slow but fine")
    [video] = fake.calls_to("sendVideo")
    assert video.hung and video.ok, "Telegram sent it; the bot never heard back"
    assert [m.get("video") is not None for m in fake.sent_messages(dm.id)] == [True, False]
    assert slow.text == "slow but fine" and fake.calls_to("sendMessage")[0].hung
