"""The language a message is written in, when that is clear.

Scripts decide first, when they outweigh the Latin words (two characters to a
word): kana is Japanese; Chinese characters without kana are Chinese, unless the
user's own language is Japanese (then they are kanji).
Latin text is read by a small count of words that belong to one language only
("el", "con", "quiero" are Spanish; "o", "com", "quero" Portuguese; "the",
"with", "make" English) and of letters only one of them uses (ñ, ¿; ã, ç).
Short or mixed messages ("ok", "export", "exportar", a link, a file name) give
no answer: the user's setting decides those. Quoted text, links, mentions and
file names are content, not the message's language, and are left out.
"""

from __future__ import annotations

import re

_CONTENT = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\w+|<[@#][!&]?\d+>|@\w+"
    r"|\S+\.(?:mp4|mov|avi|webm|mkv|jpe?g|png|gif|webp|mp3|wav|m4a|aac)\b"
    r'|"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|「[^」\n]*」|『[^』\n]*』|`[^`\n]*`',
    re.I,
)
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
_WORD = re.compile(r"[a-zà-öø-ÿ]+(?:'[a-z]+)?")

_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "the", "and", "with", "my", "to", "of", "this", "that", "it", "it's", "is", "are",
        "please", "make", "add", "into", "for", "from", "you", "your", "can", "could", "i",
        "an", "some", "all", "remove", "put", "then", "in", "on", "at", "what", "how", "want",
        "would", "like", "change", "cut", "trim", "seconds", "title", "music", "background",
        "hello", "thanks", "thank", "give", "show", "let's", "don't", "isn't", "there"
    }),
    "es": frozenset({
        "el", "los", "las", "del", "y", "con", "mi", "mis", "una", "un", "es", "al", "esto",
        "eso", "quiero", "quisiera", "hazlo", "haz", "hazme", "añade", "añadir", "agrega",
        "agregar", "quita", "quitar", "quítale", "pon", "ponle", "ponme", "hola", "gracias",
        "cómo", "qué", "más", "también", "pero", "ahora", "hacer", "dame", "muestra",
        "muéstrame", "crea", "crear", "fondo", "sin", "después", "luego", "hasta", "cuántos",
        "cuánto", "tengo", "hay", "puedes", "podrías", "usa", "elimina", "borra"
    }),
    "pt": frozenset({
        "o", "os", "e", "com", "meu", "minha", "meus", "minhas", "da", "dos", "das", "um",
        "uma", "é", "ao", "você", "voce", "não", "nao", "isso", "isto", "quero", "queria",
        "olá", "oi", "obrigado", "obrigada", "agora", "fazer", "faça", "faz", "adicione",
        "adiciona", "acrescente", "coloque", "coloca", "põe", "tire", "remova", "remover",
        "crie", "criar", "mostre", "mostra", "fundo", "sem", "depois", "então", "até", "também",
        "mais", "pra", "na", "num", "numa", "em", "eu", "tenho", "quantos", "quanto", "pode",
        "poderia", "apague"
    }),
}
_GREETINGS = {"hola": "es", "gracias": "es", "olá": "pt", "oi": "pt", "obrigado": "pt",
              "obrigada": "pt", "hello": "en", "thanks": "en"}
_LETTERS = {"es": re.compile(r"[ñ¿¡]"), "pt": re.compile(r"[ãõçêô]")}
_CODES = {"en": "en", "es": "es", "pt": "pt-BR"}


def guess_language(text: str, hint: str | None = None) -> str | None:
    """"zh", "ja", "es", "pt-BR" or "en" when `text` is clearly written in it, else None.

    `hint` is the user's own language: it tells kanji from Chinese.
    """
    if not text or text.lstrip().startswith("/"):
        return None  # a command: its words are not the user's language
    plain = _CONTENT.sub(" ", text).lower()
    words = _WORD.findall(plain)
    kana, han = len(_KANA.findall(plain)), len(_HAN.findall(plain))
    if len(_HANGUL.findall(plain)) > kana + han:
        return None
    # a word of Chinese or Japanese is two characters or so: "add the title 東京の夜" is
    # an English request with a Japanese title, "把标题改成 Urban Dreams" a Chinese one
    if kana + han and kana + han >= 2 * len(words):
        if kana:
            return "ja"
        return "ja" if hint == "ja" else "zh"
    return _latin(plain, words)


def _latin(plain: str, words: list[str]) -> str | None:
    scores = {lang: sum(1 for w in words if w in vocabulary)
              for lang, vocabulary in _WORDS.items()}
    for word in words:
        if word in _GREETINGS:
            scores[_GREETINGS[word]] += 1  # a greeting counts twice: "hola" alone is clear
    for lang, letters in _LETTERS.items():
        if letters.search(plain):
            scores[lang] += 2
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top >= 2 and top >= 2 * second:
        return _CODES[best]
    return None
