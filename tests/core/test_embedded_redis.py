import contextlib
import socket
from pathlib import Path

import pytest
import redis

from core.embedded_redis import EmbeddedRedis, EmbeddedRedisError, answers_ping, free_port
from core.runtime import embedded_redis
from core.settings import Settings


def test_data_survives_a_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "r").start()
    try:
        client = redis.Redis.from_url(server.url)
        client.set("k", "v")
        client.close()
    finally:
        server.stop()
    again = EmbeddedRedis(tmp_path / "r", port=server.port).start()
    try:
        client = redis.Redis.from_url(again.url)
        assert client.get("k") == b"v"
        client.close()
    finally:
        again.stop()


async def test_the_last_process_using_the_embedded_redis_stops_it(tmp_path: Path) -> None:
    """Two terminal chats share one embedded server: the first to leave (the one that
    started it) leaves it to the other, whose leaving stops it."""
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    port_file = tmp_path / "redis" / "port"
    async with contextlib.AsyncExitStack() as second:
        async with embedded_redis(settings) as first_url:
            second_url = await second.enter_async_context(embedded_redis(settings))
            assert second_url == first_url
        port = int(port_file.read_text())
        assert answers_ping("127.0.0.1", port), "the second chat still has its Redis"
        client = redis.Redis.from_url(second_url)
        client.set("k", "v")
        client.close()
    assert not answers_ping("127.0.0.1", port) and not port_file.exists()
    async with embedded_redis(settings) as again:
        client = redis.Redis.from_url(again)
        assert client.get("k") == b"v", "its data was written when it stopped"
        client.close()


def test_a_picked_port_taken_meanwhile_is_replaced(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A free port is only free when it is picked: another process may bind it before
    redis-server does. A server that picked its own port picks another; one told its
    port fails, as before."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        picks = iter([port])
        monkeypatch.setattr("core.embedded_redis.free_port",
                            lambda host="127.0.0.1": next(picks, None) or free_port(host))
        server = EmbeddedRedis(tmp_path / "picked").start()
        try:
            assert server.port != port and answers_ping("127.0.0.1", server.port)
        finally:
            server.stop()
        with pytest.raises(EmbeddedRedisError, match="redis-server exited"):
            EmbeddedRedis(tmp_path / "told", port=port).start()
