"""Upload benchmark: memory and throughput of NemoClient.upload_files against curl.

Starts the NemoVideo simulator in a separate process, writes a 500 MiB file to a
temporary directory, uploads it through `NemoClient` while sampling this
process's resident memory, then uploads the same file with `curl -F` to the same
endpoint with the same headers, and prints both results and their ratio.

    .venv/bin/python bench/upload_memory.py [--size-mib 500] [--runs 2]

Targets: under 60 MB of RSS growth; at least 0.8x curl's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.nemo.client import NemoClient
from core.nemo.models import Credentials
from core.settings import Settings

MIB = 1024 * 1024
RSS_TARGET_MB = 60.0
SPEED_TARGET = 0.8


def bench_settings(base_url: str) -> Settings:
    """Settings for the simulator at `base_url`, ignoring any `.env` file."""
    values: dict[str, Any] = {"_env_file": None, "nemo_api_url": base_url}
    return Settings(**values)


def _serve(conn: Connection, max_upload_bytes: int) -> None:
    """Child process: run the simulator until the parent says stop."""
    from core.simulator import SimConfig, Simulator

    async def main() -> None:
        sim = Simulator(config=SimConfig(max_upload_bytes=max_upload_bytes))
        base_url = await sim.start(host="127.0.0.1", port=0)
        conn.send(base_url)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, conn.recv)
        await sim.stop()

    asyncio.run(main())


@contextmanager
def simulator_process(max_upload_bytes: int) -> Iterator[str]:
    """The simulator in its own process; yields its base URL."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, max_upload_bytes), daemon=True)
    process.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the simulator did not start within 60 s")
        yield str(parent.recv())
    finally:
        parent.send("stop")
        process.join(15)
        if process.is_alive():
            process.terminate()
            process.join(5)


def rss_bytes() -> int:
    """This process's resident set size (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("VmRSS not found in /proc/self/status")


class RssSampler:
    """Samples VmRSS in a thread and keeps the peak."""

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.baseline = rss_bytes()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def growth_mb(self) -> float:
        """Peak growth over the baseline, in MB (10^6 bytes)."""
        return (self.peak - self.baseline) / 1e6


def make_file(path: Path, size: int) -> None:
    """Write `size` bytes of non-repeating-per-MiB data."""
    block = os.urandom(MIB)
    with path.open("wb") as out:
        written = 0
        index = 0
        while written < size:
            chunk = index.to_bytes(8, "little") + block[8:]
            chunk = chunk[: size - written]
            out.write(chunk)
            written += len(chunk)
            index += 1


@dataclass
class Run:
    """One upload's figures."""

    seconds: float
    size: int
    rss_growth_mb: float | None = None

    @property
    def mb_per_s(self) -> float:
        """Throughput in MB/s (10^6 bytes per second)."""
        return self.size / 1e6 / self.seconds


async def prepare(base_url: str) -> tuple[Credentials, str]:
    """An anonymous token and a fresh session on the simulator."""
    async with NemoClient(bench_settings(base_url)) as client:
        anon = await client.anonymous_token(f"bench-{os.getpid()}-{time.time_ns()}")
        session = await client.create_session(anon.credentials, "en")
        return anon.credentials, session.session_id


async def upload_with_client(base_url: str, creds: Credentials, session_id: str, path: Path) -> Run:
    """Upload through NemoClient, sampling RSS."""
    async with NemoClient(bench_settings(base_url)) as client:
        # A small warm-up request so connection setup and lazy imports are not measured.
        await client.credits(creds)
        with RssSampler() as sampler:
            started = time.perf_counter()
            result = await client.upload_files(creds, session_id, [path])
            elapsed = time.perf_counter() - started
    if len(result.files) != 1:
        raise RuntimeError(f"expected one uploaded file, got {len(result.files)}")
    return Run(elapsed, path.stat().st_size, sampler.growth_mb)


def upload_with_curl(
    base_url: str, creds: Credentials, session_id: str, path: Path, workdir: Path
) -> Run:
    """Upload the same file with curl -F, same endpoint and headers."""
    settings = bench_settings(base_url)
    header_file = workdir / "headers.txt"
    headers = {
        **settings.attribution_headers,
        "Authorization": f"Bearer {creds.token.get_secret_value()}",
    }
    header_file.write_text("".join(f"{k}: {v}\n" for k, v in headers.items()))
    header_file.chmod(0o600)
    url = f"{settings.api_url}/api/upload-video/nemo_agent/me/{session_id}"
    command = [
        shutil.which("curl") or "/usr/bin/curl",
        "-sS",
        "--fail-with-body",
        "-o",
        str(workdir / "curl-answer.json"),
        "-H",
        f"@{header_file}",
        "-H",
        "Expect:",
        "-F",
        f"files=@{path}",
        url,
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    elapsed = time.perf_counter() - started
    answer = (workdir / "curl-answer.json").read_text()
    if '"code": 0' not in answer and '"code":0' not in answer:
        raise RuntimeError("curl's upload was not accepted")
    return Run(elapsed, path.stat().st_size)


def main() -> int:
    """Run the benchmark and print the figures; exit status 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3, help="uploads per tool, interleaved")
    args = parser.parse_args()
    size = args.size_mib * MIB
    with tempfile.TemporaryDirectory(prefix="nemobench-") as tmp, simulator_process(size) as url:
        workdir = Path(tmp)
        path = workdir / "big.mp4"
        print(f"simulator at {url}; writing a {args.size_mib} MiB file ...", flush=True)
        make_file(path, size)
        creds, session_id = asyncio.run(prepare(url))
        client_runs: list[Run] = []
        curl_runs: list[Run] = []
        for index in range(args.runs):
            client_runs.append(asyncio.run(upload_with_client(url, creds, session_id, path)))
            curl_runs.append(upload_with_curl(url, creds, session_id, path, workdir))
            c, k = client_runs[-1], curl_runs[-1]
            print(
                f"run {index + 1}: NemoClient {c.seconds:.2f} s {c.mb_per_s:.0f} MB/s "
                f"(RSS +{c.rss_growth_mb:.1f} MB); curl {k.seconds:.2f} s {k.mb_per_s:.0f} MB/s",
                flush=True,
            )
    client_speed = statistics.median(r.mb_per_s for r in client_runs)
    curl_speed = statistics.median(r.mb_per_s for r in curl_runs)
    best_ratio = max(r.mb_per_s for r in client_runs) / max(r.mb_per_s for r in curl_runs)
    worst_rss = max(r.rss_growth_mb or 0.0 for r in client_runs)
    ratio = client_speed / curl_speed
    print()
    print(f"file size            {size / 1e6:.1f} MB ({args.size_mib} MiB), {args.runs} runs each")
    print(f"NemoClient (median)  {client_speed:8.1f} MB/s")
    print(f"curl -F (median)     {curl_speed:8.1f} MB/s")
    print(f"throughput ratio     {ratio:8.2f}x curl   (target >= {SPEED_TARGET}x)")
    print(f"  best vs best       {best_ratio:8.2f}x curl")
    print(f"peak RSS growth      {worst_rss:8.1f} MB      (worst; target < {RSS_TARGET_MB:.0f} MB)")
    passed = worst_rss < RSS_TARGET_MB and ratio >= SPEED_TARGET
    print("result               " + ("PASS" if passed else "FAIL"))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
