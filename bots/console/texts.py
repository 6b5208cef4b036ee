"""What the terminal chat itself says, in English and Chinese."""

from __future__ import annotations

from core.i18n import texts

texts({
    "console.intro": {
        "en": "Type a message and press Enter. /attach FILE ... sends files, /help lists the "
              "commands, Ctrl-C stops what is running, Ctrl-D or /quit leaves.",
        "zh": "输入消息后按回车。/attach 文件 … 发送文件，/help 查看命令，Ctrl-C 停止正在进行的操作，"
              "Ctrl-D 或 /quit 退出。",
    },
    "console.help": {
        "en": "In this terminal:\n"
              "  /attach FILE ...   send files: paths from {start}, ~ and wildcards work "
              "(/attach ~/clips/*.mp4); quote names with spaces: /attach \"my clip.mp4\"\n"
              "  /quit              leave (Ctrl-D does too; Ctrl-C stops what is running)\n"
              "  1, 2, ...          pick one of the numbered choices under a message\n"
              "Finished videos are saved to {downloads}.\n"
              "The chat commands:",
        "zh": "在终端中：\n"
              "  /attach 文件 …     发送文件：路径相对于 {start}，支持 ~ 和通配符"
              "（/attach ~/clips/*.mp4）；含空格的文件名请加引号：/attach \"my clip.mp4\"\n"
              "  /quit              退出（也可按 Ctrl-D；Ctrl-C 停止正在进行的操作）\n"
              "  1、2 …             选择消息下方的编号选项\n"
              "完成的视频保存在 {downloads}。\n"
              "聊天命令：",
    },
    "console.unknown_command": {
        "en": "/{name} is not a command. Type /help.",
        "zh": "/{name} 不是命令。输入 /help 查看命令。",
    },
    "console.attach_usage": {
        "en": "Usage: /attach FILE [FILE ...] (for example /attach clip.mp4 song.mp3).",
        "zh": "用法：/attach 文件 [文件 …]（例如 /attach clip.mp4 song.mp3）。",
    },
    "console.not_found": {
        "en": "Not found in {start}: {names}.",
        "zh": "在 {start} 中找不到：{names}。",
    },
    "console.folder": {
        # /attach named a folder
        "en": "{names}: a folder. Attach the files in it: /attach \"{names}\"/*",
        "zh": "{names}：这是文件夹。请附加其中的文件：/attach \"{names}\"/*",
    },
    "console.quote_hint": {
        "en": "Put names with spaces in quotes: /attach \"my clip.mp4\".",
        "zh": "含空格的文件名请加引号：/attach \"my clip.mp4\"。",
    },
    "console.bad_quotes": {
        "en": "Could not read that line ({error}). Quote names with spaces: "
              "/attach \"my clip.mp4\".",
        "zh": "无法解析这一行（{error}）。含空格的文件名请加引号：/attach \"my clip.mp4\"。",
    },
    "console.no_choice": {
        "en": "There is no choice {number} right now.",
        "zh": "现在没有编号为 {number} 的选项。",
    },
    "console.choices": {
        "en": "Type a number to choose:",
        "zh": "输入编号进行选择：",
    },
    "console.stopping": {
        "en": "Stopping… (press Ctrl-C again to leave)",
        "zh": "正在停止…（再按一次 Ctrl-C 退出）",
    },
    "console.again_to_quit": {
        "en": "Press Ctrl-C again or Ctrl-D to leave.",
        "zh": "再按一次 Ctrl-C 或按 Ctrl-D 退出。",
    },
    "console.wait_renders": {
        "en": "{count} render(s) still running. Wait for them? [Y/n] ",
        "zh": "还有 {count} 个渲染正在进行。等待它们完成吗？[Y/n] ",
    },
    "console.waiting": {
        "en": "Waiting for {count} render(s)… (Ctrl-C to leave now)",
        "zh": "正在等待 {count} 个渲染…（按 Ctrl-C 立即退出）",
    },
    "console.left_renders": {
        "en": "Left with {count} render(s) unfinished: the next `nemobot chat` delivers them.",
        "zh": "仍有 {count} 个渲染未完成：下次运行 `nemobot chat` 时会送达。",
    },
    "console.saved": {
        "en": "saved to {path}",
        "zh": "已保存到 {path}",
    },
    "console.link": {
        "en": "{label}: {url}",
        "zh": "{label}：{url}",
    },
    "console.uploading": {"en": "Uploading", "zh": "上传中"},
    "console.uploaded": {"en": "Uploaded", "zh": "已上传"},
    "console.rendering": {"en": "Rendering", "zh": "渲染中"},
    "console.rendered": {"en": "Rendered", "zh": "已渲染"},
    "console.stopped": {"en": "Stopped", "zh": "已停止"},
    "console.left": {"en": "left", "zh": "剩余"},
    "console.of": {"en": "of", "zh": "/"},
    "console.error_logged": {
        "en": "(an error was logged in {path})",
        "zh": "（错误已记录到 {path}）",
    },
    "console.try_simulate": {
        # after "NemoVideo is not reachable at ..." at the start of the terminal chat
        "en": "To try the bot without NemoVideo, run `nemobot chat --simulate` (the built-in "
              "simulator).",
        "zh": "要在没有 NemoVideo 的情况下试用，请运行 `nemobot chat --simulate`（内置模拟器）。",
    },
})
