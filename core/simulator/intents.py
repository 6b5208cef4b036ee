"""Understanding a user's message: a small, deterministic set of editing instructions.

English, and a few Chinese phrasings. Several instructions may share one message
("combine my clips into a 20-second video and add the title 'Trip'").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.language_guess import guess_language
from core.simulator import durations

_CJK = re.compile(r"[\u3400-\u9fff]")
_QUOTED = re.compile(
    r"\"([^\"]+)\"|“([^”]+)”|「([^」]+)」|『([^』]+)』|‘([^’]+)’|(?<![\w])'([^']+)'(?![\w])"
)
_PERCENT = re.compile(r"(\d{1,3})\s*(?:%|％|percent)", re.IGNORECASE)

_REMOVE_WORDS = r"remove|delete|drop|get rid of|take out|take off|clear|no more"
_REMOVE = rf"(?:{_REMOVE_WORDS})"
_REMOVE_ZH = r"(?:删除|去掉|移除|删掉|去除|关掉|不要)"
_MUSIC = r"(?:music|bgm|soundtrack|song|tune)"
_MUSIC_ZH = r"(?:音乐|配乐|背景音乐|bgm|BGM)"

_REMOVE_TITLE = re.compile(rf"\b{_REMOVE}\b[^.;]{{0,30}}\btitle|{_REMOVE_ZH}.{{0,6}}标题", re.I)
_REMOVE_MUSIC = re.compile(
    rf"\b(?:{_REMOVE_WORDS}|mute)\b[^.;]{{0,30}}\b{_MUSIC}|{_REMOVE_ZH}.{{0,6}}{_MUSIC_ZH}", re.I
)
_ADD_MUSIC = re.compile(
    rf"\b(?:add|put|use|include|with|play|give it)\b[^.;]{{0,60}}\b{_MUSIC}"
    rf"|(?:加|添加|配上|加上|来点|放).{{0,10}}{_MUSIC_ZH}",
    re.I,
)
_VOLUME = re.compile(
    r"\bvolume\b|\blouder\b|\bquieter\b|\bsofter\b|\bturn (?:it |the music )?(?:up|down)\b"
    r"|\b(?:lower|raise|reduce|increase)\b[^.;]{0,20}\b(?:music|bgm)\b|音量|大声|小声",
    re.I,
)
_LOUDER = re.compile(
    r"\blouder\b|\bturn (?:it |the music )?up\b|\braise\b|\bincrease\b|大声|调高", re.I
)
_TITLE = re.compile(r"\btitle\b|\bheadline\b|标题", re.I)
_TITLE_TEXT = re.compile(
    r"(?:title|headline)\s*(?:to|of|as|saying|that says|reading|:|=)?\s*"
    r"(?!and\b|with\b)(?P<text>[^,.;!?\n]+?)\s*(?:$|[,.;!?\n]|\band\b|\bwith\b)",
    re.I,
)
_TITLE_TEXT_ZH = re.compile(r"标题(?:改为|改成|换成)?[：:\s为是叫]*(?P<text>[^，。,.;；!！?？\n]+)")
_COMBINE = re.compile(
    r"\b(?:combine|merge|join|stitch|put together|concatenate|compile|splice)\b"
    r"|\bmy (?:clips|videos|photos|pictures|images|files)\b|合并|拼接|合成|串起来",
    re.I,
)
_TRANSITIONS = re.compile(r"transition|crossfade|fade|转场|过渡", re.I)
_TRIM = re.compile(
    r"\b(?:trim|cut|shorten|shorter|make (?:it|this|the video)|reduce it|keep (?:only )?the first"
    r"|extend|lengthen|longer|length|duration|long)\b"
    r"|剪到|裁剪|缩短|剪成|剪短|做成|变成|改成|延长|时长",
    re.I,
)
#: the start of the video cut off: "trim the first 5 seconds", "cut 2 s from the start"
_CUT_START = re.compile(
    r"\b(?:trim|cut|remove|drop|delete|skip|chop)\b(?: off)?(?: the)? first\b"
    r"|\b(?:from|off|at) the (?:start|beginning)\b|(?:去掉|剪掉|删掉|删除|裁掉)(?:开头|前)",
    re.I,
)
_GENERATE = re.compile(
    r"\b(?:create|make|produce)\s+(?:me\s+)?(?:a|an|one|some|new)\b[^.;]{0,40}"
    r"\b(?:video|clip|animation|footage|scene)s?\b|\bgenerate\b|生成",
    re.I,
)
_PROMPT = re.compile(
    r"\b(?:of|about|showing|featuring|depicting|with)\b\s+(?P<text>.+)$|生成(?:一[个段])?(?P<zh>.+?)(?:的)?(?:视频|短片)",
    re.I,
)
_GENRES = {
    "lo-fi": "Lo-fi",
    "lofi": "Lo-fi",
    "jazz": "Jazz",
    "piano": "Piano",
    "rock": "Rock",
    "ambient": "Ambient",
    "upbeat": "Upbeat",
    "epic": "Epic",
    "chill": "Chill",
    "classical": "Classical",
    "electronic": "Electronic",
    "轻音乐": "Light",
    "爵士": "Jazz",
    "钢琴": "Piano",
    "摇滚": "Rock",
}

_UNSUPPORTED: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(p, re.I), en, zh)
    for p, en, zh in (
        (r"\bblack[ -]and[ -]white\b|\bgr[ae]yscale\b|\bmonochrome\b|黑白",
         "turn clips black and white", "把片段变成黑白"),
        (r"\bslow[ -]?mo(?:tion)?\b|\bspeed (?:it )?up\b|\bslow (?:it )?down\b|\bspeed\b"
         r"|慢动作|加速|减速|倍速", "change the speed", "调整速度"),
        (r"\breverse\b|\bbackwards?\b|倒放", "play clips backwards", "倒放片段"),
        (r"\bcrop\b|\bzoom\b|裁切|放大", "crop or zoom", "裁切或缩放画面"),
        (r"\brotate\b|\bflip\b|\bmirror\b|旋转|翻转|镜像", "rotate or flip clips",
         "旋转或翻转画面"),
        (r"\bsubtitles?\b|\bcaptions?\b|字幕", "add subtitles", "添加字幕"),
        (r"\bfilters?\b|\bcolou?r grad\w*|\bsepia\b|\bvintage\b|\bblur\b|滤镜|调色|模糊",
         "apply filters or colour grading", "添加滤镜或调色"),
        (r"\bvoice[ -]?over\b|\bnarrat\w+|配音|旁白|解说", "record a voice-over", "添加配音"),
        (r"\bsticker\b|\blogo\b|\bwatermark\b|贴纸|水印", "add stickers, logos or watermarks",
         "添加贴纸、标志或水印"),
        (r"(?<![\w-])(?:first|second|third|fourth|fifth|last|\d+(?:st|nd|rd|th))"
         r" (?:clip|video|photo)\b"
         r"|第[一二三四五六七八九十\d]+(?:个|段)", "edit one clip on its own",
         "单独编辑某一个片段"),
    )
]

@dataclass(frozen=True)
class Op:
    """One editing instruction.

    `kind` is one of: generate, combine, trim (to a length), cut_start (the first
    seconds off), title, remove_title, music, volume, remove_music, regenerate (in the
    aspect ratio `text`).
    """

    kind: str
    seconds: float | None = None
    text: str | None = None
    volume: int | None = None
    step: int | None = None
    fades: bool = False


def is_chinese(text: str) -> bool:
    """Whether a message is Chinese: as the bot reads languages when that is clear ("add
    the title 東京の夜" is English), else whether it has Chinese characters at all."""
    guessed = guess_language(text)
    return guessed == "zh" if guessed is not None else bool(_CJK.search(text))


def seconds_in(text: str) -> float | None:
    """A duration mentioned in the text ("20-second", "1 minute", "30s", "一分钟")."""
    return durations.seconds_in(text)


def quoted(text: str) -> list[tuple[int, str]]:
    """Quoted strings with their positions."""
    found = []
    for match in _QUOTED.finditer(text):
        value = next(g for g in match.groups() if g is not None).strip()
        if value:
            found.append((match.start(), value))
    return found


def genre_in(text: str) -> str | None:
    """A music genre named in the text (whole words; Chinese names anywhere)."""
    for key, name in _GENRES.items():
        if mentions(text, key):
            return name
    return None


def mentions(text: str, word: str) -> bool:
    """Whether `word` is in `text` as a whole word ("hi" is not in "white"); a Chinese
    word is found anywhere, as Chinese has no spaces between words."""
    if is_chinese(word):
        return word in text
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, re.I) is not None


