"""Every reason `nemobot` cannot start is one line on stderr (the cause and what to do) and
exit status 2, without a traceback unless LOG_LEVEL=DEBUG. The real command runs, with
its settings in the environment only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from aiohttp import web
from cryptography.fernet import Fernet

from core.embedded_redis import EmbeddedRedis, free_port
from core.simulator import Simulator
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram
from tests.kits import process
from tests.kits.cluster import RedisClusterServer
from tests.kits.web import answering
from tests.waiting import wait_until

pytest_plugins = ["tests.fakes.telegram_fixtures", "tests.fakes.discord_fixtures"]


def settings(tmp_path: Path, simulator: Simulator | None = None,
             redis: EmbeddedRedis | None = None, **more: str) -> dict[str, str]:
    """The environment of a `nemobot` process: NemoVideo is the simulator, Redis the test's,
    SECRET_KEY set (no warning about it); only warnings and errors are logged (routine
    start-up lines are not failures)."""
    values = {"LOG_LEVEL": "WARNING", "REDIS_START_WAIT": "0.5",
              "SECRET_KEY": Fernet.generate_key().decode(), **more}
    if simulator is not None:
        values["NEMO_API_URL"] = simulator.base_url
    if redis is not None:
        values["REDIS_URL"] = redis.url
    return process.environment(tmp_path, **values)


def one_line(finished: process.Finished) -> str:
    """The one line a failed start wrote; asserts status 2 and no traceback."""
    assert finished.code == 2, finished.stderr
    assert "Traceback" not in finished.stderr
    assert len(finished.lines) == 1, finished.stderr
    return finished.lines[0]


def closed_port_url(scheme: str = "http", path: str = "") -> str:
    """A loopback URL nothing listens on."""
    return f"{scheme}://127.0.0.1:{free_port()}{path}"


async def test_invalid_redis_url_is_named_in_the_settings_message(tmp_path: Path) -> None:
    env = settings(tmp_path, REDIS_URL="foo", TELEGRAM_TOKEN="1:x")
    finished = await process.run(["telegram"], env, tmp_path)
    assert finished.code == 2 and "Traceback" not in finished.stderr
    assert finished.lines == [
        "Invalid settings:",
        "  REDIS_URL: Value error, must be a redis://, rediss:// or unix:// URL, "
        "e.g. redis://localhost:6379/0"]


@pytest.mark.parametrize("command", ["telegram", "chat"])
async def test_unreachable_redis_is_one_line_without_its_password(
        tmp_path: Path, command: str) -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    env = settings(tmp_path, REDIS_URL=url, TELEGRAM_TOKEN="1:x", NEMO_API_URL=closed_port_url())
    line = one_line(await process.run([command], env, tmp_path, stdin=""))
    assert "hunter2" not in line
    assert line.startswith("nemobot: Redis is not answering at redis://***@127.0.0.1:")
    assert "REDIS_URL" in line


async def test_unreachable_telegram_api(tmp_path: Path, simulator: Simulator,
                                        redis_server: EmbeddedRedis) -> None:
    base = closed_port_url(path="/bot")
    env = settings(tmp_path, simulator, redis_server, TELEGRAM_TOKEN="123:secret-token",
                   TELEGRAM_BASE_URL=base)
    line = one_line(await process.run(["telegram"], env, tmp_path))
    assert "cannot reach the Bot API at " + base.removesuffix("/bot") in line
    assert "TELEGRAM_BASE_URL" in line and "secret-token" not in line


async def test_refused_telegram_token(tmp_path: Path, simulator: Simulator,
                                      redis_server: EmbeddedRedis,
                                      fake_telegram: FakeTelegram) -> None:
    env = settings(tmp_path, simulator, redis_server, TELEGRAM_TOKEN="999:not-the-token",
                   TELEGRAM_BASE_URL=fake_telegram.base_url)
    line = one_line(await process.run(["telegram"], env, tmp_path))
    assert "telegram: the token was refused (" in line
    assert "check TELEGRAM_TOKEN (from @BotFather), and the path of TELEGRAM_BASE_URL" in line
    assert "not-the-token" not in line


async def not_found(request: web.Request) -> web.Response:
    """A server reached through a wrong path: 404 with no JSON."""
    raise web.HTTPNotFound()


async def test_a_wrong_bot_api_path_is_worded_alike_by_the_bot_and_the_check(
        tmp_path: Path, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """Telegram answers 404 to a malformed token, as any server does to a wrong path: both
    commands name both settings, in the same words."""
    async with answering(not_found) as url:
        env = settings(tmp_path, simulator, redis_server, TELEGRAM_TOKEN="123:secret-token",
                       TELEGRAM_BASE_URL=f"{url}/wrong/bot")
        said = ("): check TELEGRAM_TOKEN (from @BotFather), and the path of TELEGRAM_BASE_URL "
                "(Telegram's is https://api.telegram.org/bot)")
        line = one_line(await process.run(["telegram"], env, tmp_path))
        checked = await process.run(["check"], env, tmp_path)
        row = " ".join(checked.stdout.split())
        for output in (line, row):
            assert "the token was refused (Not Found (404)" in output, output
            assert said in output and "secret-token" not in output


@pytest.mark.parametrize(("url", "said"), [
    ("http://bot.example.com/telegram", "must be an https:// URL"),
    ("https://bot.example.com:8080/telegram", "uses port 8080, which Telegram does not post to"),
])
async def test_webhook_url_that_telegram_refuses(tmp_path: Path, url: str, said: str) -> None:
    env = settings(tmp_path, TELEGRAM_TOKEN="1:x", TELEGRAM_WEBHOOK_URL=url,
                   TELEGRAM_WEBHOOK_SECRET="s3cret")
    line = one_line(await process.run(["telegram"], env, tmp_path))
    assert line.startswith("TELEGRAM_WEBHOOK_URL") and said in line


async def test_unreachable_discord_api(tmp_path: Path, simulator: Simulator,
                                       redis_server: EmbeddedRedis) -> None:
    base = closed_port_url(path="/api/v10")
    env = settings(tmp_path, simulator, redis_server, DISCORD_TOKEN="secret-token",
                   DISCORD_API_BASE=base)
    line = one_line(await process.run(["discord"], env, tmp_path))
    assert f"discord: cannot reach the Discord API at {base}" in line
    assert "DISCORD_API_BASE" in line and "secret-token" not in line


async def test_discord_api_refusing_the_start(tmp_path: Path, simulator: Simulator,
                                             redis_server: EmbeddedRedis) -> None:
    """Any other HTTP error of the API at the start (here a 404: the simulator is no
    Discord) is one line naming the setting, not a traceback."""
    base = f"{simulator.base_url}/api/v10"
    env = settings(tmp_path, simulator, redis_server, DISCORD_TOKEN="secret-token",
                   DISCORD_API_BASE=base)
    finished = await process.run(["discord"], env, tmp_path)
    line = one_line(finished)
    assert "discord: the Discord API refused to start the bot (404" in line, line
    assert "DISCORD_API_BASE" in line and "Traceback" not in finished.stderr


async def web_page(request: web.Request) -> web.Response:
    """What a wrong base URL may reach: a proxy's default page, another service."""
    return web.Response(text="<html><body>Welcome to nginx!</body></html>",
                        content_type="text/html")


