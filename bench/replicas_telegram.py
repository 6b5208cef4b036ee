"""The Telegram part of `bench/replicas.py`: webhook replicas behind a round-robin proxy,
groups talking, albums split over replicas, exports, one replica killed and restarted."""

from __future__ import annotations

import argparse
import asyncio
import collections
import functools
import itertools
import json
import os
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.replicas_common import Services, check, ready, row
from core.simulator.agent import chat_answer
from tests.fakes.telegram import FakeChat, FakeFile, FakeTelegram, FakeUser, RecordedCall
from tests.fakes.telegram.state import chat_key
from tests.kits.replicas import Replica, RoundRobinProxy, listening_port, webhook_settings
from tests.kits.simulator import samples
from tests.kits.transcripts import JSONDict, Tally, every_exchange, kind_of, shown

#: the bot's public address (Telegram posts to https on 443); the proxy answers for it
PUBLIC_URL = "https://bench-bot.example.invalid/telegram"
SECRET = "bench-replicas-webhook-secret"
ALBUM_REQUEST = "combine these"
#: how often a person sends a message again when the bot asks them to
RESENDS = 2
SENDS = ("sendMessage", "sendVideo", "sendDocument", "sendPhoto", "sendAnimation")
EDITS = ("editMessageText", "editMessageCaption")


@dataclass
class Step:
    """One user message of a group's script and when its outcome came."""

    kind: str  # question, album or export
    text: str
    message_id: int = 0
    update_ids: list[int] = field(default_factory=list)
    sent_at: float = 0.0
    done_at: float | None = None


@dataclass
class Group:
    """A Telegram group, the person talking in it, and their messages."""

    chat: FakeChat
    user: FakeUser
    steps: list[Step] = field(default_factory=list)


class Watcher:
    """Follows the bot's messages as the fake records them (each call read once): the
    text each bot message shows now and the user message it replies to, per chat."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.seen = 0
        self.chats: dict[int, dict[int, JSONDict]] = collections.defaultdict(dict)
        self.events: dict[int, asyncio.Event] = collections.defaultdict(asyncio.Event)
        self.outcomes = 0
        #: set whenever a message got its outcome
        self.progress = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Follow in the background."""
        self._task = asyncio.create_task(self._follow(), name="watcher")

    def stop(self) -> None:
        """Stop following."""
        if self._task is not None:
            self._task.cancel()

    async def _follow(self) -> None:
        while True:
            wake = self.fake.changes.event()
            calls = self.fake.calls
            for call in calls[self.seen:]:
                self._take(call)
            self.seen = len(calls)
            await wake.wait()

    def _take(self, call: RecordedCall) -> None:
        chat = chat_key(call.chat_id)
        if not call.ok or chat is None:
            return
        if call.method in SENDS and isinstance(call.result, dict):
            result = call.result
            reply = (result.get("reply_to_message") or {}).get("message_id")
            entry: JSONDict = {"message_id": result["message_id"], "reply_to": reply,
                               "text": shown(result)}
            if "video" in result or "document" in result:
                entry["video"] = True
            self.chats[chat][int(result["message_id"])] = entry
        elif call.method in EDITS:
            entry = self.chats[chat].get(int(call.params.get("message_id") or 0), {})
            entry["text"] = str(call.params.get("text") or call.params.get("caption") or "")
        else:
            return
        self.events[chat].set()

    def replies(self, chat: int, message_id: int) -> list[JSONDict]:
        """The bot's messages replying to one user message, as they read now."""
        return [m for m in self.chats[chat].values() if m.get("reply_to") == message_id]


def settled(step: Step, replies: list[JSONDict]) -> bool:
    """Whether a message has its whole outcome (the next one may be sent)."""
    kinds = [kind_of(m) for m in replies]
    if "error" in kinds or "unfinished" in kinds:
        return True
    if step.kind == "export":
        return "video" in kinds or "answer" in kinds  # the video, or why there is none
    answers = [shown(m) for m in replies if kind_of(m) == "answer"]
    if any("went through" in a for a in answers):
        return True
    if step.kind == "album":
        return any("Next:" in a for a in answers)
    return chat_answer(step.text, chinese=False) in answers


