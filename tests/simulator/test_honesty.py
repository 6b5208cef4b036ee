"""The simulator says only true things: durations it understood, edits it made, and what it
cannot do (each case was once answered with something false)."""

from __future__ import annotations

import pytest

from core.simulator import Simulator
from core.simulator.durations import seconds_in
from core.simulator.intents import Op, mentions, parse, unsupported_in
from tests.kits.simulator import Backend, samples, track_types


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("make it a 60-second video", 60.0),
        ("make it 1 minute long", 60.0),
        ("trim it to 30s", 30.0),
        ("a 90 sec cut", 90.0),
        ("1 min 30 s", 90.0),
        ("half a minute", 30.0),
        ("two minutes", 120.0),
        ("1.5 minutes", 90.0),
        ("做成一分钟的视频", 60.0),
        ("剪到三十秒", 30.0),
        ("一分半", 90.0),
        ("make the second clip black and white", None),
        ("这个十分好看", None),
        ("export in 4k", None),
    ],
)
def test_durations_are_parsed(text: str, seconds: float | None) -> None:
    assert seconds_in(text) == seconds


def test_keywords_are_whole_words() -> None:
    assert not mentions("make the second clip black and white", "hi")
    assert mentions("hi there", "hi") and mentions("Hi!", "hi")
    assert not mentions("a rocket launch", "rock") and mentions("rock music", "rock")
    assert mentions("你好呀", "你好")
    assert parse("add some rocket sounds") == []


def test_a_length_is_not_an_ordinal() -> None:
    assert unsupported_in("combine my clips into a 12-second video") == []
    assert unsupported_in("make the second video shorter") == ["edit one clip on its own"]


def test_a_longer_target_is_not_a_trim_request_for_the_parser() -> None:
    assert parse("make it a 60-second video") == [Op("trim", seconds=60.0)]
    assert parse("做成一分钟的视频") == [Op("trim", seconds=60.0)]


async def test_a_longer_video_is_made_longer_not_trimmed(
    simulator: Simulator, api: Backend
) -> None:
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"], samples()["photo"])
    await api.say("combine my clips")
    assert (await api.draft())["d"] == 5000
    stream = await api.say("make it a 60-second video")
    assert "Trimmed" not in stream.text
    assert "Made the video 60 seconds long" in stream.text
    draft = await api.draft()
    video = draft["t"][0]["sg"]
    assert draft["d"] == 60000 and [(s["s"], s["d"]) for s in video] == [(0, 24000),
                                                                          (24000, 36000)]
    stream = await api.say("make it 1 minute")
    assert "already 60 seconds long" in stream.text and stream.tool_names == []
    stream = await api.say("trim it to 30s")
    assert "Trimmed the video to 30 seconds." in stream.text
    assert (await api.draft())["d"] == 30000


async def test_trimming_the_first_seconds_cuts_them_off_the_start(
    simulator: Simulator, api: Backend
) -> None:
    """The welcome's own example: "trim the first 5 seconds" keeps the rest, from 5 s on,
    rather than cutting the video down to 5 seconds."""
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"], samples()["photo"])
    await api.say("combine my clips into a 20-second video")
    before = (await api.draft())["t"][0]["sg"]
    stream = await api.say("Trim the first 5 seconds")
    assert "Cut the first 5 seconds: the video is now 15 seconds long." in stream.text
    draft = await api.draft()
    video = draft["t"][0]["sg"]
    assert draft["d"] == 15000 and video[0]["s"] == 0
    assert [s["n"] for s in video] == [s["n"] for s in before if s["s"] + s["d"] > 5000]
    first_cut = next(s for s in before if s["s"] < 5000 < s["s"] + s["d"])
    assert video[0]["in"] == int(first_cut.get("in") or 0) + 5000 - first_cut["s"]
    stream = await api.say("trim the first 30 seconds")
    assert "would leave nothing" in stream.text and (await api.draft())["d"] == 15000
    await api.say("cut the first 6 seconds")  # the clip goes: the track is named anew
    video_track = (await api.draft())["t"][0]
    [left] = [s["n"] for s in video_track["sg"]]
    assert video_track["n"] == left.rsplit(".", 1)[0] != before[0]["n"].rsplit(".", 1)[0]


async def test_the_projects_format_lines_are_context_not_an_edit(
    simulator: Simulator, api: Backend
) -> None:
    """A client adds the chosen format under every message: a greeting stays a greeting,
    a combine without a length takes the target."""
    simulator.config.silent_edits = "never"
    context = "\n\nAspect ratio: 9:16\nTarget duration: 30 seconds"
    await api.upload(samples()["clip"], samples()["photo"])
    stream = await api.say("hello" + context)
    assert stream.tool_names == [] and "30" not in stream.text
    await api.say("combine my clips" + context)
    assert (await api.draft())["d"] == 30000
    stream = await api.say("thanks!" + context)
    assert stream.tool_names == [] and "already" not in stream.text


async def test_a_length_on_an_empty_timeline_combines_to_that_length(
    simulator: Simulator, api: Backend
) -> None:
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"])
    stream = await api.say("做成一分钟的视频")
    assert "60 秒" in stream.text
    assert (await api.draft())["d"] == 60000


async def test_black_and_white_is_not_a_greeting(simulator: Simulator, api: Backend) -> None:
    await api.upload(samples()["clip"], samples()["portrait"])
    await api.say("combine my clips")
    before = await api.draft()
    stream = await api.say("make the second clip black and white")
    assert not stream.text.startswith("Hi")
    assert "can't turn clips black and white, edit one clip on its own yet" in stream.text
    assert stream.tool_names == [] and await api.draft() == before


async def test_what_it_cannot_do_is_said_beside_what_it_did(
    simulator: Simulator, api: Backend
) -> None:
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"])
    stream = await api.say("combine my clips and add subtitles")
    assert "combined 1 clip" in stream.text
    assert "The NemoVideo simulator can't add subtitles yet." in stream.text


async def test_an_unknown_request_is_answered_honestly(api: Backend) -> None:
    stream = await api.say("book me a table for two")
    assert stream.text.startswith("The NemoVideo simulator can't do that yet.")
    stream = await api.say("帮我订一张桌子")
    assert stream.text.startswith("NemoVideo 模拟器暂时还做不到这个。")


async def test_removing_a_title_that_is_not_there_says_so(
    simulator: Simulator, api: Backend
) -> None:
    simulator.config.silent_edits = "never"
    await api.upload(samples()["clip"])
    await api.say("combine my clips")
    before, credits = await api.draft(), await api.credits()
    stream = await api.say("remove the title")
    assert stream.text == "There is no title to remove." and stream.tool_names == []
    stream = await api.say("remove the music")
    assert stream.text == "There is no background music to remove."
    assert await api.draft() == before and await api.credits() == credits
    await api.say("add the title 'Here'")
    stream = await api.say("remove the title")
    assert "Removed the title." in stream.text
    assert track_types(await api.draft()) == [0]


async def test_removing_a_title_on_an_empty_timeline_says_there_is_none(api: Backend) -> None:
    stream = await api.say("删除标题")
    assert stream.text == "现在没有标题，无需删除。"


async def test_a_question_about_what_it_does_is_answered_with_what_it_can_do(
        api: Backend) -> None:
    """A newcomer's first question is not met with "can't do that yet"."""
    for question, start in (("what can you do?", "I'm the NemoVideo simulator"),
                            ("你能做什么？", "我是 NemoVideo 模拟器")):
        stream = await api.say(question)
        assert stream.text.startswith(start), stream.text
        assert "can't" not in stream.text and "做不到" not in stream.text
        assert stream.tool_names == []