async def test_a_platform_url_that_answers_with_a_web_page(
        tmp_path: Path, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    """One line naming the setting, exit status 2, no traceback, for both bots and for
    `check`."""
    async with answering(web_page) as url:
        env = settings(tmp_path, simulator, redis_server, TELEGRAM_TOKEN="123:secret-token",
                       TELEGRAM_BASE_URL=f"{url}/bot")
        line = one_line(await process.run(["telegram"], env, tmp_path))
        assert f"telegram: {url} does not answer as the Bot API" in line, line
        assert "TELEGRAM_BASE_URL" in line and "secret-token" not in line
        env = settings(tmp_path, simulator, redis_server, DISCORD_TOKEN="secret-token",
                       DISCORD_API_BASE=f"{url}/api/v10")
        line = one_line(await process.run(["discord"], env, tmp_path))
        assert f"discord: {url}/api/v10 does not answer as the Discord API" in line, line
        checked = await process.run(["check"], env, tmp_path)
        assert "Traceback" not in checked.stderr
        assert f"{url}/api/v10 does not answer as the Discord API" in checked.stdout


async def test_refused_discord_token(tmp_path: Path, simulator: Simulator,
                                     redis_server: EmbeddedRedis,
                                     fake_discord: FakeDiscord) -> None:
    env = settings(tmp_path, simulator, redis_server, DISCORD_TOKEN="not-the-token",
                   DISCORD_API_BASE=fake_discord.api_base,
                   DISCORD_GATEWAY_URL=fake_discord.gateway_url)
    line = one_line(await process.run(["discord"], env, tmp_path))
    assert line.endswith("discord: the token was refused: check DISCORD_TOKEN (from the "
                         "developer portal)")


@pytest.mark.parametrize("args", [["simulator", "--port", "0"], ["chat", "--simulate"]])
async def test_missing_simulator_extras(tmp_path: Path, args: list[str]) -> None:
    blocked = tmp_path / "without-extras"
    (blocked / "imageio_ffmpeg").mkdir(parents=True)
    (blocked / "imageio_ffmpeg" / "__init__.py").write_text(
        "raise ImportError('imageio_ffmpeg is not installed')\n")
    env = settings(tmp_path, REDIS_URL=closed_port_url("redis"), PYTHONPATH=str(blocked))
    line = one_line(await process.run(args, env, tmp_path, stdin=""))
    assert line.startswith("nemobot: the NemoVideo simulator needs its extras")
    assert "pip install 'nemobot[sim]'" in line


async def test_debug_level_shows_the_traceback(tmp_path: Path) -> None:
    env = settings(tmp_path, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
                   TELEGRAM_TOKEN="1:x", LOG_LEVEL="DEBUG")
    finished = await process.run(["telegram"], env, tmp_path)
    assert finished.code == 2
    assert "Traceback" in finished.stderr
    assert "nemobot: Redis is not answering" in finished.stderr.splitlines()[-1]


async def test_unreachable_nemovideo_is_a_warning(tmp_path: Path, redis_server: EmbeddedRedis,
                                                  fake_telegram: FakeTelegram) -> None:
    nemo = closed_port_url()
    env = settings(tmp_path, redis=redis_server, NEMO_API_URL=nemo,
                   TELEGRAM_TOKEN=fake_telegram.token, TELEGRAM_BASE_URL=fake_telegram.base_url,
                   TELEGRAM_POLL_TIMEOUT="1")
    bot = await process.start(["telegram"], env, tmp_path)
    try:
        await fake_telegram.wait_for(lambda c: c.method == "getUpdates", process.PROCESS_WAIT)
    finally:
        finished = await process.stop(bot)
    assert finished.code == 0, finished.stderr
    assert "Traceback" not in finished.stderr
    [warning] = finished.lines
    assert f"NemoVideo is not reachable at {nemo}" in warning


async def test_a_redis_that_is_no_cluster_is_named_at_the_start(
        tmp_path: Path, simulator: Simulator, redis_server: EmbeddedRedis) -> None:
    env = settings(tmp_path, simulator, redis_server, TELEGRAM_TOKEN="1:x",
                   REDIS_CLUSTER="true")
    line = one_line(await process.run(["telegram"], env, tmp_path))
    assert line.endswith("is not a Redis Cluster: set REDIS_CLUSTER=false (and a redis:// URL "
                         "without +cluster)"), line


@pytest.mark.parametrize("command", [["telegram"], ["migrate", "--dry-run"]])
async def test_a_cluster_node_without_redis_cluster_is_named_at_the_start(
        tmp_path: Path, simulator: Simulator, redis_cluster: RedisClusterServer,
        command: list[str]) -> None:
    """The plain client on a cluster's node would be answered MOVED for every key of the
    other nodes: the bot would turn every message away while saying it is ready, and
    migrate would move one node's keys only."""
    env = settings(tmp_path, simulator, TELEGRAM_TOKEN="1:x", REDIS_URL=redis_cluster.url)
    finished = await process.run(command, env, tmp_path)
    assert finished.code == 2
    line = one_line(finished)
    assert line.endswith("is a node of a Redis Cluster: set REDIS_CLUSTER=true (or a "
                         "redis+cluster:// URL) so that each key goes to the node that "
                         "serves it"), line


@pytest.mark.parametrize(("args", "said"), [
    (["simulator", "--port", "99999"], "argument --port: 99999 is not a port (0 to 65535)"),
    (["simulator", "--host", "no.such.host.invalid", "--port", "0"], "choose another --host"),
    (["chat", "--downloads", "a-file"], "argument --downloads: a-file is a file, not a folder"),
])
async def test_a_wrong_option_is_named(tmp_path: Path, args: list[str], said: str) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    finished = await process.run(args, settings(tmp_path), tmp_path)
    assert finished.code == 2 and "Traceback" not in finished.stderr
    assert said in finished.stderr, finished.stderr


async def test_version(tmp_path: Path) -> None:
    finished = await process.run(["--version"], process.environment(tmp_path), tmp_path)
    assert finished.code == 0 and finished.stdout.startswith("nemobot ")


async def test_the_simulator_starts_despite_bot_settings_it_does_not_use(
        tmp_path: Path) -> None:
    """Compose gives the simulator the bots' .env: an invalid bot setting is named in a
    warning, and the simulator serves all the same."""
    port = free_port()
    env = process.environment(tmp_path, ALLOW="foo", SECRET_KEY="not-a-fernet-key",
                              LOG_LEVEL="WARNING")
    proc = await process.start(["simulator", "--port", str(port)], env, tmp_path)
    try:
        async with httpx.AsyncClient() as http:
            async def serving() -> bool:
                try:
                    return (await http.get(f"http://127.0.0.1:{port}/_sim/config")).is_success
                except httpx.HTTPError:
                    return proc.returncode is not None  # ended: the assertions say why
            await wait_until(serving, within=20, what="the simulator serving")
    finally:
        finished = await process.stop(proc)
    assert "Invalid settings" in finished.stderr and "ALLOW" in finished.stderr
    assert "the simulator uses none of them" in finished.stderr
    assert "not-a-fernet-key" not in finished.stderr