def unsupported_in(text: str) -> list[str]:
    """What the message asks for that the simulator cannot do, in words ("turn clips
    black and white")."""
    chinese = is_chinese(text)
    return [zh if chinese else en for pattern, en, zh in _UNSUPPORTED if pattern.search(text)]


def _title_text(text: str) -> str | None:
    title = _TITLE.search(text)
    if title is None:
        return None
    strings = quoted(text)
    after = [value for pos, value in strings if pos >= title.start()]
    if after or strings:
        return (after or [strings[0][1]])[0]
    match = _TITLE_TEXT_ZH.search(text) or _TITLE_TEXT.search(text, title.start())
    if match is None:
        return None
    value = match.group("text").strip().strip("\"'")
    if value.lower() in ("", "a", "the", "some", "it", "一个"):
        return None
    return value


def _prompt(text: str) -> str:
    match = _PROMPT.search(text)
    if match:
        value = (match.group("text") or match.group("zh") or "").strip()
    else:
        value = _GENERATE.sub("", text).strip()
    value = durations.without_durations(value)
    value = re.sub(r"\b(?:a|an)\s*-?\s*(?=video|clip)", "", value, flags=re.I)
    value = re.sub(r"\s+", " ", value).strip(" .,!?;:-。，！")
    return value or "a short scene"


