"""What the bot says, in English and Chinese (other languages: `core/locales`)."""

from __future__ import annotations

from core.i18n import texts

ACCEPTED_FORMATS = "mp4, mov, avi, webm, mkv, jpg, png, gif, webp, mp3, wav, m4a, aac"

texts({
    "welcome": {
        "en": "Ready when you are. Send me video clips, photos or music, or describe the "
              "video you want (\"combine my clips into a 60-second video with transitions\"). "
              "Say \"export\" to get the MP4.",
        "zh": "准备好了。发送视频片段、图片或音乐，或者描述你想要的视频"
              "（例如“把我的片段合成一个 60 秒带转场的视频”）。说“导出”即可获得 MP4。",
    },
    "queued": {
        "en": "Got it. After this: {what}",
        "zh": "收到。当前操作完成后：{what}",
    },
    "queued_files": {"en": "your files", "zh": "你的文件"},
    "unavailable": {
        "en": "I can't take messages right now. Please try again in a minute.",
        "zh": "我现在暂时无法接收消息，请一分钟后再试。",
    },
    "stopped": {
        "en": "Stopped. NemoVideo may still charge for work it had already started.",
        "zh": "已停止。NemoVideo 已经开始的工作仍可能扣除积分。",
    },
    "upload_interrupted": {
        "en": "Your upload of {names} was interrupted because I restarted. Please send it again.",
        "zh": "由于我重新启动，你上传的 {names} 被中断了，请重新发送。",
    },
    "choice_expired": {
        "en": "Those buttons belong to an earlier message. Please use the latest ones, or "
              "just type what you want.",
        "zh": "这些按钮属于较早的消息。请使用最新的按钮，或者直接输入你想要的操作。",
    },
    "choice_used": {
        # a second press on the buttons of the newest offer, one of which was pressed
        "en": "One of those options was already chosen. Type what you want next.",
        "zh": "这些选项中已经选过一个了。请直接输入你接下来想要的操作。",
    },
    "cancelled": {
        "en": "Cancelled: {messages} queued message(s) dropped, {renders} render(s) stopped.",
        "zh": "已取消：丢弃 {messages} 条排队消息，停止 {renders} 个渲染。",
    },
    "nothing_to_cancel": {
        "en": "Nothing to cancel.",
        "zh": "没有可以取消的操作。",
    },
    "new_project": {
        "en": "New project started. Send clips or describe the video you want.",
        "zh": "已新建项目。发送素材或描述你想要的视频。",
    },
    "project_lost": {
        "en": "Your previous project is no longer available on NemoVideo, so I started a new one.",
        "zh": "之前的项目在 NemoVideo 上已不存在，已为你新建项目。",
    },
    "credits": {
        "en": "Credits: {available} available, {frozen} reserved for work in progress "
              "({total} in total).",
        "zh": "积分：可用 {available}，进行中的任务占用 {frozen}（共 {total}）。",
    },
    "credits_anonymous": {
        "en": "You are on a free starter account. Register to keep your projects: {url}",
        "zh": "你正在使用免费体验账号。注册以保留你的项目：{url}",
    },
    "status_empty": {
        "en": "The timeline is empty. Send clips or describe a video to start.",
        "zh": "时间线为空。发送素材或描述一个视频开始吧。",
    },
    "status_renders": {
        "en": "Renders in progress: {count}",
        "zh": "进行中的渲染：{count}",
    },
    "upload_what": {
        "en": "Send the files here (video, photo or music, up to 500 MB each: {formats}), "
              "or paste a link to one.",
        "zh": "直接在这里发送文件（视频、图片或音乐，每个最大 500 MB：{formats}），或粘贴文件链接。",
    },
    "uploading": {
        "en": "Uploading {count} file(s)...",
        "zh": "正在上传 {count} 个文件……",
    },
    "uploading_progress": {
        "en": "Uploading {count} file(s)... {percent}%",
        "zh": "正在上传 {count} 个文件……{percent}%",
    },
    "upload_not_done": {
        # the "Uploading…" message once the upload stopped or failed (the reason follows)
        "en": "The upload did not go through.",
        "zh": "上传没有完成。",
    },
    "uploaded": {
        "en": "Received: {files}",
        "zh": "已收到：{files}",
    },
    "upload_refused_type": {
        "en": "I can't use {names}: that file type isn't supported. Accepted formats: {formats}.",
        "zh": "无法使用 {names}：不支持该文件类型。支持的格式：{formats}。",
    },
    "upload_link_failed": {
        "en": "NemoVideo couldn't get {links}: {reason}. Check that the link opens in a browser "
              "without logging in, or send the file itself.",
        "zh": "NemoVideo 无法获取 {links}：{reason}。请确认该链接无需登录即可在浏览器中打开，或直接发送文件。",
    },
    "upload_refused_size": {
        "en": "{names} is over 500 MB. Trim or compress it and send it again.",
        "zh": "{names} 超过 500 MB。请剪短或压缩后重新发送。",
    },
    "upload_next": {
        "en": "Now tell me what to make, e.g. \"combine my clips into a 30-second video\".",
        "zh": "现在告诉我要做什么，例如“把我的片段合成一个 30 秒的视频”。",
    },
    "still_working": {
        "en": "⏳ Still working...",
        "zh": "⏳ 仍在处理中……",
    },
    "edit_done": {
        "en": "Done. {changes}",
        "zh": "完成。{changes}",
    },
    "edit_nothing_changed": {
        "en": "The agent finished without changing the timeline. Try describing the edit "
              "differently.",
        "zh": "处理完成，但时间线没有变化。试试换一种方式描述你的修改。",
    },
    "next_steps": {
        "en": "Next: {steps}",
        "zh": "接下来可以：{steps}",
    },
    "step_title": {"en": "add a title", "zh": "添加标题"},
    "step_music": {"en": "add background music", "zh": "添加背景音乐"},
    "step_trim": {"en": "trim it to 15 seconds", "zh": "剪到 15 秒"},
    "step_export": {"en": "export", "zh": "导出"},
    "step_combine": {"en": "combine my clips", "zh": "合成我的片段"},
    "recovering": {
        "en": "The connection to NemoVideo dropped. Your request was not sent again; "
              "I'm checking whether it went through...",
        "zh": "与 NemoVideo 的连接中断。你的请求不会重复发送，正在检查是否已完成……",
    },
    "recovered": {
        "en": "It went through. {changes}",
        "zh": "已完成。{changes}",
    },
    "recovery_failed": {
        "en": "NemoVideo didn't finish that request. Nothing was charged twice; send it again "
              "to retry.",
        "zh": "NemoVideo 没有完成这个请求，不会重复扣费。重新发送即可重试。",
    },
    "recovery_unchanged": {
        # the stream broke after part of an answer was shown; the project did not change
        "en": "The connection dropped before NemoVideo finished, and the project hasn't "
              "changed since. The answer above may be cut short: send the request again if "
              "something is missing.",
        "zh": "NemoVideo 完成前连接中断，项目此后没有变化。上面的回答可能不完整；如有缺失，请重新发送请求。",
    },
    "timed_out": {
        "en": "NemoVideo has been working for too long without an answer, so I stopped "
              "waiting. Send the request again to retry.",
        "zh": "NemoVideo 长时间没有回应，已停止等待。重新发送请求即可重试。",
    },
    "agent_error_partial": {
        # an error frame after some of the agent's words
        "en": "NemoVideo ran into a problem before finishing, so the answer above may be "
              "incomplete. Try again, or rephrase it.",
        "zh": "NemoVideo 在完成前出错，上面的回答可能不完整。请重试或换一种说法。",
    },
    "agent_error": {
        "en": "NemoVideo ran into a problem with that request. Try again, or rephrase it.",
        "zh": "NemoVideo 处理该请求时出错。请重试或换一种说法。",
    },
    "resumed": {
        "en": "I was restarted while working on \"{text}\". Checking what happened...",
        "zh": "处理“{text}”时服务重启了，正在检查结果……",
    },
    # errors
    "err_no_credits_anonymous": {
        "en": "You're out of credits. Register for free to get more and keep this project: {url}",
        "zh": "积分已用完。免费注册即可获得更多积分并保留此项目：{url}",
    },
    "err_no_credits": {
        "en": "You're out of credits. Top up at nemovideo.com to continue.",
        "zh": "积分已用完。请在 nemovideo.com 充值后继续。",
    },
    "err_no_credits_operator": {
        "en": "This bot's NemoVideo account is out of credits. Please let the person who "
              "runs this bot know.",
        "zh": "此机器人的 NemoVideo 账户积分已用完。请告知运营此机器人的人。",
    },
    "err_unsupported": {
        "en": "NemoVideo can't use that file: its type isn't supported, or it could not be "
              "read as video, image or audio. Accepted formats: {formats}.",
        "zh": "NemoVideo 无法使用该文件：文件类型不受支持，或无法作为视频、图片或音频读取。支持的格式：{formats}。",
    },
    "err_too_large": {
        "en": "That file is over 500 MB. Trim or compress it and send it again.",
        "zh": "文件超过 500 MB。请剪短或压缩后重新发送。",
    },
    "err_export_blocked": {
        "en": "Export isn't available on the current plan (this is not about credits). "
              "Register or upgrade your plan to unlock export.",
        "zh": "当前套餐不支持导出（与积分无关）。注册或升级套餐即可解锁导出。",
    },
    "busy_retrying": {
        # HTTP 429 on the agent call: nothing was processed; it is sent once more
        "en": "NemoVideo is busy right now. I'll send your request again in {seconds} s.",
        "zh": "NemoVideo 当前繁忙，{seconds} 秒后我会再发送一次你的请求。",
    },
    "err_rate_limited": {
        "en": "NemoVideo is busy right now. Try again in a minute.",
        "zh": "NemoVideo 当前繁忙，请一分钟后再试。",
    },
    "err_token_limit": {
        "en": "NemoVideo won't create another free account from this server right now. "
              "Link your own NemoVideo account: send /link <your token> to me in a private chat.",
        "zh": "NemoVideo 暂时无法从此服务器创建更多免费账号。请在私聊中发送 /link <你的令牌> "
              "绑定你自己的 NemoVideo 账号。",
    },
    "err_token_limit_no_link": {
        # as err_token_limit, where /link is turned off (no SECRET_KEY)
        "en": "NemoVideo won't create another free account from this server right now. Try "
              "again later.",
        "zh": "NemoVideo 暂时无法从此服务器创建更多免费账号，请稍后再试。",
    },
    "err_linked_expired": {
        "en": "Your linked NemoVideo token was refused (expired or revoked). Send /link "
              "<new token> in a private chat.",
        "zh": "你绑定的 NemoVideo 令牌已失效。请在私聊中发送 /link <新令牌>。",
    },
    "err_auth": {
        "en": "NemoVideo refused the bot's credentials. Please let the person who runs this "
              "bot know.",
        "zh": "NemoVideo 拒绝了机器人的凭据。请告知此机器人的运营者。",
    },
    "err_auth_told": {
        "en": "NemoVideo refused the bot's credentials. The operator has been told.",
        "zh": "NemoVideo 拒绝了机器人的凭据，已通知运营者。",
    },
    "err_bad_answer": {
        # NemoVideo's answer was not what the contract describes (an HTML page, say)
        "en": "NemoVideo sent an answer I can't read (error {error_id}). Try again in a few "
              "minutes.",
        "zh": "NemoVideo 返回了无法识别的回答（错误 {error_id}），请几分钟后再试。",
    },
    "err_project_lost_again": {
        "en": "NemoVideo can't find the new project either. Try again in a few minutes.",
        "zh": "NemoVideo 也找不到新建的项目。请几分钟后再试。",
    },
    "err_file_unavailable": {
        "en": "I couldn't fetch the file you sent from the chat app, so it was not "
              "uploaded. Please send it again.",
        "zh": "我无法从聊天应用取得你发送的文件，所以没有上传。请重新发送。",
    },
    "err_files_unavailable": {
        "en": "I couldn't fetch {name} from the chat app, so none of the {count} files you "
              "sent were uploaded. Please send them again.",
        "zh": "我无法从聊天应用取得 {name}，所以你发送的 {count} 个文件都没有上传。请重新发送。",
    },
    "err_unavailable": {
        "en": "NemoVideo isn't answering right now. Try again in a few minutes.",
        "zh": "NemoVideo 暂时无法访问，请几分钟后再试。",
    },
    "err_unexpected": {
        "en": "Sorry, something went wrong on my side (error {error_id}).",
        "zh": "抱歉，出了点问题（错误编号 {error_id}）。",
    },
    # /link
    "link_private_only": {
        "en": "For your safety, /link works only in a private chat with me. "
              "If you sent a token here, revoke it on nemovideo.com.",
        "zh": "为了安全，/link 只能在与我的私聊中使用。如果你在这里发送了令牌，请到 nemovideo.com 作废它。",
    },
    "link_private_only_not_deleted": {
        "en": "For your safety, /link works only in a private chat with me. I couldn't delete "
              "your message here (I'm not allowed to): delete it yourself and revoke the token "
              "on nemovideo.com.",
        "zh": "为了安全，/link 只能在与我的私聊中使用。我无权删除你在这里的消息：请自行删除，"
              "并到 nemovideo.com 作废该令牌。",
    },
    "link_usage": {
        "en": "Send /link followed by your NemoVideo token (it starts with nmv_usr_).",
        "zh": "发送 /link 加上你的 NemoVideo 令牌（以 nmv_usr_ 开头）。",
    },
    "link_done": {
        "en": "Linked: this chat now uses your own NemoVideo account. I deleted your message "
              "with the token.",
        "zh": "绑定成功：此聊天现在使用你自己的 NemoVideo 账号。含令牌的消息已删除。",
    },
    "link_done_not_deleted": {
        "en": "Linked: this chat now uses your own NemoVideo account. Delete your message "
              "with the token.",
        "zh": "绑定成功：此聊天现在使用你自己的 NemoVideo 账号。请删除含令牌的消息。",
    },
    "link_refused": {
        "en": "NemoVideo didn't accept that token. Check it and try again.",
        "zh": "NemoVideo 不接受该令牌，请检查后重试。",
    },
    "export_unavailable": {
        "en": "Export isn't available here right now.",
        "zh": "此处暂时无法导出。",
    },
})
