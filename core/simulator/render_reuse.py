"""Reusing the output of an identical render: the same ffmpeg inputs make the same MP4.

A render's key is a hash of what its ffmpeg command reads: the command itself
(with its scratch folder, output path and thread count left out: they do not
change the picture), the files it wrote into its scratch folder (title texts),
and the size and modification time of every input file. A later render with
the same key gets the earlier file hard-linked (or copied) instead of running
ffmpeg again. Renders of one key that arrive while its first encode runs wait
for that encode rather than start their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)


def command_key(command: Sequence[str], workdir: Path, output: Path) -> str:
    """The hash of everything an ffmpeg render command reads (see the module's text)."""
    digest = hashlib.sha256()
    scratch = str(workdir)
    skip_next = False
    for index, arg in enumerate(command):
        if skip_next:
            skip_next = False
            continue
        if arg == "-threads":
            skip_next = True
            continue
        if arg == str(output):
            arg = "<output>"
        digest.update(arg.replace(scratch, "<work>").encode() + b"\0")
        if index > 0 and command[index - 1] == "-i":
            digest.update(_stamp(Path(arg)))
    for path in sorted(workdir.iterdir()):
        if path.is_file() and path != output:
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _stamp(path: Path) -> bytes:
    """Size and modification time of an input file (nothing for a lavfi source)."""
    try:
        stat = path.stat()
    except (OSError, ValueError):
        return b"-"
    return f"{stat.st_size}:{stat.st_mtime_ns}".encode()


def link_or_copy(source: Path, target: Path) -> bool:
    """Put `source`'s content at `target` (a hard link, else a copy); False when
    `source` is gone."""
    try:
        os.link(source, target)
        return True
    except FileNotFoundError:
        return False
    except FileExistsError:
        target.unlink()
        return link_or_copy(source, target)
    except OSError as exc:  # another file system, or links not allowed: copy instead
        logger.debug("could not link %s to %s (%s); copying", source, target, exc)
    try:
        shutil.copyfile(source, target)
    except FileNotFoundError:
        return False
    return True


class Outputs:
    """Finished render outputs by key, and the encodes running now."""

    def __init__(self) -> None:
        self._made: dict[str, Path] = {}
        self._making: dict[str, asyncio.Future[None]] = {}
        #: renders that ran ffmpeg / that reused an earlier output
        self.encoded = 0
        self.reused = 0

    async def reuse(self, key: str, target: Path) -> bool:
        """Put an earlier output of `key` at `target`, after waiting for an encode of the
        same key that is running; False when there is none (the caller encodes)."""
        while True:
            earlier = self._made.get(key)
            if earlier is not None:
                if await asyncio.to_thread(link_or_copy, earlier, target):
                    self.reused += 1
                    return True
                self._made.pop(key, None)  # deleted meanwhile (a reset)
            running = self._making.get(key)
            if running is None:
                return False
            await asyncio.wait({running})

    @contextlib.asynccontextmanager
    async def making(self, key: str, target: Path) -> AsyncIterator[None]:
        """Around the encode of `key` into `target`: others of the key wait for it, and
        `target` is reused once the block ends without an error."""
        done = asyncio.get_running_loop().create_future()
        self._making[key] = done
        try:
            yield
            self._made[key] = target
            self.encoded += 1
        finally:
            del self._making[key]
            done.set_result(None)

    def clear(self) -> None:
        """Forget the finished outputs (their files were deleted)."""
        self._made.clear()
