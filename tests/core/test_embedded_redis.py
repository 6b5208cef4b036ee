from pathlib import Path

import redis

from core.embedded_redis import EmbeddedRedis


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
