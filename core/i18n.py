"""User-facing texts in English, Chinese (simplified), Spanish, Japanese and Brazilian
Portuguese.

Each feature registers its texts with `texts({key: {"en": ..., "zh": ...}})` next to
its code (English is required; any other language may be given there too). The other
languages' translations live in one catalog per language (`core/locales/`), the way a
translator works: a text without a translation falls back to English, and the catalog
test (`tests/core/test_i18n.py`) lists what is missing. `t(lang, key, **kw)` picks the
language; `ui_language` maps any platform code onto one of the five.
"""

from __future__ import annotations

import hashlib
import re
import string

from core.locales import CATALOGS, SOURCES

#: the reply languages, in the order they are offered
LANGUAGES = ("en", "zh", "es", "ja", "pt-BR")
#: kept for callers of the two-language days
SUPPORTED = LANGUAGES
#: each language's name in itself (what a language picker shows)
NAMES = {
    "en": "English",
    "zh": "简体中文",
    "es": "Español",
    "ja": "日本語",
    "pt-BR": "Português (Brasil)",
}

_SOURCES: dict[str, dict[str, str]] = {}

# what a user may type after /language, besides the codes and the names above
_ALIASES = {
    "en": ("english", "inglés", "ingles", "inglês", "英语", "英文", "英語"),
    "zh": ("chinese", "中文", "汉语", "简体", "简体中文", "chino", "chinês", "chines", "中国語",
           "cn", "zh-cn", "zh-hans"),
    "es": ("spanish", "español", "espanol", "castellano", "espanhol", "西班牙语", "スペイン語"),
    "ja": ("japanese", "日本語", "日语", "日文", "japonés", "japones", "japonês", "jp"),
    "pt-BR": ("portuguese", "português", "portugues", "brasileiro", "brasil", "br", "pt",
              "pt-br", "portugués", "葡萄牙语", "ポルトガル語"),
}
_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")


def texts(entries: dict[str, dict[str, str]]) -> None:
    """Register texts: `{key: {"en": ..., "zh": ...}}`. English is required."""
    for key, variants in entries.items():
        if "en" not in variants:
            raise ValueError(f"text {key!r} has no English version")
        unknown = set(variants) - set(LANGUAGES)
        if unknown:
            raise ValueError(f"text {key!r}: unknown language(s) {sorted(unknown)}")
        if key in _SOURCES and _SOURCES[key] != variants:
            raise ValueError(f"text {key!r} registered twice")
        _SOURCES[key] = variants


def ui_language(code: str | None) -> str:
    """The reply language for any language code: a platform's ("zh-hans", "pt_BR",
    "es-419", "ja"), NemoVideo's ("zh-CN") or ours; English for anything else."""
    if not code:
        return "en"
    lower = code.strip().replace("_", "-").lower()
    if lower in ("pt", "pt-br") or lower.startswith("pt-"):
        return "pt-BR"
    base = lower.split("-", 1)[0]
    return base if base in ("zh", "es", "ja") else "en"


def parse_language(text: str) -> str | None:
    """The language a user asked for (`/language es`, "español", "pt-BR", "日本語"); None
    when it is not one of ours."""
    lower = text.strip().strip(".!。！").replace("_", "-").lower()
    if not lower:
        return None
    for code in LANGUAGES:
        if lower in (code.lower(), NAMES[code].lower(), *_ALIASES[code]):
            return code
    if _TAG.match(lower) and lower.split("-", 1)[0] in ("en", "zh", "es", "ja", "pt"):
        return ui_language(lower)
    return None


def nemo_language(code: str | None) -> str:
    """The session language NemoVideo expects (ISO code: en, zh-CN, ja, es, pt-BR...)."""
    if not code:
        return "en"
    lower = code.strip().replace("_", "-").lower()
    if lower.startswith("zh"):
        return "zh-TW" if lower in ("zh-tw", "zh-hant", "zh-hk") else "zh-CN"
    if lower == "pt" or lower.startswith("pt-"):
        return "pt-BR"
    base = lower.split("-", 1)[0]
    return base if _TAG.match(base) else "en"


def t(lang: str | None, key: str, **kwargs: object) -> str:
    """The text `key` in `lang` (falling back to English), formatted with kwargs."""
    template = variant(key, ui_language(lang)) or _SOURCES[key]["en"]
    return template.format(**kwargs) if kwargs else template


def variant(key: str, lang: str) -> str | None:
    """The text `key` as written in `lang`, or None when it has no such translation
    (KeyError for a key nobody registered)."""
    variants = _SOURCES[key]
    return variants.get(lang) or CATALOGS.get(lang, {}).get(key)


def registered() -> dict[str, dict[str, str]]:
    """Every registered text with all its translations (inline and from the catalogs)."""
    return {key: {lang: text for lang in LANGUAGES if (text := variant(key, lang))}
            for key in _SOURCES}


def fields(template: str) -> set[str]:
    """The placeholders of a text: "{count} file(s)" -> {"count"}."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return names


_COMMAND = re.compile(r"(?<![\w/.:])/[a-z_]+\b")


def fingerprint(text: str) -> str:
    """A short fingerprint of a text (what `core/locales/sources.py` records)."""
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def problems() -> list[str]:
    """What is wrong with the texts registered so far: a missing translation, other
    placeholders or other /commands than the English text, English that changed since
    the translations were made (`core/locales/sources.py`), a catalog entry that no
    feature registers or that contradicts one given inline. Empty when all is well."""
    found: list[str] = []
    for key, variants in sorted(_SOURCES.items()):
        english = variants["en"]
        if (all(variant(key, lang) for lang in LANGUAGES[1:])
                and SOURCES.get(key) != fingerprint(english)):
            found.append(f"{key}: the English is new or changed since it was translated; "
                         f"check the translations against it, then stamp "
                         f"(English: {english!r})")
        for lang in LANGUAGES[1:]:
            text = variant(key, lang)
            if text is None:
                found.append(f"{key}: no {lang} text (English: {english!r})")
                continue
            if fields(text) != fields(english):
                found.append(f"{key}: {lang} placeholders {sorted(fields(text))} differ from "
                             f"English {sorted(fields(english))}")
            if set(_COMMAND.findall(text)) != set(_COMMAND.findall(english)):
                found.append(f"{key}: {lang} names other commands than English")
            inline, listed = variants.get(lang), CATALOGS.get(lang, {}).get(key)
            if inline and listed and inline != listed:
                found.append(f"{key}: {lang} given inline and in the catalog, differently")
    for lang, catalog in CATALOGS.items():
        found += [f"{key}: {lang} catalog entry for a text nobody registers"
                  for key in sorted(set(catalog) - set(_SOURCES))]
    return found
