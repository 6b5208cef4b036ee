"""The agent's edits of a session's draft: each one is announced as a tool call and its
result (with the new draft), and described in a sentence."""

from __future__ import annotations

import asyncio
import copy
import secrets
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from core.simulator import drafts
from core.simulator.intents import Op, genre_in
from core.simulator.render import fitted
from core.simulator.state import GeneratedMedia, Session, Store
from core.simulator.stream import Call, Event, Result, new_call_id, say

DEFAULT_VOLUME = 35
GENERATED_VOLUME = 30

TONES: dict[str, tuple[float, ...]] = {
    "Lo-fi": (220.0, 277.18, 329.63),
    "Jazz": (246.94, 311.13, 369.99),
    "Piano": (261.63, 329.63, 392.0),
    "Rock": (164.81, 246.94),
    "Ambient": (196.0, 293.66),
    "Upbeat": (293.66, 369.99, 440.0),
    "Epic": (130.81, 196.0, 261.63),
    "Chill": (174.61, 220.0, 261.63),
    "Classical": (261.63, 329.63, 392.0, 523.25),
    "Electronic": (110.0, 220.0, 440.0),
    "Light": (349.23, 440.0, 523.25),
}
"""Generated music: a preset name and the chord it plays."""

_COLOURS = {
    "sunset": "0xff7f2a",
    "sunrise": "0xffb347",
    "ocean": "0x1e6fb8",
    "sea": "0x1e6fb8",
    "beach": "0xf2d16b",
    "forest": "0x2e8b57",
    "night": "0x191970",
    "snow": "0xe8eef5",
    "fire": "0xd2381f",
    "city": "0x5a5a6e",
    "日落": "0xff7f2a",
    "海": "0x1e6fb8",
    "森林": "0x2e8b57",
    "夜": "0x191970",
}


def seconds_text(ms: int) -> str:
    """A length as the agent says it: whole seconds, else one decimal."""
    value = ms / 1000
    return str(int(value)) if value == int(value) else f"{value:.1f}"