#: "regenerate the video in 9:16": the project remade in another aspect ratio
_REGENERATE = re.compile(r"\bregenerate\b|重新生成", re.I)
_ASPECT = re.compile(r"(?<![\d:])(\d{1,2})\s*:\s*(\d{1,2})(?![\d:])")


def parse(message: str) -> list[Op]:
    """The instructions in a message, in the order they should be applied."""
    text = message.strip()
    ops: list[Op] = []
    aspect = _ASPECT.search(text)
    if _REGENERATE.search(text) and aspect and int(aspect[1]) and int(aspect[2]):
        return [Op("regenerate", text=f"{int(aspect[1])}:{int(aspect[2])}")]
    seconds = seconds_in(text)
    if seconds and _CUT_START.search(text):  # "trim the first 5 seconds": off the start
        return [Op("cut_start", seconds=seconds)]
    combine = bool(_COMBINE.search(text))
    if not combine and _GENERATE.search(text):
        ops.append(Op("generate", seconds=seconds or 5.0, text=_prompt(text)))
        return ops
    if combine:
        ops.append(Op("combine", seconds=seconds, fades=bool(_TRANSITIONS.search(text))))
    elif seconds and _TRIM.search(text):
        ops.append(Op("trim", seconds=seconds))
    if _REMOVE_TITLE.search(text):
        ops.append(Op("remove_title"))
    elif _TITLE.search(text):
        ops.append(Op("title", text=_title_text(text)))
    percent = _PERCENT.search(text)
    volume = min(100, int(percent.group(1))) if percent else None
    if _REMOVE_MUSIC.search(text):
        ops.append(Op("remove_music"))
    elif _ADD_MUSIC.search(text):
        ops.append(Op("music", volume=volume, text=genre_in(text)))
    elif _VOLUME.search(text):
        step = 20 if _LOUDER.search(text) else -20
        ops.append(Op("volume", volume=volume, step=None if volume is not None else step))
    return ops
