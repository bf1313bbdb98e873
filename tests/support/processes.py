"""Real `peerline serve` processes for tests that need several app processes at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.waiting import wait_for


@contextmanager
def serve_processes(
    count: int,
    ports: list[int],
    env: dict[str, str],
    log_dir: Path,
    processes: list[subprocess.Popen[bytes]] | None = None,
    start_timeout: float = 60.0,
    roles: list[str] | None = None,
) -> Iterator[list[str]]:
    """Start `count` app processes on `ports`, sharing `env`; yields their base URLs and
    stops them (SIGTERM, then SIGKILL) at the end. `processes`, if given, receives the
    processes (a fault test kills one); `roles`, if given, is each process's `ROLE`."""
    processes = [] if processes is None else processes
    urls = [f"http://127.0.0.1:{port}" for port in ports[:count]]
    try:
        for index, (port, url) in enumerate(zip(ports, urls, strict=False)):
            own = {
                **os.environ,
                **env,
                "PORT": str(port),
                "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", url),  # a balancer's, if given
                "PYTHONUNBUFFERED": "1",
                **({"ROLE": roles[index]} if roles else {}),
            }
            log = (log_dir / f"app-{index}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "peerline", "serve"],
                    env=own,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for url, process in zip(urls, processes, strict=True):
            wait_for(
                lambda u=url, p=process: _up(u, p), timeout=start_timeout, what=f"{url} to start"
            )
        yield urls
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _up(url: str, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the app at {url} exited with {process.returncode}")
    try:
        return httpx.get(f"{url}/healthz", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
