"""CPU time to relay a long agent answer that streams in small fragments.

Drives the relay's real listener and live message (`core.conversation.streaming`) with
an answer of 50, 100 and 200 KB in fragments of --piece characters (agent text with GUI
talk to rewrite, paragraph after paragraph, and a trailing temporary-issue notice), into
an output that records what it is asked to show. The live message is repainted at most
once per --interval seconds, as in production (EDIT_INTERVAL); the loop yields after every
fragment, as it does between network reads. Prints, per size, the CPU seconds, the CPU
per KB (flat when the cost is linear) and the characters the rewrite processed.

`--one-line` makes the answer one long line (no line breaks), the hardest case for a
rewrite that works line by line. `--before` also times the former way, the whole answer
rewritten for every fragment (with today's rewrite functions), on answers of 5, 10 and
20 KB: its time per KB doubles when the size doubles.

    .venv/bin/python bench/relay_stream.py [--piece 10] [--interval 1.0] [--one-line] [--before]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.collecting import CollectingOutput
from core.conversation.glitch import strip_trailing_glitch
from core.conversation.gui import translate
from core.conversation.streaming import Listener
from core.conversation.turn import Turn
from core.messages import ChatKey, IncomingMessage, User
from core.nemo.events import FullText, TextFragment
from core.store import ChatSession

PARAGRAPH = (
    'Done! I combined 3 clips into a 12-second video with fade transitions and added the '
    'title "Urban Dreams" (0-3s). Preview in timeline to check the cut. When you are '
    "happy, click the Export button in the top right corner to render your video.\n\n"
)
NOTICE = "I encountered a temporary issue. Please try again."


def answer_of(size: int, one_line: bool = False) -> str:
    """An agent answer of `size` characters that ends with the trailing notice."""
    paragraph = PARAGRAPH.replace("\n", " ") if one_line else PARAGRAPH
    body = (paragraph * (size // len(paragraph) + 1))[: size - len(NOTICE) - 1]
    return body + " " + NOTICE


async def _keep(session: ChatSession) -> None:
    return None


async def relay(text: str, piece: int, interval: float) -> tuple[float, int, int]:
    """CPU seconds to relay `text`, characters processed, and messages painted."""
    out = CollectingOutput()
    message = IncomingMessage(ChatKey("bench", "1"), User("u", "Ada", "en"), "1", "combine")
    turn = Turn(message, ChatSession(), "en", out, _keep)
    started = time.process_time()
    listener = Listener(turn, edit_interval=interval, still_working_every=3600.0,
                        patience=0.0, notice=True)
    async with listener.running():
        for start in range(0, len(text), piece):
            await listener.on_event(TextFragment(text[start:start + piece]))
            await asyncio.sleep(0)
        await listener.on_event(FullText(text))
    await listener.live.finish(listener.answer.shown().text)
    cpu = time.process_time() - started
    painted = sum(1 for r in out.records if r.kind in ("text", "edit"))
    return cpu, listener.answer.text.processed, painted


def rewrite_every_fragment(text: str, piece: int) -> float:
    """CPU seconds of the former way: the whole answer so far rewritten per fragment."""
    started = time.process_time()
    fragments: list[str] = []
    for start in range(0, len(text), piece):
        fragments.append(text[start:start + piece])
        translate(strip_trailing_glitch("".join(fragments).strip()))
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--piece", type=int, default=10, help="characters per fragment")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between paints")
    parser.add_argument("--one-line", action="store_true", help="an answer without breaks")
    parser.add_argument("--before", action="store_true", help="also time the former way")
    args = parser.parse_args()
    print(f"relay, fragments of {args.piece} characters, a paint at most every "
          f"{args.interval} s{', one line' if args.one_line else ''}")
    print(f"{'size':>8} {'cpu s':>8} {'ms/KB':>7} {'processed':>10} {'paints':>7}")
    for size in (50_000, 100_000, 200_000):
        text = answer_of(size, args.one_line)
        cpu, processed, painted = asyncio.run(relay(text, args.piece, args.interval))
        print(f"{size // 1000:>6}KB {cpu:>8.3f} {1000 * cpu / (size / 1000):>7.2f} "
              f"{processed:>10} {painted:>7}")
    if args.before:
        print("former way: the whole answer rewritten for every fragment")
        print(f"{'size':>8} {'cpu s':>8} {'ms/KB':>7}")
        for size in (5_000, 10_000, 20_000):
            cpu = rewrite_every_fragment(answer_of(size, args.one_line), args.piece)
            print(f"{size // 1000:>6}KB {cpu:>8.3f} {1000 * cpu / (size / 1000):>7.2f}")


if __name__ == "__main__":
    main()
