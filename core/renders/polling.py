"""One poll of a render, and what its failures mean for the job (`core.renders.steps`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core.identity import AnonymousTokenRefused, Identities, LinkedTokenExpired
from core.nemo.api import NemoApi
from core.nemo.errors import NemoError, RateLimited, RenderNotFound, SessionNotFound, TokenExpired
from core.nemo.models import RenderStatus
from core.renders.scheduler import Tracked
from core.settings import Settings

log = logging.getLogger(__name__)

#: NemoVideo refuses the credentials a render is polled with, for good
REFUSED = (TokenExpired, LinkedTokenExpired, AnonymousTokenRefused)


@dataclass(frozen=True)
class Missed:
    """A poll that got no answer (rate limited, NemoVideo unreachable): the job is looked
    at again after `delay` seconds."""

    delay: float


async def poll(tr: Tracked, identities: Identities, nemo: NemoApi, settings: Settings,
               worker: str) -> RenderStatus | Missed:
    """The render's status, or `Missed` when the poll got no answer. Raises
    RenderNotFound when NemoVideo does not know the render, SessionNotFound when it
    does not know its project, one of `REFUSED` when it refuses the credentials (the
    token renewed once already where it can be)."""
    job = tr.job
    render_id = job.render_id
    try:
        return await identities.call(job.chat, lambda creds: nemo.poll_render(creds, render_id))
    except RateLimited as exc:
        # Only this job waits (others may well be answered), and never longer than the
        # cap, however far off the backend's Retry-After is.
        wait = exc.retry_after
        if wait is None:
            wait = settings.nemo_rate_limit_wait
        wait = min(wait, settings.render_retry_after_max)
        log.warning("%s: NemoVideo rate limits the polls of %s; next in %.1f s", worker,
                    render_id, wait)
        return Missed(wait)
    except (RenderNotFound, SessionNotFound, *REFUSED):
        raise
    except NemoError as exc:
        log.info("%s: poll of %s failed: %r", worker, render_id, exc)
    return Missed(tr.plan.after_error())