@dataclass
class Figures:
    """What the Telegram run measured."""

    groups: list[Group]
    tally: Tally
    albums: Tally
    exports: Tally
    wall: float
    replicas: int
    split_albums: int
    updates_per_replica: list[int]
    kill: dict[str, Any]
    uploads: dict[str, int]
    renders: int
    render_submits: int
    webhook: dict[str, int]
    busiest_second: int
    latencies: list[float]
    problems: list[str]
    #: seconds the replicas took to answer a webhook POST (sorted)
    answer_times: list[float] = field(default_factory=list)
    #: per album: the longest gap between two of its parts' POSTs, seconds (sorted)
    album_gaps: list[float] = field(default_factory=list)
    #: CPU seconds of the processes over the run
    cpu: dict[str, float] = field(default_factory=dict)


class TelegramRun:
    """One run: the fake Bot API, the proxy, the replicas, the groups, the kill."""

    def __init__(self, args: argparse.Namespace, services: Services, tmp: Path) -> None:
        self.args = args
        self.services = services
        self.fake = FakeTelegram(files_dir=tmp / "telegram-files")
        self.watcher = Watcher(self.fake)
        self.replicas: list[Replica] = []
        self.health: list[str] = []
        self.backends: list[str] = []
        self.kill: dict[str, Any] = {}
        self.groups: list[Group] = []
        self.files: list[FakeFile] = []
        self.tmp = tmp
        self.cpu: dict[str, float] = {}

    def _replica(self, n: int) -> Replica:
        """A webhook replica on its own ports (webhook, health)."""
        own, backend = webhook_settings(PUBLIC_URL, SECRET)
        metrics = listening_port()
        self.backends.append(backend)
        self.health.append(f"http://127.0.0.1:{metrics}")
        env = self.services.environment(
            self.args.log_level, TELEGRAM_TOKEN=self.fake.token,
            TELEGRAM_BASE_URL=self.fake.base_url, METRICS_PORT=str(metrics),
            METRICS_LISTEN="127.0.0.1", **own)
        return Replica(f"telegram-{n + 1}", ["telegram"], env, self.tmp / "logs")

    async def run(self) -> Figures:
        """Everything, from start to figures."""
        await self.fake.start()
        self.replicas = [self._replica(n) for n in range(self.args.replicas)]
        try:
            async with RoundRobinProxy(self.backends) as proxy:
                self.fake.webhook_ingress = proxy.url
                self.fake.webhook_retry_delay = 0.5
                await self._start_replicas()
                cpu = cpu_seconds(self.replicas)
                wall = await self._load()
                self.cpu = {k: v - cpu.get(k, 0.0) for k, v in cpu_seconds(self.replicas).items()}
                for replica in self.replicas:
                    await replica.stop()
                return await figures_of(self, proxy, wall)
        finally:
            self.watcher.stop()
            for replica in self.replicas:
                await replica.kill()
            await self.fake.stop()

    async def _load(self) -> float:
        """The groups talk, a replica is killed meanwhile; the wall time of the talk."""
        self.watcher.start()
        self._make_groups()
        print(f"telegram: {len(self.groups)} groups on {len(self.replicas)} replicas ...",
              flush=True)
        started = time.monotonic()
        killer = asyncio.create_task(self._kill_one(started))
        await asyncio.gather(*(self._talk(g, random.uniform(0, self.args.ramp))
                               for g in self.groups))
        ended = max((s.done_at or 0 for g in self.groups for s in g.steps), default=started)
        if self.kill:
            await killer  # the killed replica is back before the run ends
        else:
            killer.cancel()
        await self._settle()
        return ended - started

    async def _start_replicas(self) -> None:
        await asyncio.gather(*(r.start() for r in self.replicas))
        await asyncio.gather(*(ready(self.services.http, r, h)
                               for r, h in zip(self.replicas, self.health, strict=True)))

    def _make_groups(self) -> None:
        media = samples()
        clip = media["clip"].read_bytes()
        self.files = [
            self.fake.register_file(clip, kind="video", file_name="beach.mp4",
                                    mime_type="video/mp4", width=320, height=180, duration=2),
            self.fake.register_file(clip, kind="video", file_name="waves.mp4",
                                    mime_type="video/mp4", width=320, height=180, duration=2),
            self.fake.register_file(media["photo"].read_bytes(), kind="photo"),
        ]
        for n in range(self.args.chats):
            user = self.fake.user(f"Person{n}")
            self.groups.append(Group(self.fake.supergroup(f"Crew {n}"), user))

    def _mention(self, text: str) -> str:
        return f"@{self.fake.bot_username} {text}"

    async def _talk(self, group: Group, delay: float) -> None:
        """A person's script: questions, an album, an export; each after the last outcome,
        each sent again when the bot says so (a restart cut it short)."""
        await asyncio.sleep(delay)
        chat, user = group.chat, group.user
        for n in range(self.args.messages):
            await self._until_done(group, functools.partial(
                self._text, group, "question", f"what can you do? ({n + 1})"))
        await self._until_done(group, lambda: (Step("album", ALBUM_REQUEST), self.fake.album(
            chat, user, self.files, self._mention(ALBUM_REQUEST))))
        await self._until_done(group, functools.partial(self._text, group, "export", "export"))

    def _text(self, group: Group, kind: str, text: str) -> tuple[Step, list[JSONDict]]:
        return Step(kind, text), [self.fake.text(group.chat, group.user, self._mention(text))]

    async def _until_done(self, group: Group,
                          send: Callable[[], tuple[Step, list[JSONDict]]]) -> None:
        for _ in range(RESENDS + 1):
            step, updates = send()
            await self._say(group, step, updates)
            replies = self.watcher.replies(group.chat.id, step.message_id)
            if not any(kind_of(m) == "unfinished" for m in replies):
                return

    async def _say(self, group: Group, step: Step, updates: list[JSONDict]) -> None:
        step.message_id = int(updates[0]["message"]["message_id"])
        step.update_ids = [int(u["update_id"]) for u in updates]
        step.sent_at = time.monotonic()
        group.steps.append(step)
        event = self.watcher.events[group.chat.id]
        deadline = step.sent_at + self.args.timeout
        while True:
            event.clear()
            if settled(step, self.watcher.replies(group.chat.id, step.message_id)):
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return  # lost: the next message goes anyway, as a person would
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return
        step.done_at = time.monotonic()
        self.watcher.outcomes += 1
        self.watcher.progress.set()

    async def _kill_one(self, started: float) -> None:
        """SIGKILL the last replica once --kill-at of the messages have their outcome;
        start it again --down seconds later."""
        if self.args.kill_at < 0:
            return
        planned = len(self.groups) * (self.args.messages + 2)
        while True:
            self.watcher.progress.clear()
            if self.watcher.outcomes >= self.args.kill_at * planned:
                break
            await self.watcher.progress.wait()
        victim, health = self.replicas[-1], self.health[-1]
        self.kill = {"replica": victim.name, "at": time.monotonic() - started,
                     "outcomes": self.watcher.outcomes, "planned": planned}
        await victim.kill()
        await asyncio.sleep(self.args.down)
        await victim.start()
        self.kill["ready"] = await ready(self.services.http, victim, health)

    async def _settle(self, quiet: float = 5.0, most: float = 120.0) -> None:
        """Wait until the bot sent nothing for `quiet` seconds (late duplicates arrive)."""
        started = last_change = time.monotonic()
        count = len(self.fake.calls)
        while time.monotonic() - last_change < quiet and time.monotonic() - started < most:
            await asyncio.sleep(0.5)
            if len(self.fake.calls) != count:
                count, last_change = len(self.fake.calls), time.monotonic()


