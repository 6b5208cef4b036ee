"""Render jobs: export, progress, delivery and cancel, on a durable Redis work queue.

The conversation's handlers call `Renders.export` / `Renders.cancel_chat`; each
bot process runs a `RenderWorker`
for its platform, which polls NemoVideo and delivers the videos through the
platform's `Outgoing`. See `core.renders.lease` for the queue and
`core.renders.delivery` for how each video is delivered exactly once.
"""

from core.renders.consumer import stable_consumer_name
from core.renders.job_record import JobState, RenderJob
from core.renders.jobs import JobStore
from core.renders.service import ExportResult, Renders
from core.renders.submit import Submitted
from core.renders.worker import RenderWorker

__all__ = [
    "ExportResult",
    "JobState",
    "JobStore",
    "RenderJob",
    "RenderWorker",
    "Renders",
    "Submitted",
    "stable_consumer_name",
]