class DraftEdits:
    """Applies the agent's instructions to a session's draft."""

    def __init__(self, store: Store, url_for: Callable[[str], str]):
        self.store = store
        self.url_for = url_for

    def apply(self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]) -> str:
        """Apply one instruction to the session's draft; return the sentence describing it."""
        if op.kind == "combine":
            return self._combine(session, op, chinese, emit)
        if op.kind == "trim":
            return self._trim(session, op, chinese, emit)
        if op.kind == "cut_start":
            return self._cut_start(session, op, chinese, emit)
        if op.kind == "title":
            return self._title(session, op, chinese, emit)
        if op.kind == "regenerate":
            return self._regenerate(session, op, chinese, emit)
        draft = session.draft
        name = tool_name(op)
        if op.kind == "remove_title":
            self._tool(session, emit, name, {"track": "title"}, drafts.remove_title(draft))
            return "已删除标题。" if chinese else "Removed the title."
        if op.kind == "remove_music":
            self._tool(session, emit, name, {"track": "bgm"}, drafts.remove_music(draft))
            return "已删除背景音乐。" if chinese else "Removed the background music."
        return self._music(session, op, chinese, emit)

    def _regenerate(
        self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]
    ) -> str:
        """The project remade in another aspect ratio, its longer side kept: the canvas
        and the draft take the new size (generated scenes fill it; footage keeps its own
        shape inside it)."""
        ratio_w, ratio_h = (int(side) for side in (op.text or "16:9").split(":"))
        longest = max(_size(session))  # the ratio, scaled down to the canvas's longer side
        width, height = fitted((ratio_w * longest, ratio_h * longest), _size(session))
        session.canvas.update(width=width, height=height, ratio=f"{ratio_w}:{ratio_h}")
        new = copy.deepcopy(session.draft)
        new.setdefault("m", {}).update(width=width, height=height)
        self._tool(session, emit, tool_name(op), {"aspect_ratio": op.text}, new)
        return (f"已按 {op.text} 重新生成视频（{width}x{height}）。" if chinese
                else f"Regenerated the video in {op.text} ({width}x{height}).")

    def _combine(
        self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]
    ) -> str:
        """Put the uploaded videos and pictures on the video track."""
        draft = session.draft
        name = tool_name(op)
        items = [
            drafts.Visual(
                name=m.filename,
                src=m.url,
                kind=m.file_type,
                duration_ms=int(m.duration * 1000) if m.duration else None,
            )
            for m in session.media
            if m.file_type in ("video", "image")
        ]
        new = drafts.combine(draft, items, op.seconds, op.fades)
        args = {
            "clips": [i.name for i in items],
            "duration_s": new["d"] / 1000,
            "transitions": op.fades,
        }
        self._tool(session, emit, name, args, new)
        count, secs = len(items), seconds_text(new["d"])
        if chinese:
            return f"完成！已将 {count} 个片段合并成 {secs} 秒的视频" + (
                "，并加入了转场。" if op.fades else "。"
            )
        fades = " with fade transitions" if op.fades else ""
        plural = "s" if count != 1 else ""
        return f"Done! I combined {count} clip{plural} into a {secs}-second video{fades}."

    def _trim(
        self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]
    ) -> str:
        """Make the video shorter (cut) or longer (the clips' shares stretched)."""
        draft = session.draft
        name = tool_name(op)
        longer = int((op.seconds or 0) * 1000) > int(draft.get("d") or 0)
        new = drafts.stretch(draft, op.seconds or 0) if longer else drafts.trim(
            draft, op.seconds or 0)
        self._tool(session, emit, name, {"duration_s": new["d"] / 1000}, new)
        secs = seconds_text(new["d"])
        if longer:
            return (
                f"已将视频延长到 {secs} 秒（片段按比例拉长，较短的片段停留在最后一帧）。"
                if chinese
                else f"Made the video {secs} seconds long: each clip got a longer share "
                "of the time (a clip shorter than its share holds its last frame)."
            )
        return (
            f"已将视频剪到 {secs} 秒。" if chinese else f"Trimmed the video to {secs} seconds."
        )

    def _cut_start(
        self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]
    ) -> str:
        """Cut the first seconds off the video."""
        new = drafts.cut_start(session.draft, op.seconds or 0)
        self._tool(session, emit, tool_name(op), {"start_s": 0, "cut_s": op.seconds}, new)
        secs, left = seconds_text(int((op.seconds or 0) * 1000)), seconds_text(new["d"])
        if chinese:
            return f"已剪掉开头 {secs} 秒，视频现在 {left} 秒。"
        return f"Cut the first {secs} seconds: the video is now {left} seconds long."

    def _title(
        self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]
    ) -> str:
        """Add (or change) the title."""
        draft = session.draft
        name = tool_name(op)
        text = op.text or session.task_name.title() or "My Video"
        new = drafts.set_title(draft, text)
        begin, finish = drafts.title_span(new)
        start, end = seconds_text(begin), seconds_text(finish)
        args = {"text": text, "start_s": begin / 1000, "end_s": finish / 1000}
        self._tool(session, emit, name, args, new)
        if chinese:
            return f"已添加标题“{text}”（{start}-{end}秒）。"
        return f'Added the title "{text}" ({start}-{end}s).'

    def _music(
        self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]
    ) -> str:
        """Set the music's volume, or add music."""
        draft = session.draft
        name = tool_name(op)
        current = drafts.music_volume(draft)
        if op.kind == "volume" and current is not None:
            volume = op.volume if op.volume is not None else current + (op.step or 0)
            volume = max(0, min(100, volume))
            new = drafts.set_volume(draft, volume)
            self._tool(session, emit, name, {"track": "bgm", "volume": volume}, new)
            return (
                f"音乐音量已调到 {volume}%。" if chinese else f"Set the music volume to {volume}%."
            )
        volume = op.volume if op.volume is not None else DEFAULT_VOLUME
        track_name = self._add_music(session, emit, op.text, volume)
        if chinese:
            return f"已添加背景音乐“{track_name}”，音量 {volume}%。"
        return f'Added background music "{track_name}" at {volume}%.'

    def _tool(
        self,
        session: Session,
        emit: Callable[[Event], None],
        name: str,
        args: dict[str, Any],
        draft: dict[str, Any],
    ) -> None:
        """Announce a tool call, make its draft the session's, announce the result."""
        call_id = new_call_id()
        emit(Call(call_id, name, args))
        session.draft = draft
        result = {"status": "success", "duration_ms": draft["d"], "tracks": len(draft["t"])}
        emit(Result(call_id, name, result, {"draft": draft}))

    def _add_music(
        self, session: Session, emit: Callable[[Event], None], genre: str | None, volume: int
    ) -> str:
        """Put music on the timeline: the latest uploaded audio, else a generated tone."""
        audio = [m for m in session.media if m.file_type == "audio"]
        if audio and genre is None:
            chosen = audio[-1]
            name = PurePosixPath(chosen.filename).stem.replace("_", " ")
            new = drafts.set_music(session.draft, name, chosen.url, chosen.filename, volume, None)
        else:
            name = genre or "Lo-fi"
            tone = self._generate_media(
                "audio",
                name,
                session.draft["d"] / 1000 or 5.0,
                {"type": "tone", "preset": name, "freqs": list(TONES[name])},
                session,
            )
            new = drafts.set_music(
                session.draft, name, tone.url, PurePosixPath(tone.url).name, volume, tone.spec
            )
        self._tool(session, emit, "add_bgm", {"name": name, "volume": volume}, new)
        return name

    def _generate_media(
        self, kind: str, name: str, seconds: float, spec: dict[str, Any], session: Session
    ) -> GeneratedMedia:
        gen_id = f"gen_{secrets.token_hex(6)}"
        ext = "mp4" if kind == "video" else "m4a"
        media = GeneratedMedia(
            gen_id=gen_id,
            kind=kind,
            name=name,
            duration=seconds,
            spec={**spec, "id": gen_id, "duration": seconds},
            url=self.url_for(f"/cdn/gen/{gen_id}.{ext}"),
        )
        self.store.generated[gen_id] = media
        session.generated.append(media)
        return media

    async def generate(
        self,
        session: Session,
        op: Op,
        chinese: bool,
        emit: Callable[[Event], None],
        delay: float,
        finish: bool = True,
    ) -> None:
        """Generate a clip in two stages: the raw clip is announced (after `delay` seconds),
        then music and a title are added."""
        prompt = op.text or "a short scene"
        seconds = min(max(op.seconds or 5.0, 1.0), 60.0)
        call_id = new_call_id()
        emit(Call(call_id, "generate_video", {"prompt": prompt, "duration_s": seconds}))
        if delay:
            await asyncio.sleep(delay)
        clip = self._generate_media("video", prompt, seconds, _clip_spec(prompt), session)
        file_name = PurePosixPath(clip.url).name
        visual = drafts.Visual(file_name, clip.url, "video", int(seconds * 1000), clip.spec)
        new = drafts.combine(
            drafts.empty(session.task_name, *_size(session)), [visual], None, False
        )
        new["t"][0]["n"] = prompt
        session.draft = new
        emit(
            Result(
                call_id,
                "generate_video",
                {"status": "success", "url": clip.url, "duration_s": seconds},
                {"draft": new, "generated_media": [g.info() for g in session.generated]},
            )
        )
        secs = seconds_text(int(seconds * 1000))
        say(
            emit,
            f"原始视频已生成：“{prompt}”（{secs} 秒）。接下来我会自动加上音乐和标题。"
            if chinese
            else f'Your raw video is ready: "{prompt}" ({secs} seconds). '
            "I'm now adding music and a title to finish it.",
            last=False,
        )
        # Second stage: the backend finishes the clip by itself, without more text (in the
        # stream, or after it: see `finish_later`)
        if finish:
            self._finish_generated(session, prompt, emit)
        else:
            session.unfinished = prompt

    def finish_later(self, session: Session) -> None:
        """The second stage of a generation whose stream ended without it."""
        if session.unfinished is not None:
            prompt, session.unfinished = session.unfinished, None
            self._finish_generated(session, prompt, lambda event: None)

    def _finish_generated(
        self, session: Session, prompt: str, emit: Callable[[Event], None]
    ) -> None:
        """Music and a title for a generated clip."""
        self._add_music(session, emit, genre_in(prompt) or "Ambient", GENERATED_VOLUME)
        words = prompt.split()
        title = " ".join(words[:4]).title() if len(words) > 1 else prompt[:8]
        new = drafts.set_title(session.draft, title)
        self._tool(session, emit, "add_text", {"text": title}, new)


def _clip_spec(prompt: str) -> dict[str, Any]:
    """How a generated clip is drawn: a colour named in the prompt, else a test pattern."""
    colour = next((c for word, c in _COLOURS.items() if word in prompt.lower()), None)
    spec: dict[str, Any] = (
        {"type": "video", "source": "color", "color": colour, "prompt": prompt}
        if colour
        else {"type": "video", "source": "testsrc2", "prompt": prompt}
    )
    return spec


def _size(session: Session) -> tuple[int, int]:
    return int(session.canvas["width"]), int(session.canvas["height"])


def tool_name(op: Op) -> str:
    """The tool the agent calls for an instruction."""
    return {
        "generate": "generate_video",
        "regenerate": "regenerate_video",
        "combine": "combine_clips",
        "trim": "trim_video",
        "cut_start": "trim_video",
        "title": "add_text",
        "remove_title": "remove_track",
        "music": "add_bgm",
        "volume": "set_volume",
        "remove_music": "remove_track",
    }[op.kind]
