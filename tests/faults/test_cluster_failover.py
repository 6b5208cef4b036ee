"""A Redis Cluster master killed mid-conversation: its replica takes over, and the chat
goes on where it was, on the same project. A message that arrives while the slot has no
master is refused with a notice (nothing is lost silently), and the next is answered."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from core.simulator import Simulator
from core.simulator.agent import chat_answer
from tests.kits.cluster import ClusterNode, RedisClusterServer
from tests.kits.conversation import CHAT, Kit, kit
from tests.waiting import wait_until

#: milliseconds of silence before a master is called failing (the failover starts after)
NODE_TIMEOUT = 1000


@dataclass
class Talking:
    """A chat with a project on a cluster with replicas: the master that holds the chat,
    and its replica."""

    cluster: RedisClusterServer
    k: Kit
    master: ClusterNode
    replica: ClusterNode

    async def taken_over(self) -> None:
        """Wait until the replica is the master and the cluster is whole again."""
        await wait_until(lambda: self.cluster.promoted(self.replica), within=30,
                         what="the replica taking over")


@contextlib.asynccontextmanager
async def talking(simulator: Simulator, tmp_path: Path) -> AsyncIterator[Talking]:
    """A chat that said hello (so it has a project), its writes on the replica too."""
    with RedisClusterServer(tmp_path, masters=3, replicas=1,
                            node_timeout=NODE_TIMEOUT) as cluster:
        url = cluster.url.replace("redis://", "redis+cluster://", 1)
        async with kit(simulator, url) as k:
            await k.say("hello")
            master = cluster.node_of(k.sessions.keys.session(CHAT))
            with master.connect() as conn:  # the chat's writes have reached the replica
                assert conn.execute_command("WAIT", 1, 5000) >= 1
            yield Talking(cluster, k, master, cluster.replica_of(master))


async def test_a_killed_master_fails_over_and_the_chat_goes_on(
        simulator: Simulator, tmp_path: Path) -> None:
    async with talking(simulator, tmp_path) as chat:
        k = chat.k
        project = (await k.sessions.load(CHAT)).session_id
        assert project
        chat.master.stop(kill=True)
        await chat.taken_over()
        await k.say("what can you do?")
        assert k.last() == chat_answer("what can you do?", chinese=False)
        assert (await k.sessions.load(CHAT)).session_id == project, "the same project"
        assert k.kinds().count("create_session") == 1


async def test_a_message_while_the_master_is_down_is_refused_with_a_notice(
        simulator: Simulator, tmp_path: Path) -> None:
    async with talking(simulator, tmp_path) as chat:
        k = chat.k
        with chat.replica.connect() as conn:  # no takeover until the message has come
            conn.config_set("cluster-replica-no-failover", "yes")
        chat.master.stop(kill=True)
        await k.say("what can you do?")
        assert k.last() == "I can't take messages right now. Please try again in a minute."
        assert k.kinds().count("run_sse") == 1, "it never reached the agent"
        with chat.replica.connect() as conn:
            conn.config_set("cluster-replica-no-failover", "no")
        await chat.taken_over()
        await k.say("what can you do?")
        assert k.last() == chat_answer("what can you do?", chinese=False)
        assert k.kinds().count("create_session") == 1, "the same project"
