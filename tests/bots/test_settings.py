import ast
import re
from pathlib import Path

import pytest

from bots.cli import main
from bots.discord_adapter.settings import DiscordSettings
from bots.settings import load_settings as load_with_adapter
from bots.telegram_adapter.settings import TelegramSettings
from core.settings import Settings, SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_match_the_contract(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.api_url == "https://mega-api-prod.nemovideo.ai"
    assert settings.attribution_headers == {
        "X-Skill-Source": "video-maker-download",
        "X-Skill-Version": "1.0.0",
        "X-Skill-Platform": "unknown",
    }
    assert settings.redis_url is None and settings.nemo_token is None


def test_every_bad_variable_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEMO_API_URL", "not a url")
    monkeypatch.setenv("NEMO_READ_TIMEOUT", "-1")
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(SettingsError) as info:
        load_settings()
    message = str(info.value)
    for name in ("NEMO_API_URL", "NEMO_READ_TIMEOUT", "LOG_LEVEL"):
        assert name in message
    assert len(message.splitlines()) == 4


def test_one_message_names_bad_core_and_telegram_variables(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEMO_READ_TIMEOUT", "-1")
    (tmp_path / ".env").write_text("LOG_LEVEL=chatty\nTELEGRAM_POLL_TIMEOUT=99\n")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces!")
    monkeypatch.setenv("DISCORD_SHARDS", "0")  # not read by `nemobot telegram`
    assert main(["telegram"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "Invalid settings:" and len(lines) == 5
    named = {line.split(":")[0].strip() for line in lines[1:]}
    assert named == {"NEMO_READ_TIMEOUT", "LOG_LEVEL", "TELEGRAM_POLL_TIMEOUT",
                     "TELEGRAM_WEBHOOK_SECRET"}


def test_adapter_settings_alone_are_named_too(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCORD_SHARDS", "many")
    with pytest.raises(SettingsError) as info:
        load_with_adapter(DiscordSettings)
    assert str(info.value).splitlines() == [
        "Invalid settings:",
        "  DISCORD_SHARDS: Value error, must be 'auto' or a number of shards (1 or more)"]


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEMO_TOKEN", "nmv_usr_supersecret")
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@localhost:6379/0")
    monkeypatch.setenv("TELEGRAM_TOKEN", "123:tgsupersecret")
    monkeypatch.setenv("DISCORD_TOKEN", "dcsupersecret")
    settings = load_settings()
    assert settings.nemo_token is not None
    assert settings.nemo_token.get_secret_value() == "nmv_usr_supersecret"
    telegram, discord = TelegramSettings(), DiscordSettings()
    assert telegram.telegram_token is not None and discord.discord_token is not None
    for loaded in (settings, telegram, discord):
        for shown in (repr(loaded), str(loaded), loaded.model_dump_json()):
            assert "supersecret" not in shown and "hunter2" not in shown


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("NEMO_SKILL_PLATFORM=clawhub\nTELEGRAM_ALBUM_WAIT=2.5\n"
                                   "DISCORD_SHARDS=auto\nTELEGRAM_BASE_URL=\n")
    assert Settings().nemo_skill_platform == "clawhub"
    telegram = TelegramSettings()
    assert telegram.telegram_album_wait == 2.5 and telegram.telegram_base_url is None
    assert DiscordSettings().discord_shards == "auto"


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.M))
    for kind in (Settings, TelegramSettings, DiscordSettings):
        assert {name.upper() for name in kind.model_fields} <= listed, kind.__name__


def test_the_example_env_file_loads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    for kind in (TelegramSettings, DiscordSettings):
        load_with_adapter(kind)


def test_the_core_knows_no_platform() -> None:
    platform_fields = [name for name in Settings.model_fields
                       if name.startswith(("telegram_", "discord_"))]
    assert platform_fields == []
    imported: set[str] = set()
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert not imported & {"bots", "telegram", "discord"}
