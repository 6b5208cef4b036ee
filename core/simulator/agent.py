"""The scripted agent behind `/run_sse`: plans a turn, runs it (the draft edits are in
`edits`), narrates it."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from core.simulator import drafts
from core.simulator.config import SimConfig
from core.simulator.edits import DraftEdits, seconds_text, tool_name
from core.simulator.intents import Op, is_chinese, mentions, parse, unsupported_in
from core.simulator.state import Session, Store, User
from core.simulator.stream import Call, Event, Failure, new_call_id, say

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
    """Faults that shape one turn: a stall, an error, a trailing apology, words of the
    test's own instead of the agent's."""

    stall: float | None = None
    error: str | None = None
    error_code: int | None = None
    trailing_issue: bool = False
    say: str | None = None


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


#: questions about what the agent does: answered with what the simulator can do
_WHAT_CAN_YOU_DO = (
    "what can you", "what do you do", "what are you", "who are you", "how does this work",
    "how do you work", "help", "能做什么", "你是谁", "怎么用", "帮助",
)


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
    if _any(message, _WHAT_CAN_YOU_DO):
        return (
            f"我是 NemoVideo 模拟器，代替 NemoVideo 的视频智能体。{CAN_DO[1]}"
            if chinese
            else f"I'm the NemoVideo simulator, standing in for NemoVideo's video agent. "
            f"{CAN_DO[0]}"
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
        self.config = config
        self.edits = DraftEdits(store, url_for)
        #: turns start only while this is set (tests clear it to hold a turn at the agent)
        self.running = asyncio.Event()
        self.running.set()

    def plan(self, session: Session, message: str) -> Plan:
        """Decide what a message does and what it costs, without changing anything. The
        project's format lines a client adds ("Target duration: 30 seconds") are context:
        they shape an edit the message asks for, and ask for none themselves."""
        message, target = _without_context(message)
        chinese = is_chinese(message)
        plan = Plan(message=message, chinese=chinese)
        ops = [_fitted(op, target) for op in parse(message)]
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
        plan.reply = _nothing_to_do(session, ops, plan)
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
        kept = []
        for op in ops:
            instead, note = _no_op(session.draft, op, plan.chinese)
            if note is not None:
                plan.notes.append(note)
            elif instead is not None:
                kept.append(instead)
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

    async def after_turn(self, session: Session) -> None:
        """Once a turn's stream has ended: the second stage of a generation left for after
        it (`post_production: after`), `post_production_delay` seconds later."""
        if session.unfinished is None:
            return
        await asyncio.sleep(self.config.post_production_delay)
        async with session.lock:
            self.edits.finish_later(session)

    async def _run(
        self, session: Session, plan: Plan, emit: Callable[[Event], None], faults: TurnFaults
    ) -> bool:
        if faults.stall:
            await asyncio.sleep(faults.stall)
        if self.config.agent_delay:
            await asyncio.sleep(self.config.agent_delay)
        await self.running.wait()
        if faults.say is not None:  # the test's words, then its error if it has one
            say(emit, faults.say, last=faults.error is None)
            if faults.error is not None:
                emit(Failure(faults.error, faults.error_code))
            return faults.error is None
        if plan.reply is not None:
            say(emit, plan.reply, last=not faults.trailing_issue)
            self._trailing(emit, plan, faults)
            return True
        if faults.error is not None:
            emit(Call(new_call_id(), tool_name(plan.ops[0]), {}))
            emit(Failure(faults.error, faults.error_code))
            return False
        if plan.generation:
            await self.edits.generate(
                session, plan.ops[0], plan.chinese, emit, self.config.generation_delay,
                finish=self.config.post_production == "stream",
            )
            self._trailing(emit, plan, faults)
            return True
        sentences: list[str] = []
        for op in plan.ops:
            sentences.append(self.edits.apply(session, op, plan.chinese, emit))
        sentences.extend(plan.notes)
        if not is_silent(self.config, plan):
            hint = _HINTS.get(plan.ops[-1].kind, _DEFAULT_HINT)[1 if plan.chinese else 0]
            joiner = "" if plan.chinese else " "
            say(emit, joiner.join([*sentences, hint]), last=not faults.trailing_issue)
            self._trailing(emit, plan, faults)
        return True

    def _trailing(self, emit: Callable[[Event], None], plan: Plan, faults: TurnFaults) -> None:
        if faults.trailing_issue:
            say(
                emit,
                "抱歉，我遇到了一个临时问题。"
                if plan.chinese
                else "I encountered a temporary issue. Please try again.",
                last=True,
            )


def _nothing_to_do(session: Session, ops: list[Op], plan: Plan) -> str | None:
    """Why the edits cannot be made (the reply instead of them), or None. Edits of an
    empty timeline start by combining the uploaded clips (`ops` is changed to do so)."""
    chinese = plan.chinese
    visuals = [m for m in session.media if m.file_type in ("video", "image")]
    if not ops:
        return (" " if not chinese else "").join(plan.notes) or (
            "现在还没有背景音乐。需要我加一段吗？" if chinese
            else "There's no background music to adjust yet. Want me to add some?")
    if ops[0].kind == "combine" and not visuals:
        return ("还没有可以合并的素材，请先上传视频或图片。" if chinese
                else "There are no clips to combine yet. Upload some videos or pictures first.")
    if ops[0].kind == "combine" or drafts.has_video(session.draft):
        return None
    if visuals and ops[0].kind == "trim":
        ops[0] = Op("combine", seconds=ops[0].seconds)
    elif visuals:
        ops.insert(0, Op("combine"))
    else:
        return ("时间线还是空的。请先上传素材，或者描述你想生成的视频。" if chinese
                else "Your timeline is empty. Upload some clips, or describe a video and "
                "I'll generate it.")
    return None


#: a client's context lines after the user's words: the project's format
_CONTEXT = re.compile(r"^\s*(?:Aspect ratio: \S+|Target duration: (?P<seconds>\d+) seconds)\s*$",
                      re.M)


def _without_context(message: str) -> tuple[str, float | None]:
    """The user's words without the format lines, and the target length they name."""
    target = None
    for found in _CONTEXT.finditer(message):
        if found.group("seconds"):
            target = float(found.group("seconds"))
    return _CONTEXT.sub("", message).strip(), target


