"""/help: what the bot understands, listing exactly the commands of the user's platform.

Each command has one line of help (`describe`). An adapter names the commands its
platform offers in a chat (`Outgoing.chat_commands`: Telegram's command menu,
Discord's slash commands), and /help lists exactly those; the terminal, which
has no menu, lists every described command. A command a platform offers without
a described line is still listed, by name.
"""

from __future__ import annotations

import re

from core.conversation.texts import ACCEPTED_FORMATS
from core.conversation.turn import Turn
from core.i18n import t, texts
from core.intents import Step

#: command -> what follows its name in the help line ("/link <token>")
_USAGE: dict[str, str] = {}
#: the argument names a usage may show in <> or [], each a text `help.arg.<name>`
_ARGUMENTS = ("code", "token", "who")
_ARGUMENT = re.compile(r"(?<=[<\[])(" + "|".join(_ARGUMENTS) + r")(?=[>\]])")


def describe(command: str, usage: str, variants: dict[str, str]) -> None:
    """Register the help line of `command` (`variants`: its text in each language)."""
    texts({f"help.{command}": variants})
    _USAGE[command] = usage


def help_text(lang: str, commands: tuple[str, ...] | None) -> str:
    """The help: how to start, then one line per command (`commands`, or all)."""
    offered = list(_USAGE) if commands is None else list(commands)
    names = [name for name in _USAGE if name in offered]
    names += [name for name in offered if name not in _USAGE]
    lines = [t(lang, "help.intro", formats=ACCEPTED_FORMATS)]
    for name in names:
        if name in _USAGE:
            usage = _ARGUMENT.sub(lambda m: t(lang, f"help.arg.{m[1]}"), _USAGE[name])
            lines.append(f"/{name}{usage} - {t(lang, f'help.{name}')}")
        else:
            lines.append(f"/{name}")
    return "\n".join(lines)


async def help_(turn: Turn, step: Step) -> None:
    """List what the bot understands on this platform."""
    text = help_text(turn.lang, turn.out.chat_commands(turn.chat))
    addressing = turn.out.addressing(turn.chat, turn.lang)
    await turn.send(text if addressing is None else f"{addressing}\n\n{text}")


texts({
    "help.intro": {
        "en": "Send clips, photos or music (up to 500 MB each: {formats}) or a link to one, "
              "then tell me what to make.",
        "zh": "发送视频、图片或音乐（每个最大 500 MB：{formats}）或文件链接，然后告诉我要做什么。",
    },
    # what a command's argument is ("/language [code]", "/allow <who>")
    "help.arg.code": {"en": "code", "zh": "语言代码"},
    "help.arg.token": {"en": "token", "zh": "令牌"},
    "help.arg.who": {"en": "who", "zh": "对象"},
})

for _command, _usage, _variants in (
    ("start", "", {"en": "say hello and see example requests", "zh": "打招呼并查看示例请求"}),
    ("new", "", {"en": "start a new project (the old one stays in /projects)",
                 "zh": "新建项目（旧项目保留在 /projects 中）"}),
    ("export", "", {"en": "render the video and send it here", "zh": "渲染视频并发送到这里"}),
    ("status", "", {"en": "show the timeline", "zh": "查看时间线"}),
    ("format", " 9:16|16:9|1:1|4:5 15s|30s|60s",
     {"en": "choose the project's format and target length",
      "zh": "选择项目的画面比例和目标时长"}),
    ("projects", "", {"en": "list this chat's recent projects and switch between them",
                      "zh": "列出此聊天最近的项目并切换"}),
    ("last", "", {"en": "send the last finished video again (no new render)",
                  "zh": "重新发送上一个完成的视频（不重新渲染）"}),
    ("credits", "", {"en": "show your credit balance", "zh": "查看积分余额"}),
    ("cancel", "", {"en": "drop queued messages, stop the current request and cancel renders",
                    "zh": "清空排队的消息、停止当前请求并取消渲染"}),
    ("upload", "", {"en": "how to send files", "zh": "如何发送文件"}),
    ("stats", "", {"en": "your usage and limits", "zh": "查看你的用量和额度"}),
    ("language", " [code]", {"en": "choose the language I answer in", "zh": "选择回复语言"}),
    ("link", " <token>", {"en": "use your own NemoVideo account (private chat only)",
                          "zh": "使用你自己的 NemoVideo 账号（仅限私聊）"}),
    ("help", "", {"en": "this list", "zh": "显示此列表"}),
    ("admin", "", {"en": "admins: the bot's usage, access lists and health",
                   "zh": "管理员：机器人的用量、访问列表和运行状况"}),
    ("allow", " <who>", {"en": "admins: allow a user, chat, guild, role or channel",
                         "zh": "管理员：允许某个用户、聊天、服务器、角色或频道"}),
    ("block", " <who>", {"en": "admins: block a user, chat, guild, role or channel",
                         "zh": "管理员：屏蔽某个用户、聊天、服务器、角色或频道"}),
    ("unblock", " <who>", {"en": "admins: lift a block", "zh": "管理员：解除屏蔽"}),
    ("quota", " <who> renders=5/day", {"en": "admins: set a user's or chat's own limits",
                                       "zh": "管理员：设置某个用户或聊天的额度"}),
):
    describe(_command, _usage, _variants)
