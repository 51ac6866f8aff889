"""Start a benchmark server in its own process and learn its port."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["spawn_server", "stop_server"]


def spawn_server(module: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    """Run ``python -m module *args`` from the repo root; wait for its ``READY <port>`` line.

    The server runs in a process of its own so that its CPU is not the
    client's (the benchmarks measure the client).
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "READY":
        proc.kill()
        msg = f"{module} did not start"
        raise RuntimeError(msg)
    return proc, int(line[1])


def stop_server(proc: subprocess.Popen[str]) -> None:
    """Stop a server started by `spawn_server` (killed if it lingers past 5 s)."""
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
