"""The sandbox carrier in a process of its own, for the engine benchmark.

It stands in for Twilio's servers, which in production run on nobody's cores of ours. Served
from a thread of the benchmark, its sends and status callbacks shared one interpreter (and
its GIL) with the clients whose clocks time each acknowledgement.

    python -m uvicorn --factory scripts.bench_carrier:app   (started by `carrier_process`)
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import FastAPI

from messaging.sandbox import Sandbox, create_sandbox_app


def app() -> FastAPI:
    sandbox = Sandbox(
        os.environ["BENCH_ACCOUNT_SID"],
        os.environ["BENCH_AUTH_TOKEN"],
        os.environ["BENCH_PROGRAM"],
        webhook_url="http://127.0.0.1:9/unset",  # nobody texts in through the carrier here
    )
    return create_sandbox_app(sandbox)


@contextmanager
def carrier_process(
    account_sid: str, auth_token: str, program: str, port: int, log_dir: Path
) -> Iterator[tuple[str, int]]:
    """Run the carrier until the block ends; yields its base URL and pid."""
    env = {
        **os.environ,
        "BENCH_ACCOUNT_SID": account_sid,
        "BENCH_AUTH_TOKEN": auth_token,
        "BENCH_PROGRAM": program,
    }
    argv = [sys.executable, "-m", "uvicorn", "--factory", "scripts.bench_carrier:app"]
    argv += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    with (log_dir / "carrier.log").open("wb") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(port, process)
            yield f"http://127.0.0.1:{port}", process.pid
        finally:
            process.terminate()
            process.wait(timeout=15)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the sandbox carrier exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError("the sandbox carrier did not start")
