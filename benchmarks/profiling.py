"""cProfile one contender on one scenario against the loopback server.

Usage::

    .venv/bin/python -m benchmarks.profiling invoke [--who ChatGradient] [--n 2000] [--top 30]
    .venv/bin/python -m benchmarks.profiling stream|tool|concurrent ...

Prints the top functions by own time, then the share of own time per package
(langchain_gradient, langchain_core, httpx/httpcore/h11, pydantic, json, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
from collections import defaultdict
from typing import Any

from benchmarks.contenders import make_contenders
from benchmarks.run import CONCURRENCY, STREAM_CHUNKS, TOOL_PIECES, Server

_BUCKETS = (
    ("langchain_gradient", "langchain_gradient"),
    ("langchain_core", "langchain_core"),
    ("langsmith", "langsmith"),
    ("httpx", "httpx"),
    ("httpcore", "httpcore"),
    ("h11", "h11"),
    ("anyio", "anyio"),
    ("pydantic", "pydantic"),
    ("openai", "openai"),
    ("asyncio", "asyncio"),
    ("json", "json"),
    ("benchmarks", "benchmarks"),
)


def _bucket(filename: str) -> str:
    for needle, name in _BUCKETS:
        if f"/{needle}/" in filename or filename.endswith(f"/{needle}.py"):
            return name
    if filename == "~":
        return "builtins (C)"
    return "other"


def by_package(stats: pstats.Stats) -> dict[str, float]:
    """Own time per package, in seconds."""
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        totals[_bucket(filename)] += tottime
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def workload(contender: Any, scenario: str, n: int) -> Any:
    """A zero-argument callable running the scenario ``n`` times."""
    if scenario == "invoke":
        return lambda: [contender.invoke("bench:chat:0") for _ in range(n)]
    if scenario == "stream":
        return lambda: [contender.stream(f"bench:text:{STREAM_CHUNKS}") for _ in range(n)]
    if scenario == "tool":
        return lambda: [contender.stream(f"bench:tool:{TOOL_PIECES}") for _ in range(n)]
    if scenario == "concurrent":

        async def batches() -> None:
            for _ in range(n):
                await asyncio.gather(
                    *(contender.ainvoke("bench:chat:0") for _ in range(CONCURRENCY))
                )

        def run() -> None:
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(batches())
                loop.run_until_complete(contender.aclose())
            finally:
                loop.close()

        return run
    raise SystemExit(f"unknown scenario {scenario!r}")


def main(argv: list[str] | None = None) -> int:
    """Profile and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["invoke", "stream", "tool", "concurrent"])
    parser.add_argument("--who", default="ChatGradient")
    parser.add_argument("--n", type=int, default=0, help="repetitions (default per scenario)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args(argv)
    n = args.n or {"invoke": 2000, "stream": 5, "tool": 10, "concurrent": 3}[args.scenario]
    server = Server()
    try:
        contender = make_contenders(server.base_url, [args.who])[0]
        workload(contender, args.scenario, max(1, n // 10))()  # warm-up
        profiler = cProfile.Profile()
        profiler.runcall(workload(contender, args.scenario, n))
        contender.close()
    finally:
        server.close()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    total = sum(v for v in by_package(stats).values())
    print(f"own time by package ({args.who}, {args.scenario}, n={n}):")
    for name, seconds in by_package(stats).items():
        print(f"  {name:20s} {seconds * 1e6 / n:10.1f} µs/op  {seconds / total:6.1%}")
    stats.sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
