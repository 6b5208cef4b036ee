"""`nemobot check`: a table of what is fine and what is not, and a non-zero status when
something is off. The real command runs against the test's Redis, the simulator and the
fake platforms."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from core.embedded_redis import EmbeddedRedis, free_port
from core.simulator import Simulator
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.kits import process
from tests.kits.cluster import RedisClusterServer
from tests.kits.renders import OPERATOR_TOKEN
from tests.kits.web import answering

pytest_plugins = ["tests.fakes.telegram_fixtures", "tests.fakes.discord_fixtures"]


def rows(output: str) -> dict[str, tuple[str, str]]:
    """name -> (status, detail) of each row of the table."""
    table: dict[str, tuple[str, str]] = {}
    for line in output.splitlines():
        name, status, detail = line.split(None, 2)
        table[name] = (status, detail)
    return table


async def test_everything_fine(tmp_path: Path, simulator: Simulator,
                               redis_server: EmbeddedRedis, fake_telegram: FakeTelegram,
                               fake_discord: FakeDiscord) -> None:
    simulator.config.operator_tokens = [OPERATOR_TOKEN]
    env = process.environment(
        tmp_path, REDIS_URL=redis_server.url, NEMO_API_URL=simulator.base_url,
        NEMO_TOKEN=OPERATOR_TOKEN, TELEGRAM_TOKEN=fake_telegram.token,
        TELEGRAM_BASE_URL=fake_telegram.base_url, DISCORD_TOKEN=fake_discord.token,
        DISCORD_API_BASE=fake_discord.api_base)
    finished = await process.run(["check"], env, tmp_path)
    assert finished.code == 0, finished.stdout + finished.stderr
    table = rows(finished.stdout)
    assert {name: status for name, (status, _) in table.items()} == {
        "settings": "ok", "redis": "ok", "nemovideo": "ok", "telegram": "ok", "discord": "ok"}
    assert "credits available" in table["nemovideo"][1]
    assert table["telegram"][1].startswith(f"@{fake_telegram.bot_username}")
    for secret in (OPERATOR_TOKEN, fake_telegram.token, fake_discord.token):
        assert secret not in finished.stdout + finished.stderr


async def test_what_is_off_is_named(tmp_path: Path, simulator: Simulator,
                                    fake_discord: FakeDiscord) -> None:
    env = process.environment(
        tmp_path, REDIS_URL=f"redis://:hunter2@127.0.0.1:{free_port()}/0",
        REDIS_START_WAIT="0.5", NEMO_API_URL=simulator.base_url, NEMO_TOKEN="nmv_usr_wrong",
        DISCORD_TOKEN="not-the-token", DISCORD_API_BASE=fake_discord.api_base)
    finished = await process.run(["check"], env, tmp_path)
    assert finished.code == 1
    table = rows(finished.stdout)
    assert table["redis"][0] == "FAIL" and "hunter2" not in finished.stdout
    assert table["nemovideo"] == ("FAIL", table["nemovideo"][1])
    assert "NEMO_TOKEN was refused" in table["nemovideo"][1]
    assert table["telegram"] == ("-", "TELEGRAM_TOKEN not set")
    assert table["discord"] == ("FAIL", "DISCORD_TOKEN was refused (HTTP 401)")


async def test_what_the_bot_would_refuse_is_off_here_too(
        tmp_path: Path, fake_telegram: FakeTelegram) -> None:
    """A webhook without its secret fails the check, as `nemobot telegram` refuses it; a
    password in the Redis URL's query is not printed."""
    env = process.environment(
        tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0?password=QSECRETpw",
        REDIS_START_WAIT="0.5", TELEGRAM_TOKEN=fake_telegram.token,
        TELEGRAM_BASE_URL=fake_telegram.base_url,
        TELEGRAM_WEBHOOK_URL="https://bot.example.com/telegram")
    finished = await process.run(["check"], env, tmp_path)
    assert finished.code == 1
    table = rows(finished.stdout)
    assert table["telegram"][0] == "FAIL"
    assert "needs TELEGRAM_WEBHOOK_SECRET" in table["telegram"][1]
    assert "QSECRETpw" not in finished.stdout + finished.stderr
    assert "password=***" in table["redis"][1]


