"""What importing each contender adds once the floor's own imports are done.

Usage::

    .venv/bin/python -m benchmarks.import_cost            # 30 samples per contender

`benchmarks.run` times whole interpreters, where start-up, teardown and the
frame-stack chunk churn of gh-142183 (see `benchmarks.run._at_depth`) weigh as
much as the import itself and move by 10 % from pass to pass. Here the floor's
imports (langchain-core's chat model base, messages and outputs, httpx) run once
in this process; each sample then forks a child that imports one contender and
reports the CPU time of that import alone. Every child starts from the same
state at the same stack depth, so what is left is each package's own work.
(This process has also imported `benchmarks.run`, which adds only standard
library modules to the floor's.) The floor's own import is timed in fresh
interpreters, for scale.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import FLOOR, IMPORTS  # noqa: E402


def _child_cpu_ms(code: str) -> float:
    """CPU milliseconds a forked child spends running ``code``."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: time the import, report it, never return
        # A failed import must end the child here, not unwind into the
        # parent's loop that the fork copied (and run its atexit handlers).
        status = 1
        try:
            os.close(read_end)
            start = time.process_time_ns()
            exec(code, {})
            os.write(write_end, str(time.process_time_ns() - start).encode())
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        reported = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not reported:
        raise RuntimeError(f"the child importing {code!r} failed (status {status})")
    return int(reported) / 1e6


def _fresh_cpu_ms(code: str) -> float:
    """CPU milliseconds ``code`` takes in a fresh interpreter (start-up excluded)."""
    timed = (
        "import time\n"
        "start = time.process_time_ns()\n"
        f"exec({code!r}, {{}})\n"
        "print(time.process_time_ns() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", timed], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return int(done.stdout) / 1e6


def main(argv: list[str] | None = None) -> int:
    """Import the floor, then time each contender's import in forked children."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    args = parser.parse_args(argv)
    floor_ms = statistics.median(_fresh_cpu_ms(IMPORTS[FLOOR]) for _ in range(5))
    # Bytecode cached for every package, as after a wheel install: the first
    # child of each contender writes what is missing, even where
    # PYTHONDONTWRITEBYTECODE is set, and is not counted.
    sys.dont_write_bytecode = False
    names = []
    for name in IMPORTS:
        if name in {FLOOR, "raw httpx"}:
            continue
        try:
            _child_cpu_ms(IMPORTS[name])
        except RuntimeError:
            continue  # not installed here (the peers are optional)
        names.append(name)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(args.samples):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            samples[name].append(_child_cpu_ms(IMPORTS[name]))
    print(
        f"The floor's own imports in a fresh interpreter: {floor_ms:,.0f} ms of CPU (median of 5)"
    )
    print("| contender | median ms | lowest ms | share of the floor's import |")
    print("|---|---|---|---|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| {name} | {median:,.1f} | {min(values):,.1f} | {median / floor_ms:.1%} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
