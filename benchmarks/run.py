"""ChatGradient against raw httpx, a LangChain floor and its peers, on loopback.

Usage::

    .venv/bin/python -m benchmarks.run            # full run (about an hour on 2 shared cores)
    .venv/bin/python -m benchmarks.run --quick    # 5-9 minutes on 2 busy cores
    .venv/bin/python -m benchmarks.run --quick --runs 3   # three passes, ratio ranges
    .venv/bin/python -m benchmarks.run --json out.json

Contenders: raw httpx (the limit), the LangChain floor, ChatGradient, and the
peers that are installed: the official langchain-gradient 1.0.0
(``python -m benchmarks.official`` installs it beside the project) and ChatOpenAI
(``pip install langchain-openai``).

The headline is wall-clock (`benchmarks.wallclock`, in a process of its own):
streams over HTTPS through `benchmarks.relay`, which delays every segment by
``--delay-ms`` (20 ms) each way, timed to the first token and to the end on a
warm connection, and the new connections every path opens per 100 calls. The
client-CPU tables below it are secondary. Every target is printed as met or
missed at the end; nothing is asserted. Methodology: ``benchmarks/README.md``.

The ``instance`` scenarios build a model per call (plainly, and through
``configurable_fields``) against the same server over HTTPS, in a process of
their own (`benchmarks.new_instance`), so the TLS handshake that a pool saves
shows; their ratios are against one reused floor instance.

Everything else runs in one process against `benchmarks.server` (started in its
own process, whose CPU share is reported so a saturated server shows).
Contenders are interleaved within every trial (the order rotates from trial to
trial) and each cell is the median over trials, so slow drift on a shared
machine hits all contenders alike: read the *ratios*, not the absolute numbers.
Ratios are against the "LangChain floor" (`FloorChat`).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

for _var in ("LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING", "LANGCHAIN_TRACING"):
    os.environ.pop(_var, None)

import httpx  # noqa: E402

from benchmarks.contenders import OFFICIAL, make_contenders  # noqa: E402
from benchmarks.official import DEST as OFFICIAL_DEST  # noqa: E402
from benchmarks.spawn import spawn_server, stop_server  # noqa: E402
from benchmarks.wallclock import render as render_wallclock  # noqa: E402
from benchmarks.wallclock import verdict as wallclock_verdict  # noqa: E402

FLOOR = "LangChain floor"
TIMES = "\u00d7"
STREAM_CHUNKS = 2000
TOOL_PIECES = 500
CONCURRENCY = 200
MEMORY_CALLS = 2000
CPU_TARGET = 1.10
"""Client CPU per operation: within this ratio of the floor (a secondary target)."""

IMPORTS = {
    "raw httpx": "import httpx",
    FLOOR: (
        "import httpx; from langchain_core.language_models import BaseChatModel; "
        "from langchain_core.messages import AIMessage, AIMessageChunk; "
        "from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult"
    ),
    "ChatGradient": "from langchain_gradient import ChatGradient",
    "ChatOpenAI": "from langchain_openai import ChatOpenAI",
    OFFICIAL: (
        f"import sys; sys.path.append({str(OFFICIAL_DEST)!r}); "
        "from langchain_gradient_official import ChatGradient"
    ),
}


@dataclass
class Settings:
    """How much work each scenario does."""

    trials: int
    concurrent_trials: int
    invoke_calls: int
    streams: int
    tool_streams: int
    import_reps: int
    instance_calls: int = 50
    """Calls per row and trial of the HTTPS new-instance scenario."""
    memory_calls: int = MEMORY_CALLS
    memory_contenders: tuple[str, ...] | None = None
    """Who gets the (slow, tracemalloc) memory scenario; ``None`` = everyone."""


QUICK = Settings(
    trials=7,
    concurrent_trials=5,
    invoke_calls=100,
    streams=2,
    tool_streams=4,
    import_reps=10,
    memory_contenders=("LangChain floor", "ChatGradient"),
)
FULL = Settings(
    # Many short trials rather than a few long ones: on a shared VM one trial's
    # CPU time varies by ~20 % whatever its length, and the median steadies with
    # the number of trials (invoke, 3 passes: 9 x 300 calls gave 0.82-1.13x the
    # floor, 45 x 100 calls 0.91-0.97x).
    trials=45,
    concurrent_trials=7,
    invoke_calls=100,
    streams=1,
    tool_streams=2,
    import_reps=48,
    instance_calls=100,
)


@dataclass
class Scenario:
    """One row of the table."""

    name: str
    unit: str
    samples: dict[str, list[float]] = field(default_factory=dict)
    """Client CPU time per unit (the headline: robust to noisy neighbours)."""
    wall: dict[str, list[float]] = field(default_factory=dict)
    """Wall time per unit."""
    server_cpu_share: float | None = None
    note: str = ""
    objects: dict[str, int] = field(default_factory=dict)

    def median(self, who: str) -> float | None:
        values = self.samples.get(who)
        return statistics.median(values) if values else None

    def ratio(self, who: str) -> float | None:
        mine, floor = self.median(who), self.median(FLOOR)
        if mine is None or not floor:
            return None
        return mine / floor

    def wall_median(self, who: str) -> float | None:
        values = self.wall.get(who)
        return statistics.median(values) if values else None

    def wall_ratio(self, who: str) -> float | None:
        mine, floor = self.wall_median(who), self.wall_median(FLOOR)
        if mine is None or not floor:
            return None
        return mine / floor

    def add(self, who: str, cpu: float, wall: float) -> None:
        self.samples.setdefault(who, []).append(cpu)
        self.wall.setdefault(who, []).append(wall)


# ------------------------------------------------------------------ server


class Server:
    """`benchmarks.server` in a subprocess."""

    def __init__(self) -> None:
        self.proc, port = spawn_server("benchmarks.server")
        self.root = f"http://127.0.0.1:{port}"
        self.base_url = self.root + "/v1"
        self._stats = httpx.Client()

    def cpu(self) -> float:
        return float(self._stats.get(self.root + "/_stats").json()["cpu"])

    def close(self) -> None:
        self._stats.close()
        stop_server(self.proc)


class CpuShare:
    """Server CPU seconds / wall seconds over a block."""

    def __init__(self, server: Server) -> None:
        self.server = server

    def __enter__(self) -> CpuShare:
        self.cpu0, self.t0 = self.server.cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.share = (self.server.cpu() - self.cpu0) / (time.perf_counter() - self.t0)


# --------------------------------------------------------------- scenarios


def _rotations(contenders: list[Any], trials: int) -> list[list[Any]]:
    n = len(contenders)
    return [[contenders[(t + i) % n] for i in range(n)] for t in range(trials)]


def _time_per_op(fn: Callable[[], object], reps: int) -> tuple[float, float]:
    """(client CPU µs, wall µs) per call of ``fn``."""
    gc.collect()
    cpu0, wall0 = time.process_time_ns(), time.perf_counter_ns()
    for _ in range(reps):
        fn()
    cpu, wall = time.process_time_ns() - cpu0, time.perf_counter_ns() - wall0
    return cpu / reps / 1000.0, wall / reps / 1000.0


def check(contenders: list[Any]) -> None:
    """Every contender gets the same answers before anything is timed."""
    for c in contenders:
        reply = c.invoke("bench:chat:0")
        assert reply == "Hello there!", (c.name, reply)
        content, _ = c.assemble(f"bench:text:{STREAM_CHUNKS}")
        assert content == "tok " * STREAM_CHUNKS, (c.name, len(content))
        _, args = c.assemble(f"bench:tool:{TOOL_PIECES}")
        assert json.loads(args)["limit"] == 5, (c.name, args[:80])
        count = c.stream(f"bench:tool:{TOOL_PIECES}")
        assert count >= TOOL_PIECES, (c.name, count)


def bench_sync(  # noqa: PLR0917 - a private helper, called by keyword-less lambdas
    server: Server,
    contenders: list[Any],
    settings: Settings,
    name: str,
    unit: str,
    reps: int,
    op: Callable[[Any], Callable[[], object]],
) -> Scenario:
    scenario = Scenario(name, unit)
    for c in contenders:  # warm-up: connections, caches, lazy imports
        _time_per_op(op(c), max(1, reps // 4))
    with CpuShare(server) as share:
        for order in _rotations(contenders, settings.trials):
            for c in order:
                scenario.add(c.name, *_time_per_op(op(c), reps))
    scenario.server_cpu_share = share.share
    return scenario


def bench_concurrent(server: Server, contenders: list[Any], settings: Settings) -> Scenario:
    scenario = Scenario(f"{CONCURRENCY} concurrent ainvoke", "ms per batch")

    async def batch(c: Any) -> tuple[float, float]:
        cpu0, wall0 = time.process_time_ns(), time.perf_counter_ns()
        replies = await asyncio.gather(*(c.ainvoke("bench:chat:0") for _ in range(CONCURRENCY)))
        cpu, wall = time.process_time_ns() - cpu0, time.perf_counter_ns() - wall0
        assert all(r == "Hello there!" for r in replies), c.name
        return cpu / 1e6, wall / 1e6

    async def main() -> None:
        for c in contenders:
            await batch(c)
            await batch(c)
        gc.collect()
        with CpuShare(server) as share:
            for order in _rotations(contenders, settings.concurrent_trials):
                for c in order:
                    await batch(c)  # steady state: the pool is warm, as in a busy service
                    scenario.add(c.name, *await batch(c))
        scenario.server_cpu_share = share.share
        for c in contenders:
            await c.aclose()

    asyncio.run(main())
    return scenario


PAD_FRAMES = 160
"""Stack depths the import samples are spread over: about one 16 KiB chunk of
CPython's frame stack, in frames of `_at_depth`'s ``_pad``."""


def _at_depth(code: str, frames: int) -> str:
    """``code`` run ``frames`` Python frames deeper than a script's top level.

    CPython before 3.13.3/3.14 (gh-142183) frees a 16 KiB frame-stack chunk
    when the call that opened it returns, so a loop that keeps calling just
    across a chunk boundary maps and unmaps memory on every call. Importing
    langchain-core builds hundreds of pydantic models in such loops, so the
    same import costs between about 900 and 14,000 ``mmap``/``munmap`` pairs
    depending only on the stack depth it starts at (on Python 3.11, up to
    ~20% of the import's CPU time). A bare ``python -c`` import sits at one
    fixed depth, which favours whichever contender that depth happens to
    suit; every contender is therefore timed at the same spread of depths.
    """
    return (
        "def _pad(n):\n"
        "    if n:\n"
        "        return _pad(n - 1)\n"
        f"    exec({code!r}, {{}})\n"
        f"_pad({frames})\n"
    )


def bench_import(contenders: list[Any], settings: Settings) -> Scenario:
    scenario = Scenario("import", "ms")
    scenario.note = (
        "fresh interpreter per sample, minus a bare `python -c pass`; bytecode cached "
        "for every package, as after a wheel install; samples spread over "
        f"{settings.import_reps} stack depths, the same for every contender (gh-142183)"
    )
    names = [c.name for c in contenders if c.name in IMPORTS]
    # pip compiles an installed package's bytecode; this checkout (editable) and
    # the unpacked official package are compiled by the warm-up run below, even
    # where PYTHONDONTWRITEBYTECODE is set. Otherwise ours would be compiled from
    # source in every sample while the floor's langchain-core never is.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def run(code: str) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter_ns()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=env)
        wall = (time.perf_counter_ns() - start) / 1e6
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1e3
        return cpu, wall

    for who in [FLOOR, *names]:  # warm the OS file cache, write missing bytecode
        run(IMPORTS[who])
    startup: list[tuple[float, float]] = []
    raw: dict[str, list[tuple[float, float]]] = {}
    for t in range(settings.import_reps):
        frames = t * PAD_FRAMES // settings.import_reps
        startup.append(run(_at_depth("pass", frames)))
        for i in range(len(names)):
            who = names[(t + i) % len(names)]
            raw.setdefault(who, []).append(run(_at_depth(IMPORTS[who], frames)))
    base_cpu = statistics.median(c for c, _ in startup)
    base_wall = statistics.median(w for _, w in startup)
    for who, values in raw.items():
        for cpu, wall in values:
            scenario.add(who, cpu - base_cpu, wall - base_wall)
    return scenario


INSTANCE_ROWS = {
    "HTTPS invoke, one instance": {
        FLOOR: "floor reused",
        "ChatGradient": "reused",
        "ChatOpenAI": "ChatOpenAI reused",
    },
    "HTTPS invoke, new instance per call": {
        FLOOR: "floor reused",
        "ChatGradient": "fresh",
        OFFICIAL: "official fresh",
        "ChatOpenAI": "ChatOpenAI fresh",
    },
    "HTTPS invoke, configurable_fields per call": {
        FLOOR: "floor reused",
        "ChatGradient": "configurable",
        "ChatOpenAI": "ChatOpenAI configurable",
    },
}
"""Scenario -> contender -> row of `benchmarks.new_instance` (the floor: one reused instance)."""


def bench_new_instance(names: list[str], settings: Settings) -> list[Scenario]:
    """A model per call over HTTPS (`benchmarks.new_instance`, in its own process).

    Its own process, because it trusts a throwaway CA through ``SSL_CERT_FILE``,
    which clients read when they are built, and this process's pools already
    exist. Every ratio is against one reused floor instance on the same server,
    so a contender that opens a TLS connection per call shows the handshake.
    """
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "instances.json"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.new_instance",
                "--calls",
                str(settings.instance_calls),
                "--rounds",
                str(settings.trials),
                "--json",
                str(out),
            ],
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        rows = json.loads(out.read_text())
    scenarios = []
    for name, mapping in INSTANCE_ROWS.items():
        scenario = Scenario(name, "µs/call")
        conns = []
        for who, row in mapping.items():
            if who not in names or row not in rows:
                continue
            scenario.samples[who] = rows[row]["cpu_us"]
            scenario.wall[who] = rows[row]["wall_us"]
            if who != FLOOR:
                conns.append(f"{who} {rows[row]['connections_per_100_calls']:.0f}")
        scenario.note = (
            "ratio to one reused floor instance over the same HTTPS loopback server; "
            "new TLS connections per 100 calls: " + ", ".join(conns)
        )
        scenarios.append(scenario)
    return scenarios


def bench_wallclock(names: list[str] | None, quick: bool, delay_ms: float) -> dict[str, Any]:
    """`benchmarks.wallclock` in its own process (it trusts a throwaway CA, as `new_instance`)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "wallclock.json"
        command = [sys.executable, "-m", "benchmarks.wallclock", "--json", str(out)]
        command += ["--delay-ms", str(delay_ms)]
        if quick:
            command.append("--quick")
        if names:
            command += ["--only", *names]
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        data: dict[str, Any] = json.loads(out.read_text())
    return data


def cpu_verdict(runs: list[list[Scenario]], who: str = "ChatGradient") -> str:
    """Whether ``who``'s client CPU stayed within `CPU_TARGET` of the floor in every row."""
    worst: dict[str, float] = {}
    for scenarios in runs:
        for s in scenarios:
            ratio = None if s.name.startswith("memory") else s.ratio(who)
            if ratio is not None:
                worst[s.name] = max(ratio, worst.get(s.name, 0.0))
    missed = [f"{name} {ratio:.2f}{TIMES}" for name, ratio in worst.items() if ratio > CPU_TARGET]
    highest = max(worst.values(), default=0.0)
    return (
        f"{who}: client CPU within {CPU_TARGET:.2f}{TIMES} of the floor in every row "
        f"(highest {highest:.2f}{TIMES}): "
        + ("met" if not missed else "MISSED (" + ", ".join(missed) + ")")
    )


def bench_memory(contenders: list[Any], settings: Settings) -> Scenario:
    scenario = Scenario(f"memory growth over {settings.memory_calls:,} invokes", "KiB")
    scenario.note = (
        "tracemalloc growth after gc.collect(), following a 200-invoke warm-up; "
        "(n obj) = growth in gc-tracked objects"
    )
    for c in contenders:
        if settings.memory_contenders and c.name not in settings.memory_contenders:
            continue
        for _ in range(200):
            c.invoke("bench:chat:0")
        gc.collect()
        objects0 = len(gc.get_objects())
        tracemalloc.start()
        traced0 = tracemalloc.get_traced_memory()[0]
        for _ in range(settings.memory_calls):
            c.invoke("bench:chat:0")
        gc.collect()
        traced1 = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        scenario.samples[c.name] = [(traced1 - traced0) / 1024.0]
        scenario.objects[c.name] = len(gc.get_objects()) - objects0
    return scenario


# ------------------------------------------------------------------ report


def machine() -> dict[str, Any]:
    """Machine and package versions, for the record."""
    versions = {}
    for dist in (
        "langchain-gradient",
        "langchain-core",
        "langchain-openai",
        "openai",
        "httpx",
        "httpx-sse",
        "pydantic",
        "orjson",
    ):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "versions": versions,
    }


