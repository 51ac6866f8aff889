"""Per-call cost of a model instance per call, against a TLS loopback server.

Run: ``.venv/bin/python -m benchmarks.new_instance [--calls N] [--rounds R]``.

Real code often builds a model per request (web handlers, ``configurable_fields``).
What that costs depends on whether connections are reused: a new TLS
connection means a new handshake. Each row makes ``--calls`` sync ``invoke``
calls through the server of ``benchmarks.server`` (its own process, HTTPS with
a ``trustme`` certificate, trusted through ``SSL_CERT_FILE`` like any private
CA) and reports the median per-call wall time over ``--rounds``, its ratio to
one reused instance, and the TLS connections the server accepted per row:

- ``reused``: one `ChatGradient`, every call through it.
- ``fresh``: ``ChatGradient(...)`` per call (shares the process's pool).
- ``configurable``: ``configurable_fields`` with a new temperature per call.
- ``fresh, own client``: what a fresh instance cost before pools were shared:
  a private ``httpx.Client`` per instance, closed after its call.
- ``floor reused``: the LangChain floor of `benchmarks.run` (a trivial
  `BaseChatModel`, one pooled ``httpx.Client``), one instance: the base of the
  ratios ``python -m benchmarks.run`` reports for this scenario.
- ``ChatOpenAI reused`` / ``fresh`` / ``configurable``: the same, when
  ``langchain-openai`` is installed (optional).
- ``official fresh``: the official langchain-gradient 1.0.0, a new instance per
  call, when ``python -m benchmarks.official`` installed it (optional; it
  builds a new pydo client per call whatever the instance).

``--json PATH`` also writes every row's per-call client CPU and wall times
(one sample per round) and its connection count, for `benchmarks.run`.

On a loopback the handshake is cheap (no network round trips); against
Gradient each new connection adds at least one more round trip.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from langchain_core.runnables import ConfigurableField

from benchmarks.contenders import FloorChat
from benchmarks.official import load as load_official
from benchmarks.server import MODEL
from benchmarks.spawn import spawn_server, stop_server
from langchain_gradient import ChatGradient, close_shared_clients

API_KEY = "bench-key-not-secret"
PROMPT = "bench:chat:0"


class TlsServer:
    """`benchmarks.server` over HTTPS in a subprocess, with a throwaway CA."""

    def __init__(self, folder: Path) -> None:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1")
        certfile, keyfile = folder / "server.pem", folder / "server.key"
        cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
        cert.private_key_pem.write_to_path(str(keyfile))
        self.ca_file = folder / "ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        self.proc, port = spawn_server(
            "benchmarks.server", "--certfile", str(certfile), "--keyfile", str(keyfile)
        )
        self.root = f"https://127.0.0.1:{port}"
        self.base_url = self.root + "/v1"
        self._stats = httpx.Client(verify=str(self.ca_file))

    def connections(self) -> int:
        return int(self._stats.get(self.root + "/_stats").json()["connections"]) - 1

    def close(self) -> None:
        self._stats.close()
        stop_server(self.proc)


def _gradient(base_url: str, **kwargs: Any) -> ChatGradient:
    return ChatGradient(model=MODEL, base_url=base_url, api_key=API_KEY, **kwargs)  # type: ignore[arg-type]


def contenders(base_url: str) -> dict[str, Callable[[int], None]]:
    """Row name -> ``run(calls)``."""
    reused = _gradient(base_url)
    configurable = _gradient(base_url).configurable_fields(
        temperature=ConfigurableField(id="temperature")
    )

    def run_reused(calls: int) -> None:
        for _ in range(calls):
            reused.invoke(PROMPT)

    def run_fresh(calls: int) -> None:
        for _ in range(calls):
            _gradient(base_url).invoke(PROMPT)

    def run_configurable(calls: int) -> None:
        for i in range(calls):
            config: Any = {"configurable": {"temperature": (i % 10) / 10}}
            configurable.invoke(PROMPT, config=config)

    def run_own_client(calls: int) -> None:
        for _ in range(calls):
            with httpx.Client() as client:
                _gradient(base_url, http_client=client).invoke(PROMPT)

    floor = FloorChat(base_url=base_url)

    def run_floor(calls: int) -> None:
        for _ in range(calls):
            floor.invoke(PROMPT)

    rows: dict[str, Callable[[int], None]] = {
        "reused": run_reused,
        "fresh": run_fresh,
        "configurable": run_configurable,
        "fresh, own client": run_own_client,
        "floor reused": run_floor,
    }
    official = load_official(base_url.removesuffix("/v1"))
    if official is not None:

        def run_official_fresh(calls: int) -> None:
            for _ in range(calls):
                official(model=MODEL, api_key=API_KEY).invoke(PROMPT)

        rows["official fresh"] = run_official_fresh
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        return rows

    def openai(**kwargs: Any) -> Any:
        return ChatOpenAI(model=MODEL, base_url=base_url, api_key=API_KEY, **kwargs)  # type: ignore[arg-type]

    openai_reused = openai()

    def run_openai_reused(calls: int) -> None:
        for _ in range(calls):
            openai_reused.invoke(PROMPT)

    def run_openai_fresh(calls: int) -> None:
        for _ in range(calls):
            openai().invoke(PROMPT)

    openai_configurable = openai().configurable_fields(
        temperature=ConfigurableField(id="temperature")
    )

    def run_openai_configurable(calls: int) -> None:
        for i in range(calls):
            config: Any = {"configurable": {"temperature": (i % 10) / 10}}
            openai_configurable.invoke(PROMPT, config=config)

    rows["ChatOpenAI reused"] = run_openai_reused
    rows["ChatOpenAI fresh"] = run_openai_fresh
    rows["ChatOpenAI configurable"] = run_openai_configurable
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run every row; print per-call medians, ratios and connection counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="calls per row and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (rows interleaved)")
    parser.add_argument("--json", metavar="PATH", help="also write the samples here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        server = TlsServer(Path(folder))
        # Every contender builds its clients with the default trust store,
        # which honours SSL_CERT_FILE: the throwaway CA is trusted like a
        # company CA would be, and no contender needs special arguments.
        os.environ["SSL_CERT_FILE"] = str(server.ca_file)
        # The official package's pydo client runs on requests, which reads its own variable.
        os.environ["REQUESTS_CA_BUNDLE"] = str(server.ca_file)
        try:
            rows = contenders(server.base_url)
            for run in rows.values():
                run(5)  # warm: imports, first handshake, caches
            times: dict[str, list[float]] = {name: [] for name in rows}
            cpu: dict[str, list[float]] = {name: [] for name in rows}
            connections = dict.fromkeys(rows, 0)
            names = list(rows)
            for r in range(args.rounds):
                for i in range(len(names)):  # the order rotates from round to round
                    name = names[(r + i) % len(names)]
                    before = server.connections()
                    cpu0, start = time.process_time(), time.perf_counter()
                    rows[name](args.calls)
                    times[name].append((time.perf_counter() - start) / args.calls)
                    cpu[name].append((time.process_time() - cpu0) / args.calls)
                    connections[name] += server.connections() - before
            close_shared_clients()
        finally:
            server.close()
    base = statistics.median(times["reused"])
    print(f"{args.calls} sync invoke calls x {args.rounds} rounds, HTTPS loopback")
    print(f"{'row':<24} {'us/call':>9} {'x reused':>9} {'TLS conns/100 calls':>20}")
    for name, found in times.items():
        median = statistics.median(found)
        per_100 = connections[name] * 100 / (args.calls * args.rounds)
        print(f"{name:<24} {median * 1e6:>9.0f} {median / base:>9.2f} {per_100:>20.1f}")
    if args.json:
        samples = {
            name: {
                "cpu_us": [v * 1e6 for v in cpu[name]],
                "wall_us": [v * 1e6 for v in times[name]],
                "connections_per_100_calls": connections[name] * 100 / (args.calls * args.rounds),
            }
            for name in rows
        }
        Path(args.json).write_text(json.dumps(samples, indent=2) + "\n")


if __name__ == "__main__":
    main()
