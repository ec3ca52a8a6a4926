"""The load under gunicorn: the production configuration started on the dataset, one signed-in
session per client, each page requested by CLIENTS concurrent clients in a closed loop, the
latency percentiles, and each worker's peak resident memory.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.dataset import ROOT, VENV_BIN, csrf_token
from improvement_tracker.demo.national_people import PASSWORD


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], workers: int, threads: int, port: int) -> subprocess.Popen:
    """The production configuration (gunicorn.conf.py), with the benchmark's worker and thread counts."""
    import httpx  # before starting gunicorn: without it (make bench installs it) nothing is left running

    settings = {"WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads),
                "GUNICORN_WORKER_CLASS": "gthread" if threads > 1 else "sync",
                # No recycling: the peak memory reported is then each worker's over the whole run.
                "GUNICORN_MAX_REQUESTS": "0",
                "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_ACCESS_LOG": "/dev/null"}
    process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
        [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env={**os.environ, **env, **settings}, start_new_session=True)
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not answer /healthz")


def worker_peak_rss_mb(master: int) -> list[float]:
    """VmHWM (peak resident set) of each gunicorn worker, in MB."""
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    peaks = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(round(int(match.group(1)) / 1024, 1))
    return peaks


class Session:
    """One signed-in browser: its session cookie, sent by hand.

    The session cookie is `__Host-`, Secure: HTTP clients other than browsers will not send it
    to http://127.0.0.1, so the benchmark keeps it itself.
    """

    def __init__(self, client, base: str):
        self.client = client
        self.base = base
        self.cookie = ""

    def _keep(self, response) -> None:
        for header in response.headers.get_list("set-cookie"):
            self.cookie = header.split(";", 1)[0]
        self.client.cookies.clear()

    async def get(self, path: str):
        headers = {"Cookie": self.cookie} if self.cookie else {}
        response = await self.client.get(self.base + path, headers=headers)
        self._keep(response)
        return response

    async def sign_in(self, email: str) -> None:
        page = await self.get("/sign-in")
        response = await self.client.post(self.base + "/sign-in", headers={"Cookie": self.cookie},
                                          data={"email": email, "password": PASSWORD,
                                                "csrf_token": csrf_token(page.text)})
        self._keep(response)
        if response.status_code != 302:
            sys.exit(f"could not sign in as {email} ({response.status_code})")


async def _client(session: Session, paths: str, stop_at: float, outcomes: list | None) -> None:
    """One client in a closed loop: the next request as soon as the last one is answered."""
    import httpx

    urls = paths.split(",")
    n = 0
    while time.perf_counter() < stop_at:
        began = time.perf_counter()
        try:
            status = (await session.get(urls[n % len(urls)])).status_code
        except httpx.TransportError:  # a dropped connection counts as an error, not a crash
            status = 0
        n += 1
        if outcomes is not None:
            outcomes.append((time.perf_counter() - began, status))


async def load(base: str, per_client: dict[str, list[tuple[str, str]]], duration: float,
               warmup: float) -> dict[str, tuple[list[float], int, float]]:
    """Per page: (latencies of the answered requests in seconds, errors, seconds measured)."""
    import httpx

    limits = httpx.Limits(max_connections=len(next(iter(per_client.values()))) * 2)
    results: dict[str, tuple[list[float], int, float]] = {}
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        sessions: dict[str, Session] = {}
        for pairs in per_client.values():
            for email, _ in pairs:
                if email and email not in sessions:
                    sessions[email] = Session(client, base)
                    await sessions[email].sign_in(email)
        for name, pairs in per_client.items():
            await asyncio.gather(*(_client(sessions.get(email) or Session(client, base), paths,
                                           time.perf_counter() + warmup, None) for email, paths in pairs))
            outcomes: list[tuple[float, int]] = []
            began = time.perf_counter()
            await asyncio.gather(*(_client(sessions.get(email) or Session(client, base), paths, began + duration,
                                           outcomes) for email, paths in pairs))
            elapsed = time.perf_counter() - began
            results[name] = ([t for t, status in outcomes if status == 200],
                             sum(1 for _, status in outcomes if status != 200), elapsed)
    return results


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def measure(env: dict[str, str], per_client: dict[str, list[tuple[str, str]]], *, workers: int, threads: int,
            duration: float, warmup: float) -> tuple[dict[str, tuple[list[float], int, float]], list[float]]:
    """Start gunicorn on the dataset, load every page, read each worker's peak memory, stop gunicorn."""
    port = free_port()
    server = start_gunicorn(env, workers, threads, port)
    try:
        raw = asyncio.run(load(f"http://127.0.0.1:{port}", per_client, duration, warmup))
        rss = worker_peak_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return raw, rss
