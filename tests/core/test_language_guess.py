"""Which language a message is clearly written in (and when that is not clear)."""

from __future__ import annotations

import pytest

from core.language_guess import guess_language


@pytest.mark.parametrize(("text", "expected"), [
    ("你好", "zh"),
    ("余额", "zh"),
    ("把我的片段合成一个 30 秒的视频", "zh"),
    ("書き出してください", "ja"),
    ("クレジット", "ja"),
    ("クリップをつなげて 30 秒の動画にして", "ja"),
    ("hola", "es"),
    ("haz un video con mis clips y ponle música", "es"),
    ("¿cuántos créditos tengo?", "es"),
    ("quita el título", "es"),
    ("olá", "pt-BR"),
    ("faça um vídeo com meus clipes e coloque música", "pt-BR"),
    ("tire o título", "pt-BR"),
    ("quantos créditos eu tenho", "pt-BR"),
    ("make it 30 seconds", "en"),
    ("combine my clips into a video with music", "en"),
    ("hello", "en"),
    ('add the title "你好世界" at the start', "en"),
    ("add the title 東京の夜 ✨ Café", "en"),  # an English request, a Japanese title
    ("把标题改成 Urban Dreams", "zh"),  # a Chinese request, an English title
])
def test_clear_languages(text: str, expected: str) -> None:
    assert guess_language(text) == expected


@pytest.mark.parametrize("text", [
    "", "ok", "OK!", "export", "exportar", "créditos", "status", "music", "👍", "30s",
    "https://example.com/clip.mp4", "clip.mp4", "/language es", "/credits", "안녕하세요",
    "Привет", "video", "no",
])
def test_short_or_ambiguous_messages_have_no_language(text: str) -> None:
    assert guess_language(text) is None


def test_kanji_alone_are_japanese_for_a_japanese_user() -> None:
    assert guess_language("残高", hint="ja") == "ja"
    assert guess_language("残高", hint="en") == "zh"
    assert guess_language("余额", hint="es") == "zh"
