"""User-facing texts in English and Chinese.

Each module registers its own texts with `texts(...)`; `t(lang, key, **kw)`
picks the user's language and falls back to English.
"""

from __future__ import annotations

_CATALOG: dict[str, dict[str, str]] = {}

SUPPORTED = ("en", "zh")


def texts(entries: dict[str, dict[str, str]]) -> None:
    """Register texts: `{key: {"en": ..., "zh": ...}}`. English is required."""
    for key, variants in entries.items():
        if "en" not in variants:
            raise ValueError(f"text {key!r} has no English version")
        if key in _CATALOG and _CATALOG[key] != variants:
            raise ValueError(f"text {key!r} registered twice")
        _CATALOG[key] = variants


def ui_language(code: str | None) -> str:
    """The reply language for a platform language code ("zh-hans" -> "zh", else "en")."""
    if code and code.lower().startswith("zh"):
        return "zh"
    return "en"


def nemo_language(code: str | None) -> str:
    """The session language NemoVideo expects (ISO code: en, zh-CN, ja, es...)."""
    if not code:
        return "en"
    code = code.replace("_", "-")
    lower = code.lower()
    if lower.startswith("zh"):
        return "zh-TW" if lower in ("zh-tw", "zh-hant", "zh-hk") else "zh-CN"
    return lower.split("-", 1)[0] or "en"


def t(lang: str | None, key: str, **kwargs: object) -> str:
    """The text `key` in `lang` (falling back to English), formatted with kwargs."""
    variants = _CATALOG[key]
    template = variants.get(ui_language(lang)) or variants["en"]
    return template.format(**kwargs) if kwargs else template
