"""Instructions per operation, counted by callgrind: `benchmarks.run` without the machine's noise.

Usage::

    .venv/bin/python -m benchmarks.instructions           # invoke, stream, tool; every contender
    .venv/bin/python -m benchmarks.instructions --scenarios invoke --only ChatGradient

CPU time on a shared virtual machine moves by 10-20 % from one pass to the next
(the floor's own time included), which is as large as the differences
`benchmarks.run` is asked to resolve. Instructions executed are the same from run
to run, so this companion counts them: each contender runs a scenario in its own
process under ``valgrind --tool=callgrind`` (the loopback server runs natively,
uncounted), once with zero operations and once with ``N``, after the same
warm-up; the difference divided by ``N`` is what one operation costs the client.
``PYTHONHASHSEED=0`` keeps dictionary layouts the same in every run.

Instructions are not time: cache misses, branch mispredictions and system calls
weigh differently. Read it next to `benchmarks.run`: when both agree, the result
is not noise. Needs ``valgrind`` (Debian/Ubuntu: ``apt-get install valgrind``);
a full run takes about 25 minutes on two cores.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.contenders import make_contenders  # noqa: E402
from benchmarks.run import STREAM_CHUNKS, TOOL_PIECES, Server  # noqa: E402

FLOOR = "LangChain floor"
CONTENDERS = (FLOOR, "ChatGradient", "official 1.0.0", "ChatOpenAI")
SCENARIOS = {
    # name: (operations counted, warm-up operations, label)
    "invoke": (100, 20, "invoke, small reply"),
    "stream": (2, 1, "stream, 2,000 content chunks"),
    "tool": (4, 1, "stream a tool call, args in 500 pieces"),
}
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def _operation(contender: Any, scenario: str) -> Callable[[], object]:
    if scenario == "invoke":
        return lambda: contender.invoke("bench:chat:0")
    if scenario == "stream":
        return lambda: contender.stream(f"bench:text:{STREAM_CHUNKS}")
    return lambda: contender.stream(f"bench:tool:{TOOL_PIECES}")


def worker(who: str, scenario: str, count: int) -> None:
    """Inside callgrind: warm up, then run ``count`` operations."""
    server = Server()
    try:
        found = make_contenders(server.base_url, [who])
        if not found or found[0].name != who:
            raise SystemExit(f"{who!r} is not installed here")
        operation = _operation(found[0], scenario)
        for _ in range(SCENARIOS[scenario][1]):
            operation()
        for _ in range(count):
            operation()
        found[0].close()
    finally:
        server.close()


def count_instructions(who: str, scenario: str, count: int) -> int:
    """Client instructions of one worker run under callgrind."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "benchmarks.instructions",
        "--worker",
        who,
        scenario,
        str(count),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    match = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"callgrind run failed for {who} {scenario}:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def per_operation(who: str, scenario: str) -> float:
    """Instructions one operation costs: (N operations - none) / N."""
    count = SCENARIOS[scenario][0]
    return (count_instructions(who, scenario, count) - count_instructions(who, scenario, 0)) / count


def installed(names: list[str]) -> list[str]:
    """The contenders this environment has (the peers are optional)."""
    present = {c.name for c in make_contenders("http://127.0.0.1:1/v1")}
    return [name for name in names if name in present]


def main(argv: list[str] | None = None) -> int:
    """Count and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--worker", nargs=3, metavar=("WHO", "SCENARIO", "N"), help=argparse.SUPPRESS
    )
    parser.add_argument("--only", nargs="*", help="contender names (the floor is always in)")
    parser.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=list(SCENARIOS))
    args = parser.parse_args(argv)
    if args.worker:
        who, scenario, count = args.worker
        worker(who, scenario, int(count))
        return 0
    names = installed([n for n in CONTENDERS if not args.only or n in args.only or n == FLOOR])
    jobs = [(who, scenario) for scenario in args.scenarios for who in names]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = dict(zip(jobs, pool.map(lambda job: per_operation(*job), jobs), strict=True))
    print("Client instructions per operation (callgrind), ratio to the LangChain floor:")
    print("| scenario | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for scenario in args.scenarios:
        floor = results[(FLOOR, scenario)]
        cells = []
        for who in names:
            value = results[(who, scenario)]
            cells.append(f"{value / floor:.3f}\u00d7 ({value / 1e6:,.2f} M)")
        print(f"| {SCENARIOS[scenario][2]} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
