"""Counts the commands clients send to a Redis server, apart from those its scripts run.

`INFO commandstats` counts every command Redis runs, the ones a Lua script calls
included; a script is one command on the wire. This watcher reads the server's
MONITOR feed (each line names its source: a client's address, or `lua`) and
counts, by command, what clients sent and what scripts ran. MONITOR costs the
server some work of its own; the benchmark uses it on loopback only.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import re

#: `<time> [<db> <source>] "<COMMAND>" ...`
_LINE = re.compile(rb'^[0-9.]+ \[\d+ ([^\]]+)\] "([A-Za-z]+)"')
#: what the benchmark itself sends (its INFO, a new connection's HELLO)
_OWN = frozenset({"INFO", "HELLO"})


class RedisMonitor:
    """Watches one server from `start` to `stop`; `sent` and `scripted` count by command."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.sent: collections.Counter[str] = collections.Counter()
        self.scripted: collections.Counter[str] = collections.Counter()
        self._task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def start(self) -> None:
        """Connect and start counting from nothing."""
        self.clear()
        reader, self._writer = await asyncio.open_connection(self.host, self.port,
                                                             limit=1 << 24)
        self._writer.write(b"MONITOR\r\n")
        await self._writer.drain()
        if (await reader.readline()).strip() != b"+OK":
            raise RuntimeError("the Redis server refused MONITOR")
        self._task = asyncio.create_task(self._read(reader))

    def clear(self) -> None:
        """Start the counts again."""
        self.sent.clear()
        self.scripted.clear()

    async def settle(self) -> None:
        """Let the feed catch up with what the server has done so far."""
        await asyncio.sleep(0.2)  # MONITOR lines trail the commands by a moment

    async def stop(self) -> None:
        """Stop counting and disconnect."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            found = _LINE.match(line[1:] if line.startswith(b"+") else line)
            if found is None:
                continue
            source, command = found.group(1), found.group(2).decode().upper()
            if source == b"lua":
                self.scripted[command] += 1
            elif command not in _OWN:
                self.sent[command] += 1
