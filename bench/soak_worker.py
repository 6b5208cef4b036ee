"""One bot process of the soak (`bench/soak.py`): the whole runtime (dispatcher, sweep,
render worker) against Redis and a NemoVideo backend, answering into a directory.

    python bench/soak_worker.py --out DIR

Settings come from the environment, as for `nemobot`. It runs until SIGTERM (a graceful
stop with STOP_GRACE) or SIGKILL. SIGUSR1 writes the stack of every asyncio task to
stderr (the soak asks for it when chats are still stuck at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.runtime import open_runtime, stop_on_signals
from core.settings import load_settings
from tests.kits.renders import DirOutgoing


def dump_tasks() -> None:
    """Every asyncio task of this process and where it waits, to stderr."""
    tasks = asyncio.all_tasks()
    print(f"--- {len(tasks)} tasks", file=sys.stderr)
    for task in sorted(tasks, key=lambda t: t.get_name()):
        print(f"--- task {task.get_name()}", file=sys.stderr)
        task.print_stack(limit=12, file=sys.stderr)
    sys.stderr.flush()


async def main(out: Path) -> None:
    """Serve until SIGTERM."""
    settings = load_settings()
    stop = stop_on_signals()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, dump_tasks)
    async with open_runtime(settings, DirOutgoing(out), platform="soak") as runtime:
        runtime.start()
        print("ready", flush=True)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, type=Path)
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    asyncio.run(main(parser.parse_args().out))