async def figures_of(run: TelegramRun, proxy: RoundRobinProxy, wall: float) -> Figures:
    """Count everything from the fakes' records (the truth), not from the watcher."""
    conversations = every_exchange(run.fake)
    tally, albums, exports = Tally(), Tally(), Tally()
    for group in run.groups:
        by_message = conversations.get(group.chat.id, ({}, []))[0]
        for step in group.steps:
            exchange = by_message.get(step.message_id)
            if step.kind == "question":
                tally.count(group.chat.id, exchange, step.message_id)
            elif step.kind == "album":
                albums.count(group.chat.id, exchange, step.message_id,
                             uploads=len(step.update_ids))
            else:
                exports.count(group.chat.id, exchange, step.message_id, expects="video")
        tally.add_order(group.chat.id, by_message)
    routes = proxy.routes()
    split = sum(1 for g in run.groups for s in g.steps if s.kind == "album"
                and len({routes.get(u, [-1])[0] for u in s.update_ids}) > 1)
    per_replica = [sum(1 for backends in routes.values() if backends[0] == n)
                   for n in range(len(run.replicas))]
    requests = await run.services.backend_requests()
    uploads = collections.Counter(r["path"] for r in requests if r["kind"] == "upload_files")
    renders = {r["path"].rsplit("/", 1)[-1] for r in requests if r["kind"] == "render_poll"}
    deliveries = run.fake.webhook_deliveries
    webhook = {"deliveries": len(deliveries),
               "failed": sum(1 for d in deliveries if not d.ok),
               "redelivered": len(deliveries) - len({d.update_id for d in deliveries if d.ok}),
               "proxy 502": sum(1 for f in proxy.forwarded if f.status is None),
               "refused connections": proxy.refused}
    latencies = sorted(s.done_at - s.sent_at for g in run.groups for s in g.steps
                       if s.done_at is not None)
    problems = tally.problems + albums.problems + exports.problems
    write_transcripts(run, conversations, problems)
    answer_times = sorted(d.answered_at - d.sent_at for d in deliveries if d.ok)
    sent = {d.update_id: d.sent_at for d in deliveries if d.ok}
    gaps = sorted(max(b - a for a, b in itertools.pairwise(times))
                  for times in (sorted(sent[u] for u in s.update_ids if u in sent)
                                for g in run.groups for s in g.steps if s.kind == "album")
                  if len(times) > 1)
    return Figures(
        run.groups, tally, albums, exports, wall, len(run.replicas), split, per_replica,
        run.kill, {"albums sent": sum(1 for g in run.groups for s in g.steps
                                      if s.kind == "album"),
                   "uploads": sum(uploads.values()),
                   "projects with an upload": len(uploads),
                   "projects with more": sum(1 for n in uploads.values() if n > 1)},
        len(renders), sum(1 for r in requests if r["kind"] == "render_submit"), webhook,
        busiest_second(run.fake.calls), latencies, problems, answer_times, gaps, run.cpu)