async def test_a_redis_that_is_no_cluster_is_named(tmp_path: Path,
                                                   redis_server: EmbeddedRedis) -> None:
    env = process.environment(tmp_path, REDIS_URL=redis_server.url, REDIS_CLUSTER="true")
    finished = await process.run(["check"], env, tmp_path)
    assert rows(finished.stdout)["redis"] == (
        "FAIL", f"{redis_server.url} is not a Redis Cluster: set REDIS_CLUSTER=false (and a "
        "redis:// URL without +cluster)")


async def test_a_misspelt_setting_is_named_with_the_one_it_resembles(tmp_path: Path) -> None:
    """A typo leaves a setting silently unset: check warns (without failing), and names the
    setting meant; .env's lines for other compose services are no typos."""
    (tmp_path / ".env").write_text("TELEGRAM_TOKN=abc\nFOO_BAR=1\nTELEGRAM_API_ID=1\n")
    env = process.environment(tmp_path, RENDER_POL_MAX="3")
    finished = await process.run(["check"], env, tmp_path)
    status, detail = rows(finished.stdout)["settings"]
    assert status == "WARN" and finished.code != 2
    assert "TELEGRAM_TOKN (in .env) is not a setting: did you mean TELEGRAM_TOKEN?" in detail
    assert "RENDER_POL_MAX (in the environment) is not a setting: did you mean " \
        "RENDER_POLL_MAX?" in detail
    assert "FOO_BAR (in .env) is not a setting" in detail and "API_ID" not in detail


async def test_invalid_settings_are_named(tmp_path: Path) -> None:
    env = process.environment(tmp_path, REDIS_URL="localhost:6379", DISCORD_SHARDS="0",
                              TELEGRAM_TOKEN="123456:SECRETtoken",
                              TELEGRAM_BASE_URL="http://127.0.0.1:18081")  # no /bot
    finished = await process.run(["check"], env, tmp_path)
    assert finished.code == 2
    assert finished.lines[0] == "Invalid settings:"
    assert {line.split(":")[0].strip() for line in finished.lines[1:]} == {
        "REDIS_URL", "DISCORD_SHARDS", "TELEGRAM_BASE_URL"}
    assert "as in http://127.0.0.1:18081/bot" in finished.stdout + finished.stderr
    assert "SECRETtoken" not in finished.stdout + finished.stderr


async def test_a_redis_cluster_is_named(tmp_path: Path, simulator: Simulator,
                                        redis_cluster: RedisClusterServer) -> None:
    env = process.environment(tmp_path, REDIS_URL=redis_cluster.url, REDIS_CLUSTER="true",
                              NEMO_API_URL=simulator.base_url)
    finished = await process.run(["check"], env, tmp_path)
    status, detail = rows(finished.stdout)["redis"]
    assert status == "ok" and detail.endswith(", cluster)"), detail
    # the same node without REDIS_CLUSTER: the plain client would be answered MOVED
    env = process.environment(tmp_path, REDIS_URL=redis_cluster.url,
                              NEMO_API_URL=simulator.base_url)
    finished = await process.run(["check"], env, tmp_path)
    status, detail = rows(finished.stdout)["redis"]
    assert finished.code == 1 and status == "FAIL", finished.stdout
    assert "is a node of a Redis Cluster: set REDIS_CLUSTER=true" in detail


async def not_found(request: web.Request) -> web.Response:
    """Whatever a wrong NEMO_API_URL reaches: 404 pages."""
    raise web.HTTPNotFound()


async def test_without_a_token_a_url_that_is_no_nemovideo_is_named(
        tmp_path: Path, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Without NEMO_TOKEN the check can only ask whether the API answers: an answer that is
    no NemoVideo's (a 404 page) is off, as every chat's first call would fail; the
    simulator's refusal of a balance without a token is fine."""
    env = process.environment(tmp_path, REDIS_URL=redis_server.url,
                              NEMO_API_URL=simulator.base_url)
    finished = await process.run(["check"], env, tmp_path)
    assert rows(finished.stdout)["nemovideo"][0] == "ok", finished.stdout
    async with answering(not_found) as url:
        env = process.environment(tmp_path, REDIS_URL=redis_server.url, NEMO_API_URL=url)
        finished = await process.run(["check"], env, tmp_path)
    assert finished.code == 1, finished.stdout
    status, detail = rows(finished.stdout)["nemovideo"]
    assert status == "FAIL" and "does not answer as the NemoVideo API (HTTP 404" in detail
    assert "check NEMO_API_URL" in detail
