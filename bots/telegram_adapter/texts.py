"""What the Telegram adapter itself says: Telegram's file limit, and the command menu
(other languages: `core/locales`)."""

from __future__ import annotations

from core.i18n import t, texts

texts({
    "telegram.too_big": {
        "en": "{names}: over {limit} MB, the largest file a bot can fetch from Telegram. "
              "Send a download link to it instead (Google Drive, Dropbox, any direct link). "
              "The bot's operator can lift this limit by running a local Bot API server.",
        "zh": "{names}：超过 {limit} MB，这是机器人能从 Telegram 获取的最大文件。"
              "请改为发送文件的下载链接（Google Drive、Dropbox 或任何直链）。"
              "机器人的运营者可以运行本地 Bot API 服务器来解除此限制。",
    },
    "telegram.unusable": {
        # a sticker, a location, a contact, a poll... in a private chat
        "en": "I can't use that. Send video clips, photos or music, or write what you want.",
        "zh": "我无法使用这个。请发送视频片段、照片或音乐，或写下你想要的效果。",
    },
    "telegram.addressing": {
        # a group where privacy mode keeps the members' other messages from the bot
        "en": "In this group I see only commands, messages that mention {bot} and replies "
              "to my messages: send files as a reply to one of my messages.",
        "zh": "在这个群里我只能看到命令、提及 {bot} 的消息和对我消息的回复："
              "发送文件时请回复我的某条消息。",
    },
    "telegram.old_button": {
        # a button too old for Telegram to say which forum topic it is in (max 200 chars)
        "en": "This button is too old for me to tell which topic it belongs to. Send the "
              "command in the topic instead.",
        "zh": "这个按钮太旧了，我无法判断它属于哪个话题。请在该话题中发送命令。",
    },
})

#: the command menu (setMyCommands), in its order: command -> (English, Chinese); each
#: description is the text `telegram.command.<command>` (other languages: `core/locales`)
COMMANDS: dict[str, tuple[str, str]] = {
    "start": ("Start a project in this chat", "在此聊天中开始项目"),
    "new": ("Start a new project", "开始新项目"),
    "export": ("Render the video and send it here", "渲染视频并发送到这里"),
    "status": ("Show the timeline and renders in progress", "查看时间线和渲染进度"),
    "format": ("Choose the format (TikTok, YouTube...) and length", "选择画面比例和时长"),
    "projects": ("Your recent projects: switch between them", "最近的项目：切换项目"),
    "last": ("Send the last finished video again", "重新发送上一个完成的视频"),
    "credits": ("Show the NemoVideo credits", "查看 NemoVideo 积分"),
    "cancel": ("Cancel queued messages and renders", "取消排队的消息和渲染"),
    "link": ("Link your NemoVideo account (private chat)", "绑定你的 NemoVideo 账号（私聊）"),
    "stats": ("Your usage and limits", "查看你的用量和额度"),
    "language": ("Choose the language I answer in", "选择回复语言"),
    "help": ("What the bot understands", "使用帮助"),
}

#: added to the menu of the admins' private chats only (ADMINS): command -> (English, Chinese)
ADMIN_COMMANDS: dict[str, tuple[str, str]] = {
    "admin": ("Usage, access lists, failures, balance", "用量、访问列表、故障与余额"),
    "allow": ("Let a user, chat or role use the bot", "允许用户、聊天或角色使用机器人"),
    "block": ("Refuse a user, chat or role", "屏蔽用户、聊天或角色"),
    "unblock": ("Lift a block", "解除屏蔽"),
    "quota": ("A user's own limits", "设置用户的单独额度"),
}

texts({f"telegram.command.{name}": {"en": en, "zh": zh}
       for name, (en, zh) in {**COMMANDS, **ADMIN_COMMANDS}.items()})


def menu(language: str | None, *, admin: bool = False) -> list[tuple[str, str]]:
    """The command menu in `language` (with the admin commands for an admin): (command,
    description) pairs."""
    names = [*COMMANDS, *ADMIN_COMMANDS] if admin else list(COMMANDS)
    return [(name, t(language, f"telegram.command.{name}")) for name in names]
