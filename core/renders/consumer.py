"""The name a process's render worker goes by in its platform's consumer group.

A worker restarted under its previous name re-reads its own pending entries
and resumes them at once; under a new name it waits `render_claim_idle` for
its own jobs, like any other worker taking over from a dead one. So the name
must survive restarts of one replica, and must differ between replicas that
run at the same time.

`RENDER_CONSUMER` sets it outright. Otherwise it is `<platform>-<host>-<slot>`:
the slot is the lowest number whose lock file under the data directory no
other live process holds. The lock is held for the life of the process (the
system drops it when the process dies, however it dies), so a replica
restarted on the same host and data directory gets its slot back, and two
replicas running side by side get different slots.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

from core.settings import Settings

log = logging.getLogger(__name__)

#: how many replicas of one platform may share a host and a data directory
MAX_SLOTS = 64

# lock file -> its descriptor, held until this process exits
_held: dict[Path, int] = {}


def stable_consumer_name(platform: str, settings: Settings) -> str:
    """This process's consumer name in `platform`'s render group (see the module)."""
    if settings.render_consumer:
        return settings.render_consumer
    host = socket.gethostname()
    directory = settings.data_home / "render-consumers"
    try:
        slot = _claim_slot(directory, platform)
    except OSError as exc:
        log.warning("no stable render consumer name (%s: %s); a restart of this process "
                    "waits RENDER_CLAIM_IDLE for its renders. Set RENDER_CONSUMER to avoid it",
                    directory, exc)
        return f"{platform}-{host}-{os.getpid()}"
    return f"{platform}-{host}-{slot}"


def _claim_slot(directory: Path, platform: str) -> int:
    """The lowest slot of `platform` this process holds or can lock."""
    directory.mkdir(parents=True, exist_ok=True)
    for slot in range(MAX_SLOTS):
        path = directory / f"{platform}-{slot}.lock"
        if path in _held:
            return slot
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if _try_lock(fd):
            _held[path] = fd
            return slot
        os.close(fd)
    raise OSError(f"all {MAX_SLOTS} slots of {platform} are taken")


def _try_lock(fd: int) -> bool:
    """Lock the file for this process; False when another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
