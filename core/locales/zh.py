"""Chinese (zh, simplified) for texts whose module gives only English, by key."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    "discord.command.export": "渲染视频并发送到这里",
    "discord.command.status": "查看项目的时间线和渲染进度",
    "discord.command.projects": "此频道最近的项目：在它们之间切换",
    "discord.command.last": "重新发送上一个完成的视频（不重新渲染）",
    "discord.command.cancel": "停止机器人在这里的工作：排队的消息、正在进行的请求和渲染",
    "discord.command.credits": "查看此对话的 NemoVideo 积分（仅你可见）",
    "discord.command.new": "在此频道中开始新项目",
    "discord.command.stats": "对照额度查看你的消息、渲染和积分（仅你可见）",
    "discord.command.help": "使用帮助",
    "discord.command.allow": "管理员：允许用户、角色、频道或服务器使用机器人",
    "discord.command.block": "管理员：拒绝用户、角色、频道或服务器",
    "discord.command.unblock": "管理员：解除屏蔽",
}
