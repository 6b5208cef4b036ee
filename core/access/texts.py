"""What the access rules, quotas, usage commands and alerts say, in English and Chinese."""

from __future__ import annotations

from datetime import datetime

from core.access.quotas import Refusal
from core.i18n import t, texts

texts({
    # access
    "access.refused": {
        "en": "Sorry, this bot is open only to the people its operator lets in. If you think "
              "you should be one of them, ask the person who runs it. (I say this once a day.)",
        "zh": "抱歉，这个机器人只对运营者允许的用户开放。如果你认为自己应该可以使用，请联系运营者。"
              "（此提示每天只显示一次。）",
    },
    "access.admin_only": {
        "en": "Only the bot's admins can use /{command}.",
        "zh": "只有机器人的管理员可以使用 /{command}。",
    },
    "access.private_only": {
        "en": "/{command} works only in a private chat with me.",
        "zh": "/{command} 只能在与我的私聊中使用。",
    },
    "access.entries_usage": {
        "en": "Send /{command} followed by one or more entries: telegram:user:<id>, "
              "telegram:chat:<id>, discord:user:<id>, discord:guild:<id>, discord:role:<id>, "
              "discord:channel:<id> (a bare number is a user of this platform).",
        "zh": "发送 /{command} 加上一个或多个条目：telegram:user:<id>、telegram:chat:<id>、"
              "discord:user:<id>、discord:guild:<id>、discord:role:<id>、discord:channel:<id>"
              "（只写数字表示本平台的用户）。",
    },
    "access.bad_entry": {
        "en": "I can't read that: {error}",
        "zh": "无法识别：{error}",
    },
    "access.allowed": {
        "en": "Allowed: {entries}. Only what is on the allow list ({count} entries) and the "
              "admins can use the bot now.",
        "zh": "已允许：{entries}。现在只有允许列表中的对象（共 {count} 项）和管理员可以使用机器人。",
    },
    "access.allowed_but_blocked": {
        "en": "Still blocked (blocking wins): {entries}. Use /unblock to let them in.",
        "zh": "仍被屏蔽（屏蔽优先）：{entries}。使用 /unblock 解除。",
    },
    "access.blocked": {
        "en": "Blocked: {entries}. Their messages are refused from now on.",
        "zh": "已屏蔽：{entries}。从现在起拒绝其消息。",
    },
    "access.unblocked": {
        "en": "Unblocked: {entries}.",
        "zh": "已解除屏蔽：{entries}。",
    },
    "access.not_blocked": {
        "en": "Not blocked: {entries}.",
        "zh": "未被屏蔽：{entries}。",
    },
    "access.link_no_key": {
        "en": "Linking your own NemoVideo account is turned off on this bot: its operator has "
              "not set a secret key to keep tokens encrypted. Your token was not stored.",
        "zh": "此机器人未开启绑定个人 NemoVideo 账号：运营者没有设置用于加密令牌的密钥。"
              "你的令牌没有被保存。",
    },
    "access.new_confirm": {
        "en": "Start a new project? This forgets the current project for everyone in this chat.",
        "zh": "要开始新项目吗？这会让此聊天中的所有人丢失当前项目。",
    },
    "access.new_confirm_button": {"en": "Yes, start over", "zh": "确定，重新开始"},
    # quotas
    "quota.over_user": {
        "en": "You've used {used} of your {limit} {unit} {window}, so I didn't send this to "
              "NemoVideo. The limit resets at {reset} (in {wait}).",
        "zh": "你{window}已使用 {used}/{limit} {unit}，因此这条没有发送给 NemoVideo。"
              "额度将于 {reset} 重置（{wait}后）。",
    },
    "quota.over_chat": {
        "en": "This chat has used {used} of its {limit} {unit} {window}, so I didn't send this "
              "to NemoVideo. The limit resets at {reset} (in {wait}).",
        "zh": "此聊天{window}已使用 {used}/{limit} {unit}，因此这条没有发送给 NemoVideo。"
              "额度将于 {reset} 重置（{wait}后）。",
    },
    "quota.unit.messages": {"en": "messages", "zh": "条消息"},
    "quota.unit.renders": {"en": "renders", "zh": "次渲染"},
    "quota.unit.credits": {"en": "credits", "zh": "积分"},
    "quota.window.hour": {"en": "this hour", "zh": "本小时"},
    "quota.window.day": {"en": "today", "zh": "今天"},
    "quota.window.month": {"en": "this month", "zh": "本月"},
    "quota.per.hour": {"en": "an hour", "zh": "每小时"},
    "quota.per.day": {"en": "a day", "zh": "每天"},
    "quota.per.month": {"en": "a month", "zh": "每月"},
    "quota.unlimited": {"en": "unlimited", "zh": "不限"},
    "quota.usage": {
        "en": "Send /quota <user> followed by limits, e.g. /quota telegram:user:123 "
              "renders=5/day messages=30/hour credits=500/month. A limit is a number, "
              "'unlimited', or 'default' (back to the setting).",
        "zh": "发送 /quota <用户> 加上额度，例如 /quota telegram:user:123 renders=5/day "
              "messages=30/hour credits=500/month。额度可以是数字、unlimited 或 default（恢复设置值）。",
    },
    "quota.limits_of": {
        "en": "Limits of {subject}: {limits}.",
        "zh": "{subject} 的额度：{limits}。",
    },
    # durations
    "dur.minutes": {"en": "{m} min", "zh": "{m} 分钟"},
    "dur.hours": {"en": "{h} h {m} min", "zh": "{h} 小时 {m} 分钟"},
    "dur.days": {"en": "{d} d {h} h", "zh": "{d} 天 {h} 小时"},
    # /stats
    "stats.you": {"en": "Your usage (today / this month):", "zh": "你的用量（今天 / 本月）："},
    "stats.chat": {"en": "This chat (today / this month):", "zh": "此聊天（今天 / 本月）："},
    "stats.line": {"en": "• {unit}: {today} / {month}{limit}", "zh": "• {unit}：{today} / {month}{limit}"},
    "stats.not_counted": {
        # credits are read from NemoVideo's balance only while a credits limit applies
        "en": "• {unit}: not counted (only while a limit on them applies)",
        "zh": "• {unit}：不统计（仅在设有额度时统计）",
    },
    "stats.limit": {
        "en": " (limit {limit} {per}: {used} used, resets at {reset})",
        "zh": "（额度 {per} {limit}：已用 {used}，{reset} 重置）",
    },
    "stats.admin": {
        "en": "You're an admin of this bot: no limits apply to you.",
        "zh": "你是此机器人的管理员：不受额度限制。",
    },
    # /admin
    "admin.totals": {
        "en": "Totals today / this month: {day} / {month}",
        "zh": "总计（今天 / 本月）：{day} / {month}",
    },
    "admin.counts": {
        "en": "{messages} messages, {renders} renders, {credits} credits",
        "zh": "{messages} 条消息，{renders} 次渲染，{credits} 积分",
    },
    "admin.top": {"en": "Top users this month:", "zh": "本月用量最多的用户："},
    "admin.top_none": {"en": "Top users this month: none yet", "zh": "本月用量最多的用户：暂无"},
    "admin.access": {
        "en": "Refused messages today: {refused}. Blocked: {blocked}. Allow list: {allow}.",
        "zh": "今天拒绝的消息：{refused}。已屏蔽：{blocked}。允许列表：{allow}。",
    },
    "admin.everyone": {"en": "everyone", "zh": "所有人"},
    "admin.none": {"en": "none", "zh": "无"},
    "admin.overrides": {"en": "Limit overrides: {overrides}", "zh": "单独额度：{overrides}"},
    "admin.errors": {
        "en": "NemoVideo failures in the last hour: {errors}",
        "zh": "过去一小时 NemoVideo 调用失败：{errors}",
    },
    "admin.backlog": {
        "en": "Unfinished renders ({platform}): {backlog}",
        "zh": "未完成的渲染（{platform}）：{backlog}",
    },
    "admin.balance": {
        "en": "Operator balance: {available} available, {frozen} reserved",
        "zh": "运营者余额：可用 {available}，占用 {frozen}",
    },
    "admin.balance_unknown": {
        "en": "Operator balance: unknown ({error})",
        "zh": "运营者余额：未知（{error}）",
    },
    "admin.no_operator": {
        "en": "Operator balance: no NEMO_TOKEN (each chat has its own account)",
        "zh": "运营者余额：未设置 NEMO_TOKEN（每个聊天使用自己的账号）",
    },
    "admin.alerts": {
        "en": "Alerts go to: {chat}",
        "zh": "告警发送到：{chat}",
    },
    # alerts to the operator
    "alert.token_refused": {
        "en": "⚠️ NemoVideo refused the operator token (NEMO_TOKEN, code 1001). Chats that use "
              "it get nothing done until it is replaced.",
        "zh": "⚠️ NemoVideo 拒绝了运营者令牌（NEMO_TOKEN，错误码 1001）。在更换之前，"
              "使用它的聊天都无法工作。",
    },
    "alert.credits_out": {
        "en": "⚠️ The operator's NemoVideo account is out of credits (code 2001). Top up at "
              "nemovideo.com.",
        "zh": "⚠️ 运营者的 NemoVideo 账号积分已用完（错误码 2001）。请到 nemovideo.com 充值。",
    },
    "alert.credits_low": {
        "en": "⚠️ The operator's NemoVideo balance is {available} credits, below "
              "ALERT_CREDITS_BELOW ({threshold}).",
        "zh": "⚠️ 运营者的 NemoVideo 余额为 {available} 积分，低于 ALERT_CREDITS_BELOW（{threshold}）。",
    },
    "alert.backend_failing": {
        "en": "⚠️ NemoVideo keeps failing: {count} failed calls in the last {minutes} minutes "
              "(last: {error}).",
        "zh": "⚠️ NemoVideo 持续出错：过去 {minutes} 分钟内 {count} 次调用失败（最近一次：{error}）。",
    },
    "alert.backlog": {
        "en": "⚠️ The render backlog keeps growing: {counts} unfinished renders ({platform}).",
        "zh": "⚠️ 渲染积压持续增长：{counts} 个未完成的渲染（{platform}）。",
    },
})


def duration(lang: str, seconds: float) -> str:
    """A wait in words ("23 min", "5 h 10 min", "3 d 4 h")."""
    minutes = max(1, int(seconds // 60) + (1 if seconds % 60 else 0))
    if minutes < 60:
        return t(lang, "dur.minutes", m=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return t(lang, "dur.hours", h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return t(lang, "dur.days", d=days, h=hours)


def moment(when: datetime) -> str:
    """A reset time in UTC ("2024-05-01 14:00 UTC")."""
    return when.strftime("%Y-%m-%d %H:%M UTC")


def over_quota(lang: str, refusal: Refusal, now: datetime) -> str:
    """What a user is told when they (or their chat) are over a quota."""
    key = "quota.over_chat" if ":user:" not in refusal.subject else "quota.over_user"
    kind = refusal.kind
    return t(lang, key, used=refusal.used, limit=refusal.limit,
             unit=t(lang, f"quota.unit.{kind.value}"), window=t(lang, f"quota.window.{kind.window}"),
             reset=moment(refusal.resets_at),
             wait=duration(lang, (refusal.resets_at - now).total_seconds()))
