"""A/B of connection-pool limits for 200 concurrent ``ainvoke`` (client CPU ms per batch).

Run: ``.venv/bin/python -m benchmarks.pool_limits``. Same server, one event
loop, contenders interleaved, a warm batch before every timed one.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx

from benchmarks.contenders import API_KEY, FloorChat
from benchmarks.run import Server
from benchmarks.server import MODEL
from langchain_gradient import ChatGradient, _transport


def _gradient(base_url: str, limits: httpx.Limits | None) -> ChatGradient:
    client = None
    if limits is not None:
        client = httpx.AsyncClient(timeout=_transport.DEFAULT_TIMEOUT, limits=limits)
    return ChatGradient(  # type: ignore[call-arg]
        model=MODEL,
        base_url=base_url,
        api_key=API_KEY,  # type: ignore[arg-type]
        http_async_client=client,
    )


async def _batch(model: Any) -> float:
    start = time.process_time()
    await asyncio.gather(*(model.ainvoke("bench:chat:0") for _ in range(200)))
    return (time.process_time() - start) * 1e3


async def _main(base_url: str, trials: int) -> None:
    models: dict[str, Any] = {
        "floor (httpx default 100/20)": FloorChat(base_url=base_url),
        "ChatGradient stock": _gradient(base_url, None),
        "ChatGradient + 100/20": _gradient(
            base_url, httpx.Limits(max_connections=100, max_keepalive_connections=20)
        ),
        "ChatGradient + 100/100": _gradient(
            base_url, httpx.Limits(max_connections=100, max_keepalive_connections=100)
        ),
        "ChatGradient + 200/200": _gradient(
            base_url, httpx.Limits(max_connections=200, max_keepalive_connections=200)
        ),
    }
    names = list(models)
    results: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        await _batch(models[name])
    for trial in range(trials):
        for i in range(len(names)):
            name = names[(trial + i) % len(names)]
            await _batch(models[name])
            results[name].append(await _batch(models[name]))
    floor = statistics.median(results[names[0]])
    for name in names:
        median = statistics.median(results[name])
        print(f"{name:32s} {median:8.0f} ms CPU  {median / floor:.2f}x")


def main() -> None:
    """Print the table."""
    server = Server()
    try:
        asyncio.run(_main(server.base_url, trials=4))
    finally:
        server.close()


if __name__ == "__main__":
    main()
