"""Real Docent servers in subprocesses: gunicorn with its production settings, on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid: int) -> list[int]:
    """Return the child process ids of pid (gunicorn's workers)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


@contextmanager
def gunicorn(
    database_url: str, model_url: str, folder: Path, workers: int = 2, threads: int = 4, **env: str
) -> Iterator[tuple[str, subprocess.Popen[Any], IO[str]]]:
    """Run `gunicorn -c gunicorn.conf.py app:app`; yield its base URL, process and log."""
    port = free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": model_url,
        "RATELIMIT_STORAGE_URI": "memory://",
        "DOCENT_INSTANCE_PATH": str(folder / "instance"),
        "DOCENT_UPSTREAM_RETRIES": "0",
        "DOCENT_RATE_LIMIT_IP": "100000/minute",
        "SECRET_KEY": "test",
        **env,
    }
    log = (folder / "gunicorn.log").open("w+")
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "-w", str(workers)]
    command += ["--threads", str(threads), "-b", f"127.0.0.1:{port}", "app:app"]
    server = subprocess.Popen(command, cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base, server, log
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