def _fmt_abs(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def render_table(scenarios: list[Scenario], names: list[str], *, wall: bool = False) -> str:
    """Markdown table: ratio vs the floor, absolute median in parentheses."""
    head = "| scenario (unit) | " + " | ".join(names) + " | server CPU |"
    lines = [head, "|---" * (len(names) + 2) + "|"]
    for s in scenarios:
        cells = []
        for who in names:
            if s.name.startswith("memory"):
                value = s.median(who)
                objects = s.objects.get(who)
                cells.append("-" if value is None else f"{value:+.1f} KiB ({objects:+d} obj)")
                continue
            ratio = s.wall_ratio(who) if wall else s.ratio(who)
            value = s.wall_median(who) if wall else s.median(who)
            if ratio is None:
                cells.append(_fmt_abs(value))
            else:
                cells.append(f"{ratio:.2f}{TIMES} ({_fmt_abs(value)})")
        share = "-" if s.server_cpu_share is None else f"{s.server_cpu_share:.0%}"
        lines.append(f"| {s.name} ({s.unit}) | " + " | ".join(cells) + f" | {share} |")
    return "\n".join(lines)


def run_once(args: argparse.Namespace, settings: Settings) -> tuple[list[Scenario], list[str]]:
    """One full pass: a fresh server and contenders, every chosen scenario."""
    names = args.only
    if names and FLOOR not in names:
        names = [*names, FLOOR]
    server = Server()
    scenarios: list[Scenario] = []
    try:
        contenders = make_contenders(server.base_url, names)
        check(contenders)
        if "invoke" in args.scenarios:
            scenarios.append(
                bench_sync(
                    server,
                    contenders,
                    settings,
                    "invoke, small reply",
                    "µs/call",
                    settings.invoke_calls,
                    lambda c: lambda: c.invoke("bench:chat:0"),
                )
            )
        if "stream" in args.scenarios:
            scenarios.append(
                bench_sync(
                    server,
                    contenders,
                    settings,
                    f"stream, {STREAM_CHUNKS:,} content chunks",
                    "µs/stream",
                    settings.streams,
                    lambda c: lambda: c.stream(f"bench:text:{STREAM_CHUNKS}"),
                )
            )
        if "tool" in args.scenarios:
            scenarios.append(
                bench_sync(
                    server,
                    contenders,
                    settings,
                    f"stream a tool call, args in {TOOL_PIECES} pieces",
                    "µs/stream",
                    settings.tool_streams,
                    lambda c: lambda: c.stream(f"bench:tool:{TOOL_PIECES}"),
                )
            )
        if "concurrent" in args.scenarios:
            scenarios.append(bench_concurrent(server, contenders, settings))
        if "instance" in args.scenarios:
            scenarios.extend(bench_new_instance([c.name for c in contenders], settings))
        if "import" in args.scenarios:
            scenarios.append(bench_import(contenders, settings))
        if "memory" in args.scenarios:
            scenarios.append(bench_memory(contenders, settings))
        for c in contenders:
            c.close()
    finally:
        server.close()
    return scenarios, [c.name for c in contenders]


def render_ranges(runs: list[list[Scenario]], names: list[str]) -> str:
    """Markdown table: per scenario and contender, the lowest-highest ratio over the runs."""
    head = "| scenario | " + " | ".join(names) + " | server CPU |"
    lines = [head, "|---" * (len(names) + 2) + "|"]
    for i, first in enumerate(runs[0]):
        if first.name.startswith("memory"):
            continue
        same = [run[i] for run in runs]
        cells = []
        for who in names:
            ratios = [r for s in same if (r := s.ratio(who)) is not None]
            if not ratios:
                cells.append("-")
            elif min(ratios) == max(ratios):
                cells.append(f"{ratios[0]:.2f}{TIMES}")
            else:
                cells.append(f"{min(ratios):.2f}\u2013{max(ratios):.2f}{TIMES}")
        shares = [s.server_cpu_share for s in same if s.server_cpu_share is not None]
        share = f"{min(shares):.0%}\u2013{max(shares):.0%}" if shares else "-"
        lines.append(f"| {first.name} | " + " | ".join(cells) + f" | {share} |")
    return "\n".join(lines)


def _json_scenarios(scenarios: list[Scenario], order: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "name": s.name,
            "unit": s.unit,
            "server_cpu_share": s.server_cpu_share,
            "note": s.note,
            "results": {
                who: {
                    "cpu_median": s.median(who),
                    "cpu_ratio_vs_floor": s.ratio(who),
                    "wall_median": s.wall_median(who),
                    "wall_ratio_vs_floor": s.wall_ratio(who),
                    "cpu_samples": s.samples.get(who),
                    "wall_samples": s.wall.get(who),
                    "objects": s.objects.get(who),
                }
                for who in order
                if who in s.samples
            },
        }
        for s in scenarios
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables (and JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description="langchain-gradient overhead benchmark")
    parser.add_argument("--quick", action="store_true", help="5-9 minutes on 2 busy cores")
    parser.add_argument("--runs", type=int, default=1, help="whole passes; >1 adds a range table")
    parser.add_argument("--json", metavar="PATH", help="also write JSON here ('-' = stdout)")
    parser.add_argument("--only", nargs="*", help="contender names to include")
    parser.add_argument(
        "--scenarios",
        nargs="*",
        default=[
            "wallclock",
            "invoke",
            "stream",
            "tool",
            "concurrent",
            "instance",
            "import",
            "memory",
        ],
    )
    parser.add_argument(
        "--delay-ms", type=float, default=20.0, help="simulated one-way delay (wallclock)"
    )
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    started = time.perf_counter()
    wallclock = None
    if "wallclock" in args.scenarios:
        only = [*args.only, FLOOR] if args.only and FLOOR not in args.only else args.only
        wallclock = bench_wallclock(only, args.quick, args.delay_ms)
        print("Wall clock over HTTPS behind a simulated network delay (headline):")
        print(render_wallclock(wallclock))
        print(flush=True)
    runs: list[list[Scenario]] = []
    order: list[str] = []
    cpu_scenarios = [s for s in args.scenarios if s != "wallclock"]
    for n in range(args.runs if cpu_scenarios else 0):
        scenarios, order = run_once(args, settings)
        runs.append(scenarios)
        if args.runs > 1:
            print(f"Run {n + 1} of {args.runs}, client CPU time:")
            print(render_table(scenarios, order))
            print(flush=True)
    elapsed = time.perf_counter() - started
    info = machine()
    scenarios = runs[-1] if runs else []
    if args.runs > 1 and runs:
        print(f"Client CPU time, ratio to {FLOOR!r}, lowest\u2013highest of {args.runs} runs:")
        print(render_ranges(runs, order))
    elif runs:
        print("Client CPU time (secondary):")
        print(render_table(scenarios, order))
        print()
        print("Wall time on plain-HTTP loopback, no delay (secondary):")
        print(render_table([s for s in scenarios if s.wall], order, wall=True))
    print()
    if runs:
        print(
            f"Ratios vs {FLOOR!r}, medians in parentheses; {settings.trials} interleaved trials "
            f"({settings.concurrent_trials} for concurrency); "
            "server CPU = server process CPU / wall."
        )
    for s in scenarios:
        if s.note:
            print(f"- {s.name}: {s.note}")
    print(
        f"Machine: {info['cpu']}, {info['cores']} cores, "
        f"{info['implementation']} {info['python']}, {info['platform']}"
    )
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()))
    print(f"Wall time: {elapsed:.0f} s ({'--quick' if args.quick else 'full'})")
    print()
    print("Targets (printed, never asserted):")
    if wallclock is not None:
        for line in wallclock_verdict(wallclock):
            print("- " + line)
    if runs:
        print("- " + cpu_verdict(runs))
    if args.json:
        data = {
            "machine": info,
            "mode": "quick" if args.quick else "full",
            "settings": settings.__dict__,
            "wallclock": wallclock,
            "runs": [_json_scenarios(run, order) for run in runs],
        }
        text = json.dumps(data, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
