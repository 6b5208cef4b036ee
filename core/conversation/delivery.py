"""Delivering what the agent already answered, whatever the platform does.

An answer is paid for (credits spent) once the agent has given it: a platform that
refuses to take it (after the adapter's own retries: flood waits, 5xx, timeouts)
must not turn it into an error reply, and the agent is never asked again. The send
is retried with a growing pause for a bounded time (`patience`); then it is given
up with an error in the log that keeps the answer's start, and the turn ends as
done (its session saved). A failure that would come again on every attempt (the
chat takes no message from the bot any more, the text cannot be encoded) is given up
at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from core.messages import ChatKey
from core.outgoing import BUSY_MARGIN, Busy, Unreachable

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

#: the first pause before sending again (at most a tenth of the patience), doubled after
#: each refusal
FIRST_PAUSE = 2.0
#: the most sends of one answer
MAX_ATTEMPTS = 6
#: the longest wait a platform may ask for (`Busy.retry_after`) that is still waited out
BUSY_WAIT_MAX = 600.0
#: how much of an undelivered answer the log keeps
LOGGED_CHARS = 500
#: failures that would come again on every attempt, the text itself being at fault (a
#: chat that takes no message any more, `Unreachable`, is given up at once too)
PERMANENT = (UnicodeError, TypeError, ValueError)


def pauses(patience: float) -> list[float]:
    """The pauses before each new attempt: doubling, all within `patience` seconds."""
    result: list[float] = []
    pause, left = min(FIRST_PAUSE, patience / 10), patience
    while left > 0 and len(result) < MAX_ATTEMPTS - 1:
        result.append(min(pause, left))
        left -= result[-1]
        pause *= 2
    return result


async def deliver(chat: ChatKey, what: str, send: Callable[[], Awaitable[T]], *,
                  patience: float, sleep: Sleep = asyncio.sleep,
                  text: str = "") -> T | None:
    """`send()`, retried while it fails, for at most `patience` seconds of pauses (and
    no new attempt once that time has passed); None when it never went through.
    `what` names it in the log, which keeps the start of `text` if it is lost.

    A platform that says when to come back (`Busy` with a `retry_after`) is not sent
    anything before then, and is waited for past `patience` (up to `BUSY_WAIT_MAX`): the
    answer is paid for, and the wait is the platform's rule."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    schedule = pauses(patience)
    attempts = len(schedule) + 1
    for attempt in range(1, attempts + 1):
        asked: float | None = None
        try:
            return await send()
        except Unreachable as exc:
            log.warning("chat %s: %s not delivered, the chat takes no message: %s", chat,
                        what, exc)
            return None
        except PERMANENT as exc:
            log.error("chat %s: %s cannot be delivered: %r", chat, what, exc, exc_info=exc)
            break
        except Exception as exc:  # whatever the platform raised: try again, then give up
            asked = exc.retry_after if isinstance(exc, Busy) else None
            log.warning("chat %s: %s not delivered (attempt %d of %d): %r%s", chat, what,
                        attempt, attempts, exc,
                        f" (the platform asks to wait {asked:g} s)" if asked else "")
        if attempt == attempts:
            break
        pause = schedule[attempt - 1]
        if asked is not None:
            if asked > BUSY_WAIT_MAX:
                break
            pause = max(pause, asked + BUSY_MARGIN)
        elif loop.time() >= deadline:
            break
        await sleep(pause)
    log.error("chat %s: gave up delivering %s (%d characters): %r", chat, what, len(text),
              text[:LOGGED_CHARS])
    return None
