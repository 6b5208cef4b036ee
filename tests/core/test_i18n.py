"""Every user-facing text, button label and command description exists in every language,
with the same placeholders and /commands as the English text.

Every module of `core` and `bots` is imported first, so texts added anywhere (by
`texts({...})` in any module) are checked: after a merge, run
`./dev test tests/core/test_i18n.py` (or `.venv/bin/python -m tests.kits.texts`); a
failure lists each missing or inconsistent entry with its English text (fill them in
`core/locales/<language>.py`), and each text whose English changed since it was
translated (check it, then `.venv/bin/python -m tests.kits.texts --stamp`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core import i18n
from core.buttons import action_button
from core.outgoing import Action
from tests.kits.texts import load_all

ROOT = Path(__file__).resolve().parents[2]

load_all()


def test_every_text_is_in_every_language_with_the_same_placeholders() -> None:
    problems = i18n.problems()
    assert not problems, "\n".join([f"{len(problems)} translation problem(s):", *problems])


def test_every_action_button_has_a_translated_label() -> None:
    for action in Action:
        if action is Action.CHOOSE:
            continue  # an offered option is labelled with its own text
        for lang in i18n.LANGUAGES:
            label = action_button(lang, action).label
            assert label == i18n.variant(f"button.{action.value}", lang), (action, lang)


def _literal_labels(path: Path) -> list[str]:
    """`Button("Export", ...)` calls with a literal label in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "Button"):
            continue
        label = node.args[0] if node.args else next(
            (k.value for k in node.keywords if k.arg == "label"), None)
        if isinstance(label, ast.Constant) and isinstance(label.value, str):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {label.value!r}")
    return found


def test_no_button_is_labelled_with_a_literal() -> None:
    """Labels come from the texts (`core.buttons.action_button`, `t(...)`), so they are
    in the reply's language; a literal label would be English for everyone."""
    literal = [hit for package in ("core", "bots")
               for path in sorted((ROOT / package).rglob("*.py"))
               for hit in _literal_labels(path)]
    assert not literal, "buttons with a literal label:\n" + "\n".join(literal)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_telegram_menu_is_translated_and_valid(language: str) -> None:
    from bots.telegram_adapter.texts import COMMANDS, menu
    entries = menu(language)
    assert [name for name, _ in entries] == list(COMMANDS)
    for name, description in entries:
        assert 1 <= len(description) <= 256, name
        if language != "en":
            assert description != i18n.t("en", f"telegram.command.{name}"), name


def test_discord_descriptions_fit() -> None:
    """Discord takes descriptions of 1 to 100 characters (the synced localizations are
    checked through the fake Discord in tests/bots/discord_adapter)."""
    texts = i18n.registered()
    for key in (k for k in texts if k.startswith(("discord.command.", "discord.option."))):
        for lang, text in texts[key].items():
            assert 1 <= len(text) <= 100, (key, lang, text)


def test_language_codes() -> None:
    cases = {
        None: "en", "": "en", "en-US": "en", "fr": "en", "C": "en", "zh-hans": "zh",
        "zh-TW": "zh", "zh_CN": "zh", "es-419": "es", "es": "es", "ja": "ja", "pt": "pt-BR",
        "pt-br": "pt-BR", "pt_PT": "pt-BR", "pt-BR": "pt-BR",
    }
    assert {code: i18n.ui_language(code) for code in cases} == cases
    assert i18n.nemo_language("pt-BR") == "pt-BR"
    assert i18n.nemo_language("zh") == "zh-CN"
    assert i18n.nemo_language("zh-TW") == "zh-TW"
    assert i18n.nemo_language("ja") == "ja"
    assert i18n.nemo_language("C") == "en"
    assert i18n.nemo_language("fr-FR") == "fr"


def test_what_users_may_type_after_language() -> None:
    chosen = {text: i18n.parse_language(text) for text in (
        "es", "ES", "Español", "spanish", "pt", "pt-BR", "pt_br", "português", "Brasil",
        "ja", "日本語", "japanese", "zh", "中文", "zh-CN", "en", "english", "es-MX", "klingon",
        "fr", "")}
    assert chosen == {
        "es": "es", "ES": "es", "Español": "es", "spanish": "es", "pt": "pt-BR",
        "pt-BR": "pt-BR", "pt_br": "pt-BR", "português": "pt-BR", "Brasil": "pt-BR",
        "ja": "ja", "日本語": "ja", "japanese": "ja", "zh": "zh", "中文": "zh", "zh-CN": "zh",
        "en": "en", "english": "en", "es-MX": "es", "klingon": None, "fr": None, "": None,
    }


@pytest.fixture
def scratch_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Texts a test registers are forgotten after it."""
    monkeypatch.setattr(i18n, "_SOURCES", dict(i18n._SOURCES))


@pytest.mark.usefixtures("scratch_texts")
def test_a_text_falls_back_to_english_until_translated() -> None:
    i18n.texts({"test.only_english": {"en": "Only {what}", "zh": "只有 {what}"}})
    assert i18n.t("ja", "test.only_english", what="x") == "Only x"
    assert i18n.t("zh-CN", "test.only_english", what="x") == "只有 x"
    assert any(p.startswith("test.only_english: no ja text") for p in i18n.problems())


@pytest.mark.usefixtures("scratch_texts")
def test_a_translation_with_other_placeholders_is_reported() -> None:
    i18n.texts({"test.placeholders": {"en": "{count} files", "zh": "{n} 个文件",
                                      "es": "{count} archivos", "ja": "{count} 件",
                                      "pt-BR": "{count} arquivos /export"}})
    found = [p for p in i18n.problems()
             if p.startswith("test.placeholders") and "since it was translated" not in p]
    assert len(found) == 2
    assert "zh placeholders ['n'] differ" in found[0]
    assert "pt-BR names other commands" in found[1]


@pytest.mark.usefixtures("scratch_texts")
def test_a_changed_english_text_is_reported_until_stamped(monkeypatch: pytest.MonkeyPatch) -> None:
    five = {"en": "Hello {name}", "zh": "你好 {name}", "es": "Hola {name}", "ja": "{name} さん",
            "pt-BR": "Olá {name}"}
    i18n.texts({"test.changed": five})
    monkeypatch.setattr(i18n, "SOURCES", {"test.changed": i18n.fingerprint("Hi {name}")})
    [found] = [p for p in i18n.problems() if p.startswith("test.changed")]
    assert "changed since it was translated" in found and "Hello {name}" in found
    monkeypatch.setattr(i18n, "SOURCES", {"test.changed": i18n.fingerprint("Hello {name}")})
    assert not [p for p in i18n.problems() if p.startswith("test.changed")]


@pytest.mark.usefixtures("scratch_texts")
def test_unknown_languages_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        i18n.texts({"test.typo": {"en": "Hi", "pt_br": "Oi"}})
