"""The chat's recent projects: kept as they change, listed by /projects (buttons switch
to one), and /last, which sends the last finished video again without rendering.

A project is named from its video's title, else from its first instruction (or the
first files sent to it). `ProjectLog` writes the current project into the chat's
catalog (`core.catalog`) after every step that changes it, so /new, which starts
another project, never loses the old one.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from core.catalog import Catalog, ProjectEntry, project_title
from core.conversation.choices import offer
from core.conversation.handlers import RESULT_ACTIONS
from core.conversation.middleware import Middleware, StepCall
from core.conversation.turn import Turn
from core.i18n import texts
from core.identity import Identities
from core.intents import Intent, Step
from core.nemo.api import NemoApi
from core.nemo.draft import clip_label
from core.nemo.errors import SessionNotFound
from core.renders.again import send_again
from core.store import ChatSession

log = logging.getLogger(__name__)

#: steps after which the current project is written to the catalog
_CHANGES = frozenset({Intent.AGENT, Intent.UPLOAD, Intent.RESUME, Intent.FORMAT})
NAME_LENGTH = 40
BUTTON_LENGTH = 28

texts({
    "projects.none": {
        "en": "No projects in this chat yet. Describe a video or send clips to start one; "
              "/new starts another, and the old one stays listed here.",
        "zh": "此聊天还没有项目。描述一个视频或发送素材即可开始；"
              "/new 开始新项目，旧项目会保留在这里。",
    },
    "projects.title": {"en": "Recent projects in this chat:", "zh": "此聊天最近的项目："},
    "projects.line": {"en": "{index}. {name}: edited {edited}",
                      "zh": "{index}. {name}：{edited}编辑"},
    "projects.rendered": {"en": ", rendered {when}", "zh": "，{when}渲染"},
    "projects.current": {"en": " (current)", "zh": "（当前）"},
    "projects.switch_hint": {"en": "Tap one to switch to it.", "zh": "点击即可切换。"},
    "projects.untitled": {"en": "Untitled project", "zh": "未命名项目"},
    "projects.unknown": {
        "en": "I don't know that project. Send /projects to see the list.",
        "zh": "找不到这个项目。发送 /projects 查看列表。",
    },
    "projects.already": {"en": "You're already working on {name}.", "zh": "你已经在编辑 {name}。"},
    "projects.switched": {"en": "Switched to {name}.", "zh": "已切换到 {name}。"},
    "projects.gone": {
        "en": "{name} is no longer available on NemoVideo, so I removed it from the list.",
        "zh": "{name} 在 NemoVideo 上已不存在，已从列表中移除。",
    },
    "ago.now": {"en": "just now", "zh": "刚刚"},
    "ago.minutes": {"en": "{n} min ago", "zh": "{n} 分钟前"},
    "ago.hours": {"en": "{n} h ago", "zh": "{n} 小时前"},
    "ago.days": {"en": "{n} d ago", "zh": "{n} 天前"},
    "last.none": {
        "en": "No finished video here yet. Say \"export\" to render one.",
        "zh": "这里还没有完成的视频。说“导出”即可渲染。",
    },
    "last.gone": {
        "en": "I can't send that video again any more. Say \"export\" to render it.",
        "zh": "无法再次发送该视频。说“导出”即可重新渲染。",
    },
})


def ago(turn: Turn, when: float) -> str:
    """"5 min ago", in the turn's language."""
    seconds = max(0.0, time.time() - when)
    if seconds < 60:
        return turn.text("ago.now")
    if seconds < 3600:
        return turn.text("ago.minutes", n=int(seconds // 60))
    if seconds < 86400:
        return turn.text("ago.hours", n=int(seconds // 3600))
    return turn.text("ago.days", n=int(seconds // 86400))


def entry_of(session: ChatSession, edited_at: float) -> ProjectEntry:
    """The catalog entry of the session's project."""
    assert session.session_id is not None
    return ProjectEntry(session_id=session.session_id, task_id=session.task_id or "",
                        claim_token=session.claim_token or "", name=session.name,
                        aspect=session.aspect, seconds=session.seconds, edited_at=edited_at)


def _listed(session: ChatSession) -> tuple[object, ...]:
    """What the catalog entry of the session's project is made of (and its draft)."""
    return (session.session_id, session.task_id, session.claim_token, session.name,
            session.aspect, session.seconds, session.draft)


class ProjectLog(Middleware):
    """Names the current project and writes it to the catalog after each change (and
    after its first export), once the event is saved (`Turn.after_save`: nothing may
    delay that save once the answer is out); keeps a project that was never written
    before /new replaces it. A step that changed nothing of it (an answer in words)
    writes nothing."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def on_step(self, turn: Turn, step: Step, call_next: StepCall) -> None:
        """Around a step: keep the project before /new, record it after a change."""
        session = turn.session
        if (step.intent is Intent.NEW and session.session_id and session.last_draft.tracks
                and await self.catalog.project(turn.chat, session.session_id) is None):
            await self.catalog.keep(turn.chat, entry_of(session, time.time()))
        before = _listed(session)
        await call_next(turn, step)
        session = turn.session
        if not session.session_id:
            return
        if step.intent in _CHANGES:
            session.name = clip_label(self._name(turn, step), NAME_LENGTH)
            if session.name and _listed(session) != before:  # written once it is saved
                turn.after_save.append(partial(self.catalog.keep, turn.chat,
                                               entry_of(session, time.time())))
        elif (step.intent is Intent.EXPORT
              and await self.catalog.project(turn.chat, session.session_id) is None):
            # a project rendered without an edit here (made elsewhere, or before): listed
            session.name = clip_label(self._name(turn, step), NAME_LENGTH)
            turn.after_save.append(partial(self.catalog.keep, turn.chat,
                                           entry_of(session, time.time())))

    @staticmethod
    def _name(turn: Turn, step: Step) -> str:
        session = turn.session
        title = project_title(session.last_draft)
        if title or session.name:
            return title or session.name
        if step.intent is Intent.AGENT:
            return step.text
        if step.intent is Intent.UPLOAD:
            names = [a.filename for a in turn.message.attachments]
            names += [url.rsplit("/", 1)[-1] for url in step.urls]
            return ", ".join(n for n in names if n)
        return ""


async def projects_(turn: Turn, step: Step, *, catalog: Catalog, nemo: NemoApi,
                    identities: Identities) -> None:
    """/projects: the list with buttons to switch; `/projects <n or id>` switches."""
    entries = await catalog.projects(turn.chat)
    if step.text.strip():
        await _switch(turn, step.text.strip(), entries, catalog, nemo, identities)
        return
    current = turn.session.session_id
    if current and all(e.session_id != current for e in entries) and turn.session.name:
        entries.insert(0, entry_of(turn.session, 0.0))
    if not entries:
        await turn.say("projects.none")
        return
    videos = await catalog.videos(turn.chat)
    lines = [turn.text("projects.title")]
    for index, entry in enumerate(entries, 1):
        name = entry.name or turn.text("projects.untitled")
        edited = ago(turn, entry.edited_at) if entry.edited_at else "-"
        line = turn.text("projects.line", index=index, name=name, edited=edited)
        if (video := videos.get(entry.session_id)) is not None:
            line += turn.text("projects.rendered", when=ago(turn, video.delivered_at))
        if entry.session_id == current:
            line += turn.text("projects.current")
        lines.append(line)
    others = [(clip_label(e.name or turn.text("projects.untitled"), BUTTON_LENGTH),
               f"/projects {e.session_id}") for e in entries if e.session_id != current]
    if others:
        lines.append(turn.text("projects.switch_hint"))
    await turn.send("\n".join(lines), offer(turn, others))


async def _switch(turn: Turn, wanted: str, entries: list[ProjectEntry], catalog: Catalog,
                  nemo: NemoApi, identities: Identities) -> None:
    target = next((e for e in entries if e.session_id == wanted), None)
    if target is None and wanted.isdigit() and 1 <= int(wanted) <= len(entries):
        target = entries[int(wanted) - 1]
    if target is None:
        await turn.say("projects.unknown")
        return
    name = target.name or turn.text("projects.untitled")
    if target.session_id == turn.session.session_id:
        await turn.say("projects.already", name=name)
        return
    session_id = target.session_id
    try:
        state = await identities.call(turn.chat, lambda creds: nemo.state(creds, session_id))
    except SessionNotFound:
        log.info("chat %s: project %s is gone; dropped from the list", turn.chat, session_id)
        await catalog.forget(turn.chat, session_id)
        await turn.say("projects.gone", name=name)
        return
    turn.session = ChatSession(
        session_id=session_id, task_id=target.task_id or None,
        claim_token=target.claim_token or None, language=turn.session.language,
        draft=state.draft.raw, aspect=target.aspect, seconds=target.seconds, name=target.name,
        draft_at=time.time())
    await turn.persist()
    log.info("chat %s: switched to project %s", turn.chat, session_id)
    draft = state.draft
    summary = draft.summary(turn.lang) if draft.is_exportable else turn.text("status_empty")
    await turn.send("\n".join([turn.text("projects.switched", name=name), summary]),
                    turn.buttons(*RESULT_ACTIONS))


async def last(turn: Turn, step: Step, *, catalog: Catalog) -> None:
    """/last: the last finished video of this project (else of the chat), sent again."""
    video = await catalog.last_video(turn.chat, turn.session.session_id)
    if video is None:
        await turn.say("last.none")
        return
    if not await send_again(turn.out, turn.chat, video, turn.lang):
        await turn.say("last.gone")
