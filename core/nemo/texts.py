"""How a timeline and its changes are worded for users (other languages: `core/locales`).

Used by `Draft.summary` and `core.nemo.draft_diff`; names, texts and times stay as
they are, only the words around them are translated.
"""

from __future__ import annotations

from core.i18n import texts

texts({
    "timeline.empty": {"en": "Timeline is empty", "zh": "时间线为空"},
    "timeline.summary_one": {"en": "Timeline (1 track): {items}",
                             "zh": "时间线（1 条轨道）：{items}"},
    "timeline.summary": {"en": "Timeline ({count} tracks): {items}",
                         "zh": "时间线（{count} 条轨道）：{items}"},
    "timeline.item": {"en": "{number}. {kind}: {label} ({details})",
                      "zh": "{number}. {kind}：{label}（{details}）"},
    "timeline.video": {"en": "Video", "zh": "视频"},
    "timeline.bgm": {"en": "BGM", "zh": "背景音乐"},
    "timeline.music": {"en": "Music", "zh": "音乐"},
    "timeline.title": {"en": "Title", "zh": "标题"},
    "timeline.track": {"en": "Track", "zh": "轨道"},
    "timeline.track_type": {"en": "Track (type {code})", "zh": "轨道（类型 {code}）"},
    "timeline.more": {"en": "{label} + {count} more", "zh": "{label} 及另外 {count} 段"},
    "timeline.untitled": {"en": "untitled", "zh": "未命名"},
    "timeline.track_empty": {"en": "empty", "zh": "空"},
    "change.named": {"en": "{prefix} ({label})", "zh": "{prefix}（{label}）"},
    "change.replaced": {"en": "{prefix} changed: {old} -> {new} ({details})",
                        "zh": "{prefix}已更换：{old} -> {new}（{details}）"},
    "change.track": {"en": "{prefix}: {parts}", "zh": "{prefix}：{parts}"},
    "change.clips_one": {"en": "1 clip", "zh": "1 个片段"},
    "change.clips": {"en": "{count} clips", "zh": "{count} 个片段"},
    "change.reordered": {"en": "clips reordered", "zh": "片段顺序已调整"},
    "change.clips_changed": {"en": "clips changed", "zh": "片段已更改"},
    "change.volume_set": {"en": "{prefix} volume set to {volume}%",
                          "zh": "{prefix}音量设为 {volume}%"},
    "change.volume_default": {"en": "{prefix} volume back to default",
                              "zh": "{prefix}音量恢复默认"},
    "change.volume": {"en": "{prefix} volume {old}% -> {new}%",
                      "zh": "{prefix}音量 {old}% -> {new}%"},
    "change.removed": {"en": "{prefix} removed: {label}", "zh": "已移除{prefix}：{label}"},
    "change.added": {"en": "{prefix} added: {label} ({details})",
                     "zh": "已添加{prefix}：{label}（{details}）"},
    "change.title_changed": {"en": "Title changed: {old} -> {new}",
                             "zh": "标题已修改：{old} -> {new}"},
    "change.title_moved": {"en": "Title {label}: {moved}", "zh": "标题 {label}：{moved}"},
    "change.title_removed": {"en": "Title removed: {label}", "zh": "已移除标题：{label}"},
    "change.title_added": {"en": "Title added: {label} ({span})",
                           "zh": "已添加标题：{label}（{span}）"},
    "change.project_title": {"en": "Project title: '{old}' -> '{new}'",
                             "zh": "项目标题：“{old}” -> “{new}”"},
    "change.canvas": {"en": "Canvas: {old} -> {new}", "zh": "画布：{old} -> {new}"},
})
