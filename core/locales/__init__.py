"""Translations, one catalog per language: `{text key: text}`.

English (and usually Chinese) is written next to the code that uses a text
(`core.i18n.texts`); the catalogs hold the other languages (a language's catalog may
span two modules, `es` and `es_more`, to keep each readable). A text missing from a
catalog falls back to English; `tests/core/test_i18n.py` (or
`.venv/bin/python -m tests.kits.texts`) lists every missing or inconsistent entry
(same placeholders, same /commands as the English text) and every text whose English
changed since it was translated (`sources.py`; stamp it again once checked).
"""

from __future__ import annotations

from core.locales import es, es_more, ja, ja_more, pt_br, pt_br_more, zh
from core.locales.sources import SOURCES

#: language code -> {text key: text}
CATALOGS: dict[str, dict[str, str]] = {
    "zh": zh.TEXTS,
    "es": {**es.TEXTS, **es_more.TEXTS},
    "ja": {**ja.TEXTS, **ja_more.TEXTS},
    "pt-BR": {**pt_br.TEXTS, **pt_br_more.TEXTS},
}

__all__ = ["CATALOGS", "SOURCES"]
