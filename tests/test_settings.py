import re
from pathlib import Path

import pytest

from core.settings import Settings, SettingsError, load_settings


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


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEMO_TOKEN", "nmv_usr_supersecret")
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@localhost:6379/0")
    settings = load_settings()
    assert settings.nemo_token is not None
    assert settings.nemo_token.get_secret_value() == "nmv_usr_supersecret"
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "supersecret" not in shown and "hunter2" not in shown


def test_dotenv_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("NEMO_SKILL_PLATFORM=clawhub\n")
    assert Settings().nemo_skill_platform == "clawhub"


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).parent.parent / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, re.M))
    assert {name.upper() for name in Settings.model_fields} <= listed
