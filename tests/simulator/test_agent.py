"""The simulator's scripted agent: what it understands, both stream shapes, heartbeats,
silent edits, two-stage generation and the stream faults."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from core.simulator import Fault, SimConfig, Simulator
from core.simulator.agent import Plan, is_silent
from core.simulator.intents import Op, parse
from tests.kits.simulator import Backend, edited, open_backend, samples, track_types
from tests.waiting import wait_until


@pytest.fixture
async def api(simulator: Simulator) -> AsyncIterator[Backend]:
    """A logged-in user with a fresh session."""
    async with open_backend(simulator) as backend:
        yield backend


# -- understanding messages -------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            "combine my clips into a 60-second video with transitions",
            [Op("combine", seconds=60.0, fades=True)],
        ),
        ("trim it to 10 seconds", [Op("trim", seconds=10.0)]),
        ("Trim the first 5 seconds", [Op("cut_start", seconds=5.0)]),
        ("cut 2 seconds from the start", [Op("cut_start", seconds=2.0)]),
        ("去掉前3秒", [Op("cut_start", seconds=3.0)]),
        ("make it 1 minute", [Op("trim", seconds=60.0)]),
        ("add the title 'Paradise Found'", [Op("title", text="Paradise Found")]),
        ("add a title Summer Trip", [Op("title", text="Summer Trip")]),
        ("change the title to Hello World", [Op("title", text="Hello World")]),
        (
            'add title "Urban Dreams" and background music at 35%',
            [Op("title", text="Urban Dreams"), Op("music", volume=35)],
        ),
        ("add lo-fi music", [Op("music", text="Lo-fi")]),
        ("set the music volume to 20%", [Op("volume", volume=20)]),
        ("make the music louder", [Op("volume", step=20)]),
        ("remove the title", [Op("remove_title")]),
        ("remove the background music", [Op("remove_music")]),
        (
            "generate a 4-second clip of a sunset over the ocean",
            [Op("generate", seconds=4.0, text="a sunset over the ocean")],
        ),
        ("合并我的视频", [Op("combine")]),
        ("把视频剪到10秒", [Op("trim", seconds=10.0)]),
        ("添加标题“夏日旅行”", [Op("title", text="夏日旅行")]),
        ("加上背景音乐", [Op("music")]),
        ("删除背景音乐", [Op("remove_music")]),
        ("生成一段海边日落的视频", [Op("generate", seconds=5.0, text="海边日落")]),
        ("what can you do?", []),
        ("it's lovely, thanks", []),
    ],
)
def test_parse(message: str, expected: list[Op]) -> None:
    assert parse(message) == expected


def test_silent_edits_are_about_thirty_percent_and_deterministic() -> None:
    config = SimConfig()
    plans = [Plan(f"add the title 'Take {i}'", False, [Op("title")]) for i in range(400)]
    silent = [is_silent(config, plan) for plan in plans]
    assert 0.2 < sum(silent) / len(silent) < 0.4
    assert silent == [is_silent(config, plan) for plan in plans]
    assert not is_silent(config, Plan("generate a clip", False, [Op("generate")]))


# -- streams ------------------------------------------------------------------------------


async def test_adk_stream(simulator: Simulator, api: Backend) -> None:
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"], samples()["photo"])
    stream = await api.say("combine my clips into a 6-second video with transitions")
    assert stream.raw.startswith(b"data: {")
    assert b"event:" not in stream.raw and b"done" not in stream.raw
    call = stream.parts("functionCall")[0]
    response = stream.parts("functionResponse")[0]
    assert call["name"] == "combine_clips" and response["id"] == call["id"]
    deltas = [f["actions"]["stateDelta"] for f in stream.events if "actions" in f]
    assert deltas[0]["draft"]["d"] == 6000
    texts = [f for f in stream.events if "content" in f and "text" in f["content"]["parts"][0]]
    fragments = [f for f in texts if f.get("partial")]
    final = texts[-1]
    assert len(fragments) > 1 and not final.get("partial") and final["turnComplete"] is True
    whole = final["content"]["parts"][0]["text"]
    assert "".join(f["content"]["parts"][0]["text"] for f in fragments) == whole
    assert "combined 2 clips into a 6-second video" in whole
    assert "Export button" in whole  # GUI language for the bot to translate
    assert {f["author"] for f in stream.events} == {"nemo_agent"}
    assert len({f["invocationId"] for f in stream.events}) == 1


async def test_tagged_stream(simulator: Simulator, api: Backend) -> None:
    simulator.config.sse_shape = "tagged"
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"])
    stream = await api.say("combine my clips and add the title 'Tagged'")
    kinds = [f["type"] for f in stream.events]
    assert kinds[:4] == ["tool_call", "tool_result", "tool_call", "tool_result"]
    assert set(kinds[4:]) == {"text"} and len(kinds[4:]) > 1
    assert stream.events[2]["args"]["text"] == "Tagged"
    assert stream.events[3]["result"]["status"] == "success"
    assert 'Added the title "Tagged" (0-2s).' in stream.text


async def test_heartbeats_while_working(simulator: Simulator, api: Backend) -> None:
    simulator.config.agent_delay = 0.3
    stream = await api.say("hello")
    assert stream.heartbeats >= 2
    assert all(f == {"type": "heartbeat"} for f in stream.frames[: stream.heartbeats])
    simulator.config.heartbeat_empty = True
    stream = await api.say("hello")
    assert stream.frames[0] is None and b"data:\n\n" in stream.raw
    assert stream.text.startswith("Hi!")


async def test_silent_edit_changes_the_draft_without_text(
    simulator: Simulator, api: Backend
) -> None:
    simulator.config.silent_edits = "always"
    await api.upload(samples()["clip"])
    stream = await api.say("combine my clips and add the title 'Quiet'")
    assert stream.text == "" and stream.tool_names == ["combine_clips", "add_text"]
    draft = await api.draft()
    assert track_types(draft) == [0, 7] and draft["t"][1]["sg"][0]["txt"] == "Quiet"


async def test_the_request_body_is_checked(api: Backend) -> None:
    good = {
        "app_name": "nemo_agent",
        "user_id": "me",
        "session_id": api.session_id,
        "new_message": {"parts": [{"text": "hello"}]},
    }
    for broken in (
        {**good, "app_name": "other"},
        {k: v for k, v in good.items() if k != "user_id"},
        {**good, "new_message": {"text": "hello"}},
        {**good, "new_message": {"parts": [{"text": "  "}]}},
    ):
        answer = await api.call("POST", "/run_sse", json=broken)
        assert (answer.status_code, answer.json()["code"]) == (400, 400)
    camel = {k: v for k, v in good.items() if k != "session_id"}
    camel["sessionId"] = api.session_id  # the body is snake_case
    assert (await api.call("POST", "/run_sse", json=camel)).json()["code"] == 1002


async def test_chat_answer_changes_nothing(simulator: Simulator, api: Backend) -> None:
    before = await api.draft()
    stream = await api.say("what is the meaning of life?")
    assert stream.tool_names == [] and "can't do that yet" in stream.text
    assert await api.draft() == before
    export = await api.say("how do I export?")
    assert "click the Export button" in export.text


async def test_empty_timeline_answer(api: Backend) -> None:
    stream = await api.say("add the title 'Nothing yet'")
    assert "timeline is empty" in stream.text
    assert (await api.credits())["available"] == 100


async def test_a_series_of_edits(simulator: Simulator, api: Backend) -> None:
    simulator.config.silent_edits = "never"
    files = samples()
    await api.upload(files["clip"], files["portrait"], files["song"])
    await api.say("combine my clips")
    draft = await api.draft()
    assert draft["d"] == 3000 and [s["d"] for s in draft["t"][0]["sg"]] == [2000, 1000]
    stream = await api.say('add the title "Paradise Found" and background music at 30%')
    assert 'Added background music "song" at 30%' in stream.text
    draft = await api.draft()
    assert track_types(draft) == [0, 1, 7]
    music = draft["t"][1]
    assert (music["n"], music["v"], music["sg"][0]["d"]) == ("song", 30, 3000)
    assert music["sg"][0]["src"].endswith("/song.mp3")
    assert draft["t"][2]["sg"][0] == {"s": 0, "d": 3000, "txt": "Paradise Found"}
    await api.say("make the music quieter")
    assert (await api.draft())["t"][1]["v"] == 10
    await api.say("trim it to 2 seconds")
    draft = await api.draft()
    assert draft["d"] == 2000 and draft["t"][1]["sg"][0]["d"] == 2000
    assert draft["t"][2]["sg"][0]["d"] == 2000
    await api.say("remove the title")
    await api.say("remove the music")
    assert track_types(await api.draft()) == [0]
    await api.say("add some jazz music")
    music = (await api.draft())["t"][1]
    assert (music["n"], music["v"], music["sg"][0]["gen"]["type"]) == ("Jazz", 35, "tone")


async def test_chinese_messages_get_chinese_answers(simulator: Simulator, api: Backend) -> None:
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"])
    stream = await api.say("合并我的视频，添加标题“夏日旅行”")
    assert "已添加标题“夏日旅行”" in stream.text and "拖拽" in stream.text
    assert (await api.draft())["t"][1]["sg"][0]["txt"] == "夏日旅行"


async def test_an_english_request_with_a_japanese_title_gets_an_english_answer(
        simulator: Simulator, api: Backend) -> None:
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"])
    stream = await api.say("add the title 東京の夜 ✨ Café")
    assert "東京の夜" in stream.text and "已添加" not in stream.text, stream.text
    assert (await api.draft())["t"][1]["sg"][0]["txt"] == "東京の夜 ✨ Café"


async def test_two_stage_generation(api: Backend) -> None:
    http = api.http
    stream = await api.say("generate a 3-second clip of a sunset over the ocean")
    assert stream.tool_names == ["generate_video", "add_bgm", "add_text"]
    first_text = next(
        i
        for i, f in enumerate(stream.events)
        if "content" in f and "text" in f["content"]["parts"][0]
    )
    calls = [
        i
        for i, f in enumerate(stream.events)
        if "functionCall" in (f.get("content") or {}).get("parts", [{}])[0]
    ]
    assert calls[0] < first_text < calls[1]  # raw clip announced, then finished silently
    assert 'Your raw video is ready: "a sunset over the ocean"' in stream.text
    state = (await api.state())["state"]
    draft = state["draft"]
    assert track_types(draft) == [0, 1, 7] and draft["d"] == 3000
    assert draft["t"][0]["n"] == "a sunset over the ocean"
    assert draft["t"][2]["sg"][0]["txt"] == "A Sunset Over The"
    generated = state["generated_media"]
    assert [g["kind"] for g in generated] == ["video", "audio"]
    for media in generated:
        file = await http.get(media["url"])
        assert file.status_code == 200 and file.content[4:8] == b"ftyp"
    assert (await api.credits())["available"] == 0


# -- stream faults -------------------------------------------------------------------------


async def test_sse_cut_breaks_the_stream_but_the_edit_lands(
    simulator: Simulator, api: Backend
) -> None:
    await api.upload(samples()["clip"])
    simulator.config.agent_delay = 0.2
    simulator.inject(Fault("sse_cut", after_events=1))
    with pytest.raises(httpx.RemoteProtocolError):
        await api.say("combine my clips")
    draft = await api.wait_for(lambda d: d["t"])
    assert track_types(draft) == [0]
    assert (await api.credits()) == {"available": 50, "frozen": 0, "total": 50}


async def test_a_client_that_leaves_before_the_headers_is_no_server_error(
    simulator: Simulator, api: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    simulator.inject(Fault("sse_silent", seconds=0.5))
    body = {"app_name": "nemo_agent", "user_id": "me", "session_id": api.session_id,
            "new_message": {"parts": [{"text": "hello"}]}}
    with pytest.raises(httpx.ReadTimeout):  # the client gives up, as a killed bot does
        await api.http.post("/run_sse", json=body, headers=api.auth,
                            timeout=httpx.Timeout(5.0, read=0.1))
    [record] = [r for r in simulator.requests if r["kind"] == "run_sse"]
    # the silence ends: the headers meet a closed connection, and the handler returns
    await wait_until(lambda: record["status"] is not None, what="the stream's handler done")
    assert record["status"] == 200
    assert not [r for r in caplog.records if r.name.startswith("aiohttp")], caplog.text


async def test_sse_stall_sends_only_heartbeats_then_goes_on(
    simulator: Simulator, api: Backend
) -> None:
    simulator.inject(Fault("sse_stall", seconds=0.3))
    stream = await api.say("hello")
    assert stream.heartbeats >= 2
    assert all(f == {"type": "heartbeat"} for f in stream.frames[: stream.heartbeats])
    assert stream.text.startswith("Hi!")


async def test_sse_error_frame_undoes_the_turn(simulator: Simulator, api: Backend) -> None:
    await api.upload(samples()["clip"])
    simulator.inject(Fault("sse_error", message="model overloaded"))
    stream = await api.say("combine my clips")
    last = stream.frames[-1]
    assert last is not None and last["error"] == "model overloaded"
    assert (await api.draft())["t"] == []
    assert await api.credits() == {"available": 100, "frozen": 0, "total": 100}
    await api.say("combine my clips")  # the retry is charged once
    assert (await api.credits())["available"] == 50


async def test_sse_trailing_issue(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("sse_trailing_issue"))
    stream = await api.say("hello")
    assert stream.text.startswith("Hi!")
    assert stream.text.endswith("I encountered a temporary issue. Please try again.")


async def test_stream_faults_only_hit_streams(simulator: Simulator, api: Backend) -> None:
    simulator.inject(Fault("sse_cut", after_events=1))
    assert (await api.credits())["available"] == 100
    assert len(simulator.faults.pending()) == 1


async def test_edits_of_one_session_queue_up(simulator: Simulator, api: Backend) -> None:
    await edited(api, samples()["clip"])
    simulator.config.agent_delay = 0.1
    await asyncio.gather(api.say("add the title 'One'"), api.say("add lo-fi music"))
    assert track_types(await api.draft()) == [0, 1, 7]
