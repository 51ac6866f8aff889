"""Ablation of the streaming levers in `benchmarks.proposals` (client CPU µs per stream).

Run: ``.venv/bin/python -m benchmarks.ablate_stream``. Interleaved trials, medians.
"""

from __future__ import annotations

import gc
import statistics
import time
from typing import Any

from benchmarks import proposals
from benchmarks.contenders import API_KEY, FloorChat
from benchmarks.run import Server
from benchmarks.server import MODEL
from langchain_gradient import ChatGradient
from langchain_gradient._response import StreamMapper


class _LeanSSEOnly(proposals.ProposedChatGradient):
    def _stream_mapper(self, requested_model: str) -> StreamMapper:
        return StreamMapper(requested_model)


class _FastMapOnly(ChatGradient):
    def _stream_mapper(self, requested_model: str) -> StreamMapper:
        return proposals.FastStreamMapper(requested_model)


def _run(models: dict[str, Any], name: str, text: str, reps: int) -> float:
    orjson_loads = proposals._orjson_loads
    if name == "lean SSE, stdlib json":
        proposals._orjson_loads = None
    try:
        gc.collect()
        start = time.process_time()
        for _ in range(reps):
            for _chunk in models[name].stream(text):
                pass
        return (time.process_time() - start) / reps * 1e6
    finally:
        proposals._orjson_loads = orjson_loads


def main(trials: int = 7) -> None:
    """Print the table."""
    server = Server()
    url = server.base_url
    kw: dict[str, Any] = {"model": MODEL, "base_url": url, "api_key": API_KEY}
    models: dict[str, Any] = {
        "floor": FloorChat(base_url=url),
        "stock": ChatGradient(**kw),
        "lean SSE + orjson": _LeanSSEOnly(**kw),
        "lean SSE, stdlib json": _LeanSSEOnly(**kw),
        "fast map": _FastMapOnly(**kw),
        "lean SSE + orjson + fast map": proposals.ProposedChatGradient(**kw),
    }
    names = list(models)
    try:
        for text, reps in (("bench:text:2000", 2), ("bench:tool:500", 5)):
            results: dict[str, list[float]] = {name: [] for name in names}
            for name in names:
                _run(models, name, text, 1)
            for trial in range(trials):
                for i in range(len(names)):
                    name = names[(trial + i) % len(names)]
                    results[name].append(_run(models, name, text, reps))
            floor = statistics.median(results["floor"])
            print(text)
            for name in names:
                median = statistics.median(results[name])
                print(f"  {name:30s} {median:9.0f} µs  {median / floor:.3f}x")
    finally:
        server.close()


if __name__ == "__main__":
    main()
