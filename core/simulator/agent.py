"""The scripted agent behind `/run_sse`: plans a turn, edits the draft, narrates it."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from core.simulator import drafts
from core.simulator.config import SimConfig
from core.simulator.intents import Op, genre_in, is_chinese, mentions, parse, unsupported_in
from core.simulator.state import GeneratedMedia, Session, Store, User
from core.simulator.stream import Call, Event, Failure, Result, Text, fragments, new_call_id

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

_HINTS = {
    "combine": (
        "Preview in timeline to check the cut, then click the Export button to render.",
        "可以在时间线中预览，满意后点击导出按钮渲染。",
    ),
    "trim": (
        "Open the timeline panel to fine-tune the cut.",
        "打开时间线面板可以微调剪辑点。",
    ),
    "title": (
        "You can drag the title on the timeline to move it.",
        "可以拖拽标题调整位置。",
    ),
    "music": (
        "Open the audio panel to fine-tune the volume.",
        "打开音频面板可以微调音量。",
    ),
}
_DEFAULT_HINT = (
    "Click the Export button when you're ready to render.",
    "准备好后点击导出按钮即可渲染。",
)


@dataclass(frozen=True)
class TurnFaults:
    """Faults that shape one turn: a stall, an error, a trailing apology."""

    stall: float | None = None
    error: str | None = None
    trailing_issue: bool = False


@dataclass
class Plan:
    """What a message will do: its instructions, its cost, or a plain answer."""

    message: str
    chinese: bool
    ops: list[Op] = field(default_factory=list)
    cost: int = 0
    charges_edit: bool = False
    reply: str | None = None
    #: what the turn says besides its edits ("there is no title", "can't ... yet")
    notes: list[str] = field(default_factory=list)

    @property
    def generation(self) -> bool:
        """Whether the turn generates a clip."""
        return bool(self.ops) and self.ops[0].kind == "generate"


def _seconds(ms: int) -> str:
    value = ms / 1000
    return str(int(value)) if value == int(value) else f"{value:.1f}"


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def is_silent(config: SimConfig, plan: Plan) -> bool:
    """Whether an edit turn streams no text (`silent_edits`; "auto" is ~30%, by message)."""
    if plan.generation or not plan.ops:
        return False
    if config.silent_edits == "always":
        return True
    if config.silent_edits == "never":
        return False
    return _digest(plan.message.strip().lower()) % 10 < 3


def _any(message: str, words: tuple[str, ...]) -> bool:
    return any(mentions(message, word) for word in words)


CANNOT_YET = (
    "The NemoVideo simulator can't {what} yet.",
    "NemoVideo 模拟器暂时还不能{what}。",
)
CAN_DO = (
    "It can combine your clips, make the video shorter or longer, add or remove a title or "
    "background music, change the music volume, or generate a clip from a description.",
    "它可以合并片段、调整视频时长、添加或删除标题和背景音乐、调节音乐音量，或根据描述生成视频。",
)


def cannot(what: list[str], chinese: bool) -> str:
    """"The simulator can't X yet." for each thing asked that it cannot do."""
    index = 1 if chinese else 0
    joined = ("、" if chinese else ", ").join(what)
    return CANNOT_YET[index].format(what=joined)


def chat_answer(message: str, chinese: bool) -> str:
    """A friendly answer to a message that asks for no edit; an honest "can't do that
    yet" to one that asks for an edit the simulator does not know."""
    index = 1 if chinese else 0
    missing = unsupported_in(message)
    if missing:
        return f"{cannot(missing, chinese)}{'' if chinese else ' '}{CAN_DO[index]}"
    if _any(message, ("export", "render", "download", "导出", "下载")):
        return (
            "点击右上角的导出按钮，选择 MP4 即可导出。"
            if chinese
            else "To export, click the Export button in the top right corner and choose MP4."
        )
    if _any(message, ("credit", "credits", "balance", "积分", "余额")):
        return (
            "请在账户/计费页面查看积分余额。"
            if chinese
            else "You can check your balance on the account/billing page."
        )
    if _any(message, ("timeline", "track", "tracks", "status", "时间线", "状态")):
        return (
            "打开时间线面板即可查看所有轨道。"
            if chinese
            else "Open the timeline panel to see all your tracks."
        )
    if _any(message, ("hello", "hi", "hey", "你好", "您好")):
        return (
            "你好！我是 NemoVideo 剪辑助手。上传素材或描述你想要的视频，然后告诉我怎么剪："
            "合并、剪短、加标题或背景音乐。满意后点击导出按钮渲染。"
            if chinese
            else "Hi! I'm your NemoVideo editor. Upload clips or describe a video, then tell me "
            "how to edit it: combine, trim, add a title or background music. When you're "
            "happy, click the Export button to render."
        )
    if chinese:
        return f"NemoVideo 模拟器暂时还做不到这个。{CAN_DO[1]}"
    return f"The NemoVideo simulator can't do that yet. {CAN_DO[0]}"


