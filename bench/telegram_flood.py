"""Telegram flood-control throughput: many chats answered at once.

Every chat asks at the same moment; each answer is a "typing…" chat action and
then one sendMessage, both through `FloodControl.process_request`, in front of a
simulated Bot API that answers at once (after --latency seconds) and never
refuses. Runs in real time, on this process's event loop, and prints:

* answers a second, from the first message sent to the last (Telegram's
  bot-wide limit is 30, the target at least 25);
* the most messages sent in any one second (sends are spaced 1/30 s apart;
  a timer firing a millisecond late can put 31 in one window);
* how long chat actions waited (they use no budget: should be ~0);
* the delay of each answer, p50 / p99 / max;
* the same run with pacing switched off: what the limiter itself can pass, to
  show it is not the bottleneck; and the CPU time per request.

    .venv/bin/python bench/telegram_flood.py [--chats 200] [--rounds 1] [--latency 0.0]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bots.telegram_adapter.flood import FloodControl

JSONDict = dict[str, Any]


class Telegram:
    """The simulated Bot API: records when each call arrived, answers after `latency`."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.sent: list[float] = []
        self.action_waits: list[float] = []

    async def call(self, endpoint: str, data: JSONDict) -> bool | JSONDict:
        arrived = time.perf_counter()
        if endpoint == "sendChatAction":
            self.action_waits.append(arrived - data["asked"])
        else:
            self.sent.append(arrived)
        if self.latency:
            await asyncio.sleep(self.latency)
        return True if endpoint == "sendChatAction" else {"message_id": len(self.sent)}


async def answer(control: FloodControl, api: Telegram, chat: int, rounds: int,
                 delays: list[float]) -> None:
    """One chat's answers: a chat action, then the message, `rounds` times."""
    for _ in range(rounds):
        asked = time.perf_counter()
        for endpoint in ("sendChatAction", "sendMessage"):
            data = {"chat_id": chat, "asked": asked}
            await control.process_request(api.call, (endpoint, data), {}, endpoint, data, None)
        delays.append(time.perf_counter() - asked)


async def run(control: FloodControl, chats: int, rounds: int,
              latency: float) -> tuple[Telegram, list[float], float]:
    api, delays = Telegram(latency), []
    cpu = time.process_time()
    await asyncio.gather(*(answer(control, api, 10_000 + n, rounds, delays)
                           for n in range(chats)))
    return api, delays, time.process_time() - cpu


def most_in_a_second(times: list[float]) -> int:
    """The most of the sorted `times` in any half-open one-second window."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=1, help="answers per chat")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds the simulated Bot API takes to answer")
    args = parser.parse_args()

    api, delays, cpu = asyncio.run(run(FloodControl(), args.chats, args.rounds, args.latency))
    sent = sorted(api.sent)
    span = sent[-1] - sent[0]
    rate = (len(sent) - 1) / span if span > 0 else float("inf")
    quantiles = statistics.quantiles(delays, n=100)
    print(f"{args.chats} chats x {args.rounds} answer(s), Bot API answering after "
          f"{args.latency:.3f} s, Telegram's limits:")
    print(f"  answers/second          {rate:8.1f}   (target >= 25, Telegram's limit 30)")
    print(f"  most messages in 1 s    {most_in_a_second(sent):8d}   (limit about 30)")
    print(f"  chat action wait, max   {max(api.action_waits) * 1000:8.2f} ms")
    print(f"  answer delay p50/p99/max {quantiles[49]:7.2f} / {quantiles[98]:.2f} / "
          f"{max(delays):.2f} s")
    print(f"  CPU                     {cpu * 1e6 / (2 * len(sent)):8.1f} us a request")

    unpaced = FloodControl(overall_rate=0, chat_rate=0, group_rate=0)
    started = time.perf_counter()
    api, _, cpu = asyncio.run(run(unpaced, args.chats, args.rounds, args.latency))
    wall = time.perf_counter() - started
    print("pacing off (the limiter's own cost):")
    print(f"  answers/second          {len(api.sent) / wall:8.0f}")
    print(f"  CPU                     {cpu * 1e6 / (2 * len(api.sent)):8.1f} us a request")


if __name__ == "__main__":
    main()
