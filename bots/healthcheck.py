"""The container's health check: `python -m bots.healthcheck [URL]`; exit status 0 = healthy.

Without a URL it asks this process's `/readyz` on METRICS_PORT (from the
environment) and is healthy on 200 only; with METRICS_PORT unset there is no
server to ask, and the container counts as healthy while it runs. With a URL
(e.g. the simulator's) any HTTP answer below 500 is healthy.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence

TIMEOUT = 4.0


def healthy(url: str, *, ready_only: bool) -> tuple[bool, str]:
    """Whether `url` answers as a healthy server does, and what it answered."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status == 200 or not ready_only, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        body = exc.read(500).decode(errors="replace")
        return (not ready_only and exc.code < 500), f"HTTP {exc.code} {body}".strip()
    except (OSError, ValueError) as exc:
        return False, f"{type(exc).__name__}: {exc}"


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status 0 when healthy, 1 when not (with the reason on stderr)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args:
        ok, said = healthy(args[0], ready_only=False)
    else:
        port = os.environ.get("METRICS_PORT", "").strip()
        if not port:
            return 0
        ok, said = healthy(f"http://127.0.0.1:{port}/readyz", ready_only=True)
    if not ok:
        print(f"unhealthy: {said}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