class Agent:
    """A deterministic stand-in for NemoVideo's video agent."""

    def __init__(self, store: Store, config: SimConfig, url_for: Callable[[str], str]):
        self.store = store
        self.config = config
        self.url_for = url_for

    def plan(self, session: Session, message: str) -> Plan:
        """Decide what a message does and what it costs, without changing anything."""
        chinese = is_chinese(message)
        plan = Plan(message=message, chinese=chinese)
        ops = parse(message)
        if not ops:
            plan.reply = chat_answer(message, chinese)
            return plan
        if ops[0].kind == "generate":
            plan.ops = ops
            plan.cost = self.config.generation_cost
            return plan
        ops = self._drop_no_ops(session, ops, plan)
        missing = unsupported_in(message)
        if missing:
            plan.notes.append(cannot(missing, chinese))
        visuals = [m for m in session.media if m.file_type in ("video", "image")]
        if not ops:
            plan.reply = (" " if not chinese else "").join(plan.notes) or (
                "现在还没有背景音乐。需要我加一段吗？"
                if chinese
                else "There's no background music to adjust yet. Want me to add some?"
            )
        elif ops[0].kind == "combine" and not visuals:
            plan.reply = (
                "还没有可以合并的素材，请先上传视频或图片。"
                if chinese
                else "There are no clips to combine yet. Upload some videos or pictures first."
            )
        elif ops[0].kind != "combine" and not drafts.has_video(session.draft):
            if visuals and ops[0].kind == "trim":
                ops[0] = Op("combine", seconds=ops[0].seconds)
            elif visuals:
                ops.insert(0, Op("combine"))
            else:
                plan.reply = (
                    "时间线还是空的。请先上传素材，或者描述你想生成的视频。"
                    if chinese
                    else "Your timeline is empty. Upload some clips, or describe a video and "
                    "I'll generate it."
                )
        if plan.reply is not None:
            return plan
        plan.ops = ops
        plan.charges_edit = not session.edit_charged
        plan.cost = self.config.edit_cost if plan.charges_edit else 0
        return plan

    @staticmethod
    def _drop_no_ops(session: Session, ops: list[Op], plan: Plan) -> list[Op]:
        """The instructions that change something; a note for each that would not (no
        title to remove, already that long), rather than claiming a change."""
        draft, chinese = session.draft, plan.chinese
        kept = []
        for op in ops:
            note = None
            if op.kind == "remove_title" and drafts.track(draft, drafts.TEXT) is None:
                note = "现在没有标题，无需删除。" if chinese else "There is no title to remove."
            elif op.kind == "remove_music" and drafts.music_volume(draft) is None:
                note = ("现在没有背景音乐，无需删除。" if chinese
                        else "There is no background music to remove.")
            elif op.kind == "volume" and drafts.music_volume(draft) is None:
                # An explicit level adds music at it; a bare "louder" has nothing to change.
                if op.volume is not None:
                    kept.append(Op("music", volume=op.volume))
                continue
            elif (op.kind == "trim" and drafts.has_video(draft)
                  and int((op.seconds or 0) * 1000) == int(draft.get("d") or 0)):
                secs = _seconds(int(draft["d"]))
                note = (f"视频已经是 {secs} 秒了。" if chinese
                        else f"The video is already {secs} seconds long.")
            if note is None:
                kept.append(op)
            else:
                plan.notes.append(note)
        return kept

    async def execute(
        self,
        session: Session,
        user: User,
        plan: Plan,
        emit: Callable[[Event], None],
        faults: TurnFaults,
    ) -> None:
        """Run a planned turn, emitting its events. Credits reserved for it are settled
        when it succeeds and refunded when it fails.
        """
        ok = False
        try:
            async with session.lock:
                ok = await self._run(session, plan, emit, faults)
        finally:
            if ok:
                user.settle(plan.cost)
            else:
                user.refund(plan.cost)
                if plan.charges_edit:
                    session.edit_charged = False

    async def _run(
        self, session: Session, plan: Plan, emit: Callable[[Event], None], faults: TurnFaults
    ) -> bool:
        if faults.stall:
            await asyncio.sleep(faults.stall)
        if self.config.agent_delay:
            await asyncio.sleep(self.config.agent_delay)
        if plan.reply is not None:
            self._say(emit, plan.reply, last=not faults.trailing_issue)
            self._trailing(emit, plan, faults)
            return True
        if faults.error is not None:
            emit(Call(new_call_id(), _tool_name(plan.ops[0]), {}))
            emit(Failure(faults.error))
            return False
        if plan.generation:
            await self._generate(session, plan, emit)
            self._trailing(emit, plan, faults)
            return True
        sentences: list[str] = []
        for op in plan.ops:
            sentences.append(self._apply(session, op, plan.chinese, emit))
        sentences.extend(plan.notes)
        if not is_silent(self.config, plan):
            hint = _HINTS.get(plan.ops[-1].kind, _DEFAULT_HINT)[1 if plan.chinese else 0]
            joiner = "" if plan.chinese else " "
            self._say(emit, joiner.join([*sentences, hint]), last=not faults.trailing_issue)
            self._trailing(emit, plan, faults)
        return True

    def _say(self, emit: Callable[[Event], None], text: str, *, last: bool) -> None:
        for piece in fragments(text):
            emit(Text(piece, partial=True))
        emit(Text(text, partial=False, last=last))

    def _trailing(self, emit: Callable[[Event], None], plan: Plan, faults: TurnFaults) -> None:
        if faults.trailing_issue:
            self._say(
                emit,
                "抱歉，我遇到了一个临时问题。"
                if plan.chinese
                else "I encountered a temporary issue. Please try again.",
                last=True,
            )

    def _tool(
        self,
        session: Session,
        emit: Callable[[Event], None],
        name: str,
        args: dict[str, Any],
        draft: dict[str, Any],
    ) -> None:
        call_id = new_call_id()
        emit(Call(call_id, name, args))
        session.draft = draft
        result = {"status": "success", "duration_ms": draft["d"], "tracks": len(draft["t"])}
        emit(Result(call_id, name, result, {"draft": draft}))

    def _apply(self, session: Session, op: Op, chinese: bool, emit: Callable[[Event], None]) -> str:
        """Apply one instruction to the session's draft; return the sentence describing it."""
        draft = session.draft
        name = _tool_name(op)
        if op.kind == "combine":
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
            count, secs = len(items), _seconds(new["d"])
            if chinese:
                return f"完成！已将 {count} 个片段合并成 {secs} 秒的视频" + (
                    "，并加入了转场。" if op.fades else "。"
                )
            fades = " with fade transitions" if op.fades else ""
            plural = "s" if count != 1 else ""
            return f"Done! I combined {count} clip{plural} into a {secs}-second video{fades}."
        if op.kind == "trim":
            longer = int((op.seconds or 0) * 1000) > int(draft.get("d") or 0)
            new = drafts.stretch(draft, op.seconds or 0) if longer else drafts.trim(
                draft, op.seconds or 0)
            self._tool(session, emit, name, {"duration_s": new["d"] / 1000}, new)
            secs = _seconds(new["d"])
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
        if op.kind == "title":
            text = op.text or session.task_name.title() or "My Video"
            new = drafts.set_title(draft, text)
            begin, finish = drafts.title_span(new)
            start, end = _seconds(begin), _seconds(finish)
            args = {"text": text, "start_s": begin / 1000, "end_s": finish / 1000}
            self._tool(session, emit, name, args, new)
            if chinese:
                return f"已添加标题“{text}”（{start}-{end}秒）。"
            return f'Added the title "{text}" ({start}-{end}s).'
        if op.kind == "remove_title":
            self._tool(session, emit, name, {"track": "title"}, drafts.remove_title(draft))
            return "已删除标题。" if chinese else "Removed the title."
        if op.kind == "remove_music":
            self._tool(session, emit, name, {"track": "bgm"}, drafts.remove_music(draft))
            return "已删除背景音乐。" if chinese else "Removed the background music."
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

    async def _generate(self, session: Session, plan: Plan, emit: Callable[[Event], None]) -> None:
        """Two stages: the raw clip is announced, then music and a title are added."""
        op = plan.ops[0]
        prompt = op.text or "a short scene"
        seconds = min(max(op.seconds or 5.0, 1.0), 60.0)
        call_id = new_call_id()
        emit(Call(call_id, "generate_video", {"prompt": prompt, "duration_s": seconds}))
        if self.config.generation_delay:
            await asyncio.sleep(self.config.generation_delay)
        colour = next((c for word, c in _COLOURS.items() if word in prompt.lower()), None)
        spec: dict[str, Any] = (
            {"type": "video", "source": "color", "color": colour, "prompt": prompt}
            if colour
            else {"type": "video", "source": "testsrc2", "prompt": prompt}
        )
        clip = self._generate_media("video", prompt, seconds, spec, session)
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
        secs = _seconds(int(seconds * 1000))
        self._say(
            emit,
            f"原始视频已生成：“{prompt}”（{secs} 秒）。接下来我会自动加上音乐和标题。"
            if plan.chinese
            else f'Your raw video is ready: "{prompt}" ({secs} seconds). '
            "I'm now adding music and a title to finish it.",
            last=False,
        )
        # Second stage: the backend finishes the clip by itself, without more text.
        self._add_music(session, emit, genre_in(prompt) or "Ambient", GENERATED_VOLUME)
        words = prompt.split()
        title = " ".join(words[:4]).title() if len(words) > 1 else prompt[:8]
        new = drafts.set_title(session.draft, title)
        self._tool(session, emit, "add_text", {"text": title}, new)


def _size(session: Session) -> tuple[int, int]:
    return int(session.canvas["width"]), int(session.canvas["height"])


def _tool_name(op: Op) -> str:
    return {
        "generate": "generate_video",
        "combine": "combine_clips",
        "trim": "trim_video",
        "title": "add_text",
        "remove_title": "remove_track",
        "music": "add_bgm",
        "volume": "set_volume",
        "remove_music": "remove_track",
    }[op.kind]
