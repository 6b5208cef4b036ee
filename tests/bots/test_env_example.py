"""`.env.example` works as copied: the real `nemobot` reads it verbatim as its `.env`, with
only a platform token (and the addresses of the test's fakes) in the environment, and
holds a conversation. Its empty values (NEMO_TOKEN=, REDIS_URL=, DATA_DIR=, ...) mean
"not set": anonymous NemoVideo tokens and the embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.discord_adapter.settings import DiscordSettings
from bots.settings import load_all
from bots.telegram_adapter.settings import TelegramSettings
from core.embedded_redis import free_port
from core.settings import Settings
from core.simulator import Simulator
from tests.fakes.telegram_api import FakeTelegram
from tests.kits import process
from tests.kits.telegram_bot import bot_message, containing

pytest_plugins = ["tests.fakes.telegram_fixtures"]

ROOT = Path(__file__).resolve().parents[2]


def copied_example(directory: Path) -> Path:
    """A working directory whose `.env` is `.env.example`, byte for byte."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".env").write_bytes((ROOT / ".env.example").read_bytes())
    return directory


async def test_telegram_bot_with_the_example_env(
        tmp_path: Path, simulator: Simulator, fake_telegram: FakeTelegram) -> None:
    fake = fake_telegram
    cwd = copied_example(tmp_path / "bot")
    env = process.environment(
        tmp_path, TELEGRAM_TOKEN=fake.token, TELEGRAM_BASE_URL=fake.base_url,
        TELEGRAM_POLL_TIMEOUT="1", NEMO_API_URL=simulator.base_url,
        NEMO_WEB_URL=simulator.base_url)
    alice = fake.user("Alice")
    dm = fake.private_chat(alice)
    bot = await process.start(["telegram"], env, cwd)
    try:
        fake.text(dm, alice, "make me a video of the sea")
        await bot_message(fake, dm, containing("Your raw video is ready"),
                          within=process.PROCESS_WAIT)
    finally:
        finished = await process.stop(bot)
    assert finished.code == 0, finished.stderr
    assert "Traceback" not in finished.stderr and "ERROR" not in finished.stderr, \
        finished.stderr[-4000:]
    assert not [m for m in fake.sent_messages(dm.id) if "isn't answering" in str(m)]
    assert "anonymous_token" in [r["kind"] for r in simulator.requests]
    assert (tmp_path / "data" / "nemobot" / "redis").is_dir(), "the embedded Redis's data"


async def test_terminal_chat_with_the_example_env(tmp_path: Path) -> None:
    cwd = copied_example(tmp_path / "chat")
    finished = await process.run(["chat", "--simulate"], process.environment(tmp_path), cwd,
                                 stdin="/new\n/credits\n")
    assert finished.code == 0, finished.stderr
    assert "New project" in finished.stdout and "Credits:" in finished.stdout
    assert "isn't answering" not in finished.stdout and "went wrong" not in finished.stdout
    assert "Traceback" not in finished.stderr


async def test_a_terminal_chat_that_cannot_reach_nemovideo_says_so_and_how_to_try_it(
        tmp_path: Path) -> None:
    """The example .env without --simulate, and no NemoVideo to reach: the chat says so on
    screen (not only in its log file), with the way to try the bot offline."""
    cwd = copied_example(tmp_path / "chat")
    env = process.environment(tmp_path, NEMO_API_URL=f"http://127.0.0.1:{free_port()}")
    finished = await process.run(["chat"], env, cwd, stdin="hello\n")
    assert finished.code == 0, finished.stderr
    said = " ".join(finished.stdout.split())
    assert "NemoVideo is not reachable at http://127.0.0.1:" in said, said
    assert "run `nemobot chat --simulate`" in said, said


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_value_means_unset_for_every_setting(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, empty: str) -> None:
    monkeypatch.chdir(tmp_path)
    kinds = (Settings, TelegramSettings, DiscordSettings)
    defaults = [kind(_env_file=None).model_dump() for kind in kinds]  # type: ignore[call-arg]
    for kind in kinds:
        for name in kind.model_fields:
            monkeypatch.setenv(name.upper(), empty)
    (tmp_path / ".env").write_text("".join(f"{name.upper()}={empty}\n" for kind in kinds
                                           for name in kind.model_fields))
    core, (telegram, discord) = load_all(TelegramSettings, DiscordSettings)
    assert [core.model_dump(), telegram.model_dump(), discord.model_dump()] == defaults
