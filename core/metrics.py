"""The process's Prometheus metrics (prometheus-client), kept in this one module.

`Metrics` is the `core.observe.Probe` that counts: it is installed while the
health server runs (METRICS_PORT set); without it every report is a no-op.
Each `Metrics` has its own registry, so a process (or a test) may start
several one after the other. Gauges that describe Redis (the queues) are read
when /metrics is scraped, by the `refresh` callback given.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.exposition import choose_encoder

from core.observe import Probe

log = logging.getLogger(__name__)

#: seconds: a chat step takes from milliseconds (commands) to minutes (generation)
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
#: seconds from a finished render to its video in the chat
DELIVERY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
#: renders whose completion time is remembered until they are delivered
MAX_PENDING_DELIVERIES = 10_000


class Metrics(Probe):
    """Counters, histograms and gauges of one process, in their own registry."""

    def __init__(self, refresh: Callable[[Metrics], Awaitable[None]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self._refresh = refresh
        self._completed: OrderedDict[str, float] = OrderedDict()
        reg = self.registry
        for standard in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            reg.register(standard)  # process_*, python_*: memory, CPU, open files, GC
        by_intent = ["platform", "intent"]
        self.messages_received = Counter(
            "nemobot_messages_received", "Chat events received", by_intent, registry=reg)
        self.messages_refused = Counter(
            "nemobot_messages_refused", "Chat events refused on arrival", by_intent,
            registry=reg)
        self.messages_answered = Counter(
            "nemobot_messages_answered", "Chat steps handled, by outcome",
            [*by_intent, "outcome"], registry=reg)
        self.turn_seconds = Histogram(
            "nemobot_turn_seconds", "Time to handle one chat step", by_intent,
            buckets=TURN_BUCKETS, registry=reg)
        self.agent_stream_seconds = Histogram(
            "nemobot_agent_stream_seconds", "Duration of agent streams (run_sse)", ["outcome"],
            buckets=TURN_BUCKETS, registry=reg)
        self.backend_errors = Counter(
            "nemobot_backend_errors", "Failed NemoVideo calls", ["call", "code"], registry=reg)
        self.renders = Counter(
            "nemobot_renders", "Render jobs by event: submitted, completed, delivered, "
            "failed, timed_out, undeliverable, cancelled", ["platform", "event"], registry=reg)
        self.delivery_seconds = Histogram(
            "nemobot_render_delivery_seconds", "From a finished render to its delivery",
            ["platform"], buckets=DELIVERY_BUCKETS, registry=reg)
        self.rate_limits = Counter(
            "nemobot_platform_rate_limited", "Platform answers 429 (flood waits)", ["platform"],
            registry=reg)
        self.redis_errors = Counter(
            "nemobot_redis_errors", "Failures to talk to Redis", ["error"], registry=reg)
        self.lock_waits = Counter(
            "nemobot_lock_waits", "Chat events that found their chat's lock held (they wait "
            "in the chat's queue)", registry=reg)
        self._gauges(reg)

    def _gauges(self, reg: CollectorRegistry) -> None:
        """The gauges: what is waiting now, and who sends as the bot."""
        self.chats_waiting = Gauge(
            "nemobot_chats_waiting", "Chats with queued or running events (all processes)",
            registry=reg)
        self.events_queued = Gauge(
            "nemobot_events_queued", "Chat events waiting in the chats' queues (all processes)",
            registry=reg)
        self.renders_live = Gauge(
            "nemobot_renders_live", "Render jobs not finished, of this process's platform",
            ["platform"], registry=reg)
        self.senders_seen = Gauge(
            "nemobot_senders", "Processes sending as the platform's bot, this one included "
            "(each keeps to its part of the bot-wide limits)", ["platform"], registry=reg)
        self.scrape_errors = Counter(
            "nemobot_scrape_errors", "Scrapes whose queue gauges could not be read",
            registry=reg)

    # -- Probe -------------------------------------------------------------------
    def received(self, platform: str, intent: str) -> None:
        """Count an arriving event."""
        self.messages_received.labels(platform, intent).inc()

    def refused(self, platform: str, intent: str) -> None:
        """Count a refused event."""
        self.messages_refused.labels(platform, intent).inc()

    def answered(self, platform: str, intent: str, outcome: str, seconds: float) -> None:
        """Count a handled step and its duration."""
        self.messages_answered.labels(platform, intent, outcome).inc()
        self.turn_seconds.labels(platform, intent).observe(seconds)

    def agent_stream(self, outcome: str, seconds: float) -> None:
        """Time an agent stream."""
        self.agent_stream_seconds.labels(outcome).observe(seconds)

    def backend_error(self, call: str, code: str) -> None:
        """Count a failed NemoVideo call."""
        self.backend_errors.labels(call, code).inc()

    def render(self, platform: str, event: str, job_id: str) -> None:
        """Count a render event; time from completed to delivered."""
        self.renders.labels(platform, event).inc()
        if event == "completed":
            self._completed[job_id] = time.monotonic()
            while len(self._completed) > MAX_PENDING_DELIVERIES:
                self._completed.popitem(last=False)
        elif (started := self._completed.pop(job_id, None)) is not None and \
                event == "delivered":
            self.delivery_seconds.labels(platform).observe(time.monotonic() - started)

    def rate_limited(self, platform: str) -> None:
        """Count a platform 429."""
        self.rate_limits.labels(platform).inc()

    def redis_error(self, error: str) -> None:
        """Count a Redis failure."""
        self.redis_errors.labels(error).inc()

    def senders(self, platform: str, processes: int) -> None:
        """Show how many processes send as the bot."""
        self.senders_seen.labels(platform).set(processes)

    def lock_busy(self) -> None:
        """Count a lock found held."""
        self.lock_waits.inc()

    # -- exposition ----------------------------------------------------------------
    async def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The metrics in the format the scraper's `Accept` header asks for (Prometheus's
        text format 0.0.4 by default, OpenMetrics...), with its content type; the gauges
        read from Redis first (a failure to read them is logged and counted; the rest is
        served all the same)."""
        if self._refresh is not None:
            try:
                await self._refresh(self)
            except Exception as exc:
                self.scrape_errors.inc()
                log.warning("metrics: the queue gauges could not be read: %r", exc)
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type