def write_transcripts(run: TelegramRun, conversations: dict[
        int, tuple[dict[int, Any], list[JSONDict]]], problems: list[str]) -> None:
    """The whole conversation of every chat a problem names, in `problems.txt` beside the
    logs: each user message, then each bot message (kind, the message it replies to)."""
    named = {int(m) for m in re.findall(r"chat (-?\d+)", "\n".join(problems))}
    lines = []
    for group in run.groups:
        if group.chat.id not in named:
            continue
        lines.append(f"== chat {group.chat.id}")
        for step in group.steps:
            lines.append(f"user {step.message_id} {step.kind} {step.text!r} updates "
                         f"{step.update_ids} sent {step.sent_at:.1f} done {step.done_at}")
        by_message, others = conversations.get(group.chat.id, ({}, []))
        replies = [r for e in by_message.values() for r in e.replies] + others
        for reply in sorted(replies, key=lambda r: r["message_id"]):
            target = (reply.get("reply_to_message") or {}).get("message_id")
            lines.append(f"  bot {reply['message_id']} -> {target} {kind_of(reply)}: "
                         f"{shown(reply)[:100]!r}")
    (run.tmp / "problems.txt").write_text("\n".join(lines) + "\n")


def cpu_seconds(replicas: list[Replica]) -> dict[str, float]:
    """User + system CPU seconds so far: the replicas' (all their runs count once they are
    read; a killed run's time before the kill is lost), this process's."""
    found = {"benchmark (fakes, proxy, people)": proc_cpu(os.getpid())}
    found["replicas"] = sum(proc_cpu(r.pid) for r in replicas if r.running)
    return found


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def busiest_second(calls: list[RecordedCall]) -> int:
    """The most messages (sends and edits, every chat) the bot made in one second."""
    times = sorted(c.at for c in calls if c.method.startswith(("send", "editMessage"))
                   and c.method != "sendChatAction")
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def dumps(value: Any) -> str:
    """Compact JSON for a printed figure."""
    return json.dumps(value, separators=(", ", ": "))


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted values (NaN for none)."""
    if not values:
        return float("nan")
    return values[min(len(values) - 1, max(0, round(fraction * len(values)) - 1))]


def print_telegram(figures: Figures, args: argparse.Namespace) -> bool:
    """Print the Telegram figures and checks; True when every check passed."""
    tally, albums, exports = figures.tally, figures.albums, figures.exports
    everything = tally.messages + albums.messages + exports.messages
    outcomes = tally.answered + albums.answered + exports.answered
    print(f"\ntelegram: {len(figures.groups)} groups, {figures.replicas} webhook replicas behind "
          "a round-robin proxy, one Redis")
    row("messages sent (questions, albums, exports)",
        f"{everything} ({tally.messages}, {albums.messages}, {exports.messages})")
    row("answered", f"{tally.answered} of {tally.messages} questions, {albums.answered} of "
        f"{albums.messages} albums, {exports.answered} of {exports.messages} videos")
    row('  of which "didn\'t finish, send it again"', tally.unfinished + albums.unfinished)
    row("duplicates (answers, upload notices, videos)",
        f"{tally.duplicates}, {albums.duplicates}, {exports.duplicates}")
    row("answers out of order", tally.out_of_order)
    row("lost (no outcome within the timeout)", tally.lost + albums.lost + exports.lost)
    row("error replies", tally.errors + albums.errors + exports.errors)
    row("notices", dumps(dict(tally.notices + albums.notices + exports.notices)))
    row("albums split over replicas", f"{figures.split_albums} of {albums.messages}")
    row("album uploads", dumps(figures.uploads))
    row("renders (distinct) / submits", f"{figures.renders} / {figures.render_submits}")
    row("wall time (first message to last outcome)", f"{figures.wall:.1f} s")
    row("outcomes per second", f"{outcomes / figures.wall:.1f}" if figures.wall else "-")
    lat = figures.latencies
    row("message to outcome p50 / p99 / max", f"{percentile(lat, .5):.2f} s / "
        f"{percentile(lat, .99):.2f} s / {max(lat, default=float('nan')):.2f} s")
    row("updates taken per replica", dumps(figures.updates_per_replica))
    times, gaps = figures.answer_times, figures.album_gaps
    row("webhook answered after p50 / p99 / max", f"{percentile(times, .5) * 1000:.0f} ms / "
        f"{percentile(times, .99) * 1000:.0f} ms / {max(times, default=0) * 1000:.0f} ms")
    row("album parts: longest gap p50 / p99 / max", f"{percentile(gaps, .5) * 1000:.0f} ms / "
        f"{percentile(gaps, .99) * 1000:.0f} ms / {max(gaps, default=0) * 1000:.0f} ms")
    row("CPU seconds over the run", dumps({k: round(v, 1) for k, v in figures.cpu.items()}))
    row("webhook", dumps(figures.webhook))
    row("Bot API messages in the busiest second", f"{figures.busiest_second} (Telegram "
        "allows about 30 a second per bot; the replicas share that)")
    if figures.kill:
        kill = figures.kill
        row("killed", f"{kill['replica']} at {kill['at']:.1f} s ({kill['outcomes']} of "
            f"{kill['planned']} outcomes), back and ready {args.down:g} s + "
            f"{kill.get('ready', float('nan')):.1f} s later")
    for problem in figures.problems[:40]:
        print(f"    {problem}")
    if figures.problems:
        print("    (the conversations of these chats are in problems.txt beside the logs)")
    return all([
        check("every message answered exactly once, in order", tally.ok, "see above"),
        check("every album one upload notice with all its parts, one answer", albums.ok),
        # an album sent again (its upload was cut short) may upload again
        check("every album one upload at most, every group's clips uploaded",
              figures.uploads["uploads"] <= figures.uploads["albums sent"]
              and figures.uploads["projects with an upload"] == len(figures.groups)),
        check("every export one render and one video", exports.ok
              and figures.renders == exports.messages),
        check("albums landed on different replicas", figures.split_albums > 0),
        check("a replica was killed and came back", bool(figures.kill.get("ready"))
              or args.kill_at < 0),
    ])
