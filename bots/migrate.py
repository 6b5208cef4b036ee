"""`nemobot migrate`: move a deployment's Redis keys to this version's names (see
`core.migrate`), printing what moved. Run it with every bot stopped."""

from __future__ import annotations

import asyncio

from core.keys import Keys
from core.migrate import Report, migrate
from core.observed_redis import redis_client
from core.operations import wait_for_redis
from core.runtime import embedded_redis
from core.settings import Settings


def run_migrate(settings: Settings, *, dry_run: bool = False) -> int:
    """Migrate the Redis of `settings` (REDIS_URL, or the embedded one under DATA_DIR);
    prints the report and returns the exit status (0)."""
    report = asyncio.run(_migrate(settings, dry_run))
    for line in describe(report, settings):
        print(line)
    return 0


async def _migrate(settings: Settings, dry_run: bool) -> Report:
    async with embedded_redis(settings) as url:
        redis = redis_client(url, cluster=settings.redis_cluster)
        try:
            await wait_for_redis(redis, settings)
            return await migrate(redis, Keys(render_shards=settings.render_shards),
                                 dry_run=dry_run)
        finally:
            await redis.aclose()


def describe(report: Report, settings: Settings) -> list[str]:
    """The report as lines for the terminal."""
    verb = "would move" if report.dry_run else "moved"
    lines = [f"Redis: {settings.redis_shown}; {settings.render_shards} render stream(s) "
             "per platform"]
    if report.nothing:
        lines.append("Nothing to move: every key already has this version's name.")
        return lines
    for what, count in sorted(report.moved.items()):
        lines.append(f"  {verb} {count} {what}")
    if report.streams:
        lines.append(f"  {'would delete' if report.dry_run else 'deleted'} "
                     f"{report.streams} old render stream(s)")
    for key in report.kept:
        lines.append(f"  left {key}: its new name already holds other data (or jobs wait "
                     "on it); nothing was overwritten")
    if report.dry_run:
        lines.append("Dry run: nothing was changed. Run `nemobot migrate` to move them.")
    return lines