def _fitted(op: Op, target: float | None) -> Op:
    """An instruction that names no length takes the project's target length (a combined
    or generated video); others are as asked."""
    if target is None or op.seconds is not None or op.kind not in ("combine", "generate"):
        return op
    return replace(op, seconds=target)


def _no_op(draft: drafts.Draft, op: Op, chinese: bool) -> tuple[Op | None, str | None]:
    """What an instruction becomes on this draft: (the op to keep, or None to drop it
    silently; a note saying why it changes nothing, or None)."""
    if op.kind == "remove_title" and drafts.track(draft, drafts.TEXT) is None:
        return None, "现在没有标题，无需删除。" if chinese else "There is no title to remove."
    if op.kind == "remove_music" and drafts.music_volume(draft) is None:
        return None, ("现在没有背景音乐，无需删除。" if chinese
                      else "There is no background music to remove.")
    if op.kind == "volume" and drafts.music_volume(draft) is None:
        # An explicit level adds music at it; a bare "louder" has nothing to change.
        return (Op("music", volume=op.volume) if op.volume is not None else None), None
    if (op.kind == "cut_start" and drafts.has_video(draft)
            and int((op.seconds or 0) * 1000) >= int(draft.get("d") or 0)):
        secs = seconds_text(int(draft["d"]))
        return None, (f"视频只有 {secs} 秒，剪掉开头这么多就什么都不剩了。" if chinese
                      else f"The video is only {secs} seconds long: cutting that much off "
                      "its start would leave nothing.")
    if (op.kind == "trim" and drafts.has_video(draft)
            and int((op.seconds or 0) * 1000) == int(draft.get("d") or 0)):
        secs = seconds_text(int(draft["d"]))
        return None, (f"视频已经是 {secs} 秒了。" if chinese
                      else f"The video is already {secs} seconds long.")
    return op, None
